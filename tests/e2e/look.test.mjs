// The look of issue 11: light and dark themes with enough contrast, a host page's --kuki-* properties and ::part()
// rules reaching inside the shadow root, a compact first layer on phones, focus rings for the keyboard only, no
// horizontal overflow at 320 px, 44 px touch targets, and the preferences' actions in view. Screenshots of the
// banner and the preferences (desktop and phone, light and dark, Korean and English) go to tests/e2e/artifacts/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, saveArtifact, HOST_SELECTOR, NAMES } from './helpers.mjs';

requireBuiltApp();

const LANGS = { ko: 'ko-KR', en: 'en-US' };
const PHONE = { width: 375, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

/** 'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 0.5)' -> [r, g, b, a]. */
function rgba(css) {
  const m = css.match(/rgba?\(([^)]+)\)/);
  assert.ok(m, `not an rgb colour: ${css}`);
  const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return [r, g, b, a];
}

function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The WCAG contrast ratio of two opaque colours. */
export function contrast(a, b) {
  const [x, y] = [luminance(rgba(a)), luminance(rgba(b))].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Computed colours of the banner's parts (and the preferences' muted text), read inside the shadow root. */
function colours(page) {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel).shadowRoot;
    const cs = (q) => getComputedStyle(root.querySelector(q));
    const b = cs('.kuki-banner');
    return {
      bg: b.backgroundColor,
      title: cs('.kuki-banner .kuki-title').color,
      text: cs('.kuki-banner .kuki-text').color,
      link: cs('.kuki-banner .kuki-link').color,
      btnFg: cs('.kuki-banner .kuki-btn').color,
      btnBg: cs('.kuki-banner .kuki-btn').backgroundColor,
    };
  }, HOST_SELECTOR);
}

function prefsColours(page) {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel).shadowRoot;
    const cs = (q) => getComputedStyle(root.querySelector(q));
    return {
      bg: cs('.kuki-prefs').backgroundColor,
      name: cs('.kuki-cat-name').color,
      desc: cs('.kuki-cat-desc').color,
      always: cs('.kuki-always').color,
      btnFg: cs('.kuki-prefs .kuki-btn').color,
      btnBg: cs('.kuki-prefs .kuki-btn').backgroundColor,
    };
  }, HOST_SELECTOR);
}

/** The element focused inside kuki's shadow root, with its outline. */
function focusRing(page) {
  return page.evaluate((sel) => {
    const a = document.querySelector(sel).shadowRoot.activeElement;
    if (!a) return null;
    const s = getComputedStyle(a);
    return { tag: a.tagName, cls: a.className, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  }, HOST_SELECTOR);
}

const noRing = (r) => r.style === 'none' || r.width === 0;

describe('look and feel (issue 11)', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  async function open(t, { lang = 'ko', viewport = DESKTOP, colorScheme = 'light', path = '/basic.html', ...rest } = {}) {
    const s = await visit(stack, t, path, { locale: LANGS[lang], viewport, colorScheme, ...rest });
    const b = banner(s.page, lang);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.waitForTimeout(400); // the entrance animation
    return { s, b };
  }

  test('dark and light themes follow prefers-color-scheme, with text contrast of at least 4.5:1', async (t) => {
    const seen = {};
    for (const colorScheme of ['light', 'dark']) {
      const { s } = await open(t, { colorScheme });
      const c = await colours(s.page);
      const ratios = {
        title: contrast(c.title, c.bg),
        text: contrast(c.text, c.bg),
        link: contrast(c.link, c.bg),
        button: contrast(c.btnFg, c.btnBg),
      };
      await s.page.evaluate(() => window.kuki.showPreferences());
      await preferences(s.page).waitFor({ state: 'visible' });
      const p = await prefsColours(s.page);
      Object.assign(ratios, {
        category: contrast(p.name, p.bg),
        description: contrast(p.desc, p.bg),
        alwaysOn: contrast(p.always, p.bg),
        prefsButton: contrast(p.btnFg, p.btnBg),
      });
      t.diagnostic(`${colorScheme}: background ${c.bg}; contrast ${JSON.stringify(Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, +v.toFixed(2)])))}`);
      for (const [k, v] of Object.entries(ratios)) assert.ok(v >= 4.5, `${colorScheme} ${k} contrast ${v.toFixed(2)}`);
      seen[colorScheme] = c.bg;
    }
    assert.notEqual(seen.dark, seen.light, 'the banner background is the same in dark and light');
    assert.ok(luminance(rgba(seen.dark)) < 0.1, `dark background ${seen.dark}`);
    assert.ok(luminance(rgba(seen.light)) > 0.8, `light background ${seen.light}`);
  });

  test('data-kuki-theme on the host element forces a theme over the system one', async (t) => {
    const { s } = await open(t, { colorScheme: 'light' });
    const light = (await colours(s.page)).bg;
    await s.page.evaluate((sel) => document.querySelector(sel).setAttribute('data-kuki-theme', 'dark'), HOST_SELECTOR);
    const forcedDark = (await colours(s.page)).bg;
    assert.notEqual(forcedDark, light);
    const d = await open(t, { colorScheme: 'dark' });
    const dark = (await colours(d.s.page)).bg;
    assert.equal(forcedDark, dark);
    await d.s.page.evaluate((sel) => document.querySelector(sel).setAttribute('data-kuki-theme', 'light'), HOST_SELECTOR);
    assert.equal((await colours(d.s.page)).bg, light);
  });

  test("a host page's --kuki-accent (from its stylesheet file) reaches the buttons, and ::part() reaches the title", async (t) => {
    const { s, b } = await open(t, { path: '/themed.html' });
    const accept = b.getByRole('button', { name: NAMES.ko.acceptAll, exact: true });
    const reject = b.getByRole('button', { name: NAMES.ko.rejectAll, exact: true });
    assert.equal(await accept.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(200, 0, 80)');
    assert.equal(await reject.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(200, 0, 80)', 'equal weight');
    assert.equal(await accept.getAttribute('part'), 'button accept');
    const spacing = await s.page.evaluate((sel) => getComputedStyle(document.querySelector(sel).shadowRoot.querySelector('[part~=title]')).letterSpacing, HOST_SELECTOR);
    assert.equal(spacing, '1px');
    assert.deepEqual(await s.cspViolations(), []);
  });

  for (const lang of Object.keys(LANGS)) {
    test(`at 375x740 the ${lang} first layer covers at most 35 % of the screen, with 44 px buttons`, async (t) => {
      const { s, b } = await open(t, { lang, viewport: PHONE });
      const box = await b.boundingBox();
      const share = (box.width * box.height) / (PHONE.width * PHONE.height);
      t.diagnostic(`${lang} first layer at 375x740: ${Math.round(box.width)}x${Math.round(box.height)} = ${(share * 100).toFixed(1)} %`);
      assert.ok(share <= 0.35, `the first layer covers ${(share * 100).toFixed(1)} %`);
      const heights = await b.getByRole('button').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      assert.equal(heights.length, 3);
      for (const h of heights) assert.ok(h >= 44, `a banner button is ${h}px high`);
      // Other phone shapes, for the record.
      for (const viewport of [{ width: 740, height: 375 }, { width: 320, height: 640 }]) {
        await s.page.setViewportSize(viewport);
        await s.page.waitForTimeout(100);
        const bb = await b.boundingBox();
        t.diagnostic(`${lang} first layer at ${viewport.width}x${viewport.height}: ${((bb.width * bb.height * 100) / (viewport.width * viewport.height)).toFixed(1)} %`);
      }
    });
  }

  test('on a phone the preferences keep their actions in view beside the categories; targets are 44 px; "Always on" stays on one line', async (t) => {
    for (const lang of Object.keys(LANGS)) {
      const { s } = await open(t, { lang, viewport: PHONE });
      await s.page.evaluate(() => window.kuki.showPreferences());
      const p = preferences(s.page, lang);
      await p.waitFor({ state: 'visible' });
      await s.page.waitForTimeout(400);
      const m = await s.page.evaluate((sel) => {
        const root = document.querySelector(sel).shadowRoot;
        const rect = (e) => e.getBoundingClientRect();
        const dialog = root.querySelector('.kuki-prefs');
        const buttons = [...dialog.querySelectorAll('.kuki-footer .kuki-btn, .kuki-close')].map((e) => ({ top: rect(e).top, bottom: rect(e).bottom, height: rect(e).height }));
        const scroll = rect(dialog.querySelector('.kuki-scroll'));
        const heads = [...dialog.querySelectorAll('.kuki-cat-head')].map(rect);
        const visibleCats = heads.filter((r) => r.top >= scroll.top && r.bottom <= scroll.bottom).length;
        const always = dialog.querySelector('.kuki-always');
        const lh = parseFloat(getComputedStyle(always).lineHeight);
        const switches = [...dialog.querySelectorAll('[role=switch]')].map((e) => {
          const before = getComputedStyle(e, '::before');
          return rect(e).height + parseFloat(before.top) * -2;
        });
        return { buttons, visibleCats, alwaysHeight: rect(always).height, lh, switches, innerHeight };
      }, HOST_SELECTOR);
      t.diagnostic(`${lang} preferences at 375x740: ${m.visibleCats} category heads in view without scrolling`);
      for (const btn of m.buttons) {
        assert.ok(btn.height >= 44, `a preferences button is ${btn.height}px high`);
        assert.ok(btn.top >= 0 && btn.bottom <= m.innerHeight, 'a preferences action is out of view');
      }
      for (const h of m.switches) assert.ok(h >= 44, `a switch's target is ${h}px high`);
      assert.ok(m.visibleCats >= 2, `only ${m.visibleCats} categories in view beside the actions`);
      assert.ok(m.alwaysHeight < m.lh * 1.5, `"Always on" wraps (${m.alwaysHeight}px for a ${m.lh}px line)`);
    }
  });

  test('focus rings for the keyboard only: none when the banner opens, one on a button after Tab', async (t) => {
    const { s } = await open(t);
    const first = await focusRing(s.page);
    assert.ok(first, 'the banner takes focus when it opens');
    assert.match(first.cls, /kuki-banner/);
    assert.ok(noRing(first), `a ring on the banner before any key: ${JSON.stringify(first)}`);
    let ring;
    for (let i = 0; i < 4; i++) {
      await s.page.keyboard.press('Tab');
      ring = await focusRing(s.page);
      if (ring?.tag === 'BUTTON') break;
    }
    assert.equal(ring?.tag, 'BUTTON', 'Tab reaches a banner button');
    assert.equal(ring.style, 'solid');
    assert.ok(ring.width >= 2, `the keyboard focus ring is ${ring.width}px`);
  });

  test('a mouse click on Customise opens the preferences without a ring on the dialog or its buttons', async (t) => {
    const { s, b } = await open(t);
    await b.getByRole('button', { name: NAMES.ko.customise, exact: true }).click();
    await preferences(s.page).waitFor({ state: 'visible' });
    const r = await focusRing(s.page);
    assert.match(r.cls, /kuki-prefs/);
    assert.ok(noRing(r), `a ring on the opened preferences: ${JSON.stringify(r)}`);
  });

  test('nothing overflows horizontally at 320 px (banner and preferences, both languages)', async (t) => {
    for (const lang of Object.keys(LANGS)) {
      const { s } = await open(t, { lang, viewport: { width: 320, height: 640 } });
      const overflow = () =>
        s.page.evaluate((sel) => {
          const root = document.querySelector(sel).shadowRoot;
          const out = [...root.querySelectorAll('*')]
            .map((e) => [e, e.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5))
            .map(([e, r]) => `${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
          const scrollers = [...root.querySelectorAll('.kuki-dialog, .kuki-scroll')]
            .filter((e) => e.scrollWidth > e.clientWidth + 1)
            .map((e) => `${e.className} scrolls sideways (${e.scrollWidth} > ${e.clientWidth})`);
          return [...out, ...scrollers, ...(document.documentElement.scrollWidth > innerWidth ? ['the page scrolls sideways'] : [])];
        }, HOST_SELECTOR);
      assert.deepEqual(await overflow(), [], `${lang} banner`);
      await s.page.evaluate(() => window.kuki.showPreferences());
      await preferences(s.page, lang).waitFor({ state: 'visible' });
      await s.page.waitForTimeout(400);
      assert.deepEqual(await overflow(), [], `${lang} preferences`);
    }
  });

  for (const colorScheme of ['light', 'dark']) {
    for (const [size, viewport] of Object.entries({ desktop: DESKTOP, phone: PHONE })) {
      for (const lang of Object.keys(LANGS)) {
        test(`screenshots: ${lang} ${colorScheme} ${size}`, async (t) => {
          const { s } = await open(t, { lang, viewport, colorScheme });
          saveArtifact(`look-banner-${lang}-${colorScheme}-${size}.png`, await s.page.screenshot());
          await s.page.evaluate(() => window.kuki.showPreferences());
          await preferences(s.page, lang).waitFor({ state: 'visible' });
          await s.page.waitForTimeout(400);
          saveArtifact(`look-preferences-${lang}-${colorScheme}-${size}.png`, await s.page.screenshot());
        });
      }
    }
  }
});
