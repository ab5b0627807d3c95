// Training the offensive-language classifier: L2-regularised logistic regression over hashed n-gram presence, each
// example scaled by 1/sqrt(its feature count), fitted by AdaGrad over shuffled passes (deterministic seed, so a retrain
// on the same data gives the same file). Then the weights are quantized to int8 with one scale for a 64 KB model.
import { FoldedText } from '../folded-text.ts';
import { forEachFeature, type FeatureSpec } from './features.ts';
import { OffensiveClassifier, type ModelFile } from './classifier.ts';
import { measure, type LabelledText, type Quality } from './cold.ts';

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export interface Example {
  features: Int32Array;
  label: 0 | 1;
}

export function toExamples(rows: LabelledText[], spec: FeatureSpec): Example[] {
  const text = new FoldedText();
  const seen = new Uint32Array(1 << spec.bits);
  return rows.map((r, i) => {
    const out: number[] = [];
    forEachFeature(text.load(r.text), spec, seen, i + 1, (b) => out.push(b));
    return { features: Int32Array.from(out), label: r.offensive ? 1 : 0 };
  });
}

export function fitLogistic(examples: Example[], spec: FeatureSpec, o: TrainOptions): { weights: Float32Array; bias: number } {
  const weights = new Float32Array(1 << spec.bits);
  const g2 = new Float32Array(1 << spec.bits);
  let bias = 0;
  let gb = 0;
  const order = examples.map((_, i) => i);
  let s = o.seed >>> 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const k of order) {
      const { features, label } = examples[k];
      if (features.length === 0) continue;
      const scale = 1 / Math.sqrt(features.length);
      let z = bias;
      for (const f of features) z += weights[f] * scale;
      const g = 1 / (1 + Math.exp(-z)) - label;
      for (const f of features) {
        const gf = g * scale + o.l2 * weights[f];
        g2[f] += gf * gf;
        weights[f] -= (o.learningRate * gf) / Math.sqrt(g2[f] + 1e-8);
      }
      gb += g * g;
      bias -= (o.learningRate * g) / Math.sqrt(gb + 1e-8);
    }
  }
  return { weights, bias };
}

/** Int8 weights with one scale (the largest weight maps to ±127). */
export function quantize(weights: Float32Array): { bytes: Int8Array; scale: number } {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = max / 127 || 1;
  const bytes = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) bytes[i] = Math.max(-127, Math.min(127, Math.round(weights[i] / scale)));
  return { bytes, scale };
}

export function modelFile(spec: FeatureSpec, fitted: { weights: Float32Array; bias: number }, trainedOn: string, holdout: Quality): ModelFile {
  const { bytes, scale } = quantize(fitted.weights);
  return {
    format: 'siyu-offensive-lr',
    version: 1,
    features: spec,
    bias: fitted.bias,
    scale,
    weights: Buffer.from(bytes.buffer).toString('base64'),
    trainedOn,
    holdout,
    trainedAt: new Date().toISOString(),
  };
}

/** Quality of a (quantized) model on labelled texts at probability 0.5. */
export function evaluateModel(file: ModelFile, rows: LabelledText[]): Quality {
  const classifier = OffensiveClassifier.fromFile(file);
  const text = new FoldedText();
  return measure(rows, (t) => classifier.probability(text.load(t)) >= 0.5);
}
