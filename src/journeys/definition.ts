// What a journey is: a trigger, a start node and a map of nodes joined by `next` edges, plus entry, goal and exit
// rules. The same shape is the draft being edited, a published (immutable) version and the canvas's graph.
import { z } from 'zod';
import { references, ruleSchema } from '../rules/rules.ts';

const key = z.string().min(1).max(100);
// What a step refers to may be left empty in a draft (a step just placed on the canvas); publishing names it.
const choice = z.string().max(100);
const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'node ids are 1-64 letters, digits, _ or -');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');

export const propertyFilterSchema = z.object({
  property: z.string().min(1).max(200),
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists']),
  value: z.unknown().optional(),
});
export type PropertyFilter = z.infer<typeof propertyFilterSchema>;

export const durationSchema = z.object({
  days: z.number().int().min(0).max(3650).default(0),
  hours: z.number().int().min(0).max(1000).default(0),
  minutes: z.number().int().min(0).max(100_000).default(0),
});
export type Duration = z.infer<typeof durationSchema>;
export const durationMs = (d: Duration) => ((d.days * 24 + d.hours) * 60 + d.minutes) * 60_000;

export const DATE_FIELDS = ['birthday', 'first_order_at', 'first_seen_at', 'last_order_at'] as const;

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: key, where: z.array(propertyFilterSchema).max(20).default([]) }),
  z.object({ type: z.literal('segment'), segment: key, on: z.enum(['entered', 'exited']).default('entered') }),
  // Birthday care, anniversaries (yearly), or "N days after the first order" (once), at a local time of day.
  z.object({
    type: z.literal('date'),
    field: z.enum(DATE_FIELDS),
    yearly: z.boolean().default(false),
    offsetDays: z.number().int().min(-60).max(3650).default(0),
    at: clockTime.default('10:00'),
  }),
  // Every day / week / month at a local time, for everyone in a segment.
  z.object({
    type: z.literal('schedule'),
    every: z.enum(['day', 'week', 'month']),
    at: clockTime.default('10:00'),
    weekday: z.number().int().min(1).max(7).optional(),
    monthDay: z.number().int().min(1).max(28).optional(),
    segment: key,
  }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

const edge = nodeId.optional();
const layout = { label: z.string().max(100).optional(), position: z.object({ x: z.number(), y: z.number() }).optional() };

export const nodeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('wait'), ...layout, duration: durationSchema, next: edge }),
  z.object({ type: z.literal('wait_until'), ...layout, at: clockTime, weekdays: z.array(z.number().int().min(1).max(7)).max(7).optional(), next: edge }),
  z.object({
    type: z.literal('wait_event'), ...layout, event: key, where: z.array(propertyFilterSchema).max(20).default([]),
    timeout: durationSchema, next: edge, timeoutNext: edge,
  }),
  z.object({ type: z.literal('condition'), ...layout, rule: ruleSchema, yes: edge, no: edge }),
  z.object({
    type: z.literal('split'), ...layout,
    branches: z.array(z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), percent: z.number().min(0).max(100), holdout: z.boolean().default(false), next: edge })).min(2).max(10),
  }),
  // timing 'best_time' holds the message until the customer's best hour of the week (within the next seven days).
  z.object({ type: z.literal('send'), ...layout, channel: choice, template: choice, transactional: z.boolean().default(false), timing: z.enum(['now', 'best_time']).default('now'), next: edge }),
  z.object({ type: z.literal('tag'), ...layout, tag: choice, remove: z.boolean().default(false), next: edge }),
  z.object({ type: z.literal('attribute'), ...layout, attribute: z.string().regex(/^[A-Za-z0-9_]{1,64}$/), value: z.union([z.string().max(500), z.number(), z.boolean(), z.null()]), next: edge }),
  z.object({ type: z.literal('points'), ...layout, points: z.number().int().min(1).max(1_000_000), next: edge }),
  z.object({ type: z.literal('coupon'), ...layout, templateId: z.number().int().positive(), next: edge }),
  z.object({ type: z.literal('task'), ...layout, title: z.string().min(1).max(200), assignee: z.string().max(200).optional(), dueInHours: z.number().int().min(0).max(24 * 90).default(24), next: edge }),
  z.object({ type: z.literal('webhook'), ...layout, url: z.string().url().max(2000), next: edge }),
  z.object({ type: z.literal('exit'), ...layout }),
]);
export type JourneyNode = z.infer<typeof nodeSchema>;
export type NodeOf<T extends JourneyNode['type']> = Extract<JourneyNode, { type: T }>;

export const definitionSchema = z.object({
  trigger: triggerSchema,
  start: nodeId,
  nodes: z.record(nodeId, nodeSchema).refine((n) => Object.keys(n).length <= 200, 'at most 200 nodes'),
  /** once: a customer enters at most once; always: every trigger starts a run; days: at most once every N days. */
  reentry: z.union([z.literal('once'), z.literal('always'), z.object({ days: z.number().int().min(1).max(3650) })]).default('once'),
  goal: z.object({ event: key, where: z.array(propertyFilterSchema).max(20).default([]), withinDays: z.number().int().min(1).max(365).default(7), exitOnGoal: z.boolean().default(false) }).optional(),
  exitOn: z.object({ event: key, where: z.array(propertyFilterSchema).max(20).default([]) }).optional(),
  /** A message due in quiet hours waits for the window to open (hold) or is not sent (drop). */
  quietHours: z.enum(['hold', 'drop']).default('hold'),
  /** Orders within this many days of entering count as the journey's revenue. */
  attributionDays: z.number().int().min(1).max(90).default(7),
});
export type JourneyDefinition = z.infer<typeof definitionSchema>;

/** Where a run goes when an edge leads nowhere: no node has this id, so the executor completes the run. */
export const END_NODE = '__end__';

/** Nodes a node leads to, with the edge's name (for validation messages and the canvas). */
export function edgesOf(node: JourneyNode): { name: string; to: string | undefined }[] {
  switch (node.type) {
    case 'condition':
      return [{ name: 'yes', to: node.yes }, { name: 'no', to: node.no }];
    case 'split':
      return node.branches.map((b, i) => ({ name: `branches.${i}.next`, to: b.next }));
    case 'wait_event':
      return [{ name: 'next', to: node.next }, { name: 'timeoutNext', to: node.timeoutNext }];
    case 'exit':
      return [];
    default:
      return [{ name: 'next', to: node.next }];
  }
}

/** Tags, segments and fields a journey reads or writes: its trigger, its conditions, its tag steps. */
export function journeyReferences(def: JourneyDefinition) {
  const out = { tags: new Set<string>(), segments: new Set<string>(), fields: new Set<string>() };
  if (def.trigger.type === 'segment' || def.trigger.type === 'schedule') out.segments.add(def.trigger.segment);
  for (const n of Object.values(def.nodes)) {
    if (n.type === 'condition') references(n.rule, out);
    if (n.type === 'tag' && n.tag) out.tags.add(n.tag);
  }
  return out;
}

/** Nodes that make a customer wait: a cycle must pass through one, or it would spin without end. */
export const WAITING_NODES = new Set<JourneyNode['type']>(['wait', 'wait_until', 'wait_event']);

/** The event that starts a run (segment triggers listen to segment_entered / segment_exited). */
export function triggerEvent(def: JourneyDefinition): string | null {
  if (def.trigger.type === 'event') return def.trigger.event;
  if (def.trigger.type === 'segment') return def.trigger.on === 'entered' ? 'segment_entered' : 'segment_exited';
  return null;
}

/** Events customers already in the journey react to: waits, the goal and the exit condition. */
export function afterEntryEvents(def: JourneyDefinition): string[] {
  const out = new Set<string>();
  for (const n of Object.values(def.nodes)) if (n.type === 'wait_event') out.add(n.event);
  if (def.goal) out.add(def.goal.event);
  if (def.exitOn) out.add(def.exitOn.event);
  return [...out];
}

/** Whether event properties pass a list of filters (all must hold). Dotted properties reach into objects. */
export function matchesFilters(props: Record<string, unknown>, filters: PropertyFilter[]): boolean {
  return filters.every((f) => {
    const v = f.property.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as any)[k] : undefined), props);
    switch (f.op) {
      case 'exists':
        return v !== undefined && v !== null;
      case 'eq':
        return v == f.value || String(v) === String(f.value);
      case 'neq':
        return !(v == f.value || String(v) === String(f.value));
      case 'in':
        return Array.isArray(f.value) && f.value.some((x) => String(x) === String(v));
      case 'contains':
        return Array.isArray(v) ? v.some((x) => String(x) === String(f.value)) : String(v ?? '').includes(String(f.value));
      default: {
        const a = Number(v);
        const b = Number(f.value);
        if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
        return f.op === 'gt' ? a > b : f.op === 'gte' ? a >= b : f.op === 'lt' ? a < b : a <= b;
      }
    }
  });
}
