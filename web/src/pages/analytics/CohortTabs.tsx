// Retention (cohort triangle as a heat table, retention curve, LTV by cohort) and paths (a Sankey of what customers
// do after or before an event, with the commonest whole paths).
import { useEffect, useState } from 'react';
import { Alert, Card, Col, Empty, Input, InputNumber, Row, Select, Space, Table, Typography } from 'antd';
import { api } from '../../api.ts';
import { Chart } from '../../components/Chart.tsx';
import { lastDaysOf, PinButton, type Query } from './shared.tsx';

const heat = (rate: number | null) => (rate == null ? '#fff' : `rgba(192, 57, 43, ${0.08 + rate * 0.8})`);

export function RetentionTab({ q, zh }: { q: Query; zh: boolean }) {
  const [cohort, setCohort] = useState<'first_order' | 'first_event'>('first_order');
  const [ret, setRet] = useState<'order' | 'any'>('order');
  const [period, setPeriod] = useState<'week' | 'month'>('month');
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const request = { cohort, returnOn: { kind: ret }, period, periods: period === 'month' ? 12 : 12, filters: q.filters };
  useEffect(() => {
    setResult(null);
    api('POST', '/v1/analytics/retention', { from: q.from, to: q.to, ...request }).then((r) => { setResult(r); setError(null); }, (e) => setError(e.message));
  }, [JSON.stringify(q), cohort, ret, period]);
  const periods = result ? result.curve.length : 0;
  return (
    <Card size="small" title={<Space wrap>
      <Select value={cohort} onChange={setCohort} style={{ width: 150 }} options={[{ value: 'first_order', label: zh ? '按首单时间分组' : 'By first order' }, { value: 'first_event', label: zh ? '按首次到访分组' : 'By first visit' }]} />
      <Select value={ret} onChange={setRet} style={{ width: 130 }} options={[{ value: 'order', label: zh ? '回访 = 下单' : 'Return = order' }, { value: 'any', label: zh ? '回访 = 任意行为' : 'Return = any activity' }]} />
      <Select value={period} onChange={setPeriod} style={{ width: 90 }} options={[{ value: 'month', label: zh ? '按月' : 'Monthly' }, { value: 'week', label: zh ? '按周' : 'Weekly' }]} />
    </Space>} extra={<PinButton kind="retention" zh={zh} title={zh ? '留存' : 'Retention'} lastDays={lastDaysOf(q)} request={request} />}>
      {error && <Alert type="error" message={error} />}
      {!result ? <Card loading bordered={false} /> : result.cohorts.length === 0 ? <Empty description={zh ? '这段时间没有新的客户群组。' : 'No cohorts in this range.'} /> : (
        <Row gutter={[16, 16]}>
          <Col span={24}>
            <Table size="small" rowKey="cohort" pagination={false} scroll={{ x: true }} dataSource={result.cohorts} data-testid="retention-table" columns={[
              { title: zh ? '群组' : 'Cohort', dataIndex: 'cohort', fixed: 'left' as const },
              { title: zh ? '人数' : 'Size', dataIndex: 'size' },
              ...Array.from({ length: periods }, (_, k) => ({
                title: `${k}`, key: `p${k}`,
                render: (_: unknown, c: any) => c.rate[k] == null ? '' : <div style={{ background: heat(c.rate[k]), padding: '2px 4px', color: c.rate[k] > 0.5 ? '#fff' : '#262626' }}>{(c.rate[k] * 100).toFixed(0)}%</div>,
              })),
            ]} />
          </Col>
          <Col xs={24} xl={12}>
            <Chart testId="retention-curve" name="retention-curve" height={260} option={{
              tooltip: { trigger: 'axis' }, grid: { left: 50, right: 20, top: 30, bottom: 30 }, xAxis: { type: 'category', name: period, data: result.curve.map((p: any) => p.period) },
              yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
              series: [{ type: 'line', name: zh ? '留存率' : 'Retention', data: result.curve.map((p: any) => p.rate), itemStyle: { color: '#c0392b' } }],
            }} />
          </Col>
          <Col xs={24} xl={12}>
            <Chart testId="ltv-chart" name="ltv-by-cohort" height={260} option={{
              tooltip: { trigger: 'axis' }, legend: { type: 'scroll' }, grid: { left: 60, right: 20, top: 40, bottom: 30 },
              xAxis: { type: 'category', data: Array.from({ length: periods }, (_, k) => k) }, yAxis: { type: 'value', name: zh ? '人均累计（元）' : 'per customer (¥)' },
              series: result.cohorts.slice(-6).map((c: any) => ({ type: 'line', name: c.cohort, data: c.ltv.map((v: number | null) => (v == null ? null : Math.round(v) / 100)) })),
            }} />
          </Col>
        </Row>
      )}
    </Card>
  );
}

export function PathsTab({ q, zh }: { q: Query; zh: boolean }) {
  const [anchor, setAnchor] = useState('Signed Up');
  const [direction, setDirection] = useState<'after' | 'before'>('after');
  const [depth, setDepth] = useState(3);
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const request = { anchor: { event: anchor, where: [] }, direction, depth, windowDays: 14, filters: q.filters };
  useEffect(() => {
    if (!anchor) return;
    const t = setTimeout(() => api('POST', '/v1/analytics/paths', { from: q.from, to: q.to, ...request }).then((r) => { setResult(r); setError(null); }, (e) => setError(e.message)), 300);
    return () => clearTimeout(t);
  }, [JSON.stringify(q), anchor, direction, depth]);
  return (
    <Card size="small" title={<Space wrap>
      <Input style={{ width: 180 }} value={anchor} onChange={(e) => setAnchor(e.target.value)} placeholder={zh ? '起点事件' : 'Anchor event'} data-testid="paths-anchor" />
      <Select value={direction} onChange={setDirection} style={{ width: 100 }} options={[{ value: 'after', label: zh ? '之后' : 'after' }, { value: 'before', label: zh ? '之前' : 'before' }]} />
      <InputNumber min={1} max={8} value={depth} onChange={(v) => setDepth(v ?? 3)} addonAfter={zh ? '步' : 'steps'} style={{ width: 110 }} />
    </Space>} extra={<PinButton kind="paths" zh={zh} title={`${zh ? '路径' : 'Paths'}: ${anchor}`} lastDays={lastDaysOf(q)} request={request} />}>
      {error && <Alert type="error" message={error} />}
      {!result ? <Card loading bordered={false} /> : result.sankey.links.length === 0 ? <Empty description={zh ? '没有找到这个事件之后的行为。' : 'Nothing found around this event.'} /> : (
        <Row gutter={16}>
          <Col xs={24} xl={15}>
            <Chart testId="paths-sankey" name="paths" height={420} option={{ tooltip: {}, series: [{ type: 'sankey', data: result.sankey.nodes, links: result.sankey.links, emphasis: { focus: 'adjacency' }, lineStyle: { color: 'gradient', curveness: 0.5 } }] }} />
          </Col>
          <Col xs={24} xl={9}>
            <Typography.Title level={5}>{zh ? `最常见的路径（${result.customers} 位客户）` : `Commonest paths (${result.customers} customers)`}</Typography.Title>
            <Table size="small" rowKey={(p: any) => p.path.join('>')} pagination={false} dataSource={result.paths} data-testid="paths-table" columns={[
              { title: zh ? '路径' : 'Path', render: (_: unknown, p: any) => p.path.join(' → ') }, { title: zh ? '客户' : 'Customers', dataIndex: 'customers' },
            ]} />
          </Col>
        </Row>
      )}
    </Card>
  );
}
