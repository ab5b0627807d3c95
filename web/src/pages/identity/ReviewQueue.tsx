// The review queue: both profiles side by side, the per-field evidence the model weighed, and the two decisions.
// A rejection is remembered: the pair is never proposed or merged again.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Empty, Pagination, Progress, Row, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api, dateTime, yuan } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { comparisonLabel, fieldName, PROFILE_FIELDS } from './fields.ts';

const PAGE = 10;

/** Why the pair waits for a person. */
const REASONS: Record<string, [string, string]> = {
  grey_zone: ['介于两个阈值之间', 'between the two thresholds'],
  names_differ: ['姓名完全不同：可能是同住的家人或门店代填的资料', 'names differ entirely: perhaps a household, or a store\'s defaults'],
  thin_evidence: ['证据不足以自动合并', 'too little evidence to merge without a person'],
  no_identifier: ['只有姓名、地区或同住信息一致：缺少能确认本人的字段（手机、邮箱、生日、证件号）', 'only name, place or household fields agree: nothing that identifies the person (phone, email, birthday, ID)'],
  conflicting_identifiers: ['手机和生日都不同', 'different phones and different birthdays'],
  birthdays_differ: ['生日不同且名字只是相似：可能是兄弟姐妹', 'different birthdays and only similar given names: perhaps siblings'],
  conflicting_pair: ['与同组其他记录不一致', 'disagrees with another record of the group'],
  cluster_too_large: ['合并后人数过多', 'would make an implausibly large group'],
  several_candidates: ['多个候选互相矛盾', 'several candidates that disagree with each other'],
};

const signed = (w: number) => `${w > 0 ? '+' : ''}${w.toFixed(1)}`;

export function ReviewQueue({ status, version, canDecide, onDecided }: { status: 'pending' | 'merged' | 'rejected'; version: number; canDecide: boolean; onDecided(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<any>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const load = () => api('GET', `/v1/identity/matching/reviews?status=${status}&limit=${PAGE}&offset=${(page - 1) * PAGE}`).then(setData, (e) => message.error(e.message));
  useEffect(() => {
    load();
  }, [status, page, version]);

  const decide = async (id: number, decision: 'merge' | 'reject') => {
    setBusy(id);
    try {
      const out = await api('POST', `/v1/identity/matching/reviews/${id}/decision`, { decision });
      message.success(out.status === 'merged' ? (zh ? '已合并，可在客户画像中撤销' : 'Merged; undo it from the customer page')
        : out.status === 'rejected' ? (zh ? '已记录：这两位不是同一人，不会再被推荐或合并' : 'Recorded: never proposed or merged again')
        : (zh ? '这两条记录已不可合并（已是同一人或已被拆分）' : 'Nothing to merge any more (already one, or split apart)'));
      await load();
      onDecided();
    } catch (e: any) {
      message.error(e.message);
    } finally {
      setBusy(null);
    }
  };

  if (!data) return <Card loading bordered={false} />;
  if (data.items.length === 0) {
    return <Empty description={status === 'pending'
      ? (zh ? '没有待审核的配对。全量匹配或新客户实时匹配产生灰区配对时会出现在这里。' : 'Nothing to review. Doubtful pairs from a run or from real-time matching appear here.')
      : (zh ? '暂无记录' : 'None yet')} />;
  }
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      {!data.revealed && <Typography.Text type="secondary">{zh ? '你的角色无权查看明文个人信息，字段已脱敏。' : 'Your role may not read personal data in the clear: fields are masked.'}</Typography.Text>}
      {data.items.map((item: any) => (
        <Card key={item.id} size="small" data-testid="review-item" title={
          <Space>
            <Progress type="circle" size={36} percent={Math.round(item.probability * 100)} format={() => `${Math.round(item.probability * 100)}`} />
            <span>{zh ? `同一人概率 ${(item.probability * 100).toFixed(1)}%` : `P(same person) ${(item.probability * 100).toFixed(1)}%`}</span>
            <Typography.Text type="secondary">{zh ? `证据 ${signed(item.weight)} 比特` : `evidence ${signed(item.weight)} bits`}</Typography.Text>
            <Tag>{item.source === 'realtime' ? (zh ? '实时' : 'real-time') : (zh ? '全量' : 'batch')}</Tag>
            <Tag color={item.reason === 'grey_zone' ? 'default' : 'orange'} data-testid="review-reason">{REASONS[item.reason]?.[zh ? 0 : 1] ?? item.reason}</Tag>
          </Space>
        } extra={status === 'pending' && canDecide ? (
          <Space>
            <Button type="primary" loading={busy === item.id} onClick={() => decide(item.id, 'merge')} data-testid="review-merge">{zh ? '合并' : 'Merge'}</Button>
            <Button danger loading={busy === item.id} onClick={() => decide(item.id, 'reject')} data-testid="review-reject">{zh ? '不是同一人' : 'Different people'}</Button>
          </Space>
        ) : item.decidedAt ? <Typography.Text type="secondary">{item.decidedBy} · {dateTime(item.decidedAt)}</Typography.Text> : null}>
          <Row gutter={16}>
            <Col xs={24} lg={14}><SideBySide a={item.a} b={item.b} zh={zh} /></Col>
            <Col xs={24} lg={10}><Evidence fields={item.evidence.fields} zh={zh} /></Col>
          </Row>
        </Card>
      ))}
      <Pagination current={page} pageSize={PAGE} total={data.total} onChange={setPage} showSizeChanger={false} />
    </Space>
  );
}

function SideBySide({ a, b, zh }: { a: any; b: any; zh: boolean }) {
  const value = (p: any, f: string) => (p ? (p.fields?.[f] ?? p[f] ?? null) : null);
  const rows = PROFILE_FIELDS.map((f) => ({ field: f, a: value(a, f), b: value(b, f) })).filter((r) => r.a != null || r.b != null);
  const head = (p: any) => p ? (
    <Space size={4}>
      <Link to={`/customers/${p.mergedInto ?? p.id}`}>#{p.id}</Link>
      <Typography.Text type="secondary">{p.orderCount} {zh ? '单' : 'orders'} · {yuan(p.totalSpent)}</Typography.Text>
    </Space>
  ) : '—';
  return (
    <Table size="small" pagination={false} rowKey="field" dataSource={rows} data-testid="side-by-side" columns={[
      { title: '', dataIndex: 'field', width: 80, render: (f) => fieldName(f, zh) },
      { title: head(a), dataIndex: 'a', render: (v, r) => <Cell v={v} same={v != null && v === r.b} /> },
      { title: head(b), dataIndex: 'b', render: (v, r) => <Cell v={v} same={v != null && v === r.a} /> },
    ]} />
  );
}

const Cell = ({ v, same }: { v: string | null; same: boolean }) => (v == null ? <Typography.Text type="secondary">—</Typography.Text> : <Typography.Text strong={same}>{String(v)}</Typography.Text>);

export interface EvidenceField { field: string; label: string; weight: number; share?: number; parts?: { field: string; label: string }[] }

export function Evidence({ fields, zh }: { fields: EvidenceField[]; zh: boolean }) {
  return (
    <Table size="small" pagination={false} rowKey="field" dataSource={fields} data-testid="evidence" columns={[
      { title: zh ? '比对项' : 'Field', dataIndex: 'field', render: (f) => fieldName(f, zh) },
      { title: zh ? '结果' : 'Comparison', render: (_, e: EvidenceField) => comparisonLabel(e, zh) },
      {
        title: zh ? '证据（比特）' : 'Evidence (bits)', dataIndex: 'weight', align: 'right',
        render: (w: number) => <Tag color={w > 0 ? 'green' : w < 0 ? 'red' : 'default'}>{w > 0 ? '+' : ''}{w.toFixed(1)}</Tag>,
      },
    ]} />
  );
}
