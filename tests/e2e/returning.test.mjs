// A returning visitor (issue 8): the loader reads a standing choice from kuki's cookie itself and runs the blocked
// scripts it allows before the wasm is there, in document order and once; the app then leaves those scripts alone
// and takes everything else. The loader reads only the one form the app writes, so that it never decides otherwise
// than the app: the differential test below gives both the same values, canonical, forged and edited, and compares.
// Each test holds the wasm download with a route, so "before the wasm" is a state the test controls.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, openPage, recordEvents, waitForKuki, banner, HOST_SELECTOR } from './helpers.mjs';

requireBuiltApp();

const COOKIE = 'kuki_consent';
const DAY = 86_400;

/** CRC-32 (IEEE) as hex, to forge values the way someone editing the cookie by hand with care would. */
function crcHex(s) {
  let c = -1;
  for (const ch of Buffer.from(s)) {
    c ^= ch;
    for (let k = 0; k < 8; k += 1) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ((c ^ -1) >>> 0).toString(16).padStart(8, '0');
}
/** A value with its fields replaced (by index, format 1: version, id, seq, rev, policy, given, updated, lang+gpc,
 * accepted, refused) and its checksum recomputed unless `keepCrc`. */
function forge(value, edits, { keepCrc = false } = {}) {
  const fields = value.split('.');
  const crc = fields.pop();
  for (const [i, v] of Object.entries(edits)) fields[Number(i)] = v;
  const body = fields.join('.');
  return `${body}.${keepCrc ? crc : crcHex(body)}`;
}

describe('a returning visitor', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  /** A fresh context whose cookie holds `value` (or a choice made through the app when `choose` is given). */
  async function context(t, value) {
    const s = await openPage(stack.browser, { initScripts: [recordEvents] });
    t.after(() => s.close());
    if (value !== undefined) await s.context.addCookies([{ name: COOKIE, value, url: stack.host.origin }]);
    return s;
  }

  /** Opens `path` in `s.context` with the wasm held until `release()`; r1's script is held `slowMs`. */
  async function open(s, { slowMs = 0, path = '/returning.html' } = {}) {
    const page = await s.context.newPage();
    let release;
    const released = new Promise((r) => (release = r));
    await page.route('**/kuki_bg.wasm', async (route) => {
      await released;
      await route.continue().catch(() => {});
    });
    // When r1's answer was let go, and when the app's module was first asked for (ms, this process's clock).
    const times = { r1: null, module: null };
    if (slowMs) {
      await page.route('**/demo/mark.js?r1', async (route) => {
        await new Promise((r) => setTimeout(r, slowMs));
        times.r1 = Date.now();
        await route.continue().catch(() => {});
      });
    }
    page.on('request', (r) => {
      if (times.module === null && /\/b-[0-9a-f]+\/kuki\.js$/.test(r.url())) times.module = Date.now();
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${stack.host.origin}${path}`);
    const runs = () => page.evaluate(() => window.__kukiDemoRuns ?? []);
    return { page, release, runs, errors, times };
  }

  /** The app's own record of a choice made through its API on a first visit. */
  async function chosen(t, categories) {
    const s = await context(t);
    const page = await s.context.newPage();
    await page.goto(`${stack.host.origin}/returning.html`);
    await waitForKuki(page);
    await page.evaluate((c) => window.kuki.acceptCategory(c), categories);
    await page.waitForFunction((name) => document.cookie.includes(`${name}=1.`), COOKIE);
    await page.close();
    return s;
  }

  test('its accepted scripts run from the loader before the wasm, in order and once; the app takes the rest', async (t) => {
    const s = await chosen(t, ['analytics']);
    // r1 (external) is held 400 ms: the inline r2 after it must wait for it, as the app's own passes do.
    const v = await open(s, { slowMs: 400 });
    await v.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).includes('r2'), null, { timeout: 10_000 });
    assert.equal(await v.page.evaluate(() => window.kuki.__loader === true), true, 'the wasm has not started');
    // The app's start-up waits for the scripts: its module is asked for only once r1 has arrived.
    assert.ok(v.times.r1 !== null, 'r1 was held');
    assert.ok(v.times.module === null || v.times.module >= v.times.r1, 'the module was not asked for beside r1');
    assert.deepEqual(await v.runs(), ['r1', 'r2'], 'analytics only, in document order');
    const answers = await v.page.evaluate(() => [
      window.kuki.acceptedCategory('analytics'),
      window.kuki.acceptedCategory('marketing'),
      window.kuki.validConsent(),
    ]);
    assert.deepEqual(answers, [true, false, true], "the loader answers from the stored choice, as the app will");
    const dl = await v.page.evaluate(() => (window.dataLayer ?? []).map((a) => [...a]));
    assert.deepEqual(dl.map(([c, a]) => `${c} ${a}`), ['consent default', 'consent update'], 'the update, before the wasm');
    assert.equal(dl[1][2].analytics_storage, 'granted');
    assert.equal(dl[1][2].ad_storage, 'denied');
    assert.equal(dl[1][2].security_storage, 'granted');

    v.release();
    await waitForKuki(v.page);
    await v.page.waitForTimeout(500);
    assert.deepEqual(await v.runs(), ['r1', 'r2'], 'the app ran nothing again');
    const consent = await v.page.evaluate(() => window.kuki.getConsent());
    assert.deepEqual(consent.acceptedCategories, ['necessary', 'analytics']);
    assert.equal(await banner(v.page).count(), 0, 'no banner');
    const updates = await v.page.evaluate(() => window.dataLayer.filter((a) => a[0] === 'consent' && a[1] === 'update').length);
    assert.equal(updates, 1, 'the app did not send the update again');
    // The app has the rest: a later choice runs the scripts it allows now.
    await v.page.evaluate(() => window.kuki.acceptCategory('all'));
    await v.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).length === 4, null, { timeout: 10_000 });
    assert.deepEqual(await v.runs(), ['r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(v.errors, []);
  });

  test('scripts before the loader are taken at once, those after it once the document is parsed, in one order', async (t) => {
    const s = await chosen(t, ['analytics']);
    // r1 comes before the loader's tag and is held 400 ms; r2 comes after it and must still run after r1.
    const v = await open(s, { path: '/returning-mid.html', slowMs: 400 });
    await v.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).includes('r2'), null, { timeout: 10_000 });
    assert.equal(await v.page.evaluate(() => window.kuki.__loader === true), true, 'the wasm has not started');
    // The app's start-up waits for the scripts: its module is asked for only once r1 has arrived.
    assert.ok(v.times.r1 !== null, 'r1 was held');
    assert.ok(v.times.module === null || v.times.module >= v.times.r1, 'the module was not asked for beside r1');
    assert.deepEqual(await v.runs(), ['r1', 'r2']);
    v.release();
    await waitForKuki(v.page);
    await v.page.waitForTimeout(500);
    assert.deepEqual(await v.runs(), ['r1', 'r2'], 'the app ran nothing again');
    assert.deepEqual(v.errors, []);
  });

  test('the loader and the app decide alike on every value: the loader reads only what the app reads the same way', async (t) => {
    const base = await chosen(t, ['analytics']);
    const canonical = (await base.context.cookies(stack.host.origin)).find((c) => c.name === COOKIE).value;
    assert.match(canonical, /^1\./);
    const f = canonical.split('.');
    const now = Math.floor(Date.now() / 1000);
    // [what, value, whether the loader must read it (true), leave it to the app (false)]
    const cases = [
      ['the app\'s own record', canonical, true],
      ['an accepted-all record, forged with care', forge(canonical, { 8: 'necessary|functional|analytics|marketing', 9: '' }), true],
      ['a refusal moved into the accepted list, checksum not mended', forge(canonical, { 8: 'necessary|analytics|marketing', 9: 'functional' }, { keepCrc: true }), false],
      ['a sequence number with a leading zero', forge(canonical, { 2: `0${f[2]}` }), false],
      ['an id in capitals', forge(canonical, { 1: f[1].toUpperCase() }), false],
      ['another revision', forge(canonical, { 3: '7' }), false],
      ['expired', forge(canonical, { 5: String(now - 400 * DAY), 6: String(now - 400 * DAY) }), false],
      ['updated before given', forge(canonical, { 5: String(now), 6: String(now - 10) }), false],
      ['a category missing', forge(canonical, { 9: 'functional' }), false],
      ['a category twice', forge(canonical, { 8: 'necessary|analytics|analytics' }), false],
      ['an unknown category', forge(canonical, { 8: 'necessary|analytics|tracking' }), false],
      ['another language', forge(canonical, { 7: 'fr0' }), false],
      ['a first frame\'s "accept all"', `0.accept.${now}.ko`, false],
      ['garbage', 'hello', false],
    ];
    for (const [what, value, loaderReads] of cases) {
      const s = await context(t, value);
      const v = await open(s);
      // The loader has run and the document is parsed: whatever the loader takes, it has marked by now.
      await v.page.waitForFunction(() => window.kuki && document.readyState !== 'loading', null, { timeout: 10_000 });
      await v.page.waitForTimeout(100);
      const byLoader = await v.page.evaluate(() =>
        [...document.querySelectorAll('script[data-category][data-kuki-run]')].map((el) => el.getAttribute('data-mark') ?? 'r2'),
      );
      v.release();
      await waitForKuki(v.page);
      await v.page.waitForTimeout(400);
      const consent = await v.page.evaluate(() => window.kuki.getConsent());
      const appAllows = (id) => !!consent && consent.acceptedCategories.includes(id);
      const runs = await v.runs();
      const expected = [['r1', 'analytics'], ['r2', 'analytics'], ['r3', 'analytics marketing'], ['r4', 'marketing']]
        .filter(([, cats]) => cats.split(' ').every(appAllows))
        .map(([m]) => m);
      assert.equal(byLoader.length > 0, loaderReads && expected.length > 0, `${what}: the loader ${loaderReads ? 'reads' : 'leaves'} ${value}`);
      assert.ok(byLoader.every((m) => expected.includes(m)), `${what}: the loader ran only what the app allows (${byLoader})`);
      assert.deepEqual(runs, expected, `${what}: each allowed script ran once, in order (${value})`);
      assert.equal(await v.page.locator(HOST_SELECTOR).count() > 0 && (await banner(v.page).count()) > 0, consent === null, `${what}: a banner exactly when no choice stands`);
      assert.deepEqual(v.errors, [], what);
      await s.close();
    }
  });

  test('the loader leaves every script to the app when one of them is not plain (! or data-service)', async (t) => {
    const s = await chosen(t, ['analytics']);
    const v = await open(s, { path: '/returning-not-plain.html' });
    await v.page.waitForTimeout(500);
    assert.deepEqual(await v.runs(), [], 'nothing before the wasm');
    v.release();
    await waitForKuki(v.page);
    await v.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await v.runs(), ['r1', 'r2', 'r5'], 'the app ran them, in order');
    assert.deepEqual(v.errors, []);
  });
});
