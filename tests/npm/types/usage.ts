// A typical use of kuki-consent's types, which `tsc --strict` must accept (tests/npm/package.test.mjs). The
// issue's four failures first: run with one argument, `policy` in the config, `window.kuki`, typed event details.
import init, {
  run,
  acceptCategory,
  acceptedCategory,
  eraseCookies,
  getConsent,
  getUserPreferences,
  loadScript,
  requireCategory,
  setLanguage,
  showPolicy,
  validConsent,
  type KukiApi,
  type KukiConfig,
  type KukiConsent,
  type KukiPolicyDocument,
  type KukiServerError,
} from 'kuki-consent';

const policyEn: KukiPolicyDocument = {
  title: 'Privacy policy',
  version: '2025-03-01',
  effectiveDate: '2025-03-01',
  intro: [{ paragraph: 'We process only what the service needs.' }],
  sections: [
    {
      id: 'items',
      heading: 'What we collect',
      blocks: [
        { paragraph: 'The following.' },
        { numbered: [{ text: 'On signing up', children: [{ bullets: [{ text: 'Email' }] }] }] },
      ],
    },
  ],
  contact: { name: 'Hong Gildong', email: 'privacy@example.com' },
};

export async function start(): Promise<void> {
  await init();
  await init({ module_or_path: '/assets/kuki_bg.wasm' });
  // 1. run takes one argument, or none, or two.
  run({ site: { name: 'Acme' } });
  run();
  run({}, { lang: 'en-US', endpoint: '/api/v1/consents' });
  // 2. policy is a config field (as are all the others).
  run({
    site: { name: { ko: '애크미', en: 'Acme' } },
    lang: 'ko',
    revision: 2,
    categories: [
      { id: 'necessary' },
      { id: 'analytics', cookies: ['_ga', '_ga_*'] },
      { id: 'ads', name: { ko: '광고', en: 'Ads' }, description: { en: 'Personalised ads' } },
    ],
    loginCategories: ['functional'],
    cookie: { name: 'acme_consent', domain: 'example.com', acceptDays: 365, rejectDays: 182 },
    endpoint: 'https://consent.example.com/api/v1/consents',
    policyVersion: '2025-03-01',
    policy: { en: policyEn },
    policyUrl: '/policy.json',
    policyPage: '/privacy',
    nextPolicy: { version: '2025-09-01', effectiveDate: '2025-09-01', material: true, summary: 'New processors' },
    consentMode: true,
    scriptTimeout: 5000,
    texts: { en: { bannerTitle: 'Cookies at Acme' } },
  });
  // A language the site brings texts in is one kuki speaks, as `lang` and in every text; run infers it.
  run({
    texts: { fr: { bannerTitle: 'Cookies' } },
    lang: 'fr',
    site: { name: { fr: 'Acmé', en: 'Acme' } },
    categories: [{ id: 'ads', name: { fr: 'Publicité', en: 'Ads' } }],
  }, { lang: 'fr-CA' });
  // An annotated config names its extra languages.
  const french: KukiConfig<'fr'> = { lang: 'fr', texts: { fr: { save: 'Enregistrer' } } };
  run(french);

  // 3. window.kuki, as the loader sets it: calls may be queued until the wasm is ready.
  await window.kuki.run({ policy: { en: policyEn } });
  await window.kuki.showPreferences();
  const granted: boolean = window.kuki.acceptedCategory('analytics');
  const ok: boolean = await window.kuki.requireCategory('functional');
  const loaded: boolean = await window.kuki.loadScript('/a.js', { nonce: 'abc' });
  const prefs = window.kuki.getUserPreferences();
  if (prefs) console.log(prefs.acceptType === 'custom', prefs.rejectedCategories.length, granted, ok, loaded);

  // 4. kuki:* events carry typed details.
  window.addEventListener('kuki:ready', (e) => console.log(e.detail?.consentId));
  window.addEventListener('kuki:consent', (e) => console.log(e.detail.acceptedCategories.join(','), e.detail.receipt?.signature));
  window.addEventListener('kuki:change', (e) => {
    const consent: KukiConsent | null = e.detail;
    if (consent) console.log(new Date(consent.updatedAt), consent.categories['analytics'], consent.gpc);
  });
  window.addEventListener('kuki:error', (e) => {
    const error: KukiServerError = e.detail;
    console.log(error.status, error.code, error.message, error.consentId, error.seq);
  });

  // The module's functions.
  acceptCategory();
  acceptCategory('all');
  acceptCategory('all', ['analytics']);
  acceptCategory(['analytics', 'marketing']);
  const now: boolean = acceptedCategory('analytics') && validConsent();
  eraseCookies(/^_ga/);
  eraseCookies(['_gid', /^_ga_/], '/', 'example.com');
  const script: Promise<boolean> = loadScript('/b.js');
  const allowed: Promise<boolean> = requireCategory('analytics');
  const switched: boolean = setLanguage('en');
  showPolicy('items');
  showPolicy();
  const consent = getConsent();
  console.log(now, script, allowed, switched, consent?.policyVersion, getUserPreferences()?.acceptType);
}

// window.kuki has every function the module exports (less init), and nothing else.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Exported = Exclude<keyof typeof import('kuki-consent'), 'default' | 'initSync'>;
export const apiMatchesModule: Equal<keyof KukiApi, Exported> = true;
