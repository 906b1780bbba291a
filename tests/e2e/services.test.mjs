// Services inside categories, what each category holds, RegExp cookies (issue 10, and issue 11's "what each
// category holds"): switched one by one in the preferences and recorded on the server, the v3 page API for
// services, data-service scripts, eraseCookies with RegExp, path and domain, the stored cookie's formats, and the
// cookie table on a phone.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, kukiRoot, saveArtifact, NAMES } from './helpers.mjs';

requireBuiltApp();
const en = NAMES.en;

/** CRC-32 (IEEE), as core/src/cookie.rs computes it (node 20 has no zlib.crc32). */
function crc32(text) {
  let crc = ~0;
  for (const byte of Buffer.from(text)) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (~crc >>> 0).toString(16).padStart(8, '0');
}

describe('services inside categories', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const runs = (s) => s.page.evaluate(() => [...(window.__runs ?? [])].sort());
  const settle = (s) => s.page.waitForTimeout(300);
  async function history(consentId, count) {
    const until = Date.now() + 10_000;
    let body;
    while (Date.now() < until) {
      const r = await fetch(`${stack.kuki.origin}/api/v1/consents/${consentId}`);
      if (r.status === 200) {
        body = await r.json();
        if (body.events.length >= count) return body.events;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`the server did not list ${count} events for ${consentId}: ${JSON.stringify(body)}`);
  }

  test('services switched one by one in the preferences: each choice recorded on the server, scripts and v3 preferences follow', async (t) => {
    const s = await visit(stack, t, '/services.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await banner(s.page, 'en').getByRole('button', { name: en.customise, exact: true }).click();
    const p = preferences(s.page, 'en');
    await p.waitFor({ state: 'visible' });
    const sw = (name) => kukiRoot(s.page).getByRole('switch', { name, exact: true });
    assert.equal(await sw('Hotjar').getAttribute('aria-checked'), 'false', 'nothing is pre-ticked');
    await sw('Hotjar').click();
    assert.equal(await sw('Analytics').getAttribute('aria-checked'), 'true', 'a category with one service on is on');
    await p.getByRole('button', { name: en.save, exact: true }).click();
    await p.waitFor({ state: 'hidden' });
    await settle(s);
    assert.deepEqual(await runs(s), ['hotjar', 'no-ga']);
    const first = await s.consent();
    let events = await history(first.consentId, 1);
    assert.deepEqual(events[0].services, { analytics: { ga: false, hotjar: true }, marketing: { pixel: false } });
    assert.deepEqual(events[0].categories, { analytics: true, marketing: false, necessary: true });

    await s.page.evaluate(() => window.kuki.showPreferences());
    await p.waitFor({ state: 'visible' });
    assert.equal(await sw('Hotjar').getAttribute('aria-checked'), 'true', 'the dialog shows the choice in force');
    await sw('Google Analytics').click();
    await sw('Meta Pixel').click();
    await sw('Meta Pixel').click();
    await p.getByRole('button', { name: en.save, exact: true }).click();
    await p.waitFor({ state: 'hidden' });
    await settle(s);
    assert.deepEqual(await runs(s), ['ga', 'hotjar', 'no-ga']);
    events = await history(first.consentId, 2);
    assert.deepEqual(events[1].services, { analytics: { ga: true, hotjar: true }, marketing: { pixel: false } });
    assert.equal(events[1].seq, 2);

    assert.deepEqual(await s.page.evaluate(() => window.kuki.getUserPreferences()), {
      acceptType: 'custom',
      acceptedCategories: ['necessary', 'analytics'],
      rejectedCategories: ['marketing'],
      acceptedServices: { necessary: [], analytics: ['ga', 'hotjar'], marketing: [] },
      rejectedServices: { necessary: [], analytics: [], marketing: ['pixel'] },
    });
    const change = (await s.events()).filter((e) => e.type === 'kuki:change').at(-1);
    assert.deepEqual(change.detail.changedServices, { analytics: ['ga'] });
    assert.deepEqual(change.detail.changedCategories, []);
    assert.deepEqual(change.detail.services.analytics, { ga: true, hotjar: true });
    assert.deepEqual(s.errors, []);
  });

  test('acceptService and acceptedService, data-service scripts, and service and RegExp cookies deleted on revocation', async (t) => {
    const s = await visit(stack, t, '/services.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    const api = (fn, ...args) => s.page.evaluate(([fn, args]) => window.kuki[fn](...args), [fn, args]);
    assert.equal(await api('acceptedService', 'pixel', 'marketing'), false);
    await api('acceptService', 'pixel', 'marketing');
    await settle(s);
    assert.equal(await api('acceptedService', 'pixel', 'marketing'), true);
    assert.equal(await api('acceptedCategory', 'marketing'), true);
    assert.equal(await api('acceptedCategory', 'analytics'), false, 'the other categories keep their (no) choice');
    assert.deepEqual(await runs(s), ['no-analytics-no-ga', 'no-ga', 'pixel'], '!ga runs once a choice refused ga, and\n      // `!analytics` with `!ga` once it refused both');

    await api('acceptService', 'all', 'analytics');
    await settle(s);
    assert.equal(await api('acceptedService', 'ga', 'analytics'), true);
    assert.equal(await api('acceptedService', 'hotjar', 'analytics'), true);
    assert.equal(await api('acceptedService', 'pixel', 'marketing'), true, 'marketing kept');
    assert.deepEqual(await runs(s), ['ga', 'hotjar', 'no-analytics-no-ga', 'no-ga', 'pixel']);

    const names = () => s.page.evaluate(() => document.cookie.split('; ').filter(Boolean).map((c) => c.split('=')[0]).sort());
    await s.page.evaluate(() => {
      for (const n of ['_ga', '_ga_X1', '_hjSession', 'e2e_re_a', 'keep']) document.cookie = `${n}=1; Path=/`;
    });
    // Only ga now: hotjar's cookies (its pattern written "/^_hj/") go, ga's and the category's stay.
    await api('acceptService', 'ga', 'analytics');
    assert.equal(await api('acceptedService', 'hotjar', 'analytics'), false);
    assert.deepEqual((await names()).filter((n) => n !== 'kuki_consent'), ['_ga', '_ga_X1', 'e2e_re_a', 'keep']);
    // No service: the category is refused, and every cookie it lists goes (a RegExp object and a RegExp of
    // the category itself).
    await api('acceptService', [], 'analytics');
    assert.equal(await api('acceptedCategory', 'analytics'), false);
    assert.deepEqual((await names()).filter((n) => n !== 'kuki_consent'), ['keep']);
    const events = await history((await s.consent()).consentId, 4);
    assert.deepEqual(events.map((e) => e.services.analytics), [
      { ga: false, hotjar: false },
      { ga: true, hotjar: true },
      { ga: true, hotjar: false },
      { ga: false, hotjar: false },
    ]);
    assert.deepEqual(s.errors, []);
  });

  test('eraseCookies with a RegExp, a path and a domain (on 127.0.0.1)', async (t) => {
    const s = await visit(stack, t, '/services.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    const all = async () => (await s.context.cookies(s.url)).concat(await s.context.cookies(`${stack.host.origin}/x/page`));
    const has = async (name) => (await all()).some((c) => c.name === name);
    await s.page.evaluate(() => {
      // A cookie of another path is not in this page's document.cookie: erased by name only.
      document.cookie = 'at_x=1; Path=/x';
      // One whose path is this page's own: visible here, so a RegExp finds it.
      document.cookie = 're_here=1; Path=/services.html';
      // On an IP host Chromium takes Domain only when it equals the host, and keeps the cookie host-only.
      document.cookie = 'dom_a=1; Path=/; Domain=127.0.0.1';
      document.cookie = 'dom_b=1; Path=/';
    });
    const domA = (await all()).find((c) => c.name === 'dom_a');
    assert.ok(domA, 'Domain=127.0.0.1 is accepted on 127.0.0.1');
    assert.equal(domA.domain, '127.0.0.1', 'as a host-only cookie (no leading dot)');
    assert.ok(await has('at_x'));
    await s.page.evaluate(() => window.kuki.eraseCookies('at_x'));
    assert.ok(await has('at_x'), 'the default path / does not reach a cookie of /x');
    await s.page.evaluate(() => window.kuki.eraseCookies('at_x', '/x'));
    assert.equal(await has('at_x'), false, 'erased at its path');
    await s.page.evaluate(() => window.kuki.eraseCookies(/^re_/, '/services.html'));
    assert.equal(await has('re_here'), false, 'a RegExp at a path');
    await s.page.evaluate(() => window.kuki.eraseCookies(/^dom_/g, '/', '127.0.0.1'));
    assert.equal(await has('dom_a'), false, 'a RegExp on a domain (a g flag changes nothing)');
    assert.equal(await has('dom_b'), false);
    assert.deepEqual(s.errors, []);
  });

  test('a stored cookie of the format without services is still read; an edited one asks again, cleanly', async (t) => {
    // A format-1 value for /basic.html's config (kuki-config.json, revision 1), as the bundle before services
    // wrote it.
    const now = Math.floor(Date.now() / 1000);
    const body = `1.0123456789ab4def8123456789abcdef.1.1.2026-11-24.${now}.${now}.en0.necessary|analytics.functional|marketing`;
    const s = await visit(stack, t, '/basic.html', {
      locale: 'en-US',
      initScripts: [{ content: `document.cookie = ${JSON.stringify(`kuki_consent=${body}.${crc32(body)}; Path=/`)};` }],
    });
    await s.ready();
    assert.equal(await banner(s.page, 'en').count(), 0, 'the stored choice stands: no banner');
    const consent = await s.consent();
    assert.equal(consent.consentId, '01234567-89ab-4def-8123-456789abcdef');
    assert.deepEqual(consent.acceptedCategories, ['necessary', 'analytics']);

    // A format-2 value (with services) edited by hand: a service flipped, checksum left alone.
    const v = await visit(stack, t, '/services.html', { locale: 'en-US' });
    await banner(v.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await v.page.evaluate(() => window.kuki.acceptService('hotjar', 'analytics'));
    const stored = (await v.cookies()).kuki_consent;
    assert.match(stored, /^2\..*\.analytics:-ga\+hotjar\|marketing:-pixel\.[0-9a-f]{8}$/);
    const warnings = [];
    v.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await v.context.addCookies([{ name: 'kuki_consent', value: stored.replace('-ga+hotjar', '+ga+hotjar'), url: v.url }]);
    await v.page.reload();
    await banner(v.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await v.page.evaluate(() => window.kuki.getConsent()), null);
    assert.equal(await v.page.evaluate(() => window.kuki.acceptedService('hotjar', 'analytics')), false);
    assert.ok(warnings.some((w) => w.includes('could not be read (checksum mismatch)')), warnings.join('\n'));
    assert.deepEqual(v.errors, [], 'nothing crashes');
  });

  for (const [lang, locale] of [['ko', 'ko-KR'], ['en', 'en-US']]) {
    for (const colorScheme of ['light', 'dark']) {
      test(`the cookie table at 375x740 (${lang}, ${colorScheme}): expandable by keyboard, nothing overflows`, async (t) => {
        const s = await visit(stack, t, '/services.html', { locale, colorScheme, viewport: { width: 375, height: 740 } });
        await banner(s.page, lang).waitFor({ state: 'visible', timeout: 20_000 });
        await s.page.evaluate(() => window.kuki.showPreferences());
        const p = preferences(s.page, lang);
        await p.waitFor({ state: 'visible' });
        const summaries = kukiRoot(s.page).locator('summary');
        assert.equal(await summaries.count(), 3, 'one disclosure per category that says what it holds');
        // The analytics one, opened with the keyboard.
        const summary = summaries.nth(1);
        await summary.focus();
        await s.page.keyboard.press('Enter');
        const details = kukiRoot(s.page).locator('details').nth(1);
        assert.equal(await details.evaluate((d) => d.open), true, 'Enter opens it');
        await summary.scrollIntoViewIfNeeded();
        const texts = await details.innerText();
        for (const want of lang === 'ko'
          ? ['데이터를 받는 곳', 'Google LLC (미국)', '/^_ga/', '방문자를 서로 구분합니다', '2년', '외부 업체(제3자 쿠키)', '/^e2e_re_/', 'Hotjar Ltd (Malta)']
          : ['Who receives the data', 'Google LLC (USA)', '/^_ga/', 'Tells visitors apart', '2 years', 'Another company (third party)', '/^e2e_re_/']) {
          assert.ok(texts.includes(want), `${want} in ${texts}`);
        }
        const overflow = await s.page.evaluate(() => {
          const root = document.querySelector('[data-kuki-host]').shadowRoot;
          const out = [];
          for (const el of root.querySelectorAll('.kuki-details, .kuki-cookie, .kuki-cookie-facts dd, .kuki-services, .kuki-scroll')) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 0.5 || r.left < -0.5 || el.scrollWidth > el.clientWidth + 1) out.push(`${el.className}: ${r.left}..${r.right} ${el.scrollWidth}/${el.clientWidth}`);
          }
          return { out, page: document.documentElement.scrollWidth };
        });
        assert.deepEqual(overflow.out, []);
        assert.ok(overflow.page <= 375, `the page does not scroll sideways (${overflow.page})`);
        saveArtifact(`services-cookie-table-${lang}-${colorScheme}-375.png`, await s.page.screenshot());
        await details.locator('.kuki-cookie').nth(2).scrollIntoViewIfNeeded();
        saveArtifact(`services-cookie-table-${lang}-${colorScheme}-375-cookies.png`, await s.page.screenshot());
        await s.page.keyboard.press('Enter');
        assert.equal(await details.evaluate((d) => d.open), false, 'Enter closes it again');
        assert.deepEqual(await s.cspViolations(), []);
      });
    }
  }
});
