import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, Row, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import { useNavigate, useParams } from 'react-router-dom';
import { api, dateTime, yuan } from '../api.ts';
import { useLang } from '../i18n/index.tsx';
import { Chart } from '../components/Chart.tsx';
import { describeRule, RuleBuilder, type Catalog, type Rule } from '../components/RuleBuilder.tsx';
import { RecomputeProgress, type RecomputeJob } from '../components/RecomputeProgress.tsx';

export function useCatalog() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  useEffect(() => {
    api('GET', '/v1/segments/fields').then(setCatalog);
  }, []);
  return catalog;
}

/** Debounced live audience count for a rule being edited. */
export function useLiveCount(rule: Rule, key?: string) {
  const [state, setState] = useState<{ count?: number; total?: number; ms?: number; sample?: any[]; error?: string; loading: boolean }>({ loading: false });
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(async () => {
      try {
        const r = await api('POST', '/v1/segments/preview', { rule, key });
        if (mine === seq.current) setState({ ...r, loading: false });
      } catch (e: any) {
        if (mine === seq.current) setState({ error: e.message, loading: false });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [JSON.stringify(rule)]);
  return state;
}

export function SegmentsPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const navigate = useNavigate();
  const [rows, setRows] = useState<any[] | null>(null);
  useEffect(() => {
    api('GET', '/v1/segments').then((d) => setRows(d.segments));
  }, []);
  return (
    <Card title={zh ? '分群' : 'Segments'} extra={<Button type="primary" onClick={() => navigate('/segments/new')} data-testid="new-segment">{zh ? '新建分群' : 'New segment'}</Button>}>
      <Table rowKey="key" loading={!rows} dataSource={rows ?? []} pagination={false}
        locale={{ emptyText: <Empty description={zh ? '还没有分群。用条件描述一群客户，人数实时可见，成员随行为和时间自动进出。' : 'No segments yet. Describe a group of customers; the count updates as you type and members enter and leave on their own.'} /> }}
        onRow={(r) => ({ onClick: () => navigate(`/segments/${r.key}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: zh ? '名称' : 'Name', dataIndex: 'name' },
          { title: zh ? '条件' : 'Rule', dataIndex: 'rule', render: (r) => <Typography.Text type="secondary" ellipsis style={{ maxWidth: 420 }}>{describeRule(r, zh)}</Typography.Text> },
          { title: zh ? '人数' : 'Size', dataIndex: 'size', align: 'right' },
          { title: zh ? '实时' : 'Real-time', dataIndex: 'realtime', render: (v) => (v ? <Tag color="green">{zh ? '实时' : 'live'}</Tag> : '—') },
          { title: zh ? '更新于' : 'Refreshed', dataIndex: 'refreshed_at', render: dateTime },
        ]} />
    </Card>
  );
}

export function SegmentEditorPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { key } = useParams();
  const isNew = key === 'new';
  const navigate = useNavigate();
  const { message } = App.useApp();
  const catalog = useCatalog();
  const [form] = Form.useForm();
  const [rule, setRule] = useState<Rule>({ all: [{ field: 'order_count', op: 'gte', value: 1 }] });
  const [seg, setSeg] = useState<any>(null);
  const [recompute, setRecompute] = useState<RecomputeJob | null>(null);
  const live = useLiveCount(rule, isNew ? undefined : key);
  useEffect(() => {
    if (isNew) return;
    api('GET', `/v1/segments/${key}`).then((s) => {
      setSeg(s);
      setRule(s.rule);
      form.setFieldsValue({ key: s.key, name: s.name, description: s.description, realtime: s.realtime });
    });
  }, [key]);

  const save = async () => {
    const v = await form.validateFields();
    try {
      const body = { name: v.name, description: v.description ?? '', realtime: v.realtime ?? true, rule };
      const s = isNew ? await api('POST', '/v1/segments', { ...body, key: v.key }) : await api('PUT', `/v1/segments/${key}`, body);
      setRecompute(s.recompute ?? null);
      message.success(s.recompute?.status === 'done' || !s.recompute ? (zh ? `已保存：${s.size} 人` : `Saved: ${s.size} members`) : (zh ? '已保存，正在计算人数' : 'Saved; counting members'));
      navigate(`/segments/${s.key}`);
      setSeg(s);
    } catch (e: any) {
      message.error(e.message);
    }
  };
  if (!catalog) return <Card loading />;
  return (
    <Row gutter={16}>
      <Col xs={24} xl={15}>
        <Card title={isNew ? (zh ? '新建分群' : 'New segment') : seg?.name} extra={<Space>
          {!isNew && <Button href={`/v1/segments/${key}/export.csv`} data-testid="export">{zh ? '导出 CSV' : 'Export CSV'}</Button>}
          <Button type="primary" onClick={save} data-testid="save-segment">{zh ? '保存' : 'Save'}</Button></Space>}>
          <RecomputeProgress job={recompute} onDone={() => api('GET', `/v1/segments/${form.getFieldValue('key') ?? key}`).then(setSeg)} />
          <Form form={form} layout="inline" initialValues={{ realtime: true }} style={{ marginBottom: 16 }}>
            <Form.Item name="key" label="key" rules={[{ required: true, pattern: /^[a-z0-9_-]{1,64}$/, message: zh ? '小写字母、数字、- 或 _' : 'lower-case letters, digits, - or _' }]}><Input disabled={!isNew} style={{ width: 150 }} data-testid="segment-key" /></Form.Item>
            <Form.Item name="name" label={zh ? '名称' : 'Name'} rules={[{ required: true }]}><Input style={{ width: 180 }} data-testid="segment-name" /></Form.Item>
            <Form.Item name="realtime" label={zh ? '实时' : 'Real-time'} valuePropName="checked"><Switch /></Form.Item>
            <Form.Item name="description" label={zh ? '说明' : 'Description'}><Input style={{ width: 240 }} /></Form.Item>
          </Form>
          <RuleBuilder value={rule} onChange={setRule} catalog={catalog} />
        </Card>
      </Col>
      <Col xs={24} xl={9}>
        <Card title={zh ? '预计人数' : 'Audience'}>
          {live.error ? <Alert type="error" message={live.error} data-testid="rule-error" /> : (
            <Statistic value={live.count ?? 0} suffix={live.total ? ` / ${live.total}` : ''} loading={live.loading && live.count === undefined} valueStyle={{ color: '#c0392b' }} data-testid="live-count" />
          )}
          {live.ms !== undefined && <Typography.Text type="secondary">{zh ? `计算耗时 ${live.ms} ms` : `computed in ${live.ms} ms`}</Typography.Text>}
          <Table size="small" style={{ marginTop: 12 }} rowKey="id" pagination={false} dataSource={live.sample ?? []}
            onRow={(r) => ({ onClick: () => navigate(`/customers/${r.id}`), style: { cursor: 'pointer' } })}
            columns={[{ title: 'ID', dataIndex: 'id' }, { title: zh ? '姓名' : 'Name', dataIndex: 'name' }, { title: zh ? '订单' : 'Orders', dataIndex: 'order_count' }, { title: zh ? '消费' : 'Spent', dataIndex: 'total_spent', render: yuan }]} />
        </Card>
        {seg?.history?.length > 0 && (
          <Card title={zh ? '人数变化' : 'Size over time'} style={{ marginTop: 16 }}>
            <Chart height={220} testId="segment-history" option={{ tooltip: { trigger: 'axis' }, xAxis: { type: 'time' }, yAxis: { type: 'value' }, series: [{ type: 'line', step: 'end', data: seg.history.map((h: any) => [h.at, h.size]) }] }} />
          </Card>
        )}
      </Col>
    </Row>
  );
}
