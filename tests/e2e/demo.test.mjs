// The demo site 나와의 대화 (index.html and www/demo/), as kuki-server serves it at `/`: every page clean under the
// server's CSP, the language switch (the page's texts and kuki's, remembered), the visitor's choice in words, the
// footer's cookie settings, the page-view counter that counts only after consent, the login that asks first when
// functional is refused, and the whole policy.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startKukiServer, launchBrowser, openPage, recordEvents, waitForKuki, banner, preferences, kukiRoot, NAMES } from './helpers.mjs';

requireBuiltApp();
const { ko, en } = NAMES;
const PAGES = ['/', '/demo/tour.html', '/demo/login.html', '/demo/privacy.html', '/demo/video.html'];

describe('the demo site 나와의 대화', () => {
  let kuki;
  let browser;
  before(async () => {
    kuki = await startKukiServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kuki?.stop();
  });

  /** A fresh visitor on `path`, kuki started and ready. */
  async function visit(t, path, options = {}) {
    const s = await openPage(browser, { ...options, initScripts: [recordEvents] });
    t.after(() => s.close());
    s.response = await s.page.goto(`${kuki.origin}${path}`);
    if (path !== '/demo/video.html') {
      await waitForKuki(s.page);
      await s.page.waitForFunction(() => window.__kukiEvents.some((e) => e.type === 'kuki:ready'), null, { timeout: 20_000 });
    }
    s.cookie = async (name) => (await s.context.cookies(kuki.origin)).find((c) => c.name === name)?.value;
    return s;
  }
  const choose = (page, categories) => page.evaluate((c) => window.kuki.acceptCategory(c), categories);
  const choices = (page) => page.locator('#consent-list li').evaluateAll((lis) => lis.map((li) => li.textContent));

  for (const path of PAGES) {
    test(`${path} loads under the server's strict CSP with no error and no violation`, async (t) => {
      const s = await visit(t, path);
      const csp = s.response.headers()['content-security-policy'];
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
      assert.match(csp, /style-src 'self';/);
      if (path !== '/demo/video.html') await choose(s.page, 'all');
      await s.page.waitForTimeout(300); // a late report of a violation or a blocked script's error
      assert.deepEqual(await s.cspViolations(), []);
      assert.deepEqual(s.cspConsole, []);
      assert.deepEqual(s.consoleErrors, []);
      assert.deepEqual(s.errors, []);
      assert.equal(await s.page.locator('script:not([src]):not([type="text/plain"])').count(), 0, 'no inline script');
      assert.equal(await s.page.locator('style, [style]').count(), 0, 'no inline style');
    });
  }

  test('the language switch changes the page and kuki, and the choice is remembered across pages', async (t) => {
    const s = await visit(t, '/');
    const { page } = s;
    await banner(page, 'ko').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.textContent('h1'), '오늘의 나에게 말을 걸어 보세요');
    await page.click('button[data-set-lang="en"]');
    assert.equal(await page.textContent('h1'), 'Say something to yourself today');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.title(), 'Talk with Me');
    assert.equal(await page.getAttribute('button[data-set-lang="en"]', 'aria-pressed'), 'true');
    await banner(page, 'en').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('.site-footer [data-kuki="show-preferences"]'), 'Cookie settings');

    await page.click('.site-nav a[href="/demo/tour.html"]');
    await waitForKuki(page);
    await banner(page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.textContent('h1'), 'A tour of Talk with Me');
    assert.equal(await page.getAttribute('.video iframe', 'title'), 'Talk with Me introduction video');
    await page.click('button[data-set-lang="ko"]');
    await banner(page, 'ko').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('h1'), '나와의 대화 둘러보기');
    assert.deepEqual(s.errors, []);
  });

  test('the consent state is told in words in the visitor language, never as category ids', async (t) => {
    const s = await visit(t, '/');
    const { page } = s;
    assert.match(await page.textContent('#consent-summary'), /아직 선택하지 않으셨습니다/);
    const words = async () => (await page.locator('#consent-list').textContent()).replace(/\s+/g, ' ');
    assert.deepEqual(await choices(page), ['필수 쿠키: 항상 사용', '기능 쿠키 (로그인 유지): 선택 전 (사용 안 함)', '분석 쿠키: 선택 전 (사용 안 함)', '마케팅 쿠키: 선택 전 (사용 안 함)']);
    await banner(page).getByRole('button', { name: ko.rejectAll, exact: true }).click();
    await page.waitForFunction(() => /거부/.test(document.querySelector('#consent-list').textContent));
    assert.match(await words(), /분석 쿠키: 거부/);
    assert.match(await words(), /필수 쿠키: 항상 사용/);

    await page.click('#main [data-kuki="show-preferences"]');
    const p = preferences(page);
    await p.getByRole('switch', { name: ko.analytics, exact: true }).click();
    await p.getByRole('button', { name: ko.save, exact: true }).click();
    await page.waitForFunction(() => /분석 쿠키: 허용/.test(document.querySelector('#consent-list').textContent));
    assert.match(await words(), /분석 쿠키: 허용 ?마케팅 쿠키: 거부/);
    assert.match(await page.textContent('#consent-summary'), /\d{4}년 \d{1,2}월 \d{1,2}일에 선택하신 내용입니다/);

    const all = await page.locator('main').innerText();
    for (const id of ['necessary', 'functional', 'analytics', 'marketing']) assert.doesNotMatch(all, new RegExp(id, 'i'));

    await page.click('button[data-set-lang="en"]');
    assert.deepEqual(await choices(page), [
      'Strictly necessary cookies: Always on',
      'Functional cookies (staying logged in): Refused',
      'Analytics cookies: Allowed',
      'Marketing cookies: Refused',
    ]);
  });

  test('the footer cookie-settings link opens the preferences on every page', async (t) => {
    for (const path of PAGES.slice(0, 4)) {
      const s = await visit(t, path, { locale: 'en-US' });
      await choose(s.page, []);
      const link = s.page.locator('.site-footer [data-kuki="show-preferences"]');
      assert.equal(await link.textContent(), 'Cookie settings');
      await link.click();
      await preferences(s.page, 'en').waitFor({ state: 'visible' });
      assert.equal(new URL(s.page.url()).pathname, path, 'the click stays on the page');
      await s.close();
    }
  });

  test('the page-view counter counts only after analytics is accepted, and stops and forgets when it is refused', async (t) => {
    const s = await visit(t, '/demo/tour.html');
    const { page } = s;
    await banner(page).waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.textContent('#page-views'), '–');
    assert.match(await page.textContent('#page-views-note'), /허용하면 .* 셉니다/);
    assert.equal(await page.evaluate(() => window.__demoViews), undefined, 'the analytics script has not run');
    assert.equal(await s.cookie('demo_views'), undefined);

    await banner(page).getByRole('button', { name: ko.rejectAll, exact: true }).click();
    await page.reload();
    await waitForKuki(page);
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => window.__demoViews), undefined, 'refused: nothing counted');
    assert.equal(await s.cookie('demo_views'), undefined);

    await choose(page, ['analytics']);
    await page.waitForFunction(() => document.querySelector('#page-views').textContent === '1회');
    assert.equal(await s.cookie('demo_views'), '1');
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#page-views')?.textContent === '2회', null, { timeout: 20_000 });

    await choose(page, []);
    await page.waitForFunction(() => /더 이상 세지 않습니다/.test(document.querySelector('#page-views-note').textContent));
    assert.equal(await page.textContent('#page-views'), '–');
    assert.equal(await s.cookie('demo_views'), undefined, 'kuki deleted the analytics cookie');
    assert.deepEqual(s.errors, []);
  });

  test('logging in with functional refused shows the login warning; allowing sets the session cookie', async (t) => {
    const s = await visit(t, '/demo/login.html');
    const { page } = s;
    await banner(page).getByRole('button', { name: ko.rejectAll, exact: true }).click();
    const warning = kukiRoot(page).getByRole('alertdialog', { name: ko.loginWarning, exact: true });

    await page.click('#login-submit');
    await warning.waitFor({ state: 'visible' });
    await warning.getByRole('button', { name: ko.cancel, exact: true }).click();
    await warning.waitFor({ state: 'hidden' });
    assert.equal(await s.cookie('session'), undefined, 'cancelled: no session cookie');
    assert.ok(await page.locator('#login-form').isVisible());

    // Enter in the password field submits too: the warning asks the same.
    await page.focus('#login-password');
    await page.keyboard.press('Enter');
    await warning.waitFor({ state: 'visible' });
    await warning.getByRole('button', { name: ko.allowContinue, exact: true }).click();
    await page.locator('#login-done').waitFor({ state: 'visible' });
    assert.ok(await s.cookie('session'), 'the session cookie is set');
    assert.match(await page.textContent('#login-status'), /로그인되었습니다/);
    assert.equal(await page.evaluate(() => window.kuki.acceptedCategory('functional')), true);

    // Refusing functional later: kuki deletes the session cookie it lists, and the page shows the form again.
    await choose(page, []);
    await page.reload();
    await waitForKuki(page);
    assert.equal(await s.cookie('session'), undefined);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    assert.deepEqual(s.errors, []);
  });

  test('the privacy page shows the whole policy, in the chosen language', async (t) => {
    const s = await visit(t, '/demo/privacy.html');
    const { page } = s;
    await page.waitForFunction(() => !document.getElementById('policy').hasAttribute('aria-busy'), null, { timeout: 10_000 });
    const headings = await page.locator('#policy section h2').allInnerTexts();
    assert.deepEqual(headings.length, 6, headings.join(' / '));
    assert.ok(headings.includes('개인정보 보호책임자 안내'));
    const text = await page.locator('#policy').innerText();
    assert.match(text, /talk-withme@naver\.com/);
    assert.match(text, /재생이 불가능한 방법으로 파기/);
    assert.equal(await page.locator('main').count(), 1, 'one main landmark');
    await page.click('button[data-set-lang="en"]');
    await page.waitForFunction(() => /Privacy Policy/.test(document.querySelector('#policy h1')?.textContent ?? ''));
    assert.ok((await page.locator('#policy section h2').allInnerTexts()).length === 6);
    assert.deepEqual(s.errors, []);
  });
});
