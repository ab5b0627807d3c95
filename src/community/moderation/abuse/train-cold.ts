// `npm run train:cold`: trains the offensive-language classifier on COLD_train.csv and writes cold-model.json beside
// this file. The settings are chosen on a held-out tenth of the training set (COLD_dev.csv is kept for measuring, in
// `npm run bench -- community`), then the chosen model is refitted on the whole training set.
import fs from 'node:fs';
import { readCold } from './cold.ts';
import { MODEL_PATH } from './classifier.ts';
import { evaluateModel, fitLogistic, modelFile, toExamples, type TrainOptions } from './train.ts';
import type { FeatureSpec } from './features.ts';

const BITS = 16; // 64 K buckets: a 64 KB model; 2^18 was no better on the held-out tenth
const CANDIDATES: { spec: FeatureSpec; options: TrainOptions }[] = [];
for (const maxN of [2, 3]) for (const epochs of [4, 8]) CANDIDATES.push({ spec: { bits: BITS, maxN }, options: { epochs, learningRate: 0.05, l2: 1e-6, seed: 20240601 } });

const rows = readCold('train');
// Every tenth example (by a fixed hash of its position) is held out for choosing the settings.
const held = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0) % 10 === 0;
const fit = rows.filter((_, i) => !held(i));
const holdout = rows.filter((_, i) => held(i));
const source = 'COLD_train.csv (thu-coai/COLDataset @ a0c55a94, Apache-2.0)';

let best: { spec: FeatureSpec; options: TrainOptions; quality: ReturnType<typeof evaluateModel> } | undefined;
for (const c of CANDIDATES) {
  const t0 = performance.now();
  const file = modelFile(c.spec, fitLogistic(toExamples(fit, c.spec), c.spec, c.options), source, { accuracy: 0, precision: 0, recall: 0, examples: 0 });
  const quality = evaluateModel(file, holdout);
  console.log(`n-grams 1–${c.spec.maxN}, ${c.options.epochs} passes: held-out accuracy ${quality.accuracy} precision ${quality.precision} recall ${quality.recall} (${Math.round(performance.now() - t0)} ms)`);
  if (!best || quality.accuracy > best.quality.accuracy) best = { ...c, quality };
}
const chosen = best!;
const file = modelFile(chosen.spec, fitLogistic(toExamples(rows, chosen.spec), chosen.spec, chosen.options), source, chosen.quality);
fs.writeFileSync(MODEL_PATH, JSON.stringify(file, null, 1) + '\n');
console.log(`chose n-grams 1–${chosen.spec.maxN}, ${chosen.options.epochs} passes; refitted on ${rows.length} examples → ${MODEL_PATH} (${fs.statSync(MODEL_PATH).size} bytes)`);
