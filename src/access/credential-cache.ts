// API keys looked up per request would cost every call a database round trip. Found keys are remembered briefly:
// a revocation made in this process takes effect at once (forget), one made by another process within the TTL.
// Unknown keys are not remembered, so a key created elsewhere works on its first use.
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export class CredentialCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly ttlMs = TTL_MS) {}

  async get(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    if (value) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, { value, until: now + this.ttlMs });
    } else {
      this.entries.delete(key);
    }
    return value;
  }

  clear() {
    this.entries.clear();
  }
}
