// Loads the demo brand the way a brand's own systems would: every module's demo part in turn (src/modules.ts order),
// each through the platform's HTTP API, called in process with the workspace's own keys.
import type { AppContext } from '../kernel/context.ts';
import type { DemoContext } from '../kernel/module.ts';
import { createApiKey, createOperator, createWorkspace } from '../access/workspaces.ts';
import { BRAND } from './catalog.ts';

export const DEMO_OWNER = { email: 'admin@demo.siyu.dev', password: 'siyu-demo', name: '演示管理员' };

export interface DemoOptions {
  customers: number;
  seed: number;
  workspaceId?: string;
  /** Day the demo history ends (defaults to today), so "last 30 days" always has data. */
  anchor?: Date;
  /** Only these modules' parts (by module name); all by default. */
  only?: string[];
  onProgress?: (customersDone: number) => void;
  /** What is being loaded now, for a person watching. */
  onStep?: (message: string) => void;
}

export interface LoadedDemo {
  workspaceId: string;
  writeKey?: string;
  counts: Record<string, number>;
}

export async function loadDemo(ctx: AppContext, opts: DemoOptions): Promise<LoadedDemo> {
  let workspaceId = opts.workspaceId;
  let writeKey: string | undefined;
  if (!workspaceId) {
    const ws = await createWorkspace(ctx.db, BRAND.name, { timezone: BRAND.timezone });
    workspaceId = ws.id;
    writeKey = ws.writeKey;
    await createOperator(ctx.db, ws.id, DEMO_OWNER.email, DEMO_OWNER.name, DEMO_OWNER.password, 'owner');
  }
  // Keys of the loader's own, as an integration would have: its calls are attributed to it in the audit log.
  const secret = (await createApiKey(ctx.db, workspaceId, 'secret', '演示数据导入', 'admin')).key;
  const tracking = (await createApiKey(ctx.db, workspaceId, 'write', '演示数据埋点')).key;
  const anchorDate = opts.anchor ?? ctx.clock.now();
  const demo: DemoContext = {
    ctx, workspaceId, customers: opts.customers, seed: opts.seed,
    anchor: new Date(Date.UTC(anchorDate.getUTCFullYear(), anchorDate.getUTCMonth(), anchorDate.getUTCDate())),
    api: (method, url, body) => call(ctx, method, url, body, `Bearer ${secret}`),
    track: (url, body) => call(ctx, 'POST', url, body, `Basic ${Buffer.from(`${tracking}:`).toString('base64')}`),
    progress: (message) => {
      const m = /^customers (\d+)\//.exec(message);
      if (m) opts.onProgress?.(Number(m[1]));
      opts.onStep?.(message);
    },
  };
  const counts: Record<string, number> = {};
  for (const m of ctx.modules) {
    if (!m.demo || (opts.only && !opts.only.includes(m.name))) continue;
    Object.assign(counts, await m.demo.load(demo));
  }
  return { workspaceId, writeKey, counts };
}

async function call<T>(ctx: AppContext, method: string, url: string, body: unknown, authorization: string): Promise<T> {
  const app = ctx.services.find('http');
  if (!app) throw new Error('the demo brand loads through the HTTP API: open the platform (createPlatform), not only a context');
  const res = await app.inject({
    method: method as 'GET', url, headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.statusCode >= 400) throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
  return (res.body ? JSON.parse(res.body) : null) as T;
}
