// HTTP API for messaging: channels and their providers, the send policy, templates with preview, consent, sending
// one message (staff), the outbox and the console inbox; and the public tracked-link, open-pixel and unsubscribe
// endpoints customers reach from their messages.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { channelSchema, channelView, saveChannel } from './channels.ts';
import { loadPolicy, policySchema, savePolicy } from './policy.ts';
import { render, saveTemplate, templateSchema, templateView } from './templates.ts';
import { setConsents } from './consent.ts';
import { enqueueMessages } from './outbox.ts';
import { readLinkToken } from './links.ts';
import { rootOf } from '../identity/roots.ts';
import { appendTimeline } from '../customers/timeline.ts';

const channelParam = z.object({ channel: z.string().regex(/^[a-z0-9_-]{1,50}$/, 'lower-case letters, digits, _ or -') });
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export function registerMessagingRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => ctx.clock.now();

  r.get('/v1/channels', { config: { permission: 'customers:read' }, schema: { tags: ['messaging'], summary: 'Channels and their providers (secrets are never shown)' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      channels: (await tx.query(`SELECT * FROM channel_providers WHERE workspace_id = $1 ORDER BY channel`, [actor.workspaceId])).rows.map(channelView),
    });
  });

  r.put('/v1/channels/:channel', {
    config: { permission: 'channels:manage' },
    schema: { tags: ['messaging'], summary: 'Set up a channel: SMTP email, Aliyun or Tencent Cloud SMS, a signed webhook, or the console inbox; optional daily quota', params: channelParam, body: channelSchema },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    await saveChannel(tx, ctx.pii, req.params.channel, req.body, now(), ctx.config.allowPrivateOutbound);
    await audit(tx, actor, 'messaging.channel', { type: 'channel', id: req.params.channel }, { kind: req.body.kind });
    const { rows } = await tx.query(`SELECT * FROM channel_providers WHERE workspace_id = $1 AND channel = $2`, [actor.workspaceId, req.params.channel]);
    return channelView(rows[0]);
  });

  r.get('/v1/messaging/policy', { config: { permission: 'customers:read' }, schema: { tags: ['messaging'], summary: 'Frequency caps, quiet hours, time zone and the consent default' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return loadPolicy(tx);
  });

  r.put('/v1/messaging/policy', { config: { permission: 'channels:manage' }, schema: { tags: ['messaging'], summary: 'Change the send policy', body: policySchema } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    await savePolicy(tx, req.body, now());
    await audit(tx, actor, 'messaging.policy', null, req.body);
    return loadPolicy(tx);
  });

  r.get('/v1/templates', { config: { permission: 'customers:read' }, schema: { tags: ['messaging'], summary: 'Message templates' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      templates: (await tx.query(`SELECT * FROM message_templates WHERE workspace_id = $1 ORDER BY key`, [actor.workspaceId])).rows.map(templateView),
    });
  });

  r.post('/v1/templates', { config: { permission: 'journeys:manage', tenantTx: false }, schema: { tags: ['messaging'], summary: 'Create a Liquid template; unknown variables are refused', body: templateSchema } }, async (req, reply) => {
    const actor = actorOf(req);
    const t = await withTenant(ctx.db, actor.workspaceId, (tx) => saveTemplate(tx, req.body, now()));
    return reply.code(201).send(t);
  });

  r.put('/v1/templates/:id', {
    config: { permission: 'journeys:manage' },
    schema: { tags: ['messaging'], summary: 'Change a template', params: z.object({ id: z.coerce.number().int().positive() }), body: templateSchema },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return saveTemplate(tx, req.body, now(), req.params.id);
  });

  r.post('/v1/templates/preview', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['messaging'], summary: 'Render a template (saved or being edited) for a real customer',
      body: z.object({ subject: z.string().max(500).nullable().default(null), body: z.string().min(1).max(100_000), customer_id: z.number().int().positive(), event: z.record(z.string(), z.unknown()).default({}) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.body.customer_id);
    const { rows } = await tx.query(`SELECT id, pii, pii_masked, traits, order_count, total_spent, first_order_at, last_order_at, source_channel FROM customers WHERE workspace_id = $1 AND id = $2`, [actor.workspaceId, root]);
    const c = rows[0];
    // A preview shows the real name (that is what the customer will read) but masks contact details.
    const name = c.pii.name ? ctx.pii.decrypt(c.pii.name) : '';
    const customer = { id: c.id, name, email: c.pii_masked?.email ?? '', phone: c.pii_masked?.phone ?? '', order_count: c.order_count, total_spent: c.total_spent,
      first_order_at: c.first_order_at, last_order_at: c.last_order_at, source_channel: c.source_channel, traits: c.traits };
    try {
      return render(req.body, { customer, event: req.body.event, unsubscribe_url: `${ctx.config.publicUrl}/v1/t/u/preview` });
    } catch (err: any) {
      return { error: String(err?.message ?? err).split('\n')[0] };
    }
  });

  r.put('/v1/customers/:customerId/consents', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: {
      tags: ['messaging'], summary: "Record a customer's marketing consent per channel",
      params: z.object({ customerId: z.coerce.number().int().positive() }),
      body: z.object({ consents: z.array(z.object({ channel: z.string().min(1).max(50), purpose: z.string().min(1).max(50).default('marketing'), granted: z.boolean() })).min(1).max(50), source: z.string().min(1).max(100).default('api') }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    return withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const root = await rootOf(tx, req.params.customerId);
      const changed = await setConsents(tx, req.body.consents.map((c) => ({ customerId: root, ...c, source: req.body.source })), now());
      const { rows } = await tx.query(`SELECT channel, purpose, granted, source, updated_at FROM consents WHERE workspace_id = $1 AND customer_id = $2 ORDER BY channel`, [actor.workspaceId, root]);
      return { root, changed, consents: rows };
    }).then(({ root, ...out }) => {
      // Segments on consent.<channel> follow the change.
      if (out.changed) ctx.changes.customersChanged(actor.workspaceId, [root]);
      return out;
    });
  });

  r.get('/v1/customers/:customerId/consents', {
    config: { permission: 'customers:read' }, schema: { tags: ['messaging'], summary: "A customer's consents", params: z.object({ customerId: z.coerce.number().int().positive() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.params.customerId);
    const { rows } = await tx.query(`SELECT channel, purpose, granted, source, updated_at FROM consents WHERE workspace_id = $1 AND customer_id = $2 ORDER BY channel`, [actor.workspaceId, root]);
    return { consents: rows };
  });

  r.post('/v1/messages', {
    config: { permission: 'messages:send', tenantTx: false },
    schema: {
      tags: ['messaging'], summary: 'Send one message to a customer through the send gate (staff); idempotent by reference',
      body: z.object({
        customer_id: z.number().int().positive(), channel: z.string().min(1).max(50), template: z.string().min(1).max(100).optional(),
        subject: z.string().max(500).optional(), body: z.string().min(1).max(100_000).optional(), transactional: z.boolean().default(false),
        reference: z.string().min(1).max(200),
      }).refine((b) => b.template || b.body, { message: 'give a template or a body', path: ['template'] }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const b = req.body;
    const outcome = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const root = await rootOf(tx, b.customer_id);
      const [o] = await enqueueMessages(ctx, tx, [{
        idemKey: `staff:${b.reference}`, customerId: root, channel: b.channel, templateKey: b.template,
        content: b.template ? undefined : { subject: b.subject ?? null, body: b.body! }, transactional: b.transactional, source: { type: 'staff', id: `${actor.type}:${actor.id}` },
      }], now(), { quiet: 'defer' });
      return o;
    });
    if (outcome.status === 'queued') ctx.changes.messagesQueued(actor.workspaceId);
    return reply.code(outcome.status === 'replayed' ? 200 : 201).send(outcome);
  });

  r.get('/v1/messages', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['messaging'], summary: 'The outbox: messages with their status and, when suppressed or failed, the reason',
      querystring: z.object({ customer_id: z.coerce.number().int().positive().optional(), status: z.enum(['queued', 'sent', 'failed', 'suppressed']).optional(), source_type: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const q = req.query;
    const tx = req.tx;
    const { rows } = await tx.query(
      `SELECT id, customer_id, channel, template_key, transactional, source_type, source_id, recipient_masked, subject, status, reason, attempts, created_at, sent_at
         FROM outbox WHERE workspace_id = $1 AND ($2::bigint IS NULL OR customer_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR source_type = $4)
        ORDER BY id DESC LIMIT $5`, [actor.workspaceId, q.customer_id ?? null, q.status ?? null, q.source_type ?? null, q.limit]);
    return { messages: rows };
  });

  r.get('/v1/inbox', {
    config: { permission: 'customers:read' },
    schema: { tags: ['messaging'], summary: 'The console inbox channel', querystring: z.object({ customer_id: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      messages: (await tx.query(`SELECT id, outbox_id, customer_id, subject, body, created_at FROM inbox_messages WHERE workspace_id = $1 AND ($2::bigint IS NULL OR customer_id = $2) ORDER BY id DESC LIMIT $3`,
        [actor.workspaceId, req.query.customer_id ?? null, req.query.limit])).rows,
    });
  });

  r.get('/v1/tasks', {
    config: { permission: 'customers:read' },
    schema: { tags: ['messaging'], summary: 'Staff follow-up tasks journeys created', querystring: z.object({ status: z.enum(['open', 'done']).default('open') }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      tasks: (await tx.query(`SELECT * FROM staff_tasks WHERE workspace_id = $1 AND status = $2 ORDER BY due_at, id LIMIT 500`, [actor.workspaceId, req.query.status])).rows,
    });
  });

  // Customers' clicks, opens and unsubscribes. Public, authenticated by the signed token; each becomes an event.
  const tokenParams = z.object({ token: z.string().min(10).max(500) });
  const tracked = async (token: string, kind: 'c' | 'o' | 'u') => {
    const t = readLinkToken(ctx.pii, token);
    if (!t || t.kind !== kind) throw notFound('link');
    return withTenant(ctx.db, t.workspaceId, async (tx) => {
      const { rows } = await tx.query<{ customer_id: number | null; channel: string; payload: any; source_type: string; source_id: string | null }>(
        `SELECT customer_id, channel, payload, source_type, source_id FROM outbox WHERE workspace_id = $1 AND id = $2`, [t.workspaceId, t.outboxId]);
      if (!rows[0]) throw notFound('link');
      const m = rows[0];
      const event = kind === 'c' ? 'message_clicked' : kind === 'o' ? 'message_opened' : 'message_unsubscribed';
      const url = kind === 'c' ? m.payload?.links?.[t.index] : undefined;
      if (m.customer_id != null) {
        await appendTimeline(tx, [{
          key: `msg:${t.outboxId}:${kind}:${t.index}:${kind === 'c' ? now().getTime() : 'first'}`, customerId: m.customer_id, event, at: now(),
          properties: { outbox_id: t.outboxId, channel: m.channel, source_type: m.source_type, source_id: m.source_id, url },
        }]);
        if (kind === 'u') await setConsents(tx, [{ customerId: m.customer_id, channel: m.channel, granted: false, source: 'unsubscribe_link' }], now());
      }
      // A click shows the message was read even when the open pixel was blocked.
      if (kind !== 'u') {
        await tx.query(`UPDATE outbox SET opened_at = COALESCE(opened_at, $3), clicked_at = CASE WHEN $4 THEN COALESCE(clicked_at, $3) ELSE clicked_at END
                         WHERE workspace_id = $1 AND id = $2`, [t.workspaceId, t.outboxId, now(), kind === 'c']);
      }
      return { url, customerId: m.customer_id, workspaceId: t.workspaceId };
    });
  };
  const changed = (r: { workspaceId: string; customerId: number | null }) => {
    if (r.customerId != null) ctx.changes.customersChanged(r.workspaceId, [r.customerId]);
  };

  r.get('/v1/t/c/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
    const t = await tracked(req.params.token, 'c');
    changed(t);
    if (!t.url) throw notFound('link');
    return reply.redirect(t.url, 302);
  });
  r.get('/v1/t/o/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
    changed(await tracked(req.params.token, 'o'));
    return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL);
  });
  // GET shows a confirmation page that unsubscribes; POST is RFC 8058 one-click from the mail client.
  const unsubscribed = `<!doctype html><meta charset="utf-8"><title>已退订</title><p>您已退订此类消息。You have been unsubscribed.</p>`;
  r.get('/v1/t/u/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
    changed(await tracked(req.params.token, 'u'));
    return reply.type('text/html').send(unsubscribed);
  });
  r.post('/v1/t/u/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
    changed(await tracked(req.params.token, 'u'));
    return reply.type('text/html').send(unsubscribed);
  });
}
