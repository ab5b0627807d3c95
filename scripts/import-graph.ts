// The import graph between capability folders of src/ (every import, types included), for test/architecture.test.ts
// and for people: `node --import tsx scripts/import-graph.ts` prints who imports whom and any import that breaks the layering.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Lowest first: a folder may import from folders before it, never after (docs/architecture.md explains each). */
export const LAYERS = [
  'kernel', 'access', 'identity', 'customers', 'ingest', 'demo', 'matching',
  'rules', 'tags', 'traits', 'segments', 'analytics', 'layers', 'models',
  'loyalty', 'messaging', 'journeys', 'broadcasts', 'community', 'overview', 'pipeline',
];

const folderOf = (file: string): string | null => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : null; // files directly in src/ compose the platform and may import anything
};

export interface ImportEdge {
  from: string;
  to: string;
  file: string;
  target: string;
}

export function importEdges(): ImportEdge[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name)) files.push(p);
    }
  };
  walk(SRC);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      const from = folderOf(file);
      const to = folderOf(target);
      if (from && to && from !== to) edges.push({ from, to, file: path.relative(SRC, file), target: path.relative(SRC, target) });
    }
  }
  return edges;
}

/** Imports that go up the layers (or into a folder not in LAYERS). */
export function layeringViolations(edges: ImportEdge[] = importEdges()): ImportEdge[] {
  return edges.filter((e) => !LAYERS.includes(e.from) || !LAYERS.includes(e.to) || LAYERS.indexOf(e.to) > LAYERS.indexOf(e.from));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const edges = importEdges();
  const byFolder = new Map<string, Set<string>>();
  for (const e of edges) byFolder.set(e.from, new Set([...(byFolder.get(e.from) ?? []), e.to]));
  for (const f of LAYERS) console.log(`${f.padEnd(12)} -> ${[...(byFolder.get(f) ?? [])].sort((a, b) => LAYERS.indexOf(a) - LAYERS.indexOf(b)).join(' ')}`);
  const bad = layeringViolations(edges);
  for (const v of bad) console.log(`UP: ${v.file} imports ${v.target}`);
  process.exitCode = bad.length ? 1 : 0;
}
