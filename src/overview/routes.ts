import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { overview } from './overview.ts';

export function registerOverviewRoutes(app: FastifyInstance, ctx: AppContext) {
  app.withTypeProvider<ZodTypeProvider>().get('/v1/overview', {
    config: { permission: 'customers:read' },
    schema: { tags: ['analytics'], summary: 'Headline numbers for the overview page', querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return overview(tx, ctx.clock.now(), req.query.days);
  });
}
