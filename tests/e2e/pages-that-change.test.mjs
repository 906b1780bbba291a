// Pages that change (issue 10): blocked scripts and iframes a single-page app inserts after load are handled like
// those present at load (one MutationObserver), and a blocked iframe waits behind a placeholder that says what is
// blocked and who would receive the data, with "allow and load" (this one, nothing recorded) and "always allow"
// (the category accepted, stored and posted). The host page runs under a strict CSP; the iframes' targets are
// pages on the host server, whose request log shows what was fetched and when.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireBuiltApp, startStack, visit, banner, saveArtifact, focused, NAMES } from './helpers.mjs';

requireBuiltApp();
const en = NAMES.en;

const TEXTS = {
  en: {
    load: 'Allow and load',
    always: 'Always allow',
    blocked: (c) => `This content is not loaded until you allow \u201c${c}\u201d.`,
    recipient: (h) => `Loading it sends data such as your IP address to ${h}.`,
    untitled: 'Embedded content',
  },
  ko: {
    load: '허용하고 불러오기',
    always: '항상 허용',
    blocked: (c) => `'${c}' 항목에 동의하기 전에는 이 콘텐츠를 불러오지 않습니다.`,
    recipient: (h) => `불러오면 IP 주소 등 접속 정보가 ${h}에 전송됩니다.`,
  },
};

describe('pages that change', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const fetched = (path) => stack.host.requests.filter((p) => p === path).length;
  const runs = (s) => s.page.evaluate(() => (window.__runs ?? []).map((r) => r.name));
  /** The placeholder standing before the iframe `id` (its host element). */
  const placeholder = (s, id) => s.page.locator(`#${id}`).locator('xpath=preceding-sibling::*[1][@data-kuki-placeholder]');
  const placeholders = (s) => s.page.locator('[data-kuki-placeholder]').count();
  /** The iframe's state as kuki left it: its src, whether it shows, and the document it holds. */
  const frame = (s, id) =>
    s.page.evaluate((id) => {
      const f = document.getElementById(id);
      let doc = null;
      try {
        doc = f.contentWindow.location.href;
      } catch {
        doc = 'cross-origin';
      }
      return { src: f.getAttribute('src'), display: getComputedStyle(f).display, doc };
    }, id);
  const loadedText = (s, id) => s.page.frameLocator(`#${id}`).locator('#embedded').textContent({ timeout: 10_000 });

  async function history(consentId) {
    const r = await fetch(`${stack.kuki.origin}/api/v1/consents/${consentId}`);
    return r.ok ? (await r.json()).events : [];
  }

  async function waitFor(check, what, ms = 10_000) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`not within ${ms} ms: ${what}`);
  }

  /** Opens the page and waits for its three placeholders. */
  async function open(t, options = { locale: 'en-US' }) {
    const s = await visit(stack, t, '/embeds.html', options);
    await banner(s.page, options.locale === 'ko-KR' ? 'ko' : 'en').waitFor({ state: 'visible', timeout: 20_000 });
    await waitFor(async () => (await placeholders(s)) === 3, 'three placeholders');
    return s;
  }

  /** Every test ends here: no page error, no CSP violation. */
  async function clean(s) {
    assert.deepEqual(s.errors, [], 'no page error');
    assert.deepEqual(await s.cspViolations(), [], 'no CSP violation');
    assert.deepEqual(s.cspConsole, [], 'no CSP report in the console');
  }

  async function rejectAll(s) {
    const b = banner(s.page, 'en');
    await b.getByRole('button', { name: en.rejectAll, exact: true }).click();
    await b.waitFor({ state: 'hidden' });
    const c = await s.consent();
    await waitFor(async () => (await history(c.consentId)).length === 1, 'the refusal on the server');
    return c;
  }

  test('an iframe present at load waits behind a placeholder that says what and who, and is never requested', async (t) => {
    const before = ['/embed-map.html', '/embed-video.html', '/embed-ad.html'].map(fetched);
    const s = await open(t);
    const map = placeholder(s, 'map');
    assert.equal(await map.getByRole('group').getAttribute('aria-labelledby'), 'kuki-embed-title');
    const group = map.getByRole('group', { name: 'Store map', exact: true });
    await group.waitFor();
    const text = await group.innerText();
    assert.ok(text.includes(TEXTS.en.blocked(en.functional)), text);
    assert.ok(text.includes('Service: Maps'), text);
    assert.ok(text.includes(TEXTS.en.recipient('127.0.0.1')), text);
    for (const name of [TEXTS.en.load, TEXTS.en.always]) {
      const button = group.getByRole('button', { name, exact: true });
      const box = await button.boundingBox();
      assert.ok(box.height >= 44 && box.width >= 44, `${name}: a 44 px target (${box.width}x${box.height})`);
    }
    // Untitled: a generic name; another category: its own name.
    const ad = placeholder(s, 'ad').getByRole('group', { name: TEXTS.en.untitled, exact: true });
    assert.ok((await ad.innerText()).includes(TEXTS.en.blocked(en.marketing)));
    // The iframe's box: width/height attributes, and the browser's 300x150 under a minimum height when it has none.
    const size = async (id) => placeholder(s, id).boundingBox();
    const m = await size('map');
    assert.deepEqual([Math.round(m.width), Math.round(m.height)], [562, 317], 'the map iframe is 560x315 plus its border');
    const v = await size('video');
    assert.equal(Math.round(v.width), 302);
    assert.ok(v.height >= 200, `a minimum height for the texts and buttons (${v.height})`);
    for (const id of ['map', 'video', 'ad']) {
      assert.deepEqual(await frame(s, id), { src: null, display: 'none', doc: 'about:blank' }, id);
    }
    await s.page.waitForTimeout(500);
    assert.deepEqual(['/embed-map.html', '/embed-video.html', '/embed-ad.html'].map(fetched), before, 'nothing requested');
    // The keyboard reaches the placeholders' buttons in document order.
    await s.page.click('h1');
    await s.page.keyboard.press('Tab');
    assert.equal((await focused(s.page)).name, TEXTS.en.load);
    await s.page.keyboard.press('Tab');
    assert.equal((await focused(s.page)).name, TEXTS.en.always);
    await clean(s);
  });

  test('the placeholder speaks Korean', async (t) => {
    const s = await open(t, { locale: 'ko-KR' });
    const text = await placeholder(s, 'map').getByRole('group', { name: 'Store map' }).innerText();
    assert.ok(text.includes(TEXTS.ko.blocked(NAMES.ko.functional)), text);
    assert.ok(text.includes('서비스: Maps') && text.includes(TEXTS.ko.recipient('127.0.0.1')), text);
    assert.ok(text.includes(TEXTS.ko.load) && text.includes(TEXTS.ko.always), text);
    // setLanguage re-renders the placeholders too.
    await s.page.evaluate(() => window.kuki.setLanguage('en'));
    await placeholder(s, 'map').getByRole('button', { name: TEXTS.en.load, exact: true }).waitFor();
    await clean(s);
  });

  test('"allow and load" loads only that iframe and records nothing', async (t) => {
    const s = await open(t);
    const c = await rejectAll(s);
    assert.equal(await placeholders(s), 3, 'a refusal keeps them waiting');
    const before = ['/embed-video.html', '/embed-ad.html'].map(fetched);
    await placeholder(s, 'map').getByRole('button', { name: TEXTS.en.load, exact: true }).click();
    assert.equal(await loadedText(s, 'map'), 'embedded map');
    assert.deepEqual(await frame(s, 'map'), {
      src: '/embed-map.html',
      display: 'block',
      doc: `${stack.host.origin}/embed-map.html`,
    });
    assert.equal(await placeholders(s), 2);
    assert.equal((await focused(s.page)).tag, 'iframe', 'focus goes to the iframe it loaded');
    await s.page.waitForTimeout(500);
    assert.deepEqual(['/embed-video.html', '/embed-ad.html'].map(fetched), before, 'the others stay unrequested');
    const after = await s.consent();
    assert.equal(after.seq, c.seq, 'no new record');
    assert.equal(after.categories.functional, false);
    assert.equal((await history(c.consentId)).length, 1, 'the server history is unchanged');
    // A later change that still refuses functional keeps the video the visitor started.
    await s.page.evaluate(() => window.kuki.acceptCategory(['analytics']));
    await s.page.waitForTimeout(300);
    assert.equal((await frame(s, 'map')).src, '/embed-map.html');
    await clean(s);
  });

  test('"always allow" accepts the category (stored, posted) and loads every iframe of it', async (t) => {
    const s = await open(t);
    const c = await rejectAll(s);
    const adBefore = fetched('/embed-ad.html');
    await placeholder(s, 'video').getByRole('button', { name: TEXTS.en.always, exact: true }).click();
    assert.equal(await loadedText(s, 'video'), 'embedded video');
    assert.equal(await loadedText(s, 'map'), 'embedded map');
    assert.equal(await placeholders(s), 1, 'the marketing one still waits');
    assert.equal(fetched('/embed-ad.html'), adBefore);
    const after = await s.consent();
    assert.deepEqual(after.categories, { necessary: true, functional: true, analytics: false, marketing: false });
    assert.equal(after.seq, c.seq + 1);
    const stored = (await s.cookies()).kuki_consent.split('.');
    assert.deepEqual([stored[2], stored[8]], [String(after.seq), 'necessary|functional'], 'stored in the consent cookie');
    await waitFor(async () => (await history(c.consentId)).length === 2, 'the acceptance on the server');
    const last = (await history(c.consentId))[1];
    assert.equal(last.action, 'accept_category');
    assert.equal(last.categories.functional, true);
    assert.equal(last.categories.marketing, false);
    await clean(s);
  });

  test('"always allow" before any choice is the first choice: that category only', async (t) => {
    const s = await open(t);
    await placeholder(s, 'ad').getByRole('button', { name: TEXTS.en.always, exact: true }).click();
    assert.equal(await loadedText(s, 'ad'), 'embedded ad');
    await banner(s.page, 'en').waitFor({ state: 'hidden' });
    const c = await s.consent();
    assert.deepEqual(c.categories, { necessary: true, functional: false, analytics: false, marketing: true });
    assert.equal(await placeholders(s), 2);
    await waitFor(async () => (await history(c.consentId)).length === 1, 'the first choice on the server');
    await clean(s);
  });

  test('withdrawal brings the placeholders back; a change refusing a category brings back its own', async (t) => {
    const s = await open(t);
    await s.page.evaluate(() => window.kuki.acceptCategory('all'));
    for (const id of ['map', 'video', 'ad']) assert.equal(await loadedText(s, id), `embedded ${id}`);
    assert.equal(await placeholders(s), 0);
    await s.page.evaluate(() => window.kuki.acceptCategory(['functional']));
    await waitFor(async () => (await placeholders(s)) === 1, 'the ad back behind its placeholder');
    assert.deepEqual(await frame(s, 'ad'), { src: null, display: 'none', doc: 'about:blank' }, 'the ad page is gone');
    assert.equal((await frame(s, 'map')).src, '/embed-map.html', 'functional ones stay');
    await s.page.evaluate(() => window.kuki.reset());
    await waitFor(async () => (await placeholders(s)) === 3, 'every placeholder back');
    for (const id of ['map', 'video', 'ad']) {
      assert.deepEqual(await frame(s, id), { src: null, display: 'none', doc: 'about:blank' }, id);
    }
    // Loaded once under a refusal, then withdrawn: back too.
    await s.page.evaluate(() => window.kuki.acceptCategory([]));
    await placeholder(s, 'video').getByRole('button', { name: TEXTS.en.load, exact: true }).click();
    assert.equal(await loadedText(s, 'video'), 'embedded video');
    assert.equal(await placeholders(s), 2);
    await s.page.evaluate(() => window.kuki.reset());
    await waitFor(async () => (await placeholders(s)) === 3, 'the video back after the second withdrawal');
    assert.equal((await frame(s, 'video')).doc, 'about:blank');
    await clean(s);
  });

  test('an iframe inserted after a choice loads at once if allowed, else waits; removing it removes its placeholder', async (t) => {
    const s = await open(t);
    await s.page.evaluate(() => window.kuki.acceptCategory(['functional']));
    const insert = (id, category, src) =>
      s.page.evaluate(
        ([id, category, src]) => {
          // As a framework would: a wrapper built off the page, then inserted whole.
          const wrap = document.createElement('section');
          const f = document.createElement('iframe');
          Object.assign(f, { id, title: `late ${id}` });
          f.dataset.category = category;
          f.dataset.src = src;
          wrap.append(f);
          document.getElementById('app').append(wrap);
        },
        [id, category, src],
      );
    await insert('late', 'functional', '/embed-late.html');
    assert.equal(await loadedText(s, 'late'), 'embedded late');
    assert.equal(await placeholders(s), 1, 'only the ad waits');
    const before = fetched('/embed-ad.html');
    await insert('late-ad', 'marketing', '/embed-ad.html');
    await placeholder(s, 'late-ad').getByRole('group', { name: 'late late-ad' }).waitFor();
    assert.equal(await placeholders(s), 2);
    await s.page.evaluate(() => document.getElementById('late-ad').parentElement.remove());
    await waitFor(async () => (await placeholders(s)) === 1, 'the removed iframe takes its placeholder along');
    await s.page.evaluate(() => window.kuki.acceptCategory(['functional', 'marketing']));
    assert.equal(await loadedText(s, 'ad'), 'embedded ad');
    assert.equal(await placeholders(s), 0);
    assert.equal(fetched('/embed-ad.html'), before + 1, 'the removed one was never requested');
    await clean(s);
  });

  test('blocked scripts inserted before and after a choice run like those present at load, once, in order', async (t) => {
    const s = await open(t);
    const insert = (scripts) =>
      s.page.evaluate((scripts) => {
        for (const { category, name, ms, inline } of scripts) {
          const el = document.createElement('script');
          el.type = 'text/plain';
          el.dataset.category = category;
          if (inline) {
            el.setAttribute('nonce', 'e2e-nonce');
            el.text = `(window.__runs = window.__runs || []).push({ name: ${JSON.stringify(name)} });`;
          } else {
            el.dataset.src = `/slow.js?ms=${ms ?? 0}&name=${name}`;
          }
          document.body.append(el);
        }
      }, scripts);
    const slowBefore = fetched('/slow.js');
    await insert([{ category: 'analytics', name: 'before-choice' }]);
    await s.page.waitForTimeout(500);
    assert.deepEqual(await runs(s), [], 'before a choice it waits');
    assert.equal(fetched('/slow.js'), slowBefore, 'and fetches nothing');
    await s.page.evaluate(() => window.kuki.acceptCategory(['analytics']));
    await waitFor(async () => (await runs(s)).length === 1, 'the waiting script runs on consent');
    // After the choice: a slow external one, then an inline one, in one go: document order is kept.
    await insert([
      { category: 'analytics', name: 'after-slow', ms: 400 },
      { category: 'analytics', name: 'after-inline', inline: true },
      { category: 'marketing', name: 'refused' },
      { category: '!marketing', name: 'not-marketing', inline: true },
    ]);
    await waitFor(async () => (await runs(s)).length === 4, 'the three allowed ones run');
    // Inserted separately, in the next task: still once.
    await insert([{ category: 'analytics', name: 'later', inline: true }]);
    await waitFor(async () => (await runs(s)).length === 5, 'the later one runs');
    await s.page.waitForTimeout(500);
    assert.deepEqual(
      await runs(s),
      ['before-choice', 'after-slow', 'after-inline', 'not-marketing', 'later'],
      'each once, in document order',
    );
    await s.page.evaluate(() => window.kuki.acceptCategory(['analytics', 'marketing']));
    await waitFor(async () => (await runs(s)).length === 6, 'the marketing one runs when accepted');
    assert.equal((await runs(s))[5], 'refused');
    await clean(s);
  });

  test('screenshots of a placeholder: 1280x800 and 375x740, light and dark', async (t) => {
    for (const [width, height] of [
      [1280, 800],
      [375, 740],
    ]) {
      for (const colorScheme of ['light', 'dark']) {
        const s = await visit(stack, t, '/embeds.html', { locale: 'ko-KR', viewport: { width, height }, colorScheme });
        await banner(s.page, 'ko').waitFor({ state: 'visible', timeout: 20_000 });
        const map = placeholder(s, 'map');
        await map.getByRole('button', { name: TEXTS.ko.load, exact: true }).waitFor();
        const box = await map.boundingBox();
        assert.ok(box.width <= width, `the placeholder fits the ${width} px viewport (${box.width})`);
        saveArtifact(`placeholder-${width}x${height}-${colorScheme}.png`, await map.screenshot());
        assert.deepEqual(await s.cspViolations(), []);
      }
    }
  });
});
