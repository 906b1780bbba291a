// The demo site's own behaviour: a login button that needs the functional category (kuki asks first when it is
// refused) and a panel that shows the visitor's current choice from kuki's events.
(function () {
  var status = document.getElementById('demo-consent');
  function show(consent) {
    if (!status) return;
    if (!consent) { status.textContent = '아직 선택하지 않았습니다.'; return; }
    var on = consent.acceptedCategories || [];
    status.textContent = '동의한 항목: ' + (on.length ? on.join(', ') : '없음');
  }
  ['kuki:ready', 'kuki:consent', 'kuki:change'].forEach(function (name) {
    window.addEventListener(name, function (e) { show(e.detail); });
  });

  var login = document.getElementById('demo-login');
  var who = document.getElementById('demo-user');
  if (login) {
    login.addEventListener('click', function () {
      document.cookie = 'demo_session=signed-in; Path=/; SameSite=Lax; Max-Age=3600';
      if (who) who.textContent = '로그인되었습니다 (demo_session 쿠키).';
    });
  }
  if (who && /(?:^|; )demo_session=/.test(document.cookie)) who.textContent = '로그인되어 있습니다.';
})();
