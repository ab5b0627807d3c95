// Actions on the customer, written set-based with the batch (../effects.ts): tag / untag, set an attribute, a staff
// task, points or a coupon; and exit.
import type { NodeOf } from '../definition.ts';
import type { RewardNode } from '../run.ts';
import type { NodeStep } from './step.ts';

export const tagStep: NodeStep<NodeOf<'tag'>> = ({ run, node, effects, count, moveTo }) => {
  (node.remove ? effects.untag : effects.tag).push({ tag: node.tag, customerId: run.customer_id, source: `journey:${run.journey_id}` });
  count(node.remove ? 'removed' : 'added');
  moveTo(node.next);
  return 'next';
};

export const attributeStep: NodeStep<NodeOf<'attribute'>> = ({ run, node, effects, count, moveTo }) => {
  effects.attributes.push({ customerId: run.customer_id, attribute: node.attribute, value: node.value });
  count('set');
  moveTo(node.next);
  return 'next';
};

export const taskStep: NodeStep<NodeOf<'task'>> = ({ run, node, now, key, effects, count, moveTo }) => {
  effects.tasks.push({
    key, customerId: run.customer_id, title: node.title, assignee: node.assignee ?? null, source: `journey:${run.journey_id}`,
    dueAt: new Date(now.getTime() + node.dueInHours * 3_600_000),
  });
  count('created');
  moveTo(node.next);
  return 'next';
};

export const rewardStep: NodeStep<RewardNode> = ({ run, node, key, effects, count, moveTo }) => {
  effects.rewards.push({ run, key, node });
  count('granted');
  moveTo(node.next);
  return 'next';
};

export const exitStep: NodeStep<NodeOf<'exit'>> = ({ count, finish }) => {
  count('exited');
  finish('exited', 'exit_node');
  return 'stop';
};
