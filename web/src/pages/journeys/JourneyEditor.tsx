// The journey canvas (旅程画布): the trigger and the steps as nodes, their exits as edges. Add steps from the
// palette, connect an exit to a step by dragging, edit the selected step on the right. Check names every problem
// on its node; publishing makes a new version. Once live, each step shows how many customers passed it and how
// many wait there, and the summary shows conversion against the holdout.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Drawer, Input, List, Row, Space, Statistic, Tag, Typography } from 'antd';
import { useParams } from 'react-router-dom';
import { Background, Controls, Handle, Position, ReactFlow, useReactFlow, type Connection, type Edge, type Node, type NodeProps, type NodeChange, applyNodeChanges } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { api, ApiError, yuan } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { useCatalog } from '../Segments.tsx';
import { exitsOf, layout, NODE_TYPES, newNode, summary, toFlow, TRIGGER_ID, withTarget, type Definition, type JourneyNode } from './graph.ts';
import { NodeForm, TriggerForm, type Choices } from './NodeForm.tsx';

interface StepData {
  node: JourneyNode;
  zh: boolean;
  problems: string[];
  passed: number;
  here: number;
  [key: string]: unknown;
}

function StepNode({ id, data, selected }: NodeProps) {
  const d = data as StepData;
  const kind = NODE_TYPES.find((k) => k.type === d.node.type);
  const exits = exitsOf(d.node);
  return (
    <div data-testid={`node-${id}`} style={{
      width: 200, background: '#fff', borderRadius: 6, padding: '8px 10px', fontSize: 12,
      border: `2px solid ${d.problems.length ? '#ff4d4f' : selected ? '#1677ff' : kind?.colour ?? '#d9d9d9'}`,
    }}>
      <Handle type="target" position={Position.Left} />
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        <b style={{ color: kind?.colour }}>{d.node.label || (d.zh ? kind?.zh : kind?.en)}</b>
        <span style={{ color: '#8c8c8c' }}>{id}</span>
      </div>
      <div style={{ color: '#595959', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{summary(d.node, d.zh)}</div>
      {(d.passed > 0 || d.here > 0) && (
        <div data-testid={`count-${id}`} style={{ marginTop: 4 }}>
          <Tag color="blue">{d.zh ? '经过' : 'passed'} {d.passed}</Tag>{d.here > 0 && <Tag color="orange">{d.zh ? '停留' : 'here'} {d.here}</Tag>}
        </div>
      )}
      {d.problems.length > 0 && <div style={{ color: '#ff4d4f' }} data-testid={`problem-${id}`}>{d.problems[0]}</div>}
      {exits.map((e, i) => (
        <Handle key={e.handle} id={e.handle} type="source" position={Position.Right} style={{ top: `${((i + 1) / (exits.length + 1)) * 100}%` }}>
          {e.label && <span style={{ position: 'absolute', left: 10, top: -8, fontSize: 10, color: '#8c8c8c', whiteSpace: 'nowrap' }}>{d.zh ? e.label : e.labelEn}</span>}
        </Handle>
      ))}
    </div>
  );
}

function TriggerNode({ data, selected }: NodeProps) {
  const t = (data as { trigger: any; zh: boolean; entered: number }).trigger;
  const zh = (data as any).zh;
  const text = t.type === 'event' ? `${zh ? '事件' : 'event'} ${t.event}` : t.type === 'segment' ? `${t.on === 'entered' ? (zh ? '进入' : 'enters') : (zh ? '离开' : 'leaves')} ${t.segment}`
    : t.type === 'date' ? `${t.field}${t.yearly ? (zh ? ' 每年' : ' yearly') : ''} ${t.at}` : `${zh ? '每' : 'every'} ${t.every} ${t.at}`;
  return (
    <div data-testid="node-trigger" style={{ width: 180, background: '#fff1f0', border: `2px solid ${selected ? '#1677ff' : '#c0392b'}`, borderRadius: 20, padding: '8px 12px', fontSize: 12 }}>
      <b>{zh ? '触发' : 'Trigger'}</b>
      <div>{text}</div>
      {(data as any).entered > 0 && <Tag color="red">{zh ? '进入' : 'entered'} {(data as any).entered}</Tag>}
      <Handle id="start" type="source" position={Position.Right} />
    </div>
  );
}

const nodeTypes = { step: StepNode, trigger: TriggerNode };

/** Keeps every step in view when steps are added or removed. */
function FitOnChange({ count }: { count: number }) {
  const { fitView } = useReactFlow();
  useEffect(() => {
    const t = setTimeout(() => fitView({ maxZoom: 1, padding: 0.2 }), 0);
    return () => clearTimeout(t);
  }, [count]);
  return null;
}

export function JourneyEditorPage() {
  const { id } = useParams();
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const catalog = useCatalog();
  const [journey, setJourney] = useState<any>(null);
  const [def, setDef] = useState<Definition | null>(null);
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setRawProblems] = useState<{ field: string; message: string }[] | null>(null);
  // Problems from the request schema name the body's path; the canvas wants them by node.
  const setProblems = (ps: { field: string; message: string }[]) => setRawProblems(ps.map((p) => ({ ...p, field: p.field.replace(/^body\.(definition\.)?/, '') })));
  const [stats, setStats] = useState<any>(null);
  const [choices, setChoices] = useState<Omit<Choices, 'catalog'> | null>(null);
  const [dirty, setDirty] = useState(false);

  const loadStats = useCallback(() => api('GET', `/v1/journeys/${id}/stats`).then(setStats).catch(() => {}), [id]);
  useEffect(() => {
    api('GET', `/v1/journeys/${id}`).then((j) => { setJourney(j); setDef(j.draft); setName(j.name); });
    Promise.all([api('GET', '/v1/templates'), api('GET', '/v1/channels'), api('GET', '/v1/tags'), api('GET', '/v1/segments'), api('GET', '/v1/loyalty/coupon-templates').catch(() => ({ templates: [] }))])
      .then(([t, c, tags, s, coupons]) => setChoices({ templates: t.templates, channels: c.channels, tags: tags.tags ?? [], segments: s.segments ?? [], coupons: coupons.templates ?? [] }));
    loadStats();
    const timer = setInterval(loadStats, 5000);
    return () => clearInterval(timer);
  }, [id, loadStats]);

  const change = (next: Definition) => {
    setDef(next);
    setDirty(true);
  };
  const problemsOf = (nodeId: string) => (problems ?? []).filter((p) => p.field === `nodes.${nodeId}` || p.field.startsWith(`nodes.${nodeId}.`)).map((p) => p.message);
  const counts = useMemo(() => {
    const passed = new Map<string, number>();
    const here = new Map<string, number>();
    for (const n of stats?.nodes ?? []) if (n.version === journey?.live_version) passed.set(n.node, (passed.get(n.node) ?? 0) + Number(n.count));
    for (const n of stats?.in_node ?? []) here.set(n.node, (here.get(n.node) ?? 0) + n.n);
    return { passed, here };
  }, [stats, journey]);

  const flow = useMemo(() => {
    if (!def) return { nodes: [] as Node[], edges: [] as Edge[] };
    const f = toFlow(def, (nid) => ({ zh, problems: problemsOf(nid), passed: counts.passed.get(nid) ?? 0, here: counts.here.get(nid) ?? 0 }));
    f.nodes[0].data = { ...f.nodes[0].data, zh, entered: stats?.entered ?? 0 };
    return { nodes: f.nodes.map((n) => ({ ...n, selected: n.id === selected })), edges: f.edges };
  }, [def, zh, problems, counts, selected, stats]);

  if (!def || !catalog || !choices) return <Card loading />;

  const onNodesChange = (changes: NodeChange[]) => {
    // Moves are kept as positions in the definition; removals drop the step and every edge into it.
    const moved = applyNodeChanges(changes.filter((c) => c.type === 'position'), flow.nodes);
    let next = def;
    for (const c of changes) {
      if (c.type === 'position' && c.position) {
        const m = moved.find((n) => n.id === c.id)!;
        next = c.id === TRIGGER_ID ? { ...next, trigger: { ...next.trigger, position: m.position } } : { ...next, nodes: { ...next.nodes, [c.id]: { ...next.nodes[c.id], position: m.position } } };
      }
      if (c.type === 'remove' && c.id !== TRIGGER_ID) {
        const { [c.id]: _gone, ...rest } = next.nodes;
        const cleaned = Object.fromEntries(Object.entries(rest).map(([k, n]) => [k, exitsOf(n).reduce((acc, e) => (withTargetIf(acc, e.handle, c.id)), n)]));
        // A removed start stays named (publishing says it is missing); the next step added becomes the start.
        next = { ...next, nodes: cleaned };
        if (selected === c.id) setSelected(null);
      }
    }
    if (next !== def) change(next);
  };
  const withTargetIf = (n: JourneyNode, handle: string, removed: string) => (exitsOf(n).some((e) => e.handle === handle) && (handle.startsWith('branches.') ? n.branches[Number(handle.split('.')[1])].next : n[handle]) === removed ? withTarget(n, handle, undefined) : n);
  const onConnect = (c: Connection) => {
    if (!c.target || c.target === TRIGGER_ID) return;
    if (c.source === TRIGGER_ID) return change({ ...def, start: c.target });
    change({ ...def, nodes: { ...def.nodes, [c.source]: withTarget(def.nodes[c.source], c.sourceHandle ?? 'next', c.target) } });
  };
  const onEdgesDelete = (edges: Edge[]) => {
    let next = def;
    for (const e of edges) {
      if (e.source !== TRIGGER_ID) next = { ...next, nodes: { ...next.nodes, [e.source]: withTarget(next.nodes[e.source], e.sourceHandle ?? 'next', undefined) } };
    }
    change(next);
  };
  const add = (type: string) => {
    let n = 1;
    while (def.nodes[`${type}_${n}`]) n++;
    const nid = `${type}_${n}`;
    // New steps go to the right of the rightmost one, where the flow usually continues.
    const placed = Object.values(layout(def));
    const right = placed.reduce((a, b) => (b.x > a.x ? b : a), (def.trigger as any).position ?? { x: 0, y: 40 });
    const node = { ...newNode(type), position: { x: right.x + 260, y: right.y } };
    change({ ...def, nodes: { ...def.nodes, [nid]: node }, start: def.nodes[def.start] ? def.start : nid });
    setSelected(nid);
  };

  const save = async () => {
    try {
      const j = await api('PUT', `/v1/journeys/${id}`, { name, definition: def });
      setJourney({ ...journey, ...j });
      setDirty(false);
      message.success(zh ? '草稿已保存' : 'Draft saved');
      return true;
    } catch (e: any) {
      message.error(e.message);
      if (e instanceof ApiError) setProblems(e.problems);
      return false;
    }
  };
  const check = async () => {
    try {
      const r = await api('POST', '/v1/journeys/validate', { definition: def });
      setProblems(r.problems);
      if (r.valid) message.success(zh ? '检查通过，可以发布' : 'No problems: ready to publish');
    } catch (e: any) {
      setProblems(e instanceof ApiError ? e.problems : [{ field: 'definition', message: e.message }]);
    }
  };
  const publish = async () => {
    if (!(await save())) return;
    try {
      const j = await api('POST', `/v1/journeys/${id}/publish`);
      setJourney({ ...journey, ...j });
      setProblems([]);
      message.success(zh ? `已发布第 ${j.version} 版` : `Published version ${j.version}`);
      loadStats();
    } catch (e: any) {
      if (e instanceof ApiError) setProblems(e.problems);
      message.error(zh ? '无法发布：请按节点上的提示修改' : 'Cannot publish: fix the problems shown on the steps');
    }
  };
  const setStatus = async (action: string) => {
    const j = await api('POST', `/v1/journeys/${id}/${action}`);
    setJourney({ ...journey, ...j });
  };

  const selectedNode = selected && selected !== TRIGGER_ID ? def.nodes[selected] : null;
  const conv = stats?.conversion;
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Card size="small">
          <Space wrap>
            <Input style={{ width: 240 }} value={name} onChange={(e) => { setName(e.target.value); setDirty(true); }} data-testid="journey-name" />
            <Tag color={journey.status === 'live' ? 'green' : journey.status === 'paused' ? 'orange' : 'default'} data-testid="journey-status">{journey.status}{journey.live_version ? ` v${journey.live_version}` : ''}</Tag>
            {dirty && <Tag color="gold">{zh ? '未保存' : 'unsaved'}</Tag>}
            <Button onClick={save} data-testid="save-journey">{zh ? '保存草稿' : 'Save draft'}</Button>
            <Button onClick={check} data-testid="check-journey">{zh ? '检查' : 'Check'}</Button>
            <Button type="primary" onClick={publish} data-testid="publish-journey">{zh ? '发布' : 'Publish'}</Button>
            {journey.status === 'live' && <Button onClick={() => setStatus('pause')}>{zh ? '暂停进入' : 'Pause entries'}</Button>}
            {journey.status === 'paused' && <Button onClick={() => setStatus('resume')}>{zh ? '恢复' : 'Resume'}</Button>}
          </Space>
          <div style={{ marginTop: 8 }}>
            <Space wrap size={4}>
              <Typography.Text type="secondary">{zh ? '添加步骤：' : 'Add step:'}</Typography.Text>
              {NODE_TYPES.map((k) => <Button key={k.type} size="small" onClick={() => add(k.type)} data-testid={`add-${k.type}`}>{zh ? k.zh : k.en}</Button>)}
            </Space>
          </div>
        </Card>
      </Col>
      {problems && problems.length > 0 && (
        <Col span={24}>
          <Alert type="error" data-testid="journey-problems" message={zh ? `${problems.length} 个问题需要修改` : `${problems.length} problems to fix`}
            description={<List size="small" dataSource={problems} renderItem={(p) => <List.Item style={{ cursor: 'pointer' }} onClick={() => { const m = /^nodes\.([^.]+)/.exec(p.field); if (m) setSelected(m[1]); }}><code>{p.field}</code>: {p.message}</List.Item>} />} />
        </Col>
      )}
      <Col xs={24} xl={stats?.entered ? 18 : 24}>
        <Card size="small" bodyStyle={{ height: 560, padding: 0 }}>
          <ReactFlow nodes={flow.nodes} edges={flow.edges} nodeTypes={nodeTypes} onNodesChange={onNodesChange} onConnect={onConnect} onEdgesDelete={onEdgesDelete}
            onNodeClick={(_e, n) => setSelected(n.id)} onPaneClick={() => setSelected(null)} fitView fitViewOptions={{ maxZoom: 1, padding: 0.2 }} deleteKeyCode={['Delete', 'Backspace']}>
            <Background />
            <Controls />
            <FitOnChange count={Object.keys(def.nodes).length} />
          </ReactFlow>
        </Card>
        {Object.keys(def.nodes).length === 0 && <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{zh ? '画布是空的：从上方添加第一个步骤，再从触发器拖一条线连到它。' : 'The canvas is empty: add a first step above and drag a line from the trigger to it.'}</Typography.Paragraph>}
      </Col>
      {stats?.entered > 0 && (
        <Col xs={24} xl={6}>
          <Card size="small" title={zh ? '效果' : 'Results'} data-testid="journey-stats">
            <Row gutter={8}>
              <Col span={12}><Statistic title={zh ? '进入' : 'Entered'} value={stats.entered} /></Col>
              <Col span={12}><Statistic title={zh ? '进行中' : 'In flight'} value={stats.active} /></Col>
              <Col span={12}><Statistic title={zh ? '完成' : 'Completed'} value={stats.completed} /></Col>
              <Col span={12}><Statistic title={zh ? '达成目标' : 'Goals'} value={stats.goals} /></Col>
            </Row>
            <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
              <Descriptions.Item label={zh ? '归因收入' : 'Revenue'}>{yuan(stats.revenue.amount)}</Descriptions.Item>
              <Descriptions.Item label={zh ? '消息' : 'Messages'}>{Object.entries(stats.messages).map(([k, v]) => `${k} ${v}`).join(' · ') || '—'}</Descriptions.Item>
              <Descriptions.Item label={zh ? '拦截' : 'Suppressed'}>{Object.entries(stats.suppressed).map(([k, v]) => `${k} ${v}`).join(' · ') || '—'}</Descriptions.Item>
              {conv?.holdout?.customers > 0 && (
                <Descriptions.Item label={zh ? '对照组转化' : 'vs holdout'}>
                  {(conv.treated.rate * 100).toFixed(1)}% vs {(conv.holdout.rate * 100).toFixed(1)}%
                  {conv.lift && ` (${(conv.lift.difference * 100).toFixed(1)}pp, 95% [${(conv.lift.low * 100).toFixed(1)}, ${(conv.lift.high * 100).toFixed(1)}])`}
                </Descriptions.Item>
              )}
            </Descriptions>
          </Card>
        </Col>
      )}
      <Drawer open={!!selected} onClose={() => setSelected(null)} width={480} mask={false} title={selected === TRIGGER_ID ? (zh ? '触发器' : 'Trigger') : selectedNode ? `${selected}` : ''} data-testid="node-drawer">
        {selected === TRIGGER_ID && <TriggerForm trigger={def.trigger} zh={zh} choices={{ ...choices, catalog }} onChange={(trigger) => change({ ...def, trigger })} />}
        {selectedNode && <NodeForm node={selectedNode} zh={zh} choices={{ ...choices, catalog }} onChange={(n) => change({ ...def, nodes: { ...def.nodes, [selected!]: n } })} />}
        {selectedNode && problemsOf(selected!).map((p, i) => <Alert key={i} type="error" message={p} style={{ marginTop: 8 }} />)}
      </Drawer>
    </Row>
  );
}
