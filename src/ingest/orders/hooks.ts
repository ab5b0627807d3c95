// What other capabilities do when orders are stored, inside the same transaction (loyalty earns points, refunds take
// them back): an acknowledged order never misses its effects, a replayed one never repeats them.
import type { TenantTx } from '../../kernel/tenant.ts';
import type { StoredOrder } from './orders.ts';

export interface OrderHook {
  /** Orders stored for the first time (replays are not passed). */
  ordersRecorded(tx: TenantTx, orders: StoredOrder[]): Promise<void>;
  /** A refund stored for the first time; `order` is the order after it. */
  refundRecorded(tx: TenantTx, order: StoredOrder, refund: { refund_id: string; amount: number }): Promise<void>;
}
