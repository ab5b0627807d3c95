// Metrics: headline cards against the previous period, and an explorer for any metric in the catalogue with its
// definition, its series and a breakdown.
import { useEffect, useState } from 'react';
import { Alert, Card, Col, Empty, Row, Select, Space, Statistic, Tooltip, Typography } from 'antd';
import { api } from '../../api.ts';
import { Chart } from '../../components/Chart.tsx';
import { fmt, lastDaysOf, PinButton, type Query } from './shared.tsx';

const PART_LABEL: Record<string, [string, string]> = {
  refunded: ['已退款', 'refunded'], net: ['净额', 'net'], dau: ['DAU', 'DAU'], wau: ['WAU', 'WAU'], mau: ['MAU', 'MAU'], stickiness: ['粘性', 'stickiness'],
  opened: ['打开', 'opened'], clicked: ['点击', 'clicked'], open_rate: ['打开率', 'open rate'], click_rate: ['点击率', 'click rate'], reached: ['触达客户', 'reached'],
  conversion: ['转化率', 'conversion'], events: ['事件数', 'events'], held: ['冻结', 'held'],
};
const partUnit = (k: string, unit: string) => (/rate|conversion|stickiness/.test(k) ? 'ratio' : k === 'refunded' || k === 'net' ? unit : 'count');
const BREAKDOWN_LABEL: Record<string, [string, string]> = { source: ['来源渠道', 'source'], channel: ['销售渠道', 'sales channel'], store: ['门店', 'store'], country: ['国家', 'country'] };

export function MetricsTab({ q, zh }: { q: Query; zh: boolean }) {
  const [overview, setOverview] = useState<any>(null);
  const [catalog, setCatalog] = useState<any[]>([]);
  const [metric, setMetric] = useState('gmv');
  const [breakdown, setBreakdown] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api('GET', '/v1/analytics/metrics').then((r) => setCatalog(r.metrics));
  }, []);
  useEffect(() => {
    setOverview(null);
    api('POST', '/v1/analytics/overview', q).then(setOverview, (e) => setError(e.message));
  }, [JSON.stringify(q)]);
  useEffect(() => {
    setResult(null);
    api('POST', '/v1/analytics/metrics/query', { ...q, metric, breakdown }).then((r) => { setResult(r); setError(null); }, (e) => setError(e.message));
  }, [JSON.stringify(q), metric, breakdown]);
  const def = catalog.find((m) => m.key === metric);
  const name = (m: any) => (zh ? m.name.zh : m.name.en);
  return (
    <Row gutter={[16, 16]}>
      {error && <Col span={24}><Alert type="error" message={error} /></Col>}
      <Col span={24}>
        <Row gutter={[12, 12]} data-testid="overview-cards">
          {(overview?.metrics ?? Array.from({ length: 8 })).map((m: any, i: number) => (
            <Col xs={12} md={8} xl={6} key={m?.metric.key ?? i}>
              <Card size="small" loading={!m} hoverable onClick={() => m && setMetric(m.metric.key)}>
                {m && (
                  <Tooltip title={zh ? m.metric.definition.zh : m.metric.definition.en}>
                    <Statistic title={name(m.metric)} value={fmt(m.metric.unit, m.value)}
                      suffix={m.change?.relative != null ? <span style={{ fontSize: 12, color: m.change.relative >= 0 ? '#389e0d' : '#cf1322' }}>{m.change.relative >= 0 ? '▲' : '▼'} {Math.abs(m.change.relative * 100).toFixed(1)}%</span> : null} />
                  </Tooltip>
                )}
              </Card>
            </Col>
          ))}
        </Row>
      </Col>
      <Col span={24}>
        <Card size="small" title={<Space>
          <Select style={{ width: 220 }} value={metric} onChange={(m) => { setMetric(m); setBreakdown(undefined); }} data-testid="metric-select"
            options={catalog.map((m) => ({ value: m.key, label: name(m) }))} />
          <Select allowClear style={{ width: 150 }} placeholder={zh ? '细分维度' : 'Break down by'} value={breakdown} onChange={setBreakdown} data-testid="metric-breakdown"
            options={(def?.breakdowns ?? []).map((b: string) => ({ value: b, label: zh ? BREAKDOWN_LABEL[b][0] : BREAKDOWN_LABEL[b][1] }))} />
        </Space>} extra={def && <PinButton kind="metric" zh={zh} title={name(def)} lastDays={lastDaysOf(q)} request={{ metric, breakdown, interval: q.interval, filters: q.filters }} />}>
          {def && <Typography.Paragraph type="secondary" data-testid="metric-definition">{zh ? def.definition.zh : def.definition.en}</Typography.Paragraph>}
          {!result ? <Card loading bordered={false} /> : result.series.length === 0 && result.value == null ? (
            <Empty description={zh ? '这段时间还没有数据。换个时间范围，或先导入订单与行为数据。' : 'No data in this range. Try another range, or import orders and events first.'} />
          ) : (
            <Row gutter={16}>
              <Col xs={24} xl={breakdown ? 14 : 24}>
                <Statistic title={`${name(def)}${result.cached ? '' : ''}`} value={fmt(def.unit, result.value)} data-testid="metric-total" />
                {result.parts && <Typography.Text type="secondary" data-testid="metric-parts">{Object.entries(result.parts).map(([k, v]) => `${PART_LABEL[k]?.[zh ? 0 : 1] ?? k} ${fmt(partUnit(k, def.unit), v as number)}`).join(' · ')}</Typography.Text>}
                {result.series.length > 0 && <Chart testId="metric-chart" name={metric} height={280} option={{
                  tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: 30, bottom: 30 },
                  xAxis: { type: 'category', data: result.series.map((p: any) => p.bucket) },
                  yAxis: { type: 'value', axisLabel: { formatter: (v: number) => (def.unit === 'ratio' ? `${Math.round(v * 100)}%` : def.unit === 'fen' ? `${v / 100}` : `${v}`) } },
                  series: [{ type: def.unit === 'count' ? 'bar' : 'line', name: name(def), data: result.series.map((p: any) => p.value), itemStyle: { color: '#c0392b' } }],
                }} />}
              </Col>
              {breakdown && result.breakdown && (
                <Col xs={24} xl={10}>
                  <Chart testId="breakdown-chart" name={`${metric}-by-${breakdown}`} height={320} option={{
                    tooltip: {}, grid: { left: 100, right: 20, top: 30, bottom: 20 },
                    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => (def.unit === 'ratio' ? `${Math.round(v * 100)}%` : def.unit === 'fen' ? `${v / 100}` : `${v}`) } },
                    yAxis: { type: 'category', data: result.breakdown.map((b: any) => b.key).reverse() },
                    series: [{ type: 'bar', name: name(def), data: result.breakdown.map((b: any) => b.value).reverse(), itemStyle: { color: '#d4380d' } }],
                  }} />
                </Col>
              )}
            </Row>
          )}
        </Card>
      </Col>
    </Row>
  );
}
