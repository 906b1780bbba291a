// Usages kuki-consent's types must refuse: each `@ts-expect-error` fails `tsc` if the line below it compiles, so
// the types are proven exact, not `any` (tests/npm/package.test.mjs).
import { run, setLanguage, acceptedCategory, getConsent, loadScript, type KukiConfig } from 'kuki-consent';

// A typo'd language: in the config, in run's options, in setLanguage.
// @ts-expect-error 'kr' is not a language kuki speaks (Korean is 'ko')
run({ lang: 'kr' });
// @ts-expect-error nor 'english'
run({}, { lang: 'english' });
// @ts-expect-error setLanguage('eng')
setLanguage('eng');
// @ts-expect-error a language without texts is not one kuki speaks
run({ lang: 'fr' });
// @ts-expect-error a text in a language the site brings no texts in
run({ site: { name: { de: 'Acme' } } });
// @ts-expect-error an annotated config names its extra languages
export const annotated: KukiConfig = { texts: { fr: { save: 'Enregistrer' } } };

// A category without its id, and a site's own category without its name.
// @ts-expect-error id is required
run({ categories: [{ name: 'Ads' }] });
// @ts-expect-error a category kuki has no name for needs one
run({ categories: [{ id: 'ads' }] });

// Fields of the wrong type or name.
// @ts-expect-error revision is a number
run({ revision: '2' });
// @ts-expect-error cookie.days is not a field (acceptDays, rejectDays)
run({ cookie: { days: 30 } });
// @ts-expect-error colorScheme is not a field
run({ colorScheme: 'dark' });
// @ts-expect-error a text key that does not exist
run({ texts: { en: { bannerHeading: 'Cookies' } } });
// @ts-expect-error a policy document needs its sections
run({ policy: { en: { title: 't', version: '1', effectiveDate: '2025-01-01' } } });
// @ts-expect-error nextPolicy needs its effectiveDate
run({ nextPolicy: { version: '2' } });

// Event details are typed.
window.addEventListener('kuki:consent', (e) => {
  // @ts-expect-error the consent has acceptedCategories, not accepted
  console.log(e.detail.accepted);
});
window.addEventListener('kuki:change', (e) => {
  // @ts-expect-error detail is null after a withdrawal
  console.log(e.detail.consentId);
});
window.addEventListener('kuki:error', (e) => {
  // @ts-expect-error status is a number
  const status: string = e.detail.status;
  console.log(status);
});

// Return and parameter types.
// @ts-expect-error acceptedCategory answers a boolean
export const yes: string = acceptedCategory('analytics');
// @ts-expect-error getConsent may be null
console.log(getConsent().consentId);
// @ts-expect-error loadScript's attributes are strings
loadScript('/a.js', { async: true });
// @ts-expect-error window.kuki has no such method
window.kuki.acceptAll();
// @ts-expect-error window.kuki.show() may return a promise while the wasm loads; it is not a boolean
export const shown: boolean = window.kuki.show();
