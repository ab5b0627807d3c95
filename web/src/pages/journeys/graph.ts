// A journey definition as a graph on the canvas and back: nodes keep their saved positions (or are laid out by
// distance from the start), edges are the nodes' named exits (next, yes/no, timeout, split branches).
import type { Edge, Node } from '@xyflow/react';

export type JourneyNode = { type: string; label?: string; position?: { x: number; y: number }; [k: string]: any };
export interface Definition {
  trigger: any;
  start: string;
  nodes: Record<string, JourneyNode>;
  reentry?: any;
  goal?: any;
  exitOn?: any;
  quietHours?: 'hold' | 'drop';
  attributionDays?: number;
}

export const TRIGGER_ID = '__trigger__';

/** The exits of a node: handle id = the field that holds the edge. */
export function exitsOf(n: JourneyNode): { handle: string; label: string; labelEn: string }[] {
  switch (n.type) {
    case 'condition':
      return [{ handle: 'yes', label: '是', labelEn: 'yes' }, { handle: 'no', label: '否', labelEn: 'no' }];
    case 'wait_event':
      return [{ handle: 'next', label: '发生', labelEn: 'happened' }, { handle: 'timeoutNext', label: '超时', labelEn: 'timed out' }];
    case 'split':
      return (n.branches ?? []).map((b: any, i: number) => ({ handle: `branches.${i}`, label: `${b.key} ${b.percent}%${b.holdout ? ' 对照' : ''}`, labelEn: `${b.key} ${b.percent}%${b.holdout ? ' holdout' : ''}` }));
    case 'exit':
      return [];
    default:
      return [{ handle: 'next', label: '', labelEn: '' }];
  }
}

export function targetOf(n: JourneyNode, handle: string): string | undefined {
  if (handle.startsWith('branches.')) return n.branches?.[Number(handle.split('.')[1])]?.next;
  return n[handle];
}

export function withTarget(n: JourneyNode, handle: string, to: string | undefined): JourneyNode {
  if (handle.startsWith('branches.')) {
    const i = Number(handle.split('.')[1]);
    return { ...n, branches: n.branches.map((b: any, j: number) => (j === i ? { ...b, next: to } : b)) };
  }
  return { ...n, [handle]: to };
}

/** Positions for nodes that have none: columns by distance from the start, rows in order of discovery. */
export function layout(def: Definition): Record<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  const queue: string[] = def.nodes[def.start] ? [def.start] : [];
  if (queue.length) depth.set(def.start, 1);
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of exitsOf(def.nodes[id])) {
      const to = targetOf(def.nodes[id], e.handle);
      if (to && def.nodes[to] && !depth.has(to)) {
        depth.set(to, depth.get(id)! + 1);
        queue.push(to);
      }
    }
  }
  let maxDepth = Math.max(1, ...depth.values());
  for (const id of Object.keys(def.nodes)) if (!depth.has(id)) depth.set(id, ++maxDepth);
  const rows = new Map<number, number>();
  const out: Record<string, { x: number; y: number }> = {};
  for (const [id, d] of depth) {
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    out[id] = def.nodes[id].position ?? { x: d * 260, y: 40 + row * 130 };
  }
  return out;
}

export function toFlow(def: Definition, extra: (id: string) => Record<string, unknown>): { nodes: Node[]; edges: Edge[] } {
  const pos = layout(def);
  const nodes: Node[] = [
    { id: TRIGGER_ID, type: 'trigger', position: (def.trigger as any).position ?? { x: 0, y: 40 }, data: { trigger: def.trigger }, deletable: false },
    ...Object.entries(def.nodes).map(([id, n]) => ({ id, type: 'step', position: pos[id], data: { node: n, ...extra(id) } })),
  ];
  const edges: Edge[] = [];
  // The start edge can be moved (drag the trigger to another step) but not removed: a journey needs a start.
  if (def.nodes[def.start]) edges.push({ id: `${TRIGGER_ID}->${def.start}`, source: TRIGGER_ID, sourceHandle: 'start', target: def.start, deletable: false });
  for (const [id, n] of Object.entries(def.nodes)) {
    for (const e of exitsOf(n)) {
      const to = targetOf(n, e.handle);
      if (to && def.nodes[to]) edges.push({ id: `${id}:${e.handle}->${to}`, source: id, sourceHandle: e.handle, target: to, label: e.label || undefined });
    }
  }
  return { nodes, edges };
}

/** Defaults for a new node of each kind, ready to be filled in. */
export function newNode(type: string): JourneyNode {
  switch (type) {
    case 'wait':
      return { type, duration: { days: 1, hours: 0, minutes: 0 } };
    case 'wait_until':
      return { type, at: '10:00' };
    case 'wait_event':
      return { type, event: 'order_completed', where: [], timeout: { days: 3, hours: 0, minutes: 0 } };
    case 'condition':
      return { type, rule: { all: [{ field: 'order_count', op: 'gte', value: 1 }] } };
    case 'split':
      return { type, branches: [{ key: 'A', percent: 50, holdout: false }, { key: 'B', percent: 50, holdout: false }] };
    case 'send':
      return { type, channel: 'inbox', template: '', transactional: false, timing: 'now' };
    case 'tag':
      return { type, tag: '', remove: false };
    case 'attribute':
      return { type, attribute: '', value: '' };
    case 'points':
      return { type, points: 100 };
    case 'coupon':
      return { type, templateId: 1 };
    case 'task':
      return { type, title: '', dueInHours: 24 };
    case 'webhook':
      return { type, url: 'https://' };
    default:
      return { type: 'exit' };
  }
}

export const NODE_TYPES: { type: string; zh: string; en: string; colour: string }[] = [
  { type: 'send', zh: '发送消息', en: 'Send message', colour: '#c0392b' },
  { type: 'wait', zh: '等待', en: 'Wait', colour: '#8c8c8c' },
  { type: 'wait_until', zh: '等到时间', en: 'Wait until', colour: '#8c8c8c' },
  { type: 'wait_event', zh: '等待事件', en: 'Wait for event', colour: '#8c8c8c' },
  { type: 'condition', zh: '条件分支', en: 'Condition', colour: '#1677ff' },
  { type: 'split', zh: 'A/B 分流', en: 'A/B split', colour: '#722ed1' },
  { type: 'tag', zh: '打标签', en: 'Tag', colour: '#13c2c2' },
  { type: 'attribute', zh: '更新属性', en: 'Set attribute', colour: '#13c2c2' },
  { type: 'points', zh: '发积分', en: 'Grant points', colour: '#fa8c16' },
  { type: 'coupon', zh: '发优惠券', en: 'Issue coupon', colour: '#fa8c16' },
  { type: 'task', zh: '导购任务', en: 'Staff task', colour: '#52c41a' },
  { type: 'webhook', zh: 'Webhook', en: 'Webhook', colour: '#595959' },
  { type: 'exit', zh: '退出', en: 'Exit', colour: '#262626' },
];

/** One line saying what a node does, for the canvas. */
export function summary(n: JourneyNode, zh: boolean): string {
  const d = (x: any) => `${x?.days ? `${x.days}${zh ? '天' : 'd'}` : ''}${x?.hours ? `${x.hours}${zh ? '小时' : 'h'}` : ''}${x?.minutes ? `${x.minutes}${zh ? '分' : 'm'}` : ''}` || '0';
  switch (n.type) {
    case 'send':
      return `${n.channel} · ${n.template || (zh ? '未选模板' : 'no template')}${n.timing === 'best_time' ? (zh ? ' · 最佳时间' : ' · best time') : ''}`;
    case 'wait':
      return d(n.duration);
    case 'wait_until':
      return `${n.at}${n.weekdays?.length ? ` (${n.weekdays.join(',')})` : ''}`;
    case 'wait_event':
      return `${n.event} ≤ ${d(n.timeout)}`;
    case 'condition':
      return zh ? '按规则判断' : 'rule';
    case 'split':
      return (n.branches ?? []).map((b: any) => `${b.key}:${b.percent}%`).join(' ');
    case 'tag':
      return `${n.remove ? '−' : '+'} ${n.tag}`;
    case 'attribute':
      return `${n.attribute} = ${JSON.stringify(n.value)}`;
    case 'points':
      return `+${n.points}`;
    case 'coupon':
      return `#${n.templateId}`;
    case 'task':
      return n.title;
    case 'webhook':
      return n.url;
    default:
      return '';
  }
}
