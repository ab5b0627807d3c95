// Thresholds against what they are expected to give. The curve comes from the fitted model alone (no labels):
// among pairs at or above a threshold, the expected share that are one person (precision), and the share of all
// expected duplicates found (recall).
import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Empty, Form, InputNumber, Space, Typography } from 'antd';
import { api, ApiError } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { Chart } from '../../components/Chart.tsx';

interface Expected { threshold: number; pairs: number; precision: number; recall: number }

/** The estimate at the largest listed threshold not above t (conservative for precision, optimistic for recall). */
function expectedAt(curve: Expected[], t: number): Expected | null {
  const below = curve.filter((e) => e.threshold <= t + 1e-12);
  return below.length ? below[below.length - 1] : null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function ThresholdsCard({ state, canEdit, onSaved }: { state: any; canEdit: boolean; onSaved(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [auto, setAuto] = useState<number>(state.thresholds.auto);
  const [review, setReview] = useState<number>(state.thresholds.review);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    setAuto(state.thresholds.auto);
    setReview(state.thresholds.review);
  }, [state.thresholds.auto, state.thresholds.review]);

  const curve: Expected[] = state.expected ?? [];
  const atAuto = expectedAt(curve, auto);
  const atReview = expectedAt(curve, review);

  const save = async () => {
    setSaving(true);
    setProblems({});
    try {
      await api('PUT', '/v1/identity/matching/thresholds', { auto, review });
      message.success(zh ? '阈值已保存，之后的实时匹配和全量匹配按新阈值执行' : 'Saved: real-time and batch matching use the new thresholds from now on');
      onSaved();
    } catch (e: any) {
      if (e instanceof ApiError && e.problems.length) setProblems(Object.fromEntries(e.problems.map((p) => [p.field.replace(/^body\.?/, ''), p.message])));
      else message.error(e.message);
    } finally {
      setSaving(false);
    }
  };

  const labels = curve.map((e) => String(e.threshold));
  const nearest = (t: number) => String(expectedAt(curve, t)?.threshold ?? curve[0]?.threshold);
  return (
    <Card title={zh ? '合并阈值' : 'Thresholds'}>
      <Form layout="inline" style={{ marginBottom: 12 }}>
        <Form.Item label={zh ? '自动合并 ≥' : 'Auto-merge ≥'} validateStatus={problems.auto ? 'error' : undefined} help={problems.auto}>
          <InputNumber min={0.01} max={0.99999} step={0.001} value={auto} onChange={(v) => v != null && setAuto(v)} disabled={!canEdit} data-testid="threshold-auto" />
        </Form.Item>
        <Form.Item label={zh ? '人工审核 ≥' : 'Review ≥'} validateStatus={problems.review ? 'error' : undefined} help={problems.review}>
          <InputNumber min={0.01} max={0.99999} step={0.05} value={review} onChange={(v) => v != null && setReview(v)} disabled={!canEdit} data-testid="threshold-review" />
        </Form.Item>
        {canEdit && <Button type="primary" loading={saving} onClick={save} data-testid="save-thresholds">{zh ? '保存' : 'Save'}</Button>}
      </Form>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {zh ? '阈值是“两条记录是同一个人”的概率。低于审核阈值的配对不做处理。' : 'A threshold is the probability that two records are one person. Pairs below the review threshold are left alone.'}
      </Typography.Paragraph>
      {curve.length === 0 ? (
        <Empty description={zh ? '运行一次全量匹配后，这里显示每个阈值预计的准确率和召回率。' : 'After the first run, the expected precision and recall of each threshold are shown here.'} />
      ) : <>
        <Space direction="vertical" style={{ width: '100%' }}>
          {atAuto && (
            <Alert type="info" data-testid="expected-at-auto" message={zh
              ? `自动合并阈值 ${auto}：预计准确率 ${pct(atAuto.precision)}，召回率 ${pct(atAuto.recall)}（${atAuto.pairs.toLocaleString()} 对）`
              : `At auto-merge ${auto}: expected precision ${pct(atAuto.precision)}, recall ${pct(atAuto.recall)} (${atAuto.pairs.toLocaleString()} pairs)`} />
          )}
          {atReview && atAuto && (
            <Typography.Text type="secondary">
              {zh ? `审核阈值 ${review}：约 ${(atReview.pairs - atAuto.pairs).toLocaleString()} 对进入人工审核，合并后的召回率可达 ${pct(atReview.recall)}`
                : `Review ${review}: about ${(atReview.pairs - atAuto.pairs).toLocaleString()} pairs go to people; recall after their merges up to ${pct(atReview.recall)}`}
            </Typography.Text>
          )}
        </Space>
        <Chart testId="expected-quality-chart" height={280} option={{
          tooltip: { trigger: 'axis', valueFormatter: (v: any) => `${v}%` },
          legend: { data: [zh ? '预计准确率' : 'Expected precision', zh ? '预计召回率' : 'Expected recall'] },
          xAxis: { type: 'category', data: labels, name: zh ? '阈值' : 'threshold', axisLabel: { rotate: 45 } },
          yAxis: { type: 'value', min: (v: { min: number }) => Math.max(0, Math.floor(v.min - 2)), max: 100 },
          series: [
            {
              name: zh ? '预计准确率' : 'Expected precision', type: 'line', data: curve.map((e) => round(e.precision * 100)),
              markLine: { symbol: 'none', label: { formatter: '{b}' }, data: [
                { name: zh ? '自动合并' : 'auto', xAxis: nearest(auto) },
                { name: zh ? '审核' : 'review', xAxis: nearest(review) },
              ] },
            },
            { name: zh ? '预计召回率' : 'Expected recall', type: 'line', data: curve.map((e) => round(e.recall * 100)) },
          ],
        }} />
      </>}
    </Card>
  );
}

const round = (x: number) => Math.round(x * 100) / 100;
