// Pieces every analytics tab shares: the date range and filters bar, number formats, and "pin to my dashboard".
import { useEffect, useState } from 'react';
import { App, Button, DatePicker, Input, Modal, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api.ts';

export interface Query {
  from: string;
  to: string;
  interval: 'day' | 'week' | 'month';
  filters: Record<string, string>;
}

const DAY = 86_400_000;

export function defaultQuery(days = 90): Query {
  const to = new Date(Date.now() + DAY);
  to.setHours(0, 0, 0, 0);
  return { from: new Date(to.getTime() - days * DAY).toISOString(), to: to.toISOString(), interval: days > 120 ? 'month' : days > 35 ? 'week' : 'day', filters: {} };
}

export const lastDaysOf = (q: Query) => Math.max(1, Math.round((Date.parse(q.to) - Date.parse(q.from)) / DAY));

export function fmt(unit: string, v: number | null | undefined): string {
  if (v == null) return '—';
  if (unit === 'ratio') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'fen') return `¥${(v / 100).toLocaleString('zh-CN', { maximumFractionDigits: 0 })}`;
  return Math.round(v).toLocaleString('zh-CN');
}

/** The date range, bucket size and who/orders filters above every tab. */
export function FilterBar({ q, onChange, zh, interval = true }: { q: Query; onChange(q: Query): void; zh: boolean; interval?: boolean }) {
  const [options, setOptions] = useState<{ segments: any[]; tags: any[]; sources: string[] }>({ segments: [], tags: [], sources: [] });
  useEffect(() => {
    Promise.all([api('GET', '/v1/segments'), api('GET', '/v1/tags'), api('GET', '/v1/overview').catch(() => null)]).then(([s, t, o]) =>
      setOptions({ segments: s.segments, tags: t.tags, sources: (o?.sources ?? []).map((x: any) => x.source).filter((s: string) => s && s !== '未知') }));
  }, []);
  const set = (patch: Partial<Query>) => onChange({ ...q, ...patch });
  const setFilter = (k: string, v: string | undefined) => {
    const filters = { ...q.filters };
    if (v) filters[k] = v;
    else delete filters[k];
    set({ filters });
  };
  const presets: [string, string, number][] = [['近30天', 'Last 30 days', 30], ['近90天', 'Last 90 days', 90], ['近一年', 'Last year', 365]];
  return (
    <Space wrap style={{ marginBottom: 12 }} data-testid="analytics-filters">
      <Select size="small" style={{ width: 110 }} value={presets.find((p) => p[2] === lastDaysOf(q))?.[2] ?? 0}
        onChange={(d) => d && onChange({ ...defaultQuery(d), filters: q.filters })}
        options={[...presets.map(([z, e, d]) => ({ value: d, label: zh ? z : e })), { value: 0, label: zh ? '自定义' : 'Custom' }]} />
      <DatePicker.RangePicker size="small" value={[dayjs(q.from), dayjs(q.to)]}
        onChange={(v) => v?.[0] && v?.[1] && set({ from: (v[0] as Dayjs).startOf('day').toISOString(), to: (v[1] as Dayjs).startOf('day').toISOString() })} />
      {interval && <Select size="small" style={{ width: 90 }} value={q.interval} onChange={(interval) => set({ interval })}
        options={[['day', '按日', 'Daily'], ['week', '按周', 'Weekly'], ['month', '按月', 'Monthly']].map(([v, z, e]) => ({ value: v, label: zh ? z : e }))} />}
      <Select size="small" allowClear style={{ width: 130 }} placeholder={zh ? '来源渠道' : 'Source'} value={q.filters.source} onChange={(v) => setFilter('source', v)}
        options={options.sources.map((s) => ({ value: s, label: s }))} />
      <Select size="small" allowClear style={{ width: 130 }} placeholder={zh ? '分群' : 'Segment'} value={q.filters.segment} onChange={(v) => setFilter('segment', v)}
        options={options.segments.map((s) => ({ value: s.key, label: s.name }))} />
      <Select size="small" allowClear showSearch style={{ width: 130 }} placeholder={zh ? '标签' : 'Tag'} value={q.filters.tag} onChange={(v) => setFilter('tag', v)}
        options={options.tags.map((t) => ({ value: t.key, label: t.name }))} />
      <Input size="small" allowClear style={{ width: 110 }} placeholder={zh ? '门店' : 'Store'} value={q.filters.store} onChange={(e) => setFilter('store', e.target.value || undefined)} />
      <Input size="small" allowClear style={{ width: 110 }} placeholder={zh ? '销售渠道' : 'Channel'} value={q.filters.channel} onChange={(e) => setFilter('channel', e.target.value || undefined)} />
    </Space>
  );
}

/** Pins a chart (its request over the same number of recent days) to one of my dashboards, creating one if needed. */
export function PinButton({ kind, title, request, lastDays, zh }: { kind: string; title: string; request: object; lastDays: number; zh: boolean }) {
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [boards, setBoards] = useState<any[]>([]);
  const [board, setBoard] = useState<number | 'new'>('new');
  const [name, setName] = useState(title);
  const [loading, setLoading] = useState(false);
  // The dialog opens at once and fills in my dashboards when they arrive, so a slow answer never swallows the click.
  const show = async () => {
    setName(title);
    setOpen(true);
    setLoading(true);
    try {
      const r = await api('GET', '/v1/dashboards');
      setBoards(r.dashboards);
      setBoard(r.dashboards[0]?.id ?? 'new');
    } catch (e: any) {
      message.error(e.message);
    } finally {
      setLoading(false);
    }
  };
  const pin = async () => {
    try {
      const id = board === 'new' ? (await api('POST', '/v1/dashboards', { name: zh ? '我的看板' : 'My dashboard' })).id : board;
      await api('POST', `/v1/dashboards/${id}/charts`, { kind, title: name, lastDays, request });
      message.success(zh ? '已固定到看板' : 'Pinned to the dashboard');
      setOpen(false);
    } catch (e: any) {
      message.error(e.message);
    }
  };
  return (
    <>
      <Button size="small" onClick={show} data-testid={`pin-${kind}`}>{zh ? '固定到看板' : 'Pin'}</Button>
      <Modal open={open} onCancel={() => setOpen(false)} onOk={pin} title={zh ? '固定到看板' : 'Pin to a dashboard'} okButtonProps={{ 'data-testid': 'pin-ok', disabled: loading } as any}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Select style={{ width: '100%' }} value={board} onChange={setBoard}
            options={[...boards.map((b) => ({ value: b.id, label: b.name })), { value: 'new', label: zh ? '+ 新建“我的看板”' : '+ New dashboard' }]} />
          <Input value={name} onChange={(e) => setName(e.target.value)} />
        </Space>
      </Modal>
    </>
  );
}
