// Identity matching: run the matcher over the whole base, choose thresholds against the expected precision and
// recall, see which values were taken out as placeholders, and work through the review queue.
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Progress, Row, Space, Table, Tabs, Tag, Typography } from 'antd';
import { api, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { Chart } from '../../components/Chart.tsx';
import { ThresholdsCard } from './Thresholds.tsx';
import { ReviewQueue } from './ReviewQueue.tsx';
import { RunMerges } from './RunMerges.tsx';
import { fieldName } from './fields.ts';

const STAGES: Record<string, [string, string]> = {
  load: ['读取客户', 'Loading profiles'], link: ['比对与拟合', 'Comparing and fitting'], index: ['写入索引', 'Writing keys'],
  merge: ['合并', 'Merging'], review: ['生成审核队列', 'Queueing reviews'], done: ['完成', 'Done'],
};

export function IdentityPage({ canMerge, canEditRules }: { canMerge: boolean; canEditRules: boolean }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message, modal } = App.useApp();
  const [state, setState] = useState<any>(null);
  const [queueVersion, setQueueVersion] = useState(0);
  const timer = useRef<number | undefined>(undefined);

  const load = async () => {
    const s = await api('GET', '/v1/identity/matching');
    setState(s);
    window.clearTimeout(timer.current);
    const active = s.lastRun && (s.lastRun.status === 'queued' || s.lastRun.status === 'running');
    if (active) timer.current = window.setTimeout(load, 1000);
    return s;
  };
  useEffect(() => {
    load().catch((e) => message.error(e.message));
    return () => window.clearTimeout(timer.current);
  }, []);
  // A finished run changes the queue: reload it once when the run's status turns to done.
  const lastStatus = useRef<string | undefined>(undefined);
  useEffect(() => {
    const status = state?.lastRun?.status;
    if (lastStatus.current && lastStatus.current !== status && status === 'done') setQueueVersion((v) => v + 1);
    lastStatus.current = status;
  }, [state?.lastRun?.status]);

  const startRun = async () => {
    try {
      await api('POST', '/v1/identity/matching/runs');
      await load();
    } catch (e: any) {
      message.error(e.message);
    }
  };
  // A full run merges on its own: say what it will do and ask first.
  const confirmRun = () => modal.confirm({
    title: zh ? '开始全量匹配？' : 'Match the whole base?',
    content: <Typography.Paragraph data-testid="run-confirm-text">
      {zh ? `将对全部 ${state.profiles.toLocaleString()} 位客户两两比对，置信度高于 ${state.thresholds.auto} 的自动合并（可撤销），介于 ${state.thresholds.review} 与 ${state.thresholds.auto} 之间的进入待审核。只有地区一致、或姓名一致却没有手机/邮箱/生日/地址等能确认本人的字段时，不会自动合并。`
        : `All ${state.profiles.toLocaleString()} profiles are compared with each other: pairs above ${state.thresholds.auto} are merged automatically (undoable), pairs between ${state.thresholds.review} and ${state.thresholds.auto} go to review. A place alone, or a name without a phone, email, birthday or address that identifies the person, never merges.`}
    </Typography.Paragraph>,
    okText: zh ? '开始匹配' : 'Start',
    cancelText: zh ? '取消' : 'Cancel',
    okButtonProps: { 'data-testid': 'run-confirm-ok' },
    onOk: startRun,
  });

  if (!state) return <Card loading />;
  const run = state.lastRun;
  const running = run && (run.status === 'queued' || run.status === 'running');
  const stage = run?.stage ? STAGES[run.stage]?.[zh ? 0 : 1] ?? run.stage : '';

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card
        title={zh ? '身份匹配（概率模型）' : 'Identity matching (probabilistic)'}
        extra={canMerge && <Button type="primary" loading={running} onClick={confirmRun} data-testid="run-matching">{zh ? '全量匹配' : 'Match the whole base'}</Button>}
      >
        <Typography.Paragraph type="secondary">
          {zh ? '同一个人在门店、电商和导入名单里留下的资料常有错字、缺项、姓名顺序颠倒。匹配器按姓名（拼音、繁简）、生日、手机、邮箱、地址逐项比对，用 EM 在你的数据上估计每一项“一致”和“不一致”的分量，高于自动合并阈值的直接合并（可撤销），灰区交给人工审核。新客户实时匹配。'
            : 'One person leaves records with typos, gaps and swapped names across stores, e-commerce and imported lists. The matcher compares name (pinyin, traditional/simplified), birthday, phone, email and address, learns how much each agreement and disagreement weighs from your own data (EM), merges pairs above the auto threshold (undoable) and queues the grey zone for people. New profiles are matched in real time.'}
        </Typography.Paragraph>
        {run ? (
          <Descriptions size="small" column={{ xs: 1, md: 3 }} data-testid="last-run">
            <Descriptions.Item label={zh ? '最近一次' : 'Last run'}>
              <Tag color={run.status === 'done' ? 'success' : run.status === 'failed' ? 'error' : 'processing'}>{run.status}</Tag>{dateTime(run.created_at)}
            </Descriptions.Item>
            {running && (
              <Descriptions.Item label={stage} span={2}>
                <Progress style={{ width: 240 }} percent={run.total ? Math.floor((100 * Number(run.done)) / Number(run.total)) : 0} data-testid="run-progress" />
              </Descriptions.Item>
            )}
            {run.status === 'done' && <>
              <Descriptions.Item label={zh ? '客户 / 候选对' : 'Profiles / candidate pairs'}>{run.stats.profiles?.toLocaleString()} / {run.stats.candidatePairs?.toLocaleString()}</Descriptions.Item>
              <Descriptions.Item label={zh ? '合并 / 待审核' : 'Merges / queued'}><span data-testid="run-merges">{run.stats.merges}</span> / {run.stats.reviewsQueued}</Descriptions.Item>
              <Descriptions.Item label={zh ? '用时' : 'Took'}>{run.stats.seconds?.toFixed(1)} s</Descriptions.Item>
            </>}
            {run.status === 'failed' && <Descriptions.Item label={zh ? '原因' : 'Error'} span={2}><Typography.Text type="danger">{run.error}</Typography.Text></Descriptions.Item>}
          </Descriptions>
        ) : (
          <Alert type="info" showIcon message={zh ? '还没有运行过匹配。点击“全量匹配”，系统会在你的客户数据上拟合模型、合并明确的重复并列出需要人工判断的配对。' : 'No run yet. Click "Match the whole base": the model is fitted on your profiles, clear duplicates are merged and doubtful pairs are listed for review.'} />
        )}
      </Card>

      <Row gutter={16}>
        <Col xs={24} xl={14}><ThresholdsCard state={state} canEdit={canEditRules} onSaved={load} /></Col>
        <Col xs={24} xl={10}><WeightsCard state={state} zh={zh} /></Col>
      </Row>

      <Card title={zh ? '占位值（已排除在匹配之外）' : 'Placeholder values (kept out of matching)'}>
        {state.commonValues.length === 0 ? (
          <Empty description={zh ? '最近一次运行没有发现被大量客户共用的值。' : 'The last run found no value shared by too many profiles.'} />
        ) : (
          <Table size="small" rowKey={(r: any) => `${r.field}:${r.masked}`} pagination={{ pageSize: 10 }} dataSource={state.commonValues} data-testid="placeholders" columns={[
            { title: zh ? '字段' : 'Field', dataIndex: 'field', render: (f) => fieldName(f, zh) },
            { title: zh ? '值（已脱敏）' : 'Value (masked)', dataIndex: 'masked' },
            { title: zh ? '共用客户数' : 'Profiles', dataIndex: 'records', align: 'right' },
            { title: zh ? '原因' : 'Reason', render: (_, r: any) => zh ? `被 ${r.records} 个客户共用，超过一个人合理的上限 ${r.limit}，视为占位值（如门店代填的手机号）` : `shared by ${r.records} profiles, more than the ${r.limit} one person plausibly has: treated as a placeholder (e.g. a store's walk-in phone)` },
          ]} />
        )}
      </Card>

      <Card title={zh ? '人工审核与合并记录' : 'Review queue and merges'}>
        <Tabs items={(['pending', 'merged', 'rejected'] as const).map((status) => ({
          key: status,
          label: <span data-testid={`tab-${status}`}>{{ pending: zh ? `待审核 (${state.pendingReviews})` : `Pending (${state.pendingReviews})`, merged: zh ? '已合并' : 'Merged', rejected: zh ? '非同一人' : 'Rejected' }[status]}</span>,
          children: status === 'merged'
            ? <RunMerges version={queueVersion} canMerge={canMerge} onChanged={load} />
            : <ReviewQueue status={status} version={queueVersion} canDecide={canMerge} onDecided={load} />,
        }))} />
      </Card>
    </Space>
  );
}

/** How much each field's agreement and disagreement weighs in the fitted model (bits of evidence). */
function WeightsCard({ state, zh }: { state: any; zh: boolean }) {
  const fields = state.model?.fields ?? [];
  return (
    <Card title={zh ? '各字段证据权重（比特）' : 'Evidence per field (bits)'}>
      {!state.model ? <Empty description={zh ? '运行一次匹配后显示模型学到的权重。' : 'Shown after the first run fits the model.'} /> : <>
        <Chart testId="weights-chart" height={320} option={{
          tooltip: { trigger: 'axis' },
          legend: { data: [zh ? '完全一致' : 'Exact agreement', zh ? '不一致' : 'Disagreement'] },
          grid: { left: 80 },
          yAxis: { type: 'category', data: fields.map((f: any) => fieldName(f.field, zh)) },
          xAxis: { type: 'value' },
          series: [
            { name: zh ? '完全一致' : 'Exact agreement', type: 'bar', data: fields.map((f: any) => round(f.levels[f.levels.length - 1].weight)) },
            { name: zh ? '不一致' : 'Disagreement', type: 'bar', data: fields.map((f: any) => round(f.levels[0].weight)) },
          ],
        }} />
        <Typography.Text type="secondary">
          {zh ? `EM ${state.model.iterations} 轮${state.model.converged ? '收敛' : '未收敛'}，候选对中同一人的比例 λ = ${(state.model.lambda * 100).toFixed(1)}%，拟合于 ${dateTime(state.fittedAt)}。`
            : `EM ${state.model.converged ? 'converged' : 'did not converge'} in ${state.model.iterations} iterations; share of candidate pairs that are one person λ = ${(state.model.lambda * 100).toFixed(1)}%; fitted ${dateTime(state.fittedAt)}.`}
        </Typography.Text>
      </>}
    </Card>
  );
}

const round = (x: number) => Math.round(x * 10) / 10;
