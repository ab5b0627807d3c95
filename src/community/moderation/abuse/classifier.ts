// The offensive-language classifier at run time: logistic regression over hashed character n-grams (features.ts), its
// weights trained on COLD (thu-coai/COLDataset, Apache-2.0) by `npm run train:cold` and committed as cold-model.json —
// int8 weights with one scale, 64 K buckets: the model derived from the data set, not the data set.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { FoldedText } from '../folded-text.ts';
import type { FeatureSpec } from './features.ts';

export const ModelFileSchema = z.object({
  format: z.literal('siyu-offensive-lr'),
  version: z.literal(1),
  features: z.object({ bits: z.number().int().min(8).max(24), maxN: z.number().int().min(1).max(5) }),
  bias: z.number(),
  scale: z.number().positive(),
  /** Int8 weights, base64; weight of bucket b = weights[b] * scale. */
  weights: z.string(),
  trainedOn: z.string(),
  holdout: z.object({ accuracy: z.number(), precision: z.number(), recall: z.number(), examples: z.number().int() }),
  trainedAt: z.string(),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export const MODEL_PATH = fileURLToPath(new URL('./cold-model.json', import.meta.url));

export class OffensiveClassifier {
  private readonly seen: Uint32Array;
  private stamp = 0;

  constructor(
    private readonly spec: FeatureSpec,
    private readonly weights: Float32Array,
    private readonly bias: number,
  ) {
    this.seen = new Uint32Array(weights.length);
  }

  static fromFile(file: ModelFile): OffensiveClassifier {
    const bytes = Buffer.from(file.weights, 'base64');
    if (bytes.length !== 1 << file.features.bits) throw new Error(`offensive-language model: ${bytes.length} weights, expected ${1 << file.features.bits}`);
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    const weights = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) weights[i] = q[i] * file.scale;
    return new OffensiveClassifier(file.features, weights, file.bias);
  }

  /** The committed model (throws with the reason when the file is missing or malformed). */
  static load(path = MODEL_PATH): OffensiveClassifier {
    return OffensiveClassifier.fromFile(ModelFileSchema.parse(JSON.parse(fs.readFileSync(path, 'utf8'))));
  }

  /** Probability that the text is offensive. Empty text (emoji only, a picture) is 0. */
  probability(text: FoldedText): number {
    if (text.length === 0) return 0;
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    // The loop of forEachFeature written out: this runs for every message, and closures cost here.
    const { symbols, length } = text;
    const { seen, stamp, weights } = this;
    const maxN = this.spec.maxN;
    const mask = (1 << this.spec.bits) - 1;
    let z = 0;
    let distinct = 0;
    for (let i = 0; i < length; i++) {
      let h = 0x811c9dc5;
      for (let n = 1; n <= maxN && i + n <= length; n++) {
        h = Math.imul(h ^ symbols[i + n - 1], 0x01000193);
        const bucket = ((h ^ (h >>> 15)) + n) & mask;
        if (seen[bucket] === stamp) continue;
        seen[bucket] = stamp;
        distinct++;
        z += weights[bucket];
      }
    }
    return 1 / (1 + Math.exp(-(this.bias + z / Math.sqrt(distinct))));
  }

  /**
   * The n-grams that pushed the score up most, as spans of the original text (non-overlapping, strongest first).
   * Longest n-grams first: 垃圾 tells a reviewer more than 垃 and 圾; single characters only fill what is left.
   * Only a few candidates per length are kept while scanning, so a 10,000-character message costs one pass.
   * (The n-gram hashing of features.ts, written out like in `probability`.)
   */
  signals(text: FoldedText, k: number): { start: number; end: number; text: string; weight: number }[] {
    const keep = k * 4;
    const best: Candidate[][] = Array.from({ length: this.spec.maxN + 1 }, () => []);
    const { symbols, length } = text;
    const maxN = this.spec.maxN;
    const mask = (1 << this.spec.bits) - 1;
    for (let i = 0; i < length; i++) {
      let h = 0x811c9dc5;
      for (let n = 1; n <= maxN && i + n <= length; n++) {
        h = Math.imul(h ^ symbols[i + n - 1], 0x01000193);
        const weight = this.weights[((h ^ (h >>> 15)) + n) & mask];
        if (weight <= 0) continue;
        const list = best[n];
        if (list.length === keep && list[keep - 1].weight >= weight) continue;
        const candidate = { first: i, n, weight };
        if (list.length < keep) list.push(candidate);
        else list[keep - 1] = candidate;
        for (let j = list.length - 1; j > 0 && list[j - 1].weight < list[j].weight; j--) [list[j - 1], list[j]] = [list[j], list[j - 1]];
      }
    }
    const picked: Candidate[] = [];
    for (let n = this.spec.maxN; n >= 1 && picked.length < k; n--) {
      for (const g of best[n]) {
        if (picked.length === k) break;
        if (picked.some((p) => g.first < p.first + p.n && p.first < g.first + g.n)) continue;
        picked.push(g);
      }
    }
    return picked.map((g) => {
      const start = text.starts[g.first];
      const end = text.ends[g.first + g.n - 1];
      return { start, end, text: text.original.slice(start, end), weight: g.weight };
    });
  }
}

interface Candidate {
  first: number;
  n: number;
  weight: number;
}
