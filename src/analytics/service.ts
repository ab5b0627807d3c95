// Analytics requests end to end: check the request, answer from the cache when the data has not changed, else open
// the workspace's warehouse in DuckDB, apply the filters and run the query within the time limit.
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { badRequest } from '../kernel/errors.ts';
import type { DuckSession } from './duck.ts';
import { dataVersion, inWarehouse, materialize } from './warehouse.ts';
import { applyFilters, checkRange, previousRange, ts, type Filters, type Range, type Scope } from './scope.ts';
import { metricByKey, METRICS, type Breakdown, type MetricResult } from './metrics.ts';
import { runFunnel, funnelPeople, type FunnelRequest } from './funnels.ts';
import { runRetention, type RetentionRequest } from './retention.ts';
import { runPaths, type PathsRequest } from './paths.ts';
import { runAttribution, type AttributionRequest } from './attribution.ts';

const CACHE_SIZE = 500;
const CACHE_TTL_MS = 15 * 60_000;

export interface MetricRequest extends Range {
  metric: string;
  breakdown?: Breakdown;
  repurchaseDays?: number;
  compare?: boolean;
}

export class Analytics {
  private readonly cache = new Map<string, { at: number; value: unknown }>();
  hits = 0;
  misses = 0;

  constructor(private readonly ctx: AppContext) {}

  /** Drops a workspace's cached answers (costs changed, which the data version does not see). */
  forget(workspaceId: string) {
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${workspaceId}|`)) this.cache.delete(k);
  }

  /** Cached by the request and the data version: new rows (or memberships a filter reads) make a fresh answer. */
  private async cached<T>(workspaceId: string, kind: string, request: unknown, filters: Filters | undefined, run: () => Promise<T>): Promise<T & { cached: boolean }> {
    const version = await dataVersion(this.ctx, workspaceId, { segments: [filters?.segment ?? ''], tags: [filters?.tag ?? ''] });
    const key = `${workspaceId}|${kind}|${JSON.stringify(request)}|${version}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) {
      this.hits++;
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used last
      return { ...(hit.value as T), cached: true };
    }
    this.misses++;
    const value = await run();
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { at: Date.now(), value });
    return { ...value, cached: false };
  }

  private warehouse<T>(workspaceId: string, fn: (d: DuckSession) => Promise<T>) {
    return inWarehouse(this.ctx, workspaceId, fn, this.ctx.config.analyticsTimeoutMs);
  }

  async timezone(workspaceId: string): Promise<string> {
    return withTenant(this.ctx.db, workspaceId, async (tx) => (await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [workspaceId])).rows[0].timezone);
  }

  private check(r: MetricRequest) {
    checkRange(r);
    const def = metricByKey.get(r.metric);
    if (!def) throw badRequest('metric', `unknown metric "${r.metric}"; one of ${METRICS.map((m) => m.key).join(', ')}`);
    if (r.breakdown && !def.breakdowns.includes(r.breakdown)) throw badRequest('breakdown', `${def.key} breaks down by ${def.breakdowns.join(', ') || 'nothing'}`);
    return def;
  }

  /** One metric in an open warehouse session (the range and, when compared, the previous period together). */
  private async metricIn(d: DuckSession | null, workspaceId: string, r: MetricRequest, tz: string, scope?: Scope) {
    const def = this.check(r);
    const base = { range: r, previous: r.compare ? previousRange(r) : undefined, tz, breakdown: r.breakdown, repurchaseDays: r.repurchaseDays ?? 30 };
    let result: MetricResult;
    if (def.engine === 'pg') {
      const pg = (range: Range) => withTenant(this.ctx.db, workspaceId, (tx) => def.pg!(tx, { ...base, range, who: () => 'TRUE', orders: () => 'TRUE' }));
      result = await pg(r);
      if (base.previous) {
        const p = await pg(base.previous);
        result.previous = { value: p.value, parts: p.parts };
      }
    } else {
      const f = scope ?? (await applyFilters(this.ctx, workspaceId, d!, r.filters));
      result = await def.duck!(d!, { ...base, who: f.who, orders: f.orders });
    }
    const { previous, ...current } = result;
    const change = previous && current.value != null && previous.value != null
      ? { absolute: current.value - previous.value, relative: previous.value ? (current.value - previous.value) / previous.value : null }
      : null;
    return {
      metric: { key: def.key, name: def.name, unit: def.unit, definition: def.definition, breakdowns: def.breakdowns }, from: r.from, to: r.to, interval: r.interval,
      ...current, previous: previous?.value ?? null, previousParts: previous?.parts, change,
    };
  }

  async metric(workspaceId: string, r: MetricRequest) {
    const def = this.check(r);
    const tz = await this.timezone(workspaceId);
    if (def.engine === 'pg') return { ...(await this.metricIn(null, workspaceId, r, tz)), cached: false };
    return this.cached(workspaceId, 'metric', r, r.filters, () => this.warehouse(workspaceId, (d) => this.metricIn(d, workspaceId, r, tz)));
  }

  /** The headline numbers of the overview dashboard, each against the previous period: one warehouse session. */
  async overview(workspaceId: string, r: Range) {
    checkRange(r);
    const keys = ['new_customers', 'active_customers', 'gmv', 'orders', 'aov', 'paying_customers', 'repurchase_rate', 'member_gmv_share', 'messages'];
    const tz = await this.timezone(workspaceId);
    const answer = await this.cached(workspaceId, 'overview', r, r.filters, () => this.warehouse(workspaceId, async (d) => {
      // Every metric here reads the range and the period before it, nothing else (the repurchase rate: first and
      // second orders of buyers whose first order is in them; the numbering itself is over all orders).
      const since = ts(previousRange(r).from);
      await materialize(d, 'ppl');
      await materialize(d, 'ord_net', `placed_at >= ${since} AND placed_at < ${ts(r.to)}`);
      await materialize(d, 'ord', `kind = 'sale' AND order_index <= 2 AND placed_at >= ${since}`);
      const scope = await applyFilters(this.ctx, workspaceId, d, r.filters); // the same filters for all nine
      const metrics = [];
      for (const metric of keys) metrics.push(await this.metricIn(metricByKey.get(metric)!.engine === 'pg' ? null : d, workspaceId, { ...r, metric, compare: true }, tz, scope));
      return { metrics };
    }));
    return { from: r.from, to: r.to, interval: r.interval, ...answer };
  }

  async funnel(workspaceId: string, f: FunnelRequest) {
    checkRange(f);
    return this.cached(workspaceId, 'funnel', f, f.filters, () => this.warehouse(workspaceId, async (d) => {
      const s = await applyFilters(this.ctx, workspaceId, d, f.filters);
      return runFunnel(this.ctx, workspaceId, d, f, s.who);
    }));
  }

  async funnelPeople(workspaceId: string, f: FunnelRequest, step: number) {
    checkRange(f);
    return this.warehouse(workspaceId, async (d) => {
      const s = await applyFilters(this.ctx, workspaceId, d, f.filters);
      return funnelPeople(d, f, step, s.who);
    });
  }

  async retention(workspaceId: string, r: RetentionRequest) {
    checkRange(r);
    const tz = await this.timezone(workspaceId);
    return this.cached(workspaceId, 'retention', r, r.filters, () => this.warehouse(workspaceId, async (d) => {
      const s = await applyFilters(this.ctx, workspaceId, d, r.filters);
      return runRetention(d, r, tz, s.who);
    }));
  }

  async paths(workspaceId: string, p: PathsRequest) {
    checkRange(p);
    return this.cached(workspaceId, 'paths', p, p.filters, () => this.warehouse(workspaceId, async (d) => {
      const s = await applyFilters(this.ctx, workspaceId, d, p.filters);
      return runPaths(d, p, s.who);
    }));
  }

  async attribution(workspaceId: string, a: AttributionRequest) {
    checkRange(a);
    return this.cached(workspaceId, 'attribution', a, a.filters, () => this.warehouse(workspaceId, async (d) => {
      const s = await applyFilters(this.ctx, workspaceId, d, a.filters);
      return runAttribution(this.ctx, workspaceId, d, a, s.who, s.orders);
    }));
  }
}
