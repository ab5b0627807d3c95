// The rule language shared by segments and rule tags: boolean trees over profile attributes, order facts,
// computed traits, tags and other segments. Declared once with Zod; the OpenAPI document and console use it too.
import { z } from 'zod';
import type { UsageTarget } from '../kernel/module.ts';

export const COMPARE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'contains', 'exists', 'not_exists'] as const;
/** Time operators: their truth changes as the clock moves, so the scheduler re-checks them at each customer's boundary. */
export const TIME_OPS = ['within_last_days', 'not_within_last_days', 'before', 'after'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type TimeOp = (typeof TIME_OPS)[number];
export type Op = CompareOp | TimeOp;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export interface FieldCondition {
  field: string;
  op: Op;
  value?: string | number | boolean | (string | number)[];
}
export interface TagCondition {
  tag: string;
  has: boolean;
}
export interface SegmentCondition {
  segment: string;
  member: boolean;
}
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | FieldCondition | TagCondition | SegmentCondition;

export const ruleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ruleSchema).min(1, 'needs at least one condition') }).strict(),
    z.object({ any: z.array(ruleSchema).min(1, 'needs at least one condition') }).strict(),
    z.object({ not: ruleSchema }).strict(),
    z.object({ field: z.string().min(1), op: z.enum([...COMPARE_OPS, ...TIME_OPS]), value: z.union([scalar, z.array(z.union([z.string(), z.number()]))]).optional() }).strict(),
    z.object({ tag: z.string().min(1), has: z.boolean().default(true) }).strict(),
    z.object({ segment: z.string().min(1), member: z.boolean().default(true) }).strict(),
  ]),
).meta({ id: 'Rule', description: 'A boolean tree of conditions on fields, tags and segments' });

export const isAll = (r: Rule): r is { all: Rule[] } => 'all' in r;
export const isAny = (r: Rule): r is { any: Rule[] } => 'any' in r;
export const isNot = (r: Rule): r is { not: Rule } => 'not' in r;
export const isField = (r: Rule): r is FieldCondition => 'field' in r;
export const isTag = (r: Rule): r is TagCondition => 'tag' in r;
export const isSegment = (r: Rule): r is SegmentCondition => 'segment' in r;

/** Every tag and segment key a rule reads (for usage tracking and cycle checks). */
/** Every leaf condition of a rule (field, tag or segment), however nested. */
export function conditions(rule: Rule, out: (FieldCondition | TagCondition | SegmentCondition)[] = []) {
  if (isAll(rule)) rule.all.forEach((r) => conditions(r, out));
  else if (isAny(rule)) rule.any.forEach((r) => conditions(r, out));
  else if (isNot(rule)) conditions(rule.not, out);
  else out.push(rule);
  return out;
}

export interface References {
  tags: Set<string>;
  segments: Set<string>;
  fields: Set<string>;
}

export function references(rule: Rule, out: References = { tags: new Set<string>(), segments: new Set<string>(), fields: new Set<string>() }): References {
  for (const c of conditions(rule)) {
    if (isTag(c)) out.tags.add(c.tag);
    else if (isSegment(c)) out.segments.add(c.segment);
    else out.fields.add(c.field);
  }
  return out;
}

/** Whether a definition with these references reads `target` (a tag or segment never counts as reading itself). */
export function readsTarget(refs: References, target: UsageTarget, self?: { kind: string; key: string }): boolean {
  if (target.tag && refs.tags.has(target.tag) && !(self?.kind === 'tag' && self.key === target.tag)) return true;
  if (target.segment && refs.segments.has(target.segment) && !(self?.kind === 'segment' && self.key === target.segment)) return true;
  return target.field ? refs.fields.has(target.field) : false;
}
