import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { badRequest } from '../../kernel/errors.ts';
import { actorOf, requirePermission } from '../../access/auth.ts';
import { audit } from '../../access/audit.ts';
import { loadProgram } from '../program.ts';
import { actorName, answer, idParams, memberParams, reference } from '../http.ts';
import { createTemplate, describe, getTemplate, TEMPLATE_SELECT, templateSchema, templateView } from './templates.ts';
import { claimCoupon, couponView } from './issue.ts';
import { checkoutOrderSchema, confirmCoupons, lockCoupons, releaseCoupons, validateCoupons } from './checkout.ts';
import { createIssueJob, getIssueJob } from './jobs.ts';
import { rootOf } from '../../identity/roots.ts';

const codes = z.array(z.string().min(1).max(40)).min(1, 'name at least one coupon code').max(10, 'at most 10 coupons per order');

export function registerCouponRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/loyalty/coupon-templates', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Coupon templates with their stock, issued and redeemed counts' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(`${TEMPLATE_SELECT} WHERE t.workspace_id = $1 ORDER BY t.id DESC`, [actor.workspaceId]);
    return { templates: rows.map(templateView).map((t) => ({ ...t, text: describe(t.rules) })) };
  });

  r.post('/v1/loyalty/coupon-templates', {
    config: { permission: 'loyalty:manage', tenantTx: false },
    schema: { tags: ['loyalty'], summary: 'Create a coupon template: 满减 amount_off, percent_off with a cap, gift, shipping; validity, limits, stock, scope, stacking', body: templateSchema },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const t = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const program = await loadProgram(tx);
      const unknown = req.body.tiers.filter((k) => !program.tiers.levels.some((l) => l.key === k));
      if (unknown.length) throw badRequest('tiers', `unknown tier ${unknown.join(', ')}; the programme has ${program.tiers.levels.map((l) => l.key).join(', ')}`);
      const created = await createTemplate(tx, req.body, actorName(actor), ctx.clock.now());
      await audit(tx, actor, 'loyalty.coupon_template', { type: 'coupon_template', id: created.id }, { name: created.name });
      return created;
    });
    return reply.code(201).send({ ...t, text: describe(t.rules) });
  });

  r.post('/v1/loyalty/coupon-templates/:id/status', {
    config: { permission: 'loyalty:manage' },
    schema: { tags: ['loyalty'], summary: 'Pause or resume a template (paused: nothing more is issued or redeemed)', params: idParams, body: z.object({ status: z.enum(['active', 'paused']) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    await getTemplate(tx, req.params.id);
    await tx.query(`UPDATE coupon_templates SET status = $3 WHERE workspace_id = $1 AND id = $2`, [actor.workspaceId, req.params.id, req.body.status]);
    await audit(tx, actor, 'loyalty.coupon_template.status', { type: 'coupon_template', id: req.params.id }, { status: req.body.status });
    return getTemplate(tx, req.params.id);
  });

  r.post('/v1/loyalty/coupon-templates/:id/issue', {
    config: { permission: 'loyalty:manage', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'Issue in bulk to a segment or a list of members: a background job with progress; idempotent by reference',
      params: idParams,
      body: z.object({ segment: z.string().min(1).optional(), customerIds: z.array(z.number().int().positive()).max(100_000).optional(), reference })
        .refine((b) => !!b.segment !== !!b.customerIds, { message: 'give either a segment or customerIds', path: ['segment'] }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const job = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const j = await createIssueJob(tx, req.params.id, { segment: req.body.segment, customerIds: req.body.customerIds }, req.body.reference, actorName(actor), ctx.clock.now());
      if (!j.duplicate) await audit(tx, actor, 'loyalty.coupon_issue', { type: 'coupon_template', id: req.params.id }, { job: j.id, total: j.total });
      return j;
    });
    return reply.code(job.duplicate ? 200 : 202).send(job);
  });

  r.get('/v1/loyalty/coupon-issues/:id', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Progress of a bulk issue: done of total, issued, skipped by reason', params: idParams },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return getIssueJob(tx, req.params.id);
  });

  r.get('/v1/loyalty/coupon-issues', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Recent bulk issues', querystring: z.object({ template_id: z.coerce.number().int().positive().optional() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(
      `SELECT id FROM coupon_issue_jobs WHERE workspace_id = $1 AND ($2::bigint IS NULL OR template_id = $2) ORDER BY id DESC LIMIT 50`,
      [actor.workspaceId, req.query.template_id ?? null],
    );
    return { jobs: await Promise.all(rows.map((row: any) => getIssueJob(tx, Number(row.id)))) };
  });

  r.post('/v1/loyalty/members/:customerId/coupons', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: "Issue one coupon to a member (operator gift, claim centre; a template with a points price spends the member's points). Idempotent by reference",
      params: memberParams, body: z.object({ template_id: z.number().int().positive(), reference }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const coupon = await claimCoupon(ctx.db, actor.workspaceId, req.body.template_id, req.params.customerId,
      { sourceType: 'operator', sourceId: req.body.reference, key: `claim:${req.body.reference}` }, ctx.clock.now());
    if (!coupon.duplicate) ctx.changes.customersChanged(actor.workspaceId, [coupon.customer_id]);
    return answer(reply, coupon);
  });

  r.get('/v1/loyalty/members/:customerId/coupons', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: "A member's coupons: usable, used, expired", params: memberParams },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.params.customerId);
    const { rows } = await tx.query(
      `SELECT k.*, t.name AS template_name, t.rules FROM coupons k JOIN customers c ON c.workspace_id = k.workspace_id AND c.id = k.customer_id
         JOIN coupon_templates t ON t.workspace_id = k.workspace_id AND t.id = k.template_id
        WHERE k.workspace_id = $1 AND c.canonical_id = $2 ORDER BY k.id DESC LIMIT 200`,
      [actor.workspaceId, root],
    );
    const now = ctx.clock.now();
    return {
      coupons: rows.map((row: any) => {
        const c = couponView(row);
        const state = c.status === 'issued' && c.valid_to <= now ? 'expired' : c.status;
        return { ...c, state, template: row.template_name, text: describe(row.rules) };
      }),
    };
  });

  const checkout = z.object({ customer_id: z.number().int().positive(), codes, order: checkoutOrderSchema });

  r.post('/v1/loyalty/checkout/validate', {
    config: { permission: 'loyalty:operate' },
    schema: { tags: ['loyalty'], summary: 'What the coupons would take off this order, or why each does not apply (nothing is locked)', body: checkout },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return validateCoupons(tx, await rootOf(tx, req.body.customer_id), req.body.codes, req.body.order, ctx.clock.now());
  });

  r.post('/v1/loyalty/checkout/lock', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'Lock coupons to a checkout (all or none) until confirmed or released; released by itself after the hold time',
      body: checkout.extend({ reference }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const program = await loadProgram(tx);
      const now = ctx.clock.now();
      return lockCoupons(tx, await rootOf(tx, req.body.customer_id), req.body.codes, req.body.order, req.body.reference, new Date(now.getTime() + program.holdMinutes * 60_000), now);
    });
    return answer(reply, result);
  });

  r.post('/v1/loyalty/checkout/:reference/confirm', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: { tags: ['loyalty'], summary: "Confirm a checkout's locked coupons as used on the order", params: z.object({ reference }), body: z.object({ order_id: z.string().min(1).max(200) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const result = await withTenant(ctx.db, actor.workspaceId, (tx) => confirmCoupons(tx, req.params.reference, req.body.order_id, ctx.clock.now()));
    if (!result.duplicate) ctx.changes.customersChanged(actor.workspaceId, result.coupons.map((c) => c.customer_id));
    return result;
  });

  r.post('/v1/loyalty/checkout/:reference/release', {
    config: { permission: 'loyalty:operate' },
    schema: { tags: ['loyalty'], summary: "Give a checkout's locked coupons back", params: z.object({ reference }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return releaseCoupons(tx, req.params.reference);
  });
}
