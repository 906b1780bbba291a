// A site's config end to end: its own categories and cookie lifetimes, a config that does not parse (console error
// naming the field, then the defaults), how long a choice is kept, and a new config revision asking again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, NAMES } from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;
const DAY = 24 * 60 * 60;

describe('the site config', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const consentCookie = async (s) => (await s.context.cookies(s.url)).find((c) => c.name === 'kuki_consent');
  const daysLeft = (cookie) => Math.round((cookie.expires - Date.now() / 1000) / DAY);

  test('a config that does not parse logs a console error naming the field and kuki runs with the defaults', async (t) => {
    const s = await visit(stack, t, '/bad-config.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(
      s.consoleErrors.some((m) => m.includes('categories[1].id')),
      `console errors: ${JSON.stringify(s.consoleErrors)}`,
    );
    await b.getByRole('button', { name: ko.customise, exact: true }).click();
    const prefs = preferences(s.page);
    for (const name of [ko.necessary, ko.functional, ko.analytics, ko.marketing]) {
      assert.equal(await prefs.getByRole('switch', { name, exact: true }).count(), 1, `default category ${name}`);
    }
    assert.deepEqual(s.errors, []);
  });

  test('a site declares its own categories, texts and cookie lifetimes', async (t) => {
    const s = await visit(stack, t, '/custom.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.customise, exact: true }).click();
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible' });
    assert.equal(await prefs.getByRole('switch').count(), 2);
    const video = prefs.getByRole('switch', { name: '동영상 재생', exact: true });
    assert.equal(await video.getAttribute('aria-checked'), 'false');
    assert.match(await prefs.innerText(), /외부 동영상 플레이어를 불러옵니다/);
    await prefs.getByRole('button', { name: ko.rejectAll, exact: true }).click();
    assert.equal(daysLeft(await consentCookie(s)), 10, 'rejectDays from the config');
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.waitForFunction(() => window.kuki.acceptedCategory('video'));
    assert.equal(daysLeft(await consentCookie(s)), 30, 'acceptDays from the config');
    assert.equal((await s.consent()).revision, 4);
  });

  test('a refusal is kept for about 6 months and an acceptance for about 12, in a SameSite=Lax cookie on Path=/', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.rejectAll, exact: true }).click();
    const refused = daysLeft(await consentCookie(s));
    assert.ok(refused >= 180 && refused <= 184, `a refusal is kept ${refused} days`);
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.waitForFunction(() => window.kuki.acceptedCategory('marketing'));
    const accepted = daysLeft(await consentCookie(s));
    assert.ok(accepted >= 364 && accepted <= 366, `an acceptance is kept ${accepted} days`);
    const c = await consentCookie(s);
    assert.equal(c.sameSite, 'Lax');
    assert.equal(c.path, '/');
  });

  test('a new config revision asks again', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    await b.waitFor({ state: 'hidden' });
    await s.page.reload();
    await s.ready();
    assert.equal(await banner(s.page).isVisible(), false, 'same revision: no question');
    // The site bumps its config revision.
    await s.context.route('**/kuki-config.json', async (route) => {
      const r = await route.fetch();
      const config = await r.json();
      await route.fulfill({ response: r, json: { ...config, revision: config.revision + 1 } });
    });
    await s.page.reload();
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
  });
});
