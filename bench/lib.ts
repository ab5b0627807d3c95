// Shared benchmark plumbing: timing, percentiles, a printed table and a JSON file under bench/results/.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

export interface Row {
  [column: string]: string | number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function report(name: string, rows: Row[], notes: Record<string, unknown> = {}) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : String(v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${name}`);
  console.log(line(columns));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))));
  const dir = path.resolve('bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version }, rows, notes }, null, 2));
  console.log(`→ ${path.relative(process.cwd(), file)}`);
}

export const seconds = (ms: number) => Math.round(ms) / 1000;

/** Sends requests from a separate client process (bench/load-client.ts) with `concurrency` connections. */
export async function loadFromProcess(job: { url: string; authorization: string; concurrency: number; requests: { method: string; path: string; body?: unknown }[] }) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/load-client.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (c) => out.push(c));
  child.stdin.end(JSON.stringify(job));
  await new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(null) : reject(new Error(`load client exited with ${code}`)))));
  return JSON.parse(Buffer.concat(out).toString('utf8')) as { ms: number; clientCpuMs: number; results: { status: number; ms: number; body: string }[] };
}
