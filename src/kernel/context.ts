// What every capability receives: configuration, the database, PII crypto, time, logging, metrics, the change feed, and
// the registries through which capabilities reach each other (services, hook points, the module list). Nothing here
// names a capability: each adds its own services and hook points (see module.ts).
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './db.ts';
import type { Pii } from './crypto/pii.ts';
import type { Clock } from './clock.ts';
import type { Metrics } from './metrics.ts';
import type { ChangeFeed } from './changes.ts';
import type { CapabilityModule, Hooks, Services } from './module.ts';

export interface AppContext {
  config: Config;
  db: Db;
  pii: Pii;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  changes: ChangeFeed;
  services: Services;
  hooks: Hooks;
  /** The capabilities this process runs, in dependency order (src/modules.ts). */
  modules: readonly CapabilityModule[];
}
