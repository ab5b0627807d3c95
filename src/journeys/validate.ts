// Checks a journey before it goes live, naming the node and the reason: edges to nodes that do not exist, nodes no
// path reaches, cycles a customer could spin in without waiting, sends to channels with no provider or templates
// with unknown variables, branches on unknown traits, tags, coupons or a points programme that is not running.
import type { TenantTx } from '../kernel/tenant.ts';
import type { FieldProblem } from '../kernel/errors.ts';
import { loadCatalog } from '../rules/catalog.ts';
import { validateRule } from '../rules/validate.ts';
import { assertPublicUrl, UnsafeUrlError } from '../kernel/net/ssrf.ts';
import { checkTemplate, templatesByKey } from '../messaging/templates.ts';
import { loadChannels, SMS_KINDS } from '../messaging/channels.ts';
import { loadProgram } from '../loyalty/program.ts';
import { edgesOf, WAITING_NODES, type JourneyDefinition } from './definition.ts';

export async function validateJourney(tx: TenantTx, def: JourneyDefinition, opts: { allowPrivateOutbound: boolean }): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const at = (id: string, field: string) => `nodes.${id}.${field}`;
  const nodes = def.nodes;

  if (!nodes[def.start]) problems.push({ field: 'start', message: `no node "${def.start}"` });
  for (const [id, node] of Object.entries(nodes)) {
    for (const e of edgesOf(node)) if (e.to !== undefined && !nodes[e.to]) problems.push({ field: at(id, e.name), message: `leads to "${e.to}", which does not exist` });
    if (node.type === 'split') {
      const total = node.branches.reduce((s, b) => s + b.percent, 0);
      if (Math.abs(total - 100) > 1e-9) problems.push({ field: at(id, 'branches'), message: `percentages add up to ${total}, not 100` });
      const keys = new Set(node.branches.map((b) => b.key));
      if (keys.size !== node.branches.length) problems.push({ field: at(id, 'branches'), message: 'branch keys must differ' });
    }
  }

  // Reachability from the start.
  const reached = new Set<string>();
  const stack = nodes[def.start] ? [def.start] : [];
  while (stack.length) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const e of edgesOf(nodes[id])) if (e.to && nodes[e.to]) stack.push(e.to);
  }
  for (const id of Object.keys(nodes)) if (!reached.has(id)) problems.push({ field: `nodes.${id}`, message: 'is unreachable: no path from the start leads here' });

  // A cycle among non-waiting nodes would run forever within one step of the worker.
  const colour = new Map<string, 1 | 2>();
  const visit = (id: string, path: string[]): void => {
    colour.set(id, 1);
    for (const e of edgesOf(nodes[id])) {
      if (!e.to || !nodes[e.to] || WAITING_NODES.has(nodes[e.to].type)) continue;
      if (colour.get(e.to) === 1) {
        const cycle = [...path.slice(path.indexOf(e.to)), id, e.to];
        problems.push({ field: at(id, e.name), message: `closes a cycle without a wait (${[...new Set(cycle)].join(' → ')} → ${e.to}); add a wait step to it` });
      } else if (!colour.has(e.to)) visit(e.to, [...path, id]);
    }
    colour.set(id, 2);
  };
  for (const id of Object.keys(nodes)) if (!WAITING_NODES.has(nodes[id].type) && !colour.has(id)) visit(id, []);

  // What the nodes refer to must exist in the workspace.
  const catalog = await loadCatalog(tx);
  const channels = await loadChannels(tx);
  const sends = Object.entries(nodes).flatMap(([id, n]) => (n.type === 'send' ? [[id, n] as const] : []));
  const templates = await templatesByKey(tx, sends.map(([, n]) => n.template));
  const checked = new Map<string, FieldProblem[]>();
  for (const [id, n] of sends) {
    if (!channels.has(n.channel)) problems.push({ field: at(id, 'channel'), message: `channel "${n.channel}" has no provider configured; set one up under 渠道 (PUT /v1/channels/${n.channel}) first` });
    const t = templates.get(n.template);
    if (!t) {
      problems.push({ field: at(id, 'template'), message: n.template ? `no template "${n.template}"` : 'choose a template' });
      continue;
    }
    if (t.channel !== n.channel) problems.push({ field: at(id, 'template'), message: `template "${n.template}" is for the ${t.channel} channel, not ${n.channel}` });
    const kind = channels.get(n.channel)?.kind;
    if (kind && SMS_KINDS.has(kind) && !t.sms) problems.push({ field: at(id, 'template'), message: `template "${n.template}" has no SMS template code (sms.templateCode), which ${kind} needs` });
    if (!checked.has(t.key)) checked.set(t.key, await checkTemplate(tx, t));
    for (const p of checked.get(t.key)!) problems.push({ field: at(id, 'template'), message: `template "${t.key}" ${p.field}: ${p.message}` });
  }
  for (const [id, n] of Object.entries(nodes)) {
    if (n.type === 'condition') problems.push(...validateRule(n.rule, catalog, { path: at(id, 'rule') }));
    if (n.type === 'tag') {
      const { rows } = await tx.query<{ kind: string }>(`SELECT kind FROM tags WHERE workspace_id = $1 AND key = $2 AND deleted_at IS NULL`, [tx.workspaceId, n.tag]);
      if (!rows[0]) problems.push({ field: at(id, 'tag'), message: n.tag ? `unknown tag "${n.tag}"` : 'choose a tag' });
      else if (rows[0].kind === 'rule' || rows[0].kind === 'model') problems.push({ field: at(id, 'tag'), message: `"${n.tag}" is a ${rows[0].kind} tag: its rule or model decides who has it, a journey cannot` });
    }
    if (n.type === 'points') {
      const program = await loadProgram(tx);
      if (!program.configured || !program.enabled) problems.push({ field: at(id, 'points'), message: 'the points programme is not running; set it up under 会员积分 first' });
    }
    if (n.type === 'coupon') {
      const { rows } = await tx.query<{ status: string }>(`SELECT status FROM coupon_templates WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, n.templateId]);
      if (!rows[0]) problems.push({ field: at(id, 'templateId'), message: `no coupon template ${n.templateId}` });
      else if (rows[0].status !== 'active') problems.push({ field: at(id, 'templateId'), message: `coupon template ${n.templateId} is ${rows[0].status}` });
    }
    if (n.type === 'webhook') {
      try {
        await assertPublicUrl(n.url, opts.allowPrivateOutbound);
      } catch (err) {
        if (!(err instanceof UnsafeUrlError)) throw err;
        problems.push({ field: at(id, 'url'), message: err.message });
      }
      if (!channels.has('webhook')) problems.push({ field: at(id, 'url'), message: 'the webhook channel is not set up (PUT /v1/channels/webhook with a signing secret)' });
    }
  }
  const trigger = def.trigger;
  if ((trigger.type === 'segment' || trigger.type === 'schedule') && !catalog.segments.has(trigger.segment)) {
    problems.push({ field: 'trigger.segment', message: `unknown segment "${trigger.segment}"` });
  }
  return problems;
}
