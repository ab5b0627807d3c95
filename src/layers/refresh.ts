// Computing the layer models with their saved configuration, and refreshing all of them together: RFM and the
// value quadrants (defaults if never configured), then one full recompute so lifecycle stages and every rule tag
// or segment that reads their cells follow. The daily model schedule runs the refresh, as does
// POST /v1/layers/refresh; recency and activity move with the calendar, so yesterday's cells go stale.
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { DEFAULT_LIFECYCLE, quadrantConfigSchema, rfmConfigSchema, type QuadrantConfig, type RfmConfig } from './config.ts';
import { computeRfm, rfmInputs } from './rfm.ts';
import { computeQuadrants, quadrantActivity } from './quadrant.ts';

export type LayerModel = 'rfm' | 'quadrant' | 'lifecycle';

export async function layerConfig(tx: TenantTx, model: LayerModel) {
  const { rows } = await tx.query(`SELECT config, summary, computed_at FROM layer_models WHERE model = $1`, [model]);
  const defaults = { rfm: rfmConfigSchema.parse({}), quadrant: quadrantConfigSchema.parse({}), lifecycle: DEFAULT_LIFECYCLE }[model];
  return { config: rows[0]?.config ?? defaults, summary: rows[0]?.summary ?? null, computedAt: (rows[0]?.computed_at as Date | null) ?? null };
}

export async function saveLayer(tx: TenantTx, model: LayerModel, config: unknown, summary: unknown, at: Date | null) {
  await tx.query(
    `INSERT INTO layer_models (workspace_id, model, config, summary, computed_at) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (workspace_id, model) DO UPDATE SET config = $3, summary = $4, computed_at = COALESCE($5, layer_models.computed_at), updated_at = now()`,
    [tx.workspaceId, model, JSON.stringify(config), JSON.stringify(summary ?? {}), at],
  );
}

/**
 * Computes one model and stores its cell tags and summary in one transaction. `inside` runs in that transaction
 * too (the route's audit record). The caller recomputes rules afterwards.
 */
export async function computeLayer(ctx: AppContext, engine: UnderstandingEngine, workspaceId: string, model: 'rfm' | 'quadrant', config: RfmConfig | QuadrantConfig, now: Date, inside?: (tx: TenantTx) => Promise<void>) {
  // Activity is read from the warehouse before the transaction opens: no write lock waits on a scan.
  const activity = model === 'quadrant' ? await quadrantActivity(ctx, workspaceId, config as QuadrantConfig, now) : null;
  const store = await engine.columns(workspaceId);
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const summary = model === 'rfm'
      ? await computeRfm(tx, config as RfmConfig, now, rfmInputs(store, now))
      : await computeQuadrants(tx, config as QuadrantConfig, now, store, activity!);
    await saveLayer(tx, model, config, summary, now);
    await inside?.(tx);
    return summary;
  });
}

export interface RefreshTimings {
  rfmMs: number;
  quadrantMs: number;
  rulesMs: number;
}

/** RFM, quadrants, then lifecycle and every rule: the whole of 用户分层 as of `now`. */
export async function refreshLayers(ctx: AppContext, engine: UnderstandingEngine, workspaceId: string, now = ctx.clock.now()): Promise<RefreshTimings> {
  const configs = await withTenant(ctx.db, workspaceId, async (tx) => ({
    rfm: rfmConfigSchema.parse((await layerConfig(tx, 'rfm')).config),
    quadrant: quadrantConfigSchema.parse((await layerConfig(tx, 'quadrant')).config),
  }));
  let t = performance.now();
  const lap = () => {
    const ms = performance.now() - t;
    t = performance.now();
    return Math.round(ms);
  };
  await computeLayer(ctx, engine, workspaceId, 'rfm', configs.rfm, now);
  const rfmMs = lap();
  await computeLayer(ctx, engine, workspaceId, 'quadrant', configs.quadrant, now);
  const quadrantMs = lap();
  await engine.recomputeAll(workspaceId, 'layer models refreshed');
  return { rfmMs, quadrantMs, rulesMs: lap() };
}

/** Whether the workspace's layers are a day old: computed once (by an operator or a refresh) and not since. */
export async function layersDue(tx: TenantTx, now: Date, everyMs: number): Promise<boolean> {
  const { rows } = await tx.query<{ at: Date | null }>(`SELECT min(computed_at) AS at FROM layer_models WHERE model IN ('rfm', 'quadrant') AND computed_at IS NOT NULL`);
  const at = rows[0]?.at;
  return at != null && now.getTime() - new Date(at).getTime() >= everyMs;
}
