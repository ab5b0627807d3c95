// Loading what the engine evaluates: computed traits, rule tags and segments, in dependency order.
import type { Queryable } from '../kernel/db.ts';
import type { TraitRow } from '../traits/compute.ts';
import { references, type Rule } from '../rules/rules.ts';

export interface RuleDef {
  kind: 'tag' | 'segment';
  id: number;
  key: string;
  name: string;
  rule: Rule;
  realtime: boolean;
}

export interface Definitions {
  traits: TraitRow[];
  /** rule tags and segments, each after everything its rule reads */
  ordered: RuleDef[];
  manualTags: { id: number; key: string }[];
  segmentsByKey: Map<string, RuleDef>;
}

export async function loadDefinitions(tx: Queryable): Promise<Definitions> {
  const traits = (await tx.query<TraitRow>(`SELECT id, key, definition, value_type FROM computed_traits WHERE deleted_at IS NULL ORDER BY id`)).rows;
  const tags = (await tx.query<{ id: number; key: string; name: string; kind: string; rule: Rule | null }>(`SELECT id, key, name, kind, rule FROM tags WHERE deleted_at IS NULL ORDER BY id`)).rows;
  const segs = (await tx.query<{ id: number; key: string; name: string; rule: Rule; realtime: boolean }>(`SELECT id, key, name, rule, realtime FROM segments WHERE deleted_at IS NULL ORDER BY id`)).rows;
  const defs: RuleDef[] = [
    ...tags.filter((t) => t.kind === 'rule' && t.rule).map((t) => ({ kind: 'tag' as const, id: t.id, key: t.key, name: t.name, rule: t.rule!, realtime: true })),
    ...segs.map((s) => ({ kind: 'segment' as const, id: s.id, key: s.key, name: s.name, rule: s.rule, realtime: s.realtime })),
  ];
  return {
    traits,
    ordered: topological(defs),
    manualTags: tags.filter((t) => t.kind !== 'rule').map((t) => ({ id: t.id, key: t.key })),
    segmentsByKey: new Map(defs.filter((d) => d.kind === 'segment').map((d) => [d.key, d])),
  };
}

function topological(defs: RuleDef[]): RuleDef[] {
  const name = (d: RuleDef) => `${d.kind}:${d.key}`;
  const byName = new Map(defs.map((d) => [name(d), d]));
  const out: RuleDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: RuleDef) => {
    const n = name(d);
    if (state.get(n)) return; // done, or a cycle (rejected at validation; evaluated in any order if old data has one)
    state.set(n, 'visiting');
    const refs = references(d.rule);
    for (const t of refs.tags) byName.get(`tag:${t}`) && visit(byName.get(`tag:${t}`)!);
    for (const s of refs.segments) byName.get(`segment:${s}`) && visit(byName.get(`segment:${s}`)!);
    state.set(n, 'done');
    out.push(d);
  };
  defs.forEach(visit);
  return out;
}
