// Message templates in Liquid: customer attributes, computed traits, trigger event properties and links. Variables
// are checked before a template is saved or a journey published, so a typo is an error with the variable named,
// not an empty space in ten thousand messages. Links become tracked redirects; email gets an open pixel.
import { Liquid, type Template } from 'liquidjs';
import { z } from 'zod';
import type { TenantTx } from '../kernel/tenant.ts';
import type { FieldProblem } from '../kernel/errors.ts';
import { AppError, notFound } from '../kernel/errors.ts';

export const templateSchema = z.object({
  key: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ or -'),
  name: z.string().min(1).max(200),
  channel: z.string().min(1).max(50),
  subject: z.string().max(500).nullable().default(null),
  body: z.string().min(1).max(100_000),
  variants: z.array(z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), subject: z.string().max(500).nullable().default(null), body: z.string().min(1).max(100_000) })).max(5).default([]),
  // For SMS channels: the carrier-approved template at the provider and its parameters, each a Liquid text.
  // Aliyun fills them by name, Tencent Cloud by position. The body stays the readable text for previews.
  sms: z.object({
    templateCode: z.string().min(1).max(100),
    params: z.array(z.object({ name: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits or _'), value: z.string().max(500) })).max(20).default([]),
  }).nullable().default(null),
});
export type TemplateInput = z.infer<typeof templateSchema>;

export interface StoredTemplate extends TemplateInput {
  id: number;
  created_at: Date;
  updated_at: Date;
}

/** The customer fields a template may use as customer.<field> (traits as customer.traits.<key>). */
export const CUSTOMER_FIELDS = ['id', 'name', 'email', 'phone', 'order_count', 'total_spent', 'first_order_at', 'last_order_at', 'source_channel', 'tier', 'points'] as const;
const ROOTS = new Set(['customer', 'computed', 'event', 'journey', 'unsubscribe_url']);

export const liquid = new Liquid({ strictFilters: true, ownPropertyOnly: true, cache: 500 });
// `{{ "https://shop.example/x" | track }}` marks a link for click tracking; render() replaces the mark with the
// tracked redirect (or the plain URL when nothing is tracked, as in previews).
const TRACK_MARK = /\u0001track:([^\u0001]*)\u0001/g;
liquid.registerFilter('track', (url: unknown) => `\u0001track:${String(url).replace(/\u0001/g, '')}\u0001`);
liquid.registerFilter('yuan', (fen: unknown) => (Number(fen) / 100).toFixed(2));

const parsed = new Map<string, Template[]>();
export function parse(source: string): Template[] {
  let t = parsed.get(source);
  if (!t) {
    t = liquid.parse(source);
    if (parsed.size > 2000) parsed.clear();
    parsed.set(source, t);
  }
  return t;
}

/** Variables a template reads, as dotted paths (customer.traits.city, computed.orders_30d, event.order_id). */
export function variablesOf(source: string): string[] {
  return liquid.globalFullVariablesSync(parse(source));
}

/** Syntax errors and unknown variables of each text of a template, named by field (body, subject, variants.0.body). */
export async function checkTemplate(tx: TenantTx, t: Pick<TemplateInput, 'subject' | 'body' | 'variants'> & { sms?: TemplateInput['sms'] }): Promise<FieldProblem[]> {
  const texts: [string, string | null][] = [['subject', t.subject], ['body', t.body]];
  t.variants.forEach((v, i) => texts.push([`variants.${i}.subject`, v.subject], [`variants.${i}.body`, v.body]));
  t.sms?.params.forEach((p, i) => texts.push([`sms.params.${i}.value`, p.value]));
  const problems: FieldProblem[] = [];
  const traitKeys = new Set<string>();
  const computedKeys = new Set<string>();
  const where = new Map<string, string>();
  for (const [field, source] of texts) {
    if (!source) continue;
    let vars: string[];
    try {
      vars = variablesOf(source);
    } catch (err: any) {
      problems.push({ field, message: `is not valid Liquid: ${String(err.message).split('\n')[0]}` });
      continue;
    }
    for (const v of vars) {
      const [root, second, third] = v.split(/[.[\]]/).filter(Boolean);
      if (!ROOTS.has(root)) {
        problems.push({ field, message: `unknown variable "${v}"; use customer.*, computed.*, event.*, journey.name or unsubscribe_url` });
      } else if (root === 'customer' && second === 'traits' && third) {
        traitKeys.add(third);
        where.set(`t:${third}`, field);
      } else if (root === 'customer' && second && second !== 'traits' && !(CUSTOMER_FIELDS as readonly string[]).includes(second)) {
        problems.push({ field, message: `unknown variable "${v}"; customer has ${CUSTOMER_FIELDS.join(', ')} and traits.<key>` });
      } else if (root === 'computed' && second) {
        computedKeys.add(second);
        where.set(`c:${second}`, field);
      }
    }
  }
  if (computedKeys.size) {
    const { rows } = await tx.query<{ key: string }>(`SELECT key FROM computed_traits WHERE workspace_id = $1 AND key = ANY($2) AND deleted_at IS NULL`, [tx.workspaceId, [...computedKeys]]);
    const known = new Set(rows.map((r) => r.key));
    for (const k of computedKeys) if (!known.has(k)) problems.push({ field: where.get(`c:${k}`)!, message: `unknown variable "computed.${k}": no computed trait has that key` });
  }
  for (const k of traitKeys) {
    const { rows } = await tx.query(`SELECT 1 FROM customers WHERE workspace_id = $1 AND traits ? $2 LIMIT 1`, [tx.workspaceId, k]);
    if (!rows.length) problems.push({ field: where.get(`t:${k}`)!, message: `unknown variable "customer.traits.${k}": no customer has that attribute` });
  }
  return problems;
}

export async function saveTemplate(tx: TenantTx, input: TemplateInput, now: Date, id?: number): Promise<StoredTemplate> {
  const problems = await checkTemplate(tx, input);
  if (problems.length) throw new AppError(400, 'bad_template', `${problems[0].field}: ${problems[0].message}`, problems);
  const params = [tx.workspaceId, input.key, input.name, input.channel, input.subject, input.body, JSON.stringify(input.variants), now, input.sms ? JSON.stringify(input.sms) : null];
  const { rows } = id
    ? await tx.query(
        `UPDATE message_templates SET key = $2, name = $3, channel = $4, subject = $5, body = $6, variants = $7, updated_at = $8, sms = $9
          WHERE workspace_id = $1 AND id = $10 RETURNING *`, [...params, id])
    : await tx.query(
        `INSERT INTO message_templates (workspace_id, key, name, channel, subject, body, variants, created_at, updated_at, sms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) ON CONFLICT (workspace_id, key) DO NOTHING RETURNING *`, params);
  if (!rows[0] && id) throw notFound(`template ${id}`);
  if (!rows[0]) throw new AppError(409, 'conflict', `key: a template "${input.key}" exists already`, [{ field: 'key', message: 'already used' }]);
  return templateView(rows[0]);
}

export async function templatesByKey(tx: TenantTx, keys: string[]): Promise<Map<string, StoredTemplate>> {
  const { rows } = await tx.query(`SELECT * FROM message_templates WHERE workspace_id = $1 AND key = ANY($2)`, [tx.workspaceId, keys]);
  return new Map(rows.map((r) => [r.key, templateView(r)]));
}

export const templateView = (r: any): StoredTemplate => ({
  id: r.id, key: r.key, name: r.name, channel: r.channel, subject: r.subject, body: r.body, variants: r.variants, sms: r.sms ?? null, created_at: r.created_at, updated_at: r.updated_at,
});

export interface RenderScope {
  customer: Record<string, unknown>;
  computed?: Record<string, unknown>;
  event?: Record<string, unknown>;
  journey?: { name: string };
  unsubscribe_url?: string;
}

export interface Rendered {
  subject: string | null;
  body: string;
  /** Links in the order they were tracked; the tracked URL carries the index. */
  links: string[];
}

/**
 * Renders one variant of a template. `trackUrl(i)` makes the tracked redirect for link i; for HTML email bodies every
 * http(s) href is tracked as well, without the template saying so.
 */
export function render(t: Pick<TemplateInput, 'subject' | 'body'>, scope: RenderScope, trackUrl?: (index: number) => string, html = false, links: string[] = []): Rendered {
  const track = (url: string) => {
    if (!trackUrl || !/^https?:\/\//.test(url)) return url;
    links.push(url);
    return trackUrl(links.length - 1);
  };
  const subject = t.subject ? String(liquid.renderSync(parse(t.subject), scope)).replace(TRACK_MARK, (_m, url: string) => url) : null;
  let body = String(liquid.renderSync(parse(t.body), scope)).replace(TRACK_MARK, (_m, url: string) => track(url));
  if (html && trackUrl) body = body.replace(/href="(https?:\/\/[^"]+)"/g, (m, url: string) => (url.includes('/v1/t/') ? m : `href="${track(url)}"`));
  return { subject, body, links };
}
