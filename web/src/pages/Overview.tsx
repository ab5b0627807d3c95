import { useEffect, useState } from 'react';
import { Alert, Card, Col, Empty, Row, Statistic } from 'antd';
import { api, yuan } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { Chart } from '../components/Chart.tsx';

interface Overview {
  periodDays: number;
  customers: { total: number; known: number; buyers: number; repeat_buyers: number; new_in_period: number };
  events: number;
  orders: number;
  gmv: number;
  aov: number;
  daily: { day: string; orders: number; gmv: number }[];
  sources: { source: string; customers: number; buyers: number }[];
}

export function OverviewPage() {
  const t = useT();
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api('GET', '/v1/overview').then(setData, (e) => setError(e.message));
  }, []);
  if (error) return <Alert type="error" message={error} />;
  if (!data) return <Card loading />;
  const c = data.customers;
  return (
    <div data-testid="overview">
      <Row gutter={[16, 16]}>
        {[
          [t('totalCustomers'), c.total], [t('knownCustomers'), c.known], [t('buyers'), c.buyers], [t('repeatBuyers'), c.repeat_buyers],
          [t('newCustomers', { d: data.periodDays }), c.new_in_period], [`${t('orders')} (${data.periodDays}d)`, data.orders],
        ].map(([title, value]) => (
          <Col xs={12} md={8} xl={4} key={String(title)}>
            <Card><Statistic title={title} value={value as number} /></Card>
          </Col>
        ))}
        <Col xs={12} md={8} xl={4}><Card><Statistic title={`${t('gmv')} (${data.periodDays}d)`} value={yuan(data.gmv)} data-testid="stat-gmv" /></Card></Col>
        <Col xs={12} md={8} xl={4}><Card><Statistic title={t('aov')} value={yuan(data.aov)} /></Card></Col>
        <Col xs={12} md={8} xl={4}><Card><Statistic title={`${t('events')} (${data.periodDays}d)`} value={data.events} /></Card></Col>
      </Row>
      {c.total === 0 ? (
        <Card style={{ marginTop: 16 }}><Empty description={t('noCustomers')} /></Card>
      ) : (
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          <Col xs={24} xl={14}>
            <Card title={t('dailyGmv')}>
              <Chart testId="chart-daily" option={{
                tooltip: { trigger: 'axis' },
                legend: { data: [t('gmv'), t('orders')] },
                xAxis: { type: 'category', data: data.daily.map((d) => d.day) },
                yAxis: [{ type: 'value', name: '¥' }, { type: 'value', name: t('orders') }],
                series: [
                  { name: t('gmv'), type: 'line', smooth: true, areaStyle: { opacity: 0.15 }, data: data.daily.map((d) => d.gmv / 100) },
                  { name: t('orders'), type: 'bar', yAxisIndex: 1, data: data.daily.map((d) => d.orders), itemStyle: { opacity: 0.5 } },
                ],
              }} />
            </Card>
          </Col>
          <Col xs={24} xl={10}>
            <Card title={t('bySource')}>
              <Chart testId="chart-sources" option={{
                tooltip: { trigger: 'axis' },
                legend: { data: [t('totalCustomers'), t('buyers')] },
                grid: { left: 80 },
                xAxis: { type: 'value' },
                yAxis: { type: 'category', data: data.sources.map((s) => s.source).reverse() },
                series: [
                  { name: t('totalCustomers'), type: 'bar', data: data.sources.map((s) => s.customers).reverse() },
                  { name: t('buyers'), type: 'bar', data: data.sources.map((s) => s.buyers).reverse() },
                ],
              }} />
            </Card>
          </Col>
        </Row>
      )}
    </div>
  );
}
