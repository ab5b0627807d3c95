// The points mall: rewards (goods or coupons, for points or points + cash) with stock and sales, and recent orders.
import { useEffect, useState } from 'react';
import { App, Button, Card, Empty, Form, Input, InputNumber, Modal, Select, Space, Table, Tag } from 'antd';
import { api, dateTime, yuan } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { fieldErrors } from './LoyaltyPage.tsx';

export function MallTab({ canManage }: { canManage: boolean }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [rewards, setRewards] = useState<any[] | null>(null);
  const [orders, setOrders] = useState<any[]>([]);
  const [adding, setAdding] = useState(false);
  const load = () => Promise.all([api('GET', '/v1/loyalty/mall/rewards'), api('GET', '/v1/loyalty/mall/orders')])
    .then(([r, o]) => { setRewards(r.rewards); setOrders(o.orders); }).catch((e) => message.error(e.message));
  useEffect(() => { load(); }, []);

  return (
    <Space direction="vertical" style={{ width: '100%' }} size={16}>
      <Card title={zh ? '积分商城商品' : 'Rewards'} extra={canManage && <Button type="primary" onClick={() => setAdding(true)} data-testid="new-reward">{zh ? '上架商品' : 'Add reward'}</Button>}>
        <Table size="small" rowKey="id" loading={!rewards} dataSource={rewards ?? []} data-testid="reward-table"
          locale={{ emptyText: <Empty description={zh ? '商城还是空的。上架第一个积分兑换商品。' : 'The mall is empty. Add the first reward.'} /> }}
          columns={[
            { title: zh ? '商品' : 'Reward', dataIndex: 'name' },
            { title: zh ? '类型' : 'Kind', dataIndex: 'kind', render: (k) => <Tag>{k === 'coupon' ? (zh ? '优惠券' : 'coupon') : (zh ? '实物' : 'goods')}</Tag> },
            { title: zh ? '价格' : 'Price', render: (_, r: any) => `${r.pointsPrice} ${zh ? '积分' : 'pts'}${r.cashPrice ? ` + ${yuan(r.cashPrice)}` : ''}` },
            { title: zh ? '库存 / 已兑' : 'Stock / sold', render: (_, r: any) => `${r.stock ?? '∞'} / ${r.sold}` },
            { title: zh ? '每人限兑' : 'Per member', dataIndex: 'perCustomer', render: (n) => n || '—' },
            { title: zh ? '状态' : 'Status', dataIndex: 'status', render: (s) => <Tag color={s === 'active' ? 'green' : 'default'}>{s}</Tag> },
          ]} />
      </Card>
      <Card title={zh ? '兑换订单' : 'Orders'}>
        <Table size="small" rowKey="id" dataSource={orders} locale={{ emptyText: <Empty description={zh ? '还没有兑换订单' : 'No orders yet'} /> }} columns={[
          { title: '#', dataIndex: 'id' },
          { title: zh ? '商品' : 'Reward', dataIndex: 'reward' },
          { title: zh ? '会员' : 'Member', dataIndex: 'customerId' },
          { title: zh ? '数量' : 'Qty', dataIndex: 'quantity' },
          { title: zh ? '积分 / 现金' : 'Points / cash', render: (_, o: any) => `${o.points} / ${yuan(o.cash)}` },
          { title: zh ? '状态' : 'Status', dataIndex: 'status', render: (s) => <Tag>{s}</Tag> },
          { title: zh ? '时间' : 'Time', dataIndex: 'createdAt', render: dateTime },
        ]} />
      </Card>
      {adding && <AddReward onClose={() => setAdding(false)} onAdded={() => { setAdding(false); load(); }} />}
    </Space>
  );
}

function AddReward({ onClose, onAdded }: { onClose(): void; onAdded(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [form] = Form.useForm();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const err = (f: string) => (errors[f] ? { validateStatus: 'error' as const, help: errors[f] } : {});
  const submit = async () => {
    const v = form.getFieldsValue();
    try {
      await api('POST', '/v1/loyalty/mall/rewards', { name: v.name, kind: 'goods', pointsPrice: v.pointsPrice ?? 0, cashPrice: Math.round((v.cash ?? 0) * 100), stock: v.stock ?? null, perCustomer: v.perCustomer ?? 0 });
      onAdded();
    } catch (e: any) {
      setErrors(fieldErrors(e));
    }
  };
  return (
    <Modal open title={zh ? '上架商品' : 'Add reward'} onCancel={onClose} onOk={submit} okButtonProps={{ 'data-testid': 'create-reward' } as any}>
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={zh ? '商品名称' : 'Name'} {...err('name')}><Input data-testid="reward-name" /></Form.Item>
        <Space wrap>
          <Form.Item name="pointsPrice" label={zh ? '积分价' : 'Points'} {...err('pointsPrice')}><InputNumber min={0} data-testid="reward-points" /></Form.Item>
          <Form.Item name="cash" label={zh ? '加价购（元）' : 'Plus cash (yuan)'} {...err('cashPrice')}><InputNumber min={0} /></Form.Item>
          <Form.Item name="stock" label={zh ? '库存' : 'Stock'}><InputNumber min={0} data-testid="reward-stock" /></Form.Item>
          <Form.Item name="perCustomer" label={zh ? '每人限兑' : 'Per member'}><InputNumber min={0} /></Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}
