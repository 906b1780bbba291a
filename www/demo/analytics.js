// A stand-in for an analytics tag, on /demo/tour.html as <script type="text/plain" data-category="analytics"
// data-src="/demo/analytics.js">: kuki runs it only once analytics is accepted. It counts this page's views in a
// first-party cookie, demo_views (listed under analytics in kuki-config.json, so kuki deletes it when analytics is
// refused), and announces the count; site.js shows it in the visitor's language.
(function () {
  'use strict';
  var match = /(?:^|;\s*)demo_views=(\d+)/.exec(document.cookie);
  var views = (match ? Number(match[1]) : 0) + 1;
  document.cookie = 'demo_views=' + views + '; Path=/; SameSite=Lax; Max-Age=' + 60 * 60 * 24 * 180;
  window.__demoViews = views;
  window.dispatchEvent(new CustomEvent('demo:views', { detail: views }));
})();
