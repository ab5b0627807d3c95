// A customer's run through one journey version, as the executor holds it while advancing it.
import type { JourneyNode } from './definition.ts';

/** Run phases: run the node when due; wait at it (a timer or an event); at a best-time send whose hour has come. */
export const PHASE_RUN = 0;
export const PHASE_WAIT = 1;
export const PHASE_SEND_NOW = 2;

export interface Run {
  id: number;
  journey_id: number;
  version: number;
  customer_id: number;
  node: string;
  phase: number;
  status: 'active' | 'completed' | 'exited';
  due_at: Date | null;
  waiting_for: string | null;
  variant: string | null;
  holdout: boolean;
  context: { event?: string; properties?: Record<string, unknown> };
  steps: number;
  exit_reason: string | null;
  /** set while the run waits for its send to be decided in this batch */
  pendingSend?: boolean;
}

export type SendNode = Extract<JourneyNode, { type: 'send' | 'webhook' }>;
export type RewardNode = Extract<JourneyNode, { type: 'points' | 'coupon' }>;
