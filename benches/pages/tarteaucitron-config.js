// tarteaucitron.init() as its README shows it (the options that would reach third parties off), and the analytics
// script as a custom service ("Create custom service" in the README).
tarteaucitron.init({
  privacyUrl: '',
  hashtag: '#tarteaucitron',
  cookieName: 'tarteaucitron',
  orientation: 'middle',
  groupServices: false,
  showAlertSmall: false,
  cookieslist: false,
  showIcon: true,
  iconPosition: 'BottomRight',
  adblocker: false,
  DenyAllCta: true,
  AcceptAllCta: true,
  highPrivacy: true,
  handleBrowserDNTRequest: false,
  removeCredit: false,
  moreInfoLink: true,
  useExternalCss: false,
  useExternalJs: false,
  mandatory: true,
  mandatoryCta: true,
});
tarteaucitron.services.benchanalytics = {
  key: 'benchanalytics',
  type: 'analytic',
  name: 'Bench analytics',
  needConsent: true,
  cookies: [],
  js: function () {
    'use strict';
    tarteaucitron.addScript('{{HOST}}/analytics.js');
  },
  fallback: function () {},
};
(tarteaucitron.job = tarteaucitron.job || []).push('benchanalytics');
