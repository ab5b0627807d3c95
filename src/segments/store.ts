// An in-memory columnar copy of a workspace's customers, indexed by dense customer id: the fields rules read,
// tag and segment memberships as bitsets. PostgreSQL stays the source of truth; the store is loaded on start and
// refreshed row by row as customers change, so evaluating a rule never scans the database.
import type { Queryable } from '../kernel/db.ts';
import { Bitset } from './bitset.ts';

export interface StringColumn {
  codes: Int32Array; // -1 = null
  dict: string[];
  index: Map<string, number>;
}

const NUMERIC_BASE = ['order_count', 'total_spent', 'first_order_at', 'last_order_at', 'first_seen_at', 'last_seen_at'] as const;
const BASE_SELECT = `id, merged_into IS NULL AS live, NOT is_anonymous AS known, source_channel, order_count, total_spent,
  first_order_at, last_order_at, first_seen_at, last_seen_at`;

export class CustomerStore {
  size = 0;
  live = new Bitset(0);
  known = new Bitset(0);
  readonly num = new Map<string, Float64Array>();
  readonly str = new Map<string, StringColumn>();
  readonly tags = new Map<string, Bitset>();
  readonly segments = new Map<string, Bitset>();
  /** profile attribute keys (traits.<key>) loaded so far; loaded lazily on first use */
  private readonly attributeKeys = new Set<string>();
  /** channels whose marketing consent (consent.<channel>: granted | revoked, empty = never asked) is loaded */
  private readonly consentChannels = new Set<string>();

  constructor(private readonly workspaceId: string) {}

  async load(tx: Queryable) {
    const max = (await tx.query<{ m: number | null }>(`SELECT max(id) AS m FROM customers WHERE workspace_id = $1`, [this.workspaceId])).rows[0].m ?? 0;
    this.ensure(max + 1);
    const { rows } = await tx.query(`SELECT ${BASE_SELECT} FROM customers WHERE workspace_id = $1`, [this.workspaceId]);
    for (const r of rows) this.setBase(r);
    for (const key of this.attributeKeys) await this.loadAttribute(tx, key);
    for (const channel of this.consentChannels) await this.loadConsent(tx, channel);
  }

  /** Reloads the given customers' rows (after ingest, orders, merges). */
  async refresh(tx: Queryable, ids: number[]) {
    if (ids.length === 0) return;
    const { rows } = await tx.query(`SELECT ${BASE_SELECT}, traits FROM customers WHERE workspace_id = $1 AND id = ANY($2)`, [this.workspaceId, ids]);
    this.ensure(Math.max(...rows.map((r: any) => r.id)) + 1);
    for (const r of rows) {
      this.setBase(r);
      for (const key of this.attributeKeys) this.setString(`traits.${key}`, r.id, r.traits?.[key]);
    }
    if (this.consentChannels.size) {
      const channels = [...this.consentChannels];
      for (const id of ids) for (const c of channels) this.setString(`consent.${c}`, id, null);
      const consents = await tx.query<{ customer_id: number; channel: string; granted: boolean }>(
        `SELECT customer_id, channel, granted FROM consents WHERE workspace_id = $1 AND customer_id = ANY($2) AND channel = ANY($3) AND purpose = 'marketing'`,
        [this.workspaceId, ids, channels]);
      for (const r of consents.rows) this.setString(`consent.${r.channel}`, r.customer_id, r.granted ? 'granted' : 'revoked');
    }
  }

  /** Whether a rule field still has to be read from the database before rules can use it. */
  needsLoading(field: string): boolean {
    if (field.startsWith('traits.')) return !this.attributeKeys.has(field.slice(7));
    if (field.startsWith('consent.')) return !this.consentChannels.has(field.slice(8));
    return false;
  }

  /** Makes a rule field that is loaded on demand (traits.<key>, consent.<channel>) available. */
  async ensureField(tx: Queryable, field: string) {
    if (field.startsWith('traits.')) await this.ensureAttribute(tx, field.slice(7));
    else if (field.startsWith('consent.') && !this.consentChannels.has(field.slice(8))) {
      this.consentChannels.add(field.slice(8));
      await this.loadConsent(tx, field.slice(8));
    }
  }

  private async loadConsent(tx: Queryable, channel: string) {
    const { rows } = await tx.query<{ customer_id: number; granted: boolean }>(
      `SELECT customer_id, granted FROM consents WHERE workspace_id = $1 AND channel = $2 AND purpose = 'marketing'`, [this.workspaceId, channel]);
    this.ensure(rows.reduce((m, r) => Math.max(m, r.customer_id), 0) + 1);
    for (const r of rows) this.setString(`consent.${channel}`, r.customer_id, r.granted ? 'granted' : 'revoked');
  }

  /** Makes traits.<key> available to rules. */
  async ensureAttribute(tx: Queryable, key: string) {
    if (this.attributeKeys.has(key)) return;
    this.attributeKeys.add(key);
    await this.loadAttribute(tx, key);
  }

  private async loadAttribute(tx: Queryable, key: string) {
    const { rows } = await tx.query<{ id: number; v: string }>(`SELECT id, traits->>$2 AS v FROM customers WHERE workspace_id = $1 AND traits ? $2`, [this.workspaceId, key]);
    for (const r of rows) this.setString(`traits.${key}`, r.id, r.v);
  }

  setNumber(field: string, id: number, value: number | null) {
    let col = this.num.get(field);
    if (!col) {
      col = new Float64Array(this.size).fill(NaN);
      this.num.set(field, col);
    }
    col[id] = value ?? NaN;
  }

  setString(field: string, id: number, value: unknown) {
    let col = this.str.get(field);
    if (!col) {
      col = { codes: new Int32Array(this.size).fill(-1), dict: [], index: new Map() };
      this.str.set(field, col);
    }
    if (value === null || value === undefined || value === '') {
      col.codes[id] = -1;
      return;
    }
    const s = String(value);
    let code = col.index.get(s);
    if (code === undefined) {
      code = col.dict.length;
      col.dict.push(s);
      col.index.set(s, code);
    }
    col.codes[id] = code;
  }

  private setBase(r: any) {
    if (r.live) this.live.add(r.id);
    else this.live.delete(r.id);
    if (r.known) this.known.add(r.id);
    else this.known.delete(r.id);
    this.setString('source_channel', r.id, r.source_channel);
    for (const f of NUMERIC_BASE) {
      const v = r[f];
      const col = this.num.get(f) ?? (this.setNumber(f, r.id, null), this.num.get(f)!);
      col[r.id] = v === null || v === undefined ? NaN : v instanceof Date ? v.getTime() : Number(v);
    }
    this.setNumber('aov', r.id, r.order_count > 0 ? Number(r.total_spent) / r.order_count : null);
  }

  /** Grows every column to hold ids below n (new customers arrive all the time). */
  ensure(n: number) {
    if (n <= this.size) return;
    const size = Math.max(n, Math.ceil(this.size * 1.25), 1024);
    this.live = this.live.grown(size);
    this.known = this.known.grown(size);
    for (const [k, col] of this.num) {
      const next = new Float64Array(size).fill(NaN);
      next.set(col);
      this.num.set(k, next);
    }
    for (const col of this.str.values()) {
      const next = new Int32Array(size).fill(-1);
      next.set(col.codes);
      col.codes = next;
    }
    for (const [k, b] of this.tags) this.tags.set(k, b.grown(size));
    for (const [k, b] of this.segments) this.segments.set(k, b.grown(size));
    this.size = size;
  }
}

