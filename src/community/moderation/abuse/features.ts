// Features of the offensive-language classifier: hashed character n-grams of the folded symbol stream (letters and
// digits after traditional→simplified, case and width folding, symbols dropped — the same stream the word lists read,
// so 傻*逼 and 傻逼 look alike to the model too). Shared by training and inference: a change here needs a retrain.
import type { FoldedText } from '../folded-text.ts';

export interface FeatureSpec {
  /** log2 of the number of hash buckets. */
  bits: number;
  /** Longest n-gram (1..maxN). */
  maxN: number;
}

/** Calls `visit` for every n-gram of `text` with its bucket and its symbol range [first, first + n). */
export function forEachNgram(text: FoldedText, spec: FeatureSpec, visit: (bucket: number, first: number, n: number) => void): void {
  const mask = (1 << spec.bits) - 1;
  const { symbols, length } = text;
  for (let i = 0; i < length; i++) {
    let h = 0x811c9dc5;
    for (let n = 1; n <= spec.maxN && i + n <= length; n++) {
      h = Math.imul(h ^ symbols[i + n - 1], 0x01000193);
      visit(((h ^ (h >>> 15)) + n) & mask, i, n);
    }
  }
}

/**
 * Calls `visit` once per distinct bucket of `text` (presence, not counts) and returns how many there were.
 * `seen`/`stamp` dedupe buckets without allocating: a bucket is seen when seen[b] === stamp.
 */
export function forEachFeature(text: FoldedText, spec: FeatureSpec, seen: Uint32Array, stamp: number, visit: (bucket: number) => void): number {
  let distinct = 0;
  forEachNgram(text, spec, (bucket) => {
    if (seen[bucket] === stamp) return;
    seen[bucket] = stamp;
    distinct++;
    visit(bucket);
  });
  return distinct;
}
