// wait (a duration), wait_until (a local time of day, on given weekdays), wait_event (an event, with a timeout). The
// run parks in the wait phase with a due time; the executor moves it on when the timer runs out, and the event inbox
// (../entry.ts) wakes a wait_event early when its event arrives.
import { nextLocalTime } from '../../kernel/time.ts';
import { durationMs, type NodeOf } from '../definition.ts';
import { PHASE_WAIT } from '../run.ts';
import type { NodeStep } from './step.ts';

export const waitStep: NodeStep<NodeOf<'wait'>> = ({ run, node, now }) => {
  run.phase = PHASE_WAIT;
  run.due_at = new Date(now.getTime() + durationMs(node.duration));
  return 'stop';
};

export const waitUntilStep: NodeStep<NodeOf<'wait_until'>> = ({ run, node, now, zone }) => {
  run.phase = PHASE_WAIT;
  run.due_at = nextLocalTime(new Date(now.getTime() + 1000), node.at, zone(), node.weekdays);
  return 'stop';
};

export const waitEventStep: NodeStep<NodeOf<'wait_event'>> = ({ run, node, now }) => {
  run.phase = PHASE_WAIT;
  run.waiting_for = node.event;
  run.due_at = new Date(now.getTime() + durationMs(node.timeout));
  return 'stop';
};
