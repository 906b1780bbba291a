// The visitor's choice end to end: the built bundle served by kuki-server, embedded with one script tag in a host
// page of another origin, in headless Chromium. Names are the accessible names of docs/contract.md.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, kukiRoot, NAMES } from './helpers.mjs';

requireBuiltApp();

const ALL = ['a1', 'a2', 'm1', 'a3'];

describe('the consent banner', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const ko = NAMES.ko;
  const en = NAMES.en;

  async function bannerButtons(page, names) {
    const b = banner(page, names === en ? 'en' : 'ko');
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    return {
      b,
      accept: b.getByRole('button', { name: names.acceptAll, exact: true }),
      reject: b.getByRole('button', { name: names.rejectAll, exact: true }),
      customise: b.getByRole('button', { name: names.customise, exact: true }),
      policy: b.getByRole('link', { name: names.policyLink, exact: true }),
    };
  }

  async function assertFirstLayer(page, names) {
    const { accept, reject, customise, policy } = await bannerButtons(page, names);
    for (const el of [accept, reject, customise, policy]) assert.equal(await el.count(), 1);
    // Equal weight: rejecting is exactly as easy as accepting.
    const look = (el) =>
      el.evaluate((e) => {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        return { font: `${s.fontSize} ${s.fontWeight}`, height: Math.round(r.height), bg: s.backgroundColor, fg: s.color };
      });
    const [a, r, c] = [await look(accept), await look(reject), await look(customise)];
    assert.deepEqual(r, a, 'reject all looks exactly like accept all');
    assert.equal(c.font, a.font);
    assert.equal(c.height, a.height);
  }

  test('a first visit in Korean shows the banner with three buttons of equal weight and a policy link', async (t) => {
    const { page, errors } = await visit(stack, t, '/basic.html', { locale: 'ko-KR' });
    await assertFirstLayer(page, ko);
    assert.deepEqual(errors, []);
  });

  test('a browser that prefers English gets the banner in English', async (t) => {
    const { page } = await visit(stack, t, '/basic.html', { locale: 'en-US' });
    await assertFirstLayer(page, en);
  });

  test('data-lang="en" overrides a Korean browser', async (t) => {
    const { page } = await visit(stack, t, '/lang-en.html', { locale: 'ko-KR' });
    await assertFirstLayer(page, en);
  });

  test('nothing is stored and no blocked script runs before a choice, and nothing is pre-ticked', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { customise } = await bannerButtons(s.page, ko);
    await s.page.waitForTimeout(500);
    assert.deepEqual(await s.cookies(), {});
    assert.deepEqual(await s.runs(), []);
    assert.equal(await s.consent(), null);
    assert.equal(await s.page.evaluate(() => window.kuki.acceptedCategory('analytics')), false);
    await customise.click();
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible' });
    const state = async (name) => {
      const sw = prefs.getByRole('switch', { name, exact: true });
      return [await sw.getAttribute('aria-checked'), await sw.getAttribute('aria-disabled')];
    };
    assert.deepEqual(await state(ko.necessary), ['true', 'true']);
    for (const name of [ko.functional, ko.analytics, ko.marketing]) assert.equal((await state(name))[0], 'false', name);
    assert.deepEqual(await s.cookies(), {}, 'opening the preferences stores nothing either');
  });

  test('reject all stores a refusal, runs no blocked script and closes the banner', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { b, reject } = await bannerButtons(s.page, ko);
    await reject.click();
    await b.waitFor({ state: 'hidden' });
    const consent = await s.consent();
    assert.deepEqual(consent.categories, { necessary: true, functional: false, analytics: false, marketing: false });
    assert.deepEqual(consent.acceptedCategories, ['necessary']);
    assert.ok((await s.cookies()).kuki_consent, 'the refusal is remembered in the kuki_consent cookie');
    await s.page.waitForTimeout(300);
    assert.deepEqual(await s.runs(), []);
  });

  test('accept all runs each blocked script exactly once, in document order, with its attributes', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { b, accept } = await bannerButtons(s.page, ko);
    await accept.click();
    await b.waitFor({ state: 'hidden' });
    await s.page.waitForFunction((n) => (window.__kukiDemoRuns ?? []).length >= n, ALL.length);
    assert.deepEqual(await s.runs(), ALL, 'data-mark survived, so the attributes were kept');
    const c = await s.cookies();
    assert.ok(c.kuki_consent && c.e2e_analytics && c.e2e_ads, JSON.stringify(c));
    // Accepting again, by API and through the dialog, runs nothing twice.
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.evaluate(() => window.kuki.showPreferences());
    await preferences(s.page).getByRole('button', { name: ko.save, exact: true }).click();
    await s.page.waitForTimeout(500);
    assert.deepEqual(await s.runs(), ALL);
    const consent = await s.consent();
    assert.deepEqual(consent.acceptedCategories.sort(), ['analytics', 'functional', 'marketing', 'necessary']);
  });

  test('the choice survives a reload', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { b, customise } = await bannerButtons(s.page, ko);
    await customise.click();
    const prefs = preferences(s.page);
    await prefs.getByRole('switch', { name: ko.analytics, exact: true }).click();
    await prefs.getByRole('button', { name: ko.save, exact: true }).click();
    await prefs.waitFor({ state: 'hidden' });
    await b.waitFor({ state: 'hidden' });
    const before = await s.consent();
    await s.page.reload();
    await s.ready();
    assert.equal(await banner(s.page).isVisible(), false, 'no banner after a reload with a stored choice');
    const afterReload = await s.consent();
    assert.equal(afterReload.consentId, before.consentId);
    assert.deepEqual(afterReload.categories, { necessary: true, functional: false, analytics: true, marketing: false });
    await s.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).length >= 3);
    await s.page.waitForTimeout(300);
    assert.deepEqual(await s.runs(), ['a1', 'a2', 'a3'], 'accepted scripts run again on the new page, refused ones not');
  });

  test('changing and withdrawing in the preferences dialog deletes the cookies of revoked categories', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { b, accept } = await bannerButtons(s.page, ko);
    await accept.click();
    await b.waitFor({ state: 'hidden' });
    await s.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).length >= 4);
    await s.context.addCookies([{ name: '_ga_E2E', value: 'GA1.1', url: s.url }]);
    assert.ok((await s.cookies())._ga_E2E);

    // Change: analytics off.
    await s.page.click('#host-prefs');
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible' });
    const analytics = prefs.getByRole('switch', { name: ko.analytics, exact: true });
    assert.equal(await analytics.getAttribute('aria-checked'), 'true');
    await analytics.click();
    assert.equal(await analytics.getAttribute('aria-checked'), 'false');
    await prefs.getByRole('button', { name: ko.save, exact: true }).click();
    await prefs.waitFor({ state: 'hidden' });
    let c = await s.cookies();
    assert.equal(c.e2e_analytics, undefined, 'the listed analytics cookie is deleted');
    assert.equal(c._ga_E2E, undefined, 'a cookie matching the _ga* prefix is deleted');
    assert.ok(c.e2e_ads, 'marketing was kept, so its cookie stays');
    assert.equal((await s.consent()).categories.analytics, false);

    // Withdraw everything.
    await s.page.click('#host-prefs');
    await prefs.waitFor({ state: 'visible' });
    await prefs.getByRole('button', { name: ko.rejectAll, exact: true }).click();
    await prefs.waitFor({ state: 'hidden' });
    c = await s.cookies();
    assert.equal(c.e2e_ads, undefined, 'the marketing cookie is deleted on withdrawal');
    assert.ok(c.kuki_consent, 'the refusal itself is remembered');
    assert.deepEqual((await s.consent()).acceptedCategories, ['necessary']);
  });

  test('kuki:consent fires on the first choice and kuki:change on later changes and on reset', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { b, accept } = await bannerButtons(s.page, ko);
    await s.ready();
    await accept.click();
    await b.waitFor({ state: 'hidden' });
    await s.page.click('#host-reject');
    await s.page.waitForFunction(() => window.__kukiEvents.filter((e) => e.type === 'kuki:change').length >= 1);
    await s.page.evaluate(() => window.kuki.reset());
    await s.page.waitForFunction(() => window.__kukiEvents.filter((e) => e.type === 'kuki:change').length >= 2);
    const events = await s.events();
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['kuki:ready', 'kuki:consent', 'kuki:change', 'kuki:change'], JSON.stringify(types));
    const [, first, change, reset] = events;
    assert.deepEqual(first.detail.acceptedCategories.sort(), ['analytics', 'functional', 'marketing', 'necessary']);
    assert.match(first.detail.consentId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(change.detail.acceptedCategories, ['necessary']);
    assert.equal(change.detail.consentId, first.detail.consentId);
    assert.equal(reset.detail, null);
    assert.equal(await s.consent(), null);
    await banner(s.page).waitFor({ state: 'visible' });
  });

  test('a tampered or garbled consent cookie counts as no choice and the banner shows again', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const { b, accept } = await bannerButtons(s.page, ko);
    await accept.click();
    await b.waitFor({ state: 'hidden' });
    const original = (await s.cookies()).kuki_consent;
    assert.ok(original);
    // Flip one character in the middle: a valid-looking value with a wrong check.
    const i = Math.floor(original.length / 2);
    const flipped = original.slice(0, i) + (original[i] === 'A' ? 'B' : 'A') + original.slice(i + 1);
    for (const value of [flipped, 'garbage', '']) {
      await s.context.addCookies([{ name: 'kuki_consent', value, url: s.url }]);
      await s.page.reload();
      await waitForBannerOrFail(s, value);
      assert.equal(await s.consent(), null, `cookie ${JSON.stringify(value)} must not count as a choice`);
    }
    assert.deepEqual(s.errors, []);
  });

  async function waitForBannerOrFail(s, what) {
    try {
      await banner(s.page).waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      assert.fail(`the banner did not show again for cookie ${JSON.stringify(what)}`);
    }
  }

  // document.cookie's setter throws (as in some privacy modes and sandboxed frames).
  function cookiesThrow() {
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        return '';
      },
      set() {
        throw new DOMException('cookies are blocked', 'SecurityError');
      },
    });
  }
  function localStorageThrows() {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('storage is blocked', 'SecurityError');
      },
    });
  }

  test('when document.cookie throws, the choice falls back to localStorage and survives a reload', async (t) => {
    const s = await visit(stack, t, '/basic.html', { initScripts: [cookiesThrow] });
    const { b, accept } = await bannerButtons(s.page, ko);
    await accept.click();
    await b.waitFor({ state: 'hidden' });
    assert.ok((await s.consent())?.consentId);
    assert.ok((await s.page.evaluate(() => localStorage.length)) > 0, 'something was kept in localStorage');
    await s.page.reload();
    await s.ready();
    assert.equal(await banner(s.page).isVisible(), false);
    assert.ok((await s.consent())?.consentId);
    assert.deepEqual(s.errors, []);
  });

  test('when cookies and localStorage both throw, the choice lives in memory for the page and nothing is uncaught', async (t) => {
    const s = await visit(stack, t, '/basic.html', { initScripts: [cookiesThrow, localStorageThrows] });
    const { b, reject } = await bannerButtons(s.page, ko);
    await reject.click();
    await b.waitFor({ state: 'hidden' });
    assert.deepEqual((await s.consent())?.acceptedCategories, ['necessary']);
    assert.deepEqual(s.errors, []);
    await s.page.reload();
    await waitForBannerOrFail(s, '(memory only: gone after a reload)');
    assert.deepEqual(s.errors, []);
  });

  test('calls made before the app is ready are queued and take effect', async (t) => {
    const s = await visit(stack, t, '/queued.html');
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible', timeout: 20_000 });
    assert.deepEqual(await s.page.evaluate(() => window.__queued), { before: false });
    const consent = await s.consent();
    assert.equal(consent?.categories.analytics, true, JSON.stringify(consent));
    assert.equal(consent.categories.marketing, false);
    assert.equal(await prefs.getByRole('switch', { name: ko.analytics, exact: true }).getAttribute('aria-checked'), 'true');
  });

  test('data-kuki controls on the host page open the preferences and the policy and make choices', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    await bannerButtons(s.page, ko);
    await s.page.click('#host-prefs');
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible' });
    await prefs.getByRole('button', { name: ko.close, exact: true }).click();
    await prefs.waitFor({ state: 'hidden' });

    await s.page.click('#host-policy');
    const policy = kukiRoot(s.page).getByRole('dialog', { name: ko.policy, exact: true });
    await policy.waitFor({ state: 'visible' });
    await s.page.keyboard.press('Escape');
    await policy.waitFor({ state: 'hidden' });

    await s.page.click('#host-accept');
    await s.page.waitForFunction(() => window.kuki.getConsent() !== null);
    assert.deepEqual((await s.consent()).acceptedCategories.sort(), ['analytics', 'functional', 'marketing', 'necessary']);
    await s.page.click('#host-reject');
    await s.page.waitForFunction(() => window.kuki.getConsent()?.acceptedCategories.length === 1);
    assert.equal(await banner(s.page).isVisible(), false);
  });
});
