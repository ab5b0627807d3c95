import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Empty, Form, Progress, Select, Space, Statistic, Table, Tag, Typography, Upload } from 'antd';
import { api, dateTime } from '../api.ts';
import { useT } from '../i18n/index.tsx';

const STATUS_COLOR: Record<string, string> = { queued: 'default', running: 'processing', done: 'success', failed: 'error' };

export function ImportsPage() {
  const t = useT();
  const { message } = App.useApp();
  const [kind, setKind] = useState('orders');
  const [timezone, setTimezone] = useState('Asia/Shanghai');
  const [currency, setCurrency] = useState('CNY');
  const [moneyUnit, setMoneyUnit] = useState('major');
  const [imports, setImports] = useState<any[]>([]);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<number | undefined>(undefined);

  const refresh = async () => {
    try {
      const data = await api('GET', '/v1/imports');
      setImports(data.imports);
      const active = data.imports.some((i: any) => i.status === 'queued' || i.status === 'running');
      window.clearTimeout(timer.current);
      if (active) timer.current = window.setTimeout(refresh, 1000);
    } catch (e: any) {
      setError(e.message);
    }
  };
  useEffect(() => {
    refresh();
    return () => window.clearTimeout(timer.current);
  }, []);

  const upload = async (file: File) => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('options', JSON.stringify({ timezone, currency, moneyUnit }));
    form.append('file', file);
    try {
      await api('POST', '/v1/imports', form);
      message.success(file.name);
      refresh();
    } catch (e: any) {
      message.error(e.message);
    }
    return false;
  };

  const statusLabel: Record<string, string> = { queued: t('statusQueued'), running: t('statusRunning'), done: t('statusDone'), failed: t('statusFailed') };
  return (
    <Space direction="vertical" style={{ width: '100%' }} size={16}>
      <Card title={t('importTitle')}>
        <Typography.Paragraph type="secondary">{t('importHint')}</Typography.Paragraph>
        <Form layout="inline">
          <Form.Item label={t('importKind')}>
            <Select value={kind} onChange={setKind} style={{ width: 130 }} data-testid="import-kind"
              options={[{ value: 'customers', label: t('kindCustomers') }, { value: 'orders', label: t('kindOrders') }, { value: 'events', label: t('kindEvents') }]} />
          </Form.Item>
          <Form.Item label={t('timezone')}>
            <Select value={timezone} onChange={setTimezone} style={{ width: 170 }} options={['Asia/Shanghai', 'Asia/Hong_Kong', 'UTC', 'Europe/London', 'America/New_York'].map((z) => ({ value: z, label: z }))} />
          </Form.Item>
          <Form.Item label={t('currency')}>
            <Select value={currency} onChange={setCurrency} style={{ width: 100 }} options={['CNY', 'HKD', 'USD', 'GBP', 'EUR', 'JPY'].map((c) => ({ value: c, label: c }))} />
          </Form.Item>
          <Form.Item label={t('moneyUnit')}>
            <Select value={moneyUnit} onChange={setMoneyUnit} style={{ width: 130 }} options={[{ value: 'major', label: t('major') }, { value: 'minor', label: t('minor') }]} />
          </Form.Item>
          <Form.Item>
            <Upload accept=".csv,.xlsx" showUploadList={false} beforeUpload={upload} data-testid="import-upload">
              <Button type="primary">{t('upload')}</Button>
            </Upload>
          </Form.Item>
        </Form>
      </Card>
      {error && <Alert type="error" message={error} />}
      <IngestLogCard />
      <Card title={t('imports')}>
        <Table rowKey="id" dataSource={imports} pagination={false} data-testid="imports-table" locale={{ emptyText: <Empty description={t('noImports')} /> }}
          columns={[
            { title: t('file'), dataIndex: 'filename' },
            { title: t('importKind'), dataIndex: 'kind' },
            { title: t('status'), dataIndex: 'status', render: (s, r) => <Space direction="vertical" size={0}><Tag color={STATUS_COLOR[s]} data-testid={`import-status-${r.id}`}>{statusLabel[s]}</Tag>{r.error && <Typography.Text type="danger">{r.error}</Typography.Text>}</Space> },
            { title: t('progress'), dataIndex: 'progress', width: 180, render: (p, r) => <Progress percent={Math.round(p * 100)} size="small" status={r.status === 'failed' ? 'exception' : undefined} /> },
            { title: t('rows'), dataIndex: 'rowsDone', align: 'right' },
            { title: t('okRows'), dataIndex: 'rowsOk', align: 'right' },
            { title: t('errorRows'), dataIndex: 'rowsError', align: 'right', render: (n, r) => n > 0 ? <a href={`/v1/imports/${r.id}/errors.csv`} data-testid="error-report">{n} · {t('errorReport')}</a> : 0 },
            { title: t('createdAt'), dataIndex: 'createdAt', render: dateTime },
          ]} />
      </Card>
    </Space>
  );
}

/** Shown only when the server runs with the ingest log (SIYU_INGEST_BUFFER): what waits, and what was set aside. */
function IngestLogCard() {
  const t = useT();
  const { message } = App.useApp();
  const [log, setLog] = useState<{ enabled: boolean; backlog: number | null; deadLetters: any[] } | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const refresh = async () => {
    try {
      const data = await api('GET', '/v1/ingest/log');
      setLog(data);
      window.clearTimeout(timer.current);
      if (data.backlog) timer.current = window.setTimeout(refresh, 2000);
    } catch {
      setLog(null);
    }
  };
  useEffect(() => {
    refresh();
    return () => window.clearTimeout(timer.current);
  }, []);
  const replay = async (id: number) => {
    try {
      await api('POST', `/v1/ingest/dead-letters/${id}/replay`);
      message.success(t('replayed'));
      refresh();
    } catch (e: any) {
      message.error(e.message);
    }
  };
  if (!log?.enabled) return null;
  return (
    <Card title={t('ingestLog')} data-testid="ingest-log">
      <Typography.Paragraph type="secondary">{t('ingestLogHint')}</Typography.Paragraph>
      <Statistic title={t('ingestBacklog')} value={log.backlog ?? 0} />
      <Table rowKey="id" dataSource={log.deadLetters} pagination={false} size="small" style={{ marginTop: 16 }}
        locale={{ emptyText: <Empty description={t('noDeadLetters')} /> }}
        columns={[
          { title: t('createdAt'), dataIndex: 'createdAt', render: dateTime },
          { title: t('rows'), dataIndex: 'messages', align: 'right', render: (n) => n ?? '—' },
          { title: t('attempts'), dataIndex: 'deliveries', align: 'right' },
          { title: t('error'), dataIndex: 'error', render: (e) => <Typography.Text type="danger">{e}</Typography.Text> },
          { title: '', key: 'replay', render: (_, r) => <Button size="small" onClick={() => replay(r.id)}>{t('replay')}</Button> },
        ]} />
    </Card>
  );
}
