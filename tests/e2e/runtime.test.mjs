// The browser runtime under races (issue 7): consent read at every step of script activation, erasures ordered
// after the post in flight, configs that cannot make run() slow, the vanilla-cookieconsent meanings of
// acceptCategory, and no record for a choice that changes nothing. The test servers hold responses to open the
// windows in which the races happened.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireBuiltApp,
  startHostServer,
  startKukiServer,
  startHoldingProxy,
  launchBrowser,
  visit,
  banner,
  preferences,
  kukiRoot,
  NAMES,
} from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;

describe('the runtime under races', () => {
  let stack;
  before(async () => {
    let kukiOrigin = '';
    let proxyOrigin = '';
    const host = await startHostServer({ kukiOrigin: () => kukiOrigin, vars: { PROXY: () => proxyOrigin } });
    const kuki = await startKukiServer({ allowedOrigins: [host.origin] });
    kukiOrigin = kuki.origin;
    const proxy = await startHoldingProxy(kuki.origin);
    proxyOrigin = proxy.origin;
    const browser = await launchBrowser();
    stack = {
      browser,
      host,
      kuki,
      proxy,
      async stop() {
        await browser.close();
        await proxy.stop();
        await host.stop();
        await kuki.stop();
      },
    };
  });
  after(async () => {
    await stack?.stop();
  });

  const runs = (s) => s.page.evaluate(() => window.__runs ?? []);
  const names = async (s) => (await runs(s)).map((r) => r.name);

  test('a category refused while its slow script loads runs none of its queued scripts', async (t) => {
    const s = await visit(stack, t, '/races.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await banner(s.page).getByRole('button', { name: ko.acceptAll, exact: true }).click();
    await s.page.waitForTimeout(200);
    const refusedAt = await s.page.evaluate(() => {
      window.kuki.acceptCategory([]);
      return performance.now();
    });
    // The slow script (requested before the refusal) answers at 3 s; wait past it.
    await s.page.waitForFunction(() => (window.__runs ?? []).some((r) => r.name === 'slow'), null, { timeout: 10_000 });
    await s.page.waitForTimeout(1000);
    const after = (await runs(s)).filter((r) => r.t > refusedAt && r.name !== 'slow');
    assert.deepEqual(after, [], 'no script of a refused category starts after the refusal');
    assert.equal((await s.consent()).categories.analytics, false);
  });

  test('a category accepted while a slow activation runs has its inline script run at once, order kept', async (t) => {
    const s = await visit(stack, t, '/races.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.acceptCategory('analytics'));
    await s.page.waitForTimeout(200);
    const acceptedAt = await s.page.evaluate(() => {
      window.kuki.acceptCategory(['analytics', 'marketing']);
      return performance.now();
    });
    await s.page.waitForFunction(() => (window.__runs ?? []).some((r) => r.name === 'marketing'), null, { timeout: 5_000 });
    const marketing = (await runs(s)).find((r) => r.name === 'marketing');
    assert.ok(marketing.t - acceptedAt < 1000, `marketing ran ${marketing.t - acceptedAt} ms after its acceptance`);
    await s.page.waitForFunction(() => (window.__runs ?? []).some((r) => r.name === 'after-slow'), null, { timeout: 10_000 });
    assert.deepEqual(await names(s), ['marketing', 'slow', 'after-slow'], 'analytics keeps its document order');
  });

  test('a blocked script that never loads is skipped after the time limit, with a warning', async (t) => {
    const s = await visit(stack, t, '/never.html');
    const warnings = [];
    s.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    const start = await s.page.evaluate(() => {
      window.kuki.acceptCategory('all');
      return performance.now();
    });
    await s.page.waitForFunction(() => (window.__runs ?? []).some((r) => r.name === 'after-never'), null, { timeout: 8_000 });
    const ran = (await runs(s)).find((r) => r.name === 'after-never');
    assert.ok(ran.t - start >= 900, 'it waited for the configured second');
    assert.ok(warnings.some((w) => /did not load within 1000 ms/.test(w)), JSON.stringify(warnings));
  });

  test('erasing while a post is held waits for it: the history is gone and stays gone', async (t) => {
    const s = await visit(stack, t, '/erase.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    // Let the first choice reach the server, so the dialog offers "delete my records".
    await banner(s.page).getByRole('button', { name: ko.rejectAll, exact: true }).click();
    const id = (await s.consent()).consentId;
    await waitFor(async () => (await fetch(`${stack.kuki.origin}/api/v1/consents/${id}`)).status === 200);
    // Now every POST is held for 2 s: the change below is in flight when the erasure is asked for.
    stack.proxy.hold('POST', 2000);
    t.after(() => stack.proxy.hold('POST', 0));
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.evaluate(() => window.kuki.showPreferences());
    const p = preferences(s.page);
    await p.waitFor({ state: 'visible' });
    await p.getByRole('button', { name: '내 기록 삭제', exact: true }).click();
    await s.page.waitForFunction(() => window.kuki.getConsent() === null, null, { timeout: 10_000 });
    const deleteAt = stack.proxy.log.find((r) => r.method === 'DELETE');
    const posts = stack.proxy.log.filter((r) => r.method === 'POST' && r.path.endsWith('/consents'));
    assert.ok(deleteAt, 'the erasure was sent');
    assert.ok(posts.every((r) => r.at <= deleteAt.received), 'every post was answered before the DELETE left');
    assert.equal((await fetch(`${stack.kuki.origin}/api/v1/consents/${id}`)).status, 404);
    await s.page.waitForTimeout(2500);
    assert.equal((await fetch(`${stack.kuki.origin}/api/v1/consents/${id}`)).status, 404, 'and it stays so');
    assert.equal(await banner(s.page).isVisible(), true, 'the choice is forgotten here too');
  });

  test('a config with a cycle or shared objects is refused fast, naming the field', async (t) => {
    const s = await visit(stack, t, '/manual.html');
    const elapsed = await s.page.evaluate(() => {
      const cyclic = { revision: 2, categories: [{ id: 'necessary' }] };
      cyclic.categories[0].self = cyclic;
      let shared = { id: 'x' };
      for (let i = 0; i < 40; i += 1) shared = { a: shared, b: shared };
      const t0 = performance.now();
      window.kuki.run(cyclic);
      window.kuki.run({ revision: 3, policy: shared });
      return performance.now() - t0;
    });
    assert.ok(elapsed < 2000, `run() took ${elapsed} ms`);
    const errors = s.consoleErrors.filter((e) => e.startsWith('kuki config:'));
    assert.ok(errors.some((e) => /categories\[0\]\.self: .*(shared reference|cycle)/.test(e)), JSON.stringify(errors));
    assert.ok(errors.some((e) => /policy\.a\.b|policy\.b|policy\.a/.test(e)), JSON.stringify(errors));
    await banner(s.page).waitFor({ state: 'visible', timeout: 10_000 });
  });

  test('acceptCategory: all except, no argument, and an unchanged choice that records nothing', async (t) => {
    const s = await visit(stack, t, '/erase.html');
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.acceptCategory('all', ['analytics']));
    let c = await s.consent();
    assert.deepEqual(c.categories, { necessary: true, functional: true, analytics: false, marketing: true });
    const id = c.consentId;
    await waitFor(async () => (await history(id)).length === 1);
    assert.equal((await history(id))[0].categories.analytics, false, 'the server never heard of analytics consent');

    // The same choice again: no event, no record.
    const before = (await s.events()).length;
    await s.page.evaluate(() => window.kuki.acceptCategory('all', ['analytics']));
    await s.page.evaluate(() => window.kuki.acceptCategory(['functional', 'marketing']));
    await s.page.waitForTimeout(500);
    assert.equal((await s.events()).length, before);
    assert.equal((await history(id)).length, 1);
    assert.equal((await s.consent()).seq, 1);

    // No argument with the dialog open saves its switches; with it closed, necessary only.
    await s.page.evaluate(() => window.kuki.showPreferences());
    const p = preferences(s.page);
    await p.waitFor({ state: 'visible' });
    await kukiRoot(s.page).getByRole('switch', { name: ko.analytics, exact: true }).click();
    await s.page.evaluate(() => window.kuki.acceptCategory());
    await p.waitFor({ state: 'hidden' });
    c = await s.consent();
    assert.deepEqual(c.categories, { necessary: true, functional: true, analytics: true, marketing: true });
    await s.page.evaluate(() => window.kuki.acceptCategory());
    c = await s.consent();
    assert.deepEqual(c.categories, { necessary: true, functional: false, analytics: false, marketing: false });
    await waitFor(async () => (await history(id)).length === 3);
  });

  async function history(id) {
    const r = await fetch(`${stack.kuki.origin}/api/v1/consents/${id}`);
    return r.ok ? (await r.json()).events : [];
  }
});

async function waitFor(check, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`not within ${ms} ms: ${check}`);
}
