// The shape of the code: capabilities import only from the layers below them (no cycles between folders), the kernel
// imports no capability, and the tables shared by many capabilities are written only by their owner.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { importEdges, layeringViolations, LAYERS } from '../scripts/import-graph.ts';
import { MODULES } from '../src/modules.ts';

const SRC = path.resolve('src');

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  it('every capability folder has a place in the layers, and no import goes up them', () => {
    const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual(folders.filter((f) => !LAYERS.includes(f)), [], 'folders missing from LAYERS in scripts/import-graph.ts');
    const up = layeringViolations(importEdges()).map((e) => `${e.file} imports ${e.target}`);
    assert.deepEqual(up, [], 'imports that go up the layers (or close a cycle)');
  });

  it('the kernel imports no capability', () => {
    assert.deepEqual(importEdges().filter((e) => e.from === 'kernel').map((e) => `${e.file} imports ${e.target}`), []);
  });

  it('modules are listed in layer order', () => {
    const order = MODULES.map((m) => LAYERS.indexOf(m.name));
    assert.ok(order.every((i) => i >= 0), `modules missing from LAYERS: ${MODULES.filter((m) => !LAYERS.includes(m.name)).map((m) => m.name)}`);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'src/modules.ts must list modules lowest layer first');
  });

  it('shared tables are written by their owner only', () => {
    const owners: [RegExp, string][] = [
      [/INSERT INTO events\b|UPDATE events\b|DELETE FROM events\b/, 'src/customers/timeline.ts'],
      [/INSERT INTO (customer_tags|tags|tag_versions)\b|UPDATE (tags|customer_tags)\b|DELETE FROM (customer_tags|tags)\b/, 'src/tags/publish.ts'],
    ];
    for (const [pattern, owner] of owners) {
      const writers = sourceFiles().filter((f) => pattern.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative('.', f));
      assert.deepEqual(writers, [owner], `${pattern} is written outside its owner`);
    }
  });
});
