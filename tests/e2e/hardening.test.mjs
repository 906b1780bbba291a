// What a real host page can do to kuki, and what kuki must hold to anyway: a strict CSP, hostile CSS, a visitor
// with only a keyboard, and an automated accessibility audit (axe-core) of everything kuki shows.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, requireBuiltApp, startStack, visit, banner, preferences, focused, saveArtifact, HOST_SELECTOR, NAMES } from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;

describe('kuki on hostile ground', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  test('a host page with the whole CSP the README documents (default-src none) works with zero CSP violations, and a nonce-carrying blocked script keeps its nonce', async (t) => {
    const s = await visit(stack, t, '/strict-csp.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    await b.waitFor({ state: 'hidden' });
    await s.page.waitForFunction(() => (window.__kukiDemoRuns ?? []).length >= 3, null, { timeout: 10_000 }).catch(() => {});
    assert.deepEqual(await s.runs(), ['a1', 'a2', 'm1'], 'a2 is inline and runs only with its nonce');
    await s.page.evaluate(() => window.kuki.showPreferences());
    await preferences(s.page).waitFor({ state: 'visible' });
    await s.page.evaluate(() => window.kuki.showPolicy());
    await s.page.waitForTimeout(300);
    // The choice reached the server through `connect-src`, the only fetch directive the page grants kuki.
    const id = (await s.consent()).consentId;
    let status = 0;
    for (const end = Date.now() + 10_000; status !== 200 && Date.now() < end; await s.page.waitForTimeout(100)) {
      status = (await fetch(`${stack.kuki.origin}/api/v1/consents/${id}`)).status;
    }
    assert.equal(status, 200, 'the choice was posted under the strict CSP');
    assert.deepEqual(await s.cspViolations(), []);
    assert.deepEqual(s.cspConsole, []);
    assert.deepEqual(s.errors, []);
    // The CSP is really in force: an inline style attribute set by the page is refused.
    const applied = await s.page.evaluate(() => {
      const el = document.createElement('div');
      el.innerHTML = '<p style="color: rgb(1, 2, 3)">x</p>';
      document.body.appendChild(el);
      const c = getComputedStyle(el.firstChild).color;
      el.remove();
      return c;
    });
    assert.notEqual(applied, 'rgb(1, 2, 3)', 'the test page must really carry the strict CSP');
  });

  test('hostile host CSS can neither hide nor restyle the banner', async (t) => {
    const s = await visit(stack, t, '/hostile-css.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.waitForTimeout(400);
    saveArtifact('hostile-css-desktop.png', await s.page.screenshot());
    const accept = b.getByRole('button', { name: ko.acceptAll, exact: true });
    const box = await b.boundingBox();
    assert.ok(box && box.width >= 200 && box.height >= 40, `banner box ${JSON.stringify(box)}`);
    const viewport = s.page.viewportSize();
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 1 && box.y + box.height <= viewport.height + 1);
    const look = await accept.evaluate((el, hostSel) => {
      const s = getComputedStyle(el);
      const host = document.querySelector(hostSel);
      const h = getComputedStyle(host);
      const r = el.getBoundingClientRect();
      let hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      while (hit && hit.shadowRoot) {
        const inner = hit.shadowRoot.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        if (!inner || inner === hit) break;
        hit = inner;
      }
      return {
        color: s.color,
        background: s.backgroundColor,
        fontSize: parseFloat(s.fontSize),
        hostOpacity: h.opacity,
        hostVisibility: h.visibility,
        buttonOpacity: s.opacity,
        reachable: hit === el || el.contains(hit),
      };
    }, HOST_SELECTOR);
    assert.notEqual(look.color, 'rgb(255, 0, 0)', 'the host page recoloured kuki text');
    assert.notEqual(look.background, 'rgb(255, 0, 0)', 'the host page recoloured kuki buttons');
    assert.ok(look.fontSize >= 12, `font size ${look.fontSize}px`);
    assert.equal(look.hostOpacity, '1');
    assert.equal(look.hostVisibility, 'visible');
    assert.equal(look.buttonOpacity, '1');
    assert.ok(look.reachable, 'a click at the centre of "accept all" reaches the button');
    await accept.click();
    await b.waitFor({ state: 'hidden' });
    assert.ok(await s.consent());
  });

  test('a host page root font size (html { font-size: 62.5% }) neither shrinks nor grows kuki', async (t) => {
    const measure = async (path) => {
      const s = await visit(stack, t, path);
      const b = banner(s.page);
      await b.waitFor({ state: 'visible', timeout: 20_000 });
      await s.page.waitForTimeout(400);
      const accept = b.getByRole('button', { name: ko.acceptAll, exact: true });
      const fontSize = await accept.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      const box = await b.boundingBox();
      return { fontSize, width: Math.round(box.width), height: Math.round(box.height) };
    };
    const plain = await measure('/basic.html');
    const small = await measure('/root-font-size.html');
    assert.deepEqual(small, plain, 'kuki sized itself from the host page root font size (rem units leak through the shadow root)');
  });

  test('keyboard only: Tab reaches the banner buttons, the dialog traps focus and Escape closes it', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.waitForTimeout(300);
    const seen = new Set();
    let f = await focused(s.page);
    assert.ok(f?.inKuki, `focus moves into the banner on a first visit (focused: ${JSON.stringify(f)})`);
    for (let i = 0; i < 8 && !(seen.has(ko.acceptAll) && seen.has(ko.rejectAll) && seen.has(ko.customise)); i++) {
      if (f?.inKuki) seen.add(f.name);
      await s.page.keyboard.press('Tab');
      f = await focused(s.page);
    }
    if (f?.inKuki) seen.add(f.name);
    for (const name of [ko.acceptAll, ko.rejectAll, ko.customise]) assert.ok(seen.has(name), `Tab reached ${name}: ${[...seen]}`);

    // Open the preferences from the keyboard.
    // The banner is not modal: Tab may pass through the host page on its way round.
    for (let i = 0; i < 30 && (await focused(s.page))?.name !== ko.customise; i++) await s.page.keyboard.press('Tab');
    assert.equal((await focused(s.page))?.name, ko.customise);
    await s.page.keyboard.press('Enter');
    const prefs = preferences(s.page);
    await prefs.waitFor({ state: 'visible' });
    await s.page.waitForTimeout(200);
    for (let i = 0; i < 20; i++) {
      const now = await focused(s.page);
      assert.ok(now?.inKuki && now.modal, `focus left the preferences dialog after ${i} Tabs: ${JSON.stringify(now)}`);
      await s.page.keyboard.press(i % 5 === 4 ? 'Shift+Tab' : 'Tab');
    }
    // A switch toggles with Space.
    for (let i = 0; i < 20 && (await focused(s.page))?.name !== ko.analytics; i++) await s.page.keyboard.press('Tab');
    const analytics = prefs.getByRole('switch', { name: ko.analytics, exact: true });
    if ((await focused(s.page))?.name === ko.analytics) {
      await s.page.keyboard.press('Space');
      assert.equal(await analytics.getAttribute('aria-checked'), 'true');
    }
    await s.page.keyboard.press('Escape');
    await prefs.waitFor({ state: 'hidden' });
    assert.equal(await s.consent(), null, 'Escape closes without saving');
    assert.deepEqual(s.errors, []);
  });

  test('axe-core finds no serious or critical violation in the banner, the preferences and the policy', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const axe = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await s.page.addScriptTag({ content: axe });
    const audit = async (what) => {
      await s.page.waitForTimeout(600); // audit the settled dialog, not a frame of its entrance transition
      const found = await s.page.evaluate(async (sel) => {
        const r = await window.axe.run(document.querySelector(sel), { resultTypes: ['violations'] });
        return r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
      }, HOST_SELECTOR);
      assert.deepEqual(found, [], `${what}:\n${found.join('\n')}`);
    };
    await banner(s.page).waitFor({ state: 'visible', timeout: 20_000 });
    await audit('the banner');
    await s.page.evaluate(() => window.kuki.showPreferences());
    await preferences(s.page).waitFor({ state: 'visible' });
    await audit('the preferences dialog');
    await s.page.keyboard.press('Escape');
    await s.page.evaluate(() => window.kuki.showPolicy());
    await s.page.getByRole('dialog', { name: ko.policy, exact: true }).waitFor({ state: 'visible' });
    await audit('the policy viewer');
  });
});
