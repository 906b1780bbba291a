// Any site, its own words (issue 9): a host page of another origin named Acme gets its name, categories and
// languages in kuki's texts and never 나와의 대화's name, policy or privacy officer; a forgiving config; proof of a
// site's own category on the server; requireCategory for any category; languages matched, then the site's
// default, then English; setLanguage at run time.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, preferences, kukiRoot, NAMES } from './helpers.mjs';

requireBuiltApp();
const en = NAMES.en;

describe('any site, its own words', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('Acme is named in the banner, its own categories are the purposes, and no other site shows', async (t) => {
    const warnings = [];
    const s = await visit(stack, t, '/acme.html', { locale: 'en-US' });
    s.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    const b = banner(s.page, 'en');
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await b.innerText();
    assert.match(text, /Acme uses cookies/);
    assert.match(text, /Analytics and statistics and Ads cookies/);
    assert.doesNotMatch(text, /나와의 대화|login/i);

    // The policy viewer: Acme gave none, so it says so, and shows nobody else's.
    await b.getByRole('link', { name: en.policyLink, exact: true }).click();
    const viewer = kukiRoot(s.page).getByRole('dialog', { name: en.policy, exact: true });
    await viewer.waitFor({ state: 'visible' });
    assert.match(await viewer.innerText(), /Acme has not published a privacy policy here yet/);
    await s.page.keyboard.press('Escape');
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    await s.page.evaluate(() => window.kuki.showPreferences());
    const p = preferences(s.page, 'en');
    await p.waitFor({ state: 'visible' });
    const all = await p.innerText();
    assert.match(all, /Your consent record/, 'the whole dialog is read');
    assert.doesNotMatch(all, /나와의 대화|개인정보 보호책임자|Privacy officer/);
    assert.match(all, /Personalised ads/);
  });

  test('an unknown field warns, an invalid one falls back alone, and the rest of the config stands', async (t) => {
    const s = await visit(stack, t, '/acme.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    const c = await s.consent();
    assert.equal(c.revision, 3, 'revision stands');
    assert.deepEqual(Object.keys(c.categories), ['necessary', 'analytics', 'ads'], 'categories stand');
    assert.ok(
      s.consoleErrors.some((e) => /kuki config: cookie\.acceptDays: .*using the default for cookie/.test(e)),
      JSON.stringify(s.consoleErrors),
    );
    const cookie = (await s.context.cookies(s.url)).find((k) => k.name === 'kuki_consent');
    const days = (cookie.expires * 1000 - Date.now()) / 86_400_000;
    assert.ok(days > 360 && days < 366, `the default 365 days, not 900: ${days}`);
  });

  test("a site's own category is recorded on the server, and its scripts run", async (t) => {
    const s = await visit(stack, t, '/acme.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    const errors = [];
    await s.page.exposeFunction('__kukiError', (d) => errors.push(d));
    await s.page.evaluate(() => window.addEventListener('kuki:error', (e) => window.__kukiError(e.detail)));
    await s.page.evaluate(() => window.kuki.acceptCategory(['ads']));
    const id = (await s.consent()).consentId;
    let events = [];
    for (let i = 0; i < 100 && events.length === 0; i += 1) {
      const r = await fetch(`${stack.kuki.origin}/api/v1/consents/${id}`);
      if (r.ok) events = (await r.json()).events;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(errors, [], 'the server refused nothing');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].categories, { ads: true, analytics: false, necessary: true });
    assert.deepEqual((await s.page.evaluate(() => window.__runs ?? [])).map((r) => r.name), ['ads']);
  });

  test('requireCategory names any category and its purpose, and refusing before a choice is recorded', async (t) => {
    const s = await visit(stack, t, '/acme.html', { locale: 'en-US' });
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.evaluate(() => {
      window.__answer = window.kuki.requireCategory('analytics');
    });
    const dialog = kukiRoot(s.page).getByRole('alertdialog', {
      name: 'Analytics and statistics: your consent is needed',
      exact: true,
    });
    await dialog.waitFor({ state: 'visible' });
    const text = await dialog.innerText();
    assert.match(text, /Analyses usage records and visit frequency/, 'its purpose');
    assert.doesNotMatch(text, /login/i, 'login words only for login categories');
    const allow = dialog.getByRole('button', { name: 'Allow', exact: true });
    const refuse = dialog.getByRole('button', { name: 'Refuse', exact: true });
    assert.equal(await allow.getAttribute('class'), await refuse.getAttribute('class'), 'equal weight');
    await refuse.click();
    assert.equal(await s.page.evaluate(() => window.__answer), false);
    const c = await s.consent();
    assert.deepEqual(c.categories, { necessary: true, analytics: false, ads: false });
    assert.equal(await banner(s.page, 'en').isVisible(), false, 'that refusal was a choice');
  });

  test('languages: a site-supplied French, an unknown German falls to English, a Korean site default wins', async (t) => {
    const fr = await visit(stack, t, '/acme.html', { locale: 'fr-FR' });
    const frBanner = kukiRoot(fr.page).getByRole('dialog', { name: 'Consentement aux cookies', exact: true });
    await frBanner.waitFor({ state: 'visible', timeout: 20_000 });
    const frText = await frBanner.innerText();
    assert.match(frText, /Acme utilise/);
    assert.match(frText, /Publicité/);
    assert.ok(await frBanner.getByRole('button', { name: 'Tout refuser', exact: true }).isVisible());
    assert.equal(await fr.page.locator('[data-kuki-host]').evaluate((h) => h.shadowRoot.querySelector('.kuki-root').lang), 'fr');

    const de = await visit(stack, t, '/acme.html', { locale: 'de-DE' });
    await banner(de.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });
    // A site without French texts: a French browser gets English, not Korean.
    const plain = await visit(stack, t, '/basic.html', { locale: 'fr-FR' });
    await banner(plain.page, 'en').waitFor({ state: 'visible', timeout: 20_000 });

    const ko = await visit(stack, t, '/korean-default.html', { locale: 'de-DE' });
    await banner(ko.page, 'ko').waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await banner(ko.page, 'ko').innerText(), /Hanok Tea은\(는\)/);
    await ko.page.evaluate(() => window.kuki.showPolicy());
    const viewer = kukiRoot(ko.page).getByRole('dialog', { name: NAMES.ko.policy, exact: true });
    await viewer.waitFor({ state: 'visible' });
    assert.ok(await viewer.getByRole('link', { name: 'https://hanok-tea.test/privacy' }).isVisible(), 'its own page');
  });

  test('setLanguage switches an open banner; a language kuki lacks is refused with a warning', async (t) => {
    const s = await visit(stack, t, '/basic.html', { locale: 'ko-KR' });
    const warnings = [];
    s.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await banner(s.page, 'ko').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await s.page.evaluate(() => window.kuki.setLanguage('en')), true);
    await banner(s.page, 'en').waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await banner(s.page, 'en').getByRole('button', { name: en.rejectAll, exact: true }).isVisible());
    assert.equal(await s.page.evaluate(() => window.kuki.setLanguage('ja')), false);
    assert.ok(warnings.some((w) => /setLanguage: no texts in "ja"/.test(w)), JSON.stringify(warnings));
    await banner(s.page, 'en').waitFor({ state: 'visible' });
  });
});
