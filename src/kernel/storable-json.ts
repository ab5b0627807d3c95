// PostgreSQL text and jsonb cannot hold U+0000 or an unpaired UTF-16 surrogate, and its JSON parser stops at a
// nesting depth: one such value in a message would fail the whole transaction it shares with others (and a deep
// enough one would overflow our own stack first). Incoming data is checked where it arrives, so the one message or
// import row is refused with its field named and the rest are stored.

/** Deeper than any event property or trait needs; far below where PostgreSQL or this walk would run out of stack. */
export const MAX_DEPTH = 64;

const storable = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed() && !s.includes('\u0000');

/** The text with what cannot be stored replaced by U+FFFD: for reports that quote refused input back. */
export function storableCopy(s: string): string {
  return storable(s) ? s : (s as string & { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** Why a parsed JSON value cannot be stored, at the path of the first offending value or key; null when it can. */
export function unstorable(value: unknown, path: string, depth = 0): { field: string; message: string } | null {
  if (typeof value === 'string') {
    return storable(value) ? null : { field: path, message: 'contains a NUL character or a broken UTF-16 surrogate, which cannot be stored; remove it' };
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) return { field: path, message: `nests deeper than ${MAX_DEPTH} levels; flatten it` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorable(value[i], `${path}.${i}`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  // Only parsed JSON is walked: a Buffer or a stream (a file upload) is not text.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return null;
  for (const key in value) {
    const at = path ? `${path}.${key}` : key;
    if (!storable(key)) return { field: at, message: 'is a field name with a NUL character or a broken UTF-16 surrogate, which cannot be stored; rename it' };
    const bad = unstorable((value as Record<string, unknown>)[key], at, depth + 1);
    if (bad) return bad;
  }
  return null;
}
