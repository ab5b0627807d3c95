import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Row, Space, Table, Tabs, Typography } from 'antd';
import { api, dateTime, yuan } from '../api.ts';
import { useLang } from '../i18n/index.tsx';
import { Chart } from '../components/Chart.tsx';
import { describeRule } from '../components/RuleBuilder.tsx';

export function LayersPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [layers, setLayers] = useState<any>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = () => api('GET', '/v1/layers').then(setLayers);
  useEffect(() => {
    load();
  }, []);
  const compute = async (model: 'rfm' | 'quadrant' | 'lifecycle') => {
    setBusy(model);
    try {
      await api('PUT', `/v1/layers/${model}`, { config: layers[model].config });
      await load();
      message.success(zh ? '已重新计算' : 'Recomputed');
    } catch (e: any) {
      message.error(e.message);
    } finally {
      setBusy(null);
    }
  };
  if (!layers) return <Card loading />;
  const rfm = layers.rfm.summary;
  const quad = layers.quadrant.summary;
  const recompute = (model: 'rfm' | 'quadrant' | 'lifecycle') => (
    <Button type="primary" loading={busy === model} onClick={() => compute(model)} data-testid={`compute-${model}`}>{zh ? '重新计算' : 'Recompute'}</Button>
  );
  return (
    <Tabs items={[
      {
        key: 'rfm', label: 'RFM',
        children: (
          <Card title={zh ? 'RFM 八类客户' : 'RFM: eight cells'} extra={<Space><Typography.Text type="secondary">{layers.rfm.computedAt ? `${zh ? '每日自动刷新 · 上次' : 'Refreshed daily · last'} ${dateTime(layers.rfm.computedAt)}` : ''}</Typography.Text>{recompute('rfm')}</Space>}>
            <Typography.Paragraph type="secondary">
              {zh ? 'R = 距最近一次购买的天数，F = 订单数，M = 净消费。每项按分位数（或固定切分点）打 1-5 分，≥3 分为“高”，三项高低组合成八类。全额退款与退货单不计入。'
                : 'R = days since last purchase, F = orders, M = net spend; each scored 1-5 by quantiles (or fixed cut points); ≥3 is high; the eight cells combine high/low.'}
            </Typography.Paragraph>
            {!rfm ? <Empty description={zh ? '尚未计算。点击“重新计算”。' : 'Not computed yet: click Recompute.'} /> : (
              <Row gutter={16}>
                <Col xs={24} xl={12}>
                  <Chart testId="rfm-chart" height={320} option={{
                    tooltip: { trigger: 'axis' }, legend: { data: [zh ? '客户数' : 'Customers', zh ? '收入占比 %' : 'Revenue %'] },
                    xAxis: { type: 'category', data: rfm.cells.map((c: any) => c.name), axisLabel: { rotate: 30 } },
                    yAxis: [{ type: 'value' }, { type: 'value', max: 100 }],
                    series: [
                      { name: zh ? '客户数' : 'Customers', type: 'bar', data: rfm.cells.map((c: any) => c.customers) },
                      { name: zh ? '收入占比 %' : 'Revenue %', type: 'line', yAxisIndex: 1, data: rfm.cells.map((c: any) => Math.round(c.revenueShare * 1000) / 10) },
                    ],
                  }} />
                </Col>
                <Col xs={24} xl={12}>
                  <Table size="small" rowKey="key" pagination={false} dataSource={rfm.cells} columns={[
                    { title: zh ? '分类' : 'Cell', dataIndex: 'name' }, { title: zh ? '客户' : 'Customers', dataIndex: 'customers', align: 'right' },
                    { title: zh ? '收入' : 'Revenue', dataIndex: 'revenue', align: 'right', render: yuan },
                    { title: zh ? '建议' : 'Advice', dataIndex: 'advice' },
                  ]} />
                </Col>
              </Row>
            )}
          </Card>
        ),
      },
      {
        key: 'quadrant', label: zh ? '价值象限' : 'Value quadrants',
        children: (
          <Card title={zh ? '价值 × 活跃趋势' : 'Value × activity trend'} extra={<Space><Typography.Text type="secondary">{layers.quadrant.computedAt ? `${zh ? '每日自动刷新 · 上次' : 'Refreshed daily · last'} ${dateTime(layers.quadrant.computedAt)}` : ''}</Typography.Text>{recompute('quadrant')}</Space>}>
            <Typography.Paragraph type="secondary">
              {zh ? `价值 = 净消费（高于买家中位数为高）；活跃趋势 = 近 ${layers.quadrant.config.periodDays} 天行为与订单数对比上一周期，下降 ${Math.round(layers.quadrant.config.dropShare * 100)}% 以上为下降。`
                : `Value = net spend (above the buyers' median is high); trend = events and orders in the last ${layers.quadrant.config.periodDays} days vs the period before; down ${Math.round(layers.quadrant.config.dropShare * 100)}% or more is declining.`}
            </Typography.Paragraph>
            {!quad ? <Empty description={zh ? '尚未计算。' : 'Not computed yet.'} /> : (
              <Row gutter={16}>
                <Col xs={24} xl={14}>
                  <Chart testId="quadrant-chart" height={340} option={{
                    tooltip: {}, xAxis: { type: 'log', name: zh ? '净消费 ¥' : 'spend ¥' }, yAxis: { type: 'value', name: zh ? '活跃变化' : 'activity change', min: -1, max: 2 },
                    series: layers.quadrant.quadrants.map((q: any) => ({ name: q.name, type: 'scatter', symbolSize: 5, data: quad.points.filter((p: any) => p.cell === q.key && p.spent > 0).map((p: any) => [p.spent / 100, p.change ?? -1]) })),
                    legend: {},
                  }} />
                </Col>
                <Col xs={24} xl={10}>
                  <Table size="small" rowKey="key" pagination={false} dataSource={quad.quadrants} columns={[
                    { title: zh ? '象限' : 'Quadrant', dataIndex: 'name' }, { title: zh ? '客户' : 'Customers', dataIndex: 'customers', align: 'right' },
                    { title: zh ? '收入' : 'Revenue', dataIndex: 'revenue', align: 'right', render: yuan }, { title: zh ? '建议' : 'Advice', dataIndex: 'advice' },
                  ]} />
                </Col>
              </Row>
            )}
          </Card>
        ),
      },
      {
        key: 'lifecycle', label: zh ? '生命周期' : 'Lifecycle',
        children: (
          <Card title={zh ? '生命周期阶段' : 'Lifecycle stages'} extra={recompute('lifecycle')}>
            <Alert type="info" style={{ marginBottom: 16 }} message={zh ? '按顺序判断，客户进入第一个满足条件的阶段；阶段是实时规则标签，随订单和时间自动流转。可通过 API PUT /v1/layers/lifecycle 修改规则。' : 'Evaluated in order: a customer is in the first stage whose rule holds. Stages are live rule tags. Edit them with PUT /v1/layers/lifecycle.'} />
            <Row gutter={16}>
              <Col xs={24} xl={10}>
                <Chart testId="lifecycle-chart" height={300} option={{
                  tooltip: {}, series: [{ type: 'funnel', sort: 'none', label: { formatter: '{b}: {c}' },
                    data: ['acquisition', 'activation', 'retention', 'growth', 'churned'].map((k) => layers.lifecycle.stages.find((s: any) => s.key === k)).filter(Boolean).map((s: any) => ({ name: s.name, value: s.customers ?? 0 })) }],
                }} />
              </Col>
              <Col xs={24} xl={14}>
                <Table size="small" rowKey="key" pagination={false} dataSource={layers.lifecycle.stages} columns={[
                  { title: '#', render: (_, __, i) => i + 1 }, { title: zh ? '阶段' : 'Stage', dataIndex: 'name' },
                  { title: zh ? '规则' : 'Rule', dataIndex: 'rule', render: (r) => <Typography.Text code>{describeRule(r, zh)}</Typography.Text> },
                  { title: zh ? '客户' : 'Customers', dataIndex: 'customers', align: 'right', render: (n) => n ?? '—' },
                ]} />
              </Col>
            </Row>
          </Card>
        ),
      },
    ]} />
  );
}
