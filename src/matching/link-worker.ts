// Batch linkage off the main thread: comparing and fitting a million records takes a minute of CPU, which on the
// main thread would stall every HTTP request. The worker reports progress and returns plain data.
import { parentPort } from 'node:worker_threads';
import { linkRecords, type LinkOptions, type LinkResult } from './link.ts';
import { prepareKeys } from './keys.ts';
import type { PersonRecord } from './record.ts';

export interface LinkJob {
  records: PersonRecord[];
  options: Omit<LinkOptions, 'onProgress' | 'today'> & { today: string };
  /** Record ids whose blocking keys must be (re)written. */
  reindex: number[];
}

export type LinkWorkerMessage =
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'result'; result: Omit<LinkResult, 'scorer' | 'records'> & { keys: { id: number; keys: string[] }[] } }
  | { type: 'error'; message: string };

parentPort!.once('message', (job: LinkJob) => {
  try {
    let last = 0;
    const result = linkRecords(job.records, {
      ...job.options,
      today: new Date(job.options.today),
      onProgress(stage, done, total) {
        const now = Date.now();
        if (now - last < 250 && done !== total) return;
        last = now;
        parentPort!.postMessage({ type: 'progress', stage, done, total } satisfies LinkWorkerMessage);
      },
    });
    const reindex = new Set(job.reindex);
    const keys = result.records.filter((r) => reindex.has(r.id)).map(prepareKeys);
    const { scorer: _scorer, records: _records, ...plain } = result;
    parentPort!.postMessage({ type: 'result', result: { ...plain, keys } } satisfies LinkWorkerMessage);
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies LinkWorkerMessage);
  }
});
