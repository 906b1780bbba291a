#!/usr/bin/env node
// Turns wasm-pack's pkg/ (built with --no-pack) into the npm package `kuki-consent`: writes pkg/package.json from
// scripts/npm/package.template.json with the version, description and license of Cargo.toml (and the
// repository, when this checkout has an `origin` remote), and copies the package's README beside it.
// `make bundle` runs it after wasm-pack; `npm pack ./pkg` and `npm install ./pkg` then work.
//
// It refuses a pkg/ that lacks a file the template's `files` lists, and a glue that no longer finds its wasm
// through `new URL('kuki_bg.wasm', import.meta.url)` (what lets Vite and webpack 5 emit the wasm by themselves).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const PKG = join(ROOT, 'pkg');
const fail = (msg) => {
  console.error(`npm-package: ${msg}`);
  process.exit(1);
};

/** `key = "value"` of one `[section]` of a TOML file (the few plain strings needed here). */
function tomlSection(text, section) {
  const out = {};
  let inside = false;
  for (const line of text.split('\n')) {
    const head = line.match(/^\s*\[([^\]]+)\]\s*$/);
    if (head) {
      inside = head[1] === section;
      continue;
    }
    const kv = inside && line.match(/^\s*([A-Za-z0-9_.-]+)\s*=\s*"([^"]*)"\s*$/);
    if (kv) out[kv[1]] = kv[2];
  }
  return out;
}

const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
const pkg = tomlSection(cargo, 'package');
const workspace = tomlSection(cargo, 'workspace.package');
const fields = {
  version: pkg.version,
  description: pkg.description,
  license: pkg.license ?? workspace.license,
};
for (const [k, v] of Object.entries(fields)) if (!v) fail(`Cargo.toml gives no ${k}`);

const template = readFileSync(join(ROOT, 'scripts', 'npm', 'package.template.json'), 'utf8');
const manifest = JSON.parse(template.replace(/\{\{(\w+)\}\}/g, (_, k) => JSON.stringify(fields[k] ?? fail(`no value for {{${k}}}`)).slice(1, -1)));
let remote = '';
try {
  remote = execFileSync('git', ['config', '--get', 'remote.origin.url'], { cwd: ROOT, encoding: 'utf8' }).trim();
} catch {
  // no origin remote: the package names no repository
}
if (remote) manifest.repository = { type: 'git', url: remote.startsWith('git+') ? remote : `git+${remote}` };

copyFileSync(join(ROOT, 'scripts', 'npm', 'README.md'), join(PKG, 'README.md'));
for (const f of manifest.files) {
  if (!existsSync(join(PKG, f))) {
    // wasm-bindgen writes snippets/ only when the crate has inline JS; the glue imports it when it does.
    if (f === 'snippets/' && !/from '\.\/snippets\//.test(readFileSync(join(PKG, 'kuki.js'), 'utf8'))) continue;
    fail(`pkg/${f} is missing (run wasm-pack build first)`);
  }
}
const glue = readFileSync(join(PKG, 'kuki.js'), 'utf8');
if (!glue.includes("new URL('kuki_bg.wasm', import.meta.url)")) {
  fail("pkg/kuki.js no longer finds its wasm by new URL('kuki_bg.wasm', import.meta.url): bundlers would miss it");
}
// wasm-pack's pkg/.gitignore (`*`) is for the repository; npm would read it as the package's ignore list.
rmSync(join(PKG, '.gitignore'), { force: true });
writeFileSync(join(PKG, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`npm-package: pkg/package.json ready (${manifest.name}@${manifest.version})`);
