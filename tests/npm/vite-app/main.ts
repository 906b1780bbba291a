// A Vite app as its README tells one to write it: kuki-consent from npm, `await init()`, then `run(config)`.
// tests/npm/package.test.mjs builds it against the packed pkg/, serves it and drives it in Chromium; tsc checks it.
import init, { run, getConsent, showPreferences, type KukiConfig, type KukiConsent } from 'kuki-consent';

const config: KukiConfig = {
  site: { name: { ko: '비트 예제', en: 'Vite example' } },
  lang: 'en',
  categories: [
    { id: 'necessary' },
    { id: 'analytics', cookies: ['_ga*'] },
    { id: 'ads', name: { ko: '광고', en: 'Ads' }, description: 'Personalised ads' },
  ],
};

declare global {
  interface Window {
    /** What the test reads: each kuki event this page heard, with its detail. */
    __events: { type: string; accepted: string[] | null }[];
  }
}
window.__events = [];

const status = document.querySelector<HTMLParagraphElement>('#status')!;
const heard = (type: string, consent: KukiConsent | null) => {
  // `consent` is typed: its fields are checked by tsc (tests/npm/types/).
  window.__events.push({ type, accepted: consent ? consent.acceptedCategories : null });
  status.textContent = `${type}: ${consent ? consent.acceptedCategories.join(' ') : 'no choice yet'}`;
};
window.addEventListener('kuki:ready', (e) => heard(e.type, e.detail));
window.addEventListener('kuki:consent', (e) => heard(e.type, e.detail));
window.addEventListener('kuki:change', (e) => heard(e.type, e.detail));
document.querySelector('#preferences')!.addEventListener('click', () => showPreferences());

await init();
// `?defaults`: run() with no config at all, which must be the defaults (as the loader's autorun without data-config).
if (new URLSearchParams(location.search).has('defaults')) run();
else run(config);
console.log('kuki consent after run:', getConsent()?.consentId ?? 'none');
