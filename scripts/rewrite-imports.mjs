// Rewrites relative imports after files moved: node scripts/rewrite-imports.mjs old1=new1 old2=new2 ...
// (paths from the repository root). Every .ts/.tsx/.mjs file under src, test, bench, scripts and web/src is checked,
// including the moved files' own imports.
import fs from 'node:fs';
import path from 'node:path';

const moves = new Map(process.argv.slice(2).map((a) => a.split('=').map((p) => path.resolve(p))));
const inverse = new Map([...moves].map(([a, b]) => [b, a]));
const files = [];
const walk = (d) => {
  if (!fs.existsSync(d)) return;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'dist') walk(p); }
    else if (/\.(ts|tsx|mjs)$/.test(e.name)) files.push(path.resolve(p));
  }
};
['src', 'test', 'bench', 'scripts', 'web/src'].forEach(walk);
for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  // Where this file was before the move: its relative imports were written from there.
  const oldFile = inverse.get(file) ?? file;
  const out = src.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)(['"])/g, (m, pre, spec, post) => {
    const target = path.resolve(path.dirname(oldFile), spec);
    const moved = moves.get(target) ?? target;
    let rel = path.relative(path.dirname(file), moved);
    if (!rel.startsWith('.')) rel = './' + rel;
    return pre + rel + post;
  });
  if (out !== src) fs.writeFileSync(file, out);
}
