// Traits, tags and segments as scenarios: events arrive, time passes, membership follows — table-driven, on a
// controllable clock, on each storage engine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';
import type { MembershipChange } from '../src/kernel/changes.ts';
import { withTenant } from '../src/kernel/tenant.ts';

const DAY = 86_400_000;
const T0 = new Date('2026-03-01T00:00:00Z');

type Step =
  | { views: Record<string, number>; category?: string }
  | { orders: string[] }
  | { advanceDays: number }
  | { expect: Record<string, string[]> };

for (const engine of ENGINES) {
  describe(`traits, tags and segments (${engine})`, () => {
    let t: TestPlatform;
    const clock = new ManualClock(T0);
    const feed: MembershipChange[] = [];
    let orderSeq = 0;
    let msgSeq = 0;

    before(async () => {
      t = await startPlatform(engine, { clock });
      t.platform.ctx.changes.onMembership((c) => feed.push(c));
    });
    after(async () => t.close());

    const idle = () => t.platform.engine.idle(t.ws.id);
    const userOf = new Map<number, string>();
    const members = async (key: string) => {
      const kind = key.startsWith('tag:') ? 'tag' : 'segment';
      const bits = await t.platform.engine.members(t.ws.id, kind, key.replace(/^tag:/, ''));
      const ids = [...bits.ids()];
      if (ids.some((id) => !userOf.has(id))) {
        const { rows } = await t.platform.ctx.db.query<{ customer_id: number; v: string }>(`SELECT customer_id, value_masked AS v FROM identities WHERE id_type = 'user_id' AND customer_id = ANY($1)`, [ids]);
        for (const r of rows) userOf.set(r.customer_id, r.v);
      }
      return ids.map((id) => userOf.get(id)!).sort();
    };
    const run = async (steps: Step[]) => {
      for (const [i, step] of steps.entries()) {
        if ('views' in step) {
          const batch = Object.entries(step.views).flatMap(([user, n]) => Array.from({ length: n }, () => ({
            type: 'track', userId: user, event: 'Product Viewed', messageId: `v-${++msgSeq}`, timestamp: clock.now().toISOString(), properties: { category: step.category ?? 'sports' },
          })));
          assert.equal((await t.track('/v1/batch', { batch })).status, 200);
        } else if ('orders' in step) {
          for (const user of step.orders) {
            const res = await t.track('/v1/orders', { order_id: `o-${++orderSeq}`, customer: { user_id: user }, amount: 9900, placed_at: clock.now().toISOString() });
            assert.equal(res.status, 200, JSON.stringify(res.body));
          }
        } else if ('advanceDays' in step) {
          clock.advance(step.advanceDays * DAY);
          await t.platform.engine.tick(t.ws.id);
        } else {
          await idle();
          for (const [key, expected] of Object.entries(step.expect)) {
            assert.deepEqual(await members(key), expected.map((u) => maskedUser(u)).sort(), `step ${i}: ${key} at ${clock.now().toISOString()}`);
          }
        }
      }
    };

    it('defines a windowed trait, a rule tag on it and segments over tags, order facts and time', async () => {
      const trait = await t.api('POST', '/v1/traits', {
        key: 'sports_views_30d', name: '近30天运动品类浏览次数',
        definition: { source: 'events', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'sports' }], aggregate: 'count', windowDays: 30 },
      });
      assert.equal(trait.status, 201, JSON.stringify(trait.body));
      const tag = await t.api('POST', '/v1/tags', { key: 'fitness_lover', name: '健身爱好者', tier: 'behavior', group: '兴趣', kind: 'rule', rule: { field: 'computed.sports_views_30d', op: 'gte', value: 3 } });
      assert.equal(tag.status, 201, JSON.stringify(tag.body));
      for (const [key, rule] of [
        ['lapsed', { all: [{ field: 'order_count', op: 'gte', value: 1 }, { field: 'last_order_at', op: 'not_within_last_days', value: 30 }] }],
        ['fit_buyers', { all: [{ tag: 'fitness_lover', has: true }, { field: 'order_count', op: 'gte', value: 1 }] }],
        ['fit_or_lapsed', { any: [{ segment: 'fit_buyers', member: true }, { segment: 'lapsed', member: true }] }],
      ] as const) {
        const res = await t.api('POST', '/v1/segments', { key, name: key, rule });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    });

    it('follows events and the clock: entries and exits happen on time without new events', async () => {
      await run([
        { views: { ann: 3, bob: 2 } },
        { views: { bob: 5 }, category: 'beauty' },
        { expect: { 'tag:fitness_lover': ['ann'], fit_buyers: [], lapsed: [] } },
        { orders: ['ann', 'bob'] },
        { expect: { fit_buyers: ['ann'], lapsed: [], fit_or_lapsed: ['ann'] } },
        { advanceDays: 29 },
        { expect: { lapsed: [], 'tag:fitness_lover': ['ann'] } },
        { advanceDays: 1.5 },
        // 30 days after the views and the orders: the trait window empties and "no order in 30 days" becomes true.
        { expect: { lapsed: ['ann', 'bob'], 'tag:fitness_lover': [], fit_buyers: [], fit_or_lapsed: ['ann', 'bob'] } },
        { orders: ['bob'] },
        { expect: { lapsed: ['ann'] } },
        { views: { bob: 3 } },
        { expect: { 'tag:fitness_lover': ['bob'], fit_buyers: ['bob'], fit_or_lapsed: ['ann', 'bob'] } },
      ]);
    });

    it('writes segment_entered / segment_exited into the timeline and tells subscribers', async () => {
      const ann = (await t.api('GET', '/v1/customers?q=ann')).body.customers[0].id;
      const tl = (await t.api('GET', `/v1/customers/${ann}/timeline?limit=500`)).body.entries.filter((e: any) => /segment_/.test(e.title));
      const lapsed = tl.filter((e: any) => e.detail.properties.segment === 'lapsed').map((e: any) => e.detail.event);
      assert.deepEqual(lapsed, ['segment_entered']);
      const fit = tl.filter((e: any) => e.detail.properties.segment === 'fit_buyers').map((e: any) => e.detail.event);
      assert.deepEqual(fit, ['segment_exited', 'segment_entered'], 'newest first');
      assert.ok(feed.some((c) => c.kind === 'segment' && c.key === 'lapsed' && c.customerId === ann && c.change === 'entered'));
      const seg = (await t.api('GET', '/v1/segments/lapsed')).body;
      assert.equal(seg.size, 1);
      assert.ok(seg.history.length >= 2, 'size history is kept');
    });

    it('stores sizes and coverage equal to the members stored, after changes and after a full recompute', async () => {
      const stored = () => withTenant(t.platform.ctx.db, t.ws.id, async (tx) => ({
        segments: (await tx.query<{ key: string; size: number; members: number; last: number }>(
          `SELECT s.key, s.size, (SELECT count(*)::int FROM segment_members m WHERE m.segment_id = s.id) AS members,
                  (SELECT z.size FROM segment_sizes z WHERE z.segment_id = s.id ORDER BY z.at DESC LIMIT 1) AS last
             FROM segments s WHERE s.deleted_at IS NULL`)).rows,
        tags: (await tx.query<{ key: string; coverage: number; members: number }>(
          `SELECT t.key, t.coverage, (SELECT count(*)::int FROM customer_tags ct WHERE ct.tag_id = t.id) AS members FROM tags t WHERE t.kind = 'rule' AND t.deleted_at IS NULL`)).rows,
      }));
      const check = async (when: string) => {
        const { segments, tags } = await stored();
        assert.ok(segments.length >= 3 && tags.length >= 1, when);
        for (const s of segments) assert.deepEqual([s.size, s.last], [s.members, s.members], `${when}: segment ${s.key}`);
        for (const x of tags) assert.equal(x.coverage, x.members, `${when}: tag ${x.key}`);
      };
      await check('after changes');
      assert.ok((await stored()).segments.some((s) => s.members > 0), 'some segment has members');
      await t.platform.engine.recomputeAll(t.ws.id, 'test');
      await check('after a full recompute');
    });

    it('counts an audience while editing and samples members', async () => {
      const res = await t.api('POST', '/v1/segments/preview', { rule: { all: [{ field: 'order_count', op: 'gte', value: 1 }, { not: { tag: 'fitness_lover', has: true } }] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.count, 1);
      assert.equal(res.body.sample.length, 1);
      assert.equal(res.body.sample[0].order_count, 1);
    });

    it('rejects bad rules at the offending place', async () => {
      const cases: [unknown, string, RegExp][] = [
        [{ field: 'computed.nope', op: 'gt', value: 1 }, 'rule.field', /unknown field/],
        [{ all: [{ field: 'order_count', op: 'gt', value: 'many' }] }, 'rule.all.0.value', /compares a number/],
        [{ all: [{ field: 'last_order_at', op: 'gt', value: 5 }] }, 'rule.all.0.op', /time field/],
        [{ any: [{ tag: 'ghost', has: true }] }, 'rule.any.0.tag', /unknown tag/],
        [{ segment: 'lapsed', member: true }, 'rule.segment', /cannot contain itself/],
        [{ not: { not: { not: { not: { not: { not: { not: { not: { field: 'known', op: 'eq', value: true } } } } } } } } }, 'rule.not.not.not.not.not.not.not.not', /deeper/],
      ];
      for (const [rule, field, message] of cases) {
        const res = await t.api('PUT', '/v1/segments/lapsed', { name: 'lapsed', rule });
        assert.equal(res.status, 400, JSON.stringify(rule));
        assert.equal(res.body.error.problems[0].field, field, JSON.stringify(res.body));
        assert.match(res.body.error.problems[0].message, message);
      }
      // A cycle through another segment is refused too: fit_or_lapsed reads lapsed.
      const cycle = await t.api('PUT', '/v1/segments/lapsed', { name: 'lapsed', rule: { segment: 'fit_or_lapsed', member: true } });
      assert.equal(cycle.status, 400);
      assert.match(cycle.body.error.message, /never terminate/);
    });

    it('governs tags: versions, coverage, usage; a used tag cannot be deleted; manual tags in bulk', async () => {
      const upd = await t.api('PUT', '/v1/tags/fitness_lover', { name: '健身爱好者', rule: { field: 'computed.sports_views_30d', op: 'gte', value: 2 } });
      assert.equal(upd.status, 200, JSON.stringify(upd.body));
      assert.equal(upd.body.version, 2);
      assert.equal(upd.body.versions.length, 2);
      assert.deepEqual(upd.body.usedBy, [{ kind: 'segment', key: 'fit_buyers', name: 'fit_buyers' }]);
      const del = await t.api('DELETE', '/v1/tags/fitness_lover');
      assert.equal(del.status, 409);
      assert.match(del.body.error.message, /fit_buyers/);
      const vip = await t.api('POST', '/v1/tags', { key: 'vip', name: 'VIP', tier: 'basic', kind: 'manual' });
      assert.equal(vip.status, 201);
      const ann = (await t.api('GET', '/v1/customers?q=ann')).body.customers[0].id;
      const add = await t.api('POST', '/v1/tags/vip/customers', { action: 'add', customerIds: [ann, 999999] });
      assert.deepEqual([add.body.changed, add.body.unknown], [1, [999999]]);
      // The recompute it started finished within the request; its record says so.
      assert.equal(add.body.recompute.status, 'done');
      assert.equal((await t.api('GET', `/v1/recomputes/${add.body.recompute.id}`)).body.status, 'done');
      assert.equal((await t.api('GET', '/v1/tags/vip')).body.coverage, 1);
      const lib = (await t.api('GET', '/v1/tags')).body.tags;
      assert.deepEqual(lib.map((x: any) => `${x.tier}:${x.key}`), ['basic:vip', 'behavior:fitness_lover']);
    });

    it('imports a tag from a file of phone numbers, reporting rows that name nobody', async () => {
      await t.track('/v1/identify', { userId: 'cara', traits: { phone: '13512349876' } });
      await idle();
      const created = await t.api('POST', '/v1/tags', { key: 'fans', name: '直播粉丝', tier: 'basic', kind: 'imported' });
      assert.equal(created.status, 201);
      const form = new FormData();
      form.append('file', new Blob(['手机号\n13512349876\n13900000001\nnot-a-phone\n']), 'fans.csv');
      const res = await fetch(`${t.url}/v1/tags/fans/import`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.ws.secretKey}` } }).then((r) => r.json());
      assert.equal(res.rows, 3);
      assert.equal(res.matched, 1);
      assert.deepEqual(res.errors.map((e: any) => e.row), [2, 3]);
      assert.match(res.errors[0].message, /no customer/);
      assert.equal((await t.api('GET', '/v1/tags/fans')).body.coverage, 1);
      const seg = await t.api('POST', '/v1/segments/preview', { rule: { tag: 'fans', has: true } });
      assert.equal(seg.body.count, 1);
    });

    it('follows marketing consent in rules; journeys and broadcasts count as users of tags and segments', async () => {
      assert.equal((await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox' })).status, 200);
      const seg = await t.api('POST', '/v1/segments', { key: 'reachable', name: '可触达买家', rule: { all: [{ field: 'order_count', op: 'gte', value: 1 }, { field: 'consent.inbox', op: 'eq', value: 'granted' }] } });
      assert.equal(seg.status, 201, JSON.stringify(seg.body));
      const id = async (u: string) => (await t.api('GET', `/v1/customers?q=${u}`)).body.customers[0].id;
      const consent = async (u: string, granted: boolean) => assert.equal((await t.api('PUT', `/v1/customers/${await id(u)}/consents`, { consents: [{ channel: 'inbox', granted }] })).status, 200);
      await run([{ expect: { reachable: [] } }]);
      await consent('ann', true);
      await run([{ expect: { reachable: ['ann'] } }]);
      await consent('bob', true);
      await consent('ann', false); // unsubscribed
      await run([{ expect: { reachable: ['bob'] } }]);
      const never = await t.api('POST', '/v1/segments/preview', { rule: { all: [{ field: 'order_count', op: 'gte', value: 1 }, { field: 'consent.inbox', op: 'not_exists' }] } });
      assert.equal(never.body.count, 0, 'both buyers have answered');
      const revoked = await t.api('POST', '/v1/segments/preview', { rule: { field: 'consent.inbox', op: 'eq', value: 'revoked' } });
      assert.equal(revoked.body.count, 1);
      const fields = (await t.api('GET', '/v1/segments/fields')).body.fields.map((f: any) => f.field);
      assert.ok(fields.includes('consent.inbox'));

      // A journey triggered by the segment that tags customers: neither may be deleted from under it.
      const j = await t.api('POST', '/v1/journeys', { name: '触达欢迎', definition: {
        trigger: { type: 'segment', segment: 'reachable', on: 'entered' }, start: 'mark', nodes: { mark: { type: 'tag', tag: 'vip' } },
      } });
      assert.equal(j.status, 201, JSON.stringify(j.body));
      const delTag = await t.api('DELETE', '/v1/tags/vip');
      assert.equal(delTag.status, 409);
      assert.match(delTag.body.error.message, new RegExp(`journey ${j.body.id} \\(触达欢迎\\)`));
      assert.ok((await t.api('GET', '/v1/tags')).body.tags.find((x: any) => x.key === 'vip').usedBy.some((u: any) => u.kind === 'journey'));
      const delSeg = await t.api('DELETE', '/v1/segments/reachable');
      assert.equal(delSeg.status, 409);
      assert.match(delSeg.body.error.message, /journey/);
    });

    it('recomputes in the background: requests join the one waiting, progress is visible, the answer comes when done', async () => {
      const { recomputeWithin } = await import('../src/segments/recompute.ts');
      const engine = t.platform.engine;
      // Requests that arrive together share one job (it reads the definitions when it starts).
      const [a, b] = await Promise.all([recomputeWithin(engine, t.ws.id, 'second', 0), recomputeWithin(engine, t.ws.id, 'third', 0)]);
      assert.equal(a.id, b.id, 'a request made while another waits joins it');
      assert.ok(['queued', 'running', 'done'].includes(a.status));
      let view: any;
      await waitUntil(async () => (view = (await t.api('GET', `/v1/recomputes/${a.id}`)).body).status === 'done');
      assert.equal(view.stage, 'finished');
      const list = (await t.api('GET', '/v1/recomputes')).body.recomputes;
      assert.ok(list.some((j: any) => Number(j.id) === a.id && j.reason === 'second' && j.finished_at));
    });

    it('exports members as spreadsheet-safe CSV', async () => {
      await t.track('/v1/identify', { userId: 'ann', traits: { name: '=cmd|calc' } });
      await idle();
      const res = await fetch(`${t.url}/v1/segments/lapsed/export.csv`, { headers: { authorization: `Bearer ${t.ws.secretKey}` } });
      const text = await res.text();
      assert.match(text, /^customer_id,name,phone/);
      assert.ok(!/(^|,)"?[=+@-]/m.test(text.split('\r\n').slice(1).join('\n')), text);
    });
  });
}

async function waitUntil(fn: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** user ids are stored masked (PII); the masked form of short ids keeps the first character */
function maskedUser(u: string) {
  return u.length <= 6 ? `${u[0]}***` : `${u.slice(0, 3)}***${u.slice(-3)}`;
}
