// send (a template on a channel, now or at the customer's best hour) and webhook. Holdout runs pass without sending.
// The step only queues the send: the gate decides every send of the batch at once (consent, caps, quiet hours,
// quotas), and the executor moves the run on with the outcome.
import type { SendNode } from '../run.ts';
import { PHASE_SEND_NOW } from '../run.ts';
import type { NodeStep } from './step.ts';

export const sendStep: NodeStep<SendNode> = ({ run, node, now, key, bestTime, effects, count, moveTo }) => {
  if (run.holdout) {
    count('holdout');
    moveTo(node.next);
    return 'next';
  }
  if (node.type === 'send' && node.timing === 'best_time' && run.phase !== PHASE_SEND_NOW) {
    const at = bestTime();
    if (at.getTime() > now.getTime()) {
      run.steps--; // the send runs when its hour comes, under the key it would have had now
      run.phase = PHASE_SEND_NOW;
      run.due_at = at;
      count('waiting_best_time');
      return 'stop';
    }
  }
  effects.sends.push({ run, key, node });
  run.pendingSend = true;
  return 'stop';
};
