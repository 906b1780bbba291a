// The vanilla-cookieconsent v3 names kuki offers (issue 10, first part): getUserPreferences, validConsent,
// hidePreferences, eraseCookies, loadScript, blocked scripts with data-src and `!category`, and the
// `accept-custom` host control. Same names, same meanings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, kukiRoot, NAMES } from './helpers.mjs';

requireBuiltApp();
const en = NAMES.en;

describe('the vanilla-cookieconsent v3 API', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const runs = (s) => s.page.evaluate(() => (window.__runs ?? []).map((r) => r.name));
  const fetched = (path) => stack.host.requests.filter((p) => p === path).length;

  test('reject all: the !analytics script runs, data-src is never fetched, preferences say necessary', async (t) => {
    const s = await visit(stack, t, '/v3.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await s.page.evaluate(() => window.kuki.validConsent()), false);
    const before = fetched('/slow.js');
    await banner(s.page, 'en').getByRole('button', { name: en.rejectAll, exact: true }).click();
    await s.page.waitForFunction(() => (window.__runs ?? []).length > 0);
    await s.page.waitForTimeout(300);
    assert.deepEqual(await runs(s), ['refused-analytics']);
    assert.equal(fetched('/slow.js'), before, 'a data-src script fetches nothing while blocked');
    assert.equal(await s.page.evaluate(() => window.kuki.validConsent()), true);
    assert.deepEqual(await s.page.evaluate(() => window.kuki.getUserPreferences()), {
      acceptType: 'necessary',
      acceptedCategories: ['necessary'],
      rejectedCategories: ['functional', 'analytics', 'marketing'],
      acceptedServices: { necessary: [], functional: [], analytics: [], marketing: [] },
      rejectedServices: { necessary: [], functional: [], analytics: [], marketing: [] },
    });
  });

  test('accept all: the data-src script loads, the !analytics one does not run, preferences say all', async (t) => {
    const s = await visit(stack, t, '/v3.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.waitForFunction(() => (window.__runs ?? []).length > 0);
    await s.page.waitForTimeout(300);
    assert.deepEqual(await runs(s), ['data-src']);
    const prefs = await s.page.evaluate(() => window.kuki.getUserPreferences());
    assert.equal(prefs.acceptType, 'all');
    assert.deepEqual(prefs.rejectedCategories, []);
  });

  test('hidePreferences closes the dialog; accept-custom saves its switches', async (t) => {
    const s = await visit(stack, t, '/v3.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.showPreferences());
    const p = preferences(s.page, 'en');
    await p.waitFor({ state: 'visible' });
    await s.page.evaluate(() => window.kuki.hidePreferences());
    await p.waitFor({ state: 'hidden' });
    await banner(s.page, 'en').waitFor({ state: 'visible' });
    await s.page.evaluate(() => window.kuki.showPreferences());
    await p.waitFor({ state: 'visible' });
    await kukiRoot(s.page).getByRole('switch', { name: en.analytics, exact: true }).click();
    // The host page's own control, under the dialog's backdrop: clicked as the page's script would.
    await s.page.evaluate(() => document.querySelector('#accept-custom').click());
    await p.waitFor({ state: 'hidden' });
    const prefs = await s.page.evaluate(() => window.kuki.getUserPreferences());
    assert.deepEqual(prefs, {
      acceptType: 'custom',
      acceptedCategories: ['necessary', 'analytics'],
      rejectedCategories: ['functional', 'marketing'],
      acceptedServices: { necessary: [], functional: [], analytics: [], marketing: [] },
      rejectedServices: { necessary: [], functional: [], analytics: [], marketing: [] },
    });
  });

  test('eraseCookies by name, RegExp and list, at the path given', async (t) => {
    const s = await visit(stack, t, '/v3.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    const names = () => s.page.evaluate(() => document.cookie.split('; ').filter(Boolean).map((c) => c.split('=')[0]).sort());
    await s.page.evaluate(() => {
      for (const n of ['_ga', '_ga_X1', 'plain', 'one', 'two', 'keep']) document.cookie = `${n}=1; Path=/`;
    });
    await s.page.evaluate(() => window.kuki.eraseCookies(/^_ga/));
    await s.page.evaluate(() => window.kuki.eraseCookies('plain', '/elsewhere'));
    assert.deepEqual(await names(), ['keep', 'one', 'plain', 'two'], 'RegExp erased; the wrong path erased nothing');
    await s.page.evaluate(() => window.kuki.eraseCookies('plain', '/'));
    await s.page.evaluate(() => window.kuki.eraseCookies(['one', /^tw/]));
    assert.deepEqual(await names(), ['keep']);
  });

  test('loadScript resolves true once loaded (with its attributes) and false when it fails', async (t) => {
    const s = await visit(stack, t, '/v3.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    const ok = await s.page.evaluate(() => window.kuki.loadScript('/slow.js?ms=0&name=loaded', { 'data-x': 'yes' }));
    assert.equal(ok, true);
    assert.deepEqual(await runs(s), ['loaded']);
    assert.equal(await s.page.evaluate(() => document.querySelector('script[data-x="yes"]').getAttribute('src')), '/slow.js?ms=0&name=loaded');
    assert.equal(await s.page.evaluate(() => window.kuki.loadScript('/no-such-script.js')), false);
  });

  test('loadScript loads a script once; a failed one is removed, so a later call tries again', async (t) => {
    const s = await visit(stack, t, '/v3.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    const src = '/slow.js?ms=0&name=once';
    assert.equal(await s.page.evaluate((u) => window.kuki.loadScript(u), src), true);
    assert.equal(await s.page.evaluate((u) => window.kuki.loadScript(u), src), true);
    assert.deepEqual(await runs(s), ['once']);
    const count = (u) => s.page.evaluate((x) => [...document.scripts].filter((e) => e.getAttribute('src') === x).length, u);
    assert.equal(await count(src), 1);
    const before = fetched('/no-such-script.js');
    assert.equal(await s.page.evaluate(() => window.kuki.loadScript('/no-such-script.js')), false);
    assert.equal(await count('/no-such-script.js'), 0);
    assert.equal(await s.page.evaluate(() => window.kuki.loadScript('/no-such-script.js')), false);
    assert.equal(fetched('/no-such-script.js'), before + 2, 'tried again');
  });
});
