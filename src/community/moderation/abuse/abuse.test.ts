import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { FoldedText } from '../folded-text.ts';
import { MODEL_PATH, ModelFileSchema, OffensiveClassifier } from './classifier.ts';
import { measure, readCold } from './cold.ts';
import { fitLogistic, modelFile, quantize, toExamples } from './train.ts';

describe('offensive-language classifier', () => {
  const classifier = OffensiveClassifier.load();
  const text = new FoldedText();
  const p = (s: string) => classifier.probability(text.load(s));

  it('ships as a small committed file: 64 K int8 weights and how they were trained', () => {
    const file = ModelFileSchema.parse(JSON.parse(fs.readFileSync(MODEL_PATH, 'utf8')));
    assert.equal(Buffer.from(file.weights, 'base64').length, 1 << file.features.bits);
    assert.ok(fs.statSync(MODEL_PATH).size < 150_000);
    assert.match(file.trainedOn, /COLD_train/);
  });

  it('scores open contempt for a group of people high and everyday group chat low', () => {
    assert.ok(p('黑人都是垃圾，滚出中国') > 0.9);
    assert.ok(p('你们河南人就是骗子，一群废物') > 0.7);
    for (const s of ['今天的快递到了，谢谢客服', '这款面霜好用吗？', '周末门店有活动吗']) assert.ok(p(s) < 0.5, s);
  });

  it('reads folded text: traditional characters and inserted symbols score like the plain words', () => {
    assert.ok(Math.abs(p('黑人都是垃圾') - p('黑人都是垃*圾')) < 1e-9);
    assert.ok(Math.abs(p('你們這些騙子，滾回去') - p('你们这些骗子，滚回去')) < 1e-9);
    assert.ok(p('你们这些骗子，滚回去') > 0.5);
  });

  it('answers 0 for text without letters (a picture, emoji only)', () => {
    assert.equal(p(''), 0);
    assert.equal(p('👍🎉'), 0);
  });

  it('points at the n-grams behind a score, as spans of the original text', () => {
    const s = '黑人都是垃圾，滚出中国';
    const signals = classifier.signals(text.load(s), 3);
    assert.equal(signals.length, 3);
    for (const g of signals) assert.equal(s.slice(g.start, g.end), g.text);
    assert.ok(signals.some((g) => g.text === '垃圾'));
  });

  it('beats the word list on COLD_dev: accuracy above 0.85 (the word list alone is near 0.6)', () => {
    const dev = readCold('dev');
    const q = measure(dev, (s) => p(s) >= 0.5);
    assert.ok(q.accuracy > 0.85, JSON.stringify(q));
    assert.ok(q.precision > 0.8 && q.recall > 0.8, JSON.stringify(q));
  });
});

describe('features at training and at run time', () => {
  it('scores a text from exactly the features training saw (the run-time loop is written out, so it is checked)', () => {
    const spec = { bits: 10, maxN: 2 };
    const weights = Float32Array.from({ length: 1 << spec.bits }, (_, i) => Math.sin(i) / 4);
    const model = OffensiveClassifier.fromFile(modelFile(spec, { weights, bias: 0.1 }, 'synthetic', { accuracy: 0, precision: 0, recall: 0, examples: 0 }));
    const quantized = quantize(weights);
    for (const s of ['你们这些骗子，滚回去', '好好好好好', 'ABC 123 ＡＢＣ', '傻*逼🙂傻逼']) {
      const text = new FoldedText().load(s);
      const [example] = toExamples([{ text: s, offensive: false }], spec);
      let z = 0.1;
      for (const f of example.features) z += (quantized.bytes[f] * quantized.scale) / Math.sqrt(example.features.length);
      assert.ok(Math.abs(model.probability(text) - 1 / (1 + Math.exp(-z))) < 1e-6, s);
    }
  });
});

describe('training', () => {
  it('is deterministic and learns from a small sample; quantizing keeps the weights within one step', () => {
    const rows = readCold('train').slice(0, 2000);
    const spec = { bits: 12, maxN: 2 };
    const options = { epochs: 2, learningRate: 0.05, l2: 1e-6, seed: 1 };
    const a = fitLogistic(toExamples(rows, spec), spec, options);
    const b = fitLogistic(toExamples(rows, spec), spec, options);
    assert.deepEqual(a.weights, b.weights);
    const { bytes, scale } = quantize(a.weights);
    for (let i = 0; i < a.weights.length; i++) assert.ok(Math.abs(bytes[i] * scale - a.weights[i]) <= scale / 2 + 1e-9);
    const model = OffensiveClassifier.fromFile(modelFile(spec, a, 'sample', { accuracy: 0, precision: 0, recall: 0, examples: 0 }));
    const t = new FoldedText();
    const fitted = measure(rows, (s) => model.probability(t.load(s)) >= 0.5);
    assert.ok(fitted.accuracy > 0.8, JSON.stringify(fitted));
  });
});
