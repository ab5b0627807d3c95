// Change feed: ingest paths announce which customers changed after their transaction commits; the understanding
// engine (traits, tags, segments) listens. Subscribers also hear segment entries and exits. Within one process it is
// an event emitter; ChangeBridge (change-bridge.ts) carries customer and definition changes to the other processes on
// the same PostgreSQL server, whose engines keep their own in-memory copy of every customer.
import { EventEmitter } from 'node:events';

export interface CustomersChanged {
  workspaceId: string;
  customerIds: number[];
  /** Announced by another process: work done once per change (matching) is that process's. */
  remote?: boolean;
  /**
   * Those of customerIds whose PII (name, phone, email, birthday, address) may have changed; absent, any may have.
   * Tracking ingest knows: a page view touches last_seen_at only, and matching need not look at that profile again.
   */
  piiChanged?: number[];
}

/** Traits, tags or segments were defined, changed or deleted, or models wrote their tags: engines recompute. */
export interface DefinitionsChanged {
  workspaceId: string;
  reason: string;
  remote?: boolean;
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
  customersChanged(workspaceId: string, customerIds: Iterable<number>, remote = false, piiChanged?: Iterable<number>) {
    const ids = [...new Set(customerIds)].filter((id) => id != null);
    if (ids.length === 0) return;
    this.emit('customers', {
      workspaceId, customerIds: ids, ...(remote ? { remote } : {}), ...(piiChanged ? { piiChanged: [...new Set(piiChanged)] } : {}),
    } satisfies CustomersChanged);
  }
  onCustomers(fn: (c: CustomersChanged) => void) {
    this.on('customers', fn);
  }
  definitionsChanged(workspaceId: string, reason: string, remote = false) {
    this.emit('definitions', { workspaceId, reason, ...(remote ? { remote } : {}) } satisfies DefinitionsChanged);
  }
  onDefinitions(fn: (c: DefinitionsChanged) => void) {
    this.on('definitions', fn);
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
