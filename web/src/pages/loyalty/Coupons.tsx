// Coupon templates: create (满减, percent off, gift, shipping), see stock / issued / redeemed, pause, and issue in
// bulk to a segment with a progress bar.
import { useEffect, useRef, useState } from 'react';
import { App, Button, Card, Empty, Form, Input, InputNumber, Modal, Progress, Select, Space, Table, Tag } from 'antd';
import { api } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { fieldErrors } from './LoyaltyPage.tsx';

export function CouponsTab({ canManage }: { canManage: boolean }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [templates, setTemplates] = useState<any[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [issuing, setIssuing] = useState<any>(null);
  const load = () => api('GET', '/v1/loyalty/coupon-templates').then((r) => setTemplates(r.templates)).catch((e) => message.error(e.message));
  useEffect(() => { load(); }, []);

  const toggle = async (t: any) => {
    await api('POST', `/v1/loyalty/coupon-templates/${t.id}/status`, { status: t.status === 'active' ? 'paused' : 'active' });
    load();
  };

  return (
    <Card title={zh ? '优惠券模板' : 'Coupon templates'} extra={canManage && <Button type="primary" onClick={() => setCreating(true)} data-testid="new-coupon">{zh ? '新建优惠券' : 'New coupon'}</Button>}>
      <Table size="small" rowKey="id" loading={!templates} dataSource={templates ?? []} data-testid="coupon-table"
        locale={{ emptyText: <Empty description={zh ? '还没有优惠券。新建一张满减券，然后发给一个分群。' : 'No coupons yet. Create an amount-off coupon, then issue it to a segment.'} /> }}
        columns={[
          { title: zh ? '名称' : 'Name', dataIndex: 'name' },
          { title: zh ? '内容' : 'Offer', render: (_, t: any) => (zh ? t.text.zh : t.text.en) },
          { title: zh ? '库存' : 'Stock', dataIndex: 'stock', render: (s) => s ?? (zh ? '不限' : 'unlimited') },
          { title: zh ? '已发' : 'Issued', dataIndex: 'issued', align: 'right' },
          { title: zh ? '已核销' : 'Redeemed', dataIndex: 'redeemed', align: 'right' },
          { title: zh ? '状态' : 'Status', dataIndex: 'status', render: (s) => <Tag color={s === 'active' ? 'green' : 'default'}>{s}</Tag> },
          { title: '', render: (_, t: any) => canManage && (
            <Space>
              <Button size="small" onClick={() => setIssuing(t)} disabled={t.status !== 'active'} data-testid={`issue-${t.id}`}>{zh ? '批量发放' : 'Issue'}</Button>
              <Button size="small" onClick={() => toggle(t)}>{t.status === 'active' ? (zh ? '暂停' : 'Pause') : (zh ? '恢复' : 'Resume')}</Button>
            </Space>) },
        ]} />
      {creating && <CreateCoupon onClose={() => setCreating(false)} onCreated={() => { setCreating(false); load(); }} />}
      {issuing && <IssueCoupon template={issuing} onClose={() => { setIssuing(null); load(); }} />}
    </Card>
  );
}

function CreateCoupon({ onClose, onCreated }: { onClose(): void; onCreated(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [kind, setKind] = useState('amount_off');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [form] = Form.useForm();
  const err = (f: string) => (errors[f] ? { validateStatus: 'error' as const, help: errors[f] } : {});
  const fen = (y: number | undefined) => (y === undefined || y === null ? undefined : Math.round(y * 100));

  const submit = async () => {
    const v = form.getFieldsValue();
    const body: any = { kind, name: v.name, stock: v.stock ?? null, perCustomer: v.perCustomer ?? 1, threshold: fen(v.threshold) ?? 0, validity: { kind: 'after_issue', days: v.days ?? 30 }, stacking: v.stacking ?? 'exclusive', pointsPrice: v.pointsPrice ?? 0 };
    if (kind === 'amount_off') body.amountOff = fen(v.amountOff);
    if (kind === 'percent_off') Object.assign(body, { percentOff: v.percentOff, maxDiscount: fen(v.maxDiscount) ?? null });
    if (kind === 'gift') body.gift = v.gift;
    if (kind === 'shipping') body.shippingOff = fen(v.shippingOff);
    try {
      await api('POST', '/v1/loyalty/coupon-templates', body);
      onCreated();
    } catch (e: any) {
      setErrors(fieldErrors(e));
    }
  };

  return (
    <Modal open title={zh ? '新建优惠券' : 'New coupon'} onCancel={onClose} onOk={submit} okText={zh ? '创建' : 'Create'} okButtonProps={{ 'data-testid': 'create-coupon' } as any}>
      <Form form={form} layout="vertical">
        <Form.Item label={zh ? '类型' : 'Kind'}>
          <Select value={kind} onChange={setKind} options={[
            { value: 'amount_off', label: zh ? '满减券' : 'Amount off' }, { value: 'percent_off', label: zh ? '折扣券' : 'Percent off' },
            { value: 'gift', label: zh ? '赠品券' : 'Gift' }, { value: 'shipping', label: zh ? '运费券' : 'Shipping' },
          ]} />
        </Form.Item>
        <Form.Item name="name" label={zh ? '名称' : 'Name'} {...err('name')}><Input data-testid="coupon-name" /></Form.Item>
        <Space wrap>
          {kind === 'amount_off' && <Form.Item name="amountOff" label={zh ? '减（元）' : 'Off (yuan)'} {...err('amountOff')}><InputNumber min={0} data-testid="coupon-amount" /></Form.Item>}
          {kind === 'percent_off' && <>
            <Form.Item name="percentOff" label={zh ? '折扣（%）' : 'Percent off'} {...err('percentOff')}><InputNumber min={1} max={99} /></Form.Item>
            <Form.Item name="maxDiscount" label={zh ? '最多减（元）' : 'Max off (yuan)'}><InputNumber min={0} /></Form.Item>
          </>}
          {kind === 'gift' && <Form.Item name="gift" label={zh ? '赠品' : 'Gift'} {...err('gift')}><Input /></Form.Item>}
          {kind === 'shipping' && <Form.Item name="shippingOff" label={zh ? '运费抵扣（元）' : 'Shipping off (yuan)'} {...err('shippingOff')}><InputNumber min={0} /></Form.Item>}
          <Form.Item name="threshold" label={zh ? '门槛：满（元）' : 'Threshold (yuan)'} {...err('threshold')}><InputNumber min={0} data-testid="coupon-threshold" /></Form.Item>
        </Space>
        <Space wrap>
          <Form.Item name="stock" label={zh ? '库存（空=不限）' : 'Stock (empty = unlimited)'} {...err('stock')}><InputNumber min={0} data-testid="coupon-stock" /></Form.Item>
          <Form.Item name="perCustomer" label={zh ? '每人限领' : 'Per member'}><InputNumber min={0} placeholder="1" /></Form.Item>
          <Form.Item name="days" label={zh ? '领取后有效天数' : 'Valid days after issue'}><InputNumber min={1} placeholder="30" /></Form.Item>
          <Form.Item name="pointsPrice" label={zh ? '积分兑换价' : 'Points price'}><InputNumber min={0} placeholder="0" /></Form.Item>
          <Form.Item name="stacking" label={zh ? '叠加' : 'Stacking'}>
            <Select style={{ width: 140 }} placeholder={zh ? '不可叠加' : 'Exclusive'} options={[{ value: 'exclusive', label: zh ? '不可叠加' : 'Exclusive' }, { value: 'stackable', label: zh ? '可叠加' : 'Stackable' }]} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

function IssueCoupon({ template, onClose }: { template: any; onClose(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [segments, setSegments] = useState<any[]>([]);
  const [segment, setSegment] = useState<string>();
  const [job, setJob] = useState<any>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    api('GET', '/v1/segments').then((r) => setSegments(r.segments ?? r));
    return () => window.clearTimeout(timer.current);
  }, []);
  const poll = async (id: number) => {
    const j = await api('GET', `/v1/loyalty/coupon-issues/${id}`);
    setJob(j);
    if (j.status === 'queued' || j.status === 'running') timer.current = window.setTimeout(() => poll(id), 800);
  };
  const start = async () => {
    try {
      const j = await api('POST', `/v1/loyalty/coupon-templates/${template.id}/issue`, { segment, reference: `console-${template.id}-${segment}-${Date.now()}` });
      setJob(j);
      poll(j.id);
    } catch (e: any) {
      message.error(e.message);
    }
  };
  const skipped = job ? Object.entries(job.skipped ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ') : '';
  return (
    <Modal open title={`${zh ? '批量发放' : 'Issue'} · ${template.name}`} onCancel={onClose} footer={job ? <Button onClick={onClose}>{zh ? '关闭' : 'Close'}</Button> : undefined}
      onOk={start} okText={zh ? '开始发放' : 'Start'} okButtonProps={{ disabled: !segment, 'data-testid': 'start-issue' } as any}>
      <Select style={{ width: '100%' }} placeholder={zh ? '选择分群' : 'Choose a segment'} value={segment} onChange={setSegment} disabled={!!job} data-testid="issue-segment"
        options={segments.map((s: any) => ({ value: s.key, label: `${s.name} (${s.size})` }))} />
      {job && (
        <div style={{ marginTop: 16 }} data-testid="issue-progress">
          <Progress percent={job.total ? Math.floor((100 * job.done) / job.total) : 100} status={job.status === 'stopped' ? 'exception' : undefined} />
          <div>{zh ? `已处理 ${job.done}/${job.total}，发放 ${job.issued}` : `${job.done}/${job.total} handled, ${job.issued} issued`}{skipped && ` · ${zh ? '跳过' : 'skipped'} ${skipped}`} · <Tag>{job.status}</Tag></div>
        </div>
      )}
    </Modal>
  );
}
