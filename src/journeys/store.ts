// Journeys as operators edit them: a draft, published versions that never change, and the live version new
// entries go to. Publishing validates the draft (every problem named by node) and rebuilds the list of events
// journeys listen to, which the events table's trigger reads to fill the journey inbox.
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError, notFound } from '../kernel/errors.ts';
import { afterEntryEvents, definitionSchema, triggerEvent, type JourneyDefinition } from './definition.ts';
import { validateJourney } from './validate.ts';

export interface JourneyRow {
  id: number;
  name: string;
  status: 'draft' | 'live' | 'paused' | 'archived';
  draft: JourneyDefinition;
  live_version: number | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export async function getJourney(tx: TenantTx, id: number): Promise<JourneyRow> {
  const { rows } = await tx.query<JourneyRow>(`SELECT * FROM journeys WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`journey ${id}`);
  return rows[0];
}

export async function createJourney(tx: TenantTx, name: string, draft: JourneyDefinition, actor: string, now: Date): Promise<JourneyRow> {
  const { rows } = await tx.query<JourneyRow>(
    `INSERT INTO journeys (workspace_id, name, status, draft, created_by, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $5) RETURNING *`,
    [tx.workspaceId, name, JSON.stringify(draft), actor, now],
  );
  return rows[0];
}

/** Editing a live journey changes only the draft; customers in flight stay on their version until it is published. */
export async function saveDraft(tx: TenantTx, id: number, name: string, draft: JourneyDefinition, now: Date): Promise<JourneyRow> {
  const { rows } = await tx.query<JourneyRow>(
    `UPDATE journeys SET name = $3, draft = $4, updated_at = $5 WHERE workspace_id = $1 AND id = $2 AND status <> 'archived' RETURNING *`,
    [tx.workspaceId, id, name, JSON.stringify(draft), now],
  );
  if (!rows[0]) throw notFound(`journey ${id} (or it is archived)`);
  return rows[0];
}

export async function publishJourney(tx: TenantTx, id: number, actor: string, now: Date, opts: { allowPrivateOutbound: boolean }) {
  const j = await getJourney(tx, id);
  if (j.status === 'archived') throw new AppError(409, 'archived', `journey ${id} is archived`);
  const def = definitionSchema.parse(j.draft);
  const problems = await validateJourney(tx, def, opts);
  if (problems.length) throw new AppError(400, 'invalid_journey', `${problems[0].field}: ${problems[0].message}`, problems);
  const { rows } = await tx.query<{ version: number }>(
    `INSERT INTO journey_versions (workspace_id, journey_id, version, definition, published_by, published_at)
     SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4, $5 FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2 RETURNING version`,
    [tx.workspaceId, id, JSON.stringify(def), actor, now],
  );
  await tx.query(`UPDATE journeys SET status = 'live', live_version = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id, rows[0].version, now]);
  await rebuildListens(tx);
  return { ...(await getJourney(tx, id)), version: rows[0].version };
}

/** Paused: nobody new enters; customers in flight finish. Archived: in-flight runs exit as well. */
export async function setStatus(tx: TenantTx, id: number, status: 'live' | 'paused' | 'archived', now: Date) {
  const j = await getJourney(tx, id);
  if (status === 'live' && j.live_version == null) throw new AppError(409, 'not_published', `journey ${id} has never been published; publish it instead`);
  await tx.query(`UPDATE journeys SET status = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id, status, now]);
  if (status === 'archived') {
    await tx.query(`UPDATE journey_runs SET status = 'exited', exit_reason = 'archived', finished_at = $3, updated_at = $3, due_at = NULL, waiting_for = NULL
                     WHERE workspace_id = $1 AND journey_id = $2 AND status = 'active'`, [tx.workspaceId, id, now]);
  }
  await rebuildListens(tx);
  return getJourney(tx, id);
}

/** Events of live journeys' triggers, and of every version that still has customers in flight (waits, goals, exits). */
export async function rebuildListens(tx: TenantTx) {
  const { rows } = await tx.query<{ definition: JourneyDefinition; live: boolean }>(
    `SELECT v.definition, (j.status = 'live' AND v.version = j.live_version) AS live
       FROM journey_versions v JOIN journeys j ON j.workspace_id = v.workspace_id AND j.id = v.journey_id
      WHERE v.workspace_id = $1 AND ((j.status = 'live' AND v.version = j.live_version)
         OR EXISTS (SELECT 1 FROM journey_runs r WHERE r.workspace_id = v.workspace_id AND r.journey_id = v.journey_id AND r.version = v.version
                      AND (r.status = 'active' OR r.goal_at IS NULL)))`,
    [tx.workspaceId],
  );
  const events = new Set<string>();
  for (const r of rows) {
    for (const e of afterEntryEvents(r.definition)) events.add(e);
    const trigger = triggerEvent(r.definition);
    if (r.live && trigger) events.add(trigger);
  }
  await tx.query(`DELETE FROM journey_listens WHERE workspace_id = $1 AND NOT (event = ANY($2))`, [tx.workspaceId, [...events]]);
  await tx.query(`INSERT INTO journey_listens (workspace_id, event) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [tx.workspaceId, [...events]]);
}

/** Published definitions are immutable, so they are cached for the process's life. */
const versions = new Map<string, JourneyDefinition>();
export async function versionsOf(tx: TenantTx, wanted: { journeyId: number; version: number }[]): Promise<Map<string, JourneyDefinition>> {
  const out = new Map<string, JourneyDefinition>();
  const missing: { journeyId: number; version: number }[] = [];
  for (const w of wanted) {
    const k = `${tx.workspaceId}:${w.journeyId}:${w.version}`;
    const d = versions.get(k);
    if (d) out.set(`${w.journeyId}:${w.version}`, d);
    else missing.push(w);
  }
  if (missing.length) {
    const { rows } = await tx.query<{ journey_id: number; version: number; definition: JourneyDefinition }>(
      `SELECT journey_id, version, definition FROM journey_versions v
         JOIN unnest($2::bigint[], $3::int[]) AS u(j, ver) ON v.journey_id = u.j AND v.version = u.ver WHERE v.workspace_id = $1`,
      [tx.workspaceId, missing.map((m) => m.journeyId), missing.map((m) => m.version)],
    );
    for (const r of rows) {
      const def = definitionSchema.parse(r.definition);
      versions.set(`${tx.workspaceId}:${r.journey_id}:${r.version}`, def);
      out.set(`${r.journey_id}:${r.version}`, def);
    }
  }
  return out;
}

export interface LiveJourney {
  id: number;
  name: string;
  version: number;
  def: JourneyDefinition;
}

export async function liveJourneys(tx: TenantTx): Promise<LiveJourney[]> {
  const { rows } = await tx.query<{ id: number; name: string; live_version: number }>(
    `SELECT id, name, live_version FROM journeys WHERE workspace_id = $1 AND status = 'live' AND live_version IS NOT NULL ORDER BY id`, [tx.workspaceId]);
  const defs = await versionsOf(tx, rows.map((r) => ({ journeyId: r.id, version: r.live_version })));
  return rows.map((r) => ({ id: r.id, name: r.name, version: r.live_version, def: defs.get(`${r.id}:${r.live_version}`)! }));
}
