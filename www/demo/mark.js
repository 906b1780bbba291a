// A stand-in for a tracker: blocked as <script type="text/plain" data-category="..." data-mark="..." src=".../mark.js">
// until its category is accepted. When it runs it says so where people and tests can see it: it records its
// data-mark (which also proves kuki kept the tag's attributes), sets the cookie named by data-cookie, and adds a
// line to the page's #demo-ran list.
(function () {
  var me = document.currentScript;
  var mark = (me && me.getAttribute('data-mark')) || 'unnamed';
  (window.__kukiDemoRuns = window.__kukiDemoRuns || []).push(mark);
  var cookie = me && me.getAttribute('data-cookie');
  try {
    if (cookie) document.cookie = cookie + '=1; Path=/; SameSite=Lax; Max-Age=3600';
  } catch (_) {
    // a browser that refuses cookies: the mark above still shows the script ran
  }
  document.documentElement.setAttribute('data-ran-' + mark.replace(/[^a-z0-9-]/gi, ''), '');
  var list = document.getElementById('demo-ran');
  if (list) {
    var item = document.createElement('li');
    item.textContent = mark + ' 스크립트가 실행되었습니다';
    list.appendChild(item);
  }
})();
