// Funnels: steps (events, optionally with one property condition), the conversion window and a breakdown; per-step
// bars with conversion and drop-off; any step's customers saved as a segment. Starts with 公域 → 加微 → 首单 → 复购.
import { useState } from 'react';
import { Alert, App, Button, Card, Col, Input, InputNumber, Modal, Row, Select, Space, Table, Typography } from 'antd';
import { api, ApiError } from '../../api.ts';
import { Chart } from '../../components/Chart.tsx';
import { lastDaysOf, PinButton, type Query } from './shared.tsx';

interface Step {
  event: string;
  label?: string;
  where: { property: string; op: string; value: any }[];
}

export const CLASSIC_FUNNEL: Step[] = [
  { event: '首页', label: '公域', where: [] },
  { event: 'WeCom Contact Added', label: '加微', where: [] },
  { event: 'order_completed', label: '首单', where: [{ property: 'order_index', op: 'eq', value: 1 }] },
  { event: 'order_completed', label: '复购', where: [{ property: 'order_index', op: 'gte', value: 2 }] },
];

const duration = (s: number | null) => (s == null ? '—' : s < 3600 ? `${Math.round(s / 60)} 分钟` : s < 86_400 ? `${(s / 3600).toFixed(1)} 小时` : `${(s / 86_400).toFixed(1)} 天`);

export function FunnelTab({ q, zh }: { q: Query; zh: boolean }) {
  const { message } = App.useApp();
  const [steps, setSteps] = useState<Step[]>(CLASSIC_FUNNEL);
  const [windowDays, setWindowDays] = useState(30);
  const [breakdown, setBreakdown] = useState<string>('');
  const [property, setProperty] = useState('');
  const [result, setResult] = useState<any>(null);
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const [exportStep, setExportStep] = useState<number | null>(null);
  const [segKey, setSegKey] = useState('');
  const request = () => ({
    steps, window: { value: windowDays, unit: 'day' }, filters: q.filters,
    ...(breakdown === 'source' ? { breakdown: { kind: 'source' } } : breakdown === 'property' && property ? { breakdown: { kind: 'property', property } } : {}),
  });
  const run = async () => {
    setBusy(true);
    try {
      setResult(await api('POST', '/v1/analytics/funnels', { from: q.from, to: q.to, ...request() }));
      setProblems([]);
    } catch (e: any) {
      setProblems(e instanceof ApiError && e.problems.length ? e.problems : [{ field: '', message: e.message }]);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };
  const save = async () => {
    try {
      const r = await api('POST', '/v1/analytics/funnels/segment', { funnel: { from: q.from, to: q.to, ...request() }, step: exportStep, key: segKey, name: `${zh ? '漏斗' : 'Funnel'}: ${steps[exportStep! - 1].label ?? steps[exportStep! - 1].event}` });
      message.success(zh ? `已保存为分群 ${r.segment}（${r.customers} 人）` : `Saved as segment ${r.segment} (${r.customers})`);
      setExportStep(null);
    } catch (e: any) {
      message.error(e.message);
    }
  };
  const set = (i: number, patch: Partial<Step>) => setSteps(steps.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={9}>
        <Card size="small" title={zh ? '漏斗步骤' : 'Steps'} extra={<Button size="small" onClick={() => setSteps([...steps, { event: '', where: [] }])} disabled={steps.length >= 10}>{zh ? '+ 步骤' : '+ Step'}</Button>}>
          {steps.map((s, i) => (
            <Space key={i} direction="vertical" style={{ width: '100%', marginBottom: 8 }}>
              <Space>
                <Typography.Text strong>{i + 1}</Typography.Text>
                <Input style={{ width: 80 }} placeholder={zh ? '名称' : 'Label'} value={s.label} onChange={(e) => set(i, { label: e.target.value })} />
                <Input style={{ width: 170 }} placeholder={zh ? '事件名' : 'Event'} value={s.event} onChange={(e) => set(i, { event: e.target.value })} data-testid={`funnel-event-${i}`}
                  status={problems.some((p) => p.field.startsWith(`steps.${i}.event`)) ? 'error' : undefined} />
                {steps.length > 2 && <Button size="small" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>−</Button>}
              </Space>
              <Space style={{ paddingLeft: 18 }}>
                <Input size="small" style={{ width: 110 }} placeholder={zh ? '属性（可选）' : 'Property'} value={s.where[0]?.property ?? ''} data-testid={`funnel-prop-${i}`}
                  status={problems.some((p) => p.field.startsWith(`steps.${i}.where`)) ? 'error' : undefined}
                  onChange={(e) => set(i, { where: e.target.value ? [{ property: e.target.value, op: s.where[0]?.op ?? 'eq', value: s.where[0]?.value ?? '' }] : [] })} />
                <Select size="small" style={{ width: 70 }} value={s.where[0]?.op ?? 'eq'} disabled={!s.where[0]} onChange={(op) => set(i, { where: [{ ...s.where[0], op }] })}
                  options={['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains'].map((o) => ({ value: o, label: { eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', contains: '∋' }[o] }))} />
                <Input size="small" style={{ width: 90 }} value={s.where[0]?.value ?? ''} disabled={!s.where[0]}
                  onChange={(e) => set(i, { where: [{ ...s.where[0], value: /^-?\d+(\.\d+)?$/.test(e.target.value) ? Number(e.target.value) : e.target.value }] })} />
              </Space>
            </Space>
          ))}
          <Space wrap>
            <span>{zh ? '转化窗口' : 'Window'}</span>
            <InputNumber min={1} max={180} value={windowDays} onChange={(v) => setWindowDays(v ?? 1)} addonAfter={zh ? '天' : 'days'} style={{ width: 120 }} data-testid="funnel-window" />
            <Select style={{ width: 120 }} value={breakdown} onChange={setBreakdown} options={[{ value: '', label: zh ? '不细分' : 'No breakdown' }, { value: 'source', label: zh ? '按来源渠道' : 'By source' }, { value: 'property', label: zh ? '按首步属性' : 'By property' }]} />
            {breakdown === 'property' && <Input style={{ width: 100 }} placeholder={zh ? '属性' : 'property'} value={property} onChange={(e) => setProperty(e.target.value)} />}
            <Button type="primary" loading={busy} onClick={run} data-testid="run-funnel">{zh ? '计算' : 'Run'}</Button>
          </Space>
          {problems.length > 0 && <Alert type="error" style={{ marginTop: 12 }} data-testid="funnel-error" message={problems.map((p) => `${p.field ? `${p.field}: ` : ''}${p.message}`).join('；')} />}
        </Card>
      </Col>
      <Col xs={24} xl={15}>
        <Card size="small" title={zh ? '转化' : 'Conversion'} extra={result && <PinButton kind="funnel" zh={zh} title={steps.map((s) => s.label ?? s.event).join(' → ')} lastDays={lastDaysOf(q)} request={request()} />}>
          {!result ? <Typography.Text type="secondary">{zh ? '设置步骤后点击“计算”。默认是 公域 → 加微 → 首单 → 复购。' : 'Set the steps and press Run. The default is public → WeCom → first order → repeat.'}</Typography.Text> : (
            <>
              {result.warnings?.length > 0 && <Alert type="warning" message={result.warnings.join('；')} style={{ marginBottom: 8 }} />}
              <Chart testId="funnel-chart" name="funnel" height={260} option={{
                tooltip: {}, grid: { left: 60, right: 20, top: 30, bottom: 30 },
                xAxis: { type: 'category', data: result.steps.map((s: any) => s.label) }, yAxis: { type: 'value' },
                series: [{ type: 'bar', name: zh ? '客户' : 'Customers', data: result.steps.map((s: any) => s.customers), itemStyle: { color: '#c0392b' },
                  label: { show: true, position: 'top', formatter: (p: any) => `${(result.steps[p.dataIndex].conversion * 100).toFixed(1)}%` } }],
              }} />
              <Table size="small" rowKey="step" pagination={false} dataSource={result.steps} data-testid="funnel-table" columns={[
                { title: '#', dataIndex: 'step' }, { title: zh ? '步骤' : 'Step', dataIndex: 'label' },
                { title: zh ? '客户' : 'Customers', dataIndex: 'customers' },
                { title: zh ? '总转化' : 'Overall', dataIndex: 'conversion', render: (v: number) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`) },
                { title: zh ? '较上一步' : 'From previous', dataIndex: 'fromPrevious', render: (v: number) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`) },
                { title: zh ? '流失' : 'Dropped', dataIndex: 'dropOff' },
                { title: zh ? '中位耗时' : 'Median time', dataIndex: 'medianSeconds', render: duration },
                { title: '', render: (_: unknown, s: any) => <Button size="small" onClick={() => { setExportStep(s.step); setSegKey(`funnel_step${s.step}_${Date.now() % 100000}`); }} data-testid={`export-step-${s.step}`}>{zh ? '存为分群' : 'Save as segment'}</Button> },
              ]} />
              {result.breakdown && (
                <Table size="small" style={{ marginTop: 12 }} rowKey="key" pagination={false} dataSource={result.breakdown} columns={[
                  { title: zh ? '细分' : 'Group', dataIndex: 'key' },
                  ...result.steps.map((s: any, i: number) => ({ title: s.label, render: (_: unknown, b: any) => `${b.steps[i].customers}${i ? ` (${(b.steps[i].conversion * 100).toFixed(0)}%)` : ''}` })),
                ]} />
              )}
            </>
          )}
        </Card>
      </Col>
      <Modal open={exportStep != null} onCancel={() => setExportStep(null)} onOk={save} title={zh ? '把这一步的客户存为分群' : 'Save this step’s customers as a segment'} okButtonProps={{ 'data-testid': 'export-ok' } as any}>
        <Input addonBefore="key" value={segKey} onChange={(e) => setSegKey(e.target.value)} data-testid="export-key" />
      </Modal>
    </Row>
  );
}
