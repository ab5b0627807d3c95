// How many points an order or an action earns, before caps: pure rules over the programme, so they can be shown
// ("this order earned 380 = 190 yuan × 1 × Friday ×2") and tested without a database.
import { localDate, wallTimeToUtc } from '../kernel/time.ts';
import type { Program } from './program.ts';

export interface EarnQuote {
  points: number;
  base: number;
  multiplier: number;
  /** Why: the rates and multipliers that applied, for the ledger entry and the member's history. */
  applied: string[];
}

interface OrderLike {
  currency: string;
  amount: number;
  items: unknown[];
  placed_at: string;
}

/** Multipliers in force at a moment for a member: weekday, birthday month and campaigns, multiplied and capped. */
function multiplierAt(program: Program, at: Date, birthMonth: number | null, tier?: { name: string; multiplier: number }): { multiplier: number; applied: string[] } {
  const applied: string[] = [];
  let m = 1;
  if (tier && tier.multiplier !== 1) {
    m *= tier.multiplier;
    applied.push(`${tier.name} ×${tier.multiplier}`);
  }
  const { weekday, month } = localDate(at, program.timezone);
  const weekdayRate = program.multipliers.weekdays[String(weekday)];
  if (weekdayRate && weekdayRate !== 1) {
    m *= weekdayRate;
    applied.push(`weekday ${weekday} ×${weekdayRate}`);
  }
  if (birthMonth === month && program.multipliers.birthdayMonth !== 1) {
    m *= program.multipliers.birthdayMonth;
    applied.push(`birthday month ×${program.multipliers.birthdayMonth}`);
  }
  for (const c of program.multipliers.campaigns) {
    if (at >= new Date(c.from) && at < new Date(c.to)) {
      m *= c.multiplier;
      applied.push(`${c.name} ×${c.multiplier}`);
    }
  }
  if (m > program.multipliers.max) {
    applied.push(`capped at ×${program.multipliers.max}`);
    m = program.multipliers.max;
  }
  return { multiplier: m, applied };
}

/**
 * Points for an order: the paid amount is spread over the items in proportion to their list value (discounts fall
 * on every item alike), each part earns at its category's rate or the default, and the sum is multiplied.
 */
export function quoteOrder(program: Program, order: OrderLike, birthMonth: number | null, tier?: { name: string; multiplier: number }): EarnQuote {
  if (order.currency !== program.currency) return { points: 0, base: 0, multiplier: 1, applied: [`currency ${order.currency} does not earn (programme currency ${program.currency})`] };
  const items = (order.items as { category?: string; quantity?: number; unit_price?: number }[])
    .map((i) => ({ category: i.category, value: Math.max(0, (i.quantity ?? 0) * (i.unit_price ?? 0)) }))
    .filter((i) => i.value > 0);
  const listTotal = items.reduce((s, i) => s + i.value, 0);
  const yuan = order.amount / 100;
  const applied: string[] = [];
  let base = 0;
  if (listTotal === 0) {
    base = yuan * program.earn.perYuan;
    applied.push(`${yuan} yuan × ${program.earn.perYuan}`);
  } else {
    const byRate = new Map<number, number>();
    for (const i of items) {
      const rate = i.category !== undefined && program.earn.categories[i.category] !== undefined ? program.earn.categories[i.category] : program.earn.perYuan;
      byRate.set(rate, (byRate.get(rate) ?? 0) + (yuan * i.value) / listTotal);
    }
    for (const [rate, part] of byRate) {
      base += part * rate;
      applied.push(`${round2(part)} yuan × ${rate}`);
    }
  }
  const { multiplier, applied: m } = multiplierAt(program, new Date(order.placed_at), birthMonth, tier);
  return { points: Math.floor(base * multiplier + 1e-9), base: Math.floor(base + 1e-9), multiplier, applied: [...applied, ...m] };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Growth value (成长值) of an order: net spend × the growth rate, in the programme's currency only. */
export function orderGrowth(program: Program, order: { currency: string; amount: number }): number {
  if (order.currency !== program.currency) return 0;
  return Math.floor((order.amount / 100) * program.tiers.growth.perYuan + 1e-9);
}

/**
 * When points earned at a moment expire under the programme's policy: "end of the following year" means they are
 * gone at local midnight starting the year after next (earned 2026-03-01 → expire 2028-01-01 00:00 local time).
 */
export function expiryFor(program: Program, earnedAt: Date): Date | null {
  const policy = program.expiry;
  if (policy.kind === 'never') return null;
  if (policy.kind === 'days') return new Date(earnedAt.getTime() + policy.days * 86_400_000);
  return wallTimeToUtc(localDate(earnedAt, program.timezone).year + 2, 1, 1, 0, 0, 0, program.timezone);
}
