import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Row, Table, Tag, Typography } from 'antd';
import { api, dateTime, yuan } from '../api.ts';
import { useLang } from '../i18n/index.tsx';
import { Chart } from '../components/Chart.tsx';

const STATUS: Record<string, string> = { active: 'green', superseded: 'default', failed: 'red', insufficient_data: 'orange' };

export function PredictionsPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [data, setData] = useState<any>(null);
  const [busy, setBusy] = useState(false);
  const load = () => api('GET', '/v1/models/clv').then(setData);
  useEffect(() => {
    load();
  }, []);
  const fit = async () => {
    setBusy(true);
    try {
      const r = await api('POST', '/v1/models/clv/fit', {});
      if (r.status === 'active') message.success(zh ? '模型已更新' : 'Model updated');
      else message.warning(r.message);
      await load();
    } catch (e: any) {
      message.error(e.message);
    } finally {
      setBusy(false);
    }
  };
  if (!data) return <Card loading />;
  const active = data.versions.find((v: any) => v.status === 'active');
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Card title={zh ? '客户终身价值（BG/NBD + Gamma-Gamma）' : 'Customer lifetime value (BG/NBD + Gamma-Gamma)'} extra={<Button type="primary" loading={busy} onClick={fit} data-testid="fit-clv">{zh ? '重新训练' : 'Refit'}</Button>}>
          <Typography.Paragraph type="secondary">
            {zh ? '按订单估计每位买家仍然活跃的概率 P(alive)、未来 90 天的购买次数和折现后的终身价值；结果写入“预测标签”（高价值潜力、高流失风险）并可在分群中使用（prediction.*）。模型在 CDNOW 数据上复现了论文发表的参数。'
              : 'From orders: each buyer\'s probability of still being active, expected purchases in 90 days and discounted lifetime value. Results become predicted tags and segment fields (prediction.*). The model reproduces the published CDNOW parameters.'}
          </Typography.Paragraph>
          {!active ? <Empty description={zh ? '还没有可用的模型版本。点击“重新训练”。' : 'No active model yet: click Refit.'} /> : (
            <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} data-testid="clv-params">
              <Descriptions.Item label="r">{active.params.bgnbd.r.toFixed(3)}</Descriptions.Item>
              <Descriptions.Item label="α">{active.params.bgnbd.alpha.toFixed(3)}</Descriptions.Item>
              <Descriptions.Item label="a / b">{active.params.bgnbd.a.toFixed(3)} / {active.params.bgnbd.b.toFixed(3)}</Descriptions.Item>
              <Descriptions.Item label="p / q / γ">{active.params.gammaGamma.p.toFixed(2)} / {active.params.gammaGamma.q.toFixed(2)} / {active.params.gammaGamma.gamma.toFixed(1)}</Descriptions.Item>
              <Descriptions.Item label={zh ? '对数似然' : 'Log-likelihood'}>{active.diagnostics.bgnbd.logLikelihood.toFixed(1)}</Descriptions.Item>
              <Descriptions.Item label={zh ? '买家 / 复购买家' : 'Buyers / repeat'}>{active.diagnostics.buyers} / {active.diagnostics.repeatBuyers}</Descriptions.Item>
              {active.diagnostics.paretoNbd?.logLikelihood !== undefined && (
                <Descriptions.Item span={3} label={zh ? '对照模型 Pareto/NBD' : 'Challenger Pareto/NBD'}>
                  <span data-testid="pareto-challenger">
                    r {active.diagnostics.paretoNbd.params.r.toFixed(3)} · α {active.diagnostics.paretoNbd.params.alpha.toFixed(2)} · s {active.diagnostics.paretoNbd.params.s.toFixed(3)} · β {active.diagnostics.paretoNbd.params.beta.toFixed(2)} ·{' '}
                    {zh ? '对数似然' : 'log-likelihood'} {active.diagnostics.paretoNbd.logLikelihood.toFixed(1)}
                    {' '}({active.diagnostics.paretoNbd.logLikelihood > active.diagnostics.bgnbd.logLikelihood
                      ? (zh ? '拟合略好于 BG/NBD' : 'fits slightly better than BG/NBD')
                      : (zh ? 'BG/NBD 拟合更好' : 'BG/NBD fits better')})
                  </span>
                </Descriptions.Item>
              )}
            </Descriptions>
          )}
        </Card>
      </Col>
      {active?.diagnostics?.backtest && (
        <Col span={24}>
          <Card title={zh ? `留出检验：用 ${active.diagnostics.backtest.holdoutWeeks} 周前的数据训练，预测最近 ${active.diagnostics.backtest.holdoutWeeks} 周` : `Held-out check: trained ${active.diagnostics.backtest.holdoutWeeks} weeks back, predicting the last ${active.diagnostics.backtest.holdoutWeeks} weeks`}>
            <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} data-testid="clv-backtest">
              <Descriptions.Item label={zh ? '复购次数（实际 / 预测）' : 'Repeat purchases (actual / predicted)'}>{active.diagnostics.backtest.actualPurchases} / {Math.round(active.diagnostics.backtest.predictedPurchases)}</Descriptions.Item>
              <Descriptions.Item label={zh ? '每客户平均误差（模型 / 按历史速率）' : 'Mean abs. error per customer (model / past rate)'}>{active.diagnostics.backtest.mae.toFixed(3)} / {active.diagnostics.backtest.maeNaive.toFixed(3)}</Descriptions.Item>
              <Descriptions.Item label={zh ? '相关系数' : 'Correlation'}>{active.diagnostics.backtest.correlation.toFixed(3)}</Descriptions.Item>
              <Descriptions.Item label={zh ? '流失预警 准确率 / 召回率' : 'Churn warning precision / recall'}>{(active.diagnostics.backtest.churn.precision * 100).toFixed(1)}% / {(active.diagnostics.backtest.churn.recall * 100).toFixed(1)}%</Descriptions.Item>
              <Descriptions.Item label={zh ? '预警 / 实际流失' : 'Warned / churned'}>{active.diagnostics.backtest.churn.warned} / {active.diagnostics.backtest.churn.churned}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      )}
      {active?.diagnostics?.tracking?.length > 0 && (
        <Col span={24}>
          <Card title={zh ? '拟合检验：每周复购次数（实际 vs 模型）' : 'Fit check: weekly repeat purchases, actual vs model'}>
            <Chart testId="tracking-chart" height={280} option={{
              tooltip: { trigger: 'axis' }, legend: {},
              xAxis: { type: 'category', name: zh ? '周' : 'week', data: active.diagnostics.tracking.map((p: any) => p.week) },
              yAxis: { type: 'value' },
              series: [
                { name: zh ? '实际' : 'Actual', type: 'line', data: active.diagnostics.tracking.map((p: any) => p.actual) },
                { name: zh ? '模型' : 'Model', type: 'line', lineStyle: { type: 'dashed' }, data: active.diagnostics.tracking.map((p: any) => p.predicted) },
              ],
            }} />
          </Card>
        </Col>
      )}
      <Col xs={24} xl={12}>
        <Card title={zh ? 'P(alive) 分布与平均 CLV' : 'P(alive) distribution and mean CLV'}>
          {data.pAliveDistribution.length === 0 ? <Empty /> : (
            <Chart testId="palive-chart" height={300} option={{
              tooltip: { trigger: 'axis' }, legend: {},
              xAxis: { type: 'category', data: data.pAliveDistribution.map((b: any) => `${(b.bucket - 1) * 10}-${b.bucket * 10}%`) },
              yAxis: [{ type: 'value', name: zh ? '客户' : 'customers' }, { type: 'value', name: 'CLV ¥' }],
              series: [
                { name: zh ? '客户数' : 'Customers', type: 'bar', data: data.pAliveDistribution.map((b: any) => b.customers) },
                { name: zh ? '平均 CLV' : 'Mean CLV', type: 'line', yAxisIndex: 1, data: data.pAliveDistribution.map((b: any) => Math.round(b.avg_clv) / 100) },
              ],
            }} />
          )}
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card title={zh ? '版本' : 'Versions'}>
          <Table size="small" rowKey="id" pagination={{ pageSize: 8 }} dataSource={data.versions} columns={[
            { title: '#', dataIndex: 'id' }, { title: zh ? '状态' : 'Status', dataIndex: 'status', render: (s) => <Tag color={STATUS[s]}>{s}</Tag> },
            { title: zh ? '说明' : 'Message', dataIndex: 'message', render: (m) => <Typography.Text type="secondary">{m}</Typography.Text> },
            { title: zh ? '训练时间' : 'Trained', dataIndex: 'trained_at', render: dateTime },
          ]} />
          {data.versions.some((v: any) => v.status === 'failed' || v.status === 'insufficient_data') && <Alert type="info" message={zh ? '失败或数据不足的训练不会替换当前版本。' : 'Failed or insufficient fits never replace the active version.'} />}
          <Typography.Text type="secondary">{zh ? `CLV 单位：${yuan(100)} = 100 分` : ''}</Typography.Text>
        </Card>
      </Col>
    </Row>
  );
}
