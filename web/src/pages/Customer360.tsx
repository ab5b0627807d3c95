import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Input, Modal, Row, Space, Statistic, Table, Tag, Timeline, Typography } from 'antd';
import { useParams } from 'react-router-dom';
import { api, dateTime, yuan } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import type { Me } from '../main.tsx';

const KIND_COLOR: Record<string, string> = { event: 'blue', order: 'green', refund: 'orange', merge: 'purple', unmerge: 'red' };

export function CustomerPage({ me }: { me: Me }) {
  const t = useT();
  const { message } = App.useApp();
  const { id } = useParams();
  const [reveal, setReveal] = useState(false);
  const [c, setC] = useState<any>(null);
  const [entries, setEntries] = useState<any[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [unmerging, setUnmerging] = useState<any>(null);
  const [reason, setReason] = useState('');

  const load = async () => {
    try {
      setError(null);
      setC(await api('GET', `/v1/customers/${id}${reveal ? '?reveal=true' : ''}`));
      setEntries((await api('GET', `/v1/customers/${id}/timeline?limit=100`)).entries);
    } catch (e: any) {
      setError(e.message);
    }
  };
  useEffect(() => {
    load();
  }, [id, reveal]);

  if (error) return <Alert type="error" message={error} />;
  if (!c) return <Card loading />;
  const canReveal = me.permissions.includes('pii:read');
  const canMerge = me.permissions.includes('identity:merge');

  const doUnmerge = async () => {
    try {
      await api('POST', `/v1/merges/${unmerging.id}/unmerge`, { reason });
      message.success(t('unmergeDone'));
      setUnmerging(null);
      setReason('');
      load();
    } catch (e: any) {
      message.error(e.message);
    }
  };

  return (
    <div data-testid="customer-360">
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={10}>
          <Card
            title={<Space>{c.pii.name ?? `#${c.id}`}{c.known ? <Tag color="green">{t('known')}</Tag> : <Tag>{t('anonymous')}</Tag>}</Space>}
            extra={canReveal && <Button size="small" onClick={() => setReveal(!reveal)} data-testid="reveal">{reveal ? t('revealed') : t('reveal')}</Button>}
          >
            <Descriptions column={1} size="small" data-testid="profile">
              <Descriptions.Item label="ID">{c.id}</Descriptions.Item>
              <Descriptions.Item label={t('name')}>{c.pii.name ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('phone')}>{c.pii.phone ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('email')}>{c.pii.email ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('firstTouch')}>{c.source ? <Tag color="volcano">{c.source}</Tag> : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('lastSeen')}>{dateTime(c.lastSeenAt)}</Descriptions.Item>
              {Object.entries(c.attributes ?? {}).slice(0, 12).map(([k, v]) => (
                <Descriptions.Item key={k} label={k}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</Descriptions.Item>
              ))}
            </Descriptions>
          </Card>
          <Card title={t('stats')} style={{ marginTop: 16 }}>
            <Row gutter={16}>
              <Col span={8}><Statistic title={t('orderCount')} value={c.stats.orderCount} /></Col>
              <Col span={8}><Statistic title={t('totalSpent')} value={yuan(c.stats.totalSpent)} /></Col>
              <Col span={8}><Statistic title={t('aov')} value={yuan(c.stats.averageOrderValue)} /></Col>
            </Row>
            <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
              {t('firstOrder')}: {dateTime(c.stats.firstOrderAt)} · {t('lastOrder')}: {dateTime(c.stats.lastOrderAt)}
            </Typography.Paragraph>
          </Card>
          {(c.tags?.length > 0 || c.predictions) && (
            <Card title={t('tags')} style={{ marginTop: 16 }} data-testid="customer-tags">
              {c.tags.map((tg: any) => <Tag key={tg.key} color={tg.tier === 'predicted' ? 'purple' : tg.tier === 'behavior' ? 'green' : 'blue'}>{tg.name}</Tag>)}
              {c.predictions && (
                <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
                  {c.predictions.value_score != null && <>价值分 {c.predictions.value_score}（{c.predictions.value_factors?.map((f: any) => `${f.label} ${f.vsAverage > 0 ? '+' : ''}${f.vsAverage}`).join('，')}） · </>}
                  P(alive) {(c.predictions.p_alive * 100).toFixed(0)}% · 90d {c.predictions.expected_90d.toFixed(2)} · CLV {yuan(Math.round(c.predictions.clv))}
                  {c.predictions.churn_level && <> · 流失风险 {c.predictions.churn_level}</>}
                </Typography.Paragraph>
              )}
            </Card>
          )}
          <Card title={t('identities')} style={{ marginTop: 16 }}>
            <Table size="small" rowKey={(r: any) => `${r.type}|${r.scope}|${r.value}`} pagination={false} dataSource={c.identities} data-testid="identities"
              columns={[{ title: t('idType'), dataIndex: 'type' }, { title: t('idValue'), dataIndex: 'value' }, { title: t('profileId'), dataIndex: 'profileId' }, { title: t('idSource'), dataIndex: 'source' }]} />
          </Card>
          <Card title={t('merges')} style={{ marginTop: 16 }}>
            {c.merges.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} /> : c.merges.map((m: any) => (
              <Card.Grid key={m.id} hoverable={false} style={{ width: '100%' }} data-testid="merge">
                <Space direction="vertical" size={2}>
                  <Typography.Text strong>#{m.loserId} → #{m.winnerId} {m.undoneAt && <Tag color="red">{t('undone')}</Tag>}</Typography.Text>
                  <Typography.Text>{t('mergeWhy')}: {m.reason}</Typography.Text>
                  <Typography.Text type="secondary">{m.links.map((l: any) => `${l.type} ${l.value}`).join(', ')} · {dateTime(m.at)}</Typography.Text>
                  {canMerge && !m.undoneAt && <Button size="small" danger onClick={() => setUnmerging(m)}>{t('unmerge')}</Button>}
                </Space>
              </Card.Grid>
            ))}
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <Card title={t('timeline')}>
            {entries.length === 0 ? <Empty description={t('emptyTimeline')} /> : (
              <Timeline data-testid="timeline" items={entries.map((e) => ({
                color: KIND_COLOR[e.kind],
                children: (
                  <div>
                    <Typography.Text strong>{e.kind === 'order' ? `${t('order')} ${e.title} · ${yuan(e.detail.amount)}` : e.kind === 'refund' ? `${t('refund')} ${e.title} · ${yuan(e.detail.amount)}` : e.title}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{dateTime(e.at)}{e.detail?.properties?.sku ? ` · ${e.detail.properties.name ?? e.detail.properties.sku}` : ''}{e.detail?.channel ? ` · ${e.detail.channel}` : ''}</Typography.Text>
                  </div>
                ),
              }))} />
            )}
          </Card>
        </Col>
      </Row>
      <Modal open={!!unmerging} title={t('unmerge')} onOk={doUnmerge} onCancel={() => setUnmerging(null)} okButtonProps={{ disabled: !reason, danger: true }}>
        <Input.TextArea placeholder={t('unmergeReason')} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </div>
  );
}
