/*! kuki loader: one script tag embeds kuki (docs/contract.md, "The loader and the page API").
 * <script src="https://HOST/kuki/kuki.js" data-lang="ko|en" data-config="/kuki-config.json"
 *         data-endpoint="https://HOST/api/v1/consents" data-autorun="false" data-consent-mode="true" async></script>
 * A classic script with no build step, no inline code and no eval, so a page with
 * `script-src HOST 'wasm-unsafe-eval'` can use it. It never throws into the host page. */
(function (w, d) {
  'use strict';
  try {
    // Included twice (or again after kuki started): the first copy does the work.
    var LOADED = typeof Symbol === 'function' ? Symbol.for('kuki.loader') : '__kukiLoader';
    if (w[LOADED]) return;
    w[LOADED] = true;

    var NAME = 'kuki';
    var METHODS = ['run', 'show', 'hide', 'showPreferences', 'showPolicy', 'acceptCategory', 'acceptedCategory',
      'getConsent', 'reset', 'requireCategory', 'setLanguage', 'getUserPreferences', 'validConsent', 'hidePreferences',
      'eraseCookies', 'loadScript', 'acceptService', 'acceptedService'];
    var log = function (msg, err) {
      try { w.console.error(NAME + ': ' + msg, err === undefined ? '' : err); } catch (_) {}
    };

    // currentScript is null only when the tag was not run as a classic script; then the last kuki.js tag is ours.
    var tags = d.querySelectorAll('script[src$="/kuki.js"]');
    var script = d.currentScript || tags[tags.length - 1];
    var src = script && script.src;
    if (!src) { log('the loader must be included by a <script src> tag'); return; }
    var data = function (k) {
      var v = script.getAttribute('data-' + k);
      return v === null || v === '' ? undefined : v;
    };
    var base = new URL('.', src).href;
    // The module's folder beside the loader. scripts/assemble-dist.sh replaces it with the content-hashed copy
    // (`b-<hash>/`, cached for a year), so only this small file needs a short cache time.
    var BUNDLE = 'pkg/';
    // What this file must know before the wasm, from the Rust that defines it (src/frame.rs, pkg/loader.json):
    // `{cookie, langs, consentDefault, frame: {css, html: {ko, en}, choice: {accept, reject}} | null}`, and the
    // glue's own module files (`modules`). scripts/assemble-dist.sh writes it in place of the null; a copy without
    // it (not assembled) sends no Consent Mode default and paints no frame, leaving both to the wasm.
    var BUILT = null;

    // Options every run() gets unless the page gives its own: the tag's language and the consent endpoint
    // (by default on the loader's own server, not the host page's).
    var defaults = {};
    try {
      if (data('lang')) defaults.lang = data('lang');
      defaults.endpoint = new URL(data('endpoint') || '/api/v1/consents', src).href;
    } catch (e) { log('data-endpoint is not a URL', e); }
    // The value of the page's cookie `name`, or null (may throw where cookies are forbidden).
    var cookieValue = function (name) {
      var pair = d.cookie.split(/;\s*/).filter(function (c) { return c.indexOf(name + '=') === 0; })[0];
      return pair === undefined ? null : pair.slice(name.length + 1);
    };
    // CRC-32 (IEEE) of an ASCII string, as kuki_core::cookie::crc32.
    var crc32 = function (s) {
      var c = -1, i, k;
      for (i = 0; i < s.length; i += 1) {
        c ^= s.charCodeAt(i);
        for (k = 0; k < 8; k += 1) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
      }
      return (c ^ -1) >>> 0;
    };
    // A returning visitor's choice, read here so that the scripts it allows run while the loader runs rather than
    // once the wasm is there (issue 8). Only a record the app reads the same way: the one form
    // kuki_core::cookie::encode writes (format 1, canonical numbers, checksum), under the built-in configuration
    // (no data-config, autorun), standing as kuki_core::consent::status says (BUILT.returning: the same revision,
    // exactly the configured categories, not expired). Its accepted categories, or null: anything else, a value
    // edited by hand included, is left to the app, which reads every form and says why it refused one.
    // The value under the built-in cookie name, read once (null: none, or cookies forbidden).
    var storedCookie = null;
    try { storedCookie = BUILT && cookieValue(BUILT.cookie); } catch (_) {}
    var standing = function () {
      var r = BUILT && BUILT.returning;
      if (!r || data('config') !== undefined || data('autorun') === 'false') return null;
      var num = '(0|[1-9][0-9]{0,8})', secs = '([1-9][0-9]{0,14})', ids = '([a-z0-9_|]*)';
      var m = new RegExp('^(1\\.[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\\.' + num + '\\.' + num +
        '\\.[A-Za-z0-9][A-Za-z0-9_-]{0,31}\\.' + secs + '\\.' + secs + '\\.(?:' + BUILT.langs.join('|') + ')[01]\\.' +
        ids + '\\.' + ids + ')\\.([0-9a-f]{8})$').exec(storedCookie || '');
      if (!m || parseInt(m[8], 16) !== crc32(m[1]) || Number(m[3]) !== r.revision || Number(m[5]) < Number(m[4])) return null;
      var accepted = m[6].split('|').filter(Boolean), refused = m[7].split('|').filter(Boolean);
      var all = accepted.concat(refused);
      var once = all.every(function (id, i) { return r.categories.indexOf(id) >= 0 && all.indexOf(id) === i; });
      if (!once || all.length !== r.categories.length) return null;
      var keep = refused.length ? r.keep.reject : r.keep.accept;
      return Math.floor(Date.now() / 1000) < Number(m[5]) + keep ? accepted : null;
    };
    var standingChoice = null;
    try { standingChoice = standing(); } catch (_) {}

    // Google Consent Mode v2: `consent default` goes out now, while the loader runs, so it precedes every later
    // script of the page (gtag's among them) rather than waiting for the wasm. Sent when the tag asks for it
    // (`data-consent-mode="true"`) or the page already has gtag or a dataLayer; the same values kuki's runtime
    // would send (kuki_core::category::CONSENT_MODE_TYPES), which then sends only the updates.
    var consentMode = data('consent-mode');
    if (BUILT && consentMode !== 'false' && (consentMode === 'true' || typeof w.gtag === 'function' || w.dataLayer)) {
      try {
        var dataLayer = w.dataLayer = w.dataLayer || [];
        var gtag = typeof w.gtag === 'function' ? w.gtag : function () { dataLayer.push(arguments); };
        gtag('consent', 'default', BUILT.consentDefault);
        defaults.consentDefaultSent = true;
        // A standing choice's update at once too (the app then sends only later changes).
        if (standingChoice) {
          var update = {}, ty, cat;
          for (ty in BUILT.returning.consentMode) {
            cat = BUILT.returning.consentMode[ty];
            update[ty] = cat === null || standingChoice.indexOf(cat) >= 0 ? 'granted' : 'denied';
          }
          gtag('consent', 'update', update);
          defaults.consentUpdateSent = true;
        }
      } catch (e) { log('Consent Mode: consent default failed', e); }
    }

    var withDefaults = function (options) {
      var o = {}, k;
      for (k in defaults) o[k] = defaults[k];
      if (options && typeof options === 'object') for (k in options) o[k] = options[k];
      return o;
    };

    // Until the wasm is ready, window.kuki records calls; each returns a promise of the real call's result.
    // The questions answer "no" / null until then, so nothing that waits on consent runs early; a standing choice
    // the loader read answers acceptedCategory() and validConsent() as the app will (the scripts it ran may ask).
    var queue = [];
    var pageCalledRun = false;
    var failed = false;
    var nothing = function (m) { return m === 'requireCategory' ? false : undefined; };
    var stub = { __loader: true };
    METHODS.forEach(function (m) {
      stub[m] = function () {
        var args = Array.prototype.slice.call(arguments);
        if (m === 'acceptedCategory') return !!standingChoice && standingChoice.indexOf(args[0]) >= 0;
        if (m === 'acceptedService') return false;
        if (m === 'getConsent' || m === 'getUserPreferences') return null;
        if (m === 'validConsent') return !!standingChoice;
        if (failed) return Promise.resolve(nothing(m));
        if (m === 'run') pageCalledRun = true;
        return new Promise(function (resolve) { queue.push({ m: m, args: args, resolve: resolve }); });
      };
    });
    w.kuki = stub;

    // Starts at once, beside the module download; any failure means the defaults.
    var configUrl = data('config');
    var config = configUrl === undefined ? Promise.resolve({}) : fetch(configUrl, { credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (c) {
        if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error('not a JSON object');
        return c;
      })
      .catch(function (e) {
        log('could not load the config ' + configUrl + ', running with the defaults:', e);
        return {};
      });

    // The banner's first frame (BUILT.frame), painted into kuki's shadow root at once when nothing can make kuki
    // show anything else (the built-in config run by the loader, no stored choice, cookies on); the wasm then takes
    // its place (src/mount.rs), carrying out a click made on it meanwhile, once ("accept all" and "reject all": the
    // loader stores them itself, below). The wasm is requested only once the frame is on screen, so the few KiB the
    // banner needs never share the connection with the module (issue 8: at most 15 KiB before the banner is
    // visible).
    var frameHost = null;
    // A choice is stored under the built-in cookie name: a returning visitor, whom no first frame is for.
    var stored = false;
    try {
      stored = !!BUILT && (storedCookie !== null || w.localStorage.getItem(BUILT.cookie) !== null);
    } catch (_) {}
    var paintFrame = function (then) {
      var frames = BUILT && BUILT.frame;
      if (!frames) return then();
      var lang = 'en', i, tags = [data('lang')].concat(w.navigator.languages || [w.navigator.language]);
      var primary = function (t) { return String(t || '').trim().split(/[-_]/)[0].toLowerCase(); };
      for (i = 0; i < tags.length; i += 1) if (BUILT.langs.indexOf(primary(tags[i])) >= 0) { lang = primary(tags[i]); break; }
      if (!frames.html[lang] || configUrl !== undefined || data('autorun') === 'false' || stored ||
        !w.navigator.cookieEnabled || !('adoptedStyleSheets' in Document.prototype)) return then();
      // `0.<accept|reject>.<unix seconds>.<lang>` under kuki's cookie, with the attributes the app's own record has
      // (else in localStorage, as the app falls back): true once it is stored.
      var storeChoice = function (choice, lang) {
        var value = '0.' + choice + '.' + Math.floor(Date.now() / 1000) + '.' + lang;
        try {
          d.cookie = BUILT.cookie + '=' + value + frames.choice[choice] + (w.location.protocol === 'https:' ? '; Secure' : '');
          if (cookieValue(BUILT.cookie) !== value) w.localStorage.setItem(BUILT.cookie, value);
          return true;
        } catch (_) { return false; }
      };
      var paint = function () {
        if (w.kuki !== stub || failed || d.querySelector('[data-kuki-host]')) return then();
        var host = d.createElement('div');
        host.setAttribute('data-kuki-host', '');
        var shadow = host.attachShadow({ mode: 'open' });
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(frames.css);
        shadow.adoptedStyleSheets = [sheet];
        var frame = d.createElement('div');
        frame.className = 'kuki-root';
        frame.setAttribute('lang', lang);
        frame.setAttribute('data-kuki-frame', '');
        frame.innerHTML = frames.html[lang];
        shadow.appendChild(frame);
        shadow.addEventListener('click', function (e) {
          var el = e.target && e.target.closest && e.target.closest('button, a[href]');
          if (!el || !frame.contains(el)) return;
          e.preventDefault();
          if (frame.hasAttribute('data-kuki-clicked')) return;
          // "Accept all" and "reject all" are the visitor's choice: stored now and the banner gone, as the app would
          // (kuki_core::cookie::FrameChoice: the app carries it out when it runs, on this page or a later one).
          // Only while the app has not started: once it has, it has read the cookie already.
          var parts = ' ' + (el.getAttribute('part') || '') + ' ';
          var choice = parts.indexOf(' accept ') >= 0 ? 'accept' : parts.indexOf(' reject ') >= 0 ? 'reject' : null;
          if (choice && w.kuki === stub && storeChoice(choice, lang)) {
            host.remove();
            frameHost = null;
            return;
          }
          // Any other control, or the app already running: the app clicks the same control once it is there.
          frame.setAttribute('data-kuki-clicked', [].indexOf.call(frame.querySelectorAll('button, a[href]'), el));
        });
        d.body.appendChild(host);
        frameHost = host;
        // After the frame that shows it (a hidden tab renders no frames, so it need not wait).
        if (d.visibilityState === 'hidden') then();
        else w.requestAnimationFrame(function () { w.setTimeout(then, 0); });
      };
      if (d.body) paint(); else d.addEventListener('DOMContentLoaded', function () { try { paint(); } catch (e) { then(); } });
    };

    var call = function (api, m, args) {
      var fail = function (e) { log(m + '() failed:', e); return nothing(m); };
      try {
        return Promise.resolve(api[m].apply(api, args)).catch(fail);
      } catch (e) { return Promise.resolve(fail(e)); }
    };

    var start = function () {
      if (started) return;
      // A returning visitor's app waits for the scripts their choice allows (below, `holdApp`).
      if (holdApp()) return;
      started = true;
      // A returning visitor's wasm is fetched and compiled beside the module's download rather than after it (both
      // come from the cache at once), for the scripts of the stored choice; the module instantiates the result, or
      // gets the response where the stream cannot be compiled (an old browser, another MIME type). On a first
      // visit the module fetches it itself, after the first frame has had its turn.
      var wasmUrl = base + BUNDLE + 'kuki_bg.wasm';
      var wasm = wasmUrl;
      if (stored && w.WebAssembly && typeof WebAssembly.compileStreaming === 'function') {
        wasm = WebAssembly.compileStreaming(fetch(wasmUrl)).catch(function () { return fetch(wasmUrl); });
        wasm.catch(function () {});
      }
      var glue = import(base + BUNDLE + 'kuki.js');
      // The glue's own imports (BUILT.modules: wasm-bindgen's snippets) are requested beside it, not once it has
      // been parsed: one round trip fewer before run().
      ((BUILT && BUILT.modules) || []).forEach(function (m) { import(base + BUNDLE + m).catch(function () {}); });
      glue
        .then(function (mod) {
          return mod.default({ module_or_path: wasm }).then(function () {
            // On a first visit run() gets a task of its own, not the one that compiled the wasm: two short tasks,
            // not a long one. A returning visitor's run() is short, and starts the scripts of their choice: at once.
            if (stored) return;
            return new Promise(function (resolve) {
              var s = w.scheduler;
              if (s && typeof s.yield === 'function') s.yield().then(resolve, resolve); else setTimeout(resolve, 0);
            });
          }).then(function () { return mod; });
        })
        .then(function (mod) {
          var api = {};
          Object.keys(mod).forEach(function (k) { if (k !== 'default' && k !== 'initSync') api[k] = mod[k]; });
          if (typeof api.run !== 'function') throw new Error('pkg/kuki.js exports no run()');
          api.run = function (c, o) { return mod.run(c === undefined || c === null ? {} : c, withDefaults(o)); };
          return config.then(function (c) {
            // The stub stays until the config is here, so a run() the page makes meanwhile is still seen.
            w.kuki = api;
            if (!pageCalledRun && data('autorun') !== 'false') return call(api, 'run', [c]);
          }).then(function () {
            // Calls made while loading, in the order the page made them. Only run() is awaited: a pending
            // requireCategory() waits on the visitor and must not hold up the calls after it.
            var next = function () {
              var q = queue.shift();
              if (!q) return;
              var p = call(api, q.m, q.args).then(q.resolve);
              return q.m === 'run' ? p.then(next) : next();
            };
            return next();
          });
        })
        .catch(function (e) {
          log('could not start from ' + base + ':', e);
          failed = true;
          // A frame whose buttons would never work must not stay.
          if (frameHost) frameHost.remove();
          queue.splice(0).forEach(function (q) { q.resolve(nothing(q.m)); });
        });
    };
    // The blocked scripts a standing choice allows run now, in document order, as the app runs them
    // (src/runtime/scripts.rs): each marked `data-kuki-run` first, so the app leaves it alone; a copy inserted after
    // it with its attributes and nonce; an external one awaited (load, error or the time limit) before the next.
    // Those the parser has reached are taken while the loader runs, before it asks for the module (their requests
    // go first), and those after them once the document is parsed, queued behind. Only while the app has not
    // started, and only while every pending script names plain categories (no `!`, no `data-service`): from the
    // first that does not, every one not yet taken is the app's, so that their order holds. Once the app runs,
    // each step asks it, as its own passes do, whether the choice of that moment still allows the script.
    var mine = [], running = false, leftToApp = false;
    var tokens = function (el) { return el.getAttribute('data-category').split(/[ \t\n\f\r]+/).filter(Boolean); };
    var allows = function (el) {
      var now = function (id) { return w.kuki === stub ? standingChoice.indexOf(id) >= 0 : w.kuki.acceptedCategory(id) === true; };
      var t = tokens(el);
      return t.length > 0 && t.every(now);
    };
    var next = function () {
      var el = mine.shift();
      running = !!el;
      if (!el) return scriptsDone();
      if (!el.parentNode || !allows(el)) return next();
      var live = d.createElement('script');
      var src = el.getAttribute('data-src');
      var external = src !== null || el.hasAttribute('src');
      [].forEach.call(el.attributes, function (a) {
        if (!/^(type|data-category|data-service|data-kuki-run|data-type|data-src)$/.test(a.name)) live.setAttribute(a.name, a.value);
      });
      if (el.hasAttribute('data-type')) live.setAttribute('type', el.getAttribute('data-type'));
      live.nonce = el.nonce;
      if (src !== null) live.src = src;
      if (!external) live.text = el.text;
      else {
        live.async = false;
        var done = false;
        var go = function () { if (!done) { done = true; next(); } };
        live.addEventListener('load', go);
        live.addEventListener('error', go);
        w.setTimeout(function () {
          if (!done) w.console.warn(NAME + ': the blocked script ' + (src || el.getAttribute('src')) + ' did not load within ' +
            BUILT.returning.scriptTimeout + ' ms; the next ones run without it');
          go();
        }, BUILT.returning.scriptTimeout);
      }
      el.parentNode.insertBefore(live, el.nextSibling);
      if (!external) next();
    };
    var takeScripts = function () {
      if (w.kuki !== stub || failed || leftToApp) return;
      var pending = [].slice.call(d.querySelectorAll('script[type="text/plain"][data-category]:not([data-kuki-run])'));
      var plain = function (el) {
        return !el.hasAttribute('data-service') && tokens(el).every(function (t) { return t.charAt(0) !== '!'; });
      };
      leftToApp = !pending.every(plain);
      if (leftToApp) return;
      var found = pending.filter(allows);
      found.forEach(function (el) { el.setAttribute('data-kuki-run', ''); });
      mine = mine.concat(found);
      if (!running) next();
    };
    // The app of a returning visitor whose choice the loader read starts once those scripts have run: the document
    // parsed, every script taken run or given up on, or APP_WAIT ms at the latest. Their scripts are what such a
    // visitor waits for, the app has no banner to show them, and its start-up (module, wasm, run()) is the longest
    // work of the visit: started beside the scripts, it held the first one back by that much on a slow phone
    // (issue 8: a returning visitor's scripts no later than with vanilla-cookieconsent). Page API calls made
    // meanwhile wait in the stub's queue as on any visit.
    var APP_WAIT = 1000;
    var waiting = !!standingChoice, appWanted = false;
    var holdApp = function () {
      if (waiting) appWanted = true;
      return waiting;
    };
    var release = function () {
      waiting = false;
      if (appWanted) start();
    };
    var scriptsDone = function () {
      if (waiting && !running && d.readyState !== 'loading') release();
    };
    if (standingChoice) {
      var scriptsNow = function () {
        try { takeScripts(); } catch (e) { log('the stored choice\'s scripts failed', e); }
        scriptsDone();
      };
      w.setTimeout(release, APP_WAIT);
      scriptsNow();
      if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', scriptsNow);
    }

    var started = false;
    try { paintFrame(start); } catch (e) { log('the first frame failed', e); start(); }
  } catch (e) {
    try { w.console.error('kuki: the loader failed', e); } catch (_) {}
  }
})(window, document);
