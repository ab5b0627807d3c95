// Evaluating rules over the customer store. `filter(set)` narrows a candidate set (AND short-circuits: later
// conditions only look at customers that passed earlier ones); `test(id)` answers for one customer after a change;
// `boundaries(id)` says when time conditions will flip for that customer, so the scheduler can wake exactly then.
import { Bitset } from './bitset.ts';
import type { CustomerStore } from './store.ts';
import { conditions, isAll, isAny, isField, isNot, isTag, type FieldCondition, type Rule } from '../rules/rules.ts';

const DAY = 86_400_000;

export interface Compiled {
  filter(set: Bitset): Bitset;
  test(id: number): boolean;
  boundaries(id: number, out: number[]): void;
}

export function compile(rule: Rule, store: CustomerStore, now: number): Compiled {
  if (isAll(rule)) {
    const parts = rule.all.map((r) => compile(r, store, now));
    return {
      filter: (set) => parts.reduce((acc, p) => p.filter(acc), set),
      test: (id) => parts.every((p) => p.test(id)),
      boundaries: (id, out) => parts.forEach((p) => p.boundaries(id, out)),
    };
  }
  if (isAny(rule)) {
    const parts = rule.any.map((r) => compile(r, store, now));
    return {
      filter(set) {
        let result = new Bitset(set.size);
        let remaining = set;
        for (const p of parts) {
          const hit = p.filter(remaining);
          result = result.or(hit);
          remaining = remaining.andNot(hit);
        }
        return result;
      },
      test: (id) => parts.some((p) => p.test(id)),
      boundaries: (id, out) => parts.forEach((p) => p.boundaries(id, out)),
    };
  }
  if (isNot(rule)) {
    const inner = compile(rule.not, store, now);
    return { filter: (set) => set.andNot(inner.filter(set)), test: (id) => !inner.test(id), boundaries: inner.boundaries };
  }
  if (isTag(rule) || !isField(rule)) {
    const bits = () => (isTag(rule) ? store.tags.get(rule.tag) : store.segments.get((rule as { segment: string }).segment)) ?? new Bitset(store.size);
    const want = isTag(rule) ? rule.has : (rule as { member: boolean }).member;
    return {
      filter: (set) => (want ? set.and(bits()) : set.andNot(bits())),
      test: (id) => bits().has(id) === want,
      boundaries: () => {},
    };
  }
  const test = fieldTest(rule, store, now);
  const boundaries = fieldBoundaries(rule, store, now);
  const scan = columnScan(rule, store, now);
  return {
    // Dense candidate sets: one tight pass over the column. Sparse ones (after earlier conditions narrowed them):
    // only the candidates, word by word.
    filter(set) {
      if (scan && set.count() * 8 > set.size) return scan(set);
      const out = new Bitset(set.size);
      const words = set.words;
      const o = out.words;
      for (let w = 0; w < words.length; w++) {
        let v = words[w];
        if (v === 0) continue;
        let acc = 0;
        while (v !== 0) {
          const low = v & -v;
          if (test((w << 5) | (31 - Math.clz32(low)))) acc |= low;
          v ^= low;
        }
        o[w] = acc;
      }
      return out;
    },
    test,
    boundaries,
  };
}

export function countMembers(rule: Rule, store: CustomerStore, now: number): Bitset {
  return compile(rule, store, now).filter(store.live);
}

function fieldTest(c: FieldCondition, store: CustomerStore, now: number): (id: number) => boolean {
  const { field, op, value } = c;
  if (field === 'known') {
    const want = op === 'eq' ? value === true : value !== true;
    return (id) => store.known.has(id) === want;
  }
  const num = store.num.get(field);
  if (num || !store.str.has(field)) {
    const col = num ?? new Float64Array(0);
    const v = (id: number) => (id < col.length ? col[id] : NaN);
    const x = Number(value);
    switch (op) {
      case 'exists':
        return (id) => !Number.isNaN(v(id));
      case 'not_exists':
        return (id) => Number.isNaN(v(id));
      case 'within_last_days': {
        const since = now - x * DAY;
        return (id) => v(id) >= since;
      }
      case 'not_within_last_days': {
        const since = now - x * DAY;
        return (id) => !(v(id) >= since);
      }
      case 'before': {
        const t = Date.parse(String(value));
        return (id) => v(id) < t;
      }
      case 'after': {
        const t = Date.parse(String(value));
        return (id) => v(id) > t;
      }
      case 'eq':
        return (id) => v(id) === x;
      case 'neq':
        return (id) => !Number.isNaN(v(id)) && v(id) !== x;
      case 'gt':
        return (id) => v(id) > x;
      case 'gte':
        return (id) => v(id) >= x;
      case 'lt':
        return (id) => v(id) < x;
      case 'lte':
        return (id) => v(id) <= x;
      case 'between': {
        const [lo, hi] = value as number[];
        return (id) => v(id) >= lo && v(id) <= hi;
      }
      case 'in': {
        const set = new Set((value as (string | number)[]).map(Number));
        return (id) => set.has(v(id));
      }
      case 'not_in': {
        const set = new Set((value as (string | number)[]).map(Number));
        return (id) => !Number.isNaN(v(id)) && !set.has(v(id));
      }
      default:
        return () => false;
    }
  }
  const col = store.str.get(field)!;
  const code = (id: number) => (id < col.codes.length ? col.codes[id] : -1);
  // Free-form attributes may hold numbers written as text: numeric operators read them as numbers.
  const asNumber = col.dict.map((s) => Number(s));
  const matching = (pred: (s: string, n: number) => boolean) => {
    const ok = new Uint8Array(col.dict.length);
    col.dict.forEach((s, i) => (ok[i] = pred(s, asNumber[i]) ? 1 : 0));
    return (id: number) => {
      const k = code(id);
      return k >= 0 && ok[k] === 1;
    };
  };
  const x = value;
  switch (op) {
    case 'exists':
      return (id) => code(id) >= 0;
    case 'not_exists':
      return (id) => code(id) < 0;
    case 'eq':
      return matching((s) => s === String(x));
    case 'neq':
      return matching((s) => s !== String(x));
    case 'in': {
      const set = new Set((x as unknown[]).map(String));
      return matching((s) => set.has(s));
    }
    case 'not_in': {
      const set = new Set((x as unknown[]).map(String));
      return matching((s) => !set.has(s));
    }
    case 'contains':
      return matching((s) => s.includes(String(x)));
    case 'gt':
      return matching((_, n) => n > Number(x));
    case 'gte':
      return matching((_, n) => n >= Number(x));
    case 'lt':
      return matching((_, n) => n < Number(x));
    case 'lte':
      return matching((_, n) => n <= Number(x));
    case 'between': {
      const [lo, hi] = x as number[];
      return matching((_, n) => n >= lo && n <= hi);
    }
    default:
      return () => false;
  }
}

/**
 * When a condition can change with no new data: at a fixed instant (before / after a date), or a span after a time
 * column's value (within the last N days stops holding N days after the event). Null: it cannot.
 */
type Boundary = { at: number } | { column: Float64Array | undefined; span: number } | null;

function boundaryOf(c: FieldCondition, store: CustomerStore): Boundary {
  if (c.op === 'before' || c.op === 'after') return { at: Date.parse(String(c.value)) };
  if (c.op !== 'within_last_days' && c.op !== 'not_within_last_days') return null;
  return { column: store.num.get(c.field), span: Number(c.value) * DAY };
}

function fieldBoundaries(c: FieldCondition, store: CustomerStore, now: number): (id: number, out: number[]) => void {
  const b = boundaryOf(c, store);
  if (!b) return () => {};
  if ('at' in b) return (_, out) => void (b.at > now && out.push(b.at));
  const { column: col, span } = b;
  return (id, out) => {
    const v = col && id < col.length ? col[id] : NaN;
    if (!Number.isNaN(v) && v + span > now) out.push(v + span);
  };
}

/**
 * Every customer's next instant after `now` at which any of the rules may flip with no new data (Infinity: none),
 * the earliest of what compile(rule).boundaries reports one customer at a time. Computed a column at a time, each
 * distinct (column, span) once: after a full recompute the scheduler needs it for a million customers at once.
 */
export function nextBoundaries(rules: Rule[], store: CustomerStore, now: number): Float64Array {
  const next = new Float64Array(store.size).fill(Infinity);
  let fixed = Infinity;
  const seen = new Set<string>();
  for (const c of rules.flatMap((r) => conditions(r)).filter(isField)) {
    const b = boundaryOf(c, store);
    if (!b) continue;
    if ('at' in b) {
      if (b.at > now) fixed = Math.min(fixed, b.at);
      continue;
    }
    const key = `${c.field}|${b.span}`;
    if (!b.column || seen.has(key)) continue;
    seen.add(key);
    const col = b.column;
    const n = Math.min(col.length, next.length);
    for (let id = 0; id < n; id++) {
      const t = col[id] + b.span; // NaN (no value) fails both comparisons
      if (t > now && t < next[id]) next[id] = t;
    }
  }
  if (fixed < Infinity) for (let id = 0; id < next.length; id++) if (fixed < next[id]) next[id] = fixed;
  return next;
}

/** A pass over the column narrowing a dense candidate set, for the common numeric comparisons and string equality/membership; null when not covered. */
function columnScan(c: FieldCondition, store: CustomerStore, now: number): ((set: Bitset) => Bitset) | null {
  const { op, value } = c;
  const num = store.num.get(c.field);
  if (num) {
    const x = Number(value);
    const bounds: Partial<Record<string, [number, number, boolean, boolean]>> = {
      // [low, high, low inclusive, high inclusive]
      eq: [x, x, true, true], gt: [x, Infinity, false, true], gte: [x, Infinity, true, true], lt: [-Infinity, x, true, false], lte: [-Infinity, x, true, true],
      within_last_days: [now - x * DAY, Infinity, true, true],
      between: Array.isArray(value) ? [Number(value[0]), Number(value[1]), true, true] : undefined,
    };
    const b = bounds[op];
    if (!b) return null;
    // Strict bounds become inclusive ones at the neighbouring double, so the loop has one shape for every operator.
    const lo = b[2] ? b[0] : nextUp(b[0]);
    const hi = b[3] ? b[1] : nextDown(b[1]);
    return (set) => narrow(set, num.length, (base, end) => {
      let hits = 0;
      for (let i = base; i < end; i++) {
        const v = num[i];
        if (v >= lo && v <= hi) hits |= 1 << (i - base);
      }
      return hits;
    });
  }
  const col = store.str.get(c.field);
  if (col && (op === 'eq' || op === 'in')) {
    const wanted = new Set((Array.isArray(value) ? value : [value]).map(String));
    const ok = new Uint8Array(col.dict.length + 1);
    col.dict.forEach((s, i) => (ok[i + 1] = wanted.has(s) ? 1 : 0));
    const codes = col.codes;
    return (set) => narrow(set, codes.length, (base, end) => {
      let hits = 0;
      for (let i = base; i < end; i++) hits |= ok[codes[i] + 1] << (i - base);
      return hits;
    });
  }
  return null;
}

/**
 * The candidates that pass, word by word: words without a candidate are skipped; `hits(base, end)` answers for ids
 * base..end-1 as a 32-bit mask (bit k = id base + k), and only the candidates' bits of it are kept.
 */
function narrow(set: Bitset, columnLength: number, hits: (base: number, end: number) => number): Bitset {
  const out = new Bitset(set.size);
  const o = out.words;
  const words = set.words;
  const n = Math.min(set.size, columnLength);
  for (let w = 0; w < words.length; w++) {
    const candidates = words[w];
    if (candidates === 0) continue;
    const base = w << 5;
    if (base >= n) break;
    o[w] = hits(base, Math.min(base + 32, n)) & candidates;
  }
  return out;
}

const bits = new Float64Array(1);
const raw = new BigInt64Array(bits.buffer);
/** The next double above x (x itself for ±Infinity and NaN). */
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity || x === -Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  bits[0] = x;
  raw[0] += x > 0 ? 1n : -1n;
  return bits[0];
}
const nextDown = (x: number) => -nextUp(-x);
