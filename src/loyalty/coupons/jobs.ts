// Bulk issue (批量发券) to a segment or a list of members, as a background job with progress. Each chunk is one
// transaction that moves the job's cursor with the coupons it issued, so a crash resumes where it stopped and never
// issues twice (each coupon's key is the job and the member). A member refused (limit, tier) is counted by reason;
// running out of stock stops the job.
import type { AppContext } from '../../kernel/context.ts';
import { withTenant, type TenantTx } from '../../kernel/tenant.ts';
import { AppError, badRequest, notFound } from '../../kernel/errors.ts';
import { issueCoupon } from './issue.ts';
import { getTemplate } from './templates.ts';
import { distinctRoots } from '../../identity/roots.ts';

const CHUNK = 500;

export interface Audience {
  segment?: string;
  customerIds?: number[];
}

export interface IssueJob {
  id: number;
  template_id: number;
  reference: string;
  audience: Audience;
  status: 'queued' | 'running' | 'done' | 'stopped';
  total: number;
  done: number;
  issued: number;
  skipped: Record<string, number>;
  created_at: Date;
  finished_at: Date | null;
  duplicate?: boolean;
}

const jobView = (r: any): IssueJob => ({
  id: Number(r.id), template_id: Number(r.template_id), reference: r.reference, audience: r.audience, status: r.status,
  total: r.total, done: r.done, issued: r.issued, skipped: r.skipped, created_at: r.created_at, finished_at: r.finished_at,
});

/** The next members of the audience after the cursor, as surviving profiles. */
async function nextMembers(tx: TenantTx, audience: Audience, cursor: number, limit: number): Promise<number[]> {
  if (audience.segment) {
    const { rows } = await tx.query<{ customer_id: string }>(
      `SELECT m.customer_id FROM segment_members m JOIN segments s ON s.workspace_id = m.workspace_id AND s.id = m.segment_id
        WHERE m.workspace_id = $1 AND s.key = $2 AND s.deleted_at IS NULL AND m.customer_id > $3 ORDER BY m.customer_id LIMIT $4`,
      [tx.workspaceId, audience.segment, cursor, limit],
    );
    return rows.map((r) => Number(r.customer_id));
  }
  const { rows } = await tx.query<{ id: string }>(
    `SELECT DISTINCT c.canonical_id AS id FROM customers c WHERE c.workspace_id = $1 AND c.id = ANY($2::bigint[]) AND c.canonical_id > $3 ORDER BY 1 LIMIT $4`,
    [tx.workspaceId, audience.customerIds ?? [], cursor, limit],
  );
  return rows.map((r) => Number(r.id));
}

async function audienceSize(tx: TenantTx, audience: Audience): Promise<number> {
  if (audience.segment) {
    const { rows } = await tx.query<{ n: number; found: number }>(
      `SELECT (SELECT count(*)::int FROM segment_members m WHERE m.workspace_id = s.workspace_id AND m.segment_id = s.id) AS n, 1 AS found
         FROM segments s WHERE s.workspace_id = $1 AND s.key = $2 AND s.deleted_at IS NULL`,
      [tx.workspaceId, audience.segment],
    );
    if (!rows[0]) throw badRequest('segment', `no segment with key "${audience.segment}"`);
    return rows[0].n;
  }
  return (await distinctRoots(tx, audience.customerIds ?? [])).length;
}

export async function createIssueJob(tx: TenantTx, templateId: number, audience: Audience, reference: string, actor: string, now: Date): Promise<IssueJob> {
  const prior = await tx.query(`SELECT * FROM coupon_issue_jobs WHERE workspace_id = $1 AND reference = $2`, [tx.workspaceId, reference]);
  if (prior.rows[0]) return { ...jobView(prior.rows[0]), duplicate: true };
  const t = await getTemplate(tx, templateId);
  if (t.status !== 'active') throw new AppError(409, 'template_paused', `template_id: "${t.name}" is paused; resume it to issue`);
  const total = await audienceSize(tx, audience);
  const { rows } = await tx.query(
    `INSERT INTO coupon_issue_jobs (workspace_id, template_id, reference, audience, total, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [tx.workspaceId, templateId, reference, JSON.stringify(audience), total, actor, now],
  );
  return jobView(rows[0]);
}

export async function getIssueJob(tx: TenantTx, id: number): Promise<IssueJob> {
  const { rows } = await tx.query(`SELECT * FROM coupon_issue_jobs WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`issue job ${id}`);
  return jobView(rows[0]);
}

/** Runs one chunk of one open job (any workspace); true when there is more to do. */
export async function runIssueChunk(ctx: AppContext): Promise<boolean> {
  const open = await ctx.db.query<{ workspace_id: string; id: string }>(
    `SELECT workspace_id, id FROM coupon_issue_jobs WHERE status IN ('queued','running') ORDER BY created_at LIMIT 1`,
  );
  const job = open.rows[0];
  if (!job) return false;
  const now = ctx.clock.now();
  const issuedTo: number[] = [];
  await withTenant(ctx.db, job.workspace_id, async (tx) => {
    const { rows } = await tx.query(`SELECT * FROM coupon_issue_jobs WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [job.workspace_id, job.id]);
    const j = rows[0];
    if (!j || !['queued', 'running'].includes(j.status)) return;
    const members = await nextMembers(tx, j.audience, Number(j.cursor), CHUNK);
    const skipped: Record<string, number> = { ...j.skipped };
    let issued = 0;
    let handled = 0;
    let stopped = false;
    for (const root of members) {
      handled++;
      // A savepoint per member: a refusal undoes that member's attempt only.
      await tx.query('SAVEPOINT member');
      try {
        const c = await issueCoupon(tx, Number(j.template_id), root, { sourceType: 'bulk', sourceId: String(j.id), key: `bulk:${j.id}:${root}` }, now);
        if (!c.duplicate) {
          issued++;
          issuedTo.push(root);
        }
        await tx.query('RELEASE SAVEPOINT member');
      } catch (err) {
        await tx.query('ROLLBACK TO SAVEPOINT member');
        if (!(err instanceof AppError)) throw err;
        skipped[err.code] = (skipped[err.code] ?? 0) + 1;
        if (err.code === 'out_of_stock' || err.code === 'template_paused' || err.code === 'template_ended') {
          stopped = true;
          break;
        }
      }
    }
    const finished = stopped || members.length < CHUNK;
    await tx.query(
      `UPDATE coupon_issue_jobs SET status = $3, done = done + $4, issued = issued + $5, skipped = $6, cursor = $7, finished_at = $8 WHERE workspace_id = $1 AND id = $2`,
      [job.workspace_id, job.id, stopped ? 'stopped' : finished ? 'done' : 'running', handled, issued, JSON.stringify(skipped),
       members.length ? members[members.length - 1] : j.cursor, finished ? now : null],
    );
  });
  ctx.changes.customersChanged(job.workspace_id, issuedTo);
  return true;
}
