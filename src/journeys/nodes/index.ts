// Every node type's step, by type: adding a node type is adding its step here (and its schema in ../definition.ts).
import type { JourneyNode, NodeOf } from '../definition.ts';
import type { NodeStep } from './step.ts';
import { waitEventStep, waitStep, waitUntilStep } from './waits.ts';
import { conditionStep, splitStep } from './branches.ts';
import { sendStep } from './send.ts';
import { attributeStep, exitStep, rewardStep, taskStep, tagStep } from './actions.ts';

export const NODE_STEPS: { [T in JourneyNode['type']]: NodeStep<NodeOf<T>> } = {
  wait: waitStep,
  wait_until: waitUntilStep,
  wait_event: waitEventStep,
  condition: conditionStep,
  split: splitStep,
  send: sendStep,
  webhook: sendStep,
  tag: tagStep,
  attribute: attributeStep,
  task: taskStep,
  points: rewardStep,
  coupon: rewardStep,
  exit: exitStep,
};

export type { NodeStep, StepContext, StepResult } from './step.ts';
