// pkg/ as the npm package kuki-consent, used as a bundler app would use it (`make test-npm`).
//
// Map:
// - before: `npm pack ./pkg` into a temporary directory, and a temporary app (vite-app/, types/, tsconfig.json)
//   that installs the tarball (`npm install --offline`: a local tarball with no dependencies needs no registry).
// - the package: the tarball's files, its manifest, `npm install ./pkg` and what its `exports` resolve to.
// - the lists: the module's exports against the loader's METHODS and the declarations.
// - types: `tsc --strict --noEmit` over the app's main.ts, types/usage.ts (a typical use: must pass),
//   types/errors.ts (each line after `@ts-expect-error` must fail, and only those) and generated.ts, written here
//   from the Rust sources so the types cannot drift from the config fields, text keys and events.
// - Vite: the app built with Vite (the wasm emitted as an asset), served on 127.0.0.1 and run in Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, NAMES, banner, launchBrowser, openPage } from '../e2e/helpers.mjs';

const PKG = join(ROOT, 'pkg');
const HERE = join(ROOT, 'tests', 'npm');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const NPM_TIMEOUT = 120_000;

let work;
let app;
let tarball;
let manifest;

function npm(args, cwd) {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    timeout: NPM_TIMEOUT,
  });
}

before(() => {
  for (const f of ['package.json', 'kuki.js', 'kuki_bg.wasm', 'kuki.d.ts']) {
    if (!existsSync(join(PKG, f))) throw new Error(`pkg/${f} is missing: run \`make bundle\` first`);
  }
  manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  work = mkdtempSync(join(tmpdir(), 'kuki-npm-'));
  const [packed] = JSON.parse(npm(['pack', PKG, '--json', '--pack-destination', work], ROOT));
  tarball = packed;
  app = join(work, 'app');
  cpSync(join(HERE, 'vite-app'), app, { recursive: true });
  cpSync(join(HERE, 'types'), app, { recursive: true });
  cpSync(join(HERE, 'tsconfig.json'), join(app, 'tsconfig.json'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  npm(['install', '--offline', '--no-package-lock', join(work, packed.filename)], app);
}, { timeout: 300_000 });

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the module, its types, the wasm and the manifest, and nothing else', () => {
  const files = tarball.files.map((f) => f.path).sort();
  const snippets = readdirSync(join(PKG, 'snippets'), { recursive: true })
    .map((p) => `snippets/${p}`)
    .filter((p) => statSync(join(PKG, p)).isFile());
  assert.deepEqual(files, ['README.md', 'kuki.d.ts', 'kuki.js', 'kuki_bg.wasm', 'kuki_bg.wasm.d.ts', 'package.json', 'policy.json', ...snippets].sort());
  assert.equal(tarball.name, 'kuki-consent');
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').match(/\[package\][^[]*?\nversion = "([^"]+)"/)[1];
  assert.equal(tarball.version, cargo, 'the version is Cargo.toml\'s');
  assert.equal(manifest.type, 'module');
  assert.deepEqual(manifest.exports['.'], { types: './kuki.d.ts', default: './kuki.js' });
  assert.equal(manifest.sideEffects, false);
  // The glue finds the wasm beside itself, which is what Vite and webpack 5 follow to emit it.
  assert.match(readFileSync(join(PKG, 'kuki.js'), 'utf8'), /new URL\('kuki_bg\.wasm', import\.meta\.url\)/);
});

test('npm install ./pkg works, and the exports resolve', () => {
  const dir = join(work, 'dir-install');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  npm(['install', '--offline', '--no-package-lock', PKG], dir);
  writeFileSync(
    join(dir, 'resolve.mjs'),
    `for (const s of ['kuki-consent', 'kuki-consent/kuki_bg.wasm', 'kuki-consent/package.json']) console.log(import.meta.resolve(s));
     const m = await import('kuki-consent');
     console.log(typeof m.default, typeof m.run);`,
  );
  const out = execFileSync(process.execPath, ['resolve.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 }).trim().split('\n');
  // npm links a directory it installs: the exports resolve into pkg/ itself.
  assert.deepEqual(out.slice(0, 3), ['kuki.js', 'kuki_bg.wasm', 'package.json'].map((f) => pathToFileURL(join(PKG, f)).href));
  assert.equal(out[3], 'function function', 'the module loads and exports init and run');
  // Anything not in `exports` stays private.
  const hidden = spawnSync(process.execPath, ['--input-type=module', '-e', "import('kuki-consent/kuki_bg.wasm.d.ts')"], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.match(hidden.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

/** The module's exported functions (less init), as Node sees pkg/kuki.js. */
async function moduleFunctions() {
  const mod = await import(pathToFileURL(join(PKG, 'kuki.js')).href);
  return Object.keys(mod).filter((k) => k !== 'default' && k !== 'initSync').sort();
}

test('the loader queues exactly the module\'s functions, and kuki.d.ts declares each', async () => {
  const exported = await moduleFunctions();
  const loader = readFileSync(join(ROOT, 'www', 'kuki.js'), 'utf8');
  const methods = [...loader.match(/var METHODS = \[([^\]]*)\]/)[1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(methods, exported, 'www/kuki.js METHODS and pkg/kuki.js exports differ');
  const dts = readFileSync(join(PKG, 'kuki.d.ts'), 'utf8');
  const declared = [...dts.matchAll(/^export function (\w+)/gm)].map((m) => m[1]).filter((f) => f !== 'initSync').sort();
  assert.deepEqual(declared, exported, 'pkg/kuki.d.ts declares other functions than pkg/kuki.js exports');
});

/** `"a", "b"` of a Rust `&[...]` slice literal, as a TS union of string literals. */
const union = (names) => names.map((n) => `'${n}'`).join(' | ');
const rustList = (text) => [...text.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]);

/** generated.ts: type-level equalities between the declarations and the lists in the Rust sources. */
async function generatedChecks() {
  const config = readFileSync(join(ROOT, 'core', 'src', 'config.rs'), 'utf8');
  // A list is a `const NAME: &[&str] = &[...]`, or written in place in known_fields' `"name" => Some(&[...])`.
  const constList = (name) => {
    const m = config.match(new RegExp(`const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`));
    return m && rustList(m[1]);
  };
  const known = (name) => {
    const arm = config.match(new RegExp(`"${name}" => Some\\((&\\[[^\\]]*\\]|[A-Z_]+)\\)`))[1];
    return arm.startsWith('&[') ? rustList(arm) : constList(arm);
  };
  const fields = constList('FIELDS');
  const keys = rustList(readFileSync(join(ROOT, 'core', 'src', 'texts.rs'), 'utf8').match(/pub const KEYS: &\[&str\] = &\[([^\]]*)\]/)[1]);
  const events = new Set();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.rs')) for (const m of readFileSync(p, 'utf8').matchAll(/"(kuki:[a-z]+)"/g)) events.add(m[1]);
    }
  };
  walk(join(ROOT, 'src'));
  assert.ok(fields.length > 10 && keys.length > 40 && events.size >= 4, 'the source lists were found');
  const exported = await moduleFunctions();
  const eq = (name, a, b) => `export const ${name}: Equal<${a}, ${b}> = true;`;
  return [
    '// Written by tests/npm/package.test.mjs from core/src/config.rs, core/src/texts.rs, src/**/*.rs and pkg/kuki.js.',
    "import type * as Kuki from 'kuki-consent';",
    'type KukiApi = Kuki.KukiApi; type KukiCategory = Kuki.KukiCategory; type KukiConfig = Kuki.KukiConfig;',
    'type KukiEventMap = Kuki.KukiEventMap; type KukiTextKey = Kuki.KukiTextKey;',
    'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
    "type Exported = Exclude<keyof typeof import('kuki-consent'), 'default' | 'initSync'>;",
    eq('configFields', 'keyof KukiConfig', union(fields)),
    eq('siteFields', "keyof NonNullable<KukiConfig['site']>", union(known('site'))),
    eq('cookieFields', "keyof NonNullable<KukiConfig['cookie']>", union(known('cookie'))),
    eq('nextPolicyFields', "keyof NonNullable<KukiConfig['nextPolicy']>", union(known('nextPolicy'))),
    eq('categoryFields', 'keyof KukiCategory', union(known('category'))),
    eq('textKeys', 'KukiTextKey', union(keys)),
    eq('events', 'keyof KukiEventMap', union([...events].sort())),
    eq('moduleExports', 'Exported', union(exported)),
    eq('windowKuki', 'keyof KukiApi', union(exported)),
    // Services and cookie details (branch i-svc) bring their own lists: once core has them, the types must too.
    ...(constList('SERVICE_FIELDS') ? [eq('serviceFields', 'keyof Kuki.KukiService', union(constList('SERVICE_FIELDS')))] : []),
    ...(constList('COOKIE_FIELDS')
      ? [eq('cookieDetailFields', 'keyof Exclude<Kuki.KukiCookie, string | RegExp>', union(constList('COOKIE_FIELDS')))]
      : []),
    '',
  ].join('\n');
}

function tsc(cwd) {
  return spawnSync(TSC, ['-p', 'tsconfig.json'], { cwd, encoding: 'utf8', timeout: 120_000 });
}

test('tsc --strict accepts the typical usage and refuses each deliberate error', async () => {
  writeFileSync(join(app, 'generated.ts'), await generatedChecks());
  const config = readFileSync(join(app, 'tsconfig.json'), 'utf8');
  assert.match(config, /"strict": true/);
  assert.match(config, /"noEmit": true/);
  const ok = tsc(app);
  assert.equal(ok.status, 0, `tsc failed:\n${ok.stdout}${ok.stderr}`);

  // Without the directives, the errors are exactly on the lines that follow them: none elsewhere, none missing.
  const errors = readFileSync(join(app, 'errors.ts'), 'utf8').split('\n');
  const expected = errors.flatMap((line, i) => (/^\s*\/\/ @ts-expect-error/.test(line) ? [i + 2] : []));
  assert.ok(expected.length >= 20, 'errors.ts has its deliberate errors');
  const bare = join(work, 'bare');
  cpSync(app, bare, { recursive: true, filter: (p) => !p.includes(`${sep}dist`) });
  writeFileSync(join(bare, 'errors.ts'), errors.map((l) => l.replace('// @ts-expect-error', '// expected:')).join('\n'));
  const refused = tsc(bare);
  const lines = [...new Set([...refused.stdout.matchAll(/^errors\.ts\((\d+),\d+\)/gm)].map((m) => Number(m[1])))];
  assert.deepEqual(lines, expected, `tsc's errors in errors.ts:\n${refused.stdout}`);
  assert.doesNotMatch(refused.stdout, /^(?!errors\.ts)\S+\(\d+,\d+\): error/m, 'only errors.ts fails');
});

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/** Serves `dir` on a free 127.0.0.1 port; records each request's path. */
async function serve(dir) {
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    requests.push(path);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}

test('a Vite app built against the package shows the banner and records a choice in Chromium', { timeout: 180_000 }, async () => {
  const { build } = await import(pathToFileURL(join(ROOT, 'node_modules', 'vite', 'dist', 'node', 'index.js')).href);
  const out = join(app, 'dist');
  await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  const assets = readdirSync(join(out, 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `Vite emitted the wasm: ${assets.join(', ')}`);
  assert.match(wasm[0], /^kuki_bg-[\w-]+\.wasm$/);
  assert.deepEqual(readFileSync(join(out, 'assets', wasm[0])), readFileSync(join(PKG, 'kuki_bg.wasm')));

  const site = await serve(out);
  const browser = await launchBrowser();
  try {
    const { page, context, errors, consoleErrors, close } = await openPage(browser, { locale: 'en-US' });
    const wasmResponses = [];
    page.on('response', (r) => {
      if (r.url().endsWith('.wasm')) wasmResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
    });
    await page.goto(`${site.origin}/`);
    const dialog = banner(page, 'en');
    await dialog.waitFor({ timeout: 20_000 });
    assert.deepEqual(await page.evaluate(() => window.__events), [{ type: 'kuki:ready', accepted: null }]);
    await dialog.getByRole('button', { name: NAMES.en.acceptAll, exact: true }).click();
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'kuki:consent'), null, { timeout: 10_000 });
    const consent = (await page.evaluate(() => window.__events)).find((e) => e.type === 'kuki:consent');
    assert.deepEqual(consent.accepted.sort(), ['ads', 'analytics', 'necessary']);
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const cookie = (await context.cookies(site.origin)).find((c) => c.name === 'kuki_consent');
    assert.ok(cookie, 'the choice is stored in the consent cookie');
    assert.deepEqual(wasmResponses, [{ url: `${site.origin}/assets/${wasm[0]}`, status: 200, type: 'application/wasm' }]);
    assert.ok(site.requests.includes(`/assets/${wasm[0]}`), 'the wasm came from the built assets');
    assert.deepEqual(errors, []);
    assert.deepEqual(consoleErrors, []);
    await close();

    // run() without a config is kuki with its defaults: the four built-in categories, nothing to warn about.
    const bare = await openPage(browser, { locale: 'en-US' });
    const warnings = [];
    bare.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await bare.page.goto(`${site.origin}/?defaults`);
    await banner(bare.page, 'en').getByRole('button', { name: NAMES.en.acceptAll, exact: true }).click();
    await bare.page.waitForFunction(() => window.__events.some((e) => e.type === 'kuki:consent'), null, { timeout: 10_000 });
    const defaults = (await bare.page.evaluate(() => window.__events)).find((e) => e.type === 'kuki:consent');
    assert.deepEqual(defaults.accepted.sort(), ['analytics', 'functional', 'marketing', 'necessary']);
    assert.deepEqual([...bare.errors, ...bare.consoleErrors, ...warnings], []);
    await bare.close();
  } finally {
    await browser.close();
    await site.stop();
  }
});
