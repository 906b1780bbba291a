// Pictures for people: the banner in Korean and English on a 320 px phone and on a desktop, saved as PNGs in
// tests/e2e/artifacts/ (git-ignored). The test also holds what a picture would show: the banner fits the width.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appMissingReason, startStack, visit, banner, preferences, saveArtifact } from './helpers.mjs';

const skip = appMissingReason() ?? false;
if (skip) console.log(`# screenshot tests skipped: ${skip}`);

const SIZES = { phone320: { width: 320, height: 640 }, desktop: { width: 1280, height: 800 } };
const LANGS = { ko: 'ko-KR', en: 'en-US' };

describe('screenshots of the banner', { skip }, () => {
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
});
