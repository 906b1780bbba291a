// The privacy policy end to end (issue 3): the viewer from the banner link and by API, focus returning to where
// the visitor was, a site's own policy with markup in it shown as text, and /privacy readable without JavaScript.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, openPage, banner, kukiRoot, focused, NAMES } from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;

describe('the privacy policy', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const viewer = (page, lang = 'ko') => kukiRoot(page).getByRole('dialog', { name: NAMES[lang].policy, exact: true });
  /** The default policy is fetched when the viewer opens: its table of contents shows once it is there. */
  const loaded = (v) => v.getByRole('navigation').waitFor({ state: 'visible', timeout: 20_000 });

  test('the banner link opens the default policy of 나와의 대화, and closing it returns focus to the link', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    const link = b.getByRole('link', { name: ko.policyLink, exact: true });
    await link.focus();
    await s.page.keyboard.press('Enter');
    const v = viewer(s.page);
    await loaded(v);
    const text = await v.innerText();
    assert.match(text, /나와의 대화/);
    assert.ok((await v.getByRole('heading').count()) >= 3, 'sections have headings');
    await s.page.keyboard.press('Escape');
    await v.waitFor({ state: 'hidden' });
    assert.equal((await focused(s.page))?.name, ko.policyLink, 'focus is back on the link that opened the policy');
    assert.equal(await b.isVisible(), true, 'the banner is still there: no choice was made');
    assert.equal(await s.consent(), null);
  });

  test('the English policy opens for an English browser', async (t) => {
    const s = await visit(stack, t, '/basic.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.showPolicy());
    const v = viewer(s.page, 'en');
    await loaded(v);
    assert.doesNotMatch(await v.innerText(), /[가-힣]{4,}/, 'no Korean sentences in the English policy');
  });

  test('a site policy with markup in it is shown as text, runs nothing, and links only http(s) and mailto', async (t) => {
    const s = await visit(stack, t, '/policy.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.showPolicy());
    const v = viewer(s.page);
    await v.waitFor({ state: 'visible' });
    const text = await v.innerText();
    assert.match(text, /E2E 처리방침/);
    assert.ok(text.includes('<img src=x onerror="window.__xss=1">'), 'the markup shows literally');
    assert.ok(text.includes('<script>window.__xss=2</script>'));
    await s.page.waitForTimeout(300);
    assert.equal(await s.page.evaluate(() => window.__xss), undefined, 'nothing from the policy ran');
    const hrefs = await v.evaluate((el) => [...el.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')));
    assert.ok(hrefs.includes('https://ok.example/help'), JSON.stringify(hrefs));
    assert.ok(hrefs.includes('mailto:e2e@example.com'), JSON.stringify(hrefs));
    for (const h of hrefs) assert.match(h, /^(https?:|mailto:|#|\?)/, `unexpected link ${h}`);
    assert.equal(await v.evaluate((el) => el.querySelectorAll('img, script').length), 0);
  });

  test('showPolicy(section) opens the policy at that section', async (t) => {
    const s = await visit(stack, t, '/policy.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.showPolicy('last'));
    const v = viewer(s.page);
    await v.waitFor({ state: 'visible' });
    const heading = v.getByRole('heading', { name: '마지막 조항', exact: true });
    await s.page.waitForTimeout(400);
    const inView = await heading.evaluate((h) => {
      const r = h.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    assert.ok(inView, 'the section heading is scrolled into view');
  });

  test('the default policy is fetched only when the viewer opens; a failed fetch shows why, /privacy and a retry that works', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const requests = [];
    s.page.on('request', (r) => new URL(r.url()).pathname.endsWith('/policy.json') && requests.push(r.url()));
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await s.ready();
    assert.deepEqual(requests, [], 'nothing asked before the viewer opens');
    let fail = true;
    await s.page.route('**/policy.json', (route) => (fail ? route.abort() : route.continue()));
    await s.page.evaluate(() => window.kuki.showPolicy('officer'));
    const v = viewer(s.page);
    const retry = v.getByRole('button', { name: '다시 시도', exact: true });
    await retry.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await v.innerText(), /불러올 수 없습니다/);
    const page = `${stack.kuki.origin}/privacy`;
    assert.equal(await v.getByRole('link', { name: page, exact: true }).getAttribute('href'), page);
    assert.equal(requests.length, 1);
    fail = false;
    await retry.click();
    await loaded(v);
    const heading = v.getByRole('heading', { name: '개인정보 보호책임자 안내', exact: true });
    assert.equal(await heading.isVisible(), true, 'the retried document is shown');
    assert.equal(await retry.count(), 0);
    assert.equal(requests.length, 2);
    // Fetched once: closed and opened again, it is there at once and asked for no more.
    await v.locator('[part="close"]').click();
    await v.waitFor({ state: 'hidden' });
    await s.page.evaluate(() => window.kuki.showPolicy());
    await loaded(v);
    assert.equal(requests.length, 2);
    assert.equal(await b.isVisible(), true, 'the banner waited for nothing and is still there');
  });

  test('/privacy is readable without JavaScript, in Korean and with ?lang=en in English', async (t) => {
    const s = await openPage(stack.browser, { javaScriptEnabled: false });
    t.after(() => s.close());
    const r = await s.page.goto(`${stack.kuki.origin}/privacy`);
    assert.equal(r.status(), 200);
    assert.match(await s.page.locator('h1').innerText(), /개인정보/);
    assert.ok((await s.page.locator('h2').count()) >= 3);
    await s.page.goto(`${stack.kuki.origin}/privacy?lang=en`);
    assert.match(await s.page.locator('h1').innerText(), /Privacy/i);
    assert.equal(await s.page.locator('html').getAttribute('lang'), 'en');
  });
});
