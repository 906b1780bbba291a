// Shared machinery of the end-to-end suite.
//
// Map:
// - browser: `launchBrowser()` starts Debian's Chromium through playwright-core; `openPage()` gives a fresh context
//   per test with every page error, console error and CSP violation collected.
// - servers: `startKukiServer()` runs the built `target/server/kuki-server` on a free 127.0.0.1 port with a
//   temporary database and `KUKI_SITE_DIR=dist`; `startHostServer()` serves the host pages in `tests/e2e/pages/`
//   from another 127.0.0.1 port (another origin, as a real site embedding kuki would be).
// - the app: `requireBuiltApp()` fails a test file when `dist/` holds no app that exports `run` (the suite never
//   passes by skipping); `shadow()` and the role helpers reach into kuki's open shadow root.
//
// Only 127.0.0.1 is ever contacted.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const PAGES = join(ROOT, 'tests', 'e2e', 'pages');
export const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');
export const SERVER_BIN = join(ROOT, 'target', 'server', 'kuki-server');

/** Debian's Chromium headless on this workplace (the benchmark adds its own on top). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Fails loudly when `dist/` holds no built app (or the server binary is missing): the suite never passes by
 * skipping. Call at the top of a test file. */
export function requireBuiltApp() {
  const dts = join(DIST, 'kuki', 'pkg', 'kuki.d.ts');
  if (!existsSync(dts)) throw new Error('dist/kuki/pkg/kuki.d.ts is missing: run `make bundle` first');
  if (!/export function run\b/.test(readFileSync(dts, 'utf8'))) throw new Error('the app in dist/ does not export run()');
  if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing: run \`make server\` first`);
}

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the server to bind). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForHealth(url, child, output, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`kuki-server exited with ${child.exitCode}:\n${output()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`kuki-server did not answer ${url} within ${ms} ms:\n${output()}`);
}

/**
 * Starts the built kuki-server on a free port with a fresh SQLite database.
 * `allowedOrigins`: origins that may post consents (the host page's origin).
 */
export async function startKukiServer({ allowedOrigins = [], env = {} } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kuki-e2e-'));
  let log = '';
  const child = spawn(SERVER_BIN, [], {
    cwd: ROOT,
    env: {
      ...process.env,
      KUKI_ADDR: `127.0.0.1:${port}`,
      KUKI_DB: `sqlite://${join(dir, 'kuki.db')}`,
      KUKI_SITE_DIR: DIST,
      KUKI_RATE_LIMIT: '0',
      KUKI_ALLOWED_ORIGINS: allowedOrigins.join(','),
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => {
    log = (log + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // A test file that dies (a timeout, an uncaught error) must not leave its server running.
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', reap);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(`${origin}/healthz`, child, () => log);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    origin,
    port,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', reap);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * A tiny static server for host pages on its own 127.0.0.1 port (`kukiOrigin`: a string or a function).
 * Files come from `roots` (URL prefix -> directory). In `.html` files `{{KUKI}}` becomes the kuki origin,
 * `{{HOST}}` this server's origin and `{{NAME}}` each entry of `vars` (values or functions). A page may carry
 * response headers in a sibling `NAME.html.headers.json` (same substitutions), which is how the strict-CSP page
 * gets its Content-Security-Policy header. `crossOrigin: true` adds `Access-Control-Allow-Origin: *` (for a
 * server that stands in for kuki's).
 *
 * `/slow.js?ms=N&name=X` answers after N ms with a script that records `X` in `window.__runs` (with its time);
 * `ms=never` never answers (the connection is closed when the server stops).
 */
export async function startHostServer({ kukiOrigin = '', roots = { '/': PAGES }, crossOrigin = false, vars = {} } = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const requests = [];
  // kukiOrigin may be a function: the kuki server is started after this one (it must know this origin).
  const kuki = () => (typeof kukiOrigin === 'function' ? kukiOrigin() : kukiOrigin);
  const fill = (text) => {
    let out = text.replaceAll('{{KUKI}}', kuki()).replaceAll('{{HOST}}', origin);
    for (const [k, v] of Object.entries(vars)) out = out.replaceAll(`{{${k}}}`, typeof v === 'function' ? v() : v);
    return out;
  };
  const timers = new Set();
  const server = createServer((req, res) => {
    const url = new URL(req.url, origin);
    requests.push(url.pathname);
    if (url.pathname === '/slow.js') {
      const ms = url.searchParams.get('ms');
      const name = JSON.stringify(url.searchParams.get('name') ?? 'slow');
      if (ms === 'never') return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
        res.end(`(window.__runs = window.__runs || []).push({ name: ${name}, t: performance.now() });`);
      }, Math.min(Number(ms) || 0, 30_000));
      timers.add(timer);
      return;
    }
    const prefix = Object.keys(roots)
      .filter((p) => url.pathname.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    const fail = (code) => {
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(String(code));
    };
    if (prefix === undefined) return fail(404);
    const base = roots[prefix];
    const file = normalize(join(base, decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html'));
    if (!(file === base || file.startsWith(base + sep)) || !existsSync(file) || !statSync(file).isFile()) return fail(404);
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (crossOrigin) headers['access-control-allow-origin'] = '*';
    let body = readFileSync(file);
    if (extname(file) === '.html') {
      body = fill(body.toString('utf8'));
      const extra = `${file}.headers.json`;
      if (existsSync(extra)) Object.assign(headers, JSON.parse(fill(readFileSync(extra, 'utf8'))));
    }
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    origin,
    port,
    requests,
    stop: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

/**
 * A proxy on its own 127.0.0.1 port in front of `target` (an origin, or a function giving one) that can hold
 * requests: `hold(method, ms)` delays every later request of that method by `ms` before forwarding it. Records
 * each forwarded request as `{ method, path, status, received, at }` (arrival and answer times).
 */
export async function startHoldingProxy(target) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const holds = {};
  const log = [];
  const timers = new Set();
  const server = createServer(async (req, res) => {
    const received = Date.now();
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const wait = holds[req.method] ?? 0;
    if (wait > 0) {
      await new Promise((r) => {
        const t = setTimeout(() => {
          timers.delete(t);
          r();
        }, wait);
        timers.add(t);
      });
    }
    const base = typeof target === 'function' ? target() : target;
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['content-length'];
    try {
      const r = await fetch(base + req.url, {
        method: req.method,
        headers,
        body: ['GET', 'HEAD'].includes(req.method) ? undefined : body,
      });
      log.push({ method: req.method, path: req.url, status: r.status, received, at: Date.now() });
      const out = Buffer.from(await r.arrayBuffer());
      const h = {};
      r.headers.forEach((v, k) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) h[k] = v;
      });
      res.writeHead(r.status, h);
      res.end(out);
    } catch (e) {
      res.writeHead(502);
      res.end(String(e));
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    origin,
    log,
    hold(method, ms) {
      holds[method] = ms;
    },
    stop: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

/**
 * A fresh browser context and page. Collects `errors` (uncaught page errors), `consoleErrors` and `cspViolations`
 * (from a `securitypolicyviolation` listener installed before any page script, and from console reports).
 */
export async function openPage(browser, { locale = 'ko-KR', viewport = { width: 1280, height: 800 }, initScripts = [], ...rest } = {}) {
  const context = await browser.newContext({ locale, viewport, ...rest });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  for (const s of initScripts) await context.addInitScript(s);
  const page = await context.newPage();
  const errors = [];
  const consoleErrors = [];
  const cspConsole = [];
  page.on('pageerror', (e) => errors.push(`${e?.name}: ${e?.message}\n${e?.stack ?? ''}`));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) cspConsole.push(m.text());
  });
  return {
    context,
    page,
    errors,
    consoleErrors,
    cspConsole,
    cspViolations: () => page.evaluate(() => window.__cspViolations ?? []),
    close: () => context.close(),
  };
}

/** The shadow host kuki appends to <body>. */
export const HOST_SELECTOR = '[data-kuki-host]';

/** The accessible names of docs/contract.md, by language. */
export const NAMES = {
  ko: {
    banner: '쿠키 사용 동의',
    acceptAll: '모두 동의',
    rejectAll: '모두 거부',
    customise: '설정',
    policyLink: '개인정보 처리방침',
    preferences: '쿠키 설정',
    save: '저장',
    close: '닫기',
    policy: '개인정보 처리방침',
    necessary: '필수',
    functional: '기능 (로그인 유지)',
    analytics: '분석 및 통계',
    marketing: '마케팅',
    loginWarning: '로그인이 어려울 수 있습니다',
    allowContinue: '허용하고 계속',
    cancel: '취소',
  },
  en: {
    banner: 'Cookie consent',
    acceptAll: 'Accept all',
    rejectAll: 'Reject all',
    customise: 'Customise',
    policyLink: 'Privacy policy',
    preferences: 'Cookie preferences',
    save: 'Save',
    close: 'Close',
    policy: 'Privacy policy',
    necessary: 'Strictly necessary',
    functional: 'Functional (staying logged in)',
    analytics: 'Analytics and statistics',
    marketing: 'Marketing',
    loginWarning: 'Login may not work',
    allowContinue: 'Allow and continue',
    cancel: 'Cancel',
  },
};

/** kuki's shadow host, scoped for role queries (Playwright's role locators pierce open shadow roots). */
export function kukiRoot(page) {
  return page.locator(HOST_SELECTOR);
}

export function banner(page, lang = 'ko') {
  return kukiRoot(page).getByRole('dialog', { name: NAMES[lang].banner, exact: true });
}

export function preferences(page, lang = 'ko') {
  return kukiRoot(page).getByRole('dialog', { name: NAMES[lang].preferences, exact: true });
}

/** Waits until kuki has started on the page (window.kuki replaced by the module's exports). */
export async function waitForKuki(page) {
  await page.waitForFunction(() => window.kuki && !window.kuki.__loader && typeof window.kuki.getConsent === 'function', null, {
    timeout: 20_000,
  });
}

/** The page's cookies by name (host page origin). */
export async function cookies(context, url) {
  return Object.fromEntries((await context.cookies(url)).map((c) => [c.name, c.value]));
}

export function saveArtifact(name, bytes) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), bytes);
}

/**
 * Everything an app test needs: Chromium, the host page server and kuki-server (which allows the host origin to
 * post consents). Call in `before`; `stop()` in `after`.
 */
export async function startStack() {
  let kukiOrigin = '';
  const host = await startHostServer({ kukiOrigin: () => kukiOrigin });
  let kuki;
  try {
    kuki = await startKukiServer({ allowedOrigins: [host.origin] });
  } catch (e) {
    await host.stop();
    throw e;
  }
  kukiOrigin = kuki.origin;
  const browser = await launchBrowser();
  return {
    browser,
    host,
    kuki,
    async stop() {
      await browser.close();
      await host.stop();
      await kuki.stop();
    },
  };
}

/** Records kuki's window events (type and a JSON copy of detail) in window.__kukiEvents, from before any script. */
export function recordEvents() {
  window.__kukiEvents = [];
  for (const type of ['kuki:ready', 'kuki:consent', 'kuki:change']) {
    window.addEventListener(type, (e) => {
      window.__kukiEvents.push({ type, detail: e.detail == null ? null : JSON.parse(JSON.stringify(e.detail)) });
    });
  }
}

/** Opens `path` on the host server in a fresh context (events recorded) and waits until kuki has started. */
export async function visit(stack, t, path, options = {}) {
  const s = await openPage(stack.browser, { ...options, initScripts: [recordEvents, ...(options.initScripts ?? [])] });
  t.after(() => s.close());
  const failed = [];
  s.page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  s.page.on('response', (r) => r.status() >= 400 && failed.push(`${r.url()}: HTTP ${r.status()}`));
  await s.page.goto(`${stack.host.origin}${path}`);
  try {
    await waitForKuki(s.page);
  } catch (e) {
    // Say why: the usual causes are a missing bundle file or a wasm that failed to start.
    const why = { consoleErrors: s.consoleErrors, pageErrors: s.errors, failedRequests: failed };
    throw new Error(`kuki did not start on ${path}: ${JSON.stringify(why, null, 1)}\n${stack.kuki.log().slice(-2000)}`);
  }
  s.url = `${stack.host.origin}${path}`;
  s.events = () => s.page.evaluate(() => window.__kukiEvents);
  s.consent = () => s.page.evaluate(() => window.kuki.getConsent());
  s.runs = () => s.page.evaluate(() => window.__kukiDemoRuns ?? []);
  s.cookies = () => cookies(s.context, s.url);
  /** Waits for kuki:ready (kuki has read the stored choice and rendered), then a moment for any paint. */
  s.ready = async () => {
    await s.page.waitForFunction(() => window.__kukiEvents.some((e) => e.type === 'kuki:ready'), null, { timeout: 20_000 });
    await s.page.waitForTimeout(300);
  };
  return s;
}

/** What has the keyboard focus, through shadow roots: its accessible-ish name and the dialog it sits in. */
export function focused(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    if (!a) return null;
    const dialog = a.closest('[role="dialog"], [role="alertdialog"]');
    return {
      tag: a.tagName.toLowerCase(),
      name: (a.getAttribute('aria-label') || a.textContent || '').trim(),
      inKuki: a.getRootNode() !== document,
      dialog: dialog ? dialog.getAttribute('aria-label') || dialog.getAttribute('aria-labelledby') : null,
      modal: dialog ? dialog.getAttribute('aria-modal') === 'true' : false,
    };
  });
}
