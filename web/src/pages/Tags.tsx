import { useEffect, useState } from 'react';
import { App, Button, Card, Drawer, Empty, Form, Input, Select, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import { api, dateTime } from '../api.ts';
import { useLang } from '../i18n/index.tsx';
import { describeRule, RuleBuilder, type Rule } from '../components/RuleBuilder.tsx';
import { useCatalog, useLiveCount } from './Segments.tsx';

const TIERS = [
  { key: 'basic', zh: '基础属性', en: 'Basic attributes' },
  { key: 'behavior', zh: '行为特征', en: 'Behaviour' },
  { key: 'predicted', zh: '预测标签', en: 'Predicted' },
];
const KIND: Record<string, { zh: string; en: string; color: string }> = {
  manual: { zh: '手动', en: 'manual', color: 'blue' }, imported: { zh: '导入', en: 'imported', color: 'cyan' },
  rule: { zh: '规则', en: 'rule', color: 'green' }, model: { zh: '模型', en: 'model', color: 'purple' },
};

export function TagsPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const [tags, setTags] = useState<any[] | null>(null);
  const [editing, setEditing] = useState(false);
  const load = () => api('GET', '/v1/tags').then((d) => setTags(d.tags));
  useEffect(() => {
    load();
  }, []);
  return (
    <Card title={zh ? '标签库' : 'Tag library'} extra={<Button type="primary" onClick={() => setEditing(true)} data-testid="new-tag">{zh ? '新建标签' : 'New tag'}</Button>}>
      <Tabs items={TIERS.map((tier) => {
        const rows = (tags ?? []).filter((t) => t.tier === tier.key);
        return {
          key: tier.key,
          label: `${zh ? tier.zh : tier.en} (${rows.length})`,
          children: (
            <Table rowKey="key" loading={!tags} dataSource={rows} pagination={false}
              locale={{ emptyText: <Empty description={zh ? '这一层还没有标签。规则标签随数据自动更新，模型标签由分层与预测写入。' : 'No tags in this tier yet.'} /> }}
              expandable={{ expandedRowRender: (t) => <Space direction="vertical">
                <Typography.Text>{t.description || '—'}</Typography.Text>
                {t.rule && <Typography.Text code>{describeRule(t.rule, zh)}</Typography.Text>}
                <Typography.Text type="secondary">{zh ? '负责人' : 'Owner'}: {t.owner} · v{t.version} · {zh ? '使用方' : 'Used by'}: {t.usedBy.map((u: any) => `${u.kind} ${u.name}`).join(', ') || '—'}</Typography.Text>
              </Space> }}
              columns={[
                { title: zh ? '名称' : 'Name', dataIndex: 'name' },
                { title: zh ? '分组' : 'Group', dataIndex: 'group_name' },
                { title: zh ? '类型' : 'Kind', dataIndex: 'kind', render: (k) => <Tag color={KIND[k].color}>{zh ? KIND[k].zh : KIND[k].en}</Tag> },
                { title: zh ? '覆盖人数' : 'Coverage', dataIndex: 'coverage', align: 'right' },
                { title: zh ? '最近更新' : 'Refreshed', dataIndex: 'refreshed_at', render: dateTime },
                { title: zh ? '被使用' : 'Used by', dataIndex: 'usedBy', render: (u) => u.length || '—' },
              ]} />
          ),
        };
      })} />
      <TagEditor open={editing} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); load(); }} />
    </Card>
  );
}

function TagEditor({ open, onClose, onSaved }: { open: boolean; onClose(): void; onSaved(): void }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const catalog = useCatalog();
  const [form] = Form.useForm();
  const kind = Form.useWatch('kind', form);
  const [rule, setRule] = useState<Rule>({ all: [{ field: 'order_count', op: 'gte', value: 2 }] });
  const live = useLiveCount(rule);
  const save = async () => {
    const v = await form.validateFields();
    try {
      const t = await api('POST', '/v1/tags', { ...v, group: v.group ?? '', ...(v.kind === 'rule' ? { rule } : {}) });
      const counting = t.recompute && t.recompute.status !== 'done';
      message.success(counting ? (zh ? '标签已创建，正在后台计算覆盖人数' : 'Tag created; its coverage is being computed in the background') : (zh ? '标签已创建' : 'Tag created'));
      onSaved();
    } catch (e: any) {
      message.error(e.message);
    }
  };
  return (
    <Drawer open={open} onClose={onClose} width={860} title={zh ? '新建标签' : 'New tag'} extra={<Button type="primary" onClick={save} data-testid="save-tag">{zh ? '保存' : 'Save'}</Button>}>
      <Form form={form} layout="vertical" initialValues={{ tier: 'behavior', kind: 'rule' }}>
        <Space wrap>
          <Form.Item name="key" label="key" rules={[{ required: true, pattern: /^[a-z0-9_-]{1,64}$/ }]}><Input data-testid="tag-key" /></Form.Item>
          <Form.Item name="name" label={zh ? '名称' : 'Name'} rules={[{ required: true }]}><Input data-testid="tag-name" /></Form.Item>
          <Form.Item name="tier" label={zh ? '层级' : 'Tier'}><Select style={{ width: 140 }} options={TIERS.map((t) => ({ value: t.key, label: zh ? t.zh : t.en }))} /></Form.Item>
          <Form.Item name="group" label={zh ? '分组' : 'Group'}><Input /></Form.Item>
          <Form.Item name="kind" label={zh ? '类型' : 'Kind'}><Select style={{ width: 120 }} options={['manual', 'imported', 'rule'].map((k) => ({ value: k, label: zh ? KIND[k].zh : KIND[k].en }))} /></Form.Item>
        </Space>
        <Form.Item name="description" label={zh ? '说明（口径）' : 'Description'}><Input.TextArea rows={2} /></Form.Item>
      </Form>
      {kind === 'rule' && catalog && (
        <>
          <RuleBuilder value={rule} onChange={setRule} catalog={catalog} />
          <Statistic title={zh ? '符合条件的客户' : 'Matching customers'} value={live.error ? '—' : live.count ?? 0} suffix={live.total ? `/ ${live.total}` : ''} data-testid="tag-live-count" />
          {live.error && <Typography.Text type="danger">{live.error}</Typography.Text>}
        </>
      )}
    </Drawer>
  );
}
