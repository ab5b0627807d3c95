// HTTP API for journeys: drafts, validation, publishing (a new immutable version), pause / resume / archive,
// measurement, runs, and the library of ready-made journeys.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { actorName } from '../access/actor.ts';
import { definitionSchema } from './definition.ts';
import { validateJourney } from './validate.ts';
import { createJourney, getJourney, publishJourney, saveDraft, setStatus } from './store.ts';
import { journeyStats } from './stats.ts';
import { JOURNEY_LIBRARY } from './library.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const journeyBody = z.object({ name: z.string().min(1).max(200), definition: definitionSchema });

export function registerJourneyRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => ctx.clock.now();
  const check = { allowPrivateOutbound: ctx.config.allowPrivateOutbound };

  r.get('/v1/journeys', { config: { permission: 'customers:read' }, schema: { tags: ['journeys'], summary: 'Journeys with their status and how many customers are in them' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(
      `SELECT j.id, j.name, j.status, j.live_version, j.updated_at, j.draft->'trigger' AS trigger,
              (SELECT count(*)::int FROM journey_runs r WHERE r.workspace_id = j.workspace_id AND r.journey_id = j.id) AS entered,
              (SELECT count(*)::int FROM journey_runs r WHERE r.workspace_id = j.workspace_id AND r.journey_id = j.id AND r.status = 'active') AS active
         FROM journeys j WHERE j.workspace_id = $1 AND j.status <> 'archived' ORDER BY j.id`, [actor.workspaceId]);
    return { journeys: rows };
  });

  r.get('/v1/journeys/library', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['journeys'], summary: 'Ready-made journeys: 新客欢迎, 生日关怀, 沉睡唤醒, 复购提醒, 流失挽回, 升级提醒' } }, async (req) => {
    requirePermission(req, 'customers:read');
    return { journeys: JOURNEY_LIBRARY };
  });

  r.post('/v1/journeys', { config: { permission: 'journeys:manage', tenantTx: false }, schema: { tags: ['journeys'], summary: 'Create a journey draft', body: journeyBody } }, async (req, reply) => {
    const actor = actorOf(req);
    const j = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const created = await createJourney(tx, req.body.name, req.body.definition, actorName(actor), now());
      await audit(tx, actor, 'journey.create', { type: 'journey', id: created.id }, { name: created.name });
      return created;
    });
    return reply.code(201).send(j);
  });

  r.get('/v1/journeys/:id', { config: { permission: 'customers:read' }, schema: { tags: ['journeys'], summary: 'A journey: its draft and published versions', params: idParams } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const j = await getJourney(tx, req.params.id);
    const { rows } = await tx.query(`SELECT version, definition, published_by, published_at FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2 ORDER BY version DESC`, [actor.workspaceId, j.id]);
    return { ...j, versions: rows };
  });

  r.put('/v1/journeys/:id', {
    config: { permission: 'journeys:manage' },
    schema: { tags: ['journeys'], summary: 'Save the draft (a live journey keeps running its published version until you publish again)', params: idParams, body: journeyBody },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return saveDraft(tx, req.params.id, req.body.name, req.body.definition, now());
  });

  r.post('/v1/journeys/validate', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['journeys'], summary: 'Check a definition without saving it: every problem with its node and reason', body: z.object({ definition: definitionSchema }) },
  }, async (req) => {
    const actor = actorOf(req);
    const problems = await withTenant(ctx.db, actor.workspaceId, (tx) => validateJourney(tx, req.body.definition, check));
    return { valid: problems.length === 0, problems };
  });

  r.post('/v1/journeys/:id/publish', {
    config: { permission: 'journeys:manage' }, schema: { tags: ['journeys'], summary: 'Validate the draft and publish it as a new version; new entries go to it', params: idParams },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const j = await publishJourney(tx, req.params.id, actorName(actor), now(), check);
    await audit(tx, actor, 'journey.publish', { type: 'journey', id: j.id }, { version: j.version });
    return j;
  });

  for (const [action, status] of [['pause', 'paused'], ['resume', 'live'], ['archive', 'archived']] as const) {
    r.post(`/v1/journeys/:id/${action}`, {
      config: { permission: 'journeys:manage' },
      schema: { tags: ['journeys'], summary: action === 'pause' ? 'Stop new entries (customers in flight finish)' : action === 'resume' ? 'Take new entries again' : 'Archive: customers in flight exit', params: idParams },
    }, async (req) => {
      const actor = actorOf(req);
      const tx = req.tx;
      const j = await setStatus(tx, req.params.id, status, now());
      await audit(tx, actor, `journey.${action}`, { type: 'journey', id: j.id });
      return j;
    });
  }

  r.get('/v1/journeys/:id/stats', {
    config: { permission: 'customers:read' },
    schema: { tags: ['journeys'], summary: 'Entered, in progress, completed, goals, conversion vs holdout, revenue, suppressions, per-node counts, A/B', params: idParams },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return journeyStats(tx, req.params.id);
  });

  r.get('/v1/journeys/:id/runs', {
    config: { permission: 'customers:read' },
    schema: { tags: ['journeys'], summary: 'Customers in a journey, where they are and how they left', params: idParams,
      querystring: z.object({ customer_id: z.coerce.number().int().positive().optional(), status: z.enum(['active', 'completed', 'exited']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    await getJourney(tx, req.params.id).catch(() => { throw notFound(`journey ${req.params.id}`); });
    const { rows } = await tx.query(
      `SELECT id, version, customer_id, node, phase, status, due_at, waiting_for, variant, holdout, steps, entered_at, finished_at, exit_reason, goal_at
         FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2 AND ($3::bigint IS NULL OR customer_id = $3) AND ($4::text IS NULL OR status = $4)
        ORDER BY id DESC LIMIT $5`, [actor.workspaceId, req.params.id, req.query.customer_id ?? null, req.query.status ?? null, req.query.limit]);
    return { runs: rows };
  });
}
