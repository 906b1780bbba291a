// The minimal configuration of vanilla-cookieconsent v3's "getting started": two categories, English texts.
import '{{PEER}}/vanilla-cookieconsent/dist/cookieconsent.umd.js';

CookieConsent.run({
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: {},
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'Cookie consent',
          description: 'This site uses cookies that the service needs, and analytics cookies only if you agree.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Customise',
        },
        preferencesModal: {
          title: 'Cookie preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save',
          closeIconLabel: 'Close',
          sections: [
            { title: 'Strictly necessary', description: 'Needed for the site to work.', linkedCategory: 'necessary' },
            { title: 'Analytics and statistics', description: 'How the site is used.', linkedCategory: 'analytics' },
          ],
        },
      },
    },
  },
});
