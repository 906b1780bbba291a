// The banner's first frame (issue 8): rendered ahead of time by yew's SSR (src/frame.rs), painted by the loader
// before the wasm arrives, and replaced by the app without a visible change (src/mount.rs). Each test holds the
// wasm download with a route, so "before the wasm" is a state the test controls rather than a race.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, openPage, recordEvents, waitForKuki, banner, preferences, kukiRoot, NAMES, HOST_SELECTOR } from './helpers.mjs';

requireBuiltApp();

/** The island's DOM as data: tags, sorted attributes and text (adjacent text nodes joined, as the HTML parser joins
 * them), so two renderings compare whatever the attribute order or text-node split each made. `data-still` is
 * the swap's own mark (no second entry animation). */
function islandTree(selector) {
  const host = document.querySelector(selector);
  const roots = host ? [...host.shadowRoot.querySelectorAll('.kuki-root')] : [];
  const walk = (n) =>
    n.nodeType === Node.TEXT_NODE
      ? n.textContent
      : [n.tagName.toLowerCase(), [...n.attributes].filter((a) => a.name !== 'data-still').map((a) => `${a.name}=${a.value}`).sort(), [...n.childNodes].map(walk)];
  return roots.map((r) => {
    const copy = r.cloneNode(true);
    copy.normalize();
    return { frame: r.hasAttribute('data-kuki-frame'), hidden: r.hidden, lang: r.lang, children: [...copy.childNodes].map(walk) };
  });
}

describe('the first frame', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  /** Opens `path` with the wasm held until `release()`. */
  async function withWasmHeld(t, path, options = {}) {
    const s = await openPage(stack.browser, { ...options, initScripts: [recordEvents] });
    t.after(() => s.close());
    let release;
    const released = new Promise((r) => (release = r));
    let wasmRequests = 0;
    await s.page.route('**/kuki_bg.wasm', async (route) => {
      wasmRequests += 1;
      await released;
      await route.continue().catch(() => {});
    });
    await s.page.goto(`${stack.host.origin}${path}`);
    return { ...s, release, wasmRequests: () => wasmRequests };
  }

  for (const [locale, lang] of [['ko-KR', 'ko'], ['en-US', 'en']]) {
    test(`${lang}: the banner shows before the wasm arrives, and the app takes its place unchanged`, async (t) => {
      const s = await withWasmHeld(t, '/first-frame.html', { locale });
      const b = banner(s.page, lang);
      await b.waitFor({ state: 'visible', timeout: 20_000 });
      assert.equal(await s.page.evaluate(() => window.kuki.__loader === true), true, 'the wasm has not started');
      const before = await s.page.evaluate(islandTree, HOST_SELECTOR);
      assert.equal(before.length, 1);
      assert.equal(before[0].frame, true);
      assert.equal(before[0].lang, lang);
      for (const name of ['acceptAll', 'rejectAll', 'customise']) {
        assert.ok(await b.getByRole('button', { name: NAMES[lang][name], exact: true }).isVisible(), name);
      }
      // Measured once the frame's entry animation has ended; the app must not play it again.
      const settled = (sel) => document.querySelector(sel).shadowRoot.getAnimations().every((a) => a.playState !== 'running');
      await s.page.waitForFunction(settled, HOST_SELECTOR, { timeout: 5_000 });
      const box = await b.boundingBox();

      s.release();
      await waitForKuki(s.page);
      await s.page.waitForFunction((sel) => !document.querySelector(sel).shadowRoot.querySelector('[data-kuki-frame]'), HOST_SELECTOR, {
        timeout: 10_000,
      });
      const afterTree = await s.page.evaluate(islandTree, HOST_SELECTOR);
      assert.equal(afterTree.length, 1, 'one root: the frame is gone');
      assert.equal(afterTree[0].hidden, false);
      assert.equal(afterTree[0].lang, lang);
      assert.deepEqual(afterTree[0].children, before[0].children, 'the app renders exactly the first frame');
      assert.deepEqual(await b.boundingBox(), box, 'nothing moved');
      assert.equal(await s.page.evaluate(settled, HOST_SELECTOR), true, 'no entry animation played again');
      assert.equal(await s.page.locator(HOST_SELECTOR).count(), 1, 'one island');
      assert.deepEqual(await s.cspViolations(), []);
      assert.deepEqual(s.errors, []);
    });
  }

  /** kuki's consent cookie as the page sees it, or null. */
  const consentCookie = (page) => page.evaluate(() => (document.cookie.match(/(?:^|; )kuki_consent=([^;]*)/) || [])[1] ?? null);

  /** The server's history of `consentId`, waited for (bounded). */
  async function serverHistory(consentId) {
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      const r = await fetch(`${stack.kuki.origin}/api/v1/consents/${consentId}`);
      if (r.ok) return r.json();
    }
    return null;
  }

  test('"reject all" on the frame is the choice: stored and the banner gone at once, carried out once by the app', async (t) => {
    const s = await withWasmHeld(t, '/first-frame.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    const clickedAt = Math.floor(Date.now() / 1000);
    await b.getByRole('button', { name: NAMES.ko.rejectAll, exact: true }).click();
    await b.waitFor({ state: 'hidden', timeout: 2_000 });
    assert.equal(await s.page.evaluate(() => window.kuki.__loader === true), true, 'before the wasm');
    const pending = await consentCookie(s.page);
    assert.match(pending ?? '', /^0\.reject\.\d+\.ko$/, 'the choice is in the cookie before the app runs');
    assert.ok(Math.abs(Number(pending.split('.')[2]) - clickedAt) <= 2, `given at the click: ${pending}`);

    s.release();
    await waitForKuki(s.page);
    await s.page.waitForFunction(() => window.kuki.getConsent() !== null, null, { timeout: 10_000 });
    const consent = await s.page.evaluate(() => window.kuki.getConsent());
    assert.deepEqual(consent.acceptedCategories, ['necessary'], 'reject all, carried out');
    assert.ok(Math.abs(consent.givenAt / 1000 - clickedAt) <= 2, `given at the click, not when the app ran: ${consent.givenAt}`);
    assert.match((await consentCookie(s.page)) ?? '', /^1\./, "the app's full record took the place of the frame's");
    assert.equal(await b.count(), 0, 'no banner again');
    // The policy's warning, at the moment it matters: right after "reject all".
    await kukiRoot(s.page).getByRole('status').filter({ hasText: '로그인' }).waitFor({ state: 'visible', timeout: 5_000 });
    const history = await serverHistory(consent.consentId);
    assert.ok(history, 'the choice reached the server');
    assert.equal(history.events.length, 1);
    await s.page.waitForTimeout(500);
    const events = await s.page.evaluate(() => window.__kukiEvents.filter((e) => e.type !== 'kuki:ready').map((e) => e.type));
    assert.deepEqual(events, ['kuki:consent'], 'one choice, made once');
    assert.deepEqual(await s.page.evaluate(() => window.__kukiDemoRuns ?? []), [], 'nothing optional ran');
    assert.deepEqual(s.errors, []);
  });

  test('"accept all" on the frame holds on the next page, though the app never ran on this one', async (t) => {
    const s = await withWasmHeld(t, '/first-frame.html', { locale: 'en-US' });
    const b = banner(s.page, 'en');
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: NAMES.en.acceptAll, exact: true }).click();
    await b.waitFor({ state: 'hidden', timeout: 2_000 });
    assert.match((await consentCookie(s.page)) ?? '', /^0\.accept\.\d+\.en$/);
    // The visitor moves on before the wasm came: the next page shows no banner, and its app carries the choice out.
    await s.page.goto(`${stack.host.origin}/first-frame.html`);
    await s.page.waitForTimeout(500);
    assert.equal(await s.page.locator(HOST_SELECTOR).count(), 0, 'no frame: a choice is stored');
    s.release();
    await waitForKuki(s.page);
    await s.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).includes('a1'), null, { timeout: 10_000 });
    const consent = await s.page.evaluate(() => window.kuki.getConsent());
    assert.deepEqual(consent.acceptedCategories, ['necessary', 'functional', 'analytics', 'marketing']);
    assert.equal(consent.lang, 'en', 'the language the frame was shown in');
    assert.match((await consentCookie(s.page)) ?? '', /^1\./);
    assert.equal(await banner(s.page, 'en').count(), 0);
    assert.ok(await serverHistory(consent.consentId), 'the choice reached the server');
  });

  test('"customise" on the frame opens the preferences once the app is there', async (t) => {
    const s = await withWasmHeld(t, '/first-frame.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: NAMES.ko.customise, exact: true }).click();
    // A second click before the app is there is the same click, not another choice.
    await b.getByRole('button', { name: NAMES.ko.rejectAll, exact: true }).click();
    assert.equal(await consentCookie(s.page), null, 'nothing stored: the visitor has not chosen');
    s.release();
    await waitForKuki(s.page);
    await preferences(s.page).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await s.page.evaluate(() => window.kuki.getConsent()), null);
    assert.equal(await consentCookie(s.page), null);
  });

  test('the banner needs no request after the loader, and the module is requested once it is painted', async (t) => {
    const s = await openPage(stack.browser, { initScripts: [recordEvents] });
    t.after(() => s.close());
    const requests = [];
    s.page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    // When the glue is asked for, the page is looked at: the frame must already be on screen.
    let frameAtModule;
    await s.page.route('**/kuki/b-*/kuki.js', async (route) => {
      frameAtModule = await s.page.evaluate((sel) => {
        const b = document.querySelector(sel)?.shadowRoot?.querySelector('[data-kuki-frame] .kuki-banner');
        return !!b && b.checkVisibility();
      }, HOST_SELECTOR);
      await route.continue().catch(() => {});
    });
    await s.page.goto(`${stack.host.origin}/first-frame.html`);
    await waitForKuki(s.page);
    assert.equal(frameAtModule, true, 'the frame was visible when the module was requested');
    const kuki = requests.filter((p) => p.startsWith('/kuki/'));
    assert.equal(kuki[0], '/kuki/kuki.js', 'the loader first');
    assert.match(kuki[1], /^\/kuki\/b-[0-9a-f]{16}\/kuki\.js$/, 'then the module, nothing for the frame');
    assert.ok(!kuki.some((p) => p.includes('frame')), `no frame request: ${kuki.join(' ')}`);
  });

  test('no frame for a returning visitor, for a site config, or once the wasm has failed', async (t) => {
    // A returning visitor: choose once, then come back with the wasm held. Nothing may flash.
    const first = await withWasmHeld(t, '/first-frame.html');
    first.release();
    await waitForKuki(first.page);
    await banner(first.page).getByRole('button', { name: NAMES.ko.acceptAll, exact: true }).click();
    await first.page.waitForFunction(() => document.cookie.includes('kuki_consent='));
    const back = await first.context.newPage();
    let release;
    await back.route('**/kuki_bg.wasm', async (route) => {
      await new Promise((r) => (release = r));
      await route.continue().catch(() => {});
    });
    await back.goto(`${stack.host.origin}/first-frame.html`);
    await back.waitForTimeout(1000);
    assert.equal(await back.locator(HOST_SELECTOR).count(), 0, 'no banner before the stored choice is read');
    release?.();

    // A site with its own config: its texts and categories are the app's to render.
    const site = await withWasmHeld(t, '/basic.html');
    await site.page.waitForTimeout(1000);
    assert.equal(await site.page.locator(HOST_SELECTOR).count(), 0, 'no frame under a site config');
    site.release();

    // A wasm that never comes: the frame, whose buttons could never work, goes.
    const s = await openPage(stack.browser, {});
    t.after(() => s.close());
    await s.page.route('**/kuki_bg.wasm', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.abort();
    });
    await s.page.goto(`${stack.host.origin}/first-frame.html`);
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.waitForFunction((sel) => !document.querySelector(sel), HOST_SELECTOR, { timeout: 10_000 });
  });
});
