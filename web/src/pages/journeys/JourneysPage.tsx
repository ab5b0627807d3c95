// Journeys (自动化旅程): the list with status and who is in them, a blank journey, or one of the ready-made flows
// (新客欢迎, 生日关怀, 沉睡唤醒, 复购提醒, 流失挽回, 升级提醒) to adapt on the canvas.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Empty, Row, Table, Tag, Typography } from 'antd';
import { useNavigate } from 'react-router-dom';
import { api, dateTime } from '../../api.ts';
import { useLang } from '../../i18n/index.tsx';

const STATUS_COLOUR: Record<string, string> = { live: 'green', paused: 'orange', draft: 'default' };

export function JourneysPage() {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [journeys, setJourneys] = useState<any[] | null>(null);
  const [library, setLibrary] = useState<any[]>([]);
  useEffect(() => {
    api('GET', '/v1/journeys').then((r) => setJourneys(r.journeys)).catch((e) => message.error(e.message));
    api('GET', '/v1/journeys/library').then((r) => setLibrary(r.journeys));
  }, []);
  const create = async (name: string, definition: unknown) => {
    try {
      const j = await api('POST', '/v1/journeys', { name, definition });
      navigate(`/journeys/${j.id}`);
    } catch (e: any) {
      message.error(e.message);
    }
  };
  // An empty canvas: the start names a step that does not exist yet; the first step added takes its place.
  const blank = { trigger: { type: 'event', event: 'signed_up', where: [] }, start: 'start', nodes: {} };
  if (!journeys) return <Card loading />;
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Card title={zh ? '自动化旅程' : 'Journeys'} extra={<Button type="primary" onClick={() => create(zh ? '新旅程' : 'New journey', blank)} data-testid="new-journey">{zh ? '新建空白旅程' : 'New blank journey'}</Button>}>
          {journeys.length === 0 ? (
            <Empty description={zh ? '还没有旅程。从下方的现成模板开始，或新建一个空白旅程。' : 'No journeys yet. Start from a ready-made flow below, or a blank one.'} />
          ) : (
            <Table rowKey="id" size="small" dataSource={journeys} pagination={false} data-testid="journey-list"
              onRow={(j) => ({ onClick: () => navigate(`/journeys/${j.id}`), style: { cursor: 'pointer' } })}
              columns={[
                { title: zh ? '名称' : 'Name', dataIndex: 'name' },
                { title: zh ? '状态' : 'Status', dataIndex: 'status', render: (s: string, j: any) => <Tag color={STATUS_COLOUR[s]}>{s}{j.live_version ? ` v${j.live_version}` : ''}</Tag> },
                { title: zh ? '触发' : 'Trigger', dataIndex: 'trigger', render: (t: any) => (t?.type === 'event' ? t.event : t?.type === 'segment' ? `${t.on} ${t.segment}` : t?.type) },
                { title: zh ? '进入人数' : 'Entered', dataIndex: 'entered' },
                { title: zh ? '进行中' : 'In flight', dataIndex: 'active' },
                { title: zh ? '更新' : 'Updated', dataIndex: 'updated_at', render: dateTime },
              ]} />
          )}
        </Card>
      </Col>
      <Col span={24}>
        <Typography.Title level={5}>{zh ? '现成模板' : 'Ready-made flows'}</Typography.Title>
        <Row gutter={[12, 12]}>
          {library.map((l) => (
            <Col xs={24} md={12} xl={8} key={l.key}>
              <Card size="small" title={l.name} extra={<Button size="small" onClick={() => create(l.name, l.definition)} data-testid={`use-${l.key}`}>{zh ? '使用' : 'Use'}</Button>}>
                <Typography.Text type="secondary">{zh ? l.descriptionZh : l.description}</Typography.Text>
              </Card>
            </Col>
          ))}
        </Row>
      </Col>
    </Row>
  );
}
