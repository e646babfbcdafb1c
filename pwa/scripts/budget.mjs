// The first screen's budget: the JavaScript and CSS that index.html loads before anything
// else (its module script, the chunks it preloads, its style sheets), gzipped, must stay
// within BUDGET_BYTES. Lazy chunks (charts, admin screens) are not counted: they load when
// their screen opens. Run after `vite build` (or on another build: `node budget.mjs DIR`);
// exits 1 when over, so the build fails.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const BUDGET_BYTES = 60 * 1024;
const dist = process.argv[2] ?? new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");

// <script type="module" src>, <link rel="modulepreload" href>, <link rel="stylesheet" href>
const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
const files = new Set();
for (const tag of tags) {
  const rel = /\brel="([^"]+)"/.exec(tag)?.[1];
  const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
  const loadsFirst = tag.startsWith("<script") ? /type="module"/.test(tag) : rel === "modulepreload" || rel === "stylesheet";
  if (url && loadsFirst && /\.(js|css)$/.test(url)) files.add(url.replace(/^\//, ""));
}
if (files.size === 0) {
  console.error("budget: index.html loads no script or style sheet; is dist/ a Vite build?");
  process.exit(1);
}

let total = 0;
for (const file of [...files].sort()) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`budget: ${(size / 1024).toFixed(1).padStart(6)} KB gz  ${file}`);
}
const verdict = `${(total / 1024).toFixed(1)} KB gzipped JS+CSS for the first screen (budget ${BUDGET_BYTES / 1024} KB)`;
if (total > BUDGET_BYTES) {
  console.error(`budget: over: ${verdict}`);
  process.exit(1);
}
console.log(`budget: ok: ${verdict}`);
