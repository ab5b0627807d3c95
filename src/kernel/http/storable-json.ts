// Every request's body, query and path parameters are checked for values PostgreSQL cannot store (see
// kernel/storable-json.ts) before validation, so a NUL character gets a 400 naming its field instead of a failed
// transaction. Batch routes that answer per item check each item themselves: `config: { checkEachItem: true }`.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { unstorable } from '../storable-json.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    checkEachItem?: boolean;
  }
}

export function registerStorableJson(app: FastifyInstance) {
  app.addHook('preValidation', async (req) => {
    const parts: [string, unknown][] = [['params', req.params], ['query', req.query]];
    if (!req.routeOptions.config?.checkEachItem) parts.push(['body', req.body]);
    for (const [where, value] of parts) {
      const bad = unstorable(value, where);
      if (bad) throw new AppError(400, 'validation', `${bad.field}: ${bad.message}`, [bad]);
    }
  });
}
