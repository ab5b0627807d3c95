// What a rule may refer to in a workspace, with each field's type, so rules are checked before they run.
import type { Queryable } from '../kernel/db.ts';
import type { Rule } from './rules.ts';

export type FieldType = 'number' | 'string' | 'time' | 'boolean';

/** Profile attributes and order facts every workspace has. */
export const BASE_FIELDS: Record<string, { type: FieldType; label: string }> = {
  known: { type: 'boolean', label: '已识别 (has a unique identifier)' },
  source_channel: { type: 'string', label: '首次来源渠道' },
  order_count: { type: 'number', label: '订单数' },
  total_spent: { type: 'number', label: '累计消费（分）' },
  aov: { type: 'number', label: '客单价（分）' },
  first_order_at: { type: 'time', label: '首单时间' },
  last_order_at: { type: 'time', label: '最近下单时间' },
  first_seen_at: { type: 'time', label: '首次出现时间' },
  last_seen_at: { type: 'time', label: '最近活跃时间' },
};

/** Predicted values written by the CLV model (issue #7), readable by rules once a model has run. */
export const PREDICTION_FIELDS: Record<string, { type: FieldType; label: string }> = {
  'prediction.p_alive': { type: 'number', label: '预测：仍活跃概率 P(alive)' },
  'prediction.expected_90d': { type: 'number', label: '预测：未来90天购买次数' },
  'prediction.clv': { type: 'number', label: '预测：客户终身价值 CLV（分）' },
  'prediction.churn_risk': { type: 'number', label: '预测：流失风险（未来13周不购买的概率）' },
  'prediction.value_score': { type: 'number', label: '预测：价值分（0-100）' },
};

export interface Catalog {
  fieldType(field: string): FieldType | 'trait' | null;
  tags: Set<string>;
  /** segment key -> its rule, for cycle checks */
  segments: Map<string, Rule>;
}

/** One statement: every rule check (a live count while typing among them) reads it. */
export async function loadCatalog(tx: Queryable): Promise<Catalog> {
  const { rows } = await tx.query<{ traits: { key: string; value_type: FieldType }[]; tags: string[]; segments: { key: string; rule: Rule }[] }>(
    `SELECT (SELECT COALESCE(json_agg(json_build_object('key', key, 'value_type', value_type)), '[]') FROM computed_traits WHERE deleted_at IS NULL) AS traits,
            (SELECT COALESCE(json_agg(key), '[]') FROM tags WHERE deleted_at IS NULL) AS tags,
            (SELECT COALESCE(json_agg(json_build_object('key', key, 'rule', rule)), '[]') FROM segments WHERE deleted_at IS NULL) AS segments`);
  const { traits, tags, segments } = rows[0];
  const computed = new Map(traits.map((r) => [`computed.${r.key}`, r.value_type]));
  return {
    fieldType(field) {
      if (field in BASE_FIELDS) return BASE_FIELDS[field].type;
      if (field in PREDICTION_FIELDS) return PREDICTION_FIELDS[field].type;
      if (computed.has(field)) return computed.get(field)!;
      if (/^traits\.[^\s.]{1,64}$/.test(field)) return 'trait'; // free-form profile attribute: string or number
      if (/^consent\.[a-z0-9_-]{1,50}$/.test(field)) return 'string'; // marketing consent on a channel: granted | revoked
      return null;
    },
    tags: new Set(tags),
    segments: new Map(segments.map((r) => [r.key, r.rule])),
  };
}
