// Every area's messages. An area's keys are prefixed by nothing but must not collide: the spread below would hide one,
// and test/i18n.test.ts fails on a duplicate.
import common from './common.ts';

export const AREAS = { common } as const;

export const MESSAGES = { ...common };
