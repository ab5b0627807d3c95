// `npm run bench [-- name ...]`: runs the benchmarks, prints a table for each and writes bench/results/<name>.json.
// Sizes can be raised with environment variables (BENCH_INGEST_EVENTS, BENCH_360_CUSTOMERS, BENCH_360_EVENTS).
import { benchIngest } from './ingest.ts';
import { benchImport } from './import.ts';
import { benchCustomer360 } from './customer360.ts';
import { benchSegments } from './segments.ts';
import { benchModels } from './models.ts';
import { benchChurn } from './churn.ts';
import { benchRecommend, benchRecommendScale } from './recommend.ts';
import { benchMatching, benchMatchingZh } from './matching.ts';
import { benchMatchingLookup } from './matching-lookup.ts';
import { benchCoupons, benchEarn } from './loyalty.ts';
import { benchJourneys } from './journeys.ts';
import { benchBroadcast } from './broadcast.ts';
import { benchAnalytics } from './analytics.ts';
import { benchLayers } from './layers.ts';
import { benchCommunity } from './community.ts';
import type { Engine } from '../test/helpers/platform.ts';

const engines: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const num = (v: string | undefined, d: number) => (v ? Number(v) : d);

process.env.LOG_LEVEL ??= 'error';
if (want('ingest')) {
  await benchIngest(engines, {
    events: { pglite: num(process.env.BENCH_INGEST_EVENTS_PGLITE, 100_000), postgres: num(process.env.BENCH_INGEST_EVENTS, 300_000) },
    concurrency: { pglite: 1, postgres: 4 },
  });
}
if (want('import')) await benchImport(engines);
if (want('customer360')) {
  await benchCustomer360({ customers: num(process.env.BENCH_360_CUSTOMERS, 1_000_000), events: num(process.env.BENCH_360_EVENTS, 20_000_000), samples: 2000 });
}
if (want('layers')) await benchLayers({ customers: num(process.env.BENCH_LAYER_CUSTOMERS, 1_000_000), events: num(process.env.BENCH_LAYER_EVENTS, 100_000_000) });
if (want('segments')) await benchSegments({ customers: num(process.env.BENCH_SEGMENT_CUSTOMERS, 1_000_000), samples: 200, latencySamples: 300 });
if (want('models')) await benchModels(num(process.env.BENCH_MODEL_CUSTOMERS, 1_000_000));
if (want('churn')) await benchChurn();
if (want('recommend')) await benchRecommend();
if (want('recommend-scale')) await benchRecommendScale(num(process.env.BENCH_REC_CUSTOMERS, 1_000_000), num(process.env.BENCH_REC_PRODUCTS, 10_000));
if (want('matching')) await benchMatching(num(process.env.BENCH_MATCH_RECORDS, 1_000_000));
else if (want('matching-zh')) await benchMatchingZh();
if (want('matching-lookup')) await benchMatchingLookup({ records: num(process.env.BENCH_LOOKUP_PROFILES, 1_000_000), samples: 1000 });
if (want('coupons')) await benchCoupons({ clients: 200, stock: 1000, attempts: num(process.env.BENCH_COUPON_ATTEMPTS, 20_000) });
if (want('earn')) await benchEarn({ members: num(process.env.BENCH_EARN_MEMBERS, 1_000_000), repeats: num(process.env.BENCH_EARN_REPEATS, 100_000), firsts: 20_000, batch: 500, clients: 4 });
if (want('journeys')) await benchJourneys(engines, { inFlight: num(process.env.BENCH_JOURNEY_CUSTOMERS, 100_000), timers: num(process.env.BENCH_JOURNEY_TIMERS, 20_000) });
if (want('broadcast')) {
  await benchBroadcast(engines, {
    customers: { pglite: num(process.env.BENCH_BROADCAST_CUSTOMERS_PGLITE, 100_000), postgres: num(process.env.BENCH_BROADCAST_CUSTOMERS, 1_000_000) },
    rate: num(process.env.BENCH_BROADCAST_RATE, 5000),
    latencySamples: 300,
  });
}
if (want('analytics')) {
  await benchAnalytics({ customers: num(process.env.BENCH_ANALYTICS_CUSTOMERS, 1_000_000), events: num(process.env.BENCH_ANALYTICS_EVENTS, 100_000_000), snapshotCustomers: num(process.env.BENCH_SNAPSHOT_CUSTOMERS, 20_000) });
}
if (want('community')) await benchCommunity({ messages: num(process.env.BENCH_COMMUNITY_MESSAGES, 200_000) });
