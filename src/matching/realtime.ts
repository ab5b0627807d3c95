// Real-time matching: when a profile's PII changes (identify, import, order with a new phone ...) its blocking keys
// are refreshed and its candidates — the profiles sharing a key — are scored with the workspace's fitted model.
// Above the auto threshold the pair is merged, in the grey zone it is queued for review. Changes arrive on the
// in-process change feed after their transaction commits and are handled in batches, off the ingest path.
import type { AppContext } from '../kernel/context.ts';
import type { Worker } from '../kernel/module.ts';
import type { CustomersChanged } from '../kernel/changes.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { withTenant } from '../kernel/tenant.ts';
import { compareRecords } from './compare.ts';
import { describePair, mergePair, type PairScore, queueReviews } from './decide.ts';
import { candidateIds, dropKnownCommon, markSeen, prepareKeys, writeKeys } from './keys.ts';
import { packPattern, unpackPattern } from './model.ts';
import { loadChangedProfiles, loadProfiles, toPersonRecord } from './profiles.ts';
import { comparableFields, prepareRecord, type PersonRecord, type PreparedRecord } from './record.ts';
import { autoMergeAllowed, conflict, reviewReason } from './rules.ts';
import { Scorer } from './scorer.ts';
import { loadSettings, type MatchSettings } from './settings.ts';
import { loadShares } from './value-counts.ts';

export interface Candidate extends PairScore {
  /** The candidate profile as it was compared. */
  other: PreparedRecord;
}

/**
 * Scores a record against the live profiles that share a blocking key with it, best first. The record's values
 * are weighed by how common they were at the last batch run.
 */
export async function scoreCandidates(ctx: AppContext, tx: TenantTx, record: PreparedRecord, scorer: Scorer): Promise<Candidate[]> {
  const ids = await candidateIds(tx, ctx.pii, record, scorer.model.records ?? 0);
  const profiles = await loadProfiles(tx, ids);
  if (profiles.length > 0) await loadShares(tx, ctx.pii, record, scorer.model.tf);
  const now = ctx.clock.now();
  return profiles
    .map((profile) => {
      const other = prepareRecord(toPersonRecord(ctx.pii, profile), now);
      const levels = compareRecords(record, other);
      const weight = scorer.weight(levels, record, other);
      return {
        a: record.id, b: other.id, probability: scorer.probability(weight), weight, pattern: packPattern(levels), other,
        fields: scorer.evidence(levels, record, other),
      };
    })
    .sort((x, y) => y.probability - x.probability);
}

/** A record ready to compare: normalized, without the values the workspace's last batch run found over-used. */
export function prepareForMatching(ctx: AppContext, r: PersonRecord, commonHashes: Set<string>): PreparedRecord {
  const p = prepareRecord(r, ctx.clock.now());
  dropKnownCommon(ctx.pii, p, commonHashes);
  return p;
}

export class RealtimeMatcher implements Worker {
  readonly name = 'realtime matching';
  /** Hears this process's profile changes from the moment the platform exists. */
  readonly live = true;
  private readonly pending = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  // Changes from other processes are matched there: a pair is scored once. Profiles whose PII did not change have
  // the keys and candidates they had.
  private readonly listener = (c: CustomersChanged) => !c.remote && this.enqueue(c.workspaceId, c.piiChanged ?? c.customerIds);

  constructor(private readonly ctx: AppContext, private readonly delayMs = 100) {}

  start() {
    this.stopped = false;
    this.ctx.changes.onCustomers(this.listener);
  }

  async stop() {
    this.stopped = true;
    this.ctx.changes.off('customers', this.listener);
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  enqueue(workspaceId: string, ids: number[]) {
    if (ids.length === 0) return;
    const set = this.pending.get(workspaceId) ?? new Set();
    ids.forEach((id) => set.add(id));
    this.pending.set(workspaceId, set);
    if (!this.timer && !this.running && !this.stopped) this.timer = setTimeout(() => this.drain(), this.delayMs);
  }

  /** Resolves once every change heard so far has been matched (tests, shutdown). */
  async idle() {
    while (this.timer || this.running || this.pending.size > 0) {
      if (!this.timer && !this.running) this.drain();
      await (this.running ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  private drain() {
    this.timer = null;
    this.running = (async () => {
      while (!this.stopped && this.pending.size > 0) {
        const [ws, set] = this.pending.entries().next().value as [string, Set<number>];
        const ids = [...set].slice(0, 500);
        ids.forEach((id) => set.delete(id));
        if (set.size === 0) this.pending.delete(ws);
        try {
          await this.matchCustomers(ws, ids);
        } catch (err) {
          this.ctx.log.error({ err, workspaceId: ws }, 'real-time matching failed');
        }
      }
    })().finally(() => {
      this.running = null;
    });
  }

  /** Re-keys and matches the given profiles whose PII changed since the matcher last saw them. */
  async matchCustomers(workspaceId: string, ids: number[]) {
    const changed: number[] = [];
    await withTenant(this.ctx.db, workspaceId, async (tx) => {
      const rows = await loadChangedProfiles(tx, ids);
      if (rows.length === 0) return;
      const settings = await loadSettings(tx);
      const records = rows.map((row) => prepareForMatching(this.ctx, toPersonRecord(this.ctx.pii, row), settings.commonHashes));
      await writeKeys(tx, this.ctx.pii, records.map(prepareKeys));
      await markSeen(tx, records.map((r) => r.id), rows.map((r) => r.digest));
      // Until a batch run has fitted a model there is nothing to score with: keys are kept so the first run and
      // later lookups see these profiles.
      if (!settings.model) return;
      const scorer = new Scorer(settings.model);
      const mergedAway = new Set<number>();
      for (const record of records) {
        if (mergedAway.has(record.id) || comparableFields(record) < 2) continue;
        changed.push(...(await this.decide(tx, record, scorer, settings, mergedAway)));
      }
    });
    this.ctx.changes.customersChanged(workspaceId, changed);
  }

  private async decide(tx: TenantTx, record: PreparedRecord, scorer: Scorer, settings: MatchSettings, mergedAway: Set<number>) {
    const { auto, review } = settings.thresholds;
    const candidates = (await scoreCandidates(this.ctx, tx, record, scorer)).filter((c) => c.probability >= review && !mergedAway.has(c.b));
    const autos = candidates.filter((c) => c.probability >= auto && autoMergeAllowed(unpackPattern(c.pattern), c.weight));
    const touched: number[] = [];
    const reviews: Parameters<typeof queueReviews>[1] = [];
    const best = autos[0];
    if (best) {
      const merged = await mergePair(tx, describePair(best, 'realtime'), best.a, best.b, 'matcher');
      if (merged) {
        touched.push(merged.winner, merged.loser);
        mergedAway.add(merged.loser);
      }
    }
    // Several strong candidates: join another only if it also matches the first, else a person decides (no chains).
    for (const c of autos.slice(1)) {
      const cross = compareRecords(best.other, c.other);
      const consistent = !conflict(cross) && scorer.probability(scorer.weight(cross, best.other, c.other)) >= review;
      const merged = consistent ? await mergePair(tx, describePair(c, 'realtime'), c.a, c.b, 'matcher') : null;
      if (merged) {
        touched.push(merged.winner, merged.loser);
        mergedAway.add(merged.loser);
      } else if (!consistent) reviews.push({ pair: c, evidence: describePair(c, 'realtime'), reason: 'several_candidates', source: 'realtime' });
    }
    for (const c of candidates.filter((x) => !autos.includes(x))) {
      const reason = reviewReason(unpackPattern(c.pattern), c.weight, c.probability, auto);
      reviews.push({ pair: c, evidence: describePair(c, 'realtime'), reason, source: 'realtime' });
    }
    // Pairs an operator already rejected are blocked; their reviews stay decided (the unique pair keeps them out).
    await queueReviews(tx, reviews);
    return touched;
  }
}
