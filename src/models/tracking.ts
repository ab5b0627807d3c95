// The BG/NBD tracking check (Fader, Hardie & Lee 2005, fig. 2): repeat purchases per week, actual against what the
// fitted model expects for customers acquired when they were. Customers are grouped by their first week, so the
// cost grows with weeks², not with customers.
import { expectedPurchasesNew, type BgNbdParams } from './bgnbd.ts';
import type { CustomerSummary, Transaction } from './cdnow.ts';

export function trackingSeries(params: BgNbdParams, summary: CustomerSummary[], transactions: Transaction[], calibrationEndDay: number, maxWeeks = 104) {
  const start = Math.max(Math.min(...summary.map((s) => s.firstDay)), calibrationEndDay - maxWeeks * 7);
  const weeks = Math.ceil((calibrationEndDay - start + 1) / 7);
  const firstDay = new Map(summary.map((s) => [s.customer, s.firstDay]));
  const actual = new Array(weeks).fill(0);
  const seen = new Set<string>();
  for (const t of transactions) {
    const key = `${t.customer}|${t.day}`;
    if (seen.has(key) || t.day === firstDay.get(t.customer) || t.day < start || t.day > calibrationEndDay) continue;
    seen.add(key);
    actual[Math.floor((t.day - start) / 7)]++;
  }
  // cohort size by acquisition day (customers acquired before the window count from its start)
  const cohorts = new Map<number, number>();
  for (const s of summary) cohorts.set(s.firstDay, (cohorts.get(s.firstDay) ?? 0) + 1);
  const cumulative = (w: number) => {
    let total = 0;
    for (const [day, n] of cohorts) total += n * (expectedPurchasesNew(params, Math.max(0, w - (day - start) / 7)) - expectedPurchasesNew(params, Math.max(0, (start - day) / 7)));
    return total;
  };
  const series: { week: number; actual: number; predicted: number }[] = [];
  let prev = cumulative(0);
  for (let w = 1; w <= weeks; w++) {
    const c = cumulative(w);
    series.push({ week: w, actual: actual[w - 1], predicted: Math.round((c - prev) * 10) / 10 });
    prev = c;
  }
  return series;
}
