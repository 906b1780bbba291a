#!/usr/bin/env bash
# Assembles dist/, the directory kuki-server serves, from the sources and wasm-pack's pkg/ (layout: docs/contract.md).
#   dist/index.html       <- index.html (the demo host page)
#   dist/demo/**          <- www/demo/**
#   dist/kuki/kuki.js     <- www/kuki.js (the loader) with pkg/loader.json (facts from Rust, the first frame) in it
#   dist/kuki/pkg/        <- pkg/kuki.js, pkg/kuki_bg.wasm, pkg/kuki.d.ts, pkg/policy.json, and pkg/snippets/ (JS
#                            that wasm-bindgen splits out of `#[wasm_bindgen(inline_js)]`; pkg/kuki.js imports it)
#   dist/kuki/b-HASH/     <- the same files in a folder named by their content (served immutable); the
#                            loader dist/kuki/kuki.js imports from it
# Built into a fresh directory, then swapped in, so a running server never sees half a bundle.
set -euo pipefail
cd "$(dirname "$0")/.."

for f in pkg/kuki.js pkg/kuki_bg.wasm pkg/kuki.d.ts pkg/loader.json pkg/policy.json www/kuki.js index.html; do
  [[ -f "$f" ]] || { echo "assemble-dist: $f is missing (run wasm-pack build first)" >&2; exit 1; }
done

next="$(mktemp -d dist.next.XXXXXX)"
trap 'rm -rf "$next"' EXIT
mkdir -p "$next/kuki/pkg" "$next/demo"
cp index.html "$next/index.html"
if [[ -d www/demo ]]; then cp -R www/demo/. "$next/demo/"; fi
# policy.json: 나와의 대화's policy, which the wasm fetches when the viewer opens (kuki-frames writes it).
cp pkg/kuki.js pkg/kuki_bg.wasm pkg/kuki.d.ts pkg/policy.json "$next/kuki/pkg/"
# The glue minified (pkg/, the npm package, keeps it readable): ~3 KiB brotli less per first visit.
node scripts/minify.mjs module "$next/kuki/pkg/kuki.js"
# wasm-bindgen inline_js snippets (Consent Mode's gtag shim) are imported by the glue from pkg/snippets/.
if [[ -d pkg/snippets ]]; then cp -R pkg/snippets "$next/kuki/pkg/"; fi
# The same module in a folder named by its content (b- and 16 hex digits of a SHA-256 over every file in it), which
# kuki-server serves as immutable; the loader, the one file with a short cache time, is pointed at it.
hash="$(cd "$next/kuki/pkg" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
cp -R "$next/kuki/pkg" "$next/kuki/b-$hash"
# The loader's comment-only lines go first (the `/*!` header stays), then it is pointed at the module's folder.
grep -v '^[[:space:]]*//' www/kuki.js | sed "s#var BUNDLE = 'pkg/';#var BUNDLE = 'b-$hash/';#" > "$next/kuki/kuki.js"
grep -q "var BUNDLE = 'b-$hash/';" "$next/kuki/kuki.js" ||
  { echo "assemble-dist: www/kuki.js has no \`var BUNDLE = 'pkg/';\` line to point at b-$hash/" >&2; exit 1; }
# Every visit downloads the loader: it goes minified (scripts/minify.mjs; www/kuki.js is the readable source).
# What it must know from Rust, with the banner's first frame (src/frame.rs: pkg/loader.json, written by
# kuki-frames), goes into it in place of its `var BUILT = null;`: the banner then shows with no request after the
# loader's. The facts go in after minifying, on a line of their own (so a reader finds them as written): the
# minifier sees a free name it keeps as it is, which is then replaced.
marker=KUKI_ASSEMBLED_BUILT
node -e '
const fs = require("fs");
const [loader, marker] = process.argv.slice(1);
const js = fs.readFileSync(loader, "utf8");
const line = "var BUILT = null;";
if (js.split(line).length !== 2) { console.error("assemble-dist: www/kuki.js has no single `" + line + "` line"); process.exit(1); }
fs.writeFileSync(loader, js.replace(line, () => "var BUILT = " + marker + ";"));' "$next/kuki/kuki.js" "$marker"
node scripts/minify.mjs script "$next/kuki/kuki.js"
node -e '
const fs = require("fs");
const [loader, built, marker] = process.argv.slice(1);
let b;
try { b = JSON.parse(fs.readFileSync(built, "utf8")); } catch (e) { console.error("assemble-dist: " + built + ": " + e.message + " (run kuki-frames)"); process.exit(1); }
const frameOk = b.frame === null || (typeof b.frame.css === "string" && b.frame.html && b.langs.every((l) => typeof b.frame.html[l] === "string") &&
  b.frame.choice && typeof b.frame.choice.accept === "string" && typeof b.frame.choice.reject === "string");
const returningOk = b.returning === null || (typeof b.returning === "object" && Number.isInteger(b.returning.revision) &&
  Array.isArray(b.returning.categories) && b.returning.keep && typeof b.returning.consentMode === "object");
if (typeof b.cookie !== "string" || !Array.isArray(b.langs) || typeof b.consentDefault !== "object" || !frameOk || !returningOk) {
  console.error("assemble-dist: " + built + " is not {cookie, langs, consentDefault, frame, returning}"); process.exit(1);
}
if (b.frame === null) console.error("assemble-dist: no first frame in " + built + ": the banner comes with the wasm");
// The modules the glue imports (wasm-bindgen snippets), which the loader requests beside the glue, not after it.
const walk = (dir) => fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(dir + "/" + e.name) : e.name.endsWith(".js") ? [dir + "/" + e.name] : []) : [];
b.modules = walk("pkg/snippets").map((f) => f.slice("pkg/".length)).sort();
const js = fs.readFileSync(loader, "utf8");
if (js.split(marker).length !== 2) { console.error("assemble-dist: the minified loader has no single " + marker); process.exit(1); }
fs.writeFileSync(loader, js.replace(marker, () => "\n" + JSON.stringify(b) + "\n"));' "$next/kuki/kuki.js" pkg/loader.json "$marker"
# Precompressed copies beside each text and wasm file (gzip -9 and brotli 11), which kuki-server sends to a
# browser that accepts them: the bytes on the wire are the compressed ones, as from a CDN.
node -e '
const fs = require("fs"), path = require("path"), zlib = require("zlib");
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
  const p = path.join(d, e.name);
  return e.isDirectory() ? walk(p) : [p];
});
for (const f of walk(process.argv[1]).filter((f) => /\.(js|mjs|wasm|css|html|json|ts|txt|svg)$/.test(f))) {
  const raw = fs.readFileSync(f);
  fs.writeFileSync(f + ".gz", zlib.gzipSync(raw, { level: 9 }));
  fs.writeFileSync(f + ".br", zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
}' "$next"
chmod -R a+rX "$next"

rm -rf dist.old
if [[ -d dist ]]; then mv dist dist.old; fi
mv "$next" dist
rm -rf dist.old
trap - EXIT
echo "assemble-dist: dist/ ready ($(find dist -type f | wc -l) files)"
