import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { badRequest } from '../../kernel/errors.ts';
import { actorOf, requirePermission } from '../../access/auth.ts';
import { audit } from '../../access/audit.ts';
import { createImport, errorReport, formatOf, getImport, importOptions, listImports, storeUpload } from './imports.ts';
import type { ImportKind } from './columns.ts';

const KINDS = ['customers', 'orders', 'events'] as const;

export function registerImportRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/imports', {
    config: { permission: 'imports:write', tenantTx: false },
    schema: {
      tags: ['imports'],
      summary: 'Upload a CSV or XLSX of customers, orders or events (multipart: kind, options, then file)',
      description: 'Form fields must precede the file: `kind` (customers|orders|events), optional `options` JSON ({timezone, currency, moneyUnit, mapping}). The file is streamed to disk and processed in the background; poll GET /v1/imports/{id}.',
      consumes: ['multipart/form-data'],
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    if (!req.isMultipart()) throw badRequest('body', 'send multipart/form-data with fields kind, options and file');
    const part = await req.file();
    if (!part) throw badRequest('file', 'is required');
    const fields = part.fields as Record<string, any>;
    const kind = fields.kind?.value as ImportKind | undefined;
    if (!kind || !KINDS.includes(kind)) {
      part.file.resume();
      throw badRequest('kind', `must be one of ${KINDS.join(', ')} and come before the file in the form`);
    }
    let rawOptions: Record<string, unknown> = {};
    if (fields.options?.value) {
      try {
        rawOptions = JSON.parse(fields.options.value);
      } catch {
        part.file.resume();
        throw badRequest('options', 'must be JSON');
      }
    }
    formatOf(part.filename);
    const tz = await withTenant(ctx.db, actor.workspaceId, async (tx) => (await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces`)).rows[0].timezone);
    const options = importOptions(rawOptions as any, tz);
    const filePath = await storeUpload(ctx, part.filename, part.file);
    if (part.file.truncated) throw badRequest('file', `is larger than the upload limit of ${ctx.config.uploadLimit} bytes`);
    const id = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const created = await createImport(ctx, tx, { kind, filename: part.filename, filePath, options, createdBy: `${actor.type}:${actor.id}` });
      await audit(tx, actor, 'import.create', { type: 'import', id: created }, { kind, filename: part.filename });
      return created;
    });
    reply.status(202);
    return withTenant(ctx.db, actor.workspaceId, (tx) => getImport(tx, id));
  });

  r.get('/v1/imports', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['imports'], summary: 'Recent imports with progress', querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  }, async (req) => {
    const actor = actorOf(req);
    return { imports: await withTenant(ctx.db, actor.workspaceId, (tx) => listImports(tx, req.query.limit)) };
  });

  r.get('/v1/imports/:id', {
    config: { permission: 'customers:read' },
    schema: { tags: ['imports'], summary: 'One import: status, progress, counts', params: z.object({ id: z.string() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return getImport(tx, req.params.id);
  });

  r.get('/v1/imports/:id/errors.csv', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['imports'], summary: 'Per-row error report (CSV, spreadsheet-safe)', params: z.object({ id: z.string() }) },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const gen = errorReport(ctx, actor.workspaceId, req.params.id);
    const first = await gen.next(); // fails with 404 before any byte is sent
    const stream = Readable.from((async function* () {
      if (!first.done) yield first.value;
      yield* gen;
    })());
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="${req.params.id}-errors.csv"`);
    return reply.send(stream);
  });
}
