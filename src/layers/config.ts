// Layer models (用户分层): RFM, the four value quadrants and lifecycle stages. Each is configurable and explained;
// its results are tags (kind "model"), so segments and journeys use them like any other tag.
import { z } from 'zod';
import { ruleSchema, type Rule } from '../rules/rules.ts';

const axis = z.object({
  method: z.enum(['quantile', 'fixed']),
  /** fixed: ascending cut points (days for recency, orders for frequency, fen for monetary); 4 cuts → scores 1-5 */
  cuts: z.array(z.number()).min(1).max(9).optional(),
}).refine((a) => a.method === 'quantile' || (a.cuts && a.cuts.every((c, i) => i === 0 || c > a.cuts![i - 1])), { message: 'fixed cut points must be ascending', path: ['cuts'] });

export const rfmConfigSchema = z.object({
  scores: z.number().int().min(2).max(10).default(5),
  recency: axis.default({ method: 'quantile' }),
  frequency: axis.default({ method: 'quantile' }),
  monetary: axis.default({ method: 'quantile' }),
  /** a score at or above this is "high" when placing customers in the eight cells */
  highFrom: z.number().int().min(1).max(10).default(3),
});
export type RfmConfig = z.infer<typeof rfmConfigSchema>;

export const quadrantConfigSchema = z.object({
  periodDays: z.number().int().min(7).max(365).default(30),
  /** activity down at least this share vs the previous period counts as declining */
  dropShare: z.number().min(0.05).max(0.95).default(0.3),
  /** value: net spend; "high" at or above this quantile among buyers */
  highValueQuantile: z.number().min(0.5).max(0.95).default(0.5),
});
export type QuadrantConfig = z.infer<typeof quadrantConfigSchema>;

export const lifecycleConfigSchema = z.object({
  /** evaluated in order; a customer is in the first stage whose rule holds */
  stages: z.array(z.object({ key: z.string().regex(/^[a-z0-9_]{1,40}$/), name: z.string().min(1).max(40), rule: ruleSchema })).min(2).max(10),
});
export type LifecycleConfig = z.infer<typeof lifecycleConfigSchema>;

export const RFM_CELLS: { key: string; name: string; r: boolean; f: boolean; m: boolean; advice: string }[] = [
  { key: 'rfm_important_value', name: '重要价值', r: true, f: true, m: true, advice: '最近买过、常买、花得多：维护关系，专属权益' },
  { key: 'rfm_important_develop', name: '重要发展', r: true, f: false, m: true, advice: '最近买过、花得多但不常买：提高购买频次' },
  { key: 'rfm_important_keep', name: '重要保持', r: false, f: true, m: true, advice: '常买、花得多但最近没来：主动召回' },
  { key: 'rfm_important_retain', name: '重要挽留', r: false, f: false, m: true, advice: '花得多，但不常买且久未回购：重点挽留' },
  { key: 'rfm_general_value', name: '一般价值', r: true, f: true, m: false, advice: '常买但客单低：提升客单价' },
  { key: 'rfm_general_develop', name: '一般发展', r: true, f: false, m: false, advice: '新客或低频：培养习惯' },
  { key: 'rfm_general_keep', name: '一般保持', r: false, f: true, m: false, advice: '曾经常买、客单低、最近没来：低成本唤醒' },
  { key: 'rfm_general_retain', name: '一般挽留', r: false, f: false, m: false, advice: '低价值且流失：低优先级' },
];

export const QUADRANTS = [
  { key: 'quadrant_high_potential', name: '高潜力', highValue: false, declining: false, advice: '价值尚低但活跃：引导首购与复购' },
  { key: 'quadrant_stable', name: '稳定贡献', highValue: true, declining: false, advice: '高价值且活跃：维护与增购' },
  { key: 'quadrant_to_activate', name: '待激活', highValue: false, declining: true, advice: '价值低且活跃下降：低成本激活' },
  { key: 'quadrant_churn_risk', name: '流失风险', highValue: true, declining: true, advice: '高价值但活跃下降 30% 以上：优先挽回' },
] as const;

export const DEFAULT_LIFECYCLE: LifecycleConfig = {
  stages: [
    { key: 'churned', name: '流失', rule: { all: [{ field: 'last_seen_at', op: 'not_within_last_days', value: 180 }] } },
    { key: 'acquisition', name: '获取', rule: { field: 'order_count', op: 'eq', value: 0 } },
    { key: 'activation', name: '激活', rule: { field: 'order_count', op: 'eq', value: 1 } },
    { key: 'growth', name: '增长', rule: { all: [{ field: 'order_count', op: 'gte', value: 4 }, { field: 'last_order_at', op: 'within_last_days', value: 90 }] } },
    { key: 'retention', name: '留存', rule: { field: 'order_count', op: 'gte', value: 2 } },
  ] as { key: string; name: string; rule: Rule }[],
};
