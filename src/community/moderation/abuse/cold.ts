// Reading the COLD data set (thu-coai/COLDataset: Chinese offensive-language comments on race, region and gender;
// label 1 offensive). It is read in place from the shared data folder for training and measuring, never copied.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { defaultListsDir } from '../lists.ts';

export interface LabelledText {
  text: string;
  offensive: boolean;
}

/** COLD_train.csv / COLD_dev.csv from the shared data folder (or `dir`). Columns: index, split, topic, label, TEXT. */
export function readCold(split: 'train' | 'dev', dir = defaultListsDir()): LabelledText[] {
  if (!dir) throw new Error('COLD data not found: set SIYU_MODERATION_LISTS or put ../shared/data/zh_moderation beside the repository');
  const rows = parse(fs.readFileSync(path.join(dir, `COLD_${split}.csv`)), { bom: true, from_line: 2, relax_quotes: true }) as string[][];
  return rows.map((r) => ({ text: r[4] ?? '', offensive: r[3] === '1' }));
}

export interface Quality {
  accuracy: number;
  precision: number;
  recall: number;
  examples: number;
}

/** Accuracy, precision and recall of `predict` on labelled texts (offensive is the positive class). */
export function measure(rows: LabelledText[], predict: (text: string) => boolean): Quality {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const r of rows) {
    const p = predict(r.text);
    if (p && r.offensive) tp++;
    else if (p) fp++;
    else if (r.offensive) fn++;
    else tn++;
  }
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return { accuracy: round((tp + tn) / rows.length), precision: round(tp / (tp + fp || 1)), recall: round(tp / (tp + fn || 1)), examples: rows.length };
}
