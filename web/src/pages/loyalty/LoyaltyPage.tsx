// Loyalty (会员积分): the programme at a glance — points liability by expiry month, tier sizes — and a tab for each
// part: programme settings, members with their ledger, coupons, the points mall, referrals and their fraud review.
import { useEffect, useState } from 'react';
import { App, Card, Col, Empty, Row, Statistic, Tabs } from 'antd';
import { api } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { Chart } from '../../components/Chart.tsx';
import { ProgrammeCard } from './Programme.tsx';
import { MembersTab } from './Members.tsx';
import { CouponsTab } from './Coupons.tsx';
import { MallTab } from './Mall.tsx';
import { ReferralsTab } from './Referrals.tsx';

export function LoyaltyPage({ canManage }: { canManage: boolean }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [liability, setLiability] = useState<any>(null);
  const [tiers, setTiers] = useState<any>(null);
  const [program, setProgram] = useState<any>(null);
  const load = () => Promise.all([api('GET', '/v1/loyalty/liability'), api('GET', '/v1/loyalty/tiers'), api('GET', '/v1/loyalty/program')])
    .then(([l, t, p]) => { setLiability(l); setTiers(t); setProgram(p); })
    .catch((e) => message.error(e.message));
  useEffect(() => { load(); }, []);
  if (!liability || !tiers || !program) return <Card loading />;

  const overview = (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={6}><Card><Statistic title={zh ? '未兑付积分' : 'Outstanding points'} value={liability.totals.balance} data-testid="liability-total" /></Card></Col>
      <Col xs={24} md={6}><Card><Statistic title={zh ? '冻结中' : 'Held'} value={liability.totals.held} /></Card></Col>
      <Col xs={24} md={6}><Card><Statistic title={zh ? '累计发放 / 已使用' : 'Earned / spent'} value={`${liability.totals.earned.toLocaleString()} / ${liability.totals.spent.toLocaleString()}`} /></Card></Col>
      <Col xs={24} md={6}><Card><Statistic title={zh ? '已过期' : 'Expired'} value={liability.totals.expired} /></Card></Col>
      <Col xs={24} md={14}>
        <Card title={zh ? '积分负债（按到期月份）' : 'Points liability by expiry month'}>
          {liability.byExpiryMonth.length === 0
            ? <Empty description={zh ? '还没有积分。保存积分规则后，新订单会自动累积积分。' : 'No points yet. Save the programme and new orders start earning.'} />
            : <Chart testId="liability-chart" option={{
                tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: 20, bottom: 30 },
                xAxis: { type: 'category', data: liability.byExpiryMonth.map((m: any) => (m.month === 'never' ? (zh ? '永久' : 'never') : m.month)) },
                yAxis: { type: 'value' },
                series: [{ type: 'bar', name: zh ? '积分' : 'Points', data: liability.byExpiryMonth.map((m: any) => m.points), itemStyle: { color: '#d4380d' } }],
              }} />}
        </Card>
      </Col>
      <Col xs={24} md={10}>
        <Card title={zh ? '会员等级分布' : 'Members by tier'}>
          <Chart testId="tier-chart" option={{
            tooltip: { trigger: 'item' },
            series: [{ type: 'pie', radius: ['40%', '70%'], data: tiers.levels.map((l: any) => ({ name: `${l.name} (≥${l.threshold})`, value: l.members })) }],
          }} />
        </Card>
      </Col>
    </Row>
  );

  return (
    <Tabs
      defaultActiveKey="overview"
      items={[
        { key: 'overview', label: zh ? '概览' : 'Overview', children: overview },
        { key: 'programme', label: zh ? '规则设置' : 'Programme', children: <ProgrammeCard program={program} canEdit={canManage} onSaved={load} /> },
        { key: 'members', label: zh ? '会员' : 'Members', children: <MembersTab levels={tiers.levels} /> },
        { key: 'coupons', label: zh ? '优惠券' : 'Coupons', children: <CouponsTab canManage={canManage} /> },
        { key: 'mall', label: zh ? '积分商城' : 'Points mall', children: <MallTab canManage={canManage} /> },
        { key: 'referrals', label: zh ? '邀请裂变' : 'Referrals', children: <ReferralsTab canManage={canManage} /> },
      ]}
    />
  );
}

/** Field errors from an API refusal, keyed by the field path without the "body." prefix. */
export const fieldErrors = (e: any): Record<string, string> =>
  Object.fromEntries((e?.problems ?? []).map((p: { field: string; message: string }) => [p.field.replace(/^body\./, ''), p.message]));
