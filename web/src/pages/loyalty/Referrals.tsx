// Referrals: the leaderboard of inviters, and the fraud review queue where held referrals are approved (rewards
// paid) or rejected, with the reasons they were held.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Empty, Row, Space, Table, Tag } from 'antd';
import { api, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';

const REASONS: Record<string, [string, string]> = {
  same_device: ['同一设备', 'Same device'], phone_pattern: ['连号手机', 'Consecutive phone numbers'],
  ring: ['互相邀请', 'Invitation ring'], burst: ['短时大量邀请', 'Burst of invitations'],
};

export function ReferralsTab({ canManage }: { canManage: boolean }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [leaders, setLeaders] = useState<any[] | null>(null);
  const [held, setHeld] = useState<any[]>([]);
  const load = () => Promise.all([api('GET', '/v1/loyalty/referrals/leaderboard?days=90'), api('GET', '/v1/loyalty/referrals?status=held')])
    .then(([l, h]) => { setLeaders(l.leaders); setHeld(h.referrals); }).catch((e) => message.error(e.message));
  useEffect(() => { load(); }, []);
  const decide = async (id: number, decision: 'approve' | 'reject') => {
    try {
      await api('POST', `/v1/loyalty/referrals/${id}/${decision}`);
      message.success(decision === 'approve' ? (zh ? '已通过，奖励已发放' : 'Approved; rewards paid') : (zh ? '已驳回' : 'Rejected'));
      load();
    } catch (e: any) {
      message.error(e.message);
    }
  };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={10}>
        <Card title={zh ? '邀请排行榜（近90天）' : 'Top inviters (90 days)'}>
          <Table size="small" rowKey="customerId" loading={!leaders} dataSource={leaders ?? []} pagination={false} data-testid="leaderboard"
            locale={{ emptyText: <Empty description={zh ? '还没有邀请。会员的邀请码可在小程序「我的」页分享。' : 'No invitations yet. Members share their invite code from the mini-program.'} /> }}
            columns={[
              { title: zh ? '会员' : 'Member', render: (_, l: any) => l.name ?? l.customerId },
              { title: zh ? '已奖励' : 'Rewarded', dataIndex: 'rewarded' },
              { title: zh ? '待下单' : 'Pending', dataIndex: 'pending' },
              { title: zh ? '待审核' : 'Held', dataIndex: 'held' },
            ]} />
        </Card>
      </Col>
      <Col xs={24} md={14}>
        <Card title={zh ? '风控审核队列' : 'Fraud review queue'}>
          <Table size="small" rowKey="id" dataSource={held} pagination={false} data-testid="fraud-queue"
            locale={{ emptyText: <Empty description={zh ? '没有待审核的邀请' : 'Nothing to review'} /> }}
            columns={[
              { title: zh ? '邀请人 → 被邀请人' : 'Inviter → invitee', render: (_, r: any) => `${r.referrerName ?? r.referrerId} → ${r.inviteeName ?? r.inviteeId}` },
              { title: zh ? '可疑原因' : 'Why held', dataIndex: 'fraud', render: (f: string[]) => f.map((x) => <Tag color="red" key={x}>{REASONS[x]?.[zh ? 0 : 1] ?? x}</Tag>) },
              { title: zh ? '时间' : 'Time', dataIndex: 'createdAt', render: dateTime },
              { title: '', render: (_, r: any) => canManage && (
                <Space>
                  <Button size="small" type="primary" onClick={() => decide(r.id, 'approve')} data-testid={`approve-${r.id}`}>{zh ? '通过' : 'Approve'}</Button>
                  <Button size="small" danger onClick={() => decide(r.id, 'reject')}>{zh ? '驳回' : 'Reject'}</Button>
                </Space>) },
            ]} />
        </Card>
      </Col>
    </Row>
  );
}
