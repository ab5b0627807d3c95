// Batch identity resolution (OneID). For each request — the identifiers one message or order carries — find the
// profile they belong to, stitch anonymous activity to known people, merge profiles that a unique identifier proves
// are one person, and create a profile when nothing matches. A whole ingest batch is resolved with a handful of
// queries; per-identifier advisory locks make concurrent batches for the same person wait for each other, so two
// profiles are never created for one person.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import type { Pii } from '../kernel/crypto/pii.ts';
import { maskFor } from '../kernel/crypto/mask.ts';
import { type Identifier, identifierKey } from './identifiers.ts';
import type { RuleBook } from './rules.ts';
import { allocateCustomerIds } from './customer-ids.ts';
import { mergeCustomers } from './merge.ts';

export interface ResolveRequest {
  identifiers: Identifier[];
  /** What is asking: identify, track, alias, order, import ... (recorded on new identities and merges). */
  source: string;
  /** The caller asserts these identifiers are one person (alias), so even weak links merge. */
  explicit?: boolean;
  at: Date;
}

interface Group {
  anonymous: boolean;
  /** "type|scope" -> number of values held, for types with a per-customer limit. */
  counts: Map<string, number>;
  firstSeen: Date;
  lastSeen: Date;
}

interface PendingIdentity {
  id: Identifier;
  hash: string;
  customer: number;
  source: string;
}

interface PendingMerge {
  winner: number;
  loser: number;
  reason: string;
  links: { type: string; value: string }[];
}

interface Conflict {
  kind: 'limit_exceeded' | 'merge_blocked';
  customer: number;
  details: Record<string, unknown>;
}

export class IdentityResolver {
  /** Profiles merged into others during this resolver's work: they leave every segment and tag. */
  readonly mergedAway: number[] = [];
  /** Profiles whose PII this resolver changed: a contact field filled from a new phone or email, or a merge. */
  readonly piiChanged: number[] = [];

  constructor(
    private readonly tx: TenantTx,
    private readonly pii: Pii,
    private readonly rules: RuleBook,
  ) {}

  /** A resolver for this transaction's workspace, under its identity rules (cached for a few seconds). */
  static async forTransaction(ctx: AppContext, tx: TenantTx): Promise<IdentityResolver> {
    return new IdentityResolver(tx, ctx.pii, await ctx.services.get('identityRules').get(tx, tx.workspaceId));
  }

  /** Returns the root customer id for each request, in order. */
  async resolve(requests: ResolveRequest[]): Promise<number[]> {
    const hashes = new Map<string, string>();
    const byKey = new Map<string, Identifier>();
    for (const r of requests) {
      for (const id of r.identifiers) {
        const k = identifierKey(id);
        if (!hashes.has(k)) {
          hashes.set(k, this.pii.blindIndex(id.type, id.value));
          byKey.set(k, id);
        }
      }
    }
    await this.lock([...hashes.values()]);
    for (let attempt = 0; ; attempt++) {
      const state = await this.load(byKey, hashes);
      if (state) return this.decide(requests, hashes, state);
      if (attempt > 5) throw new Error('identity resolution kept racing with concurrent merges');
    }
  }

  private async lock(hashList: string[]) {
    if (hashList.length === 0) return;
    await this.tx.query(
      `SELECT pg_advisory_xact_lock(hashtextextended($1 || k, 0)) FROM (SELECT DISTINCT unnest($2::text[]) AS k ORDER BY 1) s`,
      [this.tx.workspaceId, hashList],
    );
  }

  /** Reads which known identifiers point where, and locks the root profiles; null when a root moved meanwhile. */
  private async load(byKey: Map<string, Identifier>, hashes: Map<string, string>) {
    const ws = this.tx.workspaceId;
    const keys = [...byKey.keys()];
    const { rows } = await this.tx.query<{ t: string; s: string; h: string; root: number }>(
      `SELECT i.id_type AS t, i.scope AS s, i.value_hash AS h, c.canonical_id AS root
         FROM unnest($2::text[], $3::text[], $4::text[]) AS k(t, s, h)
         JOIN identities i ON i.workspace_id = $1 AND i.id_type = k.t AND i.scope = k.s AND i.value_hash = k.h
         JOIN customers c ON c.workspace_id = $1 AND c.id = i.customer_id`,
      [ws, keys.map((k) => byKey.get(k)!.type), keys.map((k) => byKey.get(k)!.scope), keys.map((k) => hashes.get(k)!)],
    );
    const hashToKey = new Map(keys.map((k) => [`${byKey.get(k)!.type}|${byKey.get(k)!.scope}|${hashes.get(k)}`, k]));
    const owner = new Map<string, number>();
    for (const r of rows) owner.set(hashToKey.get(`${r.t}|${r.s}|${r.h}`)!, r.root);

    const roots = [...new Set(owner.values())];
    const groups = new Map<number, Group>();
    let blocks: [number, number][] = [];
    if (roots.length > 0) {
      const locked = await this.tx.query<{ id: number; merged_into: number | null; is_anonymous: boolean; first_seen_at: Date; last_seen_at: Date }>(
        `SELECT id, merged_into, is_anonymous, first_seen_at, last_seen_at FROM customers
          WHERE workspace_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`,
        [ws, roots],
      );
      if (locked.rows.some((r) => r.merged_into !== null)) return null;
      for (const r of locked.rows) groups.set(r.id, { anonymous: r.is_anonymous, counts: new Map(), firstSeen: r.first_seen_at, lastSeen: r.last_seen_at });
      const limited = [...this.rules.values()].filter((r) => r.maxPerCustomer !== null).map((r) => r.type);
      const counts = await this.tx.query<{ root: number; t: string; s: string; n: number }>(
        `SELECT c.canonical_id AS root, i.id_type AS t, i.scope AS s, count(*)::int AS n
           FROM customers c JOIN identities i ON i.workspace_id = $1 AND i.customer_id = c.id
          WHERE c.workspace_id = $1 AND c.canonical_id = ANY($2) AND i.id_type = ANY($3)
          GROUP BY 1, 2, 3`,
        [ws, roots, limited],
      );
      for (const c of counts.rows) groups.get(c.root)!.counts.set(`${c.t}|${c.s}`, c.n);
      const b = await this.tx.query<{ a: number; b: number }>(
        `SELECT ca.canonical_id AS a, cb.canonical_id AS b FROM merge_blocks mb
           JOIN customers ca ON ca.workspace_id = $1 AND ca.id = mb.customer_a
           JOIN customers cb ON cb.workspace_id = $1 AND cb.id = mb.customer_b
          WHERE mb.workspace_id = $1 AND (ca.canonical_id = ANY($2) OR cb.canonical_id = ANY($2))`,
        [ws, roots],
      );
      blocks = b.rows.map((r) => [r.a, r.b]);
    }
    return { owner, groups, blocks };
  }

  private async decide(
    requests: ResolveRequest[],
    hashes: Map<string, string>,
    state: { owner: Map<string, number>; groups: Map<number, Group>; blocks: [number, number][] },
  ): Promise<number[]> {
    const { owner, groups, blocks } = state;
    const mergedInto = new Map<number, number>();
    const rootOf = (id: number) => {
      while (mergedInto.has(id)) id = mergedInto.get(id)!;
      return id;
    };
    // New profiles get temporary negative ids (-1 older than -2); real ids are allocated once we know how many.
    let nextTemp = -1;
    const created: { temp: number; at: Date }[] = [];
    const pendingIds: PendingIdentity[] = [];
    const pendingMerges: PendingMerge[] = [];
    const conflicts: Conflict[] = [];
    const becameKnown = new Set<number>();
    const results: number[] = [];
    const older = (a: number, b: number) => (a > 0 && b > 0 ? a < b : a > 0 ? true : b > 0 ? false : a > b);
    const rule = (id: Identifier) => this.rules.get(id.type)!;

    for (const req of requests) {
      const ids = [...req.identifiers].sort((a, b) => rule(a).priority - rule(b).priority);
      const bringsUnique = ids.some((id) => rule(id).strength === 'unique');
      // A device id already used by a known person is not evidence about someone else who logs in on that device
      // (shared phones, store tablets): it neither decides nor merges, and stays with its owner.
      const found = ids.filter((id) => {
        if (!owner.has(identifierKey(id))) return false;
        if (req.explicit || !bringsUnique || rule(id).strength === 'unique') return true;
        return groups.get(rootOf(owner.get(identifierKey(id))!))!.anonymous;
      });
      let root: number;
      if (found.length === 0) {
        root = nextTemp--;
        created.push({ temp: root, at: req.at });
        groups.set(root, { anonymous: true, counts: new Map(), firstSeen: req.at, lastSeen: req.at });
      } else {
        root = rootOf(owner.get(identifierKey(found[0]))!);
        for (const other of found.slice(1)) {
          const r = rootOf(owner.get(identifierKey(other))!);
          if (r === root) continue;
          const links = found.filter((id) => rootOf(owner.get(identifierKey(id))!) === r);
          const strong = req.explicit || links.some((id) => rule(id).strength === 'unique');
          const g = groups.get(root)!;
          const h = groups.get(r)!;
          // A shared device (weak id) may stitch anonymous activity to a person, but never joins two known people.
          if (!strong && !g.anonymous && !h.anonymous) continue;
          const masked = links.map((id) => ({ type: id.type, value: maskFor(id.type, id.value) }));
          if (blocks.some(([a, b]) => (rootOf(a) === root && rootOf(b) === r) || (rootOf(a) === r && rootOf(b) === root))) {
            conflicts.push({ kind: 'merge_blocked', customer: root, details: { other: r, reason: 'an operator split these profiles', links: masked } });
            continue;
          }
          const over = this.overLimit(g, h);
          if (over) {
            conflicts.push({ kind: 'merge_blocked', customer: root, details: { other: r, reason: `both profiles hold a different ${over}`, links: masked } });
            continue;
          }
          const [winner, loser] = older(root, r) ? [root, r] : [r, root];
          mergedInto.set(loser, winner);
          const wg = groups.get(winner)!;
          const lg = groups.get(loser)!;
          wg.anonymous = wg.anonymous && lg.anonymous;
          for (const [k, n] of lg.counts) wg.counts.set(k, (wg.counts.get(k) ?? 0) + n);
          if (lg.firstSeen < wg.firstSeen) wg.firstSeen = lg.firstSeen;
          if (lg.lastSeen > wg.lastSeen) wg.lastSeen = lg.lastSeen;
          pendingMerges.push({ winner, loser, reason: mergeReason(req, strong), links: masked });
          root = winner;
        }
      }
      const g = groups.get(root)!;
      if (req.at > g.lastSeen) g.lastSeen = req.at;
      if (req.at < g.firstSeen) g.firstSeen = req.at;
      for (const id of ids) {
        const k = identifierKey(id);
        if (owner.has(k)) continue;
        const r = rule(id);
        const slot = `${id.type}|${id.scope}`;
        const held = g.counts.get(slot) ?? 0;
        if (r.maxPerCustomer !== null && held >= r.maxPerCustomer) {
          conflicts.push({ kind: 'limit_exceeded', customer: root, details: { type: id.type, value: maskFor(id.type, id.value), limit: r.maxPerCustomer, source: req.source } });
          continue;
        }
        g.counts.set(slot, held + 1);
        if (r.strength === 'unique' && g.anonymous) {
          g.anonymous = false;
          becameKnown.add(root);
        }
        owner.set(k, root);
        pendingIds.push({ id, hash: hashes.get(k)!, customer: root, source: req.source });
      }
      results.push(root);
    }
    return this.persist({ created, pendingIds, pendingMerges, conflicts, becameKnown, groups, results, rootOf });
  }

  private overLimit(a: Group, b: Group): string | null {
    for (const [slot, n] of b.counts) {
      const type = slot.split('|')[0] as Identifier['type'];
      const max = this.rules.get(type)?.maxPerCustomer;
      if (max != null && n + (a.counts.get(slot) ?? 0) > max) return type;
    }
    return null;
  }

  private async persist(p: {
    created: { temp: number; at: Date }[];
    pendingIds: PendingIdentity[];
    pendingMerges: PendingMerge[];
    conflicts: Conflict[];
    becameKnown: Set<number>;
    groups: Map<number, Group>;
    results: number[];
    rootOf: (id: number) => number;
  }): Promise<number[]> {
    const ws = this.tx.workspaceId;
    const real = await allocateCustomerIds(this.tx, ws, p.created.length);
    const idOf = (id: number) => (id < 0 ? real[-id - 1] : id);

    if (p.created.length > 0) {
      const g = p.created.map((c) => p.groups.get(c.temp)!);
      // A created profile that was merged away in this batch still gets its row: it is a member of the winner.
      await this.tx.query(
        `INSERT INTO customers (workspace_id, id, canonical_id, merged_into, is_anonymous, first_seen_at, last_seen_at)
         SELECT $1, id, id, NULL, anon, fs, ls FROM unnest($2::bigint[], $3::boolean[], $4::timestamptz[], $5::timestamptz[]) AS t(id, anon, fs, ls)`,
        [ws, real, g.map((x) => x.anonymous), g.map((x) => x.firstSeen), g.map((x) => x.lastSeen)],
      );
    }
    if (p.pendingIds.length > 0) {
      const ids = p.pendingIds;
      await this.tx.query(
        `INSERT INTO identities (workspace_id, id_type, scope, value_hash, value_enc, value_masked, customer_id, source)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])
         ON CONFLICT DO NOTHING`,
        [ws, ids.map((i) => i.id.type), ids.map((i) => i.id.scope), ids.map((i) => i.hash), ids.map((i) => this.pii.encrypt(i.id.value)),
         ids.map((i) => maskFor(i.id.type, i.id.value)), ids.map((i) => idOf(i.customer)), ids.map((i) => i.source)],
      );
    }
    // A phone or email learnt as an identifier (an order, an import) also fills the profile's contact field if empty.
    const contacts = new Map<number, { pii: Record<string, string>; masked: Record<string, string> }>();
    for (const i of p.pendingIds) {
      if (i.id.type !== 'phone' && i.id.type !== 'email') continue;
      const c = contacts.get(idOf(i.customer)) ?? { pii: {}, masked: {} };
      c.pii[i.id.type] ??= this.pii.encrypt(i.id.value);
      c.masked[i.id.type] ??= maskFor(i.id.type, i.id.value);
      contacts.set(idOf(i.customer), c);
    }
    if (contacts.size > 0) {
      const rows = [...contacts.entries()];
      await this.tx.query(
        `UPDATE customers c SET pii = u.pii || c.pii, pii_masked = u.masked || c.pii_masked
           FROM unnest($2::bigint[], $3::jsonb[], $4::jsonb[]) AS u(id, pii, masked)
          WHERE c.workspace_id = $1 AND c.id = u.id`,
        [ws, rows.map(([id]) => id), rows.map(([, c]) => JSON.stringify(c.pii)), rows.map(([, c]) => JSON.stringify(c.masked))],
      );
      this.piiChanged.push(...contacts.keys());
    }
    const known = [...p.becameKnown].map(idOf).filter((id) => id > 0);
    if (known.length > 0) await this.tx.query(`UPDATE customers SET is_anonymous = false WHERE workspace_id = $1 AND id = ANY($2)`, [ws, known]);
    for (const m of p.pendingMerges) {
      await mergeCustomers(this.tx, idOf(m.winner), idOf(m.loser), m.reason, { links: m.links });
      this.mergedAway.push(idOf(m.loser));
      this.piiChanged.push(idOf(m.winner));
    }
    if (p.conflicts.length > 0) {
      await this.tx.query(
        `INSERT INTO identity_conflicts (workspace_id, kind, customer_id, details) SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::jsonb[])`,
        [ws, p.conflicts.map((c) => c.kind), p.conflicts.map((c) => idOf(p.rootOf(c.customer))),
         p.conflicts.map((c) => JSON.stringify({ ...c.details, other: typeof c.details.other === 'number' ? idOf(c.details.other) : undefined }))],
      );
    }
    return p.results.map((r) => idOf(p.rootOf(r)));
  }
}

function mergeReason(req: ResolveRequest, strong: boolean): string {
  if (req.explicit) return `${req.source}: the caller declared both identifiers one person`;
  if (strong) return `${req.source}: a unique identifier was seen on both profiles`;
  return `${req.source}: anonymous activity stitched to a known profile through a shared device id`;
}
