// Real-time candidate lookup at scale: a base of synthetic people stored as profiles (PII sealed, blocking keys as
// blind indexes), a model fitted on them, then POST /v1/identity/matching/lookup for variants of existing people
// with a typo — the same path a new registration takes through real-time matching (key lookup, load, decrypt, score).
import path from 'node:path';
import { startPlatform } from '../test/helpers/platform.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { readFebrl } from '../src/matching/febrl.ts';
import { linkRecords } from '../src/matching/link.ts';
import { prepareKeys, writeKeys } from '../src/matching/keys.ts';
import { prepareRecord, type PersonRecord } from '../src/matching/record.ts';
import { saveFit } from '../src/matching/settings.ts';
import { replaceValueCounts } from '../src/matching/value-counts.ts';
import { percentile, report, seconds } from './lib.ts';
import { syntheticBase } from './synthetic-people.ts';

const CHUNK = 5_000;

export async function benchMatchingLookup(opts: { records: number; samples: number }) {
  const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
  const records = engine === 'postgres' ? opts.records : Math.min(opts.records, 100_000);
  const t = await startPlatform(engine, { runImports: false });
  const { ctx } = t.platform;
  const ws = t.ws.id;
  const today = ctx.clock.now();
  try {
    const vocab = readFebrl(path.resolve('../shared/data/identity/febrl_dataset2.csv')).records;
    const synthetic = syntheticBase(records, vocab, 11);
    const base = synthetic.records;
    const load = performance.now();
    await ctx.db.query(`SELECT setval('customer_seq_${ws}', $1)`, [records]);
    for (let i = 0; i < base.length; i += CHUNK) {
      const chunk = base.slice(i, i + CHUNK);
      await withTenant(ctx.db, ws, async (tx) => {
        await tx.query(
          `INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous, pii, traits, first_seen_at, last_seen_at)
           SELECT $1, u.id, u.id, false, u.pii, u.traits, now(), now() FROM unnest($2::bigint[], $3::jsonb[], $4::jsonb[]) AS u(id, pii, traits)`,
          [ws, chunk.map((r) => r.id), chunk.map((r) => JSON.stringify(sealed(ctx.pii, r))), chunk.map((r) => JSON.stringify({ city: r.city, postcode: r.postcode, province: r.region }))],
        );
        await writeKeys(tx, ctx.pii, chunk.map((r) => prepareKeys(prepareRecord(asProfile(r), today))));
      });
      process.stderr.write(`\r  profiles ${(i + chunk.length).toLocaleString()} / ${records.toLocaleString()}`);
    }
    process.stderr.write('\n');
    await ctx.db.query('ANALYZE');
    const loadMs = performance.now() - load;

    // The model a batch run would fit, fitted on (up to) 200k of the same profiles.
    const fit = linkRecords(base.slice(0, 200_000).map(asProfile), { today });
    await withTenant(ctx.db, ws, async (tx) => {
      await replaceValueCounts(tx, ctx.pii, fit.valueCounts);
      await saveFit(tx, { model: fit.model, expected: fit.expected, commonValues: [], commonHashes: [], at: today });
    });

    const latencies: number[] = [];
    const candidates: number[] = [];
    let found = 0;
    let state = 3;
    const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let i = 0; i < opts.samples; i++) {
      const person = base[Math.floor(rand() * base.length)];
      const p = asProfile(person);
      // One typo in the surname: the exact name key misses, the phonetic and date keys still find the person.
      const name = `${person.givenName} ${typo(person.surname!, rand)}`;
      const s = performance.now();
      const res = await t.api('POST', '/v1/identity/matching/lookup', { name, birthDate: p.birthDate!, address: p.address!, city: p.city!, postcode: p.postcode! });
      latencies.push(performance.now() - s);
      if (res.status !== 200) throw new Error(`lookup: ${res.status} ${JSON.stringify(res.body)}`);
      candidates.push(res.body.candidates.length);
      // The best candidate is this person: the profile itself or its duplicate (a fifth of the people have two).
      const best = res.body.candidates[0]?.customerId;
      if (best !== undefined && synthetic.truth.get(best) === synthetic.truth.get(person.id)) found++;
    }
    const sorted = latencies.sort((a, b) => a - b);
    report('matching-lookup', [{
      engine, profiles: records, samples: opts.samples, 'p50 ms': percentile(sorted, 50), 'p99 ms': percentile(sorted, 99), 'max ms': sorted[sorted.length - 1],
      mean_candidates: candidates.reduce((a, b) => a + b, 0) / candidates.length, found_at_1: (found / opts.samples).toFixed(4),
    }], { loadSeconds: seconds(loadMs), note: 'HTTP POST /v1/identity/matching/lookup with a surname typo, one client; found_at_1 = the best candidate is the same person (the profile or its known duplicate)' });
  } finally {
    await t.close();
  }
}

/** A synthetic person as a profile stores it: full name, birthday, one address line, city/postcode/province as traits. */
function asProfile(r: PersonRecord): PersonRecord {
  return {
    id: r.id, name: `${r.givenName} ${r.surname}`, birthDate: r.birthDate, address: `${r.streetNumber} ${r.street}`,
    city: r.city, postcode: r.postcode, region: r.region,
  };
}

function sealed(pii: { encrypt(v: string): string }, r: PersonRecord) {
  const p = asProfile(r);
  return { name: pii.encrypt(p.name!), birthday: pii.encrypt(p.birthDate!), address: pii.encrypt(p.address!) };
}

function typo(s: string, rand: () => number) {
  const i = 1 + Math.floor(rand() * (s.length - 1));
  return s.slice(0, i) + String.fromCharCode(97 + Math.floor(rand() * 26)) + s.slice(i + 1);
}
