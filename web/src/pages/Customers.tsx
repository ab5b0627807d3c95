import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Empty, Input, Select, Space, Table, Tag } from 'antd';
import { useNavigate } from 'react-router-dom';
import { api, dateTime, yuan } from '../api.ts';
import { useT } from '../i18n/index.tsx';

const SOURCES = ['公众号', '视频号', '抖音直播', '小红书', '门店扫码', '包裹卡', '小程序', '老带新'];

export function CustomersPage() {
  const t = useT();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [source, setSource] = useState<string | undefined>();
  const [hasOrders, setHasOrders] = useState<string | undefined>();
  const [known, setKnown] = useState<string | undefined>();
  const [rows, setRows] = useState<any[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (after?: string) => {
    setLoading(true);
    setError(null);
    const params = new URLSearchParams({ limit: '50' });
    if (q) params.set('q', q);
    if (source) params.set('source', source);
    if (hasOrders) params.set('has_orders', hasOrders);
    if (known) params.set('known', known);
    if (after) params.set('cursor', after);
    try {
      const data = await api('GET', `/v1/customers?${params}`);
      setRows((prev) => (after ? [...prev, ...data.customers] : data.customers));
      setCursor(data.nextCursor);
    } catch (e: any) {
      setError(e.message);
    } finally {
      setLoading(false);
    }
  }, [q, source, hasOrders, known]);
  useEffect(() => {
    load();
  }, [source, hasOrders, known]);

  return (
    <Card title={t('customers')}>
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search placeholder={t('search')} allowClear style={{ width: 360 }} onSearch={() => load()} value={q} onChange={(e) => setQ(e.target.value)} data-testid="customer-search" />
        <Select allowClear placeholder={t('source')} style={{ width: 160 }} value={source} onChange={setSource} options={SOURCES.map((s) => ({ value: s, label: s }))} />
        <Select allowClear placeholder={t('hasOrders')} style={{ width: 140 }} value={hasOrders} onChange={setHasOrders} options={[{ value: 'true', label: t('withOrders') }, { value: 'false', label: t('withoutOrders') }]} />
        <Select allowClear placeholder={t('identified')} style={{ width: 140 }} value={known} onChange={setKnown} options={[{ value: 'true', label: t('known') }, { value: 'false', label: t('anonymous') }]} />
      </Space>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      <Table
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: <Empty description={t('noCustomers')} /> }}
        onRow={(r) => ({ onClick: () => navigate(`/customers/${r.id}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: 'ID', dataIndex: 'id', width: 90 },
          { title: t('name'), dataIndex: 'name', render: (v, r) => v ?? (r.known ? '—' : <Tag>{t('anonymous')}</Tag>) },
          { title: t('phone'), dataIndex: 'phone' },
          { title: t('source'), dataIndex: 'source', render: (v) => (v ? <Tag color="volcano">{v}</Tag> : '—') },
          { title: t('city'), dataIndex: 'city' },
          { title: t('orderCount'), dataIndex: 'orderCount', align: 'right' },
          { title: t('totalSpent'), dataIndex: 'totalSpent', align: 'right', render: yuan },
          { title: t('lastSeen'), dataIndex: 'lastSeenAt', render: dateTime },
        ]}
      />
      {cursor && <Button style={{ marginTop: 16 }} onClick={() => load(cursor)} loading={loading}>{t('loadMore')}</Button>}
    </Card>
  );
}
