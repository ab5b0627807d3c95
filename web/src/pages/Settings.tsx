import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { api, dateTime } from '../api.ts';
import { useT } from '../i18n/index.tsx';

export function SettingsPage() {
  const t = useT();
  const { message } = App.useApp();
  const [keys, setKeys] = useState<any[]>([]);
  const [rules, setRules] = useState<any[]>([]);
  const [auditRows, setAudit] = useState<any[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      setKeys((await api('GET', '/v1/api-keys')).keys);
      setRules((await api('GET', '/v1/identity/rules')).rules);
      setAudit((await api('GET', '/v1/audit?limit=50')).entries);
    } catch (e: any) {
      setError(e.message);
    }
  };
  useEffect(() => {
    load();
  }, []);

  const create = async (v: { kind: 'write' | 'secret'; name: string }) => {
    try {
      const k = await api('POST', '/v1/api-keys', v);
      setCreated(k.key);
      load();
    } catch (e: any) {
      message.error(e.message);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size={16}>
      {error && <Alert type="error" message={error} />}
      <Card title={t('apiKeys')}>
        {created && <Alert type="success" style={{ marginBottom: 16 }} message={<span>{t('keyShownOnce')} <Typography.Text code copyable>{created}</Typography.Text></span>} />}
        <Form layout="inline" onFinish={create} initialValues={{ kind: 'write' }} style={{ marginBottom: 16 }}>
          <Form.Item name="kind"><Select style={{ width: 140 }} options={[{ value: 'write', label: t('writeKey') }, { value: 'secret', label: t('secretKey') }]} /></Form.Item>
          <Form.Item name="name" rules={[{ required: true }]}><Input placeholder="name" /></Form.Item>
          <Button htmlType="submit" type="primary">{t('createKey')}</Button>
        </Form>
        <Table size="small" rowKey="id" dataSource={keys} pagination={false} columns={[
          { title: 'name', dataIndex: 'name' },
          { title: 'kind', dataIndex: 'kind', render: (k) => <Tag>{k === 'write' ? t('writeKey') : t('secretKey')}</Tag> },
          { title: 'prefix', dataIndex: 'prefix', render: (p) => <Typography.Text code>{p}…</Typography.Text> },
          { title: 'role', dataIndex: 'role' },
          { title: t('createdAt'), dataIndex: 'created_at', render: dateTime },
          { title: '', dataIndex: 'revoked_at', render: (r, row) => r ? <Tag color="red">revoked</Tag> : <Button size="small" danger onClick={async () => { await api('DELETE', `/v1/api-keys/${row.id}`); load(); }}>revoke</Button> },
        ]} />
      </Card>
      <Card title={t('identityRules')}>
        <Table size="small" rowKey="type" dataSource={rules} pagination={false} columns={[
          { title: 'type', dataIndex: 'type' },
          { title: t('strength'), dataIndex: 'strength', render: (s) => <Tag color={s === 'unique' ? 'green' : 'default'}>{s === 'unique' ? t('unique') : t('weak')}</Tag> },
          { title: t('maxPerCustomer'), dataIndex: 'maxPerCustomer', render: (m) => m ?? t('unlimited') },
          { title: t('priority'), dataIndex: 'priority' },
        ]} />
      </Card>
      <Card title={t('audit')}>
        <Table size="small" rowKey="id" dataSource={auditRows} pagination={{ pageSize: 10 }} columns={[
          { title: t('time'), dataIndex: 'at', render: dateTime },
          { title: t('actor'), render: (_, r) => `${r.actor_type}:${r.actor_id}` },
          { title: t('action'), dataIndex: 'action' },
          { title: t('target'), render: (_, r) => (r.target_type ? `${r.target_type}:${r.target_id}` : '—') },
        ]} />
      </Card>
    </Space>
  );
}
