// Checking a rule against the catalog: unknown fields, tags and segments, values of the wrong type, nesting too
// deep, and segments that would contain themselves — each reported at the exact place in the rule.
import type { FieldProblem } from '../kernel/errors.ts';
import { AppError } from '../kernel/errors.ts';
import type { Catalog } from './catalog.ts';
import { isAll, isAny, isNot, isSegment, isTag, references, type FieldCondition, type Rule } from './rules.ts';

export const MAX_DEPTH = 8;
export const MAX_CONDITIONS = 200;

const NUMERIC_OPS = new Set(['gt', 'gte', 'lt', 'lte', 'between']);

export function validateRule(rule: Rule, catalog: Catalog, opts: { path?: string; selfSegment?: string } = {}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let conditions = 0;
  const walk = (r: Rule, path: string, depth: number) => {
    if (depth > MAX_DEPTH) {
      problems.push({ field: path, message: `nests deeper than ${MAX_DEPTH} levels; flatten it` });
      return;
    }
    if (isAll(r)) return r.all.forEach((c, i) => walk(c, `${path}.all.${i}`, depth + 1));
    if (isAny(r)) return r.any.forEach((c, i) => walk(c, `${path}.any.${i}`, depth + 1));
    if (isNot(r)) return walk(r.not, `${path}.not`, depth + 1);
    conditions++;
    if (isTag(r)) {
      if (!catalog.tags.has(r.tag)) problems.push({ field: `${path}.tag`, message: `unknown tag "${r.tag}"` });
      return;
    }
    if (isSegment(r)) {
      if (r.segment === opts.selfSegment) problems.push({ field: `${path}.segment`, message: `a segment cannot contain itself` });
      else if (!catalog.segments.has(r.segment)) problems.push({ field: `${path}.segment`, message: `unknown segment "${r.segment}"` });
      else if (opts.selfSegment && reaches(catalog, r.segment, opts.selfSegment)) {
        problems.push({ field: `${path}.segment`, message: `"${r.segment}" already depends on "${opts.selfSegment}": this would never terminate` });
      }
      return;
    }
    checkField(r, path, catalog, problems);
  };
  walk(rule, opts.path ?? 'rule', 1);
  if (conditions > MAX_CONDITIONS) problems.push({ field: opts.path ?? 'rule', message: `has ${conditions} conditions; at most ${MAX_CONDITIONS}` });
  return problems;
}

function checkField(c: FieldCondition, path: string, catalog: Catalog, problems: FieldProblem[]) {
  const type = catalog.fieldType(c.field);
  if (type === null) {
    problems.push({ field: `${path}.field`, message: `unknown field "${c.field}": use a profile attribute (e.g. order_count, traits.city) or a computed trait (computed.<key>)` });
    return;
  }
  const v = c.value;
  const need = (ok: boolean, message: string) => ok || problems.push({ field: `${path}.value`, message });
  const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  switch (c.op) {
    case 'exists':
    case 'not_exists':
      return void need(v === undefined, 'takes no value');
    case 'within_last_days':
    case 'not_within_last_days':
      if (type !== 'time') return void problems.push({ field: `${path}.op`, message: `${c.op} needs a time field; "${c.field}" is a ${type}` });
      return void need(isNum(v) && (v as number) > 0 && (v as number) <= 3650, 'must be a number of days between 1 and 3650');
    case 'before':
    case 'after':
      if (type !== 'time') return void problems.push({ field: `${path}.op`, message: `${c.op} needs a time field; "${c.field}" is a ${type}` });
      return void need(typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date-time');
    case 'between':
      return void need(Array.isArray(v) && v.length === 2 && v.every(isNum) && (v[0] as number) <= (v[1] as number), 'must be [low, high] numbers with low ≤ high');
    case 'in':
    case 'not_in':
      return void need(Array.isArray(v) && v.length > 0 && v.length <= 1000, 'must be a non-empty list (at most 1000 values)');
    case 'contains':
      return void need(typeof v === 'string' && v.length > 0 && type !== 'number' && type !== 'time', `compares text; "${c.field}" is a ${type}`);
    default:
      if (type === 'time') return void problems.push({ field: `${path}.op`, message: `use within_last_days, not_within_last_days, before or after with the time field "${c.field}"` });
      if (type === 'boolean') return void need(typeof v === 'boolean' && (c.op === 'eq' || c.op === 'neq'), `"${c.field}" is true/false: use eq or neq with a boolean`);
      if (type === 'number' || NUMERIC_OPS.has(c.op)) return void need(isNum(v), `compares a number with ${JSON.stringify(v)}; "${c.field}" is a number`);
      return void need(typeof v === 'string' || typeof v === 'number', 'must be a string or number');
  }
}

/** Does segment `from` depend (directly or through other segments) on segment `target`? */
function reaches(catalog: Catalog, from: string, target: string, seen = new Set<string>()): boolean {
  if (from === target) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  const rule = catalog.segments.get(from);
  if (!rule) return false;
  for (const s of references(rule).segments) if (reaches(catalog, s, target, seen)) return true;
  return false;
}

export function assertValidRule(rule: Rule, catalog: Catalog, opts: { path?: string; selfSegment?: string } = {}) {
  const problems = validateRule(rule, catalog, opts);
  if (problems.length) throw new AppError(400, 'invalid_rule', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
}
