// What every capability receives: configuration, the database, PII crypto, identity rules, time, logging, metrics.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './db.ts';
import type { Pii } from './crypto/pii.ts';
import type { Clock } from './clock.ts';
import type { Metrics } from './metrics.ts';
import type { RulesCache } from '../identity/rules-cache.ts';
import type { ChangeFeed } from './changes.ts';
import type { OrderHook } from '../ingest/orders/hooks.ts';

export interface AppContext {
  config: Config;
  db: Db;
  pii: Pii;
  rules: RulesCache;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  changes: ChangeFeed;
  /** Run inside the transaction that stores orders and refunds (loyalty registers one). */
  orderHooks: OrderHook[];
}
