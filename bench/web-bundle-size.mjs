#!/usr/bin/env node
// Measures what a browser downloads to show the first page of the UI (the services page,
// where `/` redirects): the entry chunk, its static imports, and the services page's lazy
// chunk with its static imports. Sizes are gzip level 9, like a compressing server.
// Usage: npm run build -w @sightline/web && node bench/web-bundle-size.mjs [route-module]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'web', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));
const firstPage = process.argv[2] ?? 'src/pages/services-page.tsx';
const BUDGET_KB = 500;

function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key]?.imports ?? []) closure(dep, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const keys = closure(entryKey);
if (manifest[firstPage]) closure(firstPage, keys);
else console.warn(`warning: ${firstPage} not in manifest; measuring the entry only`);

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const rows = [];
const css = new Set();
for (const k of keys) {
  rows.push({ file: manifest[k].file, raw: statSync(join(dist, manifest[k].file)).size, gzip: gz(manifest[k].file) });
  for (const c of manifest[k].css ?? []) css.add(c);
}
rows.sort((a, b) => b.gzip - a.gzip);
const total = rows.reduce((s, r) => s + r.gzip, 0);
const totalRaw = rows.reduce((s, r) => s + r.raw, 0);
const cssGzip = [...css].reduce((s, f) => s + gz(f), 0);
const allJs = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const allGzip = allJs.reduce((s, f) => s + gz(join('assets', f)), 0);

for (const r of rows) console.log(`${(r.gzip / 1024).toFixed(1).padStart(8)} KB gz  ${(r.raw / 1024).toFixed(1).padStart(8)} KB  ${r.file}`);
console.log(`initial JS for ${firstPage}: ${(total / 1024).toFixed(1)} KB gzip (${(totalRaw / 1024).toFixed(1)} KB raw) in ${rows.length} files; budget ${BUDGET_KB} KB`);
console.log(`initial CSS: ${(cssGzip / 1024).toFixed(1)} KB gzip`);
console.log(`all JS chunks (every page): ${(allGzip / 1024).toFixed(1)} KB gzip in ${allJs.length} files`);
if (total > BUDGET_KB * 1024) {
  console.error(`over budget by ${((total - BUDGET_KB * 1024) / 1024).toFixed(1)} KB`);
  process.exit(1);
}
