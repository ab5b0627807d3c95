// The capability module contract. Every capability (a folder under src/) exports one value of this shape; server.ts and
// cli.ts loop over the list in modules.ts. The kernel defines the shape and the registries below, and knows no
// capability: capabilities add the names of their services, hook points and permissions by declaration merging.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import type { Config } from './config.ts';
import type { TenantTx } from './tenant.ts';

/**
 * Services capabilities offer each other (an engine, a worker to wake), by name. A capability adds its own:
 *   declare module '../kernel/module.ts' { interface ServiceMap { engine: UnderstandingEngine } }
 */
export interface ServiceMap {
  /** The platform's HTTP server (absent in contexts opened without one): the demo loads through it in process. */
  http: FastifyInstance;
}

export class Services {
  private readonly entries = new Map<string, unknown>();

  provide<K extends keyof ServiceMap>(name: K, service: ServiceMap[K]): ServiceMap[K] {
    if (this.entries.has(name as string)) throw new Error(`service ${String(name)} is provided twice`);
    this.entries.set(name as string, service);
    return service;
  }

  get<K extends keyof ServiceMap>(name: K): ServiceMap[K] {
    if (!this.entries.has(name as string)) {
      throw new Error(`service ${String(name)} is not provided: its module is missing from src/modules.ts or comes after the one asking`);
    }
    return this.entries.get(name as string) as ServiceMap[K];
  }

  /** A service that may be absent (optional integrations, or a context opened without every module). */
  find<K extends keyof ServiceMap>(name: K): ServiceMap[K] | undefined {
    return this.entries.get(name as string) as ServiceMap[K] | undefined;
  }
}

/**
 * Points where one capability lets others join its work, by name, each with its own hook shape. The owner declares
 *   declare module '../kernel/module.ts' { interface HookMap { orders: OrderHook } }
 * and runs ctx.hooks.list('orders'); others add theirs in setup().
 */
export interface HookMap {
  /** After a PII key rotation (`siyu pii rotate`): re-encrypt what the module sealed with an older key; answer counts. */
  reseal: (ctx: AppContext) => Promise<Record<string, number>>;
}

export class Hooks {
  private readonly points = new Map<string, unknown[]>();

  add<K extends keyof HookMap>(point: K, hook: HookMap[K]): void {
    const list = this.points.get(point as string) ?? [];
    list.push(hook);
    this.points.set(point as string, list);
  }

  list<K extends keyof HookMap>(point: K): readonly HookMap[K][] {
    return (this.points.get(point as string) ?? []) as HookMap[K][];
  }
}

/** A background loop (see kernel/worker.ts for the shared scaffold): started after the server listens, stopped at close. */
export interface Worker {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  /** New work arrived in this process: run a pass now rather than at the next poll. */
  wake?(): void;
  /**
   * Starts with the platform rather than with the background workers: it listens to changes this process makes
   * (the understanding engine, realtime matching), so even a platform that runs no background work keeps it current.
   */
  readonly live?: boolean;
}

/** A definition others may read: a tag, a segment, or a field such as `computed.ltv`. */
export interface UsageTarget {
  tag?: string;
  segment?: string;
  field?: string;
}

/** Something that reads a definition and would change meaning if it were deleted: a segment, a journey, a broadcast. */
export interface Usage {
  kind: string;
  key: string;
  name: string;
}

/** A module's answer to "who of yours uses this?" (where-used.ts asks every module). */
export type ReferenceFinder = (tx: TenantTx, target: UsageTarget) => Promise<Usage[]>;

/** One entry of the console's navigation, shown to roles holding `permission`. */
export interface NavEntry {
  /** Console route, e.g. '/journeys'. */
  path: string;
  /** Key of the label in the console's i18n catalogues (web/src/i18n/*). */
  label: string;
  group: 'data' | 'understand' | 'reach' | 'operate' | 'admin';
  /** Position within the group (lower first). */
  order: number;
  permission: string;
  /** Ant Design icon name. */
  icon: string;
}

/** What a module's part of the demo brand receives. It loads data the way a brand's own systems would: through the API. */
export interface DemoContext {
  ctx: AppContext;
  workspaceId: string;
  /** Calls the platform's HTTP API in process with the workspace's secret key; throws on a 4xx/5xx. */
  api<T = unknown>(method: string, url: string, body?: unknown): Promise<T>;
  /** Tracking calls with the write key (Segment's conventions). */
  track<T = unknown>(url: string, body: unknown): Promise<T>;
  /** The demo's "today": history ends here. */
  anchor: Date;
  customers: number;
  seed: number;
  /** Progress for people watching a terminal: what is being loaded now. */
  progress(message: string): void;
}

export interface DemoPart {
  /** Loads this module's part; answers counts for the summary (e.g. { journeys: 4, runs: 812 }). */
  load(demo: DemoContext): Promise<Record<string, number>>;
}

/** What a CLI command gets: the configuration, and the platform's context opened (and closed) on demand. */
export interface CliContext {
  config: Config;
  /**
   * Database migrated, PII keys loaded, every module set up (hooks joined), nothing running; with `http`, also the
   * HTTP API in process (not listening), for commands that load data through it.
   */
  open(opts?: { http?: boolean }): Promise<AppContext>;
  close(ctx: AppContext): Promise<void>;
}

export interface CliCommand {
  /** First word after `siyu`, e.g. 'wecom'. */
  name: string;
  /** One line for `siyu help`: the arguments, then what it does. */
  usage: string;
  run(args: string[], cli: CliContext): Promise<void>;
}

export interface CapabilityModule {
  /** The folder's name. */
  name: string;
  /** Permissions this module's routes declare, with the built-in roles granted each (custom roles pick from them). */
  permissions?: Record<string, readonly string[]>;
  /**
   * Creates the module's services (ctx.services.provide) and joins other modules' hook points (ctx.hooks.add). Runs in
   * list order, also for CLI commands that open the platform without HTTP, so hooks behave the same there.
   */
  setup?(ctx: AppContext): void | Promise<void>;
  /** Registers HTTP routes. Each declares `config.permission` (see access/guard.ts). */
  routes?(app: FastifyInstance, ctx: AppContext): void | Promise<void>;
  /**
   * The module's workers (created in setup, usually also provided as services so others can wake them): live ones
   * start with the platform, the others after the server listens; all stop in reverse order at close.
   */
  workers?(ctx: AppContext): Worker[];
  /** "Where used" for definitions other modules own. */
  references?: ReferenceFinder;
  nav?: NavEntry[];
  demo?: DemoPart;
  cli?: CliCommand[];
  /** Releases what the module holds outside workers (connections, transports) at close. */
  close?(ctx: AppContext): Promise<void>;
}

export const defineModule = (m: CapabilityModule): CapabilityModule => m;
