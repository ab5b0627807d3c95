// Putting messages in the outbox: the send gate decides, the template is rendered for the customer, and one row per
// idempotency key is written in the caller's transaction (a journey step, a broadcast batch, a staff send). A
// replayed key answers with the first row. Suppressions stay in the outbox with their reason and appear on the
// customer's timeline as message_suppressed.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { isValidTimeZone } from '../kernel/time.ts';
import { maskFor } from '../kernel/crypto/mask.ts';
import { loadPolicy, type SendPolicy } from './policy.ts';
import { gate, quotaDay } from './gate.ts';
import { loadChannels, providerFor, SMS_KINDS, type ChannelRow } from './channels.ts';
import { render, templatesByKey, variablesOf, type StoredTemplate } from './templates.ts';
import { linkUrl } from './links.ts';
import { appendTimeline } from '../customers/timeline.ts';

export interface MessageRequest {
  idemKey: string;
  customerId: number;
  channel: string;
  /** A stored template, or `content` for a one-off (staff) message. */
  templateKey?: string;
  variant?: string | null;
  content?: { subject: string | null; body: string };
  transactional: boolean;
  source: { type: 'journey' | 'broadcast' | 'staff' | 'test'; id: string };
  event?: Record<string, unknown>;
  journeyName?: string;
  /** Overrides the customer's address (a journey's webhook URL). */
  to?: string;
  payload?: Record<string, unknown>;
}

export type MessageOutcome =
  | { status: 'queued' | 'replayed'; outboxId: number }
  | { status: 'suppressed'; outboxId: number; reason: string }
  | { status: 'held'; until: Date };

export interface EnqueueOptions {
  /** In quiet hours: 'hold' answers held (the caller waits and asks again), 'defer' queues for when they end, 'drop' suppresses. */
  quiet: 'hold' | 'defer' | 'drop';
  policy?: SendPolicy;
  channels?: Map<string, ChannelRow>;
  templates?: Map<string, StoredTemplate>;
}

interface Profile {
  id: number;
  pii: Record<string, string>;
  traits: Record<string, unknown>;
  order_count: number;
  total_spent: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
  source_channel: string | null;
  tier: string | null;
  points: number | null;
}

export async function enqueueMessages(ctx: AppContext, tx: TenantTx, reqs: MessageRequest[], now: Date, opts: EnqueueOptions): Promise<MessageOutcome[]> {
  const out: (MessageOutcome | undefined)[] = new Array(reqs.length);
  if (reqs.length === 0) return [];
  const ws = tx.workspaceId;
  const prior = await tx.query<{ idem_key: string; id: number; status: string; reason: string | null }>(
    `SELECT idem_key, id, status, reason FROM outbox WHERE workspace_id = $1 AND idem_key = ANY($2)`, [ws, reqs.map((r) => r.idemKey)]);
  const priorByKey = new Map(prior.rows.map((r) => [r.idem_key, r]));
  const fresh: number[] = [];
  reqs.forEach((r, i) => {
    const p = priorByKey.get(r.idemKey);
    if (p) out[i] = { status: 'replayed', outboxId: p.id };
    else fresh.push(i);
  });
  if (fresh.length === 0) return out as MessageOutcome[];

  const policy = opts.policy ?? (await loadPolicy(tx));
  const channels = opts.channels ?? (await loadChannels(tx));
  const templateKeys = [...new Set(fresh.map((i) => reqs[i].templateKey).filter((k): k is string => !!k))];
  const templates = opts.templates ?? (await templatesByKey(tx, templateKeys));
  const profiles = await loadProfiles(tx, [...new Set(fresh.map((i) => reqs[i].customerId))]);
  const computed = await loadComputed(tx, fresh.map((i) => reqs[i]), templates);

  const timeZoneOf = (p: Profile | undefined) => {
    const tz = p?.traits.timezone;
    return typeof tz === 'string' && isValidTimeZone(tz) ? tz : policy.timezone;
  };
  const quotas = new Map([...channels.values()].filter((c) => c.daily_quota != null).map((c) => [c.channel, c.daily_quota!]));
  const decisions = await gate(tx, policy, fresh.map((i) => ({
    customerId: reqs[i].customerId, channel: reqs[i].channel, transactional: reqs[i].transactional, timeZone: timeZoneOf(profiles.get(reqs[i].customerId)),
  })), now, quotas);

  const ids = (await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('outbox', 'id'))::bigint AS id FROM generate_series(1, $1)`, [fresh.length])).rows.map((r) => r.id);
  const rows: any[] = [];
  const suppressed: { customerId: number; outboxId: number; reason: string; req: MessageRequest }[] = [];
  fresh.forEach((i, k) => {
    const req = reqs[i];
    const id = ids[k];
    const d = decisions[k];
    let reason: string | null = null;
    let nextAttempt = now;
    const channel = channels.get(req.channel);
    const profile = profiles.get(req.customerId);
    if (!channel) reason = 'no_provider';
    else if (!profile) reason = 'unknown_customer';
    else if (!d.ok && d.reason === 'quiet_hours') {
      if (opts.quiet === 'hold') {
        out[i] = { status: 'held', until: d.until };
        return;
      }
      if (opts.quiet === 'drop') reason = 'quiet_hours';
      else nextAttempt = d.until;
    } else if (!d.ok) reason = d.reason;

    let to: string | null = null;
    let subject: string | null = null;
    let body = '';
    if (!reason) {
      const provider = providerFor(channel!.kind, { allowPrivateOutbound: ctx.config.allowPrivateOutbound });
      to = req.to ?? provider.addressOf(decrypted(ctx, profile!));
      if (!to && channel!.kind !== 'webhook') reason = 'no_address';
    }
    if (!reason) {
      const template = req.templateKey ? templates.get(req.templateKey) : undefined;
      const text = template ? pickVariant(template, req.variant) : req.content;
      const sms = SMS_KINDS.has(channel!.kind);
      if (!text) reason = `unknown_template:${req.templateKey}`;
      else if (sms && !template?.sms) reason = 'no_sms_template';
      else {
        try {
          const link = (kind: 'c' | 'o' | 'u', index: number) => linkUrl(ctx.config.publicUrl, ctx.pii, { kind, workspaceId: ws, outboxId: id, index });
          const scope = {
            customer: scopeOf(ctx, profile!),
            computed: computed.get(req.customerId) ?? {},
            event: req.event ?? {},
            journey: req.journeyName ? { name: req.journeyName } : undefined,
            unsubscribe_url: link('u', 0),
          };
          const r = render(text, scope, (index) => link('c', index), channel!.kind === 'smtp');
          subject = r.subject;
          body = channel!.kind === 'smtp' ? `${r.body}<img src="${link('o', 0)}" width="1" height="1" alt="">` : r.body;
          // SMS parameters render with the same scope; their tracked links continue the body's numbering.
          const smsPayload = sms ? {
            templateCode: template!.sms!.templateCode,
            params: template!.sms!.params.map((p) => ({ name: p.name, value: render({ subject: null, body: p.value }, scope, (index) => link('c', index), false, r.links).body })),
          } : undefined;
          rows.push({ id, req, status: 'queued', reason: null, to, subject, body, links: r.links, nextAttempt, sms: smsPayload });
          out[i] = { status: 'queued', outboxId: id };
          return;
        } catch (err: any) {
          reason = `render_error:${String(err?.message ?? err).split('\n')[0].slice(0, 200)}`;
        }
      }
    }
    rows.push({ id, req, status: 'suppressed', reason, to: null, subject: null, body: null, links: [], nextAttempt: null });
    suppressed.push({ customerId: req.customerId, outboxId: id, reason: reason!, req });
    out[i] = { status: 'suppressed', outboxId: id, reason: reason! };
  });

  if (rows.length) {
    await tx.query(
      `INSERT INTO outbox (workspace_id, id, idem_key, customer_id, channel, template_key, transactional, source_type, source_id, recipient_enc,
                           recipient_masked, subject, body, payload, status, reason, next_attempt_at, created_at)
       SELECT $1, u.id, u.k, u.cid, u.ch, u.tk, u.tr, u.st, u.si, u.re, u.rm, u.sub, u.body, u.payload, u.status, u.reason, u.na, $18
         FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::text[], $14::jsonb[], $15::text[], $16::text[], $17::timestamptz[])
           AS u(id, k, cid, ch, tk, tr, st, si, re, rm, sub, body, payload, status, reason, na)
       ON CONFLICT (workspace_id, idem_key) DO NOTHING`,
      [ws, rows.map((r) => r.id), rows.map((r) => r.req.idemKey), rows.map((r) => r.req.customerId), rows.map((r) => r.req.channel),
       rows.map((r) => r.req.templateKey ?? null), rows.map((r) => r.req.transactional), rows.map((r) => r.req.source.type), rows.map((r) => r.req.source.id),
       rows.map((r) => (r.to ? ctx.pii.encrypt(r.to) : null)), rows.map((r) => (r.to ? maskRecipient(r.to) : null)),
       rows.map((r) => r.subject), rows.map((r) => r.body),
       rows.map((r) => JSON.stringify({ ...(r.req.payload ?? {}), variant: r.req.variant ?? null, links: r.links, ...(r.sms ? { sms: r.sms } : {}) })),
       rows.map((r) => r.status), rows.map((r) => r.reason), rows.map((r) => r.nextAttempt), now],
    );
  }
  await countUsage(tx, rows.filter((r) => r.status === 'queued' && !r.req.transactional).map((r) => r.req.channel), quotaDay(now, policy));
  if (suppressed.length) {
    await appendTimeline(tx, suppressed.map((s) => ({
      key: `msg:${s.outboxId}:suppressed`, customerId: s.customerId, event: 'message_suppressed', at: now,
      properties: { outbox_id: s.outboxId, channel: s.req.channel, reason: s.reason, source_type: s.req.source.type, source_id: s.req.source.id, template: s.req.templateKey ?? null },
    })),
    );
  }
  return out as MessageOutcome[];
}

/** Adds queued marketing messages to their channels' counters for the day (the daily quota reads them). */
async function countUsage(tx: TenantTx, channels: string[], day: string) {
  if (channels.length === 0) return;
  const counts = new Map<string, number>();
  for (const c of channels) counts.set(c, (counts.get(c) ?? 0) + 1);
  await tx.query(
    `INSERT INTO channel_daily_usage (workspace_id, channel, day, queued) SELECT $1, u.c, $2::date, u.n FROM unnest($3::text[], $4::int[]) AS u(c, n)
     ON CONFLICT (workspace_id, channel, day) DO UPDATE SET queued = channel_daily_usage.queued + EXCLUDED.queued`,
    [tx.workspaceId, day, [...counts.keys()], [...counts.values()]],
  );
}

function pickVariant(t: StoredTemplate, variant: string | null | undefined) {
  const v = variant ? t.variants.find((x) => x.key === variant) : undefined;
  return v ? { subject: v.subject ?? t.subject, body: v.body } : { subject: t.subject, body: t.body };
}

const maskRecipient = (to: string) => (/^https?:/.test(to) ? new URL(to).host : to.includes('@') ? maskFor('email', to) : /^\+?\d{6,}$/.test(to) ? maskFor('phone', to) : to);

const decryptedCache = new WeakMap<Profile, { name?: string; email?: string; phone?: string }>();
function decrypted(ctx: AppContext, p: Profile) {
  let d = decryptedCache.get(p);
  if (!d) {
    d = {};
    for (const f of ['name', 'email', 'phone'] as const) if (p.pii[f]) d[f] = ctx.pii.decrypt(p.pii[f]);
    decryptedCache.set(p, d);
  }
  return d;
}

function scopeOf(ctx: AppContext, p: Profile): Record<string, unknown> {
  const d = decrypted(ctx, p);
  return {
    id: p.id, name: d.name ?? '', email: d.email ?? '', phone: d.phone ?? '', order_count: p.order_count, total_spent: p.total_spent,
    first_order_at: p.first_order_at, last_order_at: p.last_order_at, source_channel: p.source_channel, tier: p.tier, points: p.points ?? 0, traits: p.traits,
  };
}

async function loadProfiles(tx: TenantTx, ids: number[]): Promise<Map<number, Profile>> {
  const { rows } = await tx.query<Profile>(
    `SELECT c.id, c.pii, c.traits, c.order_count, c.total_spent, c.first_order_at, c.last_order_at, c.source_channel, t.tier, a.balance AS points
       FROM customers c
       LEFT JOIN member_tiers t ON t.workspace_id = c.workspace_id AND t.customer_id = c.id
       LEFT JOIN points_accounts a ON a.workspace_id = c.workspace_id AND a.customer_id = c.id
      WHERE c.workspace_id = $1 AND c.id = ANY($2)`,
    [tx.workspaceId, ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** Computed traits the templates read, for the customers being messaged. */
async function loadComputed(tx: TenantTx, reqs: MessageRequest[], templates: Map<string, StoredTemplate>) {
  const keys = new Set<string>();
  for (const t of templates.values()) {
    for (const text of [t.subject, t.body, ...t.variants.flatMap((v) => [v.subject, v.body])]) {
      if (!text) continue;
      for (const v of variablesOf(text)) if (v.startsWith('computed.')) keys.add(v.split(/[.[\]]/)[1]);
    }
  }
  const out = new Map<number, Record<string, unknown>>();
  if (keys.size === 0) return out;
  const { rows } = await tx.query<{ customer_id: number; key: string; num: number | null; txt: string | null }>(
    `SELECT v.customer_id, t.key, v.num, v.txt FROM trait_values v JOIN computed_traits t ON t.workspace_id = v.workspace_id AND t.id = v.trait_id
      WHERE v.workspace_id = $1 AND t.key = ANY($2) AND v.customer_id = ANY($3)`,
    [tx.workspaceId, [...keys], [...new Set(reqs.map((r) => r.customerId))]],
  );
  for (const r of rows) {
    const m = out.get(r.customer_id) ?? {};
    m[r.key] = r.num ?? r.txt;
    out.set(r.customer_id, m);
  }
  return out;
}
