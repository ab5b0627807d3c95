// Visual editor for the rule language (segments, rule tags, lifecycle stages): nested AND/OR groups of conditions
// on fields, tags and segments, each of which can be negated.
import { Button, Card, Input, InputNumber, Select, Space, Switch, Typography } from 'antd';
import { useLang } from '../i18n/index.tsx';

export type Rule = any;
export interface Catalog {
  fields: { field: string; type: string; label: string }[];
  tags: { key: string; name: string }[];
  segments: { key: string; name: string }[];
}

const OPS: Record<string, { value: string; zh: string; en: string }[]> = {
  number: [
    { value: 'eq', zh: '等于', en: '=' }, { value: 'neq', zh: '不等于', en: '≠' }, { value: 'gt', zh: '大于', en: '>' }, { value: 'gte', zh: '大于等于', en: '≥' },
    { value: 'lt', zh: '小于', en: '<' }, { value: 'lte', zh: '小于等于', en: '≤' }, { value: 'exists', zh: '有值', en: 'exists' }, { value: 'not_exists', zh: '无值', en: 'is empty' },
  ],
  string: [
    { value: 'eq', zh: '等于', en: '=' }, { value: 'neq', zh: '不等于', en: '≠' }, { value: 'contains', zh: '包含', en: 'contains' },
    { value: 'exists', zh: '有值', en: 'exists' }, { value: 'not_exists', zh: '无值', en: 'is empty' },
  ],
  time: [
    { value: 'within_last_days', zh: '在最近 N 天内', en: 'within last N days' }, { value: 'not_within_last_days', zh: '不在最近 N 天内（含从未）', en: 'not within last N days' },
    { value: 'exists', zh: '有值', en: 'exists' }, { value: 'not_exists', zh: '无值', en: 'never' },
  ],
  boolean: [{ value: 'eq', zh: '是', en: 'is' }],
};

const kindOf = (r: Rule) => ('all' in r ? 'all' : 'any' in r ? 'any' : 'not' in r ? 'not' : 'tag' in r ? 'tag' : 'segment' in r ? 'segment' : 'field');

export function RuleBuilder({ value, onChange, catalog, depth = 0 }: { value: Rule; onChange(r: Rule): void; catalog: Catalog; depth?: number }) {
  const { lang } = useLang();
  const zh = lang !== 'en';
  const kind = kindOf(value);
  if (kind === 'all' || kind === 'any') {
    const items: Rule[] = value[kind];
    const set = (next: Rule[]) => onChange({ [kind]: next });
    return (
      <Card size="small" style={{ background: depth % 2 ? '#fff' : '#fafafa', marginBottom: 8 }}
        title={<Space><Select size="small" value={kind} style={{ width: 150 }} onChange={(k) => onChange({ [k]: items })} data-testid={`group-${depth}`}
          options={[{ value: 'all', label: zh ? '满足全部条件 (AND)' : 'All of (AND)' }, { value: 'any', label: zh ? '满足任一条件 (OR)' : 'Any of (OR)' }]} /></Space>}
        extra={<Space>
          <Button size="small" onClick={() => set([...items, { field: 'order_count', op: 'gte', value: 1 }])} data-testid={`add-condition-${depth}`}>{zh ? '+ 条件' : '+ Condition'}</Button>
          {depth < 6 && <Button size="small" onClick={() => set([...items, { all: [{ field: 'order_count', op: 'gte', value: 1 }] }])}>{zh ? '+ 条件组' : '+ Group'}</Button>}
        </Space>}>
        {items.map((child, i) => (
          <div key={i} style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}>
            <div style={{ flex: 1 }}>
              <RuleBuilder value={child} catalog={catalog} depth={depth + 1} onChange={(c) => set(items.map((x, j) => (j === i ? c : x)))} />
            </div>
            {items.length > 1 && <Button size="small" type="text" danger onClick={() => set(items.filter((_, j) => j !== i))}>✕</Button>}
          </div>
        ))}
      </Card>
    );
  }
  if (kind === 'not') {
    return <Condition value={value.not} negated onChange={(c, neg) => onChange(neg ? { not: c } : c)} catalog={catalog} zh={zh} />;
  }
  return <Condition value={value} negated={false} onChange={(c, neg) => onChange(neg ? { not: c } : c)} catalog={catalog} zh={zh} />;
}

function Condition({ value, negated, onChange, catalog, zh }: { value: Rule; negated: boolean; onChange(r: Rule, negated: boolean): void; catalog: Catalog; zh: boolean }) {
  const kind = kindOf(value);
  if (kind === 'all' || kind === 'any' || kind === 'not') {
    return <Space align="start"><Switch size="small" checked={negated} onChange={(n) => onChange(value, n)} checkedChildren={zh ? '排除' : 'NOT'} unCheckedChildren={zh ? '包含' : 'IS'} />
      <RuleBuilder value={value} onChange={(r) => onChange(r, negated)} catalog={catalog} depth={3} /></Space>;
  }
  const subject = kind === 'field' ? value.field : kind === 'tag' ? `tag:${value.tag}` : `segment:${value.segment}`;
  const field = catalog.fields.find((f) => f.field === value.field);
  const type = field?.type ?? 'string';
  const options = [
    { label: zh ? '属性与订单' : 'Attributes', options: catalog.fields.map((f) => ({ value: f.field, label: `${f.label} (${f.field})` })) },
    { label: zh ? '标签' : 'Tags', options: catalog.tags.map((t) => ({ value: `tag:${t.key}`, label: `🏷 ${t.name}` })) },
    { label: zh ? '分群' : 'Segments', options: catalog.segments.map((s) => ({ value: `segment:${s.key}`, label: `👥 ${s.name}` })) },
  ];
  const pick = (s: string) => {
    if (s.startsWith('tag:')) return onChange({ tag: s.slice(4), has: true }, negated);
    if (s.startsWith('segment:')) return onChange({ segment: s.slice(8), member: true }, negated);
    const f = catalog.fields.find((x) => x.field === s);
    const op = f?.type === 'time' ? 'within_last_days' : 'eq';
    onChange({ field: s, op, value: f?.type === 'boolean' ? true : f?.type === 'time' || f?.type === 'number' ? 30 : '' }, negated);
  };
  return (
    <Space wrap style={{ marginBottom: 8 }} data-testid="condition">
      <Switch size="small" checked={negated} onChange={(n) => onChange(value, n)} checkedChildren={zh ? '排除' : 'NOT'} unCheckedChildren={zh ? '包含' : 'IS'} />
      <Select showSearch size="small" style={{ width: 280 }} value={subject} onChange={pick} options={options} data-testid="condition-subject" />
      {kind === 'field' && (
        <>
          <Select size="small" style={{ width: 190 }} value={value.op} onChange={(op) => onChange({ ...value, op, value: op === 'exists' || op === 'not_exists' ? undefined : value.value ?? (type === 'string' ? '' : 30) }, negated)}
            options={(OPS[type] ?? OPS.string).map((o) => ({ value: o.value, label: zh ? o.zh : o.en }))} data-testid="condition-op" />
          {value.op !== 'exists' && value.op !== 'not_exists' && (
            type === 'boolean' ? <Select size="small" style={{ width: 90 }} value={value.value} onChange={(v) => onChange({ ...value, value: v }, negated)} options={[{ value: true, label: zh ? '是' : 'true' }, { value: false, label: zh ? '否' : 'false' }]} />
              : type === 'string' ? <Input size="small" style={{ width: 160 }} value={value.value} onChange={(e) => onChange({ ...value, value: e.target.value }, negated)} data-testid="condition-value" />
                : <InputNumber size="small" style={{ width: 120 }} value={value.value} onChange={(v) => onChange({ ...value, value: v ?? 0 }, negated)} data-testid="condition-value" />
          )}
          {type === 'time' && <Typography.Text type="secondary">{zh ? '天' : 'days'}</Typography.Text>}
        </>
      )}
    </Space>
  );
}

/** Readable one-line description of a rule, for lists and the lifecycle page. */
export function describeRule(r: Rule, zh: boolean): string {
  const k = kindOf(r);
  if (k === 'all' || k === 'any') return `(${r[k].map((x: Rule) => describeRule(x, zh)).join(k === 'all' ? (zh ? ' 且 ' : ' AND ') : (zh ? ' 或 ' : ' OR '))})`;
  if (k === 'not') return `${zh ? '非' : 'NOT '}${describeRule(r.not, zh)}`;
  if (k === 'tag') return `${r.has ? '' : zh ? '无' : 'no '}${zh ? '标签' : 'tag'} ${r.tag}`;
  if (k === 'segment') return `${r.member ? '' : zh ? '不' : 'not '}${zh ? '在分群' : 'in segment'} ${r.segment}`;
  const op = Object.values(OPS).flat().find((o) => o.value === r.op);
  return `${r.field} ${op ? (zh ? op.zh : op.en) : r.op} ${r.value ?? ''}`.trim();
}
