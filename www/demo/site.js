// 나와의 대화, the demo site's own behaviour (every page loads this one file; no inline code: the server's CSP).
//
// Map:
// - language: Korean or English, the visitor's choice kept in localStorage "nd-lang" (a preference the visitor
//   asked for, so strictly necessary), else the browser's. Switching changes the page's texts ([data-i18n],
//   [data-i18n-attr]) and kuki's (kuki.setLanguage).
// - the consent in words: [data-consent-summary] and [data-consent-list] say, per category and in the page's
//   language, whether it is allowed, from kuki's window events.
// - tour.html: the page-view count announced by analytics.js (a blocked script kuki runs after consent).
// - login.html: the form sets a first-party "session" cookie, which belongs to the functional category; while
//   that is refused, kuki's login warning asks first (data-kuki-requires on the button, requireCategory here).
// - privacy.html: the whole policy as kuki-server renders it from the seed text (/privacy?lang=..), in the site's
//   own page and type.
(function () {
  'use strict';

  var TEXTS = {
    ko: {
      brand: '나와의 대화',
      skip: '본문으로 건너뛰기',
      'nav.label': '주 메뉴',
      'nav.home': '홈',
      'nav.tour': '둘러보기',
      'nav.privacy': '개인정보 처리방침',
      'nav.login': '로그인',
      'home.title': '나와의 대화',
      'home.eyebrow': '하루 한 줄, 나에게 쓰는 편지',
      'home.h1': '오늘의 나에게 말을 걸어 보세요',
      'home.lead': '나와의 대화는 하루의 생각을 적고, 지난 기록을 다시 읽으며 나와 이야기하는 조용한 일기 서비스입니다.',
      'home.start': '일기 쓰기 시작',
      'home.tour': '둘러보기',
      'home.features': '나와의 대화에서 할 수 있는 일',
      'home.f1': '하루 한 줄',
      'home.f1body': '오늘 있었던 일과 마음을 짧게 적어 두세요. 길게 쓰지 않아도 괜찮습니다.',
      'home.f2': '지난 나와의 대화',
      'home.f2body': '일 년 전 오늘의 기록을 다시 읽고, 그때의 나에게 답장을 씁니다.',
      'home.f3': '나만 보는 공간',
      'home.f3body': '기록은 나만 읽을 수 있습니다. 광고를 위해 일기를 읽는 일은 없습니다.',
      'consent.heading': '내 쿠키 선택',
      'consent.change': '쿠키 설정 바꾸기',
      'consent.loading': '쿠키 선택을 불러오는 중입니다.',
      'consent.none': '아직 선택하지 않으셨습니다. 필수 쿠키만 사용하고 있습니다.',
      'consent.given': '{date}에 선택하신 내용입니다.',
      'state.always': '항상 사용',
      'state.on': '허용',
      'state.off': '거부',
      'state.unset': '선택 전 (사용 안 함)',
      'cat.necessary': '필수 쿠키',
      'cat.functional': '기능 쿠키 (로그인 유지)',
      'cat.analytics': '분석 쿠키',
      'cat.marketing': '마케팅 쿠키',
      'tour.title': '둘러보기 · 나와의 대화',
      'tour.h1': '나와의 대화 둘러보기',
      'tour.lead': '일 분짜리 영상으로 하루 한 줄 쓰기를 보여 드립니다. 영상과 방문 통계는 쿠키에 동의하신 경우에만 불러옵니다.',
      'tour.video': '소개 영상',
      'tour.videoTitle': '나와의 대화 소개 영상',
      'tour.videoNote': '영상은 외부 영상 서비스를 흉내 낸 페이지에서 재생됩니다. 마케팅 쿠키에 동의해야 불러옵니다.',
      'tour.views': '방문 통계',
      'views.count': '{n}회',
      'views.one': '1회',
      'views.counted': '이 브라우저에서 이 페이지를 본 횟수입니다 (분석 쿠키 demo_views).',
      'views.waiting': '분석 쿠키를 허용하면 이 브라우저에서 이 페이지를 본 횟수를 셉니다. 지금은 세지 않습니다.',
      'views.stopped': '분석 쿠키를 거부하셔서 더 이상 세지 않습니다. 저장된 횟수도 지웠습니다.',
      'login.title': '로그인 · 나와의 대화',
      'login.h1': '로그인',
      'login.lead': '로그인 상태는 기능 쿠키(session)로 유지됩니다. 기능 쿠키를 거부하셨다면, 로그인할 때 한 번 더 여쭙니다.',
      'login.email': '이메일',
      'login.password': '비밀번호',
      'login.submit': '로그인',
      'login.logout': '로그아웃',
      'login.done': '로그인되었습니다. session 쿠키가 로그인 상태를 유지합니다.',
      'login.refused': '기능 쿠키 없이는 로그인 상태를 유지할 수 없어 로그인하지 않았습니다.',
      'login.demoNote': '데모이므로 아무 주소와 비밀번호나 됩니다. 비밀번호는 어디에도 보내지 않습니다.',
      'privacy.title': '개인정보 처리방침 · 나와의 대화',
      'privacy.h1': '개인정보 처리방침',
      'privacy.loading': '처리방침을 불러오는 중입니다.',
      'privacy.plain': '처리방침 전문 보기',
      'privacy.failed': '처리방침을 불러오지 못했습니다.',
      'footer.privacy': '개인정보 처리방침',
      'footer.cookies': '쿠키 설정',
      'footer.contact': '문의하기',
      'footer.demo': '이 사이트는 쿠키 동의 도구 kuki의 데모입니다. 로그인과 기록은 흉내만 냅니다.',
    },
    en: {
      brand: 'Talk with Me',
      skip: 'Skip to content',
      'nav.label': 'Main menu',
      'nav.home': 'Home',
      'nav.tour': 'Tour',
      'nav.privacy': 'Privacy policy',
      'nav.login': 'Log in',
      'home.title': 'Talk with Me',
      'home.eyebrow': 'One line a day, a letter to yourself',
      'home.h1': 'Say something to yourself today',
      'home.lead': 'Talk with Me is a quiet diary: write down the thoughts of your day, read your old entries again, and talk with yourself.',
      'home.start': 'Start writing',
      'home.tour': 'Take the tour',
      'home.features': 'What you can do here',
      'home.f1': 'One line a day',
      'home.f1body': 'Note what happened today and how you felt. A short line is enough.',
      'home.f2': 'Talks with your past self',
      'home.f2body': 'Read what you wrote a year ago today, and write back to who you were.',
      'home.f3': 'A space only you see',
      'home.f3body': 'Only you can read your entries. Nobody reads your diary to sell ads.',
      'consent.heading': 'Your cookie choices',
      'consent.change': 'Change cookie settings',
      'consent.loading': 'Loading your cookie choices.',
      'consent.none': 'You have not chosen yet. Only strictly necessary cookies are in use.',
      'consent.given': 'What you chose on {date}.',
      'state.always': 'Always on',
      'state.on': 'Allowed',
      'state.off': 'Refused',
      'state.unset': 'Not chosen yet (off)',
      'cat.necessary': 'Strictly necessary cookies',
      'cat.functional': 'Functional cookies (staying logged in)',
      'cat.analytics': 'Analytics cookies',
      'cat.marketing': 'Marketing cookies',
      'tour.title': 'Tour · Talk with Me',
      'tour.h1': 'A tour of Talk with Me',
      'tour.lead': 'A one-minute video shows how to write one line a day. The video and the visit statistics load only if you agree to their cookies.',
      'tour.video': 'Introduction video',
      'tour.videoTitle': 'Talk with Me introduction video',
      'tour.videoNote': 'The video plays from a page that stands in for an outside video service. It loads once you allow marketing cookies.',
      'tour.views': 'Visit statistics',
      'views.count': '{n} views',
      'views.one': '1 view',
      'views.counted': 'How many times this browser has viewed this page (analytics cookie demo_views).',
      'views.waiting': 'Allow analytics cookies and this page counts how often this browser views it. Nothing is counted now.',
      'views.stopped': 'You refused analytics cookies: nothing is counted any more, and the stored count was deleted.',
      'login.title': 'Log in · Talk with Me',
      'login.h1': 'Log in',
      'login.lead': 'A functional cookie (session) keeps you logged in. If you refused functional cookies, we ask once more when you log in.',
      'login.email': 'Email',
      'login.password': 'Password',
      'login.submit': 'Log in',
      'login.logout': 'Log out',
      'login.done': 'You are logged in. The session cookie keeps you logged in.',
      'login.refused': 'Without functional cookies we cannot keep you logged in, so you were not logged in.',
      'login.demoNote': 'This is a demo: any address and password will do. The password is sent nowhere.',
      'privacy.title': 'Privacy policy · Talk with Me',
      'privacy.h1': 'Privacy policy',
      'privacy.loading': 'Loading the privacy policy.',
      'privacy.plain': 'Read the whole policy',
      'privacy.failed': 'The privacy policy could not be loaded.',
      'footer.privacy': 'Privacy policy',
      'footer.cookies': 'Cookie settings',
      'footer.contact': 'Contact',
      'footer.demo': 'This site is a demo of kuki, a cookie consent tool. Logging in and writing are only pretend.',
    },
  };
  var CATEGORIES = ['necessary', 'functional', 'analytics', 'marketing'];
  var LANG_KEY = 'nd-lang';

  // --- language ------------------------------------------------------------------------------------------------
  function storedLang() {
    try {
      var l = localStorage.getItem(LANG_KEY);
      return TEXTS[l] ? l : null;
    } catch (_) {
      return null; // storage refused: the browser's language, every time
    }
  }
  function browserLang() {
    var list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < list.length; i++) {
      var base = String(list[i]).toLowerCase().split('-')[0];
      if (TEXTS[base]) return base;
    }
    return 'ko';
  }
  var lang = storedLang() || browserLang();
  function t(key, vars) {
    var s = TEXTS[lang][key];
    if (s === undefined) s = TEXTS.ko[key] || '';
    for (var k in vars || {}) s = s.split('{' + k + '}').join(vars[k]);
    return s;
  }

  // kuki may not have run yet (its tag is async): the loader's stub queues calls made before the wasm is ready.
  function withKuki(fn) {
    if (window.kuki) return fn(window.kuki);
    var tag = document.querySelector('script[src$="/kuki/kuki.js"]');
    if (tag) tag.addEventListener('load', function () { if (window.kuki) fn(window.kuki); }, { once: true });
  }

  function setLanguage(next, remember) {
    lang = next;
    if (remember) {
      try { localStorage.setItem(LANG_KEY, next); } catch (_) { /* kept for this page only */ }
    }
    withKuki(function (k) { k.setLanguage(next); });
    render();
    if (remember) loadPolicy();
  }

  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('[data-set-lang]');
    if (b && TEXTS[b.getAttribute('data-set-lang')]) setLanguage(b.getAttribute('data-set-lang'), true);
  });

  // --- the consent in words ------------------------------------------------------------------------------------
  var consent; // undefined: kuki has not said yet; null: no choice
  function date(ms) {
    try {
      return new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'long' }).format(new Date(ms));
    } catch (_) {
      return new Date(ms).toDateString();
    }
  }
  function stateOf(id) {
    if (id === 'necessary') return ['always', 'on'];
    if (!consent) return ['unset', 'unset'];
    return consent.categories && consent.categories[id] ? ['on', 'on'] : ['off', 'off'];
  }
  function renderConsent() {
    document.querySelectorAll('[data-consent-summary]').forEach(function (el) {
      el.textContent = consent === undefined ? t('consent.loading')
        : consent === null ? t('consent.none')
        : t('consent.given', { date: date(consent.updatedAt || consent.givenAt) });
    });
    document.querySelectorAll('[data-consent-list]').forEach(function (list) {
      list.textContent = '';
      if (consent === undefined) return;
      CATEGORIES.forEach(function (id) {
        var s = stateOf(id);
        var li = document.createElement('li');
        li.setAttribute('data-category-state', id);
        var name = document.createElement('span');
        name.textContent = t('cat.' + id);
        // "분석 쿠키: 허용" as one phrase (copied or read aloud); the colon is hidden where the layout says it.
        var colon = document.createElement('span');
        colon.className = 'sr';
        colon.textContent = ': ';
        var value = document.createElement('span');
        value.className = 'state ' + s[1];
        value.textContent = t('state.' + s[0]);
        li.append(name, colon, value);
        list.appendChild(li);
      });
    });
  }
  ['kuki:ready', 'kuki:consent', 'kuki:change'].forEach(function (name) {
    window.addEventListener(name, function (e) {
      consent = e.detail || null;
      render();
    });
  });

  // --- tour.html: page views counted by analytics.js, only after consent --------------------------------------
  var views = 0;
  window.addEventListener('demo:views', function (e) {
    views = Number(e.detail) || 0;
    render();
  });
  function renderViews() {
    var count = document.querySelector('[data-page-views]');
    var note = document.querySelector('[data-page-views-note]');
    if (!count || !note) return;
    var allowed = !!(consent && consent.categories && consent.categories.analytics);
    count.textContent = views && allowed ? (views === 1 ? t('views.one') : t('views.count', { n: views })) : '–';
    note.textContent = allowed ? (views ? t('views.counted') : t('views.waiting')) : views ? t('views.stopped') : t('views.waiting');
  }

  // --- login.html: a first-party session cookie, in the functional category ------------------------------------
  function loggedIn() {
    return /(?:^|;\s*)session=/.test(document.cookie);
  }
  function renderLogin() {
    var form = document.getElementById('login-form');
    if (!form) return;
    var inside = loggedIn();
    form.hidden = inside;
    document.getElementById('login-done').hidden = !inside;
    document.getElementById('login-status').textContent = inside ? t('login.done') : '';
  }
  function logIn() {
    var token = (crypto.randomUUID && crypto.randomUUID()) || String(Math.random()).slice(2);
    document.cookie = 'session=' + token + '; Path=/; SameSite=Lax; Max-Age=' + 60 * 60 * 24 * 30;
    document.getElementById('login-refused').hidden = true;
    renderLogin();
    document.getElementById('logout').focus();
  }
  document.addEventListener('submit', function (e) {
    if (e.target.id !== 'login-form') return;
    e.preventDefault(); // nothing leaves the browser: the demo only keeps a session cookie
    // The button's data-kuki-requires already asked on its click; this covers a submit kuki did not see.
    if (window.kuki && window.kuki.acceptedCategory('functional')) return logIn();
    withKuki(function (k) {
      Promise.resolve(k.requireCategory('functional')).then(function (ok) {
        if (ok) logIn();
        else document.getElementById('login-refused').hidden = false;
      });
    });
  });
  document.addEventListener('click', function (e) {
    if (e.target.id !== 'logout') return;
    document.cookie = 'session=; Path=/; SameSite=Lax; Max-Age=0';
    renderLogin();
    document.getElementById('login-email').focus();
  });

  // --- privacy.html: the whole policy, rendered by kuki-server from the seed text ----------------------------
  var policyLang = null;
  function loadPolicy() {
    var article = document.getElementById('policy');
    if (!article || policyLang === lang) return;
    var want = lang;
    policyLang = want;
    article.setAttribute('aria-busy', 'true');
    fetch('/privacy?lang=' + want, { headers: { accept: 'text/html' } })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        if (want !== lang) return;
        // The page's own <style> goes first: this page's CSP refuses it even in a parsed copy (and reports it).
        var doc = new DOMParser().parseFromString(html.replace(/<style[^>]*>[\s\S]*?<\/style>/gi, ''), 'text/html');
        var parts = ['.page > header', '.page > nav', '#policy'].map(function (sel) { return doc.querySelector(sel); });
        if (parts.some(function (p) { return !p; })) throw new Error('not the policy page');
        // The server's <main> becomes a <div>: this page has its own main landmark, and the article is #policy.
        var body = document.createElement('div');
        body.lang = parts[2].lang;
        body.append.apply(body, Array.prototype.map.call(parts[2].childNodes, function (n) { return document.importNode(n, true); }));
        article.replaceChildren(document.importNode(parts[0], true), document.importNode(parts[1], true), body);
        article.removeAttribute('aria-busy');
      })
      .catch(function () {
        if (want !== lang) return;
        policyLang = null;
        var p = document.createElement('p');
        p.textContent = t('privacy.failed');
        var a = document.createElement('a');
        a.href = '/privacy?lang=' + want;
        a.textContent = t('privacy.plain');
        var h = document.createElement('h1');
        h.textContent = t('privacy.h1');
        var link = document.createElement('p');
        link.appendChild(a);
        article.replaceChildren(h, p, link);
        article.removeAttribute('aria-busy');
      });
  }

  // --- everything on the page, in the page's language ---------------------------------------------------------
  function render() {
    document.documentElement.lang = lang;
    var title = document.body.getAttribute('data-title');
    if (title) document.title = t(title);
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    document.querySelectorAll('[data-i18n-attr]').forEach(function (el) {
      el.getAttribute('data-i18n-attr').split(';').forEach(function (pair) {
        var at = pair.indexOf(':');
        el.setAttribute(pair.slice(0, at).trim(), t(pair.slice(at + 1).trim()));
      });
    });
    document.querySelectorAll('[data-set-lang]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-set-lang') === lang));
    });
    renderConsent();
    renderViews();
    renderLogin();
  }

  // kuki may have started before this deferred file ran: then its ready event is gone, but its answer is here.
  if (window.kuki && !window.kuki.__loader && typeof window.kuki.getConsent === 'function') {
    consent = window.kuki.getConsent() || null;
  }
  // kuki speaks the page's language from the start (a stored choice may differ from the browser's).
  setLanguage(lang, false);
  loadPolicy();
})();
