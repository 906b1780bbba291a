// `make bench`'s browser benchmark (issue 8): kuki against a static HTML banner (the floor) and three peers from
// npm, in one interleaved run in headless Chromium on 127.0.0.1, at 1x and 4x CPU throttling, medians over ROUNDS
// rounds (default 11). Prints one table per CPU rate and the issue's goals with PASS/FAIL, and writes every sample
// to target/bench/browser.json. A benchmark reports: the exit status is 0 whatever the figures (non-zero only when
// it could not run at all).
//
// Servers (all on 127.0.0.1, all stopped at the end):
// - host: the pages of benches/pages/ (one origin, the "site"); `{{KUKI}}`, `{{PEER}}`, `{{HOST}}` and
//   `{{KUKI_CSS}}` (src/kuki.css, for the static page) are filled in. HTML no-store, other files max-age=600.
// - kuki: the built target/server/kuki-server serving dist/ (another origin), as the e2e suite starts it.
// - peer: benches/peers/node_modules as a CDN serves a versioned npm file (a third origin): gzip or brotli by
//   Accept-Encoding, `Cache-Control: public, max-age=31536000, immutable`, CORS and Timing-Allow-Origin.
//
// Visits, each in a fresh browser context (fresh cache and cookies), per round, per CPU rate, per page, in an
// order shuffled every round:
//   first  load and settle: banner visible, long tasks, layout shift, bytes, JS heap
//   click  load; the reject button is clicked in the very animation frame the banner is first seen; time until
//          the page's consent cookie is written
//   return load and accept at first sight, wait for the analytics script; then load the page again in the same
//          context (choice stored, warm cache): time until the accepted analytics script has run
//
// "Banner visible" (ms from navigation start): the timestamp of the first animation frame at whose start the page's
// banner element is connected, has a non-zero bounding box and passes
// checkVisibility({ opacityProperty: true, visibilityProperty: true }) (so not hidden, not fully transparent):
// what is painted in that frame. For kuki the element is `.kuki-banner` inside the open shadow root of
// `[data-kuki-host]`. A requestAnimationFrame loop installed before any page script does the checking.
//
// `node scripts/bench/browser.mjs --serve` starts the three servers only and prints the pages' addresses.
// Environment: ROUNDS (default 11), RATES (default "1,4"), PAGES (comma list, default all), BENCH_JSON (default
// target/bench/browser.json), CHROMIUM (default /usr/bin/chromium).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ROOT, SERVER_BIN, DIST, freePort, startKukiServer, CHROMIUM_ARGS as E2E_CHROMIUM_ARGS } from '../../tests/e2e/helpers.mjs';

const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 11) | 0);
const RATES = (process.env.RATES ?? '1,4').split(',').map(Number).filter((r) => r >= 1);
const OUT = process.env.BENCH_JSON ?? join(ROOT, 'target', 'bench', 'browser.json');
const PAGES_DIR = join(ROOT, 'benches', 'pages');
const PEERS_DIR = join(ROOT, 'benches', 'peers');
const PEERS_MODULES = join(PEERS_DIR, 'node_modules');
const STARTED = Date.now();
// The whole run is bounded: past this, no new round starts (the figures so far are still reported).
const RUN_BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 14 * 60_000);
const VISIBLE_TIMEOUT = 20_000;

// The flags of the e2e suite (tests/e2e/helpers.mjs), and every host name other than 127.0.0.1 unresolvable, so
// that no page (a peer's credit image, say) can reach beyond this machine.
const CHROMIUM_ARGS = [
  ...E2E_CHROMIUM_ARGS,
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  // navigator.webdriver false, as for a visitor: vanilla-cookieconsent hides itself from bots by default.
  '--disable-blink-features=AutomationControlled',
];

// How to see, refuse and accept each banner, and the cookie that holds its choice.
// `banner`, `reject`, `accept`: a path of selectors, each but the last naming a shadow host to enter; an optional
// `text` (a regular expression source) picks, among the last selector's matches, the one whose text matches.
const PAGES = {
  static: {
    file: 'static.html',
    cookie: 'static_consent',
    banner: ['.kuki-banner'],
    reject: ['#reject'],
    accept: ['#accept'],
  },
  kuki: {
    file: 'kuki.html',
    cookie: 'kuki_consent',
    banner: ['[data-kuki-host]', '.kuki-banner'],
    reject: ['[data-kuki-host]', '.kuki-banner button', '^(Reject all|모두 거부)$'],
    accept: ['[data-kuki-host]', '.kuki-banner button', '^(Accept all|모두 동의)$'],
  },
  'vanilla-cookieconsent': {
    file: 'vanilla-cookieconsent.html',
    cookie: 'cc_cookie',
    banner: ['#cc-main .cm'],
    reject: ['#cc-main .cm [data-role="necessary"]'],
    accept: ['#cc-main .cm [data-role="all"]'],
  },
  klaro: {
    file: 'klaro.html',
    cookie: 'klaro',
    banner: ['#klaro .cookie-notice:not(.cookie-notice-hidden)'],
    reject: ['#klaro .cookie-notice .cn-decline'],
    accept: ['#klaro .cookie-notice .cm-btn-success'],
  },
  tarteaucitron: {
    file: 'tarteaucitron.html',
    cookie: 'tarteaucitron',
    banner: ['#tarteaucitronAlertBig'],
    reject: ['#tarteaucitronAllDenied2'],
    accept: ['#tarteaucitronPersonalize2'],
  },
};
const PAGE_NAMES = (process.env.PAGES ?? Object.keys(PAGES).join(','))
  .split(',')
  .filter((p) => PAGES[p]);
if (!PAGE_NAMES.includes('static')) PAGE_NAMES.unshift('static');

// --- setup ---------------------------------------------------------------------------------------------------

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

/** Installs benches/peers from its lock file when missing or stale (the bench's own step; make run/test never do). */
function ensurePeers() {
  const want = JSON.parse(readFileSync(join(PEERS_DIR, 'package.json'), 'utf8')).dependencies;
  const have = (name) => {
    try {
      return JSON.parse(readFileSync(join(PEERS_MODULES, name, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  if (Object.entries(want).every(([n, v]) => have(n) === v)) return;
  log('installing the peers (npm ci in benches/peers; once)');
  const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: PEERS_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`npm ci in benches/peers failed (${r.error ?? `exit ${r.status}`})`);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
};

function brotli(bytes) {
  return brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
}

/** A static server on a free 127.0.0.1 port: `resolve(pathname)` gives a file or null; `fill(text)` rewrites
 * text files (or null); `cache(file)` the Cache-Control. Compresses as a CDN would (brotli, else gzip, when the
 * browser asks; precomputed once per file). */
async function startStatic({ resolve, fill, cache, cors }) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const memo = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url, origin);
    const file = resolve(decodeURIComponent(url.pathname));
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('404');
    }
    let entry = memo.get(file);
    if (!entry) {
      let body = readFileSync(file);
      const filled = fill ? fill(file, body.toString('utf8')) : null;
      if (filled !== null && filled !== undefined) body = Buffer.from(filled);
      entry = { body, br: brotli(body), gz: gzipSync(body, { level: 9 }) };
      memo.set(file, entry);
    }
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': cache(file),
      vary: 'accept-encoding',
    };
    if (cors) {
      headers['access-control-allow-origin'] = '*';
      headers['timing-allow-origin'] = '*';
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    let body = entry.body;
    if (/\bbr\b/.test(accept)) {
      headers['content-encoding'] = 'br';
      body = entry.br;
    } else if (/\bgzip\b/.test(accept)) {
      headers['content-encoding'] = 'gzip';
      body = entry.gz;
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    origin,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

function inside(base, rel) {
  const file = normalize(join(base, rel));
  return file === base || file.startsWith(base + sep) ? file : null;
}

// --- in the page ----------------------------------------------------------------------------------------------

/** Installed before any page script. `cfg`: { cookie, banner, action: null | 'reject' | 'accept', target }. */
function instrument(cfg) {
  const B = (window.__bench = { visible: null, clicked: null, stored: null, clickError: null, longtasks: [], cls: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) B.cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  } catch {}
  // The choice is stored when the page writes its consent cookie after the click (document.cookie or cookieStore).
  const prefix = `${cfg.cookie}=`;
  const wrote = (text) => {
    if (B.clicked !== null && B.stored === null && String(text).trim().startsWith(prefix)) B.stored = performance.now();
  };
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      return desc.get.call(this);
    },
    set(v) {
      desc.set.call(this, v);
      wrote(v);
    },
  });
  if (window.CookieStore && CookieStore.prototype.set) {
    const set = CookieStore.prototype.set;
    CookieStore.prototype.set = function (a, b) {
      const name = typeof a === 'string' ? a : a && a.name;
      return set.apply(this, arguments).then((r) => {
        wrote(`${name}=`);
        return r;
      });
    };
  }
  const find = (path) => {
    let root = document;
    const sels = path.filter((p) => !p.startsWith('^'));
    const text = path.find((p) => p.startsWith('^'));
    for (let i = 0; i < sels.length - 1; i += 1) {
      const host = root.querySelector(sels[i]);
      root = host && host.shadowRoot;
      if (!root) return null;
    }
    const last = sels[sels.length - 1];
    if (!text) return root.querySelector(last);
    const re = new RegExp(text);
    for (const el of root.querySelectorAll(last)) if (re.test(el.textContent.trim())) return el;
    return null;
  };
  window.__benchFind = find;
  const seen = (el) => {
    if (!el || !el.isConnected) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  };
  const until = performance.now() + 30_000;
  const frame = () => {
    const now = performance.now();
    if (seen(find(cfg.banner))) {
      B.visible = now;
      if (cfg.action) {
        const button = find(cfg.target);
        if (button) {
          B.clicked = performance.now();
          button.click();
        } else B.clickError = 'no button';
      }
      return;
    }
    if (now < until) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

// --- one visit ------------------------------------------------------------------------------------------------

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, fail) => {
        timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a fresh context and page, throttled, with the network watched through CDP. */
async function open(browser, name, rate, action) {
  const p = PAGES[name];
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  const net = { inflight: new Set(), wire: 0, requests: 0, external: 0, lastActivity: Date.now(), failed: [] };
  cdp.on('Network.requestWillBeSent', (e) => {
    net.inflight.add(e.requestId);
    net.requests += 1;
    net.lastActivity = Date.now();
    if (!/^(https?:\/\/127\.0\.0\.1[:/]|data:|blob:)/.test(e.request.url)) net.external += 1;
  });
  cdp.on('Network.loadingFinished', (e) => {
    net.inflight.delete(e.requestId);
    net.wire += e.encodedDataLength;
    net.lastActivity = Date.now();
  });
  cdp.on('Network.loadingFailed', (e) => {
    net.inflight.delete(e.requestId);
    net.lastActivity = Date.now();
    if (!e.canceled) net.failed.push(e.errorText);
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
  const target = action ? p[action] : null;
  await context.addInitScript(instrument, { cookie: p.cookie, banner: p.banner, action, target });
  return { context, page, cdp, net, errors };
}

async function waitFor(page, fn, arg, ms, what) {
  await withTimeout(page.waitForFunction(fn, arg, { timeout: ms, polling: 25 }), ms + 2_000, what);
}

/** Until no request has been in flight for `quiet` ms (at most `max` ms). */
async function settle(net, quiet = 300, max = 3_000) {
  const until = Date.now() + max;
  while (Date.now() < until) {
    if (net.inflight.size === 0 && Date.now() - net.lastActivity >= quiet) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function firstVisit(browser, url, name, rate) {
  const v = await open(browser, name, rate, null);
  try {
    await withTimeout(v.page.goto(url, { waitUntil: 'commit' }), 30_000, 'goto');
    await waitFor(v.page, () => window.__bench && window.__bench.visible !== null, null, VISIBLE_TIMEOUT, 'banner visible');
    await withTimeout(v.page.waitForLoadState('load').catch(() => {}), 20_000, 'load');
    await settle(v.net);
    const r = await v.page.evaluate(() => ({
      ...window.__bench,
      resources: performance.getEntriesByType('resource').map((e) => ({ url: e.name, start: e.startTime })),
    }));
    await v.cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    const metrics = (await v.cdp.send('Performance.getMetrics')).metrics;
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? null;
    return {
      visible: r.visible,
      longTotal: r.longtasks.reduce((a, b) => a + b, 0),
      longMax: r.longtasks.length ? Math.max(...r.longtasks) : 0,
      longCount: r.longtasks.length,
      cls: r.cls,
      heap,
      wire: v.net.wire,
      requests: v.net.requests,
      external: v.net.external,
      failed: v.net.failed,
      // The document itself, then every resource, each with its request start (ms from navigation start).
      resources: [{ url, start: 0 }, ...r.resources],
      errors: v.errors,
    };
  } finally {
    await v.context.close().catch(() => {});
  }
}

async function clickVisit(browser, url, name, rate) {
  const v = await open(browser, name, rate, 'reject');
  try {
    await withTimeout(v.page.goto(url, { waitUntil: 'commit' }), 30_000, 'goto');
    await waitFor(v.page, () => window.__bench && window.__bench.visible !== null, null, VISIBLE_TIMEOUT, 'banner visible');
    // Lost clicks are reported, not waited on forever.
    // A click that registers stores the choice within milliseconds; one ignored (handlers not attached yet, as
    // tarteaucitron's are only in a later timer) is reported as lost after 3 s.
    await waitFor(v.page, () => window.__bench.stored !== null || window.__bench.clickError !== null, null, 3_000, 'choice stored').catch(() => {});
    const r = await v.page.evaluate(() => window.__bench);
    const cookie = (await v.context.cookies(url)).find((c) => c.name === PAGES[name].cookie);
    return {
      visible: r.visible,
      clicked: r.clicked,
      stored: r.stored,
      clickToStored: r.stored !== null && r.clicked !== null ? r.stored - r.clicked : null,
      cookie: cookie ? cookie.value.slice(0, 200) : null,
      clickError: r.clickError,
      errors: v.errors,
    };
  } finally {
    await v.context.close().catch(() => {});
  }
}

async function returningVisit(browser, url, name, rate) {
  const v = await open(browser, name, rate, 'accept');
  try {
    await withTimeout(v.page.goto(url, { waitUntil: 'commit' }), 30_000, 'goto');
    await waitFor(v.page, () => window.__bench && window.__bench.visible !== null, null, VISIBLE_TIMEOUT, 'banner visible');
    // Setup, not measured: a banner that ignores a click at first sight is clicked again until the choice is stored.
    const until = Date.now() + 10_000;
    while (!(await v.page.evaluate(() => window.__bench.stored !== null))) {
      if (Date.now() > until) throw new Error('accept never stored');
      await new Promise((r) => setTimeout(r, 200));
      await v.page.evaluate((target) => window.__benchFind(target)?.click(), PAGES[name].accept);
    }
    await waitFor(v.page, () => performance.getEntriesByName('bench:analytics').length > 0, null, 10_000, 'analytics after accept');
    await settle(v.net, 300, 3_000);
    // The same context again: the choice is stored and the cache warm.
    await withTimeout(v.page.goto(url, { waitUntil: 'commit' }), 30_000, 'goto again');
    await waitFor(v.page, () => performance.getEntriesByName('bench:analytics').length > 0, null, 15_000, 'analytics on return');
    const r = await v.page.evaluate(() => ({
      mark: performance.getEntriesByName('bench:analytics')[0].startTime,
      bannerShown: window.__bench.visible !== null,
    }));
    return { ...r, errors: v.errors };
  } finally {
    await v.context.close().catch(() => {});
  }
}

// --- statistics and bytes -------------------------------------------------------------------------------------

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The interquartile range [p25, p75] (nearest rank), to show how much a median can be trusted. */
function quartiles(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return [at(0.25), at(0.75)];
}

function shuffle(xs) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Brotli (quality 11) and gzip (level 9) size of every URL's body, fetched once (GET) from the local servers. */
async function compressedSizes(urls) {
  const out = new Map();
  for (const url of urls) {
    try {
      const r = await withTimeout(fetch(url, { signal: AbortSignal.timeout(10_000) }), 12_000, url);
      const body = Buffer.from(await r.arrayBuffer());
      out.set(url, r.ok ? { raw: body.length, br: brotli(body).length, gz: gzipSync(body, { level: 9 }).length } : null);
    } catch {
      out.set(url, null);
    }
  }
  return out;
}

// --- run ------------------------------------------------------------------------------------------------------

async function main() {
  for (const f of [SERVER_BIN, join(DIST, 'kuki', 'kuki.js'), join(DIST, 'kuki', 'pkg', 'kuki_bg.wasm')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing (make bundle server)`);
  }
  ensurePeers();
  const kukiCss = readFileSync(join(ROOT, 'src', 'kuki.css'), 'utf8');
  let kukiOrigin = '';
  let peerOrigin = '';
  let hostOrigin = '';
  const host = await startStatic({
    resolve: (p) => inside(PAGES_DIR, p === '/' ? 'static.html' : p),
    fill: (file, text) =>
      ['.html', '.js'].includes(extname(file))
        ? text
            .replaceAll('{{KUKI}}', kukiOrigin)
            .replaceAll('{{PEER}}', peerOrigin)
            .replaceAll('{{HOST}}', hostOrigin)
            .replaceAll('{{KUKI_CSS}}', kukiCss)
        : null,
    cache: (file) => (extname(file) === '.html' ? 'no-store' : 'max-age=600'),
    cors: false,
  });
  hostOrigin = host.origin;
  const stops = [host.stop];
  let browser;
  try {
    const peer = await startStatic({
      resolve: (p) => {
        const pkg = p.split('/')[1];
        return ['vanilla-cookieconsent', 'klaro', 'tarteaucitronjs'].includes(pkg) ? inside(PEERS_MODULES, p) : null;
      },
      cache: () => 'public, max-age=31536000, immutable',
      cors: true,
    });
    peerOrigin = peer.origin;
    stops.push(peer.stop);
    const kuki = await startKukiServer({ allowedOrigins: [host.origin] });
    kukiOrigin = kuki.origin;
    stops.push(kuki.stop);
    if (process.argv.includes('--serve')) {
      // Only the servers, to look at the pages by hand: until interrupted, at most 10 minutes.
      console.log(`pages: ${PAGE_NAMES.map((n) => `${host.origin}/${PAGES[n].file}`).join(' ')}`);
      await new Promise((r) => {
        const t = setTimeout(r, 600_000);
        process.once('SIGINT', () => (clearTimeout(t), r()));
        process.once('SIGTERM', () => (clearTimeout(t), r()));
      });
      return;
    }
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    log(`host ${host.origin}, kuki ${kuki.origin}, peers ${peer.origin}; ${ROUNDS} rounds at ${RATES.map((r) => `${r}x`).join(' and ')}: ${PAGE_NAMES.join(', ')}`);

    const samples = {}; // samples[rate][page] = { first: [], click: [], return: [] }
    for (const rate of RATES) {
      samples[rate] = {};
      for (const name of PAGE_NAMES) samples[rate][name] = { first: [], click: [], return: [], failures: [] };
    }
    const kinds = { first: firstVisit, click: clickVisit, return: returningVisit };
    let rounds = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      if (Date.now() - STARTED > RUN_BUDGET_MS) {
        log(`time budget spent: stopping after ${round} rounds`);
        break;
      }
      const t0 = Date.now();
      // One round: every (rate, page, kind) once, in a fresh random order.
      const jobs = shuffle(RATES.flatMap((rate) => PAGE_NAMES.flatMap((name) => Object.keys(kinds).map((kind) => ({ rate, name, kind })))));
      for (const { rate, name, kind } of jobs) {
        const url = `${host.origin}/${PAGES[name].file}`;
        const t = Date.now();
        try {
          const sample = await withTimeout(kinds[kind](browser, url, name, rate), 60_000, `${name} ${kind}`);
          sample.ms = Date.now() - t;
          samples[rate][name][kind].push(sample);
        } catch (e) {
          samples[rate][name].failures.push(`${kind}: ${String(e?.message ?? e).split('\n')[0]}`);
        }
      }
      rounds += 1;
      log(`round ${round + 1}/${ROUNDS} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }

    // Bytes: every URL any first visit requested, compressed here.
    const urls = new Set();
    for (const rate of RATES) for (const name of PAGE_NAMES) for (const s of samples[rate][name].first) for (const r of s.resources) urls.add(r.url);
    const sizes = await compressedSizes([...urls]);

    const results = {};
    for (const rate of RATES) {
      results[rate] = {};
      for (const name of PAGE_NAMES) {
        const s = samples[rate][name];
        const bytes = (pick) =>
          s.first.map((v) => {
            let br = 0;
            let gz = 0;
            for (const r of v.resources) {
              if (!pick(r, v)) continue;
              const z = sizes.get(r.url);
              br += z ? z.br : 0;
              gz += z ? z.gz : 0;
            }
            return { br, gz };
          });
        const before = bytes((r, v) => r.start <= v.visible);
        const total = bytes(() => true);
        const stored = s.click.filter((c) => c.stored !== null).length;
        results[rate][name] = {
          visits: { first: s.first.length, click: s.click.length, return: s.return.length },
          visible: median(s.first.map((v) => v.visible)),
          visibleIqr: quartiles(s.first.map((v) => v.visible)),
          clickToStored: median(s.click.map((c) => c.clickToStored)),
          storedAt: median(s.click.map((c) => c.stored)),
          clicksStored: `${stored}/${s.click.length}`,
          clicksLost: s.click.length - stored,
          longTotal: median(s.first.map((v) => v.longTotal)),
          longMax: median(s.first.map((v) => v.longMax)),
          longMaxWorst: s.first.length ? Math.max(...s.first.map((v) => v.longMax)) : null,
          brBefore: median(before.map((b) => b.br)),
          brTotal: median(total.map((b) => b.br)),
          gzTotal: median(total.map((b) => b.gz)),
          wire: median(s.first.map((v) => v.wire)),
          requests: median(s.first.map((v) => v.requests)),
          heap: median(s.first.map((v) => v.heap)),
          cls: median(s.first.map((v) => v.cls)),
          clsWorst: s.first.length ? Math.max(...s.first.map((v) => v.cls)) : null,
          returning: median(s.return.map((v) => v.mark)),
          returningIqr: quartiles(s.return.map((v) => v.mark)),
          returningBannerShown: s.return.filter((v) => v.bannerShown).length,
          external: s.first.reduce((a, v) => a + v.external, 0),
          failures: s.failures,
          pageErrors: [...new Set([...s.first, ...s.click, ...s.return].flatMap((v) => v.errors))].slice(0, 5),
        };
      }
      const floor = results[rate].static?.visible;
      for (const name of PAGE_NAMES) {
        const r = results[rate][name];
        r.ratio = floor && r.visible !== null ? r.visible / floor : null;
      }
    }
    const files = [...sizes].map(([url, z]) => ({ url: url.replace(/^http:\/\/127\.0\.0\.1:\d+/, ''), ...z }));
    report(results, rounds, files);
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(
      OUT,
      `${JSON.stringify({ date: new Date().toISOString(), rounds, rates: RATES, pages: PAGE_NAMES, seconds: (Date.now() - STARTED) / 1000, results, files, samples }, null, 1)}\n`,
    );
    log(`wrote ${OUT} (${((Date.now() - STARTED) / 1000).toFixed(0)} s)`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

// --- the report -----------------------------------------------------------------------------------------------

function report(results, rounds, files) {
  const f = (x, d = 0) => (x === null || x === undefined ? '-' : x.toFixed(d));
  const kib = (x) => (x === null || x === undefined ? '-' : (x / 1024).toFixed(1));
  const cols = [
    ['page', 22, (n) => n],
    ['visible', 8, (n, r) => f(r.visible)],
    ['x static', 9, (n, r) => (r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`)],
    ['stored at', 10, (n, r) => f(r.storedAt)],
    ['click->st', 10, (n, r) => f(r.clickToStored, 1)],
    ['kept', 6, (n, r) => r.clicksStored],
    ['LT total', 9, (n, r) => f(r.longTotal)],
    ['LT max', 7, (n, r) => f(r.longMax)],
    ['br<vis', 8, (n, r) => kib(r.brBefore)],
    ['br all', 8, (n, r) => kib(r.brTotal)],
    ['gz all', 8, (n, r) => kib(r.gzTotal)],
    ['wire', 8, (n, r) => kib(r.wire)],
    ['heap MB', 8, (n, r) => (r.heap === null ? '-' : (r.heap / 1048576).toFixed(2))],
    ['CLS', 7, (n, r) => f(r.cls, 3)],
    ['return', 7, (n, r) => f(r.returning)],
  ];
  console.log(`\nBrowser benchmark: headless Chromium, 127.0.0.1, medians of ${rounds} rounds (fresh context per visit)`);
  console.log(
    'visible / stored at / return: ms from navigation start; click->st: ms from the click (made in the frame the banner is\n' +
      'first seen) to the consent cookie written; kept: clicks whose choice was stored; LT: long tasks (ms, first visit);\n' +
      'br / gz: KiB brotli-11 / gzip-9 of what the first visit requested (br<vis: requested before visible); wire: KiB on\n' +
      'the wire (CDP encodedDataLength, headers included); heap: JSHeapUsedSize after settle and a GC; return: a returning\n' +
      'visit (analytics accepted, warm cache) until the accepted analytics script ran.',
  );
  for (const rate of Object.keys(results)) {
    console.log(`\nCPU ${rate}x`);
    console.log(cols.map(([h, w], i) => (i === 0 ? h.padEnd(w) : h.padStart(w))).join(''));
    for (const [name, r] of Object.entries(results[rate])) {
      console.log(cols.map(([, w, get], i) => (i === 0 ? get(name, r).padEnd(w) : String(get(name, r)).padStart(w))).join(''));
    }
    console.log(
      `  visible p25-p75: ${Object.entries(results[rate])
        .map(([name, r]) => `${name} ${r.visibleIqr ? r.visibleIqr.map((x) => x.toFixed(0)).join('-') : '-'}`)
        .join(', ')}`,
    );
    for (const [name, r] of Object.entries(results[rate])) {
      if (r.failures.length) console.log(`  ${name}: ${r.failures.length} failed visit(s): ${[...new Set(r.failures)].slice(0, 3).join(' | ')}`);
      if (r.pageErrors.length) console.log(`  ${name}: page errors: ${r.pageErrors.join(' | ').slice(0, 300)}`);
      if (r.external) console.log(`  ${name}: ${r.external} request(s) to hosts other than 127.0.0.1 (refused)`);
      if (r.returningBannerShown) console.log(`  ${name}: the banner showed again on ${r.returningBannerShown} returning visit(s)`);
    }
  }
  const kukiFiles = files.filter((x) => x.url.startsWith('/kuki/'));
  if (kukiFiles.length) {
    console.log('\nkuki files requested (KiB raw / gzip-9 / brotli-11):');
    for (const x of kukiFiles) console.log(`  ${x.url.padEnd(36)}${kib(x.raw).padStart(8)}${kib(x.gz).padStart(8)}${kib(x.br).padStart(8)}`);
  }

  // The issue's goals, for kuki.
  console.log('\nGoals of issue 8 (kuki; a benchmark reports, it never fails the build):');
  const k = (rate) => results[rate]?.kuki;
  const v = (rate) => results[rate]?.['vanilla-cookieconsent'];
  const line = (ok, text) => console.log(`  ${ok === null ? 'n/a ' : ok ? 'PASS' : 'FAIL'}  ${text}`);
  for (const rate of Object.keys(results)) {
    const r = k(rate);
    if (!r) continue;
    line(r.ratio === null ? null : r.ratio <= 1.5, `banner visible <= 1.5x static at ${rate}x: ${r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`} (${f(r.visible)} vs ${f(results[rate].static.visible)} ms)`);
  }
  for (const rate of Object.keys(results)) {
    const r = k(rate);
    const peer = v(rate);
    if (!r) continue;
    line(r.clicksLost === 0 && r.storedAt !== null ? true : false, `a reject click at first sight is never lost at ${rate}x: stored in ${r.clicksStored} visits`);
    if (peer)
      line(
        r.storedAt === null || peer.visible === null ? null : r.storedAt <= peer.visible,
        `choice stored no later than vanilla-cookieconsent's banner visible at ${rate}x: ${f(r.storedAt)} vs ${f(peer.visible)} ms`,
      );
  }
  const r4 = k(4);
  if (r4)
    line(r4.longMax <= 50, `no long task over 50 ms at 4x: median longest ${f(r4.longMax)} ms (worst visit ${f(r4.longMaxWorst)} ms), median total ${f(r4.longTotal)} ms`);
  for (const rate of Object.keys(results)) {
    const r = k(rate);
    if (r) line(r.cls === 0, `no layout shift at ${rate}x: median CLS ${f(r.cls, 4)} (worst ${f(r.clsWorst, 4)})`);
  }
  const anyRate = k(1) ?? r4;
  if (anyRate) {
    const before = Math.max(...Object.keys(results).map((rate) => k(rate)?.brBefore ?? 0));
    line(before <= 15 * 1024, `<= 15 KiB brotli requested before the banner is visible: ${kib(before)} KiB`);
    line(anyRate.brTotal <= 80 * 1024, `<= 80 KiB brotli for a whole first visit: ${kib(anyRate.brTotal)} KiB`);
    // Over plain http Chromium asks for gzip, not brotli: the wire should carry about the gzip sizes (+ headers).
    line(
      anyRate.wire <= anyRate.gzTotal * 1.1 + 1024 * anyRate.requests,
      `bytes on the wire match the compressed sizes (http: gzip): ${kib(anyRate.wire)} KiB on the wire vs ${kib(anyRate.gzTotal)} KiB gzip-9 (+ <= 1 KiB of headers per request)`,
    );
  }
  for (const rate of Object.keys(results)) {
    const r = k(rate);
    const peer = v(rate);
    if (r && peer)
      line(
        r.returning === null || peer.returning === null ? null : r.returning <= peer.returning,
        `returning visit's accepted script no later than vanilla-cookieconsent at ${rate}x: ${f(r.returning)} vs ${f(peer.returning)} ms`,
      );
  }
}

await main().catch((e) => {
  console.error(`bench: the browser benchmark could not run: ${e?.stack ?? e}`);
  process.exitCode = 1;
});
