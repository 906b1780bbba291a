// Minifies wasm-bindgen's glue (kuki.js) in place, for dist/ only: every first visit downloads it, and as
// wasm-bindgen writes it (doc comments, long local names) it is ~10 KiB brotli; minified, ~7. pkg/ keeps the
// readable glue: the npm package's users bundle it themselves, and tsc finds its types through the
// `@ts-self-types` comment at its top.
//
//   node scripts/minify-glue.mjs dist/.../pkg/kuki.js
//
// rolldown's minifier (oxc); a build dependency in package.json. The exported names must come out unchanged:
// the loader and the npm package call them.
import { readFileSync, writeFileSync } from 'node:fs';
import { minifySync } from 'rolldown/experimental';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/minify-glue.mjs <kuki.js>');
  process.exit(2);
}
const source = readFileSync(file, 'utf8');
const { code, errors } = minifySync('kuki.js', source, { module: true, compress: true, mangle: { toplevel: true } });
if (errors?.length) {
  console.error('minify-glue: ' + file + ': ' + errors.map((e) => e.message).join('; '));
  process.exit(1);
}

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
if (exported(source) !== exported(code)) {
  console.error(`minify-glue: ${file}: the exports changed:\n  ${exported(source)}\n  ${exported(code)}`);
  process.exit(1);
}
writeFileSync(file, code);
console.log(`minify-glue: ${file}: ${source.length} -> ${code.length} bytes`);
