// An axe-core audit of every state in states.mjs (kuki's banner, preferences, policy viewer, login warning and
// the visitor's record, and the demo site's own pages) in every variant: 1280x800 and 375x740, light and dark,
// Korean and English. axe runs on the whole document, which takes it inside kuki's open shadow root. Any
// `serious` or `critical` violation fails, named by its rule, its target and axe's help.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, requireBuiltApp, startKukiServer, launchBrowser } from './helpers.mjs';
import { STATES, VARIANTS, openState } from './states.mjs';

requireBuiltApp();
const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Serious and critical violations in the page, each as "id (impact): help\n  at target" lines. */
async function audit(page) {
  // Evaluated, not a <script>: the demo's CSP refuses inline scripts. In every frame, so axe looks inside the
  // embedded ones too (it asks each frame's copy).
  for (const frame of page.frames()) await frame.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    at ${JSON.stringify(n.target)}`).join('\n')}`);
  });
}

describe('axe-core finds no serious or critical violation in any state', () => {
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

  for (const state of STATES) {
    test(state.name, async (t) => {
      const found = [];
      for (const variant of VARIANTS) {
        const s = await openState(browser, kuki.origin, state, variant, t);
        for (const v of await audit(s.page)) found.push(`[${state.name} ${variant.id}] ${v}`);
        assert.deepEqual(s.errors, [], `${state.name} ${variant.id}: page errors`);
        await s.close();
      }
      assert.deepEqual(found, [], `\n${found.join('\n')}`);
    });
  }
});
