// Minifies, in place and for dist/ only, the two JS files every first visit downloads, and marks the glue for
// eager compilation (below):
//
//   node scripts/minify.mjs module dist/.../pkg/kuki.js   wasm-bindgen's glue, an ES module (as wasm-bindgen writes
//                                                          it, with doc comments and long local names, ~10 KiB
//                                                          brotli; minified, ~7)
//   node scripts/minify.mjs script dist/kuki/kuki.js      the loader, a classic script (its comments say why each
//                                                          step is there; the served copy needs none of them)
//
// pkg/ and www/ keep the readable sources: the npm package's users bundle the glue themselves (tsc finds its types
// through the `@ts-self-types` comment at its top), and the loader is read and reviewed as www/kuki.js.
// rolldown's minifier (oxc); a build dependency in package.json. The glue's exported names must come out
// unchanged (the loader and the npm package call them); the first line of the loader's `/*!` header stays.
import { readFileSync, writeFileSync } from 'node:fs';
import { minifySync } from 'rolldown/experimental';

const [kind, file] = process.argv.slice(2);
if (!file || !['module', 'script'].includes(kind)) {
  console.error('usage: node scripts/minify.mjs module|script <file.js>');
  process.exit(2);
}
const module = kind === 'module';
const source = readFileSync(file, 'utf8');
// A classic script's top level is the page's global scope: its names are never mangled (the loader keeps
// everything inside its function anyway).
const { code: minified, errors } = minifySync(file, source, { module, compress: true, mangle: { toplevel: module } });
if (errors?.length) {
  console.error('minify: ' + file + ': ' + errors.map((e) => e.message).join('; '));
  process.exit(1);
}
// The served loader says what it is in its header's first line; the rest (how to include it) is for readers of
// www/kuki.js.
const header = module ? null : source.match(/^\/\*!([^\n]*)/);
const body = header ? `/*!${header[1].replace(/\s*\*\/$/, '')} */\n${minified.replace(/^\/\*![\s\S]*?\*\/\n?/, '')}` : minified;
// The glue gets V8's explicit compile hint (Chrome 136 and later; a plain comment elsewhere), first in the file as
// V8 wants it: every function compiled while the file streams in, on a background thread, instead of each on the
// main thread at its first call, inside the wasm's start-up tasks (nearly all of them run on a first visit). Not
// the loader: compiling all of it first delays its own run, and with it the first frame (make bench, 5 rounds
// each, 2026-12-01: banner visible at 1x 162 ms with the hint on both files, 137 on neither, 121 on the glue
// only; the longest task at 4x 143, 131 and 107 ms).
const code = module ? `//# allFunctionsCalledOnLoad\n${body}` : body;

// Every name the glue exports, before and after (a minifier that renamed one would break the loader).
const exported = (js) => {
  const names = new Set();
  for (const m of js.matchAll(/export\s+(?:async\s+)?(?:function|class|const|let)\s+([\w$]+)/g)) names.add(m[1]);
  for (const m of js.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of m[1].split(',')) {
      const name = item.trim().split(/\s+as\s+/).pop();
      if (name) names.add(name);
    }
  }
  return [...names].sort().join(',');
};
if (module && exported(source) !== exported(code)) {
  console.error(`minify: ${file}: the exports changed:\n  ${exported(source)}\n  ${exported(code)}`);
  process.exit(1);
}
writeFileSync(file, code);
console.log(`minify: ${file}: ${source.length} -> ${code.length} bytes`);
