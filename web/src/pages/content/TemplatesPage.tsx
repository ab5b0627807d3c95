// Message templates (消息模板): Liquid text with customer attributes, computed traits, event properties and tracked
// links, a B variant for A/B tests, SMS template codes; previewed live for a real customer while you type, and
// refused on save with the unknown variable named.
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, List, Row, Select, Space, Tag, Typography } from 'antd';
import { api, ApiError } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';

const SMS_KINDS = ['aliyun_sms', 'tencent_sms'];
const blank = { key: '', name: '', channel: 'inbox', subject: null, body: '{{ customer.name }}，您好！', variants: [], sms: null };

export function TemplatesPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const [templates, setTemplates] = useState<any[] | null>(null);
  const [channels, setChannels] = useState<any[]>([]);
  const [draft, setDraft] = useState<any>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [customerId, setCustomerId] = useState<number | null>(null);
  const [preview, setPreview] = useState<{ subject?: string | null; body?: string; error?: string } | null>(null);
  const seq = useRef(0);

  const load = () => api('GET', '/v1/templates').then((r) => setTemplates(r.templates));
  useEffect(() => {
    load();
    api('GET', '/v1/channels').then((r) => setChannels(r.channels));
    api('GET', '/v1/customers?limit=1&known=true').then((r) => setCustomerId(r.customers?.[0]?.id ?? null)).catch(() => {});
  }, []);
  // Live preview, debounced, against the chosen customer.
  useEffect(() => {
    if (!draft || !customerId) return;
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      const text = draft.variantView ? draft.variants[0] : draft;
      try {
        const r = await api('POST', '/v1/templates/preview', { subject: text.subject ?? null, body: text.body || ' ', customer_id: customerId });
        if (mine === seq.current) setPreview(r);
      } catch (e: any) {
        if (mine === seq.current) setPreview({ error: e.message });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [draft?.body, draft?.subject, draft?.variants, draft?.variantView, customerId]);

  const kind = channels.find((c) => c.channel === draft?.channel)?.kind;
  const set = (patch: Record<string, unknown>) => setDraft({ ...draft, ...patch });
  const save = async () => {
    const { id, variantView, created_at, updated_at, ...body } = draft;
    try {
      await api(id ? 'PUT' : 'POST', id ? `/v1/templates/${id}` : '/v1/templates', body);
      message.success(zh ? '模板已保存' : 'Template saved');
      setErrors({});
      load();
    } catch (e: any) {
      if (e instanceof ApiError) setErrors(Object.fromEntries(e.problems.map((p) => [p.field.replace(/^body\./, ''), p.message])));
      message.error(e.message);
    }
  };

  if (!templates) return <Card loading />;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={7}>
        <Card title={zh ? '消息模板' : 'Templates'} extra={<Button type="primary" size="small" onClick={() => { setDraft({ ...blank, channel: channels[0]?.channel ?? 'inbox' }); setErrors({}); }} data-testid="new-template">{zh ? '新建' : 'New'}</Button>}>
          {templates.length === 0 ? <Empty description={zh ? '还没有模板。新建一个，旅程和群发都会用到。' : 'No templates yet. Journeys and broadcasts use them.'} /> : (
            <List size="small" dataSource={templates} data-testid="template-list" renderItem={(t) => (
              <List.Item style={{ cursor: 'pointer' }} onClick={() => { setDraft({ ...t }); setErrors({}); }}>
                <Space><b>{t.name}</b><Tag>{t.channel}</Tag>{t.variants.length > 0 && <Tag color="purple">A/B</Tag>}</Space>
              </List.Item>
            )} />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={10}>
        {!draft ? <Card><Empty description={zh ? '选择左侧的模板编辑，或新建一个。' : 'Pick a template on the left, or create one.'} /></Card> : (
          <Card title={draft.id ? draft.name : (zh ? '新模板' : 'New template')} extra={<Button type="primary" onClick={save} data-testid="save-template">{zh ? '保存' : 'Save'}</Button>}>
            <Form layout="vertical">
              <Row gutter={8}>
                <Col span={12}><Form.Item label={zh ? '标识（英文）' : 'Key'} validateStatus={errors.key ? 'error' : undefined} help={errors.key}><Input value={draft.key} onChange={(e) => set({ key: e.target.value })} data-testid="tpl-key" /></Form.Item></Col>
                <Col span={12}><Form.Item label={zh ? '名称' : 'Name'} validateStatus={errors.name ? 'error' : undefined} help={errors.name}><Input value={draft.name} onChange={(e) => set({ name: e.target.value })} data-testid="tpl-name" /></Form.Item></Col>
              </Row>
              <Form.Item label={zh ? '渠道' : 'Channel'}>
                <Select value={draft.channel} onChange={(channel) => set({ channel })} data-testid="tpl-channel"
                  options={(channels.length ? channels : [{ channel: 'inbox', kind: 'inbox' }]).map((c) => ({ value: c.channel, label: `${c.channel} (${c.kind})` }))} />
              </Form.Item>
              {kind === 'smtp' && <Form.Item label={zh ? '邮件标题' : 'Subject'} validateStatus={errors.subject ? 'error' : undefined} help={errors.subject}><Input value={draft.subject ?? ''} onChange={(e) => set({ subject: e.target.value || null })} /></Form.Item>}
              <Form.Item label={zh ? '正文（Liquid）' : 'Body (Liquid)'} validateStatus={errors.body ? 'error' : undefined} help={errors.body}
                extra={zh ? '可用：{{ customer.name }}、{{ customer.traits.城市属性 }}、{{ computed.特征 }}、{{ event.属性 }}、{{ "https://…" | track }}（点击追踪）、{{ unsubscribe_url }}'
                  : 'Use {{ customer.name }}, {{ customer.traits.x }}, {{ computed.x }}, {{ event.x }}, {{ "https://…" | track }} (click tracking), {{ unsubscribe_url }}'}>
                <Input.TextArea rows={6} value={draft.body} onChange={(e) => set({ body: e.target.value })} data-testid="tpl-body" />
              </Form.Item>
              <Form.Item label={zh ? 'B 版本（A/B 测试，可选）' : 'Variant B (A/B test, optional)'} validateStatus={errors['variants.0.body'] ? 'error' : undefined} help={errors['variants.0.body']}>
                <Input.TextArea rows={3} value={draft.variants[0]?.body ?? ''} placeholder={zh ? '留空则不做 A/B' : 'Empty: no A/B'}
                  onChange={(e) => set({ variants: e.target.value ? [{ key: 'B', subject: draft.subject, body: e.target.value }] : [] })} />
              </Form.Item>
              {SMS_KINDS.includes(kind) && (
                <Card size="small" title={zh ? '短信模板（运营商已审核）' : 'SMS template (approved by the carrier)'}>
                  <Form.Item label={zh ? '模板 CODE / ID' : 'Template code / id'} validateStatus={errors['sms.templateCode'] ? 'error' : undefined} help={errors['sms.templateCode']}>
                    <Input value={draft.sms?.templateCode ?? ''} onChange={(e) => set({ sms: { params: [], ...draft.sms, templateCode: e.target.value } })} data-testid="tpl-sms-code" />
                  </Form.Item>
                  {(draft.sms?.params ?? []).map((p: any, i: number) => (
                    <Space key={i} style={{ marginBottom: 8 }}>
                      <Input style={{ width: 110 }} value={p.name} placeholder={zh ? '参数名' : 'name'} onChange={(e) => set({ sms: { ...draft.sms, params: draft.sms.params.map((x: any, j: number) => (j === i ? { ...x, name: e.target.value } : x)) } })} />
                      <Input style={{ width: 260 }} value={p.value} placeholder="{{ customer.name }}" status={errors[`sms.params.${i}.value`] ? 'error' : undefined}
                        onChange={(e) => set({ sms: { ...draft.sms, params: draft.sms.params.map((x: any, j: number) => (j === i ? { ...x, value: e.target.value } : x)) } })} />
                    </Space>
                  ))}
                  <Button size="small" onClick={() => set({ sms: { templateCode: '', ...draft.sms, params: [...(draft.sms?.params ?? []), { name: '', value: '' }] } })}>{zh ? '+ 参数' : '+ Parameter'}</Button>
                </Card>
              )}
            </Form>
          </Card>
        )}
      </Col>
      <Col xs={24} lg={7}>
        <Card title={zh ? '预览' : 'Preview'} extra={draft?.variants?.length ? <Select size="small" value={draft.variantView ? 'B' : 'A'} onChange={(v) => set({ variantView: v === 'B' })} options={[{ value: 'A', label: 'A' }, { value: 'B', label: 'B' }]} /> : null}>
          <Space style={{ marginBottom: 8 }}>
            <Typography.Text type="secondary">{zh ? '客户 ID' : 'Customer id'}</Typography.Text>
            <InputNumber value={customerId ?? undefined} onChange={(v) => setCustomerId(v ?? null)} data-testid="preview-customer" />
          </Space>
          {!customerId ? <Empty description={zh ? '还没有客户可预览。' : 'No customer to preview with.'} />
            : preview?.error ? <Alert type="error" message={preview.error} data-testid="preview-error" />
            : preview ? (
              <div data-testid="template-preview">
                {preview.subject && <Typography.Title level={5}>{preview.subject}</Typography.Title>}
                {kind === 'smtp'
                  ? <iframe title="preview" sandbox="" srcDoc={preview.body} style={{ width: '100%', minHeight: 240, border: '1px solid #f0f0f0' }} />
                  : <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', background: '#f6ffed', padding: 12, borderRadius: 8 }}>{preview.body}</Typography.Paragraph>}
              </div>
            ) : null}
        </Card>
      </Col>
    </Row>
  );
}
