// Probabilistic matching must not merge different people on the demo brand (issue #21). The demo generator's people
// are the ground truth: person i owns user id cam<100000+i>, its device ids, its phone, unionid, WeCom id and member
// number. Every merge a full run makes is checked against who the two profiles really are.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform, waitFor } from './helpers/platform.ts';
import { loadDemo } from '../src/demo/load.ts';
import { generateCustomer } from '../src/demo/generator.ts';
import { withTenant } from '../src/kernel/tenant.ts';

const SEED = 2026;
const CUSTOMERS = 2000;
const ANCHOR = new Date('2026-11-22T00:00:00Z');

/** Identifier value -> demo person index, from the generator itself. */
function demoOwners(): Map<string, number> {
  const owner = new Map<string, number>();
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = generateCustomer(SEED, i, ANCHOR.getTime());
    for (const m of c.messages) {
      for (const v of [m.userId, m.anonymousId]) if (v) owner.set(String(v), i);
      const traits = (m as { traits?: Record<string, unknown> }).traits ?? {};
      for (const k of ['phone', 'unionid', 'wecom_external_userid', 'member_no']) if (traits[k]) owner.set(String(traits[k]), i);
    }
    for (const o of c.orders) for (const v of Object.values(o.customer ?? {})) if (v) owner.set(String(v), i);
  }
  return owner;
}

/** Demo person of each profile (from its own identifiers; merges do not move identifiers). */
async function personOfProfile(t: TestPlatform, owners: Map<string, number>) {
  const { rows } = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ customer_id: string; value_enc: string }>(
    `SELECT customer_id, value_enc FROM identities WHERE workspace_id = $1`, [t.ws.id]));
  const person = new Map<number, Set<number>>();
  for (const r of rows) {
    const i = owners.get(t.platform.ctx.pii.decrypt(r.value_enc));
    if (i === undefined) continue;
    const id = Number(r.customer_id);
    person.set(id, (person.get(id) ?? new Set()).add(i));
  }
  return person;
}

for (const engine of ENGINES) {
  describe(`matching on the demo brand (${engine})`, () => {
    let t: TestPlatform;
    before(async () => {
      t = await startPlatform(engine);
      await loadDemo(t.platform.ctx, { customers: CUSTOMERS, seed: SEED, workspaceId: t.ws.id, anchor: ANCHOR });
      await t.platform.matcher.idle();
    });
    after(async () => t?.close());

    it('a full run merges no two different demo people', async () => {
      const owners = demoOwners();
      const person = await personOfProfile(t, owners);
      const run = await t.api('POST', '/v1/identity/matching/runs');
      assert.equal(run.status, 202, JSON.stringify(run.body));
      const done = await waitFor('matching run', async () => {
        const r = (await t.api('GET', `/v1/identity/matching/runs/${run.body.id}`)).body;
        return r.status === 'done' || r.status === 'failed' ? r : null;
      }, 180_000);
      assert.equal(done.status, 'done', done.error);
      assert.ok(done.stats.candidatePairs > 1000, `the run compared people: ${JSON.stringify(done.stats)}`);
      if (process.env.SHOW_STATS) console.log(JSON.stringify(done.stats));

      const { rows: merges } = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ winner_id: string; loser_id: string; evidence: { fields: { field: string; label: string; weight: number }[] } }>(
        `SELECT winner_id, loser_id, evidence FROM merges WHERE workspace_id = $1 AND evidence->>'kind' = 'probabilistic' AND (evidence->>'runId')::bigint = $2`,
        [t.ws.id, run.body.id]));
      assert.equal(merges.length, done.stats.merges);
      const who = (id: string) => [...(person.get(Number(id)) ?? [])].join('+') || '?';
      const wrong = merges.filter((m) => who(m.winner_id) !== who(m.loser_id));
      const shown = wrong.slice(0, 5).map((m) => `${who(m.winner_id)} vs ${who(m.loser_id)}: ${m.evidence.fields.map((f) => `${f.field} ${f.label} ${f.weight}`).join(', ')}`);
      assert.equal(wrong.length, 0, `${wrong.length} of ${merges.length} merges joined different people:\n${shown.join('\n')}`);
    });
  });
}
