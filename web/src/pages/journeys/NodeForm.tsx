// The properties of the selected step (or of the trigger), edited in place; the canvas redraws as they change.
import { Button, Checkbox, Form, Input, InputNumber, Select, Space, Switch } from 'antd';
import { RuleBuilder, type Catalog } from '../../components/RuleBuilder.tsx';
import type { JourneyNode } from './graph.ts';

export interface Choices {
  templates: { key: string; name: string; channel: string }[];
  channels: { channel: string; kind: string }[];
  tags: { key: string; name: string; kind: string }[];
  segments: { key: string; name: string }[];
  coupons: { id: number; name: string }[];
  catalog: Catalog;
}

function Duration({ value, onChange, zh, testId }: { value: any; onChange(v: any): void; zh: boolean; testId?: string }) {
  const v = value ?? { days: 0, hours: 0, minutes: 0 };
  return (
    <Space data-testid={testId}>
      <InputNumber min={0} value={v.days} onChange={(x) => onChange({ ...v, days: x ?? 0 })} addonAfter={zh ? '天' : 'd'} style={{ width: 110 }} />
      <InputNumber min={0} value={v.hours} onChange={(x) => onChange({ ...v, hours: x ?? 0 })} addonAfter={zh ? '时' : 'h'} style={{ width: 110 }} />
      <InputNumber min={0} value={v.minutes} onChange={(x) => onChange({ ...v, minutes: x ?? 0 })} addonAfter={zh ? '分' : 'm'} style={{ width: 110 }} />
    </Space>
  );
}

export function NodeForm({ node, onChange, choices, zh }: { node: JourneyNode; onChange(n: JourneyNode): void; choices: Choices; zh: boolean }) {
  const set = (patch: Record<string, unknown>) => onChange({ ...node, ...patch });
  const item = (label: string, child: React.ReactNode) => <Form.Item label={label} style={{ marginBottom: 12 }}>{child}</Form.Item>;
  const fields: React.ReactNode[] = [item(zh ? '名称（可选）' : 'Label (optional)', <Input value={node.label} onChange={(e) => set({ label: e.target.value || undefined })} />)];
  switch (node.type) {
    case 'send':
      fields.push(
        item(zh ? '渠道' : 'Channel', <Select data-testid="node-channel" value={node.channel} onChange={(channel) => set({ channel })} options={choices.channels.map((c) => ({ value: c.channel, label: `${c.channel} (${c.kind})` }))} />),
        item(zh ? '模板' : 'Template', <Select data-testid="node-template" value={node.template || undefined} onChange={(template) => set({ template })}
          options={choices.templates.filter((t) => t.channel === node.channel).map((t) => ({ value: t.key, label: `${t.name} (${t.key})` }))} placeholder={zh ? '选择该渠道的模板' : 'A template of this channel'} />),
        item(zh ? '发送时间' : 'When', <Select value={node.timing ?? 'now'} onChange={(timing) => set({ timing })}
          options={[{ value: 'now', label: zh ? '立即' : 'Now' }, { value: 'best_time', label: zh ? '客户最佳触达时间（7天内）' : "Customer's best hour (within 7 days)" }]} />),
        item(zh ? '交易类消息' : 'Transactional', <Switch checked={node.transactional} onChange={(transactional) => set({ transactional })} />),
      );
      break;
    case 'wait':
      fields.push(item(zh ? '等待时长' : 'Duration', <Duration value={node.duration} onChange={(duration) => set({ duration })} zh={zh} testId="node-duration" />));
      break;
    case 'wait_until':
      fields.push(
        item(zh ? '时间 (HH:MM，客户时区)' : 'Time (HH:MM, customer zone)', <Input value={node.at} onChange={(e) => set({ at: e.target.value })} />),
        item(zh ? '星期（可选）' : 'Weekdays (optional)', <Checkbox.Group value={node.weekdays ?? []} onChange={(w) => set({ weekdays: w.length ? w : undefined })}
          options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: zh ? `周${'一二三四五六日'[d - 1]}` : ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d - 1] }))} />),
      );
      break;
    case 'wait_event':
      fields.push(
        item(zh ? '事件' : 'Event', <Input value={node.event} onChange={(e) => set({ event: e.target.value })} />),
        item(zh ? '最长等待' : 'Timeout', <Duration value={node.timeout} onChange={(timeout) => set({ timeout })} zh={zh} />),
      );
      break;
    case 'condition':
      fields.push(item(zh ? '规则' : 'Rule', <RuleBuilder value={node.rule} onChange={(rule) => set({ rule })} catalog={choices.catalog} />));
      break;
    case 'split':
      fields.push(item(zh ? '分支（合计 100%）' : 'Branches (100% in all)', (
        <Space direction="vertical">
          {node.branches.map((b: any, i: number) => (
            <Space key={i}>
              <Input style={{ width: 70 }} value={b.key} onChange={(e) => set({ branches: node.branches.map((x: any, j: number) => (j === i ? { ...x, key: e.target.value } : x)) })} />
              <InputNumber min={0} max={100} value={b.percent} addonAfter="%" onChange={(p) => set({ branches: node.branches.map((x: any, j: number) => (j === i ? { ...x, percent: p ?? 0 } : x)) })} />
              <Checkbox checked={b.holdout} onChange={(e) => set({ branches: node.branches.map((x: any, j: number) => (j === i ? { ...x, holdout: e.target.checked } : x)) })}>{zh ? '对照组' : 'Holdout'}</Checkbox>
              {node.branches.length > 2 && <Button size="small" onClick={() => set({ branches: node.branches.filter((_: any, j: number) => j !== i) })}>−</Button>}
            </Space>
          ))}
          <Button size="small" onClick={() => set({ branches: [...node.branches, { key: String.fromCharCode(65 + node.branches.length), percent: 0, holdout: false }] })}>{zh ? '+ 分支' : '+ Branch'}</Button>
        </Space>
      )));
      break;
    case 'tag':
      fields.push(
        item(zh ? '标签' : 'Tag', <Select showSearch value={node.tag || undefined} onChange={(tag) => set({ tag })}
          options={choices.tags.filter((t) => t.kind === 'manual' || t.kind === 'imported').map((t) => ({ value: t.key, label: `${t.name} (${t.key})` }))} />),
        item(zh ? '移除标签' : 'Remove', <Switch checked={node.remove} onChange={(remove) => set({ remove })} />),
      );
      break;
    case 'attribute':
      fields.push(
        item(zh ? '属性名' : 'Attribute', <Input value={node.attribute} onChange={(e) => set({ attribute: e.target.value })} />),
        item(zh ? '值' : 'Value', <Input value={String(node.value ?? '')} onChange={(e) => set({ value: e.target.value })} />),
      );
      break;
    case 'points':
      fields.push(item(zh ? '积分' : 'Points', <InputNumber min={1} value={node.points} onChange={(points) => set({ points })} />));
      break;
    case 'coupon':
      fields.push(item(zh ? '优惠券模板' : 'Coupon template', <Select value={node.templateId} onChange={(templateId) => set({ templateId })} options={choices.coupons.map((c) => ({ value: c.id, label: `${c.name} (#${c.id})` }))} />));
      break;
    case 'task':
      fields.push(
        item(zh ? '任务' : 'Task', <Input value={node.title} onChange={(e) => set({ title: e.target.value })} />),
        item(zh ? '指派给（可选）' : 'Assignee (optional)', <Input value={node.assignee} onChange={(e) => set({ assignee: e.target.value || undefined })} />),
        item(zh ? '期限（小时）' : 'Due in hours', <InputNumber min={0} value={node.dueInHours} onChange={(dueInHours) => set({ dueInHours })} />),
      );
      break;
    case 'webhook':
      fields.push(item('URL', <Input value={node.url} onChange={(e) => set({ url: e.target.value })} />));
      break;
  }
  return <Form layout="vertical">{fields.map((f, i) => <div key={i}>{f}</div>)}</Form>;
}

export function TriggerForm({ trigger, onChange, choices, zh }: { trigger: any; onChange(t: any): void; choices: Choices; zh: boolean }) {
  const set = (patch: Record<string, unknown>) => onChange({ ...trigger, ...patch });
  const kinds = [
    { value: 'event', label: zh ? '事件发生' : 'An event' }, { value: 'segment', label: zh ? '进入/离开分群' : 'Segment entry/exit' },
    { value: 'date', label: zh ? '日期（生日、首单后N天）' : 'A date (birthday, N days after first order)' }, { value: 'schedule', label: zh ? '定期' : 'A schedule' },
  ];
  const reset = (type: string) => onChange(type === 'event' ? { type, event: 'signed_up', where: [] } : type === 'segment' ? { type, segment: choices.segments[0]?.key ?? '', on: 'entered' }
    : type === 'date' ? { type, field: 'birthday', yearly: true, offsetDays: 0, at: '10:00' } : { type, every: 'week', weekday: 1, at: '10:00', segment: choices.segments[0]?.key ?? '' });
  return (
    <Form layout="vertical">
      <Form.Item label={zh ? '触发方式' : 'Trigger'}><Select data-testid="trigger-type" value={trigger.type} onChange={reset} options={kinds} /></Form.Item>
      {trigger.type === 'event' && <Form.Item label={zh ? '事件名' : 'Event'}><Input data-testid="trigger-event" value={trigger.event} onChange={(e) => set({ event: e.target.value })} /></Form.Item>}
      {(trigger.type === 'segment' || trigger.type === 'schedule') && (
        <Form.Item label={zh ? '分群' : 'Segment'}><Select value={trigger.segment} onChange={(segment) => set({ segment })} options={choices.segments.map((s) => ({ value: s.key, label: s.name }))} /></Form.Item>
      )}
      {trigger.type === 'segment' && (
        <Form.Item label={zh ? '时机' : 'When'}><Select value={trigger.on} onChange={(on) => set({ on })} options={[{ value: 'entered', label: zh ? '进入时' : 'on entry' }, { value: 'exited', label: zh ? '离开时' : 'on exit' }]} /></Form.Item>
      )}
      {trigger.type === 'date' && (
        <>
          <Form.Item label={zh ? '日期字段' : 'Date field'}><Select value={trigger.field} onChange={(field) => set({ field })}
            options={[['birthday', '生日', 'Birthday'], ['first_order_at', '首单日', 'First order'], ['first_seen_at', '首次到访', 'First seen'], ['last_order_at', '最近下单', 'Last order']].map(([v, z, e]) => ({ value: v, label: zh ? z : e }))} /></Form.Item>
          <Form.Item label={zh ? '每年重复' : 'Every year'}><Switch checked={trigger.yearly} onChange={(yearly) => set({ yearly })} /></Form.Item>
          <Form.Item label={zh ? '偏移天数' : 'Offset days'}><InputNumber value={trigger.offsetDays} onChange={(offsetDays) => set({ offsetDays })} /></Form.Item>
        </>
      )}
      {trigger.type === 'schedule' && (
        <Form.Item label={zh ? '频率' : 'Every'}><Select value={trigger.every} onChange={(every) => set({ every })} options={[{ value: 'day', label: zh ? '每天' : 'day' }, { value: 'week', label: zh ? '每周' : 'week' }, { value: 'month', label: zh ? '每月' : 'month' }]} /></Form.Item>
      )}
      {(trigger.type === 'date' || trigger.type === 'schedule') && (
        <Form.Item label={zh ? '时间 (HH:MM)' : 'At (HH:MM)'}><Input value={trigger.at} onChange={(e) => set({ at: e.target.value })} /></Form.Item>
      )}
    </Form>
  );
}
