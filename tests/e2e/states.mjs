// Every state a visitor can see, in one table, for the accessibility audit (a11y.test.mjs) and the screenshots
// (screenshots.test.mjs). Each state is a page of the demo site (index.html, www/demo/) as kuki-server serves it,
// and a small async function that brings a fresh page there; add one with one line.
//
// Map:
// - `STATES`: `{ name, path, enter(page, lang), fullPage?, kuki? }`; `enter` returns when the state shows;
//   `kuki: false` for a page without kuki (the embedded video).
// - `VARIANTS`: every viewport x colour scheme x language a state is checked in.
// - `openState(browser, origin, state, variant, t)`: a fresh context in that variant, the page entered, settled.
import { HOST_SELECTOR, NAMES, kukiRoot, banner, preferences, openPage, recordEvents, waitForKuki } from './helpers.mjs';

export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, mobile: { width: 375, height: 740 } };
export const SCHEMES = ['light', 'dark'];
export const LANGS = { ko: 'ko-KR', en: 'en-US' };

/** Every viewport x scheme x language: `{ id, viewport, colorScheme, lang, locale }`. */
export const VARIANTS = Object.entries(VIEWPORTS).flatMap(([size, viewport]) =>
  SCHEMES.flatMap((colorScheme) =>
    Object.entries(LANGS).map(([lang, locale]) => ({ id: `${size}-${colorScheme}-${lang}`, size, viewport, colorScheme, lang, locale })),
  ),
);

const choose = (page, categories) => page.evaluate((c) => window.kuki.acceptCategory(c), categories);
/** Starts kuki again with the demo's config and these `guiOptions` (a layout the demo does not use itself). */
const withGui = (page, guiOptions) =>
  page.evaluate(async (gui) => {
    const config = await (await fetch('/demo/kuki-config.json')).json();
    window.kuki.run({ ...config, guiOptions: gui });
  }, guiOptions);
const dialog = (page, role, name) => kukiRoot(page).getByRole(role, { name, exact: true });

export const STATES = [
  { name: 'banner', path: '/', enter: (page, lang) => banner(page, lang).waitFor({ state: 'visible', timeout: 20_000 }) },
  {
    name: 'preferences',
    path: '/',
    async enter(page, lang) {
      await page.evaluate(() => window.kuki.showPreferences());
      await preferences(page, lang).waitFor({ state: 'visible' });
    },
  },
  {
    name: 'policy-viewer',
    path: '/',
    async enter(page, lang) {
      await page.evaluate(() => window.kuki.showPolicy());
      await dialog(page, 'dialog', NAMES[lang].policy).waitFor({ state: 'visible' });
    },
  },
  {
    name: 'record',
    path: '/',
    async enter(page, lang) {
      await choose(page, ['analytics']);
      // As a visitor who opens the preferences a moment later: the server has stored the choice (its receipt is
      // here), so the history the dialog asks for holds it.
      await page.waitForFunction(() => window.kuki.getConsent()?.receipt, null, { timeout: 10_000 });
      await page.evaluate(() => window.kuki.showPreferences());
      await preferences(page, lang).waitFor({ state: 'visible' });
      await page.locator(`${HOST_SELECTOR} .kuki-history li`).first().waitFor({ timeout: 10_000 }); // the server's history
      await page.locator(`${HOST_SELECTOR} .kuki-record`).scrollIntoViewIfNeeded();
    },
  },
  {
    name: 'login-warning',
    path: '/demo/login.html',
    async enter(page, lang) {
      await choose(page, []);
      await page.click('#login-submit');
      await dialog(page, 'alertdialog', NAMES[lang].loginWarning).waitFor({ state: 'visible' });
    },
  },
  {
    name: 'require-dialog',
    path: '/demo/tour.html',
    async enter(page) {
      await choose(page, []);
      await page.evaluate(() => { window.kuki.requireCategory('analytics'); });
      await kukiRoot(page).getByRole('alertdialog').waitFor({ state: 'visible' });
    },
  },
  {
    name: 'language-switched',
    path: '/',
    async enter(page, lang) {
      const other = lang === 'ko' ? 'en' : 'ko';
      await page.click(`button[data-set-lang="${other}"]`);
      await banner(page, other).waitFor({ state: 'visible', timeout: 20_000 });
    },
  },
  {
    name: 'layout-bar',
    path: '/',
    async enter(page, lang) {
      await withGui(page, { consentModal: { layout: 'bar', position: 'top' } });
      await banner(page, lang).waitFor({ state: 'visible', timeout: 20_000 });
    },
  },
  {
    name: 'layout-modal',
    path: '/',
    async enter(page, lang) {
      await withGui(page, { consentModal: { layout: 'modal' } });
      await banner(page, lang).waitFor({ state: 'visible', timeout: 20_000 });
    },
  },
  {
    name: 'preferences-side-bar',
    path: '/',
    async enter(page, lang) {
      await withGui(page, { preferencesModal: { layout: 'bar', position: 'right' } });
      await page.evaluate(() => window.kuki.showPreferences());
      await preferences(page, lang).waitFor({ state: 'visible' });
    },
  },
  {
    name: 'settings-button',
    path: '/',
    async enter(page, lang) {
      await withGui(page, { settingsButton: 'bottom right' });
      await choose(page, ['analytics']);
      await kukiRoot(page).getByRole('button', { name: lang === 'ko' ? '쿠키 설정' : 'Cookie settings', exact: true }).waitFor({ state: 'visible' });
    },
  },
  { name: 'home-chosen', path: '/', fullPage: true, enter: (page) => choose(page, ['analytics']) },
  {
    // The embedded video refused: its placeholder (src/components/placeholder.rs) stands in the iframe's place.
    name: 'tour-refused',
    path: '/demo/tour.html',
    fullPage: true,
    async enter(page) {
      await choose(page, []);
      await page.locator('[data-kuki-placeholder]').first().waitFor({ state: 'visible', timeout: 10_000 });
    },
  },
  {
    name: 'tour-accepted',
    path: '/demo/tour.html',
    fullPage: true,
    async enter(page) {
      await choose(page, 'all');
      await page.waitForFunction(() => window.__demoViews === 1, null, { timeout: 10_000 });
    },
  },
  {
    name: 'login-done',
    path: '/demo/login.html',
    fullPage: true,
    async enter(page) {
      await choose(page, ['functional']);
      await page.click('#login-submit');
      await page.locator('#login-done').waitFor({ state: 'visible' });
    },
  },
  {
    name: 'privacy',
    path: '/demo/privacy.html',
    fullPage: true,
    async enter(page) {
      await choose(page, []);
      await page.waitForFunction(() => !document.getElementById('policy').hasAttribute('aria-busy'), null, { timeout: 10_000 });
    },
  },
  { name: 'video-frame', path: '/demo/video.html', kuki: false, enter: (page) => page.click('#play') },
];

/** Waits until every animation and transition in the page and in kuki's shadow root has finished (at most 3 s). */
export async function settle(page) {
  await page.evaluate(async (sel) => {
    const root = document.querySelector(sel)?.shadowRoot;
    const all = [...document.getAnimations(), ...(root ? root.getAnimations() : [])];
    await Promise.race([Promise.all(all.map((a) => a.finished.catch(() => {}))), new Promise((r) => setTimeout(r, 3_000))]);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, HOST_SELECTOR);
}

/** A fresh context in `variant`, `state.path` opened on `origin`, kuki started, the state entered and settled. */
export async function openState(browser, origin, state, variant, t) {
  const s = await openPage(browser, {
    locale: variant.locale,
    viewport: variant.viewport,
    colorScheme: variant.colorScheme,
    initScripts: [recordEvents],
  });
  t.after(() => s.close());
  await s.page.goto(`${origin}${state.path}`);
  if (state.kuki !== false) {
    await waitForKuki(s.page);
    await s.page.waitForFunction(() => window.__kukiEvents.some((e) => e.type === 'kuki:ready'), null, { timeout: 20_000 });
  }
  await state.enter(s.page, variant.lang);
  await settle(s.page);
  return s;
}
