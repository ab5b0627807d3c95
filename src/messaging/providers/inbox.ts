// The console inbox: messages land in a table staff and demos can read. Delivery happens in the outbox's own
// transaction, one statement per batch, so a crash can neither lose nor double a message.
import type { Provider } from './provider.ts';

export const inboxProvider: Provider = {
  addressOf: () => 'inbox',
  async deliverInTx(tx, msgs, now) {
    const { rows } = await tx.query<{ id: number; outbox_id: number }>(
      `INSERT INTO inbox_messages (workspace_id, outbox_id, customer_id, subject, body, created_at)
       SELECT $1, u.o, u.c, u.s, u.b, $2 FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[]) AS u(o, c, s, b)
       ON CONFLICT (workspace_id, outbox_id) DO UPDATE SET outbox_id = EXCLUDED.outbox_id RETURNING id, outbox_id`,
      [tx.workspaceId, now, msgs.map((m) => m.outboxId), msgs.map((m) => m.customerId), msgs.map((m) => m.subject), msgs.map((m) => m.body)],
    );
    const byOutbox = new Map(rows.map((r) => [Number(r.outbox_id), r.id]));
    return msgs.map((m) => ({ providerId: `inbox-${byOutbox.get(m.outboxId)}` }));
  },
};
