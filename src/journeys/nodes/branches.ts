// condition (yes/no by a segment rule) and split (A/B/n branches, one of which may be a holdout).
import crypto from 'node:crypto';
import type { NodeOf } from '../definition.ts';
import type { NodeStep } from './step.ts';

export const conditionStep: NodeStep<NodeOf<'condition'>> = ({ node, matches, count, moveTo }) => {
  const yes = matches(node.rule);
  count(yes ? 'yes' : 'no');
  moveTo(yes ? node.yes : node.no);
  return 'next';
};

export const splitStep: NodeStep<NodeOf<'split'>> = ({ run, node, count, moveTo }) => {
  const branch = pickBranch(node, run.id, run.node);
  if (run.variant == null) run.variant = branch.key;
  if (branch.holdout) run.holdout = true;
  count(`branch:${branch.key}`);
  moveTo(branch.next);
  return 'next';
};

/** Deterministic A/B/n assignment by run and node: the same run always takes the same branch, even when redone. */
export function pickBranch(node: NodeOf<'split'>, runId: number, nodeId: string) {
  const h = crypto.createHash('sha1').update(`${runId}:${nodeId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  let acc = 0;
  for (const b of node.branches) {
    acc += b.percent / 100;
    if (h < acc) return b;
  }
  return node.branches[node.branches.length - 1];
}
