// The console inbox: messages land in a table staff and demos can read. Delivery happens in the outbox's own
// transaction, so a crash can neither lose nor double a message.
import type { Provider } from './provider.ts';

export const inboxProvider: Provider = {
  addressOf: () => 'inbox',
  async deliverInTx(tx, msg, now) {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO inbox_messages (workspace_id, outbox_id, customer_id, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, outbox_id) DO UPDATE SET outbox_id = EXCLUDED.outbox_id RETURNING id`,
      [tx.workspaceId, msg.outboxId, msg.customerId, msg.subject, msg.body, now],
    );
    return { providerId: `inbox-${rows[0].id}` };
  },
};
