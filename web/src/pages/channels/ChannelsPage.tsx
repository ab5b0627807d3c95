// Channels and touchpoints (渠道与触点): each channel's provider (SMTP email, Aliyun or Tencent Cloud SMS, signed
// webhook, the console inbox) with its rate and daily quota — secrets are written, never shown — and the send
// policy every message passes: consent default, frequency caps, quiet hours and time zone.
import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { api, ApiError, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';

const KINDS = [
  { value: 'inbox', zh: '控制台收件箱（演示）', en: 'Console inbox (demo)' },
  { value: 'smtp', zh: '邮件 SMTP', en: 'Email (SMTP)' },
  { value: 'aliyun_sms', zh: '阿里云短信', en: 'Aliyun SMS' },
  { value: 'tencent_sms', zh: '腾讯云短信', en: 'Tencent Cloud SMS' },
  { value: 'webhook', zh: 'Webhook（签名）', en: 'Webhook (signed)' },
];
const CONFIG_FIELDS: Record<string, { name: string; zh: string; en: string; number?: boolean }[]> = {
  inbox: [],
  smtp: [{ name: 'host', zh: '服务器', en: 'Host' }, { name: 'port', zh: '端口', en: 'Port', number: true }, { name: 'user', zh: '用户名', en: 'User' }, { name: 'from', zh: '发件人', en: 'From' }],
  aliyun_sms: [{ name: 'accessKeyId', zh: 'AccessKey ID', en: 'AccessKey ID' }, { name: 'signName', zh: '短信签名', en: 'Sign name' }],
  tencent_sms: [{ name: 'secretId', zh: 'SecretId', en: 'SecretId' }, { name: 'sdkAppId', zh: 'SmsSdkAppId', en: 'SmsSdkAppId' }, { name: 'signName', zh: '短信签名', en: 'Sign name' }],
  webhook: [{ name: 'url', zh: 'URL', en: 'URL' }],
};
const SECRET_LABEL: Record<string, [string, string]> = {
  smtp: ['密码', 'Password'], aliyun_sms: ['AccessKey Secret', 'AccessKey Secret'], tencent_sms: ['SecretKey', 'SecretKey'], webhook: ['签名密钥（≥16位）', 'Signing secret (16+)'],
};

export function ChannelsPage({ canManage }: { canManage: boolean }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [channels, setChannels] = useState<any[] | null>(null);
  const [policy, setPolicy] = useState<any>(null);
  const [form] = Form.useForm();
  const [policyForm] = Form.useForm();
  const kind = Form.useWatch('kind', form) ?? 'inbox';
  const load = () => {
    api('GET', '/v1/channels').then((r) => setChannels(r.channels));
    api('GET', '/v1/messaging/policy').then((p) => { setPolicy(p); policyForm.setFieldsValue({ ...p, quietStart: p.quietHours?.start, quietEnd: p.quietHours?.end, quiet: !!p.quietHours }); });
  };
  useEffect(load, []);
  const fieldErrors = (f: any, e: unknown) => {
    if (e instanceof ApiError) f.setFields(e.problems.map((p) => ({ name: p.field.replace(/^body\./, '').split('.').slice(-1), errors: [p.message] })));
  };
  const saveChannel = async (v: any) => {
    const config = Object.fromEntries(CONFIG_FIELDS[v.kind].map((f) => [f.name, v[f.name]]).filter(([, x]) => x !== undefined && x !== ''));
    try {
      await api('PUT', `/v1/channels/${v.channel}`, { kind: v.kind, config, secret: v.secret || undefined, ratePerSecond: v.ratePerSecond, dailyQuota: v.dailyQuota ?? null });
      message.success(zh ? '渠道已保存' : 'Channel saved');
      form.resetFields(['secret']);
      load();
    } catch (e) {
      fieldErrors(form, e);
      message.error((e as Error).message);
    }
  };
  const savePolicy = async (v: any) => {
    try {
      await api('PUT', '/v1/messaging/policy', {
        timezone: v.timezone, consentDefault: v.consentDefault, frequencyCaps: policy.frequencyCaps,
        quietHours: v.quiet ? { start: v.quietStart, end: v.quietEnd } : null,
      });
      message.success(zh ? '发送策略已保存' : 'Send policy saved');
      load();
    } catch (e) {
      fieldErrors(policyForm, e);
      message.error((e as Error).message);
    }
  };
  if (!channels || !policy) return <Card loading />;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Card title={zh ? '渠道' : 'Channels'}>
          {channels.length === 0 && <Alert type="info" style={{ marginBottom: 12 }} message={zh ? '还没有渠道。先配置一个（演示可用“控制台收件箱”），旅程和群发才能发送。' : 'No channels yet. Set one up (the console inbox works for demos) before journeys and broadcasts can send.'} />}
          <Table rowKey="channel" size="small" pagination={false} dataSource={channels} data-testid="channel-list"
            onRow={(c) => ({ onClick: () => form.setFieldsValue({ channel: c.channel, kind: c.kind, ...c.config, ratePerSecond: c.rate_per_second, dailyQuota: c.daily_quota }), style: { cursor: 'pointer' } })}
            columns={[
              { title: zh ? '渠道' : 'Channel', dataIndex: 'channel' },
              { title: zh ? '服务商' : 'Provider', dataIndex: 'kind', render: (k: string) => KINDS.find((x) => x.value === k)?.[zh ? 'zh' : 'en'] ?? k },
              { title: zh ? '密钥' : 'Secret', dataIndex: 'has_secret', render: (s: boolean) => (s ? <Tag color="green">{zh ? '已设置' : 'set'}</Tag> : '—') },
              { title: zh ? '每秒' : 'Per second', dataIndex: 'rate_per_second' },
              { title: zh ? '每日配额' : 'Daily quota', dataIndex: 'daily_quota', render: (q: number | null) => q ?? (zh ? '不限' : 'none') },
              { title: zh ? '更新' : 'Updated', dataIndex: 'updated_at', render: dateTime },
            ]} />
          {canManage && (
            <Form form={form} layout="vertical" onFinish={saveChannel} initialValues={{ kind: 'inbox', ratePerSecond: 20 }} style={{ marginTop: 16 }}>
              <Row gutter={8}>
                <Col span={8}><Form.Item name="channel" label={zh ? '渠道名' : 'Channel name'} rules={[{ required: true }]}><Input placeholder="sms" data-testid="ch-name" /></Form.Item></Col>
                <Col span={8}><Form.Item name="kind" label={zh ? '服务商' : 'Provider'}><Select data-testid="ch-kind" options={KINDS.map((k) => ({ value: k.value, label: zh ? k.zh : k.en }))} /></Form.Item></Col>
                {CONFIG_FIELDS[kind].map((f) => (
                  <Col span={8} key={f.name}><Form.Item name={f.name} label={zh ? f.zh : f.en}>{f.number ? <InputNumber style={{ width: '100%' }} /> : <Input />}</Form.Item></Col>
                ))}
                {SECRET_LABEL[kind] && <Col span={8}><Form.Item name="secret" label={zh ? SECRET_LABEL[kind][0] : SECRET_LABEL[kind][1]} extra={zh ? '留空则保留已保存的' : 'Leave empty to keep the stored one'}><Input.Password autoComplete="new-password" /></Form.Item></Col>}
                <Col span={8}><Form.Item name="ratePerSecond" label={zh ? '每秒最多' : 'Per second at most'}><InputNumber min={1} style={{ width: '100%' }} /></Form.Item></Col>
                <Col span={8}><Form.Item name="dailyQuota" label={zh ? '每日营销配额' : 'Daily marketing quota'}><InputNumber min={1} style={{ width: '100%' }} placeholder={zh ? '不限' : 'none'} /></Form.Item></Col>
              </Row>
              <Button type="primary" htmlType="submit" data-testid="ch-save">{zh ? '保存渠道' : 'Save channel'}</Button>
            </Form>
          )}
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <Card title={zh ? '发送策略（所有消息统一执行）' : 'Send policy (every message)'}>
          <Form form={policyForm} layout="vertical" onFinish={savePolicy} disabled={!canManage}>
            <Form.Item name="consentDefault" label={zh ? '营销同意' : 'Marketing consent'}>
              <Select options={[{ value: 'opt_in', label: zh ? '需主动同意（PIPL 推荐）' : 'Opt-in required (PIPL)' }, { value: 'opt_out', label: zh ? '未退订即可发送' : 'Allowed unless revoked' }]} />
            </Form.Item>
            <Form.Item name="timezone" label={zh ? '默认时区' : 'Default time zone'}><Input /></Form.Item>
            <Space>
              <Form.Item name="quiet" label={zh ? '免打扰' : 'Quiet hours'} valuePropName="checked"><Switch /></Form.Item>
              <Form.Item name="quietStart" label={zh ? '开始' : 'From'}><Input style={{ width: 90 }} /></Form.Item>
              <Form.Item name="quietEnd" label={zh ? '结束' : 'To'}><Input style={{ width: 90 }} /></Form.Item>
            </Space>
            <Typography.Paragraph type="secondary">
              {zh ? '频次上限：' : 'Frequency caps: '}{policy.frequencyCaps.map((c: any) => `${c.channel === '*' ? (zh ? '全部渠道' : 'all channels') : c.channel} ${c.max}/${c.days}${zh ? '天' : 'd'}`).join('，')}
            </Typography.Paragraph>
            <Button type="primary" htmlType="submit">{zh ? '保存策略' : 'Save policy'}</Button>
          </Form>
        </Card>
      </Col>
    </Row>
  );
}
