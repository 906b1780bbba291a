// The demo site itself (index.html and www/demo/), as kuki-server serves it at `/`: one script tag, the login
// button that needs the functional category, the footer controls, and blocked scripts that show when they run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, openPage, recordEvents, waitForKuki, banner, preferences, kukiRoot, NAMES } from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;

describe('the demo site 나와의 대화', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  async function home(t) {
    const s = await openPage(stack.browser, { initScripts: [recordEvents] });
    t.after(() => s.close());
    await s.page.goto(`${stack.kuki.origin}/`);
    await waitForKuki(s.page);
    return s;
  }

  test('the home page embeds kuki with one script tag and shows its choice and the scripts that ran', async (t) => {
    const { page, errors } = await home(t);
    assert.equal(await page.title(), '나와의 대화');
    assert.equal(await page.locator('script[src$="/kuki/kuki.js"]').count(), 1);
    const b = banner(page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.locator('#demo-ran li').count(), 0);
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('#demo-ran li').length === 2);
    assert.deepEqual(await page.evaluate(() => window.__kukiDemoRuns), ['analytics', 'marketing']);
    assert.match(await page.textContent('#demo-consent'), /analytics/);
    assert.deepEqual(errors, []);
  });

  test('the footer controls open the preferences and the policy, and the login button asks when functional is refused', async (t) => {
    const { page } = await home(t);
    const b = banner(page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.rejectAll, exact: true }).click();
    await page.click('footer [data-kuki="show-preferences"]');
    await preferences(page).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await preferences(page).waitFor({ state: 'hidden' });
    await page.click('footer [data-kuki="show-policy"]');
    const policy = kukiRoot(page).getByRole('dialog', { name: ko.policy, exact: true });
    await policy.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await policy.waitFor({ state: 'hidden' });
    await page.click('#demo-login');
    const w = kukiRoot(page).getByRole('alertdialog', { name: ko.loginWarning, exact: true });
    await w.waitFor({ state: 'visible' });
    await w.getByRole('button', { name: ko.allowContinue, exact: true }).click();
    await page.waitForFunction(() => /demo_session/.test(document.cookie));
    assert.match(await page.textContent('#demo-user'), /로그인되었습니다/);
  });
});
