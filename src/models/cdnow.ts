// Turning a transaction log into (x, t_x, T) and mean repeat value per customer, the way the BG/NBD papers do:
// time in weeks from each customer's first purchase, purchases on the same day merged into one.
import type { Rfm } from './bgnbd.ts';

export interface Transaction {
  customer: string;
  day: number; // days since epoch (UTC)
  value: number;
}

export interface CustomerSummary extends Rfm {
  customer: string;
  firstDay: number;
  /** mean value of the repeat (non-first) purchase days in the calibration period; 0 when x = 0 */
  meanRepeatValue: number;
}

export function summarize(transactions: Transaction[], calibrationEndDay: number): CustomerSummary[] {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    if (t.day > calibrationEndDay) continue;
    const days = byCustomer.get(t.customer) ?? new Map<number, number>();
    days.set(t.day, (days.get(t.day) ?? 0) + t.value);
    byCustomer.set(t.customer, days);
  }
  const out: CustomerSummary[] = [];
  for (const [customer, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    const repeatValues = sorted.slice(1).map((d) => days.get(d)!);
    out.push({
      customer,
      firstDay: first,
      x: sorted.length - 1,
      tx: (last - first) / 7,
      T: (calibrationEndDay - first) / 7,
      meanRepeatValue: repeatValues.length ? repeatValues.reduce((s, v) => s + v, 0) / repeatValues.length : 0,
    });
  }
  return out;
}

export const dayOf = (yyyymmdd: string) => Date.UTC(+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6) - 1, +yyyymmdd.slice(6, 8)) / 86_400_000;
