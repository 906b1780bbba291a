// The stand-in video player: play/pause, a one-minute clock and a progress bar, in the site's language (the
// demo keeps the visitor's choice in localStorage "nd-lang"; a change there reaches this frame as a storage event).
(function () {
  'use strict';
  var TEXTS = {
    ko: { title: '나와의 대화 시작하기', play: '재생', pause: '일시정지', position: '재생 위치', caption: '오늘 있었던 일을 한 줄로 적어 보세요.' },
    en: { title: 'Getting started with Talk with Me', play: 'Play', pause: 'Pause', position: 'Position', caption: 'Write one line about your day.' },
  };
  var LENGTH = 60;
  var lang = 'ko';
  var playing = false;
  var position = 0;
  var last = 0;
  var $ = function (id) { return document.getElementById(id); };

  function readLang() {
    try { var l = localStorage.getItem('nd-lang'); if (l === 'ko' || l === 'en') return l; } catch (_) { /* storage refused */ }
    return /^ko\b/i.test(navigator.language || '') ? 'ko' : 'en';
  }
  function clock(s) { s = Math.floor(s); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
  function render() {
    var t = TEXTS[lang];
    document.documentElement.lang = lang;
    document.title = t.title;
    $('player').setAttribute('aria-label', t.title); // its own name: the embedding page has a main landmark too
    $('caption').textContent = t.caption;
    $('play').textContent = playing ? t.pause : t.play;
    $('play').setAttribute('aria-pressed', String(playing));
    $('bar').setAttribute('aria-label', t.position);
    $('bar').value = position;
    $('time').textContent = clock(position) + ' / ' + clock(LENGTH);
    document.body.classList.toggle('playing', playing);
    document.body.classList.toggle('ended', !playing && position > 0);
  }
  function tick(now) {
    if (!playing) return;
    position = Math.min(LENGTH, position + (now - last) / 1000);
    last = now;
    if (position >= LENGTH) playing = false;
    render();
    if (playing) requestAnimationFrame(tick);
  }
  $('play').addEventListener('click', function () {
    playing = !playing;
    if (playing && position >= LENGTH) position = 0;
    last = performance.now();
    render();
    if (playing) requestAnimationFrame(tick);
  });
  window.addEventListener('storage', function (e) {
    if (e.key === 'nd-lang') { lang = readLang(); render(); }
  });
  lang = readLang();
  render();
})();
