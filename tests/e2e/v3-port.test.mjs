// vanilla-cookieconsent v3's own test suite (orestbida/cookieconsent, tests/*.test.js: jest in jsdom), ported to
// kuki's page API in Chromium. Each test is named after v3's (`file: name`) and keeps v3's assertions where the
// name means the same in kuki; docs/v3-tests.md maps every v3 test to its port here, or says why it has no kuki
// meaning.
//
// Map:
// - CONFIG: v3's tests/config/full-config.js in kuki's shape; `start()` opens tests/e2e/pages/v3-port.html (the
//   page starts kuki itself, as v3's tests call `run(config)`) and runs it.
// - one describe per v3 file; the tests about services carry `SERVICES` (no options now that services are built;
//   kept as the mark of which ports are about services).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, waitForKuki, banner, preferences, kukiRoot, focused, NAMES } from './helpers.mjs';

requireBuiltApp();
const en = NAMES.en;
const SERVICES = {};

/** An object `{ $regexp: source }` in a config stands for a RegExp (page.evaluate carries JSON only). */
const re = (source) => ({ $regexp: source });

/** v3's tests/config/full-config.js, in kuki's shape: opt-in, revision 0, the consent cookie `cc_cookie` kept 200
 * days, categories necessary, analytics (whose cookies `test_cookie*` are cleared on refusal) and ads, and an
 * Italian translation besides English. */
const CONFIG = {
  revision: 0,
  cookie: { name: 'cc_cookie', acceptDays: 200 },
  categories: [
    { id: 'necessary', necessary: true },
    { id: 'analytics', cookies: ['test_cookie*'] },
    { id: 'ads', name: { en: 'Ads cookies', it: 'Cookie pubblicitari' } },
  ],
  texts: { it: { bannerTitle: 'Titolo', acceptAll: 'Accetta tutto', rejectAll: 'Accetta solo i necessari' } },
};

/** The same with v3's services (as branch i-svc declares them: `categories[].services[]`): full-config's analytics
 * services (their cookies as v3 names them, RegExps included), a necessary one, and the `my-service` v3 finds in
 * a script tag (kuki needs it declared, and its ids take `_` where v3's took `-`: `my_service`). */
const SERVICE_CONFIG = {
  ...CONFIG,
  categories: [
    { id: 'necessary', necessary: true, services: [{ id: 'service1', name: 'Necessary Service 1' }] },
    {
      id: 'analytics',
      cookies: [re('^test_cookie')],
      services: [
        { id: 'service1', name: 'Service 1', cookies: [re('^service1Cookie')] },
        { id: 'service2', name: 'Service 2', cookies: ['service2Cookie'] },
        { id: 'my_service', name: 'my-service' },
      ],
    },
    { id: 'ads', name: { en: 'Ads cookies', it: 'Cookie pubblicitari' } },
  ],
};

/** v3's botUserAgent (tests/config/mocks-utils.js). */
const BOT_UA =
  'Mozilla/5.0 (Linux; Android 5.0; SM-G920A) AppleWebKit (KHTML, like Gecko) Chrome Mobile Safari (compatible; AdsBot-Google-Mobile; +http://www.google.com/mobile/adsbot.html)';

describe('vanilla-cookieconsent v3 tests, ported', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  /** Runs kuki on the open page with `config` (English, as v3's `language.default`) and waits for kuki:ready. */
  async function run(s, config = CONFIG, options = { lang: 'en' }) {
    const readies = await s.page.evaluate(() => window.__kukiEvents.filter((e) => e.type === 'kuki:ready').length);
    await s.page.evaluate(
      ([c, o]) => {
        const revive = (v) =>
          Array.isArray(v)
            ? v.map(revive)
            : v && typeof v === 'object'
              ? '$regexp' in v
                ? new RegExp(v.$regexp)
                : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]))
              : v;
        window.kuki.run(revive(c), o);
      },
      [config, options],
    );
    await s.page.waitForFunction((n) => window.__kukiEvents.filter((e) => e.type === 'kuki:ready').length > n, readies, {
      timeout: 20_000,
    });
  }

  /** v3's `beforeEach`: a fresh visitor (no stored choice) and `run(testConfig)`. */
  async function start(t, { config = CONFIG, path = '/v3-port.html', ...options } = {}) {
    const s = await visit(stack, t, path, { locale: 'en-US', ...options });
    await run(s, config);
    return s;
  }

  /** The page reloaded (kuki's stored choice is all that carries over) and kuki run again. */
  async function reload(s, config = CONFIG) {
    await s.page.reload();
    await waitForKuki(s.page);
    await run(s, config);
  }

  const kuki = (s, method, ...args) => s.page.evaluate(([m, a]) => window.kuki[m](...a), [method, args]);
  /** v3's `validCookie(name)`: the cookie exists with a non-empty value. */
  const validCookie = (s, name) =>
    s.page.evaluate(
      (n) =>
        document.cookie
          .split('; ')
          .some((c) => c.slice(0, c.indexOf('=')) === n && c.slice(c.indexOf('=') + 1) !== ''),
      name,
    );
  const setCookie = (s, cookie) => s.page.evaluate((c) => (document.cookie = c), cookie);
  const runs = (s) => s.page.evaluate(() => (window.__runs ?? []).map((r) => r.name));
  /** Asserts the banner (or the preferences) shown or not: shown within 5 s, or still not shown 300 ms after the
   * call (time for the render it queued). */
  async function expectShown(s, dialog, shown) {
    if (shown) return dialog.waitFor({ state: 'visible', timeout: 5_000 });
    await s.page.waitForTimeout(300);
    assert.equal(await dialog.isVisible(), false, 'not shown');
  }
  const bannerShown = (s, shown) => expectShown(s, banner(s.page, 'en'), shown);
  const prefsShown = (s, shown) => expectShown(s, preferences(s.page, 'en'), shown);
  /** The language kuki speaks now: its root element's `lang`. */
  const currentLanguage = (s) =>
    s.page.evaluate(() => document.querySelector('[data-kuki-host]').shadowRoot.querySelector('.kuki-root').lang);
  /** A host-page control clicked as v3's fireClickEvent does (under a modal's backdrop, as a page script would). */
  const clickControl = (s, name) => s.page.evaluate((n) => document.querySelector(`[data-kuki="${n}"]`).click(), name);
  const toggle = (s, name) => kukiRoot(s.page).getByRole('switch', { name, exact: true }).click();
  const isOn = (s, name) => kukiRoot(s.page).getByRole('switch', { name, exact: true }).getAttribute('aria-checked');

  describe('api.test.js', () => {
    test('api: User preferences object should contain all the props.', async (t) => {
      const s = await start(t);
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, '');
      assert.deepEqual(prefs.acceptedCategories, []);
      assert.deepEqual(prefs.rejectedCategories, []);
    });

    test('api: User preferences object should contain all the props (services).', SERVICES, async (t) => {
      const s = await start(t, { config: SERVICE_CONFIG, path: '/v3-port-services.html' });
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, '');
      assert.deepEqual(prefs.acceptedCategories, []);
      assert.deepEqual(prefs.rejectedCategories, []);
      // v3's toMatchObject({ acceptedServices: {} }) asks for an object, whatever its keys.
      for (const key of ['acceptedServices', 'rejectedServices']) {
        assert.ok(prefs[key] && typeof prefs[key] === 'object' && !Array.isArray(prefs[key]), `${key}: ${JSON.stringify(prefs)}`);
      }
    });

    test('api: Should return invalid consent', async (t) => {
      const s = await start(t);
      assert.equal(await kuki(s, 'validConsent'), false);
    });

    test('api: Should return valid consent', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory');
      assert.equal(await kuki(s, 'validConsent'), true);
    });

    test('api: Should accept only the necessary categories', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', []);
      assert.equal(await kuki(s, 'acceptedCategory', 'necessary'), true);
      assert.equal(await kuki(s, 'acceptedCategory', 'analytics'), false);
      await s.page.waitForFunction(() => (window.__runs ?? []).length > 0, null, { timeout: 5_000 });
      assert.deepEqual(await runs(s), ['disabled analytics'], 'the !analytics script ran, the analytics one did not');
    });

    test('api: Should accept all categories', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      assert.equal(await kuki(s, 'acceptedCategory', 'necessary'), true);
      assert.equal(await kuki(s, 'acceptedCategory', 'analytics'), true);
      await s.page.waitForFunction(() => (window.__runs ?? []).length > 0, null, { timeout: 5_000 });
      assert.deepEqual(await runs(s), ['enabled analytics'], 'the analytics script ran, the !analytics one did not');
    });

    test('api: Should accept the current selection inside the preferences modal', async (t) => {
      const s = await start(t);
      await kuki(s, 'showPreferences');
      await preferences(s.page, 'en').waitFor({ state: 'visible' });
      // v3 unchecks analytics (on by default there); here it is switched on and off again, and ads on, so that
      // the switches are seen to be read.
      await toggle(s, en.analytics);
      await toggle(s, en.analytics);
      await toggle(s, 'Ads cookies');
      assert.equal(await isOn(s, en.analytics), 'false');
      await kuki(s, 'acceptCategory');
      assert.equal(await kuki(s, 'acceptedCategory', 'necessary'), true);
      assert.equal(await kuki(s, 'acceptedCategory', 'analytics'), false);
      assert.equal(await kuki(s, 'acceptedCategory', 'ads'), true);
    });

    test('api: Should accept a specific category', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'analytics');
      assert.equal(await kuki(s, 'acceptedCategory', 'necessary'), true);
      assert.equal(await kuki(s, 'acceptedCategory', 'analytics'), true);
      assert.equal(await kuki(s, 'acceptedCategory', 'ads'), false);
    });

    test('api: Should accept all categories except one', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all', ['analytics']);
      assert.equal(await kuki(s, 'acceptedCategory', 'necessary'), true);
      assert.equal(await kuki(s, 'acceptedCategory', 'analytics'), false);
      assert.equal(await kuki(s, 'acceptedCategory', 'ads'), true);
    });

    test("api: Should return the plugin's cookie (getConsent)", async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory');
      const consent = await kuki(s, 'getConsent');
      // v3's categories, revision, consentId, consentTimestamp and lastConsentTimestamp.
      for (const key of ['categories', 'revision', 'consentId', 'givenAt', 'updatedAt']) {
        assert.ok(Object.hasOwn(consent, key), `getConsent() has ${key}: ${JSON.stringify(consent)}`);
      }
    });

    test("api: Should return the plugin's cookie (services)", SERVICES, async (t) => {
      const s = await start(t, { config: SERVICE_CONFIG, path: '/v3-port-services.html' });
      await kuki(s, 'acceptCategory');
      const consent = await kuki(s, 'getConsent');
      assert.ok(Object.hasOwn(consent, 'services'), JSON.stringify(consent));
    });

    test('api: Should return user preferences', async (t) => {
      const s = await start(t);
      const prefs = await kuki(s, 'getUserPreferences');
      for (const key of ['acceptedCategories', 'rejectedCategories', 'acceptType']) assert.ok(Object.hasOwn(prefs, key), key);
    });

    test('api: Should return user preferences (services)', SERVICES, async (t) => {
      const s = await start(t, { config: SERVICE_CONFIG, path: '/v3-port-services.html' });
      const prefs = await kuki(s, 'getUserPreferences');
      for (const key of ['acceptedServices', 'rejectedServices']) assert.ok(Object.hasOwn(prefs, key), key);
    });

    test('api: Should return true when cookie exists (the consent cookie)', async (t) => {
      const s = await start(t);
      assert.equal(await validCookie(s, 'cc_cookie'), false);
      await kuki(s, 'acceptCategory');
      assert.equal(await validCookie(s, 'cc_cookie'), true);
    });

    test('api: Should erase cookie by string', async (t) => {
      const s = await start(t);
      await setCookie(s, 'test_cookie=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/');
      assert.equal(await validCookie(s, 'test_cookie'), true);
      await kuki(s, 'eraseCookies', 'test_cookie');
      assert.equal(await validCookie(s, 'test_cookie'), false);
    });

    test('api: Should erase cookie by regex', async (t) => {
      const s = await start(t);
      await setCookie(s, 'test_cookie1=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/');
      await setCookie(s, 'test_cookie2=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/');
      assert.equal(await validCookie(s, 'test_cookie1'), true);
      assert.equal(await validCookie(s, 'test_cookie2'), true);
      await s.page.evaluate(() => window.kuki.eraseCookies(/^test_cookie/));
      assert.equal(await validCookie(s, 'test_cookie1'), false);
      assert.equal(await validCookie(s, 'test_cookie2'), false);
    });

    test('api: Should erase array of cookies by regex and string', async (t) => {
      const s = await start(t);
      await setCookie(s, 'test_cookie1=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/');
      await setCookie(s, 'test_cookie2=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/');
      await setCookie(s, 'new_cookie=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/');
      for (const n of ['test_cookie1', 'test_cookie2', 'new_cookie']) assert.equal(await validCookie(s, n), true, n);
      await s.page.evaluate(() => window.kuki.eraseCookies([/^test_cookie/, 'new_cookie']));
      for (const n of ['test_cookie1', 'test_cookie2', 'new_cookie']) assert.equal(await validCookie(s, n), false, n);
    });

    // v3 (jsdom on `localhost`) uses location.host; on 127.0.0.1:PORT the cookie domain is the host name alone.
    test('api: Should erase cookie with specific path and domain', async (t) => {
      const s = await start(t);
      await s.page.evaluate(() => {
        document.cookie = `test_cookie5=21; expires=Sun, 1 Jan 2063 00:00:00 UTC; path=/; domain=${location.hostname}`;
      });
      assert.equal(await validCookie(s, 'test_cookie5'), true);
      await s.page.evaluate(() => window.kuki.eraseCookies('test_cookie5', '/', location.hostname));
      assert.equal(await validCookie(s, 'test_cookie5'), false);
    });

    test('api: Should not erase cookie with wrong path', async (t) => {
      const s = await start(t);
      await s.page.evaluate(() => {
        document.cookie = `test_cookie6=28; expires=Mon, 1 Jan 2064 00:00:00 UTC; path=/; domain=${location.hostname}`;
      });
      assert.equal(await validCookie(s, 'test_cookie6'), true);
      await s.page.evaluate(() => window.kuki.eraseCookies('test_cookie6', '/other', location.hostname));
      assert.equal(await validCookie(s, 'test_cookie6'), true);
    });

    test('api: Should not erase cookie with wrong domain', async (t) => {
      const s = await start(t);
      await s.page.evaluate(() => {
        document.cookie = `test_cookie7=35; expires=Wed, 1 Jan 2065 00:00:00 UTC; path=/; domain=${location.hostname}`;
      });
      assert.equal(await validCookie(s, 'test_cookie7'), true);
      await kuki(s, 'eraseCookies', 'test_cookie7', '/', 'wrong.domain');
      assert.equal(await validCookie(s, 'test_cookie7'), true);
    });

    // v3 starts with autoShow=false; the kuki banner is not due once a choice stands.
    test('api: Should show the consent modal', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      await bannerShown(s, false);
      await kuki(s, 'show');
      await bannerShown(s, true);
    });

    test('api: Should hide the consent modal', async (t) => {
      const s = await start(t);
      await bannerShown(s, true);
      await kuki(s, 'hide');
      await bannerShown(s, false);
    });

    test('api: Should create the consent modal if it does not exist', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory');
      await reload(s);
      assert.equal(await banner(s.page, 'en').count(), 0, 'no banner after a reload with a valid choice');
      await kuki(s, 'show');
      await banner(s.page, 'en').waitFor({ state: 'visible' });
    });

    test('api: Should hide the preferences modal', async (t) => {
      const s = await start(t);
      await kuki(s, 'showPreferences');
      await preferences(s.page, 'en').waitFor({ state: 'visible' });
      await kuki(s, 'hidePreferences');
      await prefsShown(s, false);
    });

    test('api: Should show the preferences modal', async (t) => {
      const s = await start(t);
      await kuki(s, 'showPreferences');
      await prefsShown(s, true);
    });

    describe('services', () => {
      const startServices = (t) => start(t, { config: SERVICE_CONFIG, path: '/v3-port-services.html' });
      const acceptedServices = async (s, category) => (await kuki(s, 'getUserPreferences')).acceptedServices[category];

      test('api: Should accept all services', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'all', 'analytics');
        const declared = SERVICE_CONFIG.categories.find((c) => c.id === 'analytics').services.length;
        // v3 counts its declared services and the `my-service` of a script tag (here declared, `my_service`).
        assert.equal((await acceptedServices(s, 'analytics')).length, declared);
      });

      test('api: Should reject all services', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', [], 'analytics');
        assert.equal((await acceptedServices(s, 'analytics')).length, 0);
      });

      test('api: Should accept a specific service', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'service1', 'analytics');
        assert.equal((await acceptedServices(s, 'analytics')).length, 1);
      });

      test('api: Accepting a non existing service should reject all services', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'does_not_exist', 'analytics');
        assert.equal((await acceptedServices(s, 'analytics')).length, 0);
      });

      test('api: acceptService should set the cookie', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'all', 'analytics');
        assert.ok((await kuki(s, 'getConsent'))?.consentId);
        assert.equal(await validCookie(s, 'cc_cookie'), true);
      });

      test('api: Should return true when service is enabled', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'service1', 'analytics');
        assert.equal(await kuki(s, 'acceptedService', 'service1', 'analytics'), true);
      });

      test('api: Accepting a service in a non existing category should not do anything', SERVICES, async (t) => {
        const s = await startServices(t);
        assert.equal(await kuki(s, 'acceptService', 'service1', 'category_does_not_exist'), false);
        assert.equal(await kuki(s, 'validConsent'), false, 'nothing was recorded');
      });

      test('api: Should return false when service is disabled', SERVICES, async (t) => {
        const s = await startServices(t);
        assert.equal(await kuki(s, 'acceptedService', 'service2', 'analytics'), false);
      });

      test('api: Should erase cookies when category is rejected', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptCategory', 'analytics');
        // v3's services set their cookies in onAccept; here their data-service scripts do.
        await s.page.waitForFunction(() => (window.__runs ?? []).some((r) => r.name === 'service2'), null, { timeout: 5_000 });
        assert.equal(await validCookie(s, 'service1Cookie1'), true);
        assert.equal(await validCookie(s, 'service1Cookie2'), true);
        assert.equal(await validCookie(s, 'service2Cookie'), true);
        await kuki(s, 'acceptCategory', []);
        assert.equal(await validCookie(s, 'service1Cookie1'), false);
        assert.equal(await validCookie(s, 'service1Cookie2'), false);
        assert.equal(await validCookie(s, 'service2Cookie'), false);
      });

      test('api: Should erase specific service cookie when service is rejected', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'service1', 'analytics');
        await s.page.waitForFunction(() => (window.__runs ?? []).some((r) => r.name === 'service1'), null, { timeout: 5_000 });
        assert.equal(await validCookie(s, 'service1Cookie1'), true);
        assert.equal(await validCookie(s, 'service1Cookie2'), true);
        await kuki(s, 'acceptService', [], 'analytics');
        assert.equal(await validCookie(s, 'service1Cookie1'), false);
        assert.equal(await validCookie(s, 'service1Cookie2'), false);
      });

      test('api: Should mark service as accepted regardless of callback/script', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'service2', 'analytics');
        assert.equal(await kuki(s, 'acceptedService', 'service2', 'analytics'), true);
      });

      test('api: Should mark service as rejected regardless of callback/script', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'service2', 'analytics');
        assert.equal(await kuki(s, 'acceptedService', 'service2', 'analytics'), true);
        await kuki(s, 'acceptService', [], 'analytics');
        assert.equal(await kuki(s, 'acceptedService', 'service2', 'analytics'), false);
      });

      // v3's onAccept callback; kuki's is the service's data-service script, which runs once.
      test('api: Should call service onAccept once (its data-service script runs once)', SERVICES, async (t) => {
        const s = await startServices(t);
        await kuki(s, 'acceptService', 'service2', 'analytics');
        await kuki(s, 'acceptService', 'service2', 'analytics');
        await kuki(s, 'acceptCategory', 'analytics');
        await s.page.waitForTimeout(300);
        assert.equal((await runs(s)).filter((n) => n === 'service2').length, 1);
      });
    });

    test('api: Should set the language to "it"', async (t) => {
      const s = await start(t);
      assert.equal(await currentLanguage(s), 'en');
      assert.equal(await kuki(s, 'setLanguage', 'it'), true);
      assert.equal(await currentLanguage(s), 'it');
      await kukiRoot(s.page).getByRole('button', { name: 'Accetta tutto', exact: true }).waitFor({ state: 'visible' });
    });

    test('api: Should return false when desired language is not defined', async (t) => {
      const s = await start(t);
      assert.equal(await kuki(s, 'setLanguage', 'fr'), false);
      assert.notEqual(await currentLanguage(s), 'fr');
    });

    test('api: Should fail when trying to set a language already in use', async (t) => {
      const s = await start(t);
      await kuki(s, 'setLanguage', 'en');
      assert.equal(await kuki(s, 'setLanguage', 'en'), false);
    });
  });

  describe('config.test.js', () => {
    test('config: Consent Modal should not appear if consent is valid', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory');
      await reload(s);
      assert.equal(await kuki(s, 'validConsent'), true);
      await bannerShown(s, false);
    });

    // v3 runs revision 2 with no choice stored at all; here a choice made under revision 0 is stored first.
    test('config: Revision change should cause invalid consent', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      assert.equal(await kuki(s, 'validConsent'), true);
      await reload(s, { ...CONFIG, revision: 2 });
      assert.equal(await kuki(s, 'validConsent'), false);
    });

    // kuki never hides from bots: it is v3 with hideFromBots=false.
    test('config: Plugin should not detect bot if hideFromBots=false', async (t) => {
      const s = await start(t, { userAgent: BOT_UA });
      assert.equal(await s.page.evaluate(() => navigator.userAgent), BOT_UA);
      assert.equal(await s.page.locator('[data-kuki-host]').count(), 1);
      await bannerShown(s, true);
    });

    // kuki has no equalWeightButtons option: refusing always weighs as much as accepting (and gui.test.js's
    // "Buttons should same weight" is the same test).
    test('config: equalWeightButtons option should be enabled by default', async (t) => {
      const s = await start(t);
      const look = (name) =>
        banner(s.page, 'en')
          .getByRole('button', { name, exact: true })
          .evaluate((b) => {
            const c = getComputedStyle(b);
            return [c.backgroundColor, c.color, c.fontWeight, c.fontSize, c.borderColor, c.borderWidth, c.height].join(' ');
          });
      assert.equal(await look(en.rejectAll), await look(en.acceptAll));
    });
  });

  describe('cookies.test.js', () => {
    test('cookies: Should retrieve the cookie with all the fields', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      assert.equal(await validCookie(s, 'cc_cookie'), true);
      const consent = await kuki(s, 'getConsent');
      assert.equal(typeof consent.consentId, 'string');
      assert.ok(consent.givenAt, 'consentTimestamp');
      assert.ok(consent.updatedAt, 'lastConsentTimestamp');
      assert.equal(consent.lang, 'en');
      assert.deepEqual(consent.acceptedCategories, ['necessary', 'analytics', 'ads']);
    });

    test('cookies: Should retrieve the cookie with all the fields (services)', SERVICES, async (t) => {
      const s = await start(t, { config: SERVICE_CONFIG, path: '/v3-port-services.html' });
      await kuki(s, 'acceptCategory', 'all');
      const consent = await kuki(s, 'getConsent');
      // v3's cookie lists the accepted services by category; kuki's consent (like its `categories`) has each
      // one's decision, for the categories that have services.
      assert.deepEqual(consent.services, {
        necessary: { service1: true },
        analytics: { service1: true, service2: true, my_service: true },
      });
    });

    test('cookies: Should erase cookies', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      await setCookie(s, 'test_cookie1={"ciao": 11}; path=/');
      await setCookie(s, 'test_cookie2={"aloha": 22}; path=/');
      assert.equal(await validCookie(s, 'test_cookie1'), true);
      assert.equal(await validCookie(s, 'test_cookie2'), true);
      await kuki(s, 'eraseCookies', ['test_cookie1', 'test_cookie2']);
      assert.equal(await validCookie(s, 'test_cookie1'), false);
      assert.equal(await validCookie(s, 'test_cookie2'), false);
    });
  });

  describe('data-cc.test.js (data-kuki)', () => {
    test('data-cc: Should show the preferences modal onClick', async (t) => {
      const s = await start(t);
      await clickControl(s, 'show-preferences');
      await prefsShown(s, true);
    });

    // v3's autoShow=false start: here the banner is hidden first.
    test('data-cc: Should show the consent modal onClick', async (t) => {
      const s = await start(t);
      await kuki(s, 'hide');
      await bannerShown(s, false);
      await clickControl(s, 'show-banner');
      await bannerShown(s, true);
    });

    test('data-cc: Should accept all categories onClick', async (t) => {
      const s = await start(t);
      await clickControl(s, 'accept-all');
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'all');
      assert.equal(prefs.acceptedCategories.length, CONFIG.categories.length);
    });

    test('data-cc: Should accept necessary categories onClick', async (t) => {
      const s = await start(t);
      await clickControl(s, 'reject-all');
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'necessary');
      assert.equal(prefs.acceptedCategories.length, 1);
    });

    // v3 checks a switch of its hidden preferences modal; kuki's switches exist while the dialog is open.
    test('data-cc: Should accept custom categories onClick', async (t) => {
      const s = await start(t);
      await kuki(s, 'showPreferences');
      await preferences(s.page, 'en').waitFor({ state: 'visible' });
      await toggle(s, en.analytics);
      await clickControl(s, 'accept-custom');
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'custom');
      assert.equal(prefs.acceptedCategories.length, 2);
    });
  });

  describe('general.test.js', () => {
    test('general: Should hide the preferences modal when esc key is pressed', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory');
      await kuki(s, 'showPreferences');
      await prefsShown(s, true);
      await s.page.keyboard.press('Escape');
      await prefsShown(s, false);
    });
  });

  describe('gui.test.js', () => {
    test('gui: consentModal should receive focus when it is shown', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      await s.page.waitForTimeout(300);
      const before = await focused(s.page);
      await kuki(s, 'show');
      await s.page.waitForTimeout(300);
      const now = await focused(s.page);
      assert.notDeepEqual(now, before);
      assert.equal(now.inKuki, true, JSON.stringify(now));
      assert.equal(await banner(s.page, 'en').evaluate((d) => d.contains(d.getRootNode().activeElement)), true);
    });

    test('gui: preferencesModal should receive focus when it is shown', async (t) => {
      const s = await start(t);
      const before = await focused(s.page);
      await kuki(s, 'showPreferences');
      await s.page.waitForTimeout(300);
      const now = await focused(s.page);
      assert.notDeepEqual(now, before);
      assert.equal(await preferences(s.page, 'en').evaluate((d) => d.contains(d.getRootNode().activeElement)), true);
    });
  });

  describe('language.test.js (kuki chooses among the languages it has texts in)', () => {
    test('language: Should return the language when the exact translation is defined', async (t) => {
      const s = await visit(stack, t, '/v3-port.html', { locale: 'en-US' });
      await run(s, CONFIG, { lang: 'it' });
      assert.equal(await currentLanguage(s), 'it');
    });

    test('language: Should return the fallback language when the translation is not defined', async (t) => {
      const s = await visit(stack, t, '/v3-port.html', { locale: 'en-GB' });
      await run(s, CONFIG, {});
      assert.equal(await currentLanguage(s), 'en');
    });

    test('language: Should return null when translation is not defined', async (t) => {
      const s = await visit(stack, t, '/v3-port.html', { locale: 'en-US' });
      const warnings = [];
      s.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
      await run(s, { ...CONFIG, texts: {} }, { lang: 'it' });
      assert.notEqual(await currentLanguage(s), 'it');
      assert.ok(warnings.some((w) => /no texts in the language "it"/.test(w)), JSON.stringify(warnings));
    });

    test("language: Should return the browser's language code", async (t) => {
      const s = await visit(stack, t, '/v3-port.html', { locale: 'it-IT' });
      await run(s, CONFIG, {});
      assert.equal(await currentLanguage(s), 'it');
    });

    // kuki's default is the config's `lang`; Korean here, which neither the visitor nor English would give.
    test("language: Should fallback to 'default' language when autoDetect language is not defined", async (t) => {
      const s = await visit(stack, t, '/v3-port.html', { locale: 'es-ES' });
      await run(s, { ...CONFIG, lang: 'ko' }, {});
      assert.equal(await currentLanguage(s), 'ko');
    });

    test("language: Should use the browser's language", async (t) => {
      const s = await visit(stack, t, '/v3-port.html', { locale: 'it-IT' });
      await run(s, { ...CONFIG, lang: 'en' }, {});
      assert.equal(await currentLanguage(s), 'it');
    });
  });

  describe('localstorage.test.js (kuki keeps its choice in its cookie)', () => {
    test('localstorage: Consent should be valid after accept/reject', async (t) => {
      const s = await start(t);
      await kuki(s, 'reset');
      assert.equal(await kuki(s, 'validConsent'), false);
      await kuki(s, 'acceptCategory', 'all');
      assert.equal(await kuki(s, 'validConsent'), true);
    });

    test('localstorage: Consent should be invalid after `reset`', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      assert.equal(await kuki(s, 'validConsent'), true);
      await kuki(s, 'reset');
      assert.equal(await kuki(s, 'validConsent'), false);
    });

    test('localstorage: Should erase the localstorage item on reset (the consent cookie)', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      assert.ok(await kuki(s, 'getConsent'));
      assert.equal(await validCookie(s, 'cc_cookie'), true);
      await kuki(s, 'reset');
      assert.equal(await kuki(s, 'getConsent'), null);
      assert.equal(await validCookie(s, 'cc_cookie'), false);
    });
  });

  describe('modals.test.js', () => {
    test('modals: Modals should exist (the banner)', async (t) => {
      const s = await start(t);
      assert.equal(await banner(s.page, 'en').count(), 1);
    });

    test('modals: Modal accept necessary btn onClick', async (t) => {
      const s = await start(t);
      await banner(s.page, 'en').getByRole('button', { name: en.rejectAll, exact: true }).click();
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'necessary');
      assert.equal(prefs.acceptedCategories.length, 1);
    });

    test('modals: Modal accept all btn onClick', async (t) => {
      const s = await start(t);
      await banner(s.page, 'en').getByRole('button', { name: en.acceptAll, exact: true }).click();
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'all');
      assert.equal(prefs.rejectedCategories.length, 0);
    });

    const openPrefs = async (s) => {
      await kuki(s, 'showPreferences');
      await preferences(s.page, 'en').waitFor({ state: 'visible' });
      return preferences(s.page, 'en');
    };

    test('modals: Should accept necessary only on acceptNecessaryBtn click', async (t) => {
      const s = await start(t);
      await (await openPrefs(s)).getByRole('button', { name: en.rejectAll, exact: true }).click();
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'necessary');
      assert.equal(prefs.acceptedCategories.length, 1);
    });

    test('modals: Should accept all categories on acceptAllBtn click', async (t) => {
      const s = await start(t);
      await (await openPrefs(s)).getByRole('button', { name: en.acceptAll, exact: true }).click();
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'all');
      assert.equal(prefs.rejectedCategories.length, 0);
    });

    test('modals: Should accept selected only categories on savePreferencesBtn click', async (t) => {
      const s = await start(t);
      await kuki(s, 'acceptCategory', 'all');
      const p = await openPrefs(s);
      await toggle(s, en.analytics);
      await p.getByRole('button', { name: en.save, exact: true }).click();
      const prefs = await kuki(s, 'getUserPreferences');
      assert.equal(prefs.acceptType, 'custom');
      assert.ok(prefs.rejectedCategories.includes('analytics'), JSON.stringify(prefs));
    });

    test('modals: Should close the preferences modal when (x) icon is pressed', async (t) => {
      const s = await start(t);
      const p = await openPrefs(s);
      await prefsShown(s, true);
      await p.getByRole('button', { name: en.close, exact: true }).click();
      await prefsShown(s, false);
    });
  });
});
