// Attribution (revenue credited to channel codes, journeys, broadcasts and staff, with costs and ROI), my dashboards
// of pinned charts, and the automatic weekly / monthly reports.
import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, List, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { api, yuan } from '../../api.ts';
import { Chart } from '../../components/Chart.tsx';
import { fmt, lastDaysOf, PinButton, type Query } from './shared.tsx';

const KIND_LABEL: Record<string, [string, string]> = { channel: ['渠道码', 'channel'], journey: ['旅程', 'journey'], broadcast: ['群发', 'broadcast'], staff: ['导购', 'staff'], none: ['未归因', 'unattributed'] };

export function AttributionTab({ q, zh }: { q: Query; zh: boolean }) {
  const { message } = App.useApp();
  const [model, setModel] = useState<'last_touch' | 'first_touch'>('last_touch');
  const [windowDays, setWindowDays] = useState(7);
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [costForm] = Form.useForm();
  const request = { model, windowDays, filters: q.filters };
  const load = () => api('POST', '/v1/analytics/attribution', { from: q.from, to: q.to, ...request }).then((r) => { setResult(r); setError(null); }, (e) => setError(e.message));
  useEffect(() => {
    setResult(null);
    load();
  }, [JSON.stringify(q), model, windowDays]);
  const saveCost = async (v: any) => {
    try {
      await api('PUT', '/v1/analytics/costs', { costs: [{ kind: v.kind, key: v.key, month: v.month, amount: Math.round(v.yuan * 100) }] });
      message.success(zh ? '成本已保存' : 'Cost saved');
      load();
    } catch (e: any) {
      message.error(e.message);
    }
  };
  const label = (k: string) => KIND_LABEL[k]?.[zh ? 0 : 1] ?? k;
  const top = (result?.rows ?? []).slice(0, 12);
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Card size="small" title={<Space>
          <Select value={model} onChange={setModel} style={{ width: 140 }} data-testid="attribution-model" options={[{ value: 'last_touch', label: zh ? '末次触点' : 'Last touch' }, { value: 'first_touch', label: zh ? '首次触点' : 'First touch' }]} />
          <InputNumber min={1} max={90} value={windowDays} onChange={(v) => setWindowDays(v ?? 7)} addonBefore={zh ? '窗口' : 'Window'} addonAfter={zh ? '天' : 'days'} style={{ width: 170 }} />
        </Space>} extra={<PinButton kind="attribution" zh={zh} title={zh ? '归因' : 'Attribution'} lastDays={lastDaysOf(q)} request={request} />}>
          {error && <Alert type="error" message={error} />}
          {!result ? <Card loading bordered={false} /> : result.rows.length === 0 ? <Empty description={zh ? '这段时间没有订单。' : 'No orders in this range.'} /> : (
            <Row gutter={16}>
              <Col xs={24} xl={10}>
                <Chart testId="attribution-chart" name="attribution" height={340} option={{
                  tooltip: {}, grid: { left: 120, right: 20, top: 20, bottom: 20 }, xAxis: { type: 'value', name: '¥' },
                  yAxis: { type: 'category', data: top.map((r: any) => `${label(r.kind)} · ${r.label || '—'}`).reverse() },
                  series: [{ type: 'bar', data: top.map((r: any) => r.revenue / 100).reverse(), itemStyle: { color: '#c0392b' } }],
                }} />
              </Col>
              <Col xs={24} xl={14}>
                <Table size="small" rowKey={(r: any) => `${r.kind}:${r.key}`} pagination={{ pageSize: 10 }} dataSource={result.rows} data-testid="attribution-table" columns={[
                  { title: zh ? '类型' : 'Kind', dataIndex: 'kind', render: (k: string) => <Tag>{label(k)}</Tag> },
                  { title: zh ? '来源' : 'Key', dataIndex: 'label', render: (l: string) => l || '—' },
                  { title: zh ? '订单' : 'Orders', dataIndex: 'orders' },
                  { title: zh ? '收入' : 'Revenue', dataIndex: 'revenue', render: yuan },
                  { title: zh ? '占比' : 'Share', dataIndex: 'share', render: (v: number) => fmt('ratio', v) },
                  { title: zh ? '成本' : 'Cost', dataIndex: 'cost', render: (v: number | null) => (v == null ? '—' : yuan(v)) },
                  { title: 'ROI', dataIndex: 'roi', render: (v: number | null) => (v == null ? '—' : `${(v * 100).toFixed(0)}%`) },
                ]} />
              </Col>
            </Row>
          )}
        </Card>
      </Col>
      <Col span={24}>
        <Card size="small" title={zh ? '录入成本（用于 ROI）' : 'Enter costs (for ROI)'}>
          <Form form={costForm} layout="inline" onFinish={saveCost} initialValues={{ kind: 'channel', month: new Date().toISOString().slice(0, 7) }}>
            <Form.Item name="kind"><Select style={{ width: 110 }} options={['channel', 'journey', 'broadcast', 'staff'].map((k) => ({ value: k, label: label(k) }))} /></Form.Item>
            <Form.Item name="key" rules={[{ required: true }]}><Input placeholder={zh ? '渠道码 / 旅程ID / 群发ID / 导购' : 'key'} style={{ width: 200 }} /></Form.Item>
            <Form.Item name="month" rules={[{ required: true, pattern: /^\d{4}-\d{2}$/ }]}><Input style={{ width: 100 }} placeholder="YYYY-MM" /></Form.Item>
            <Form.Item name="yuan" rules={[{ required: true }]}><InputNumber min={0} addonAfter="元" style={{ width: 150 }} /></Form.Item>
            <Button htmlType="submit">{zh ? '保存' : 'Save'}</Button>
          </Form>
        </Card>
      </Col>
    </Row>
  );
}

/** One pinned chart drawn from its fresh answer. */
function PinnedChart({ c, zh }: { c: any; zh: boolean }) {
  if (c.error) return <Alert type="warning" message={c.error} />;
  const r = c.result;
  if (c.kind === 'metric') {
    return <Chart name={c.title} height={220} option={{ tooltip: { trigger: 'axis' }, grid: { left: 50, right: 10, top: 20, bottom: 30 }, xAxis: { type: 'category', data: r.series.map((p: any) => p.bucket) }, yAxis: { type: 'value' }, series: [{ type: 'line', data: r.series.map((p: any) => p.value), itemStyle: { color: '#c0392b' } }] }} />;
  }
  if (c.kind === 'funnel') {
    return <Chart name={c.title} height={220} option={{ tooltip: {}, grid: { left: 50, right: 10, top: 20, bottom: 30 }, xAxis: { type: 'category', data: r.steps.map((s: any) => s.label) }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: r.steps.map((s: any) => s.customers), itemStyle: { color: '#c0392b' } }] }} />;
  }
  if (c.kind === 'retention') {
    return <Chart name={c.title} height={220} option={{ tooltip: { trigger: 'axis' }, grid: { left: 50, right: 10, top: 20, bottom: 30 }, xAxis: { type: 'category', data: r.curve.map((p: any) => p.period) }, yAxis: { type: 'value' }, series: [{ type: 'line', data: r.curve.map((p: any) => p.rate) }] }} />;
  }
  if (c.kind === 'paths') return <Chart name={c.title} height={260} option={{ series: [{ type: 'sankey', data: r.sankey.nodes, links: r.sankey.links }] }} />;
  return <Chart name={c.title} height={220} option={{ tooltip: {}, grid: { left: 110, right: 10, top: 20, bottom: 20 }, xAxis: { type: 'value' }, yAxis: { type: 'category', data: r.rows.slice(0, 8).map((x: any) => x.label || x.kind).reverse() }, series: [{ type: 'bar', data: r.rows.slice(0, 8).map((x: any) => x.revenue / 100).reverse() }] }} />;
}

export function DashboardsTab({ zh }: { zh: boolean }) {
  const [boards, setBoards] = useState<any[] | null>(null);
  const [open, setOpen] = useState<any>(null);
  const load = () => api('GET', '/v1/dashboards').then((r) => {
    setBoards(r.dashboards);
    if (r.dashboards[0]) api('GET', `/v1/dashboards/${r.dashboards[0].id}`).then(setOpen);
  });
  useEffect(() => { load(); }, []);
  const remove = async (chartId: number) => {
    await api('DELETE', `/v1/dashboards/${open.id}/charts/${chartId}`);
    setOpen(await api('GET', `/v1/dashboards/${open.id}`));
  };
  if (!boards) return <Card loading />;
  if (boards.length === 0) return <Empty description={zh ? '还没有看板。在指标、漏斗、留存、路径或归因页点击“固定到看板”。' : 'No dashboards yet. Press “Pin” on a metric, funnel, retention, paths or attribution chart.'} />;
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <Select style={{ width: 200 }} value={open?.id} onChange={(id) => api('GET', `/v1/dashboards/${id}`).then(setOpen)} options={boards.map((b) => ({ value: b.id, label: `${b.name} (${b.charts})` }))} />
      </Space>
      {!open ? <Card loading /> : (
        <Row gutter={[16, 16]} data-testid="dashboard-charts">
          {open.charts.map((c: any) => (
            <Col xs={24} xl={12} key={c.id}>
              <Card size="small" title={c.title} extra={<Button size="small" onClick={() => remove(c.id)}>{zh ? '取消固定' : 'Unpin'}</Button>}>
                <Typography.Text type="secondary">{zh ? `近 ${c.chart.lastDays} 天` : `last ${c.chart.lastDays} days`}{c.kind === 'metric' && c.result ? ` · ${fmt(c.result.metric.unit, c.result.value)}` : ''}</Typography.Text>
                <PinnedChart c={c} zh={zh} />
              </Card>
            </Col>
          ))}
        </Row>
      )}
    </>
  );
}

export function ReportsTab({ zh }: { zh: boolean }) {
  const { message } = App.useApp();
  const [reports, setReports] = useState<any[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () => api('GET', '/v1/analytics/reports').then((r) => setReports(r.reports));
  useEffect(() => { load(); }, []);
  const generate = async (period: 'week' | 'month') => {
    setBusy(true);
    try {
      const r = await api('POST', '/v1/analytics/reports', { period });
      await load();
      setOpen(r.id);
    } catch (e: any) {
      message.error(e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={8}>
        <Card size="small" title={zh ? '自动报告' : 'Reports'} extra={<Space>
          <Button size="small" loading={busy} onClick={() => generate('week')} data-testid="report-week">{zh ? '生成上周周报' : 'Last week'}</Button>
          <Button size="small" loading={busy} onClick={() => generate('month')}>{zh ? '生成上月月报' : 'Last month'}</Button>
        </Space>}>
          <Typography.Paragraph type="secondary">{zh ? '每周一、每月 1 日自动生成：核心指标与其自身历史比较，异常用一句话解释。' : 'Written every Monday and on the 1st: key metrics against their own history, anomalies explained in a sentence.'}</Typography.Paragraph>
          {!reports ? <Card loading bordered={false} /> : reports.length === 0 ? <Empty description={zh ? '还没有报告。' : 'No reports yet.'} /> : (
            <List size="small" dataSource={reports} data-testid="report-list" renderItem={(r: any) => (
              <List.Item style={{ cursor: 'pointer', background: open === r.id ? '#fff1f0' : undefined }} onClick={() => setOpen(r.id)}>
                <Space direction="vertical" size={0}>
                  <span><Tag>{r.period === 'week' ? (zh ? '周报' : 'weekly') : (zh ? '月报' : 'monthly')}</Tag>{r.starts_on} – {r.ends_on}</span>
                  {r.anomalies?.length > 0 && <Typography.Text type="danger" style={{ fontSize: 12 }}>{zh ? `${r.anomalies.length} 个异常` : `${r.anomalies.length} anomalies`}</Typography.Text>}
                </Space>
              </List.Item>
            )} />
          )}
        </Card>
      </Col>
      <Col xs={24} xl={16}>
        {open == null ? <Card><Empty description={zh ? '选择一份报告查看。' : 'Pick a report to read.'} /></Card> : (
          <Card size="small" extra={<Space>
            <a href={`/v1/analytics/reports/${open}/page`} target="_blank" rel="noreferrer">{zh ? '新窗口打开' : 'Open'}</a>
            <a href={`/v1/analytics/reports/${open}/image.svg`} data-testid="report-download">{zh ? '下载图片 (SVG)' : 'Download image (SVG)'}</a>
          </Space>}>
            <iframe title="report" src={`/v1/analytics/reports/${open}/page`} style={{ width: '100%', height: 720, border: 0 }} data-testid="report-frame" />
          </Card>
        )}
      </Col>
    </Row>
  );
}
