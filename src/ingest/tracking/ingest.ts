// Tracking ingest: dedupe by messageId, resolve identities for the whole batch, apply identify traits (PII
// encrypted), append events — all in one transaction, so a batch is either durable as a whole or not at all.
import crypto from 'node:crypto';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant, type TenantTx } from '../../kernel/tenant.ts';
import { storeTrackedEvents, type TrackedEvent } from '../../customers/timeline.ts';
import { IdentityResolver, type ResolveRequest } from '../../identity/resolver.ts';
import { type Identifier, normalizeIdentifier } from '../../identity/identifiers.ts';
import { type PiiField, sealPii, type SplitTraits, splitTraits, stripPii } from '../../customers/profile.ts';
import { correctedTimestamp, type Extracted, identifiersOf } from './identifiers-of.ts';
import type { ItemResult, TrackingMessage } from './schema.ts';

export interface IngestItem {
  index: number;
  message: TrackingMessage;
  /** When the request carrying it arrived, if not the batch's (items applied later from the ingest log). */
  receivedAt?: Date;
}

interface Prepared {
  slot: number;
  item: IngestItem;
  messageId: string;
  request: ResolveRequest;
  ts: Date;
  original: Date | null;
  receivedAt: Date;
  warnings: { field: string; message: string }[];
}

/** What a transaction did beyond its items' own profiles, announced on the change feed after it commits. */
export interface IngestEffects {
  /** Profiles merged into others. */
  mergedAway: number[];
  /** Profiles whose PII may have changed (identify traits, a contact learnt from an identifier, a merge). */
  piiChanged: number[];
}

export async function ingestMessages(
  ctx: AppContext,
  workspaceId: string,
  items: IngestItem[],
  opts: { receivedAt?: Date; batchSentAt?: string } = {},
): Promise<ItemResult[]> {
  const receivedAt = opts.receivedAt ?? ctx.clock.now();
  const effects: IngestEffects = { mergedAway: [], piiChanged: [] };
  const results = await withTenant(ctx.db, workspaceId, (tx) => ingestInTx(ctx, tx, items, { receivedAt, batchSentAt: opts.batchSentAt, effects }));
  const accepted = results.filter((r) => r.status === 'accepted').map((r) => r.customerId!);
  ctx.metrics.inc('siyu_events_ingested_total', 'Tracking messages stored', accepted.length);
  ctx.changes.customersChanged(workspaceId, [...accepted, ...effects.mergedAway], false, effects.piiChanged);
  return results;
}

export async function ingestInTx(
  ctx: AppContext,
  tx: TenantTx,
  items: IngestItem[],
  opts: { receivedAt: Date; batchSentAt?: string; effects?: IngestEffects },
): Promise<ItemResult[]> {
  const { receivedAt, batchSentAt } = opts;
  const results: ItemResult[] = new Array(items.length);
  const prepared: Prepared[] = [];
  const seen = new Set<string>();
  const ids = items.map((it) => messageIdOf(it.message));
  const existing = await tx.query<{ message_id: string }>(
    `SELECT message_id FROM events WHERE workspace_id = $1 AND message_id = ANY($2)`,
    [tx.workspaceId, ids],
  );
  const stored = new Set(existing.rows.map((r) => r.message_id));

  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const messageId = ids[i];
    if (stored.has(messageId) || seen.has(messageId)) {
      results[i] = { index: item.index, messageId, status: 'duplicate' };
      continue;
    }
    seen.add(messageId);
    const { identifiers, warnings, previousId } = identifyingParts(item.message);
    if (previousId) identifiers.push(await previousIdentifier(ctx, tx, previousId));
    if (identifiers.length === 0) {
      results[i] = { index: item.index, messageId, status: 'rejected', errors: noIdentifierErrors(warnings) };
      continue;
    }
    const arrived = item.receivedAt ?? receivedAt;
    const { ts, original } = correctedTimestamp(item.message, arrived, batchSentAt);
    prepared.push({
      slot: i,
      item,
      messageId,
      ts,
      original,
      receivedAt: arrived,
      warnings,
      request: { identifiers, source: item.message.type, explicit: item.message.type === 'alias', at: ts },
    });
  }
  if (prepared.length === 0) return results;

  const resolver = await IdentityResolver.forTransaction(ctx, tx);
  const customerIds = await resolver.resolve(prepared.map((p) => p.request));
  const piiPatched = await updateProfiles(ctx, tx, prepared, customerIds);
  opts.effects?.mergedAway.push(...resolver.mergedAway);
  opts.effects?.piiChanged.push(...resolver.piiChanged, ...piiPatched);
  const inserted = await storeTrackedEvents(tx, trackedEvents(prepared, customerIds));

  prepared.forEach((p, k) => {
    const status = inserted.has(p.messageId) ? 'accepted' : 'duplicate';
    results[p.slot] = { index: p.item.index, messageId: p.messageId, status, customerId: customerIds[k], ...(p.warnings.length ? { warnings: p.warnings } : {}) };
  });
  return results;
}

/** The message's id, or a generated one: fixed once, so storing the message again stores nothing twice. */
export function messageIdOf(m: TrackingMessage): string {
  return m.messageId ?? `gen-${crypto.randomUUID()}`;
}

/** The identifiers a message carries, as far as they are known without the database (an alias's previousId is looked up). */
function identifyingParts(m: TrackingMessage): Extracted & { previousId: string | null } {
  const { identifiers, warnings } = identifiersOf(m);
  let previousId: string | null = null;
  if (m.type === 'alias') {
    const n = normalizeIdentifier('user_id', m.previousId!);
    if (n.ok) previousId = n.value;
    else warnings.push({ field: 'previousId', message: 'is a placeholder; nothing to alias' });
  }
  return { identifiers, warnings, previousId };
}

function noIdentifierErrors(warnings: Extracted['warnings']) {
  return warnings.length ? warnings : [{ field: 'userId', message: 'no usable identifier' }];
}

/** Why a message would be rejected at ingest, known before it is stored: the ingest log answers with this at once. */
export function rejectionOf(m: TrackingMessage): Extracted['warnings'] | null {
  const { identifiers, warnings, previousId } = identifyingParts(m);
  return identifiers.length > 0 || previousId ? null : noIdentifierErrors(warnings);
}

async function previousIdentifier(ctx: AppContext, tx: TenantTx, previousId: string): Promise<Identifier> {
  // previousId is an earlier userId when one is known, otherwise the anonymousId the visitor browsed with.
  const { rows } = await tx.query(
    `SELECT 1 FROM identities WHERE workspace_id = $1 AND id_type = 'user_id' AND scope = '' AND value_hash = $2`,
    [tx.workspaceId, ctx.pii.blindIndex('user_id', previousId)],
  );
  return { type: rows.length ? 'user_id' : 'anonymous_id', scope: '', value: previousId };
}

function sourceOf(m: TrackingMessage): string | null {
  const traits = { ...((m.context?.traits as any) ?? {}), ...(m.traits ?? {}) };
  const campaign = m.context?.campaign as Record<string, unknown> | undefined;
  const v = traits.source_channel ?? m.properties?.source_channel ?? m.properties?.channel_code ?? campaign?.source;
  return typeof v === 'string' && v ? v : null;
}

/** Returns the customers given new PII. */
async function updateProfiles(ctx: AppContext, tx: TenantTx, prepared: Prepared[], customerIds: number[]): Promise<number[]> {
  // One row per touched customer: later messages' traits win over earlier ones in the same batch.
  interface ProfileRow {
    id: number;
    traits: Record<string, unknown>;
    pii: Record<string, string>;
    masked: Record<string, string>;
    nbidx: string | null;
    src: string | null;
    fs: Date;
    ls: Date;
  }
  const byCustomer = new Map<number, ProfileRow>();
  const piiOf = new Map<number, SplitTraits['pii']>();
  prepared.forEach((p, k) => {
    const id = customerIds[k];
    let u = byCustomer.get(id);
    if (!u) byCustomer.set(id, (u = { id, traits: {}, pii: {}, masked: {}, nbidx: null, src: null, fs: p.ts, ls: p.ts }));
    if (p.ts < u.fs) u.fs = p.ts;
    if (p.ts > u.ls) u.ls = p.ts;
    u.src ??= sourceOf(p.item.message);
    if (p.item.message.type === 'identify' && p.item.message.traits) {
      const split = splitTraits(p.item.message.traits);
      Object.assign(u.traits, split.traits);
      if (Object.keys(split.pii).length > 0) piiOf.set(id, Object.assign(piiOf.get(id) ?? {}, split.pii));
    }
  });
  await keepOnlyNewPii(ctx, tx, piiOf);
  for (const [id, plain] of piiOf) {
    const u = byCustomer.get(id)!;
    const sealed = sealPii(ctx.pii, plain);
    [u.pii, u.masked, u.nbidx] = [sealed.pii, sealed.piiMasked, sealed.nameBidx];
  }
  const rows = [...byCustomer.values()];
  await tx.query(
    `UPDATE customers c SET traits = c.traits || u.traits, pii = c.pii || u.pii, pii_masked = c.pii_masked || u.masked,
            name_bidx = COALESCE(u.nbidx, c.name_bidx),
            source_channel = COALESCE(c.source_channel, u.src),
            source = CASE WHEN c.source_channel IS NULL AND u.src IS NOT NULL THEN jsonb_build_object('channel', u.src, 'at', u.fs) ELSE c.source END,
            first_seen_at = LEAST(c.first_seen_at, u.fs), last_seen_at = GREATEST(c.last_seen_at, u.ls), updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS u(id bigint, traits jsonb, pii jsonb, masked jsonb, nbidx text, src text, fs timestamptz, ls timestamptz)
      WHERE c.workspace_id = $1 AND c.id = u.id
        -- Skip rows with nothing new: last_seen_at is kept to the minute, so a burst of events rewrites the row once,
        -- and traits the profile already holds (identify on every app launch) rewrite nothing.
        AND ((c.traits || u.traits) <> c.traits OR u.pii <> '{}' OR u.nbidx IS NOT NULL OR (u.src IS NOT NULL AND c.source_channel IS NULL)
             OR u.fs < c.first_seen_at OR u.ls > c.last_seen_at + interval '1 minute')`,
    [tx.workspaceId, JSON.stringify(rows)],
  );
  return rows.filter((u) => Object.keys(u.pii).length > 0).map((u) => u.id);
}

/**
 * Drops the PII a profile already holds: apps call identify with the same traits on every launch, and rewriting the
 * sealed value (a fresh IV each time) would make every launch a PII change that matching re-keys and re-scores.
 */
async function keepOnlyNewPii(ctx: AppContext, tx: TenantTx, piiOf: Map<number, SplitTraits['pii']>) {
  if (piiOf.size === 0) return;
  const { rows: stored } = await tx.query<{ id: number; pii: Record<string, string> }>(
    `SELECT id, pii FROM customers WHERE workspace_id = $1 AND id = ANY($2) AND pii <> '{}'`,
    [tx.workspaceId, [...piiOf.keys()]],
  );
  for (const { id, pii: sealed } of stored) {
    const plain = piiOf.get(Number(id))!;
    for (const [key, value] of Object.entries(plain) as [PiiField, string][]) {
      if (sealed[key] && openOrNull(ctx, sealed[key]) === value) delete plain[key];
    }
  }
}

function openOrNull(ctx: AppContext, sealed: string): string | null {
  try {
    return ctx.pii.decrypt(sealed);
  } catch {
    return null; // unreadable (a retired key): the new value replaces it
  }
}

function eventBody(m: TrackingMessage): { event: string | null; properties: Record<string, unknown> } {
  switch (m.type) {
    case 'track':
      return { event: m.event!, properties: m.properties ?? {} };
    case 'page':
    case 'screen':
      return { event: m.name ?? null, properties: { ...(m.properties ?? {}), ...(m.category ? { category: m.category } : {}) } };
    case 'identify':
      return { event: null, properties: stripPii(m.traits) ?? {} };
    case 'group':
      return { event: null, properties: { groupId: m.groupId, traits: m.traits ?? {} } };
    case 'alias':
      return { event: null, properties: {} };
  }
}

function storedContext(context: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!context) return {};
  const { traits, externalIds, ...rest } = context as Record<string, any>;
  return traits ? { ...rest, traits: stripPii(traits) } : rest;
}

function trackedEvents(prepared: Prepared[], customerIds: number[]): TrackedEvent[] {
  return prepared.map((p, o) => {
    const { event, properties } = eventBody(p.item.message);
    return {
      messageId: p.messageId, customerId: customerIds[o], type: p.item.message.type, event, properties,
      context: storedContext(p.item.message.context), ts: p.ts, originalTs: p.original, receivedAt: p.receivedAt,
    };
  });
}
