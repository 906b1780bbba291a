// The first-visit size report: what a visitor's browser downloads for kuki, raw, gzip and brotli, against issue 8's
// goal of 80 KiB brotli (and issue 2's earlier budget of 45). Reads the assembled dist/ (run `make bundle` first).
//
// Exit status 0 always: `make bench` reports; the budget itself is held by a test once the app is complete.
// Pass --json for one machine-readable line, and `--floor DIR` (a wasm-bindgen pkg of the smallest useful yew
// app, from benches/yew-floor/build.sh) to show how much of kuki's size is yew's own floor.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const BUDGET_BROTLI = 45 * 1024;
const GOAL_BROTLI = 80 * 1024;
const FIRST_VISIT = ['dist/kuki/kuki.js', 'dist/kuki/pkg/kuki.js', 'dist/kuki/pkg/kuki_bg.wasm'];

function sizes(path) {
  const bytes = readFileSync(path);
  return {
    path,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

const floorAt = process.argv.indexOf('--floor');
const floorDir = floorAt > 0 ? process.argv[floorAt + 1] : undefined;
const floor = floorDir ? ['floor.js', 'floor_bg.wasm'].map((f) => sizes(`${floorDir}/${f}`)) : [];

const missing = FIRST_VISIT.filter((p) => !existsSync(p));
if (missing.length) {
  console.error(`size-report: missing ${missing.join(', ')} (run make bundle)`);
  process.exit(1);
}
const rows = FIRST_VISIT.map(sizes);
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
  raw: 0,
  gzip: 0,
  brotli: 0,
});

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ files: rows, total, budgetBrotli: BUDGET_BROTLI, goalBrotli: GOAL_BROTLI, floor }));
} else {
  const kib = (n) => (n / 1024).toFixed(1).padStart(8);
  console.log(`${'file'.padEnd(32)}${'raw KiB'.padStart(8)}${'gzip'.padStart(8)}${'brotli'.padStart(8)}`);
  for (const r of rows) console.log(`${r.path.padEnd(32)}${kib(r.raw)}${kib(r.gzip)}${kib(r.brotli)}`);
  console.log(`${'first visit'.padEnd(32)}${kib(total.raw)}${kib(total.gzip)}${kib(total.brotli)}`);
  if (floor.length) {
    const f = floor.reduce((t, r) => t + r.brotli, 0);
    for (const r of floor) {
      const name = `yew floor: ${r.path.split('/').pop()}`;
      console.log(`${name.padEnd(32)}${kib(r.raw)}${kib(r.gzip)}${kib(r.brotli)}`);
    }
    const above = ((total.brotli - f) / 1024).toFixed(1);
    console.log(
      `kuki above the yew floor: ${above} KiB brotli (floor ${(f / 1024).toFixed(1)} KiB; kuki = ${(total.brotli / f).toFixed(2)}x the floor)`,
    );
  }
  for (const [name, limit] of [['issue 8 goal', GOAL_BROTLI], ['issue 2 budget', BUDGET_BROTLI]]) {
    const left = limit - total.brotli;
    console.log(
      `${name} ${(limit / 1024).toFixed(1)} KiB brotli: ${left >= 0 ? `${(left / 1024).toFixed(1)} KiB left` : `OVER by ${(-left / 1024).toFixed(1)} KiB`}`,
    );
  }
}
