// Identity rules are read on every ingest batch; keep them in memory for a few seconds (other processes' edits
// show up within the TTL; this process's edits immediately).
import type { Queryable } from '../kernel/db.ts';
import { loadRules, type RuleBook } from './rules.ts';

const TTL_MS = 5000;

export class RulesCache {
  private entries = new Map<string, { book: RuleBook; at: number }>();

  async get(tx: Queryable, workspaceId: string): Promise<RuleBook> {
    const hit = this.entries.get(workspaceId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.book;
    const book = await loadRules(tx);
    this.entries.set(workspaceId, { book, at: Date.now() });
    return book;
  }

  invalidate(workspaceId: string) {
    this.entries.delete(workspaceId);
  }
}
