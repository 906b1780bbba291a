// The one-script-tag loader (www/kuki.js) on its own, against a stand-in module (fixtures/fake-pkg) served from
// another origin the way kuki-server serves /kuki/: queue before ready, replay in order, autorun with the tag's
// data attributes, failures that log and never throw, and a strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, PAGES, launchBrowser, startHostServer, openPage } from './helpers.mjs';

let browser, fakeKuki, host, builtDir;

/** A folder holding www/kuki.js with its `var BUILT = null;` filled in as the assembled loader's is, frame aside. */
function builtLoaderDir() {
  const dir = (builtDir = mkdtempSync(join(tmpdir(), 'kuki-loader-')));
  const built = { cookie: 'kuki_consent', langs: ['ko', 'en'], consentDefault: { ad_storage: 'denied' }, frame: null, modules: ['snippets/fake/inline0.js'] };
  const js = readFileSync(join(ROOT, 'www', 'kuki.js'), 'utf8').replace('var BUILT = null;', `var BUILT = ${JSON.stringify(built)};`);
  writeFileSync(join(dir, 'kuki.js'), js);
  return dir;
}

before(async () => {
  // Stands in for kuki-server: the real loader at /kuki/kuki.js, the fake module at /kuki/pkg/, and a loader
  // whose pkg/ is missing at /broken/.
  fakeKuki = await startHostServer({
    crossOrigin: true,
    roots: {
      '/kuki/pkg/': join(ROOT, 'tests', 'e2e', 'fixtures', 'fake-pkg'),
      '/kuki/': join(ROOT, 'www'),
      '/broken/': join(ROOT, 'www'),
      // The loader as scripts/assemble-dist.sh leaves it (its BUILT filled in; no first frame), beside the fake module.
      '/built/pkg/': join(ROOT, 'tests', 'e2e', 'fixtures', 'fake-pkg'),
      '/built/': builtLoaderDir(),
    },
  });
  host = await startHostServer({ kukiOrigin: fakeKuki.origin, roots: { '/': PAGES } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await fakeKuki?.stop();
  if (builtDir) rmSync(builtDir, { recursive: true, force: true });
});

async function visit(path, t) {
  const s = await openPage(browser, { locale: 'en-US' });
  t.after(() => s.close());
  await s.page.goto(`${host.origin}${path}`);
  return s;
}

const started = (page) => page.waitForFunction(() => window.kuki && !window.kuki.__loader && window.__fakeKuki?.init.length > 0);
const calls = (page) => page.evaluate(() => window.__fakeKuki.calls);

test('calls made before the module is ready are replayed in order after the autorun', async (t) => {
  const { page, errors } = await visit('/loader/queue.html', t);
  await started(page);
  await page.waitForFunction(() => window.__fakeKuki.calls.some((c) => c[0] === 'hide'));
  const early = await page.evaluate(() => window.__early);
  assert.deepEqual(early, { isQueue: true, accepted: false, consent: null });
  assert.deepEqual(await calls(page), [
    ['run', { revision: 3 }, { lang: 'en', endpoint: `${fakeKuki.origin}/api/v1/consents` }],
    ['show'],
    ['acceptCategory', ['analytics', 'marketing']],
    ['requireCategory', 'functional'],
    ['showPolicy', 'cookies'],
    ['hide'],
  ]);
  assert.equal(await page.evaluate(() => window.__hide), 'hide', 'a queued call resolves to the real result');
  assert.deepEqual(errors, []);
});

test('the wasm is initialised from pkg/kuki_bg.wasm beside the loader, and window.kuki becomes the exports', async (t) => {
  const { page } = await visit('/loader/queue.html', t);
  await started(page);
  // A first visit: the module fetches the wasm itself.
  assert.deepEqual(await page.evaluate(() => window.__fakeKuki.init), [`${fakeKuki.origin}/kuki/pkg/kuki_bg.wasm`]);
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
  assert.deepEqual(wasm, [`${fakeKuki.origin}/kuki/pkg/kuki_bg.wasm`]);
  const keys = await page.evaluate(() => Object.keys(window.kuki).sort());
  assert.deepEqual(keys, [
    'acceptCategory',
    'acceptedCategory',
    'getConsent',
    'hide',
    'requireCategory',
    'reset',
    'run',
    'show',
    'showPolicy',
    'showPreferences',
    'snippet',
  ]);
  assert.equal(await page.evaluate(() => window.kuki.acceptedCategory('necessary')), true);
  assert.deepEqual(await page.evaluate(() => window.kuki.getConsent()), { consentId: 'fake' });
});

test('a returning visitor (a stored choice): the loader compiles the wasm itself and hands the module the result', async (t) => {
  const s = await openPage(browser, { locale: 'en-US' });
  t.after(() => s.close());
  await s.page.context().addCookies([{ name: 'kuki_consent', value: 'stored', url: host.origin }]);
  await s.page.goto(`${host.origin}/loader/built.html`);
  await started(s.page);
  assert.deepEqual(await s.page.evaluate(() => window.__fakeKuki.init), ['module']);
  const wasm = await s.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
  assert.deepEqual(wasm, [`${fakeKuki.origin}/built/pkg/kuki_bg.wasm`]);
});

test("the glue's own imports (BUILT.modules) are requested beside it, not once it has arrived", async (t) => {
  const s = await openPage(browser, { locale: 'en-US' });
  t.after(() => s.close());
  let release;
  const held = new Promise((r) => (release = r));
  await s.page.route('**/built/pkg/kuki.js', async (route) => {
    await held;
    await route.continue().catch(() => {});
  });
  const snippet = s.page.waitForRequest('**/built/pkg/snippets/fake/inline0.js', { timeout: 10_000 });
  await s.page.goto(`${host.origin}/loader/built.html`);
  await snippet; // while the glue is still held
  release();
  await started(s.page);
  assert.equal(await s.page.evaluate(() => window.kuki.snippet()), 'snippet');
  assert.deepEqual(s.errors, []);
});

test('a page that calls run itself gets no autorun, and its options keep the tag defaults it did not override', async (t) => {
  const { page } = await visit('/loader/page-run.html', t);
  await started(page);
  await page.waitForFunction(() => window.__fakeKuki.calls.length >= 2);
  assert.deepEqual(await calls(page), [
    ['run', { revision: 7 }, { lang: 'ko', endpoint: `${fakeKuki.origin}/custom/consents` }],
    ['show'],
  ]);
});

test('data-autorun="false" loads the module without running it', async (t) => {
  const { page } = await visit('/loader/no-autorun.html', t);
  await started(page);
  await page.waitForTimeout(200);
  assert.deepEqual(await calls(page), []);
  await page.evaluate(() => window.kuki.run());
  assert.deepEqual(await calls(page), [['run', {}, { endpoint: `${fakeKuki.origin}/api/v1/consents` }]]);
});

test('a config that cannot be fetched logs a console error and runs with the defaults', async (t) => {
  const { page, errors, consoleErrors } = await visit('/loader/bad-config.html', t);
  await started(page);
  await page.waitForFunction(() => window.__fakeKuki.calls.length >= 1);
  assert.deepEqual(await calls(page), [['run', {}, { endpoint: `${fakeKuki.origin}/api/v1/consents` }]]);
  assert.ok(
    consoleErrors.some((m) => m.includes('kuki') && m.includes('/loader/missing.json')),
    `console errors: ${JSON.stringify(consoleErrors)}`,
  );
  assert.deepEqual(errors, []);
});

test('a module that cannot load logs an error, settles queued calls, and never throws into the page', async (t) => {
  const { page, errors, consoleErrors } = await visit('/loader/broken.html', t);
  await page.waitForFunction(() => window.__fakeKuki === undefined && window.__pending !== undefined);
  assert.equal(await page.evaluate(() => window.__pending), false, 'requireCategory settles as refused');
  assert.equal(await page.evaluate(() => window.__shown), undefined);
  assert.ok(consoleErrors.some((m) => m.includes('kuki: could not start')), JSON.stringify(consoleErrors));
  // Later calls settle at once instead of waiting forever.
  assert.equal(await page.evaluate(() => window.kuki.requireCategory('functional')), false);
  assert.equal(await page.evaluate(() => window.kuki.acceptedCategory('analytics')), false);
  assert.deepEqual(errors, []);
});

test('a loader included twice starts kuki once', async (t) => {
  const { page } = await visit('/loader/twice.html', t);
  await started(page);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__fakeKuki.init.length), 1);
  assert.deepEqual((await calls(page)).map((c) => c[0]), ['run']);
});

test('a loader added again after kuki started does not start it a second time', async (t) => {
  const { page, errors } = await visit('/loader/no-autorun.html', t);
  await started(page);
  await page.evaluate((src) => {
    const s = document.createElement('script');
    s.src = src;
    document.head.appendChild(s);
    return new Promise((ok) => s.addEventListener('load', ok));
  }, `${fakeKuki.origin}/kuki/kuki.js`);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__fakeKuki.init.length), 1);
  assert.equal(await page.evaluate(() => window.kuki.__loader), undefined, 'window.kuki is still the module');
  assert.deepEqual(errors, []);
});

test('the loader works under a strict CSP with no violation', async (t) => {
  const { page, errors, cspConsole, cspViolations } = await visit('/loader/strict-csp.html', t);
  await started(page);
  await page.waitForFunction(() => window.__fakeKuki.calls.length >= 1);
  assert.deepEqual(await calls(page), [['run', { revision: 3 }, { endpoint: `${fakeKuki.origin}/api/v1/consents` }]]);
  assert.deepEqual(await cspViolations(), []);
  assert.deepEqual(cspConsole, []);
  assert.deepEqual(errors, []);
});

// Every visit downloads the loader, and a first visit sees the banner from it alone: it carries the first frame
// (the stylesheet and the banner's HTML in ko and en). Issue 8 allows 15 KiB brotli before the banner is visible;
// the loader keeps well inside that, and without the frame it is a small script (minified; since it also reads a
// returning visitor's choice and runs its scripts, about 3.3 KiB).
test('the loader as served stays small: under 7 KiB brotli with the frame, 3.5 KiB without', async () => {
  const { brotliCompressSync } = await import('node:zlib');
  const served = readFileSync(join(ROOT, 'dist', 'kuki', 'kuki.js.br')).length;
  assert.ok(served < 7 * 1024, `dist/kuki/kuki.js is ${served} bytes brotli`);
  const js = readFileSync(join(ROOT, 'dist', 'kuki', 'kuki.js'), 'utf8');
  // The facts from Rust sit on a line of their own in the minified loader (scripts/assemble-dist.sh).
  const built = JSON.parse(js.split('\n').find((l) => l.startsWith('{"')));
  assert.equal(typeof built.frame?.css, 'string', 'the assembled loader carries the first frame');
  const size = brotliCompressSync(Buffer.from(js.replace(JSON.stringify(built.frame), 'null'))).length;
  assert.ok(size < 3584, `dist/kuki/kuki.js without its frame is ${size} bytes brotli`);
});
