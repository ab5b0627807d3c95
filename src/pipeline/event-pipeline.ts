// The event pipeline, from a tracking call to a sent message, as one list of named stages. Each stage is owned by
// a capability and runs where its work is durable; this file is where the hand-offs between them are made.
//
//   1. accept      ingest/tracking      validate, refuse per item, dedup by messageId           (HTTP request)
//   2. resolve     identity             identifiers -> one profile, merges recorded              (same transaction)
//   3. store       ingest -> timeline   events rows; a trigger copies them into journey_inbox    (same transaction)
//   4. understand  segments             traits, rule tags, segments updated in memory; entries   (after commit, on the
//                                       and exits written as segment_entered/exited events         change feed)
//   5. react       journeys             the inbox: triggers, waits, goals, exits; due steps run   (journey worker)
//   6. gate        messaging            consent, caps, quiet hours, quotas -> outbox row          (journey transaction)
//   7. deliver     messaging            the outbox dispatched to the channel provider             (outbox dispatcher)
//
// Stages 4, 5 and 7 are asynchronous: each is woken by the one before it, here, so an event reaches a journey and a
// message leaves without waiting for a poll. The polls remain for work that other processes committed.
import type { AppContext } from '../kernel/context.ts';

export function connectPipeline(ctx: AppContext): void {
  const journeys = ctx.services.get('journeys');
  const dispatcher = ctx.services.get('dispatcher');
  // 3 -> 5: events were stored (their journey_inbox rows with them).
  ctx.changes.onCustomers(() => journeys.wake());
  // 4 -> 5: a customer entered or left a segment; its segment_entered/exited event is already in the inbox.
  ctx.changes.onMembership(() => journeys.wake());
  // 6 -> 7: messages were committed to the outbox.
  ctx.changes.onMessagesQueued(() => dispatcher.wake());
}
