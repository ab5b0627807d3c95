// What the full runs merged, run by run: each run's merges with the evidence, and one action that takes back every
// merge of a run (a background job; the bar follows it). Merges decided in the review queue are listed below.
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Collapse, Empty, Input, Pagination, Progress, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { Evidence, type EvidenceField, ReviewQueue } from './ReviewQueue.tsx';

interface Undo { status: 'queued' | 'running' | 'done' | 'failed'; total: number; done: number; error: string | null; reason: string; requestedBy: string; finishedAt: string | null }
interface Run { id: number; status: string; createdAt: string; createdBy: string; merges: number; activeMerges: number; profiles: number | null; undo: Undo | null }
interface Profile { id: number; name: string | null; phone: string | null; city: string | null }
interface Merge { mergeId: number; winner: Profile; loser: Profile; probability: number | null; fields: EvidenceField[]; undoneAt: string | null }

const PAGE = 10;

export function RunMerges({ version, canMerge, onChanged }: { version: number; canMerge: boolean; onChanged(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [runs, setRuns] = useState<Run[] | null>(null);
  const load = () => api('GET', '/v1/identity/matching/runs').then((r) => setRuns(r.runs.filter((x) => x.merges > 0)), (e) => message.error(e.message));
  useEffect(() => {
    load();
  }, [version]);

  if (!runs) return <Card loading bordered={false} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      {runs.length === 0 ? (
        <Empty description={zh ? '全量匹配还没有自动合并过客户。运行一次全量匹配后，每次运行的合并会按运行列在这里，可整批撤销。' : 'No full run has merged anyone yet. After a run, its merges are listed here by run and can be undone together.'} />
      ) : (
        <Collapse data-testid="merged-runs" defaultActiveKey={[String(runs[0].id)]} items={runs.map((run) => ({
          key: String(run.id),
          label: (
            <Space data-testid="merged-run" data-run={run.id}>
              <Typography.Text strong>{zh ? `第 ${run.id} 次全量匹配` : `Run ${run.id}`}</Typography.Text>
              <Typography.Text type="secondary">{dateTime(run.createdAt)}</Typography.Text>
              <Tag color="blue">{zh ? `合并 ${run.merges} 对` : `${run.merges} merges`}</Tag>
              {run.activeMerges < run.merges && <Tag data-testid="run-undone-count">{zh ? `已撤销 ${run.merges - run.activeMerges} 对` : `${run.merges - run.activeMerges} undone`}</Tag>}
            </Space>
          ),
          children: <RunDetail run={run} zh={zh} canMerge={canMerge} onChanged={() => { load(); onChanged(); }} />,
        }))} />
      )}
      <Card size="small" title={zh ? '人工审核中合并的配对' : 'Pairs merged from the review queue'}>
        <ReviewQueue status="merged" version={version} canDecide={false} onDecided={onChanged} />
      </Card>
    </Space>
  );
}

function RunDetail({ run, zh, canMerge, onChanged }: { run: Run; zh: boolean; canMerge: boolean; onChanged(): void }) {
  const { message, modal } = App.useApp();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; items: Merge[] } | null>(null);
  const [undo, setUndo] = useState<Undo | null>(run.undo);
  const timer = useRef<number | undefined>(undefined);
  const load = () => api('GET', `/v1/identity/matching/runs/${run.id}/merges?limit=${PAGE}&offset=${(page - 1) * PAGE}`).then(setData, (e) => message.error(e.message));
  useEffect(() => {
    load();
  }, [page, run.id]);

  // Follow a queued or running undo until it ends, then reload the list.
  const follow = () => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(async () => {
      const u = await api('GET', `/v1/identity/matching/runs/${run.id}/undo`).catch(() => null);
      if (!u) return;
      setUndo(u);
      if (u.status === 'queued' || u.status === 'running') follow();
      else {
        load();
        onChanged();
        if (u.status === 'done') message.success(zh ? `已撤销本次运行的 ${u.done} 对合并` : `Undid ${u.done} merges of this run`);
      }
    }, 700);
  };
  useEffect(() => {
    if (undo && (undo.status === 'queued' || undo.status === 'running')) follow();
    return () => window.clearTimeout(timer.current);
  }, []);

  const confirmUndo = () => {
    let reason = '';
    let keepApart = false;
    modal.confirm({
      title: zh ? `撤销第 ${run.id} 次全量匹配的全部合并？` : `Undo every merge of run ${run.id}?`,
      width: 520,
      content: (
        <Space direction="vertical" style={{ width: '100%' }} data-testid="undo-confirm">
          <Typography.Paragraph>
            {zh ? `这次运行合并的 ${run.activeMerges} 对客户会在后台逐对拆回合并前的样子（订单、事件、身份标识各归原主），每一对都记入审计日志。实时匹配不会立即把它们再合并；下次全量匹配会重新判断。`
              : `The ${run.activeMerges} merges of this run still in place are undone one by one in the background (orders, events and identifiers go back to each profile), each recorded in the audit log. Real-time matching does not merge them again; the next full run decides again.`}
          </Typography.Paragraph>
          <Input.TextArea data-testid="undo-reason" rows={2} placeholder={zh ? '撤销原因（必填，记入审计日志）' : 'Why (required, kept in the audit log)'} onChange={(e) => (reason = e.target.value)} />
          <Checkbox data-testid="undo-keep-apart" onChange={(e) => (keepApart = e.target.checked)}>
            {zh ? '同时标记为“非同一人”，以后不再自动合并这些配对' : 'Also mark them as different people: never merge these pairs automatically again'}
          </Checkbox>
        </Space>
      ),
      okText: zh ? '撤销全部合并' : 'Undo all merges',
      okButtonProps: { danger: true, 'data-testid': 'undo-ok' },
      cancelText: zh ? '取消' : 'Cancel',
      onOk: async () => {
        try {
          const u = await api('POST', `/v1/identity/matching/runs/${run.id}/undo`, { reason: reason.trim(), keepApart });
          setUndo(u);
          follow();
        } catch (e) {
          message.error((e as Error).message);
          throw e;
        }
      },
    });
  };

  const undoing = undo && (undo.status === 'queued' || undo.status === 'running');
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      {undo && (
        <Alert type={undo.status === 'failed' ? 'error' : undo.status === 'done' ? 'success' : 'info'} data-testid="undo-status"
          message={undo.status === 'done' ? (zh ? `已撤销：${undo.done} 对合并已拆回（${dateTime(undo.finishedAt)}，原因：${undo.reason}）` : `Undone: ${undo.done} merges taken back (${dateTime(undo.finishedAt)}; reason: ${undo.reason})`)
            : undo.status === 'failed' ? (zh ? `撤销中断：${undo.error}。可再次撤销，已拆回的不会重复处理。` : `Undo stopped: ${undo.error}. Ask again; merges already undone are not touched twice.`)
            : (zh ? `正在撤销本次运行的合并：${undo.done} / ${undo.total}` : `Undoing this run's merges: ${undo.done} / ${undo.total}`)}
          description={undoing ? <Progress data-testid="undo-progress" percent={undo.total ? Math.floor((100 * undo.done) / undo.total) : 0} /> : null} />
      )}
      {canMerge && run.activeMerges > 0 && !undoing && (
        <Button danger onClick={confirmUndo} data-testid="undo-run">{zh ? '撤销本次运行的全部合并' : 'Undo all merges of this run'}</Button>
      )}
      {!data ? <Card loading bordered={false} /> : (
        <>
          <Table size="small" rowKey="mergeId" pagination={false} dataSource={data.items} data-testid="run-merge-list"
            expandable={{ expandedRowRender: (m: Merge) => <Evidence fields={m.fields} zh={zh} /> }}
            columns={[
              { title: zh ? '保留的客户' : 'Kept', render: (_, m: Merge) => <PersonCell p={m.winner} /> },
              { title: zh ? '并入的客户' : 'Merged in', render: (_, m: Merge) => <PersonCell p={m.loser} /> },
              { title: zh ? '同一人概率' : 'P(same person)', align: 'right', render: (_, m: Merge) => (m.probability == null ? '—' : `${(m.probability * 100).toFixed(2)}%`) },
              {
                title: zh ? '状态' : 'State', render: (_, m: Merge) => (m.undoneAt
                  ? <Tag data-testid="merge-state">{zh ? `已撤销 ${dateTime(m.undoneAt)}` : `undone ${dateTime(m.undoneAt)}`}</Tag>
                  : <Tag color="green" data-testid="merge-state">{zh ? '生效中' : 'in place'}</Tag>),
              },
            ]} />
          <Pagination current={page} pageSize={PAGE} total={data.total} onChange={setPage} showSizeChanger={false} size="small" />
        </>
      )}
    </Space>
  );
}

const PersonCell = ({ p }: { p: Profile }) => (
  <Space size={4}>
    <Link to={`/customers/${p.id}`}>#{p.id}</Link>
    <span>{p.name ?? '—'}</span>
    <Typography.Text type="secondary">{[p.phone, p.city].filter(Boolean).join(' · ')}</Typography.Text>
  </Space>
);
