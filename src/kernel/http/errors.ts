// One error shape for every 4xx/5xx: { error: { code, message, problems: [{ field, message }] } }.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError & { validation?: any[]; validationContext?: string }, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, problems: err.problems } });
    }
    if (err.validation) {
      const where = err.validationContext ?? 'body';
      const problems = err.validation.map((v: any) => {
        const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
        const field = path ? `${where}.${path}` : where;
        return { field, message: v.message ?? 'is invalid' };
      });
      return reply.status(400).send({ error: { code: 'validation', message: problems.map((p: any) => `${p.field}: ${p.message}`).join('; '), problems } });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: { code: 'payload_too_large', message: `body: larger than the ${app.initialConfig.bodyLimit} byte limit; split it into smaller batches`, problems: [{ field: 'body', message: 'too large' }] } });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ error: { code: 'unsupported_media_type', message: 'body: send Content-Type: application/json', problems: [{ field: 'body', message: 'unsupported media type' }] } });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const message = err.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError ? `body: malformed JSON (${err.message})` : err.message;
      return reply.status(err.statusCode).send({ error: { code: err.code ?? 'bad_request', message, problems: [{ field: 'body', message }] } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Internal error; the server log has the details', problems: [] } });
  });
}
