// A minimal klaro configuration: a required (necessary) service and one analytics service.
var klaroConfig = {
  lang: 'en',
  // The notice's "accept" button accepts every service (without it, "That's ok" keeps the defaults: analytics off).
  acceptAll: true,
  services: [
    { name: 'session', title: 'Session', purposes: ['functional'], required: true },
    { name: 'analytics', title: 'Analytics', purposes: ['analytics'] },
  ],
};
