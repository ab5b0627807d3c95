// Broadcasts (群发): the composer (segment, channel, template, now or later, rate, optional A/B) with the reachable
// audience estimated as you choose, and each broadcast's progress, outcomes by reason and recipients, with
// pause / resume / cancel.
import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Descriptions, Drawer, Empty, Form, Input, InputNumber, Progress, Radio, Row, Select, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import { api, ApiError, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';
import { Chart } from '../../components/Chart.tsx';

const STATUS_COLOUR: Record<string, string> = { running: 'blue', scheduled: 'gold', paused: 'orange', completed: 'green', cancelled: 'default' };

function Composer({ zh, onCreated }: { zh: boolean; onCreated(id: number): void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [options, setOptions] = useState<{ segments: any[]; channels: any[]; templates: any[] } | null>(null);
  const [estimate, setEstimate] = useState<any>(null);
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [ab, setAb] = useState(false);
  const [busy, setBusy] = useState(false);
  const segment = Form.useWatch('segment', form);
  const channel = Form.useWatch('channel', form);
  const template = Form.useWatch('template', form);
  const transactional = Form.useWatch('transactional', form);
  useEffect(() => {
    Promise.all([api('GET', '/v1/segments'), api('GET', '/v1/channels'), api('GET', '/v1/templates')])
      .then(([s, c, t]) => setOptions({ segments: s.segments, channels: c.channels, templates: t.templates }));
  }, []);
  useEffect(() => {
    if (!segment || !channel) return setEstimate(null);
    api('POST', '/v1/broadcasts/estimate', { segment, channel, transactional: !!transactional }).then(setEstimate).catch(() => setEstimate(null));
  }, [segment, channel, transactional]);
  if (!options) return <Card loading />;
  const chosen = options.templates.find((t) => t.key === template);
  const submit = async (v: any) => {
    setBusy(true);
    try {
      const body = {
        name: v.name, segment: v.segment, channel: v.channel, template: v.template, ratePerMinute: v.ratePerMinute, transactional: !!v.transactional,
        quietHours: v.quietHours, sendAt: when === 'later' && v.sendAt ? v.sendAt.toDate().toISOString() : undefined,
        variants: ab && chosen?.variants?.length ? [{ key: '', percent: 50 }, { key: chosen.variants[0].key, percent: 50 }] : [],
      };
      const b = await api('POST', '/v1/broadcasts', body);
      message.success(zh ? '群发已创建' : 'Broadcast created');
      form.resetFields();
      onCreated(b.id);
    } catch (e: any) {
      if (e instanceof ApiError && e.problems.length) form.setFields(e.problems.map((p) => ({ name: p.field.replace(/^body\./, '').split('.')[0], errors: [p.message] })));
      message.error(e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={zh ? '新建群发' : 'New broadcast'}>
      {options.segments.length === 0 && <Alert type="info" style={{ marginBottom: 12 }} message={zh ? '还没有分群。先在「分群」里圈出要触达的客户。' : 'No segments yet: define the audience under Segments first.'} />}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ ratePerMinute: 600, quietHours: 'defer', transactional: false }}>
        <Row gutter={12}>
          <Col xs={24} md={12}><Form.Item name="name" label={zh ? '名称' : 'Name'} rules={[{ required: true }]}><Input data-testid="bc-name" /></Form.Item></Col>
          <Col xs={24} md={12}><Form.Item name="segment" label={zh ? '目标分群' : 'Segment'} rules={[{ required: true }]}>
            <Select data-testid="bc-segment" options={options.segments.map((s) => ({ value: s.key, label: `${s.name} (${s.size.toLocaleString()})` }))} /></Form.Item></Col>
          <Col xs={24} md={12}><Form.Item name="channel" label={zh ? '渠道' : 'Channel'} rules={[{ required: true }]}>
            <Select data-testid="bc-channel" options={options.channels.map((c) => ({ value: c.channel, label: `${c.channel} (${c.kind})` }))}
              notFoundContent={zh ? '还没有渠道：先到「渠道与触点」配置' : 'No channels: set one up under Channels'} /></Form.Item></Col>
          <Col xs={24} md={12}><Form.Item name="template" label={zh ? '消息模板' : 'Template'} rules={[{ required: true }]}>
            <Select data-testid="bc-template" options={options.templates.filter((t) => !channel || t.channel === channel).map((t) => ({ value: t.key, label: t.name }))} /></Form.Item></Col>
          <Col xs={24} md={8}><Form.Item name="ratePerMinute" label={zh ? '每分钟最多' : 'Per minute at most'}><InputNumber min={1} style={{ width: '100%' }} data-testid="bc-rate" /></Form.Item></Col>
          <Col xs={24} md={8}><Form.Item name="quietHours" label={zh ? '免打扰时段内' : 'In quiet hours'}>
            <Select options={[{ value: 'defer', label: zh ? '延后到时段结束' : 'Send when they end' }, { value: 'drop', label: zh ? '不发送' : 'Do not send' }]} /></Form.Item></Col>
          <Col xs={24} md={8}><Form.Item name="transactional" label={zh ? '交易类（无需营销同意）' : 'Transactional'} valuePropName="checked"><Switch /></Form.Item></Col>
          <Col xs={24} md={12}>
            <Form.Item label={zh ? '发送时间' : 'When'}>
              <Space>
                <Radio.Group value={when} onChange={(e) => setWhen(e.target.value)} options={[{ value: 'now', label: zh ? '立即' : 'Now' }, { value: 'later', label: zh ? '定时' : 'Later' }]} />
                {when === 'later' && <Form.Item name="sendAt" noStyle><DatePicker showTime /></Form.Item>}
              </Space>
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item label={zh ? 'A/B 测试（模板变体各 50%）' : 'A/B test (variants 50/50)'}>
              <Switch checked={ab} onChange={setAb} disabled={!chosen?.variants?.length} /> {!chosen?.variants?.length && <Typography.Text type="secondary">{zh ? '该模板没有变体' : 'this template has no variants'}</Typography.Text>}
            </Form.Item>
          </Col>
        </Row>
        {estimate && (
          <Alert style={{ marginBottom: 12 }} type={estimate.reachable ? 'info' : 'warning'} data-testid="bc-estimate"
            message={zh ? `分群 ${estimate.audience.toLocaleString()} 人，其中 ${estimate.reachable.toLocaleString()} 人可接收（${estimate.withoutConsent.toLocaleString()} 人未同意营销消息，将被拦截并记录原因）`
              : `${estimate.audience.toLocaleString()} in the segment; ${estimate.reachable.toLocaleString()} can receive it (${estimate.withoutConsent.toLocaleString()} without marketing consent will be suppressed, with the reason recorded)`} />
        )}
        <Button type="primary" htmlType="submit" loading={busy} data-testid="bc-submit">{when === 'now' ? (zh ? '立即发送' : 'Send now') : (zh ? '定时发送' : 'Schedule')}</Button>
      </Form>
    </Card>
  );
}

function Detail({ id, zh, onClose }: { id: number; zh: boolean; onClose(): void }) {
  const { message } = App.useApp();
  const [p, setP] = useState<any>(null);
  const [recipients, setRecipients] = useState<any[]>([]);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const load = () => Promise.all([api('GET', `/v1/broadcasts/${id}`), api('GET', `/v1/broadcasts/${id}/recipients?limit=100${status ? `&status=${status}` : ''}`)])
    .then(([a, b]) => { setP(a); setRecipients(b.recipients); });
  useEffect(() => {
    load();
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, [id, status]);
  if (!p) return <Card loading />;
  const act = async (action: string) => {
    try {
      await api('POST', `/v1/broadcasts/${id}/${action}`);
      load();
    } catch (e: any) {
      message.error(e.message);
    }
  };
  const b = p.broadcast;
  const reasons = Object.entries(p.suppressedBy) as [string, number][];
  return (
    <div data-testid="bc-detail">
      <Space style={{ marginBottom: 12 }}>
        <Tag color={STATUS_COLOUR[b.status]} data-testid="bc-status">{b.status}</Tag>
        {['running', 'scheduled'].includes(b.status) && <Button size="small" onClick={() => act('pause')} data-testid="bc-pause">{zh ? '暂停' : 'Pause'}</Button>}
        {b.status === 'paused' && <Button size="small" onClick={() => act('resume')} data-testid="bc-resume">{zh ? '继续' : 'Resume'}</Button>}
        {['running', 'scheduled', 'paused'].includes(b.status) && <Button size="small" danger onClick={() => act('cancel')} data-testid="bc-cancel">{zh ? '取消' : 'Cancel'}</Button>}
      </Space>
      <Progress percent={Math.round(p.progress * 1000) / 10} data-testid="bc-progress" />
      <Row gutter={8} style={{ marginTop: 8 }}>
        <Col span={6}><Statistic title={zh ? '目标人数' : 'Audience'} value={p.audience} /></Col>
        <Col span={6}><Statistic title={zh ? '已发送' : 'Sent'} value={p.messages.sent} /></Col>
        <Col span={6}><Statistic title={zh ? '打开' : 'Opened'} value={p.messages.opened} /></Col>
        <Col span={6}><Statistic title={zh ? '点击' : 'Clicked'} value={p.messages.clicked} /></Col>
      </Row>
      <Descriptions size="small" column={2} style={{ marginTop: 8 }}>
        <Descriptions.Item label={zh ? '待发' : 'Pending'}>{p.recipients.pending}</Descriptions.Item>
        <Descriptions.Item label={zh ? '排队中' : 'Queued'}>{p.messages.queued}</Descriptions.Item>
        <Descriptions.Item label={zh ? '失败' : 'Failed'}>{p.messages.failed}</Descriptions.Item>
        <Descriptions.Item label={zh ? '已取消' : 'Cancelled'}>{p.recipients.cancelled}</Descriptions.Item>
        <Descriptions.Item label={zh ? '速率' : 'Rate'}>{b.rate_per_minute}/min</Descriptions.Item>
        <Descriptions.Item label={zh ? '开始' : 'Started'}>{dateTime(b.started_at)}</Descriptions.Item>
      </Descriptions>
      {reasons.length > 0 && (
        <Chart testId="bc-reasons" height={180} option={{
          tooltip: {}, grid: { left: 120, right: 20, top: 10, bottom: 20 },
          xAxis: { type: 'value' }, yAxis: { type: 'category', data: reasons.map(([r]) => r) },
          series: [{ type: 'bar', data: reasons.map(([, n]) => n), itemStyle: { color: '#fa8c16' } }],
        }} />
      )}
      {p.variants.length > 1 && (
        <Table size="small" rowKey="variant" pagination={false} dataSource={p.variants} style={{ marginTop: 8 }} columns={[
          { title: zh ? '变体' : 'Variant', dataIndex: 'variant', render: (v: string) => v || (zh ? '原文' : 'main') },
          { title: zh ? '发送' : 'Sent', dataIndex: 'sent' }, { title: zh ? '打开' : 'Opened', dataIndex: 'opened' }, { title: zh ? '点击' : 'Clicked', dataIndex: 'clicked' },
          { title: zh ? '点击率' : 'CTR', render: (_: unknown, v: any) => (v.sent ? `${((v.clicked / v.sent) * 100).toFixed(1)}%` : '—') },
        ]} />
      )}
      <Typography.Title level={5} style={{ marginTop: 16 }}>{zh ? '接收人' : 'Recipients'}</Typography.Title>
      <Select allowClear style={{ width: 160, marginBottom: 8 }} value={status} onChange={setStatus} placeholder={zh ? '按状态筛选' : 'Filter by status'}
        options={['pending', 'queued', 'sent', 'failed', 'suppressed', 'cancelled'].map((s) => ({ value: s, label: s }))} />
      <Table size="small" rowKey="customer_id" dataSource={recipients} pagination={false} data-testid="bc-recipients" columns={[
        { title: zh ? '客户' : 'Customer', dataIndex: 'customer_id', render: (c: number) => <a href={`/customers/${c}`}>{c}</a> },
        { title: zh ? '状态' : 'Status', dataIndex: 'status' },
        { title: zh ? '原因' : 'Reason', dataIndex: 'reason' },
        { title: zh ? '地址' : 'To', dataIndex: 'recipient' },
        { title: zh ? '发送时间' : 'Sent', dataIndex: 'sent_at', render: dateTime },
      ]} />
    </div>
  );
}

export function BroadcastsPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [list, setList] = useState<any[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const load = () => api('GET', '/v1/broadcasts').then((r) => setList(r.broadcasts));
  useEffect(() => {
    load();
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, []);
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={10}><Composer zh={zh} onCreated={(id) => { load(); setOpen(id); }} /></Col>
      <Col xs={24} xl={14}>
        <Card title={zh ? '群发记录' : 'Broadcasts'}>
          {!list ? <Card loading /> : list.length === 0 ? <Empty description={zh ? '还没有群发。在左侧选择分群、渠道和模板发送第一条。' : 'No broadcasts yet: pick a segment, channel and template on the left.'} /> : (
            <Table rowKey="id" size="small" dataSource={list} pagination={{ pageSize: 20 }} data-testid="bc-list"
              onRow={(b) => ({ onClick: () => setOpen(b.id), style: { cursor: 'pointer' } })}
              columns={[
                { title: zh ? '名称' : 'Name', dataIndex: 'name' },
                { title: zh ? '状态' : 'Status', dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLOUR[s]}>{s}</Tag> },
                { title: zh ? '分群' : 'Segment', dataIndex: 'segment' },
                { title: zh ? '进度' : 'Progress', render: (_: unknown, b: any) => (b.audience_size ? <Progress size="small" percent={Math.round(((b.audience_size - b.pending) / b.audience_size) * 100)} /> : '—') },
                { title: zh ? '已发送' : 'Sent', dataIndex: 'sent' },
                { title: zh ? '时间' : 'When', dataIndex: 'send_at', render: dateTime },
              ]} />
          )}
        </Card>
      </Col>
      <Drawer open={open != null} onClose={() => setOpen(null)} width={640} title={list?.find((b) => b.id === open)?.name ?? ''}>
        {open != null && <Detail id={open} zh={zh} onClose={() => setOpen(null)} />}
      </Drawer>
    </Row>
  );
}
