// Layouts, the floating settings button, the returning visitor's policy-change notice and the visible defects of
// issue 11, in Chromium over an ordinary page (tests/e2e/pages/layouts.html: a header, content, a footer of
// links). The page starts kuki itself with each test's config. Screenshots of every layout (light and dark,
// Korean and English, desktop and phone) go to tests/e2e/artifacts/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, saveArtifact, HOST_SELECTOR, NAMES, kukiRoot } from './helpers.mjs';

/** The WCAG contrast ratio of two opaque `rgb()` colours. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).map(Number);
    const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(bl);
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

requireBuiltApp();

const LANGS = { ko: 'ko-KR', en: 'en-US' };
const PHONE = { width: 375, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const SETTINGS = { ko: '쿠키 설정', en: 'Cookie settings' };
const DAY = 86_400_000;

/** `YYYY-MM-DD` (UTC) `days` from now. */
const dayFromNow = (days) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

/** The first layer's layouts as a site writes them. */
const LAYOUTS = {
  'box bottom center': { consentModal: { layout: 'box' } },
  'box bottom left': { consentModal: { layout: 'box', position: 'bottom left' } },
  'box top right': { consentModal: { layout: 'box', position: 'top right' } },
  'box middle right': { consentModal: { layout: 'box', position: 'middle right' } },
  'bar bottom': { consentModal: { layout: 'bar', position: 'bottom' } },
  'bar top': { consentModal: { layout: 'bar', position: 'top' } },
  modal: { consentModal: { layout: 'modal' } },
};

describe('layouts, the settings button, the policy-change notice (issue 11)', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const config = (extra = {}) => ({
    revision: 1,
    categories: [
      { id: 'necessary', necessary: true },
      { id: 'functional', cookies: ['e2e_session'] },
      { id: 'analytics', cookies: ['e2e_analytics'] },
      { id: 'marketing', cookies: ['e2e_ads'] },
    ],
    loginCategories: ['functional'],
    endpoint: `${stack.kuki.origin}/api/v1/consents`,
    ...extra,
  });

  /** Opens the layouts page and starts kuki with `cfg`; waits for the banner unless `expectBanner` is false. */
  async function start(t, cfg, { lang = 'ko', viewport = DESKTOP, colorScheme = 'light', expectBanner = true, ...rest } = {}) {
    const s = await visit(stack, t, '/layouts.html', { locale: LANGS[lang], viewport, colorScheme, ...rest });
    s.lang = lang;
    s.cfg = cfg;
    s.run = () => s.page.evaluate((c) => window.kuki.run(c), s.cfg);
    await s.run();
    if (expectBanner) {
      await banner(s.page, lang).waitFor({ state: 'visible', timeout: 20_000 });
      await s.page.waitForTimeout(350); // the entrance animation
    }
    s.reload = async () => {
      await s.page.reload();
      await s.page.waitForFunction(() => window.kuki && !window.kuki.__loader && typeof window.kuki.getConsent === 'function', null, { timeout: 20_000 });
      await s.run();
      await s.page.waitForTimeout(350);
    };
    return s;
  }

  const rect = (locator) => locator.evaluate((e) => e.getBoundingClientRect().toJSON());
  const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a.toFixed(1)} is not within ${tol} of ${b.toFixed(1)}`);

  /** The three first-layer buttons' look: what "equal weight" compares. */
  const buttonLooks = (b) =>
    b.getByRole('button').evaluateAll((els) =>
      els.map((e) => {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        return { look: [s.backgroundColor, s.color, s.fontWeight, s.fontSize, s.borderTopColor, s.borderTopWidth].join(' '), height: r.height, width: r.width };
      }),
    );

  for (const [name, guiOptions] of Object.entries(LAYOUTS)) {
    test(`${name}: its place on a 1280x800 screen, and buttons of equal weight`, async (t) => {
      const s = await start(t, config({ guiOptions }));
      const b = banner(s.page);
      const r = await rect(b);
      const { width: W, height: H } = DESKTOP;
      const [layout, v = 'bottom', h = 'center'] = name.split(' ');
      t.diagnostic(`${name}: ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}`);
      if (layout === 'bar') {
        near(r.left, 0, 0.5, 'a bar starts at the left edge');
        near(r.width, W, 0.5, 'a bar spans the width');
        if (v === 'top') near(r.top, 0, 0.5, 'a top bar touches the top');
        else near(r.bottom, H, 0.5, 'a bottom bar touches the bottom');
      } else if (layout === 'box') {
        assert.ok(r.width < W * 0.75, 'a box is not the full width');
        if (v === 'top') near(r.top, 16, 1, 'a top box is 1em from the top');
        if (v === 'bottom') near(r.bottom, H - 16, 1, 'a bottom box is 1em from the bottom');
        if (v === 'middle') near(r.top + r.height / 2, H / 2, 1, 'a middle box is centred vertically');
        if (h === 'left') near(r.left, 16, 1, 'a left box is 1em from the left');
        if (h === 'right') near(r.right, W - 16, 1, 'a right box is 1em from the right');
        if (h === 'center') near(r.left + r.width / 2, W / 2, 1, 'a centred box is centred');
      } else {
        near(r.left + r.width / 2, W / 2, 1, 'a modal is centred horizontally');
        near(r.top + r.height / 2, H / 2, 1, 'a modal is centred vertically');
      }
      const looks = await buttonLooks(b);
      assert.equal(looks.length, 3);
      assert.equal(new Set(looks.map((l) => l.look)).size, 1, `buttons differ: ${JSON.stringify(looks)}`);
      assert.equal(new Set(looks.map((l) => Math.round(l.height))).size, 1, 'buttons of one height');
      // Modal means blocking: the page's own button, under the backdrop, is not reachable by a click.
      const modal = layout === 'modal';
      assert.equal(await b.getAttribute('aria-modal'), modal ? 'true' : null);
      await s.page.evaluate(() => {
        window.__pageClicks = 0;
        document.getElementById('page-button').addEventListener('click', () => (window.__pageClicks += 1));
      });
      const pb = await rect(s.page.locator('#page-button'));
      const hitAt = (x, y) => s.page.evaluate(([x, y]) => (document.elementFromPoint(x, y).matches('[data-kuki-host]') ? 'kuki' : 'page'), [x, y]);
      if (modal) {
        assert.equal(await hitAt(pb.left + pb.width / 2, pb.top + pb.height / 2), 'kuki', 'the backdrop is what a click on the page meets');
        await s.page.mouse.click(pb.left + pb.width / 2, pb.top + pb.height / 2);
        assert.equal(await s.page.evaluate(() => window.__pageClicks), 0, 'the backdrop intercepts the click');
        const backdrop = await s.page.evaluate((sel) => {
          const bd = document.querySelector(sel).shadowRoot.querySelector('[part=backdrop]');
          const r = bd.getBoundingClientRect();
          return { w: r.width, h: r.height, bg: getComputedStyle(bd).backgroundColor };
        }, HOST_SELECTOR);
        assert.deepEqual([backdrop.w, backdrop.h], [W, H], 'the backdrop covers the screen');
      } else {
        // Beside a box or a bar the page stays usable: a point of the page outside it is the page's.
        const outside = [[W / 2, H / 2], [8, H / 2], [W - 8, H / 2]].find(([x, y]) => x < r.left || x > r.right || y < r.top || y > r.bottom);
        assert.equal(await hitAt(...outside), 'page', `the page at ${outside} is covered`);
      }
      assert.deepEqual(await s.cspViolations(), []);
    });
  }

  test('disablePageInteraction puts a box over a backdrop, in its own place', async (t) => {
    const s = await start(t, config({ guiOptions: LAYOUTS['box bottom left'], disablePageInteraction: true }));
    const b = banner(s.page);
    const r = await rect(b);
    near(r.left, 16, 1, 'still at the left');
    near(r.bottom, DESKTOP.height - 16, 1, 'still at the bottom');
    assert.equal(await b.getAttribute('aria-modal'), 'true');
    const pb = await rect(s.page.locator('#page-button'));
    assert.equal(await s.page.evaluate(([x, y]) => document.elementFromPoint(x, y).matches('[data-kuki-host]'), [pb.left + 5, pb.top + 5]), true);
  });

  for (const lang of Object.keys(LANGS)) {
    test(`at 375x740 every ${lang} first layer but the modal covers at most 35 %; nothing overflows at 320 px; 44 px targets`, async (t) => {
      for (const [name, guiOptions] of Object.entries(LAYOUTS)) {
        const s = await start(t, config({ guiOptions }), { lang, viewport: PHONE });
        const b = banner(s.page, lang);
        const r = await rect(b);
        const share = (r.width * r.height) / (PHONE.width * PHONE.height);
        t.diagnostic(`${lang} ${name} at 375x740: ${Math.round(r.width)}x${Math.round(r.height)} = ${(share * 100).toFixed(1)} %`);
        if (name !== 'modal') assert.ok(share <= 0.35, `${name} covers ${(share * 100).toFixed(1)} %`);
        assert.ok(r.top >= 0 && r.bottom <= PHONE.height, `${name} is on the screen`);
        for (const l of await buttonLooks(b)) assert.ok(l.height >= 44, `${name}: a button is ${l.height}px high`);
        await s.page.setViewportSize({ width: 320, height: 640 });
        await s.page.waitForTimeout(100);
        const out = await s.page.evaluate((sel) => {
          const root = document.querySelector(sel).shadowRoot;
          const bad = [...root.querySelectorAll('*')]
            .map((e) => [e, e.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5))
            .map(([e, r]) => `${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
          const scrollers = [...root.querySelectorAll('.kuki-dialog')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.className} scrolls sideways`);
          return [...bad, ...scrollers];
        }, HOST_SELECTOR);
        assert.deepEqual(out, [], `${lang} ${name} at 320 px`);
        await s.close();
      }
    });
  }

  test('guiOptions.theme forces dark over a light system and light over a dark one, with 4.5:1 contrast', async (t) => {
    const read = (s) =>
      s.page.evaluate((sel) => {
        const root = document.querySelector(sel).shadowRoot;
        const cs = (q) => getComputedStyle(root.querySelector(q));
        return { bg: cs('.kuki-banner').backgroundColor, text: cs('.kuki-banner .kuki-text').color, link: cs('.kuki-banner .kuki-link').color, btnFg: cs('.kuki-banner .kuki-btn').color, btnBg: cs('.kuki-banner .kuki-btn').backgroundColor };
      }, HOST_SELECTOR);
    const seen = {};
    for (const [theme, colorScheme] of [['dark', 'light'], ['light', 'dark'], ['auto', 'dark'], ['auto', 'light']]) {
      const s = await start(t, config({ guiOptions: { theme } }), { colorScheme });
      const c = await read(s);
      seen[`${theme}/${colorScheme}`] = c.bg;
      t.diagnostic(`theme ${theme} on a ${colorScheme} system: ${JSON.stringify(c)}`);
      for (const [k, v] of [['text', contrast(c.text, c.bg)], ['link', contrast(c.link, c.bg)], ['button', contrast(c.btnFg, c.btnBg)]]) {
        assert.ok(v >= 4.5, `${theme}/${colorScheme} ${k} contrast ${v.toFixed(2)}`);
      }
      await s.close();
    }
    assert.equal(seen['dark/light'], seen['auto/dark'], 'forced dark is the dark theme');
    assert.equal(seen['light/dark'], seen['auto/light'], 'forced light is the light theme');
    assert.notEqual(seen['dark/light'], seen['light/dark']);
  });

  test('touch: a tap leaves no hover look behind (a mouse still gets one)', async (t) => {
    const s = await start(t, config(), { viewport: PHONE, hasTouch: true, isMobile: true });
    assert.equal(await s.page.evaluate(() => matchMedia('(hover: hover)').matches), false, 'the emulated phone does not hover');
    await banner(s.page).getByRole('button', { name: NAMES.ko.customise, exact: true }).tap();
    const p = preferences(s.page);
    await p.waitFor({ state: 'visible' });
    await s.page.waitForTimeout(400);
    const looks = await p.locator('.kuki-footer .kuki-btn').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    assert.equal(new Set(looks).size, 1, `a preferences button looks favoured after the tap: ${looks}`);
    // The same dialog with a mouse on a desktop: hovering Save changes its look, so the check above can fail.
    const d = await start(t, config());
    await banner(d.page).getByRole('button', { name: NAMES.ko.customise, exact: true }).click();
    const dp = preferences(d.page);
    await dp.waitFor({ state: 'visible' });
    const save = dp.getByRole('button', { name: NAMES.ko.save, exact: true });
    // The click on Customise left the pointer where the dialog's buttons now are: move it off them first.
    await d.page.mouse.move(1, 1);
    await d.page.waitForTimeout(100);
    const before = await save.evaluate((e) => getComputedStyle(e).backgroundColor);
    await save.hover();
    await d.page.waitForTimeout(100);
    assert.notEqual(await save.evaluate((e) => getComputedStyle(e).backgroundColor), before, 'a mouse hover shows');
  });

  test('one overlay at a time: the login warning replaces the banner, which comes back after', async (t) => {
    const s = await start(t, config());
    const b = banner(s.page);
    const answer = s.page.evaluate(() => window.kuki.requireCategory('functional'));
    const w = kukiRoot(s.page).getByRole('alertdialog', { name: NAMES.ko.loginWarning, exact: true });
    await w.waitFor({ state: 'visible' });
    assert.equal(await b.count(), 0, 'the banner is not under the warning');
    await w.getByRole('button', { name: /거부|취소/ }).first().click();
    assert.equal(await answer, false);
  });

  test('a dialog over a dialog dims the page once (the policy viewer over a modal banner)', async (t) => {
    const tinted = (page) =>
      page.evaluate((sel) => [...document.querySelector(sel).shadowRoot.querySelectorAll('.kuki-backdrop')]
        .map((b) => getComputedStyle(b).backgroundColor !== 'rgba(0, 0, 0, 0)'), HOST_SELECTOR);
    const s = await start(t, config({ guiOptions: { consentModal: { layout: 'modal' } } }));
    const b = banner(s.page);
    await b.waitFor({ state: 'visible' });
    assert.deepEqual(await tinted(s.page), [true], 'the modal banner dims the page');
    await b.getByRole('link', { name: NAMES.ko.policyLink }).click();
    const viewer = kukiRoot(s.page).getByRole('dialog', { name: NAMES.ko.policy, exact: true });
    await viewer.waitFor({ state: 'visible' });
    assert.deepEqual(await tinted(s.page), [false, true], 'one tint: the policy viewer\'s');
    saveArtifact('layouts-modal-policy-ko-desktop.png', await s.page.screenshot());
    await viewer.getByRole('button', { name: NAMES.ko.close }).first().click();
    await viewer.waitFor({ state: 'hidden' });
    assert.deepEqual(await tinted(s.page), [true], 'the banner\'s own tint is back');
  });

  test('the "you refused" notice is a small dismissible toast clear of the footer links, and of the settings button', async (t) => {
    for (const side of ['bottom left', 'bottom right']) {
      const s = await start(t, config({ guiOptions: { settingsButton: side } }));
      await banner(s.page).getByRole('button', { name: NAMES.ko.rejectAll, exact: true }).click();
      const toast = kukiRoot(s.page).getByRole('status').filter({ hasText: '쿠키를 거부하셨습니다' });
      await toast.waitFor({ state: 'visible' });
      const tr = await rect(toast);
      const links = await s.page.locator('footer a').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
      const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      for (const l of links) assert.ok(!overlaps(tr, l), `the toast ${JSON.stringify(tr)} covers a footer link ${JSON.stringify(l)}`);
      assert.ok(tr.width <= 26 * 16 + 1, `the toast is ${tr.width}px wide`);
      const fab = await rect(kukiRoot(s.page).getByRole('button', { name: SETTINGS.ko, exact: true }));
      assert.ok(!overlaps(tr, fab), 'the toast covers the settings button');
      saveArtifact(`layouts-toast-${side.replace(' ', '-')}-ko-desktop.png`, await s.page.screenshot());
      await toast.getByRole('button', { name: '알림 닫기' }).click();
      await toast.waitFor({ state: 'hidden' });
      await s.close();
    }
  });

  test('the close button sits on the title\'s first line', async (t) => {
    for (const [lang, viewport] of [['ko', DESKTOP], ['en', PHONE]]) {
      const s = await start(t, config(), { lang, viewport });
      await s.page.evaluate(() => window.kuki.showPreferences());
      await preferences(s.page, lang).waitFor({ state: 'visible' });
      await s.page.waitForTimeout(350);
      const m = await s.page.evaluate((sel) => {
        const root = document.querySelector(sel).shadowRoot;
        const title = root.querySelector('#kuki-prefs-title');
        const range = document.createRange();
        range.setStart(title.firstChild, 0);
        range.setEnd(title.firstChild, 1);
        const line = range.getClientRects()[0];
        const lh = parseFloat(getComputedStyle(title).lineHeight);
        const close = root.querySelector('.kuki-prefs .kuki-close').getBoundingClientRect();
        // The first line box: the glyph's box grown to the line height around its middle.
        return { line: line.top + line.height / 2, lh, close: close.top + close.height / 2, titleTop: title.getBoundingClientRect().top };
      }, HOST_SELECTOR);
      const lineMiddle = m.titleTop + m.lh / 2;
      t.diagnostic(`${lang}: first line middle ${lineMiddle.toFixed(1)} (glyphs ${m.line.toFixed(1)}), close middle ${m.close.toFixed(1)}`);
      near(m.close, lineMiddle, 2, `${lang} close button middle vs the title's first line`);
      await s.close();
    }
  });

  test('the record shows times in the visitor\'s own time zone (Asia/Seoul), its own and the server\'s', async (t) => {
    const s = await start(t, config(), { timezoneId: 'Asia/Seoul' });
    await banner(s.page).getByRole('button', { name: NAMES.ko.acceptAll, exact: true }).click();
    const { givenAt } = await s.consent();
    await s.page.evaluate(() => window.kuki.showPreferences());
    const p = preferences(s.page);
    await p.waitFor({ state: 'visible' });
    const record = p.locator('.kuki-record');
    await record.locator('.kuki-history li').first().waitFor({ state: 'visible', timeout: 15_000 });
    const seoul = new Date(givenAt + 9 * 3600_000); // givenAt is in ms
    const two = (n) => String(n).padStart(2, '0');
    const hhmm = `${two(seoul.getUTCHours())}:${two(seoul.getUTCMinutes())}`;
    const given = await record.locator('dd time').innerText();
    const history = await record.locator('.kuki-history time').first().innerText();
    t.diagnostic(`given at ${new Date(givenAt).toISOString()} shows as "${given}"; history "${history}"`);
    assert.ok(given.includes(hhmm), `"${given}" does not show the Seoul time ${hhmm}`);
    assert.ok(given.includes(String(seoul.getUTCDate())), `"${given}" does not show the Seoul day`);
    assert.match(given, /GMT\+9|KST/);
    assert.doesNotMatch(given, /UTC/);
    assert.match(history, /GMT\+9|KST/);
  });

  test('the floating settings button: after a choice, opens the preferences, where a withdrawal is recorded', async (t) => {
    for (const lang of Object.keys(LANGS)) {
      const s = await start(t, config({ guiOptions: { settingsButton: 'bottom right' } }), { lang });
      const fab = kukiRoot(s.page).getByRole('button', { name: SETTINGS[lang], exact: true });
      assert.equal(await fab.count(), 0, 'no button before a choice (the banner is there)');
      await banner(s.page, lang).getByRole('button', { name: NAMES[lang].acceptAll, exact: true }).click();
      await fab.waitFor({ state: 'visible' });
      const r = await rect(fab);
      near(r.right, DESKTOP.width - 16, 1, 'at the right');
      near(r.bottom, DESKTOP.height - 16, 1, 'at the bottom');
      assert.ok(r.width >= 44 && r.height >= 44, 'a 44 px target');
      const { consentId } = await s.consent();
      await fab.click();
      const p = preferences(s.page, lang);
      await p.waitFor({ state: 'visible' });
      const top = await s.page.evaluate(([sel, x, y]) => document.querySelector(sel).shadowRoot.elementFromPoint(x, y).closest('[part=settings-button]'), [HOST_SELECTOR, r.left + r.width / 2, r.top + r.height / 2]);
      assert.equal(top, null, 'the button is under the dialog\'s backdrop, not over it');
      // Closing the dialog gives focus back to the button that opened it.
      await p.getByRole('button', { name: NAMES[lang].close, exact: true }).click();
      await p.waitFor({ state: 'hidden' });
      assert.equal(await s.page.evaluate((sel) => document.querySelector(sel).shadowRoot.activeElement?.getAttribute('part'), HOST_SELECTOR), 'settings-button');
      await s.page.keyboard.press('Enter');
      await p.waitFor({ state: 'visible' });
      await p.getByRole('button', { name: lang === 'ko' ? '동의 철회' : 'Withdraw consent', exact: true }).click();
      assert.equal(await s.consent(), null);
      await banner(s.page, lang).waitFor({ state: 'visible' });
      const until = Date.now() + 15_000;
      let actions = [];
      while (Date.now() < until) {
        const res = await fetch(`${stack.kuki.origin}/api/v1/consents/${consentId}`);
        actions = res.ok ? (await res.json()).events.map((e) => e.action) : [];
        if (actions.includes('withdraw')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(actions, ['accept_all', 'withdraw']);
      await s.close();
    }
  });

  /** A config announcing v2 `days` ahead (material or not), with v2's own text. */
  const announcing = (days, material = false, extra = {}) => {
    const date = dayFromNow(days);
    const doc = (lang, title, text) => ({ title, version: 'v2', effectiveDate: date, sections: [{ id: 'changes', heading: lang === 'ko' ? '바뀐 조항' : 'What changed', blocks: [{ paragraph: text }] }] });
    return config({
      policyVersion: 'v1',
      nextPolicy: {
        version: 'v2',
        effectiveDate: date,
        material,
        summary: { ko: '보관 기간이 바뀝니다.', en: 'Retention periods change.' },
        policy: { ko: doc('ko', '새 처리방침', '새 방침의 본문입니다.'), en: doc('en', 'New policy', 'The text of the new policy.') },
      },
      ...extra,
    });
  };

  /** A visitor who chose before the notice window, returning during it. */
  async function returning(t, cfg, lang = 'ko') {
    const s = await start(t, config({ policyVersion: 'v1' }), { lang });
    await banner(s.page, lang).getByRole('button', { name: NAMES[lang].acceptAll, exact: true }).click();
    s.cfg = cfg;
    await s.reload();
    return s;
  }

  const policyToast = (page) => kukiRoot(page).locator('[part~=policy-notice]');

  test('a returning visitor sees the coming change once: shown, dismissed, not shown again after a reload', async (t) => {
    const s = await returning(t, announcing(3));
    const toast = policyToast(s.page);
    await toast.waitFor({ state: 'visible' });
    assert.equal(await banner(s.page).count(), 0, 'no banner: the choice stands');
    assert.match(await toast.innerText(), /개인정보 처리방침이 변경될 예정입니다[\s\S]*보관 기간이 바뀝니다/);
    assert.equal(await toast.getAttribute('role'), 'status');
    saveArtifact('layouts-policy-notice-ko-desktop.png', await s.page.screenshot());
    await toast.getByRole('button', { name: '알림 닫기' }).click();
    await toast.waitFor({ state: 'hidden' });
    await s.reload();
    assert.equal(await policyToast(s.page).count(), 0, 'not shown again after the dismissal');
    // The same browser, another page view a day later in the window: still not shown.
    await s.reload();
    assert.equal(await policyToast(s.page).count(), 0);
  });

  test('"read the new policy" shows the new version\'s own text in the viewer (en)', async (t) => {
    const s = await returning(t, announcing(5), 'en');
    const toast = policyToast(s.page);
    await toast.waitFor({ state: 'visible' });
    await toast.getByRole('link', { name: 'Read the new policy' }).click();
    const viewer = kukiRoot(s.page).getByRole('dialog', { name: NAMES.en.policy, exact: true });
    await viewer.waitFor({ state: 'visible' });
    const text = await viewer.innerText();
    assert.match(text, /The text of the new policy\./);
    assert.match(text, /New policy/);
    assert.equal(await policyToast(s.page).count(), 0, 'reading it counts as having seen the notice');
    await viewer.getByRole('button', { name: NAMES.en.close }).click();
    // The ordinary policy link still opens the policy in force.
    await s.page.evaluate(() => window.kuki.showPolicy());
    await viewer.waitFor({ state: 'visible' });
    assert.doesNotMatch(await viewer.innerText(), /The text of the new policy/);
    await s.reload();
    assert.equal(await policyToast(s.page).count(), 0, 'remembered');
  });

  for (const lang of Object.keys(LANGS)) {
    test(`after a material change takes effect the ${lang} banner says the policy changed and why it asks again`, async (t) => {
      const s = await start(t, announcing(20, true), { lang });
      await banner(s.page, lang).getByRole('button', { name: NAMES[lang].rejectAll, exact: true }).click();
      await banner(s.page, lang).waitFor({ state: 'hidden' });
      s.cfg = announcing(-1, true);
      await s.reload();
      const b = banner(s.page, lang);
      await b.waitFor({ state: 'visible' });
      const reason = await b.locator('[part~=reason]').innerText();
      t.diagnostic(reason);
      assert.match(reason, lang === 'ko' ? /개인정보 처리방침이 .+부터 바뀌었습니다.*다시 동의/ : /privacy policy changed on .+ ask for your choice again/);
      const effective = new Date(Date.now() - DAY);
      assert.ok(reason.includes(String(effective.getUTCDate())), 'it names the date');
      const r = await rect(b);
      if (lang === 'en') saveArtifact('layouts-asked-again-en-desktop.png', await s.page.screenshot());
      assert.ok(r.height < DESKTOP.height / 2);
    });
  }

  for (const colorScheme of ['light', 'dark']) {
    for (const [size, viewport] of Object.entries({ desktop: DESKTOP, phone: PHONE })) {
      for (const lang of Object.keys(LANGS)) {
        test(`screenshots: every layout, ${lang} ${colorScheme} ${size}`, async (t) => {
          for (const name of ['box bottom left', 'bar bottom', 'modal']) {
            const s = await start(t, config({ guiOptions: LAYOUTS[name] }), { lang, viewport, colorScheme });
            saveArtifact(`layouts-${name.replaceAll(' ', '-')}-${lang}-${colorScheme}-${size}.png`, await s.page.screenshot());
            await s.close();
          }
          const s = await start(t, config({ guiOptions: { preferencesModal: { layout: 'bar' }, settingsButton: 'bottom left' } }), { lang, viewport, colorScheme });
          await banner(s.page, lang).getByRole('button', { name: NAMES[lang].acceptAll, exact: true }).click();
          await kukiRoot(s.page).getByRole('button', { name: SETTINGS[lang], exact: true }).waitFor({ state: 'visible' });
          saveArtifact(`layouts-settings-button-${lang}-${colorScheme}-${size}.png`, await s.page.screenshot());
          await kukiRoot(s.page).getByRole('button', { name: SETTINGS[lang], exact: true }).click();
          await preferences(s.page, lang).waitFor({ state: 'visible' });
          await s.page.waitForTimeout(350);
          saveArtifact(`layouts-preferences-bar-${lang}-${colorScheme}-${size}.png`, await s.page.screenshot());
        });
      }
    }
  }
});
