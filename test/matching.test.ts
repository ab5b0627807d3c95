// Probabilistic identity matching on the running platform: a customer import of the Febrl records, a batch run with
// progress, real-time matching of new records, the review queue, placeholder values, and undoing a merge.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform, waitFor } from './helpers/platform.ts';
import { readFebrl } from '../src/matching/febrl.ts';
import { evaluateLinkage } from '../src/matching/evaluate.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { FEBRL_DS1, febrlMemberCsv, importCustomers } from './helpers/febrl.ts';

/** The surviving profile id of each user id. */
async function rootsOf(t: TestPlatform, userIds: string[], column: 'canonical_id' | 'id' = 'canonical_id'): Promise<Map<string, number>> {
  const hashes = userIds.map((u) => t.platform.ctx.pii.blindIndex('user_id', u));
  const { rows } = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ h: string; root: string }>(
    `SELECT i.value_hash AS h, c.${column} AS root FROM identities i JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
      WHERE i.id_type = 'user_id' AND i.value_hash = ANY($1)`, [hashes]));
  const byHash = new Map(rows.map((r) => [r.h, Number(r.root)]));
  return new Map(userIds.map((u, i) => [u, byHash.get(hashes[i])!]));
}

async function runBatch(t: TestPlatform) {
  const run = await t.api('POST', '/v1/identity/matching/runs');
  assert.equal(run.status, 202, JSON.stringify(run.body));
  return waitFor(`matching run ${run.body.id}`, async () => {
    const r = (await t.api('GET', `/v1/identity/matching/runs/${run.body.id}`)).body;
    return r.status === 'done' || r.status === 'failed' ? r : null;
  }, 120_000);
}

const identify = (t: TestPlatform, userId: string, traits: Record<string, string>) =>
  t.track('/v1/identify', { userId, traits, messageId: `m-${userId}` });

for (const engine of ENGINES) {
  describe(`probabilistic matching (${engine})`, () => {
    let t: TestPlatform;
    const febrl = readFebrl(FEBRL_DS1);
    const userIdOf = (id: number) => febrl.recIds.get(id)!;
    before(async () => (t = await startPlatform(engine)));
    after(async () => t.close());

    it('finds the duplicates in an imported member list with a batch run: progress, evidence, Febrl precision and recall', async () => {
      const imp = await importCustomers(t, 'members.csv', febrlMemberCsv(febrl));
      assert.equal(imp.rowsOk, 1000, JSON.stringify(imp));
      await t.platform.matcher.idle();

      const lookupBefore = await t.api('POST', '/v1/identity/matching/lookup', { name: 'kayla harrington', birthDate: '19150612' });
      assert.equal(lookupBefore.status, 409);
      assert.match(lookupBefore.body.error.message, /batch run/);

      const run = await t.api('POST', '/v1/identity/matching/runs');
      assert.equal(run.status, 202);
      const again = await t.api('POST', '/v1/identity/matching/runs');
      assert.equal(again.status, 409, 'one run at a time');
      const done = await waitFor('first run', async () => {
        const r = (await t.api('GET', `/v1/identity/matching/runs/${run.body.id}`)).body;
        return r.status === 'done' || r.status === 'failed' ? r : null;
      }, 120_000);
      assert.equal(done.status, 'done', done.error);
      assert.equal(done.stats.profiles, 1000);

      const roots = await rootsOf(t, [...febrl.recIds.values()]);
      const clusters = new Map<number, number[]>();
      for (const [id, recId] of febrl.recIds) clusters.set(roots.get(recId)!, [...(clusters.get(roots.get(recId)!) ?? []), id]);
      const q = evaluateLinkage(febrl.truth, [...clusters.values()].filter((c) => c.length > 1));
      // The platform's profile has no social-security number (the Febrl file's strongest field), so recall is
      // measured without it; precision must not suffer. Without it, some of Febrl's duplicates keep only a name and
      // a place, or a surname, a birthday and a place in common: an automatic merge needs more than that (issue
      // #21, rules.ts), so those pairs wait for a person instead.
      assert.ok(q.precision >= 0.99 && q.recall >= 0.93, JSON.stringify(q));
      assert.ok(done.stats.merges >= 465, `merges ${done.stats.merges}`);

      const settings = (await t.api('GET', '/v1/identity/matching')).body;
      assert.equal(settings.lastRun.status, 'done');
      assert.ok(settings.model.converged, 'EM converged');
      assert.ok(settings.expected.some((e: { threshold: number }) => e.threshold === 0.99), 'expected quality per threshold');
      assert.equal(settings.model.fields.length, 13);

      // Every merge explains itself field by field.
      const person = [...clusters.values()].find((c) => c.length === 2)!;
      const profile = (await t.api('GET', `/v1/customers/${roots.get(userIdOf(person[0]))}`)).body;
      const merge = profile.merges[0];
      assert.equal(merge.evidence.kind, 'probabilistic');
      assert.ok(merge.evidence.probability >= 0.5);
      assert.ok(merge.evidence.fields.some((f: { field: string }) => f.field === 'birthDate'));
      assert.match(merge.reason, /probabilistic match/);
    });

    it('matches a new record on arrival and answers candidate lookups', async () => {
      // rec-10-dup-0 in the file: kayla harrington, 19150612, maltby circuit, coaling, coolaroo 3465 nsw.
      await identify(t, 'walk-in-1', { name: 'harrington kayla', birthday: '1915-06-21', address: 'maltby circuit coaling', city: 'coolaroo', province: 'nsw', postcode: '3465' });
      await t.platform.matcher.idle();
      const roots = await rootsOf(t, ['walk-in-1', 'rec-10-dup-0']);
      assert.equal(roots.get('walk-in-1'), roots.get('rec-10-dup-0'), 'swapped names and a day/month swap still match');

      const lookup = await t.api('POST', '/v1/identity/matching/lookup', { name: 'Kayla Harington', birthDate: '1915-06-12', city: 'Coolaroo' });
      assert.equal(lookup.status, 200, JSON.stringify(lookup.body));
      assert.equal(lookup.body.candidates[0].customerId, roots.get('rec-10-dup-0'));
      assert.ok(lookup.body.candidates[0].evidence.some((e: { field: string; label: string }) => e.field === 'surname' && /similar/.test(e.label)));

      const thin = await t.api('POST', '/v1/identity/matching/lookup', { name: 'Kayla' });
      assert.equal(thin.status, 400);
      assert.match(JSON.stringify(thin.body), /at least two fields/);
    });

    it('queues grey-zone pairs for review; operators merge or reject, and rejections are remembered', async () => {
      await identify(t, 'gz-a', { name: 'quentin zabriskie', birthday: '1971-03-15', city: 'ballarat', province: 'vic' });
      await t.platform.matcher.idle();
      const probe = await t.api('POST', '/v1/identity/matching/lookup', { name: 'quentin zabriskie', birthDate: '1984-11-02', city: 'geelong', region: 'vic' });
      const p = probe.body.candidates[0].probability as number;
      // Put this pair in the grey zone whatever the fitted model says about it.
      const bad = await t.api('PUT', '/v1/identity/matching/thresholds', { auto: 0.5, review: 0.9 });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /review/);
      assert.equal((await t.api('PUT', '/v1/identity/matching/thresholds', { auto: (1 + p) / 2, review: p / 2 })).status, 200);

      await identify(t, 'gz-b', { name: 'quentin zabriskie', birthday: '1984-11-02', city: 'geelong', province: 'vic' });
      await identify(t, 'gz-c', { name: 'quentin zabriskie', birthday: '1984-11-02', city: 'geelong', province: 'vic', phone: '13912345670' });
      await t.platform.matcher.idle();
      const queue = (await t.api('GET', '/v1/identity/matching/reviews?limit=200')).body;
      const roots = await rootsOf(t, ['gz-a', 'gz-b', 'gz-c']);
      assert.notEqual(roots.get('gz-a'), roots.get('gz-b'));
      const pairOf = (x: string, y: string) => roots.get(x) === roots.get(y) ? undefined : queue.items.find((i: any) => new Set([i.a.id, i.b.id]).has(roots.get(x)!) && new Set([i.a.id, i.b.id]).has(roots.get(y)!));
      const ab = pairOf('gz-a', 'gz-b');
      assert.ok(ab, `the a/b pair is queued: ${JSON.stringify(queue.items.map((i: any) => [i.a.id, i.b.id, i.probability]))}`);
      assert.equal(ab.reason, 'grey_zone');
      assert.equal(queue.revealed, true, 'the owner sees both records in the clear');
      assert.ok(ab.a.fields.name && ab.b.fields.name);
      assert.ok(ab.evidence.fields.find((f: any) => f.field === 'birthDate').weight < 0, 'the different birth date counts against');

      const rejected = await t.api('POST', `/v1/identity/matching/reviews/${ab.id}/decision`, { decision: 'reject' });
      assert.equal(rejected.body.status, 'rejected');
      const twice = await t.api('POST', `/v1/identity/matching/reviews/${ab.id}/decision`, { decision: 'merge' });
      assert.equal(twice.status, 409);

      const bc = pairOf('gz-b', 'gz-c');
      if (bc) {
        const merged = await t.api('POST', `/v1/identity/matching/reviews/${bc.id}/decision`, { decision: 'merge' });
        assert.equal(merged.body.status, 'merged', JSON.stringify(merged.body));
      }

      // A later batch run neither merges nor re-proposes the rejected pair.
      const rerun = await runBatch(t);
      assert.equal(rerun.status, 'done', rerun.error);
      const after = await rootsOf(t, ['gz-a', 'gz-b']);
      assert.notEqual(after.get('gz-a'), after.get('gz-b'));
      const all = [
        ...(await t.api('GET', '/v1/identity/matching/reviews?status=pending&limit=200')).body.items,
        ...(await t.api('GET', '/v1/identity/matching/reviews?status=rejected&limit=200')).body.items,
      ];
      assert.equal(all.filter((i: any) => new Set([i.a.id, i.b.id]).has(after.get('gz-a')!) && new Set([i.a.id, i.b.id]).has(after.get('gz-b')!)).length, 1);
      assert.equal((await t.api('PUT', '/v1/identity/matching/thresholds', { auto: 0.99, review: 0.5 })).status, 200);
    });

    it('takes placeholder values out of matching and says so; a probabilistic merge can be undone', async () => {
      // A store types its own address and a default birthday for every walk-in: 30 strangers must stay 30 people.
      // Thirty strangers: no two share a given name or a surname.
      const given = 'mei jun hao lin yan bo qing xue tao fang kai rui xin yu zhen wen ping hui jie lei ming na ting yue chen long feng juan shan dong'.split(' ');
      const family = 'sun guo he luo gao ma liang song tang xu han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu'.split(' ');
      for (let i = 0; i < 30; i++) {
        await identify(t, `store-${i}`, { name: `${given[i]} ${family[i]}`, birthday: '1980-01-01', address: '88 nanjing west road shop 3' });
      }
      await t.platform.matcher.idle();
      const ids = Array.from({ length: 30 }, (_, i) => `store-${i}`);
      const before = new Set((await rootsOf(t, ids)).values()).size;
      const run = await runBatch(t);
      assert.equal(run.status, 'done', run.error);
      // Real-time matching stops counting the shared values once a few other people hold them (some given names
      // here are one letter apart, ting / ping, so name similarity alone must not merge them), and the batch run
      // sees the values are over-used: none of these people are merged.
      assert.equal(before, 30, `real-time matching kept ${before} of 30 walk-ins apart`);
      assert.equal(new Set((await rootsOf(t, ids)).values()).size, 30);
      const settings = (await t.api('GET', '/v1/identity/matching')).body;
      const fields = settings.commonValues.map((c: { field: string }) => c.field);
      assert.ok(fields.includes('birthDate') && fields.includes('address'), JSON.stringify(settings.commonValues));
      assert.ok(!JSON.stringify(settings.commonValues).includes('nanjing'), 'placeholder values are shown masked');

      // Undo one of the batch merges: both profiles come back and are not merged again by the next run.
      const kayla = await rootsOf(t, ['rec-10-org', 'rec-10-dup-0'], 'id');
      const profile = (await t.api('GET', `/v1/customers/${kayla.get('rec-10-org')}`)).body;
      const pair = new Set([kayla.get('rec-10-org'), kayla.get('rec-10-dup-0')]);
      const merge = profile.merges.find((m: any) => m.evidence?.kind === 'probabilistic' && pair.has(m.winnerId) && pair.has(m.loserId));
      const undone = await t.api('POST', `/v1/merges/${merge.id}/unmerge`, { reason: 'checked with the store: two people' });
      assert.equal(undone.status, 200, JSON.stringify(undone.body));
      await runBatch(t);
      const split = await rootsOf(t, ['rec-10-org', 'rec-10-dup-0']);
      assert.notEqual(split.get('rec-10-org'), split.get('rec-10-dup-0'));
    });
  });
}
