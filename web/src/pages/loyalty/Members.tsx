// Members with tier and balance; a member's ledger (every entry with its source), tier progress and coupons.
import { useEffect, useState } from 'react';
import { App, Descriptions, Drawer, Empty, Select, Space, Table, Tag, Typography } from 'antd';
import { api, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';

const KIND_COLOR: Record<string, string> = { earn: 'green', redeem: 'blue', hold: 'gold', release: 'cyan', reverse: 'volcano', expire: 'default', adjust: 'purple' };

export function MembersTab({ levels }: { levels: { key: string; name: string }[] }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [tier, setTier] = useState<string | undefined>();
  const [data, setData] = useState<any>(null);
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    api('GET', `/v1/loyalty/members?limit=100${tier ? `&tier=${tier}` : ''}`).then(setData).catch((e) => message.error(e.message));
  }, [tier]);

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space>
        <Typography.Text>{zh ? '等级' : 'Tier'}</Typography.Text>
        <Select allowClear style={{ width: 160 }} value={tier} onChange={setTier} options={levels.map((l) => ({ value: l.key, label: l.name }))} placeholder={zh ? '全部' : 'All'} />
        {data && <Typography.Text type="secondary">{zh ? `共 ${data.total} 位会员` : `${data.total} members`}</Typography.Text>}
      </Space>
      <Table size="small" rowKey="customerId" loading={!data} dataSource={data?.members ?? []} data-testid="member-table"
        locale={{ emptyText: <Empty description={zh ? '还没有会员。会员在第一笔订单或第一次行为积分后出现。' : 'No members yet. Members appear with their first order or earning action.'} /> }}
        onRow={(m: any) => ({ onClick: () => setOpen(m.customerId), style: { cursor: 'pointer' } })}
        columns={[
          { title: 'ID', dataIndex: 'customerId' },
          { title: zh ? '姓名' : 'Name', dataIndex: 'name', render: (n) => n ?? '—' },
          { title: zh ? '等级' : 'Tier', dataIndex: 'tierName', render: (n) => <Tag color="gold">{n}</Tag> },
          { title: zh ? '可用积分' : 'Balance', dataIndex: 'balance', align: 'right' },
          { title: zh ? '冻结' : 'Held', dataIndex: 'held', align: 'right' },
          { title: zh ? '累计获得' : 'Earned', dataIndex: 'earned', align: 'right' },
          { title: zh ? '保级日期' : 'Review', dataIndex: 'reviewAt', render: dateTime },
        ]} />
      <Drawer width={720} open={open !== null} onClose={() => setOpen(null)} title={zh ? `会员 ${open}` : `Member ${open}`} destroyOnClose>
        {open !== null && <MemberLedger id={open} />}
      </Drawer>
    </Space>
  );
}

function MemberLedger({ id }: { id: number }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [m, setM] = useState<any>(null);
  useEffect(() => {
    Promise.all([api('GET', `/v1/loyalty/members/${id}`), api('GET', `/v1/loyalty/members/${id}/tier`), api('GET', `/v1/loyalty/members/${id}/coupons`)])
      .then(([ledger, tier, coupons]) => setM({ ledger, tier, coupons: coupons.coupons }));
  }, [id]);
  if (!m) return null;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="member-ledger">
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={zh ? '可用积分' : 'Balance'}>{m.ledger.balance}</Descriptions.Item>
        <Descriptions.Item label={zh ? '冻结 / 欠分' : 'Held / debt'}>{m.ledger.held} / {m.ledger.debt}</Descriptions.Item>
        <Descriptions.Item label={zh ? '等级' : 'Tier'}>{m.tier.tier.name}</Descriptions.Item>
        <Descriptions.Item label={zh ? '成长值' : 'Growth'}>{m.tier.growth}</Descriptions.Item>
        <Descriptions.Item label={zh ? '进度' : 'Progress'} span={2}>{zh ? m.tier.message.zh : m.tier.message.en}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5}>{zh ? '积分流水' : 'Ledger'}</Typography.Title>
      <Table size="small" rowKey="id" pagination={{ pageSize: 10 }} dataSource={m.ledger.entries} columns={[
        { title: zh ? '时间' : 'Time', dataIndex: 'created_at', render: dateTime },
        { title: zh ? '类型' : 'Kind', dataIndex: 'kind', render: (k) => <Tag color={KIND_COLOR[k]}>{k}</Tag> },
        { title: zh ? '积分' : 'Points', dataIndex: 'points', align: 'right', render: (p) => (p > 0 ? `+${p}` : p) },
        { title: zh ? '来源' : 'Source', render: (_, e: any) => `${e.source_type} ${e.source_id}` },
        { title: zh ? '说明' : 'Detail', render: (_, e: any) => (e.detail.applied ?? []).join(', ') || e.detail.reason || '' },
      ]} />
      <Typography.Title level={5}>{zh ? '优惠券' : 'Coupons'}</Typography.Title>
      <Table size="small" rowKey="id" pagination={false} dataSource={m.coupons} columns={[
        { title: zh ? '券' : 'Coupon', dataIndex: 'template' },
        { title: zh ? '内容' : 'Offer', render: (_, c: any) => (zh ? c.text.zh : c.text.en) },
        { title: zh ? '券码' : 'Code', dataIndex: 'code' },
        { title: zh ? '状态' : 'State', dataIndex: 'state', render: (s) => <Tag>{s}</Tag> },
        { title: zh ? '有效期至' : 'Valid to', dataIndex: 'valid_to', render: dateTime },
      ]} />
    </Space>
  );
}
