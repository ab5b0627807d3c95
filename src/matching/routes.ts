import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { AppError, notFound } from '../kernel/errors.ts';
import { can } from '../access/roles.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { revealPii } from '../customers/profile.ts';
import { decideReview } from './decide.ts';
import { queueRun } from './batch.ts';
import { fieldWeights, Scorer } from './scorer.ts';
import { prepareForMatching, scoreCandidates } from './realtime.ts';
import { loadSettings, saveThresholds } from './settings.ts';
import { registerRunRoutes } from './run-routes.ts';

const id = z.object({ id: z.coerce.number().int().positive() });

const lookupBody = z.object({
  name: z.string().max(200).optional(),
  givenName: z.string().max(100).optional(),
  surname: z.string().max(100).optional(),
  phone: z.string().max(40).optional(),
  email: z.string().max(200).optional(),
  birthDate: z.string().max(20).optional(),
  address: z.string().max(500).optional(),
  city: z.string().max(100).optional(),
  postcode: z.string().max(20).optional(),
  region: z.string().max(100).optional(),
}).refine((b) => Object.values(b).filter((v) => v && v.trim() !== '').length >= 2, {
  message: 'give at least two fields to compare (e.g. name and phone)', path: ['name'],
});

interface ReviewProfileRow {
  id: string;
  canonical_id: string;
  pii: Record<string, string>;
  pii_masked: Record<string, string>;
  traits: Record<string, unknown>;
  order_count: number;
  total_spent: string;
  source_channel: string | null;
  first_seen_at: Date;
}

/** Profiles as a reviewer sees them (by id): masked, or in the clear for roles that may read PII. */
async function reviewProfiles(tx: TenantTx, ctx: AppContext, ids: number[], reveal: boolean) {
  const { rows } = await tx.query<ReviewProfileRow>(
    `SELECT id, canonical_id, pii, pii_masked, traits, order_count, total_spent, source_channel, first_seen_at FROM customers WHERE workspace_id = $1 AND id = ANY($2)`,
    [tx.workspaceId, ids],
  );
  return new Map(rows.map((c) => [Number(c.id), reviewView(ctx, c, reveal)]));
}

function reviewView(
  ctx: AppContext,
  c: ReviewProfileRow,
  reveal: boolean,
) {
  const t = c.traits ?? {};
  return {
    id: Number(c.id),
    mergedInto: Number(c.canonical_id) === Number(c.id) ? null : Number(c.canonical_id),
    fields: reveal ? revealPii(ctx.pii, c.pii) : c.pii_masked,
    city: t.city ?? null,
    province: t.province ?? null,
    postcode: t.postcode ?? t.zip ?? t.postal_code ?? null,
    orderCount: c.order_count,
    totalSpent: Number(c.total_spent),
    sourceChannel: c.source_channel,
    firstSeenAt: c.first_seen_at,
  };
}

export function registerMatchingRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  registerRunRoutes(app, ctx);

  r.get('/v1/identity/matching', {
    config: { permission: 'customers:read' },
    schema: { tags: ['identity'], summary: 'Probabilistic matching: thresholds, fitted model, expected precision/recall, placeholder values, last run' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const s = await loadSettings(tx);
    const lastRun = await tx.query(`SELECT * FROM match_runs WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1`, [actor.workspaceId]);
    const pending = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM match_reviews WHERE workspace_id = $1 AND status = 'pending'`, [actor.workspaceId]);
    const profiles = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND pii <> '{}'`, [actor.workspaceId]);
    return {
      thresholds: s.thresholds,
      fittedAt: s.fittedAt,
      model: s.model ? {
        lambda: s.model.lambda, iterations: s.model.iterations, converged: s.model.converged, pairs: s.model.pairs,
        fields: fieldWeights(s.model),
      } : null,
      expected: s.expected,
      commonValues: s.commonValues,
      lastRun: lastRun.rows[0] ?? null,
      pendingReviews: pending.rows[0].n,
      /** Profiles a full run would compare (live, with personal data). */
      profiles: profiles.rows[0].n,
    };
  });

  r.put('/v1/identity/matching/thresholds', {
    config: { permission: 'identity:rules', tenantTx: false },
    schema: {
      tags: ['identity'], summary: 'Set the auto-merge and review thresholds (probability that two profiles are one person)',
      body: z.object({
        auto: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1 (1 would never merge)'),
        review: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1'),
      }).refine((b) => b.review < b.auto, { message: 'must be lower than the auto-merge threshold', path: ['review'] }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      await saveThresholds(tx, req.body);
      await audit(tx, actor, 'identity.matching.thresholds', null, req.body);
    });
    return { thresholds: req.body };
  });

  r.post('/v1/identity/matching/runs', {
    config: { permission: 'identity:merge', tenantTx: false },
    schema: { tags: ['identity'], summary: 'Match the whole base now (a background run with progress)' },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const run = await queueRun(ctx, actor.workspaceId, `${actor.type}:${actor.id}`);
    return reply.code(202).send(run);
  });

  r.get('/v1/identity/matching/runs/:id', {
    config: { permission: 'customers:read' },
    schema: { tags: ['identity'], summary: 'A matching run and its progress', params: id },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(`SELECT * FROM match_runs WHERE workspace_id = $1 AND id = $2`, [actor.workspaceId, req.params.id]);
    if (!rows[0]) throw notFound(`matching run ${req.params.id}`);
    return rows[0];
  });

  r.get('/v1/identity/matching/reviews', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['identity'], summary: 'Pairs waiting for a person: both profiles side by side with per-field evidence',
      querystring: z.object({
        status: z.enum(['pending', 'merged', 'rejected', 'obsolete']).default('pending'),
        limit: z.coerce.number().int().min(1).max(200).default(20),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const reveal = can(actor.role, 'pii:read');
    const tx = req.tx;
    const { rows } = await tx.query<{ id: string; customer_a: string; customer_b: string; probability: number; weight: number; evidence: unknown; reason: string; source: string; status: string; decided_by: string | null; decided_at: Date | null; created_at: Date }>(
      `SELECT id, customer_a, customer_b, probability, weight, evidence, reason, source, status, decided_by, decided_at, created_at
         FROM match_reviews WHERE workspace_id = $1 AND status = $2 ORDER BY probability DESC, id LIMIT $3 OFFSET $4`,
      [actor.workspaceId, req.query.status, req.query.limit, req.query.offset],
    );
    const total = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM match_reviews WHERE workspace_id = $1 AND status = $2`, [actor.workspaceId, req.query.status]);
    const profiles = await reviewProfiles(tx, ctx, rows.flatMap((r) => [Number(r.customer_a), Number(r.customer_b)]), reveal);
    const items = rows.map((row) => ({
      id: Number(row.id), probability: row.probability, weight: row.weight, evidence: row.evidence, reason: row.reason, source: row.source,
      status: row.status, decidedBy: row.decided_by, decidedAt: row.decided_at, createdAt: row.created_at,
      a: profiles.get(Number(row.customer_a)) ?? null,
      b: profiles.get(Number(row.customer_b)) ?? null,
    }));
    return { total: total.rows[0].n, revealed: reveal, items };
  });

  r.post('/v1/identity/matching/reviews/:id/decision', {
    config: { permission: 'identity:merge', tenantTx: false },
    schema: {
      tags: ['identity'], summary: 'Merge the pair, or say they are different people (remembered: never proposed or merged again)',
      params: id,
      body: z.object({ decision: z.enum(['merge', 'reject']) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const out = await decideReview(tx, req.params.id, req.body.decision, `${actor.type}:${actor.id}`);
      await audit(tx, actor, `identity.matching.${req.body.decision}`, { type: 'match_review', id: req.params.id }, out);
      return out;
    });
    ctx.changes.customersChanged(actor.workspaceId, result.customers);
    return result;
  });

  r.post('/v1/identity/matching/lookup', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['identity'], summary: 'Who might this person already be? Candidates by blocking keys, scored by the fitted model (nothing is stored)',
      body: lookupBody,
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const settings = await loadSettings(tx);
    if (!settings.model) throw new AppError(409, 'no_model', 'no matching model yet: start a batch run (POST /v1/identity/matching/runs) so the model can be fitted on your data');
    const scorer = new Scorer(settings.model);
    const record = prepareForMatching(ctx, { id: 0, ...req.body }, settings.commonHashes);
    const candidates = await scoreCandidates(ctx, tx, record, scorer);
    return {
      excluded: record.excluded,
      candidates: candidates.slice(0, 10).map((c) => ({
        customerId: c.b,
        probability: c.probability,
        decision: c.probability >= settings.thresholds.auto ? 'auto_merge' : c.probability >= settings.thresholds.review ? 'review' : 'no_match',
        evidence: c.fields,
      })),
    };
  });
}
