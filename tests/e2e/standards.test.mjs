// The standards kuki speaks to the rest of the page: Google Consent Mode v2 on a page with gtag, and Global
// Privacy Control from the browser.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, NAMES } from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;

const TYPES = [
  'ad_personalization',
  'ad_storage',
  'ad_user_data',
  'analytics_storage',
  'functionality_storage',
  'personalization_storage',
  'security_storage',
];

describe('Consent Mode v2 and Global Privacy Control', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  // dataLayer entries are `arguments` objects: copy them out as plain arrays.
  const dataLayer = (page) => page.evaluate(() => window.dataLayer.map((a) => JSON.parse(JSON.stringify(Array.from(a)))));

  test('a page with gtag gets consent default first, then a consent update mapping every category on each choice', async (t) => {
    const s = await visit(stack, t, '/consent-mode.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    let dl = await dataLayer(s.page);
    assert.ok(dl.length >= 1, 'consent default was sent');
    const [cmd, action, defaults] = dl[0];
    assert.deepEqual([cmd, action], ['consent', 'default'], 'consent default comes before anything else');
    assert.deepEqual(Object.keys(defaults).filter((k) => k !== 'wait_for_update').sort(), TYPES);
    for (const k of TYPES) assert.equal(defaults[k], k === 'security_storage' ? 'granted' : 'denied', k);
    assert.ok(Number(defaults.wait_for_update) > 0, 'wait_for_update is set');

    // Customise: analytics only.
    await b.getByRole('button', { name: ko.customise, exact: true }).click();
    const prefs = preferences(s.page);
    await prefs.getByRole('switch', { name: ko.analytics, exact: true }).click();
    await prefs.getByRole('button', { name: ko.save, exact: true }).click();
    await s.page.waitForFunction(() => window.dataLayer.some((a) => a[0] === 'consent' && a[1] === 'update'));
    dl = await dataLayer(s.page);
    const updates = dl.filter(([c, a]) => c === 'consent' && a === 'update');
    assert.equal(updates.length, 1);
    const u = updates[0][2];
    assert.deepEqual(Object.keys(u).sort(), TYPES);
    assert.equal(u.analytics_storage, 'granted');
    assert.equal(u.security_storage, 'granted');
    for (const k of ['ad_storage', 'ad_user_data', 'ad_personalization', 'functionality_storage', 'personalization_storage']) {
      assert.equal(u[k], 'denied', k);
    }

    // A later change sends another update.
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.waitForFunction(() => window.dataLayer.filter((a) => a[0] === 'consent' && a[1] === 'update').length === 2);
    const last = (await dataLayer(s.page)).filter(([c, a]) => c === 'consent' && a === 'update')[1][2];
    for (const k of TYPES) assert.equal(last[k], 'granted', k);
  });

  test("the loader sends consent default before the page's next script runs, and the runtime never again", async (t) => {
    const s = await visit(stack, t, '/consent-mode-first.html');
    const seen = await s.page.evaluate(() => window.__seenByNextScript);
    assert.equal(seen.length, 1, 'one entry when the next script ran');
    const [cmd, action, defaults] = seen[0];
    assert.deepEqual([cmd, action], ['consent', 'default']);
    assert.deepEqual(Object.keys(defaults).filter((k) => k !== 'wait_for_update').sort(), TYPES);
    for (const k of TYPES) assert.equal(defaults[k], k === 'security_storage' ? 'granted' : 'denied', k);

    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    await s.page.waitForFunction(() => window.dataLayer.some((a) => a[0] === 'consent' && a[1] === 'update'));
    const dl = await dataLayer(s.page);
    assert.equal(dl.filter(([c, a]) => c === 'consent' && a === 'default').length, 1, 'the default went out once');
    const update = dl.find(([c, a]) => c === 'consent' && a === 'update')[2];
    for (const k of TYPES) assert.equal(update[k], 'granted', k);

    // A returning visitor: the stored choice's update follows the loader's default as soon as the wasm reads it.
    await s.page.reload();
    await s.page.waitForFunction(() => window.dataLayer.some((a) => a[0] === 'consent' && a[1] === 'update'));
    const again = await dataLayer(s.page);
    assert.deepEqual(again.map(([c, a]) => `${c} ${a}`), ['consent default', 'consent update']);
  });

  test('a page without gtag gets no dataLayer from kuki', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await banner(s.page).getByRole('button', { name: ko.acceptAll, exact: true }).click();
    assert.equal(await s.page.evaluate(() => typeof window.dataLayer), 'undefined');
  });

  function gpcOn() {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
  }

  test('with Global Privacy Control marketing starts off, the dialog says why, and the flag is stored', async (t) => {
    const s = await visit(stack, t, '/basic.html', { initScripts: [gpcOn] });
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.customise, exact: true }).click();
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible' });
    const marketing = prefs.getByRole('switch', { name: ko.marketing, exact: true });
    assert.equal(await marketing.getAttribute('aria-checked'), 'false');
    assert.match(await prefs.innerText(), /GPC|Global Privacy Control/);
    // An explicit choice still wins.
    await marketing.click();
    await prefs.getByRole('button', { name: ko.save, exact: true }).click();
    await prefs.waitFor({ state: 'hidden' });
    const consent = await s.consent();
    assert.equal(consent.gpc, true);
    assert.equal(consent.categories.marketing, true);
  });
});
