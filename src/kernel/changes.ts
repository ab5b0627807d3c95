// In-process change feed: ingest paths announce which customers changed after their transaction commits; the
// understanding engine (traits, tags, segments) listens. Subscribers also hear segment entries and exits.
import { EventEmitter } from 'node:events';

export interface CustomersChanged {
  workspaceId: string;
  customerIds: number[];
}

export interface MembershipChange {
  workspaceId: string;
  kind: 'segment' | 'tag';
  key: string;
  customerId: number;
  change: 'entered' | 'exited';
  at: Date;
}

export class ChangeFeed extends EventEmitter {
  customersChanged(workspaceId: string, customerIds: Iterable<number>) {
    const ids = [...new Set(customerIds)].filter((id) => id != null);
    if (ids.length) this.emit('customers', { workspaceId, customerIds: ids } satisfies CustomersChanged);
  }
  onCustomers(fn: (c: CustomersChanged) => void) {
    this.on('customers', fn);
  }
  membership(change: MembershipChange) {
    this.emit('membership', change);
  }
  onMembership(fn: (c: MembershipChange) => void) {
    this.on('membership', fn);
  }
  /** Messages were committed to the outbox: the dispatcher need not wait for its next poll. */
  messagesQueued(workspaceId: string) {
    this.emit('outbox', workspaceId);
  }
  onMessagesQueued(fn: (workspaceId: string) => void) {
    this.on('outbox', fn);
  }
}
