// What a node's step receives and answers. Each node type has its file in this folder; the executor (../executor.ts)
// calls them in turn until a run waits, finishes or stops at a send that the gate decides for the whole batch.
import type { Rule } from '../../rules/rules.ts';
import type { Run } from '../run.ts';
import type { Effects } from '../effects.ts';

export interface StepContext<N> {
  run: Run;
  node: N;
  now: Date;
  /** Idempotency key of this step's effects: derived from run, node and step number, so a redone batch repeats it. */
  key: string;
  /** The customer's time zone (traits.timezone, else the workspace's). */
  zone(): string;
  /** Whether the run's customer matches a condition rule (the understanding engine's in-memory store). */
  matches(rule: Rule): boolean;
  /** When the customer's best hour of the week next comes (now when unknown). */
  bestTime(): Date;
  effects: Effects;
  /** Counts an outcome at this node (journey stats). */
  count(outcome: string): void;
  /** Follows an edge; none means the journey is complete. */
  moveTo(next: string | undefined): void;
  finish(status: 'completed' | 'exited', reason: string | null): void;
}

/** 'next': go on to the node moved to; 'stop': the run waits, finished, or stops at a send. */
export type StepResult = 'next' | 'stop';

export type NodeStep<N> = (step: StepContext<N>) => StepResult;
