// Pictures for people: the banner in Korean and English on a 320 px phone and on a desktop, and every state of
// states.mjs (kuki's dialogs and the demo site's pages) at 1280x800 and 375x740, light and dark, Korean and
// English, saved as PNGs in tests/e2e/artifacts/ (git-ignored): STATE-SIZE-SCHEME-LANG.png. The tests also hold what a picture would show: the banner fits the width,
// every control can be reached at 200 % zoom, and nothing moves for a visitor who asked for reduced motion.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, saveArtifact, HOST_SELECTOR, NAMES } from './helpers.mjs';
import { STATES, VARIANTS, openState } from './states.mjs';

requireBuiltApp();

const SIZES = { phone320: { width: 320, height: 640 }, desktop: { width: 1280, height: 800 } };
const LANGS = { ko: 'ko-KR', en: 'en-US' };

describe('screenshots of the banner', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  for (const [lang, locale] of Object.entries(LANGS)) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      test(`the ${lang} banner and preferences at ${size} fit the width and are saved as PNGs`, async (t) => {
        const s = await visit(stack, t, '/basic.html', { locale, viewport });
        const b = banner(s.page, lang);
        await b.waitFor({ state: 'visible', timeout: 20_000 });
        await s.page.waitForTimeout(400); // let any entrance transition finish
        const box = await b.boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= viewport.width + 1, `banner ${JSON.stringify(box)} in ${viewport.width}px`);
        saveArtifact(`banner-${lang}-${size}.png`, await s.page.screenshot());
        await s.page.evaluate(() => window.kuki.showPreferences());
        const p = preferences(s.page, lang);
        await p.waitFor({ state: 'visible' });
        await s.page.waitForTimeout(400);
        const pbox = await p.boundingBox();
        assert.ok(pbox.x >= 0 && pbox.x + pbox.width <= viewport.width + 1, `preferences ${JSON.stringify(pbox)}`);
        saveArtifact(`preferences-${lang}-${size}.png`, await s.page.screenshot());
      });
    }
  }

  test('at 200 % zoom (a 640 by 400 CSS px window) every preferences control can be scrolled to and clicked', async (t) => {
    const s = await visit(stack, t, '/basic.html', { viewport: { width: 640, height: 400 } });
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.showPreferences());
    const p = preferences(s.page);
    await p.waitFor({ state: 'visible' });
    const ko = NAMES.ko;
    const controls = [
      ...[ko.functional, ko.analytics, ko.marketing].map((name) => p.getByRole('switch', { name, exact: true })),
      p.getByRole('button', { name: ko.save, exact: true }),
      p.getByRole('button', { name: ko.close, exact: true }),
    ];
    for (const c of controls) {
      await c.scrollIntoViewIfNeeded();
      const hit = await c.evaluate((el, sel) => {
        const r = el.getBoundingClientRect();
        const x = r.x + r.width / 2;
        const y = r.y + r.height / 2;
        if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
        const root = document.querySelector(sel).shadowRoot;
        const at = root.elementFromPoint(x, y);
        return at === el || el.contains(at);
      }, HOST_SELECTOR);
      assert.ok(hit, `${await c.getAttribute('aria-label') ?? await c.innerText()} is reachable`);
    }
    saveArtifact('preferences-ko-zoom200.png', await s.page.screenshot());
  });

  test('with prefers-reduced-motion nothing in kuki animates', async (t) => {
    const s = await visit(stack, t, '/basic.html', { reducedMotion: 'reduce' });
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.showPreferences());
    await preferences(s.page).waitFor({ state: 'visible' });
    await preferences(s.page).getByRole('switch', { name: NAMES.ko.analytics, exact: true }).click();
    const moving = await s.page.evaluate((sel) => {
      const root = document.querySelector(sel).shadowRoot;
      return root
        .getAnimations()
        .filter((a) => Number(a.effect?.getComputedTiming().duration ?? 0) > 0)
        .map((a) => `${a.constructor.name} ${a.animationName ?? a.transitionProperty ?? ''}`);
    }, HOST_SELECTOR);
    assert.deepEqual(moving, []);
  });

  for (const state of STATES) {
    test(`the state "${state.name}" in every size, scheme and language fits the width and is saved as PNGs`, async (t) => {
      for (const variant of VARIANTS) {
        const s = await openState(stack.browser, stack.kuki.origin, state, variant, t);
        const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `${state.name} ${variant.id}: the page scrolls sideways by ${overflow}px`);
        saveArtifact(`${state.name}-${variant.id}.png`, await s.page.screenshot({ fullPage: !!state.fullPage }));
        assert.deepEqual(s.errors, [], `${state.name} ${variant.id}`);
        await s.close();
      }
    });
  }
});
