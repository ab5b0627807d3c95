// Loyalty under load, on the PostgreSQL server (PGlite runs one transaction at a time, so concurrency means
// nothing there):
//  coupons — 200 concurrent HTTP clients claim one popular coupon of stock 1,000 (each client a different member),
//            then the 1,000 holders lock and confirm it at checkout, then 200 checkouts fight over one coupon.
//            Zero oversell: issued = stock, coupon rows = stock, one winner of the contested lock.
//  earn    — order ingestion with the points programme and tiers on, creating 1M members through their first
//            orders, then repeat orders over the whole base, against the same repeat orders with the programme off.
import { startPlatform, type TestPlatform } from '../test/helpers/platform.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { claimCoupon } from '../src/loyalty/coupons/issue.ts';
import { loadFromProcess, percentile, report, seconds } from './lib.ts';

/** Runs `jobs` with `clients` concurrent workers; returns each job's latency in ms. */
async function pool<T>(items: T[], clients: number, job: (item: T) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < items.length) {
      const item = items[next++];
      const s = performance.now();
      await job(item);
      latencies.push(performance.now() - s);
    }
  }));
  return latencies.sort((a, b) => a - b);
}

async function members(t: TestPlatform, n: number): Promise<number[]> {
  const ws = t.ws.id;
  const { rows } = await t.platform.ctx.db.query<{ n: string }>(`SELECT nextval('customer_seq_${ws}') AS n`);
  const first = Number(rows[0].n) + 1;
  await t.platform.ctx.db.query(`SELECT setval('customer_seq_${ws}', $1)`, [first + n]);
  const ids = Array.from({ length: n }, (_, i) => first + i);
  await withTenant(t.platform.ctx.db, ws, (tx) => tx.query(
    `INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous) SELECT $1, u.id, u.id, false FROM unnest($2::bigint[]) AS u(id)`, [ws, ids]));
  await t.platform.upkeep.runOnce(); // as siyu start would within seconds: statistics for the members just loaded
  return ids;
}

export async function benchCoupons(opts: { clients: number; stock: number; attempts: number }) {
  if (!process.env.TEST_DATABASE_URL) {
    console.log('\ncoupons: needs TEST_DATABASE_URL (a PostgreSQL server); skipped');
    return;
  }
  const t = await startPlatform('postgres', { runImports: false });
  try {
    await t.api('PUT', '/v1/loyalty/program', {});
    const tpl = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'amount_off', name: '爆款满300减100', amountOff: 10000, threshold: 30000, stock: opts.stock, perCustomer: 1 });
    const ids = await members(t, opts.attempts);
    const statuses = new Map<string, number>();
    const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
    const codes: { id: number; code: string }[] = [];

    // The 200 clients run in their own process, as POS terminals and mini-program back ends would be remote.
    const load = (requests: { method: string; path: string; body?: unknown }[]) =>
      loadFromProcess({ url: t.url, authorization: `Bearer ${t.ws.secretKey}`, concurrency: opts.clients, requests });
    const claimed = await load(ids.map((id) => ({ method: 'POST', path: `/v1/loyalty/members/${id}/coupons`, body: { template_id: tpl.body.id, reference: `grab-${id}` } })));
    claimed.results.forEach((r, i) => {
      const body = JSON.parse(r.body);
      count(r.status === 201 ? 'issued' : body?.error?.code ?? String(r.status));
      if (r.status === 201) codes.push({ id: ids[i], code: body.code });
    });
    const claim = claimed.results.map((r) => r.ms).sort((a, b) => a - b);
    const claimMs = claimed.ms;

    const order = { amount: 39900, items: [{ sku: 'A', quantity: 1, unit_price: 39900 }] };
    const locked = await load(codes.map(({ id, code }) => ({ method: 'POST', path: '/v1/loyalty/checkout/lock', body: { customer_id: id, codes: [code], order, reference: `pos-${code}` } })));
    const bad = locked.results.find((r) => r.status !== 201);
    if (bad) throw new Error(`lock ${bad.status} ${bad.body}`);
    const confirmed = await load(codes.map(({ code }) => ({ method: 'POST', path: `/v1/loyalty/checkout/pos-${code}/confirm`, body: { order_id: `order-${code}` } })));
    const redeemed = confirmed.results.filter((r) => r.status === 200).length;
    const redeem = [...locked.results, ...confirmed.results].map((r) => r.ms).sort((a, b) => a - b);
    const redeemMs = locked.ms + confirmed.ms;
    let s = performance.now();

    // 200 checkouts at once for one coupon: exactly one may hold it.
    const tpl2 = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'amount_off', name: '单张', amountOff: 1000, stock: 1 });
    const [owner] = await members(t, 1);
    const single = await t.api('POST', `/v1/loyalty/members/${owner}/coupons`, { template_id: tpl2.body.id, reference: 'single' });
    let winners = 0;
    await pool(Array.from({ length: opts.clients }, (_, i) => i), opts.clients, async (i) => {
      const r = await t.api('POST', '/v1/loyalty/checkout/lock', { customer_id: owner, codes: [single.body.code], order: { amount: 5000 }, reference: `race-${i}` });
      if (r.status === 201) winners++;
    });

    // The same claim race without HTTP: 200 concurrent callers of the coupon engine (one call each) on the
    // platform's connection pool, which is what the database work costs once the HTTP stack is not on the same 2 cores.
    const tpl3 = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'amount_off', name: '爆款直连', amountOff: 10000, threshold: 30000, stock: opts.stock, perCustomer: 1 });
    const direct = new Map<string, number>();
    const { ctx } = t.platform;
    s = performance.now();
    const directLat = await pool(ids, opts.clients, async (id) => {
      try {
        await claimCoupon(ctx.db, t.ws.id, tpl3.body.id, id, { sourceType: 'operator', sourceId: `d-${id}`, key: `direct-${id}` }, ctx.clock.now());
        direct.set('issued', (direct.get('issued') ?? 0) + 1);
      } catch (err: any) {
        direct.set(err.code ?? 'error', (direct.get(err.code ?? 'error') ?? 0) + 1);
      }
    });
    const directMs = performance.now() - s;

    const db = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ issued: number; rows: number; redeemed: number }>(
      `SELECT t.issued, (SELECT count(*)::int FROM coupons c WHERE c.workspace_id = t.workspace_id AND c.template_id = t.id AND c.status = 'redeemed') AS redeemed,
              (SELECT count(*)::int FROM coupons c WHERE c.workspace_id = t.workspace_id AND c.template_id = t.id) AS rows
         FROM coupon_templates t WHERE t.workspace_id = $1 AND t.id = $2`, [t.ws.id, tpl.body.id]));
    const d = db.rows[0];
    report('coupons', [
      { phase: 'claim (抢券)', clients: opts.clients, operations: ids.length, 'ops/s': Math.round(ids.length / (claimMs / 1000)), 'p50 ms': percentile(claim, 50), 'p99 ms': percentile(claim, 99), result: `issued ${statuses.get('issued') ?? 0}, out_of_stock ${statuses.get('out_of_stock') ?? 0}, other ${[...statuses].filter(([k]) => !['issued', 'out_of_stock'].includes(k)).map(([k, v]) => `${k}:${v}`).join(' ') || 0}` },
      { phase: 'claim, engine without HTTP', clients: opts.clients, operations: ids.length, 'ops/s': Math.round(ids.length / (directMs / 1000)), 'p50 ms': percentile(directLat, 50), 'p99 ms': percentile(directLat, 99), result: [...direct].map(([k, v]) => `${k} ${v}`).join(', ') },
      { phase: 'lock + confirm', clients: opts.clients, operations: codes.length * 2, 'ops/s': Math.round((codes.length * 2) / (redeemMs / 1000)), 'p50 ms': percentile(redeem, 50), 'p99 ms': percentile(redeem, 99), result: `redeemed ${redeemed}` },
      { phase: 'one coupon, 200 checkouts', clients: opts.clients, operations: opts.clients, 'ops/s': 0, 'p50 ms': 0, 'p99 ms': 0, result: `winners ${winners}` },
    ], { stock: opts.stock, templateIssued: d.issued, couponRows: d.rows, templateRedeemed: d.redeemed, oversold: Math.max(0, d.rows - opts.stock), note: 'HTTP through Fastify to the PostgreSQL server; the 200 clients are keep-alive connections from a separate process on the same 2 cores (the server, PostgreSQL and the clients share them)' });
    if (d.rows > opts.stock || d.issued !== d.rows || winners !== 1) throw new Error(`oversell: ${JSON.stringify(d)} winners ${winners}`);
  } finally {
    await t.close();
  }
}

/**
 * A base of `n` members loaded by SQL as order ingestion would leave them (profile, user_id identity with its blind
 * index, points account, base tier), so the benchmark can time order ingestion over a million members without first
 * spending half an hour creating them through HTTP.
 */
async function seedMembers(t: TestPlatform, n: number) {
  const { ctx } = t.platform;
  const ws = t.ws.id;
  const { rows } = await ctx.db.query<{ n: string }>(`SELECT nextval('customer_seq_${ws}') AS n`);
  const first = Number(rows[0].n) + 1;
  await ctx.db.query(`SELECT setval('customer_seq_${ws}', $1)`, [first + n]);
  const chunk = 20_000;
  for (let i = 0; i < n; i += chunk) {
    const ids = Array.from({ length: Math.min(chunk, n - i) }, (_, k) => first + i + k);
    const users = ids.map((_, k) => `m-${i + k}`);
    await withTenant(ctx.db, ws, async (tx) => {
      await tx.query(`INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous, first_seen_at, last_seen_at) SELECT $1, u, u, false, now(), now() FROM unnest($2::bigint[]) u`, [ws, ids]);
      await tx.query(
        `INSERT INTO identities (workspace_id, id_type, scope, value_hash, value_enc, value_masked, customer_id, source)
         SELECT $1, 'user_id', '', u.h, u.e, 'm-***', u.id, 'bench' FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(h, e, id)`,
        [ws, users.map((u) => ctx.pii.blindIndex('user_id', u)), users.map((u) => ctx.pii.encrypt(u)), ids]);
      await tx.query(`INSERT INTO points_accounts (workspace_id, customer_id) SELECT $1, u FROM unnest($2::bigint[]) u`, [ws, ids]);
      await tx.query(`INSERT INTO member_tiers (workspace_id, customer_id, tier, since) SELECT $1, u, 'bronze', now() FROM unnest($2::bigint[]) u`, [ws, ids]);
    });
    process.stderr.write(`\r  members ${(i + ids.length).toLocaleString()} / ${n.toLocaleString()}`);
  }
  process.stderr.write('\n');
  await ctx.db.query('ANALYZE');
}

export async function benchEarn(opts: { members: number; repeats: number; firsts: number; batch: number; clients: number }) {
  if (!process.env.TEST_DATABASE_URL) {
    console.log('\nearn: needs TEST_DATABASE_URL (a PostgreSQL server); skipped');
    return;
  }
  const t = await startPlatform('postgres', { runImports: false });
  try {
    await t.api('PUT', '/v1/loyalty/program', { multipliers: { weekdays: { 5: 2 } }, earn: { perYuan: 1, categories: { sports: 2 } } });
    const at = new Date().toISOString();
    const orderOf = (i: number, user: string) => ({
      order_id: `o-${i}`, customer: { user_id: user }, amount: 1000 + ((i * 7919) % 50000), currency: 'CNY', placed_at: at,
      items: [{ sku: `S${i % 97}`, category: i % 3 === 0 ? 'sports' : 'home', quantity: 1, unit_price: 1000 + ((i * 7919) % 50000) }],
    });
    const send = async (orders: object[]) => {
      const batches: object[][] = [];
      for (let i = 0; i < orders.length; i += opts.batch) batches.push(orders.slice(i, i + opts.batch));
      let done = 0;
      const s = performance.now();
      await pool(batches, opts.clients, async (b) => {
        const r = await t.track('/v1/orders/batch', { orders: b });
        if (r.status !== 200) throw new Error(`orders: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        done += b.length;
        if (done % 50_000 < opts.batch) process.stderr.write(`\r  orders ${done.toLocaleString()} / ${orders.length.toLocaleString()}`);
      });
      process.stderr.write('\n');
      return performance.now() - s;
    };
    const loadStart = performance.now();
    await seedMembers(t, opts.members);
    const loadMs = performance.now() - loadStart;
    // New buyers: identity resolution creates the profile, then the first order earns and opens the account.
    const firstMs = await send(Array.from({ length: opts.firsts }, (_, i) => orderOf(i, `new-${i}`)));
    let state = 5;
    const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const repeat = (offset: number) => Array.from({ length: opts.repeats }, (_, i) => orderOf(offset + i, `m-${Math.floor(rand() * opts.members)}`));
    const onMs = await send(repeat(opts.firsts));
    await t.api('PUT', '/v1/loyalty/program', { enabled: false });
    const offMs = await send(repeat(opts.firsts + opts.repeats));
    const totals = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ accounts: number; entries: number; tiers: number }>(
      `SELECT (SELECT count(*)::int FROM points_accounts WHERE workspace_id = $1) AS accounts, (SELECT count(*)::int FROM points_entries WHERE workspace_id = $1) AS entries,
              (SELECT count(*)::int FROM member_tiers WHERE workspace_id = $1 AND tier <> 'bronze') AS tiers`, [t.ws.id]));
    const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
    report('earn', [
      { phase: 'first orders of new buyers (profile + account created)', members: opts.members, orders: opts.firsts, seconds: seconds(firstMs), 'orders/s': rate(opts.firsts, firstMs), programme: 'on' },
      { phase: 'repeat orders over the member base', members: opts.members, orders: opts.repeats, seconds: seconds(onMs), 'orders/s': rate(opts.repeats, onMs), programme: 'on' },
      { phase: 'repeat orders over the member base', members: opts.members, orders: opts.repeats, seconds: seconds(offMs), 'orders/s': rate(opts.repeats, offMs), programme: 'off' },
    ], { ...totals.rows[0], loadSeconds: seconds(loadMs), batch: opts.batch, clients: opts.clients, note: 'Members loaded by SQL (profile, blind-indexed user_id, account, tier); then POST /v1/orders/batch with a write key. On = points by category with a weekday multiplier, growth value and tiers, in the order transaction.' });
  } finally {
    await t.close();
  }
}
