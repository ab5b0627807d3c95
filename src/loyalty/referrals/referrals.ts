// Referral and fission (邀请有礼 / 裂变任务): each member has an invite code; an invitee who uses it is attributed
// to that member (the first code wins); when the invitee registers or places a first order, both sides are
// rewarded, and every `invites` qualified invitees within the task window earn the inviter a bonus. Suspicious
// referrals — the same device, a run of consecutive phone numbers, a ring of members inviting each other, a burst of
// invitees — are held for an operator's review instead of paying out; self-invites are refused outright.
import type { AppContext } from '../../kernel/context.ts';
import type { TenantTx } from '../../kernel/tenant.ts';
import { AppError, badRequest, notFound } from '../../kernel/errors.ts';
import { earn, lockAccount } from '../ledger.ts';
import { expiryFor } from '../earn.ts';
import { type LoadedProgram, loadProgram, type Program } from '../program.ts';
import { emitEntries, emitEvents } from '../events.ts';
import { issueCoupon, newCode } from '../coupons/issue.ts';
import { rootOf } from '../../identity/roots.ts';

/** More invitees than this within an hour is a burst worth a look. */
const BURST_PER_HOUR = 10;

export interface Referral {
  id: number;
  referrer_id: number;
  invitee_id: number;
  code: string;
  device_id: string | null;
  status: 'invited' | 'qualified' | 'rewarded' | 'held' | 'rejected';
  fraud: string[];
  created_at: Date;
  qualified_at: Date | null;
  decided_by: string | null;
  duplicate?: boolean;
}

const view = (r: any): Referral => ({
  id: Number(r.id), referrer_id: Number(r.referrer_id), invitee_id: Number(r.invitee_id), code: r.code, device_id: r.device_id,
  status: r.status, fraud: r.fraud, created_at: r.created_at, qualified_at: r.qualified_at, decided_by: r.decided_by,
});

/** The member's invite code, created on first ask. */
export async function inviteCode(tx: TenantTx, root: number, now: Date): Promise<string> {
  const { rows } = await tx.query<{ code: string }>(`SELECT code FROM referral_codes WHERE workspace_id = $1 AND customer_id = $2`, [tx.workspaceId, root]);
  if (rows[0]) return rows[0].code;
  const code = newCode().slice(0, 8);
  const made = await tx.query<{ code: string }>(
    `INSERT INTO referral_codes (workspace_id, customer_id, code, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id, customer_id) DO UPDATE SET code = referral_codes.code RETURNING code`,
    [tx.workspaceId, root, code, now],
  );
  return made.rows[0].code;
}

async function phoneOf(ctx: AppContext, tx: TenantTx, root: number): Promise<string | null> {
  const { rows } = await tx.query<{ value_enc: string }>(
    `SELECT i.value_enc FROM identities i JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
      WHERE i.workspace_id = $1 AND c.canonical_id = $2 AND i.id_type = 'phone' LIMIT 1`,
    [tx.workspaceId, root],
  );
  return rows[0] ? ctx.pii.decrypt(rows[0].value_enc).replace(/\D/g, '').slice(-11) : null;
}

/** Why a new referral looks suspicious (empty: it does not). */
async function fraudSignals(ctx: AppContext, tx: TenantTx, referrer: number, invitee: number, deviceId: string | null, now: Date): Promise<string[]> {
  const ws = tx.workspaceId;
  const reasons: string[] = [];
  if (deviceId) {
    const same = await tx.query(
      `SELECT 1 FROM referrals WHERE workspace_id = $1 AND device_id = $2 AND (referrer_id = $3 OR invitee_id = $3) LIMIT 1`, [ws, deviceId, referrer],
    );
    if (same.rows.length) reasons.push('same_device');
  }
  // Consecutive numbers (bought in bulk) share all but the last two digits with the inviter or another invitee.
  const phone = await phoneOf(ctx, tx, invitee);
  if (phone && phone.length === 11) {
    const others = await tx.query<{ id: string }>(`SELECT invitee_id AS id FROM referrals WHERE workspace_id = $1 AND referrer_id = $2 ORDER BY id DESC LIMIT 50`, [ws, referrer]);
    for (const id of [referrer, ...others.rows.map((r) => Number(r.id))]) {
      const p = await phoneOf(ctx, tx, id);
      if (p && p !== phone && p.slice(0, 9) === phone.slice(0, 9)) {
        reasons.push('phone_pattern');
        break;
      }
    }
  }
  // A ring: the invitee invited the inviter, directly or through one other member.
  const ring = await tx.query(
    `SELECT 1 FROM referrals a WHERE a.workspace_id = $1 AND a.invitee_id = $2 AND (a.referrer_id = $3 OR EXISTS (
       SELECT 1 FROM referrals b WHERE b.workspace_id = $1 AND b.invitee_id = a.referrer_id AND b.referrer_id = $3)) LIMIT 1`,
    [ws, referrer, invitee],
  );
  if (ring.rows.length) reasons.push('ring');
  const burst = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM referrals WHERE workspace_id = $1 AND referrer_id = $2 AND created_at > $3`, [ws, referrer, new Date(now.getTime() - 3_600_000)]);
  if (burst.rows[0].n >= BURST_PER_HOUR) reasons.push('burst');
  return reasons;
}

/**
 * Attributes an invitee to the owner of an invite code. The first code an invitee uses wins (a replay with the same
 * code answers with it); existing buyers are not new customers; self-invites are refused.
 */
export async function attribute(ctx: AppContext, tx: TenantTx, code: string, inviteeId: number, deviceId: string | null, now: Date): Promise<Referral> {
  const program = await loadProgram(tx);
  if (!program.configured || !program.referral.enabled) throw new AppError(409, 'no_programme', 'referrals are not enabled: set referral.enabled in the loyalty programme');
  const owner = await tx.query<{ customer_id: string }>(`SELECT customer_id FROM referral_codes WHERE workspace_id = $1 AND code = $2`, [tx.workspaceId, code]);
  if (!owner.rows[0]) throw badRequest('code', `no member has the invite code "${code}"`);
  const referrer = await rootOf(tx, Number(owner.rows[0].customer_id));
  const invitee = await rootOf(tx, inviteeId);
  if (referrer === invitee) throw new AppError(409, 'self_invite', 'invitee_id: a member cannot invite themselves', [{ field: 'invitee_id', message: 'is the inviter' }]);
  await lockAccount(tx, invitee, now);
  const prior = await tx.query(`SELECT * FROM referrals WHERE workspace_id = $1 AND invitee_id = $2`, [tx.workspaceId, invitee]);
  if (prior.rows[0]) {
    if (prior.rows[0].code === code) return { ...view(prior.rows[0]), duplicate: true };
    throw new AppError(409, 'already_referred', 'invitee_id: this member was already invited by another member', [{ field: 'invitee_id', message: 'already invited' }]);
  }
  const bought = await tx.query(`SELECT 1 FROM customers WHERE workspace_id = $1 AND canonical_id = $2 AND first_order_at IS NOT NULL LIMIT 1`, [tx.workspaceId, invitee]);
  if (bought.rows.length) throw new AppError(409, 'not_new', 'invitee_id: this member had already bought before; referrals are for new customers', [{ field: 'invitee_id', message: 'not a new customer' }]);
  const fraud = await fraudSignals(ctx, tx, referrer, invitee, deviceId, now);
  const { rows } = await tx.query(
    `INSERT INTO referrals (workspace_id, referrer_id, invitee_id, code, device_id, status, fraud, created_at) VALUES ($1, $2, $3, $4, $5, 'invited', $6, $7) RETURNING *`,
    [tx.workspaceId, referrer, invitee, code, deviceId, JSON.stringify(fraud), now],
  );
  let referral = view(rows[0]);
  await emitEvents(tx, [{ key: `referral:${referral.id}`, customerId: invitee, event: 'referral_attributed', at: now, properties: { referral_id: referral.id, referrer_id: referrer, fraud } }]);
  if (program.referral.qualifyingEvent === 'registration') referral = await qualify(tx, program, referral, now);
  return referral;
}

/** The invitee did what counts: rewards are paid, or held when the referral looked suspicious. */
async function qualify(tx: TenantTx, program: Program, r: Referral, now: Date): Promise<Referral> {
  const status = r.fraud.length ? 'held' : 'qualified';
  await tx.query(`UPDATE referrals SET status = $3, qualified_at = $4 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, r.id, status, now]);
  await emitEvents(tx, [{ key: `referral:${r.id}:${status}`, customerId: r.referrer_id, event: status === 'held' ? 'referral_held' : 'referral_qualified', at: now, properties: { referral_id: r.id, invitee_id: r.invitee_id, fraud: r.fraud } }]);
  if (status === 'held') return { ...r, status, qualified_at: now };
  return reward(tx, program, { ...r, status, qualified_at: now }, now);
}

async function reward(tx: TenantTx, program: Program, r: Referral, now: Date): Promise<Referral> {
  const rules = program.referral;
  const referrer = await rootOf(tx, r.referrer_id);
  const invitee = await rootOf(tx, r.invitee_id);
  const entries = [];
  if (rules.referrerPoints > 0) {
    entries.push(await earn(tx, program, referrer, rules.referrerPoints, { sourceType: 'referral', sourceId: String(r.id), key: `referral:${r.id}:referrer`, expiresAt: expiryFor(program, now), detail: { invitee: invitee } }, now));
  }
  if (rules.inviteePoints > 0) {
    entries.push(await earn(tx, program, invitee, rules.inviteePoints, { sourceType: 'referral', sourceId: String(r.id), key: `referral:${r.id}:invitee`, expiresAt: expiryFor(program, now), detail: { referrer } }, now));
  }
  if (rules.referrerCoupon) await issueCoupon(tx, rules.referrerCoupon, referrer, { sourceType: 'referral', sourceId: String(r.id), key: `referral:${r.id}:referrer`, paid: true }, now);
  if (rules.inviteeCoupon) await issueCoupon(tx, rules.inviteeCoupon, invitee, { sourceType: 'referral', sourceId: String(r.id), key: `referral:${r.id}:invitee`, paid: true }, now);
  await tx.query(`UPDATE referrals SET status = 'rewarded' WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, r.id]);
  // The task: `invites` rewarded referrals within the window not yet counted towards a bonus earn one.
  if (rules.task) {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM referrals WHERE workspace_id = $1 AND referrer_id = $2 AND status = 'rewarded' AND task_award IS NULL AND qualified_at > $3 ORDER BY qualified_at, id LIMIT $4`,
      [tx.workspaceId, r.referrer_id, new Date(now.getTime() - rules.task.withinDays * 86_400_000), rules.task.invites],
    );
    if (rows.length === rules.task.invites) {
      const key = `referral-task:${rows.map((x) => x.id).join('-')}`;
      await tx.query(`UPDATE referrals SET task_award = $3 WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [tx.workspaceId, rows.map((x) => x.id), key]);
      entries.push(await earn(tx, program, referrer, rules.task.points, { sourceType: 'referral_task', sourceId: key, key, expiresAt: expiryFor(program, now), detail: { referrals: rows.map((x) => Number(x.id)) } }, now));
    }
  }
  await emitEntries(tx, entries);
  return { ...r, status: 'rewarded' };
}

/** Invitees' first orders qualify their referrals (when that is the programme's qualifying event). */
export async function qualifyOnOrders(tx: TenantTx, program: LoadedProgram, inviteeRoots: number[], now: Date) {
  if (!program.configured || !program.referral.enabled || program.referral.qualifyingEvent !== 'first_order') return;
  const { rows } = await tx.query(
    `SELECT * FROM referrals WHERE workspace_id = $1 AND status = 'invited'
        AND invitee_id = ANY(ARRAY(SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = ANY($2::bigint[]))) ORDER BY id FOR UPDATE`,
    [tx.workspaceId, inviteeRoots],
  );
  for (const r of rows) await qualify(tx, program, view(r), now);
}

/** An operator's decision on a held referral: approve pays the rewards, reject closes it. */
export async function decide(tx: TenantTx, id: number, decision: 'approve' | 'reject', actor: string, now: Date): Promise<Referral> {
  const { rows } = await tx.query(`SELECT * FROM referrals WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`referral ${id}`);
  const r = view(rows[0]);
  const done = decision === 'approve' ? 'rewarded' : 'rejected';
  if (r.status === done) return { ...r, duplicate: true };
  if (r.status !== 'held') throw new AppError(409, 'referral_state', `referral ${id} is ${r.status}; only held referrals are reviewed`);
  await tx.query(`UPDATE referrals SET decided_by = $3 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id, actor]);
  if (decision === 'reject') {
    await tx.query(`UPDATE referrals SET status = 'rejected' WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
    return { ...r, status: 'rejected', decided_by: actor };
  }
  return { ...(await reward(tx, await loadProgram(tx), r, now)), decided_by: actor };
}
