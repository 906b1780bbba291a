//! Every word kuki's own interface says: Korean and English built in, each replaceable by the site per language
//! (config `texts`), and any other language the site writes them in (English where it left one out). Category
//! names and descriptions come from the configuration; the policy text from the policy document.
//!
//! In the built-in texts `{site}` is the site's name (`site.name`, else "this site"), `{purposes}` the optional
//! categories' names, `{category}` the category a page asks for (or a blocked iframe waits for), `{service}` and
//! `{host}` a blocked iframe's service and recipient, and `{date}` a policy's effective date (`effective`,
//! `policyChanged`; filled in where they are shown). A Korean `은(는)`
//! after `{site}` becomes the particle the name takes.

use kuki_core::{Config, Lang};
use yew::AttrValue;

macro_rules! texts {
    ($($field:ident = $key:literal),* $(,)?) => {
        /// The texts' places in [`Texts`], in `KEYS` order.
        #[allow(non_camel_case_types)]
        enum Key {
            $($field,)*
            Count,
        }

        /// kuki's texts in one language, for one site: one array in `KEYS` order, read by one accessor per text.
        /// An array rather than a field per text, because code that touches every text (building, filling in,
        /// comparing, cloning, dropping) is then one loop, not 67 copies of the same steps (bytes in the bundle).
        #[derive(Clone, Debug, PartialEq)]
        pub struct Texts([AttrValue; Key::Count as usize]);

        /// One language's built-in texts, written by name; [`Base::strings`] lays them out in `KEYS` order.
        struct Base {
            $($field: &'static str,)*
        }

        impl Base {
            const fn strings(self) -> [&'static str; Key::Count as usize] {
                [$(self.$field),*]
            }
        }

        impl Texts {
            /// The keys a site may replace, as `kuki_core::texts::KEYS` lists them.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            $(
                pub fn $field(&self) -> &AttrValue {
                    &self.0[Key::$field as usize]
                }
            )*
        }
    };
}

texts!(
    banner_title = "bannerTitle",
    banner_body = "bannerBody",
    accept_all = "acceptAll",
    reject_all = "rejectAll",
    customise = "customise",
    policy_link = "policyLink",
    prefs_title = "prefsTitle",
    prefs_intro = "prefsIntro",
    save = "save",
    close = "close",
    always_on = "alwaysOn",
    gpc_note = "gpcNote",
    login_inline = "loginInline",
    login_after_reject = "loginAfterReject",
    dismiss = "dismiss",
    cookies_blocked = "cookiesBlocked",
    login_title = "loginTitle",
    login_body = "loginBody",
    allow_and_continue = "allowAndContinue",
    cancel = "cancel",
    require_title = "requireTitle",
    require_body = "requireBody",
    allow = "allow",
    refuse = "refuse",
    withdraw = "withdraw",
    your_record = "yourRecord",
    consent_id = "consentId",
    given_at = "givenAt",
    policy_title = "policyTitle",
    contents = "contents",
    notice_soon = "noticeSoon",
    notice_material = "noticeMaterial",
    read_new_policy = "readNewPolicy",
    days_left = "daysLeft",
    history = "history",
    history_unavailable = "historyUnavailable",
    delete_records = "deleteRecords",
    erase_failed = "eraseFailed",
    officer = "officer",
    no_policy = "noPolicy",
    policy_elsewhere = "policyElsewhere",
    policy_loading = "policyLoading",
    policy_unavailable = "policyUnavailable",
    retry = "retry",
    this_site = "thisSite",
    effective = "effective",
    action_accept_all = "actionAcceptAll",
    action_reject_all = "actionRejectAll",
    action_custom = "actionCustom",
    action_category = "actionCategory",
    action_withdraw = "actionWithdraw",
    embed_untitled = "embedUntitled",
    embed_blocked = "embedBlocked",
    embed_service = "embedService",
    embed_recipient = "embedRecipient",
    allow_and_load = "allowAndLoad",
    always_allow = "alwaysAllow",
    settings_button = "settingsButton",
    policy_changed = "policyChanged",
    cookie_details = "cookieDetails",
    cookie_name = "cookieName",
    cookie_purpose = "cookiePurpose",
    cookie_lifetime = "cookieLifetime",
    cookie_party = "cookieParty",
    first_party = "firstParty",
    third_party = "thirdParty",
    recipients = "recipients"
);

impl Texts {
    /// The texts for `lang` on this site: the built-in ones (Korean, else English), the site's replacements,
    /// then the site's name and purposes filled in.
    pub fn new(lang: Lang, config: &Config) -> Texts {
        let base = if lang == Lang::Ko { &KO } else { &EN };
        let mut t = Texts(base.map(AttrValue::Static));
        for (key, field) in Texts::KEYS.iter().zip(t.0.iter_mut()) {
            if let Some(text) = config.text(lang, key) {
                *field = AttrValue::from(text.to_owned());
            }
        }
        let site = match &config.site_name {
            Some(name) => name.get(lang).to_owned(),
            None => t.this_site().to_string(),
        };
        let names: Vec<&str> = config.optional().map(|c| c.name.get(lang)).collect();
        // Each language joins a list its own way; one kuki does not know gets plain commas.
        let purposes = match lang {
            Lang::Ko => names.join("·"),
            Lang::En => join_english(&names),
            _ => names.join(", "),
        };
        let named = [site.as_str(), topic_particle(&site)].concat();
        for field in t.0.iter_mut() {
            // One byte scan first: most texts hold no placeholder, and a substring search sets up a searcher each
            // time (134 of them on the banner's first render, measurable on a slow phone).
            if field.contains('{') && (field.contains("{site}") || field.contains("{purposes}")) {
                let text =
                    field.replace("{site}은(는)", &named).replace("{site}", &site).replace("{purposes}", &purposes);
                *field = AttrValue::from(text);
            }
        }
        t
    }
}

/// `a`, `a and b`, `a, b, and c`: the serial comma, because category names hold "and" themselves ("Analytics and
/// statistics"), and without it the last two names read as one.
fn join_english(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [a, b] => [*a, " and ", b].concat(),
        [rest @ .., last] => [rest.join(", ").as_str(), ", and ", last].concat(),
    }
}

/// The Korean topic particle a name takes: `는` after a vowel, `은` after a final consonant, `은(는)` when the
/// name does not end in a Hangul syllable.
fn topic_particle(name: &str) -> &'static str {
    match name.chars().last().map(u32::from) {
        Some(c @ 0xAC00..=0xD7A3) if (c - 0xAC00) % 28 == 0 => "는",
        Some(0xAC00..=0xD7A3) => "은",
        _ => "은(는)",
    }
}

static KO: [&str; Key::Count as usize] = Base {
    banner_title: "쿠키 사용 동의",
    banner_body: "{site}은(는) 서비스 제공에 필요한 쿠키와, 동의하신 경우에만 {purposes} 쿠키를 사용합니다. 언제든지 설정에서 바꾸거나 철회할 수 있습니다.",
    accept_all: "모두 동의",
    reject_all: "모두 거부",
    customise: "설정",
    policy_link: "개인정보 처리방침",
    prefs_title: "쿠키 설정",
    prefs_intro: "항목별로 동의 여부를 선택하세요. 필수 쿠키는 서비스 보안과 이 선택을 기억하는 데 쓰여 끌 수 없습니다.",
    save: "저장",
    close: "닫기",
    always_on: "항상 사용",
    gpc_note: "브라우저가 개인정보 보호 신호(GPC)를 보내 마케팅은 꺼진 상태로 시작합니다. 원하시면 직접 켤 수 있습니다.",
    login_inline: "이 항목을 거부하면 로그인이 필요한 일부 서비스의 이용이 어려울 수 있습니다.",
    login_after_reject: "쿠키를 거부하셨습니다. 로그인이 필요한 일부 서비스의 이용이 어려울 수 있습니다.",
    dismiss: "알림 닫기",
    cookies_blocked: "브라우저가 쿠키를 차단하고 있습니다. 로그인이 필요한 일부 서비스의 이용이 어려울 수 있습니다.",
    login_title: "로그인이 어려울 수 있습니다",
    login_body: "로그인 상태를 유지하려면 기능 쿠키가 필요합니다. 쿠키 설치를 거부하면 로그인이 필요한 일부 서비스의 이용이 어려울 수 있습니다.",
    allow_and_continue: "허용하고 계속",
    cancel: "취소",
    require_title: "{category}: 동의가 필요합니다",
    require_body: "이 기능은 '{category}' 항목에 동의해야 사용할 수 있습니다.",
    allow: "허용",
    refuse: "거부",
    withdraw: "동의 철회",
    your_record: "내 동의 기록",
    consent_id: "동의 ID",
    given_at: "동의 일시",
    policy_title: "개인정보 처리방침",
    contents: "목차",
    notice_soon: "개인정보 처리방침이 변경될 예정입니다.",
    notice_material: "수집 항목 또는 이용 목적이 바뀌는 중요한 변경입니다. 시행일 이후 다시 동의를 요청드립니다.",
    read_new_policy: "변경될 방침 보기",
    days_left: "시행까지 남은 일수:",
    history: "변경 기록",
    history_unavailable: "지금은 서버에서 기록을 불러올 수 없습니다.",
    delete_records: "내 기록 삭제",
    erase_failed: "기록을 삭제하지 못했습니다. 잠시 후 다시 시도해 주세요.",
    officer: "개인정보 보호책임자",
    no_policy: "{site}은(는) 아직 이곳에 개인정보 처리방침을 제공하지 않았습니다.",
    policy_elsewhere: "{site}의 개인정보 처리방침은 사이트의 다음 페이지에서 볼 수 있습니다.",
    policy_loading: "개인정보 처리방침을 불러오는 중입니다.",
    policy_unavailable: "지금은 개인정보 처리방침을 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.",
    retry: "다시 시도",
    this_site: "이 사이트",
    effective: "{date} 시행",
    action_accept_all: "모두 동의",
    action_reject_all: "모두 거부",
    action_custom: "직접 선택",
    action_category: "항목 허용",
    action_withdraw: "동의 철회",
    embed_untitled: "외부 콘텐츠",
    embed_blocked: "'{category}' 항목에 동의하기 전에는 이 콘텐츠를 불러오지 않습니다.",
    embed_service: "서비스: {service}",
    embed_recipient: "불러오면 IP 주소 등 접속 정보가 {host}에 전송됩니다.",
    allow_and_load: "허용하고 불러오기",
    always_allow: "항상 허용",
    settings_button: "쿠키 설정",
    policy_changed: "개인정보 처리방침이 {date}부터 바뀌었습니다. 수집 항목이나 이용 목적이 달라져 다시 동의를 여쭙니다.",
    cookie_details: "쿠키와 데이터를 받는 곳",
    cookie_name: "쿠키 이름",
    cookie_purpose: "목적",
    cookie_lifetime: "보관 기간",
    cookie_party: "설정 주체",
    first_party: "이 사이트(자사 쿠키)",
    third_party: "외부 업체(제3자 쿠키)",
    recipients: "데이터를 받는 곳",
}
.strings();

static EN: [&str; Key::Count as usize] = Base {
    banner_title: "Cookie consent",
    banner_body: "{site} uses cookies that the service needs, and {purposes} cookies only if you agree. You can change or withdraw your choice at any time in the preferences.",
    accept_all: "Accept all",
    reject_all: "Reject all",
    customise: "Customise",
    policy_link: "Privacy policy",
    prefs_title: "Cookie preferences",
    prefs_intro: "Choose category by category. Strictly necessary cookies keep the service secure and remember this choice; they cannot be turned off.",
    save: "Save",
    close: "Close",
    always_on: "Always on",
    gpc_note: "Your browser sends Global Privacy Control, so marketing starts off. You can still turn it on yourself.",
    login_inline: "If you refuse this, some services that need login may be hard to use.",
    login_after_reject: "You refused cookies. Some services that need login may be hard to use.",
    dismiss: "Dismiss notice",
    cookies_blocked: "Your browser is blocking cookies. Some services that need login may be hard to use.",
    login_title: "Login may not work",
    login_body: "Staying logged in needs functional cookies. If you refuse cookies, some services that need login may be hard to use.",
    allow_and_continue: "Allow and continue",
    cancel: "Cancel",
    require_title: "{category}: your consent is needed",
    require_body: "This feature can be used only if you allow \u{201c}{category}\u{201d}.",
    allow: "Allow",
    refuse: "Refuse",
    withdraw: "Withdraw consent",
    your_record: "Your consent record",
    consent_id: "Consent ID",
    given_at: "Given at",
    policy_title: "Privacy policy",
    contents: "Contents",
    notice_soon: "Our privacy policy is about to change.",
    notice_material: "This is a material change (collected items or purposes). We will ask for your consent again once it takes effect.",
    read_new_policy: "Read the new policy",
    days_left: "Days until it takes effect:",
    history: "Change history",
    history_unavailable: "The history cannot be loaded from the server right now.",
    delete_records: "Delete my records",
    erase_failed: "Your records could not be deleted. Please try again in a moment.",
    officer: "Privacy officer",
    no_policy: "{site} has not published a privacy policy here yet.",
    policy_elsewhere: "{site}\u{2019}s privacy policy is on this page of the site:",
    policy_loading: "Loading the privacy policy.",
    policy_unavailable: "The privacy policy cannot be loaded right now. Please try again in a moment.",
    retry: "Try again",
    this_site: "This site",
    effective: "Effective {date}",
    action_accept_all: "Accepted all",
    action_reject_all: "Rejected all",
    action_custom: "Custom choice",
    action_category: "Category allowed",
    action_withdraw: "Withdrawn",
    embed_untitled: "Embedded content",
    embed_blocked: "This content is not loaded until you allow \u{201c}{category}\u{201d}.",
    embed_service: "Service: {service}",
    embed_recipient: "Loading it sends data such as your IP address to {host}.",
    allow_and_load: "Allow and load",
    always_allow: "Always allow",
    settings_button: "Cookie settings",
    policy_changed: "Our privacy policy changed on {date}. What we collect or why has changed, so we ask for your choice again.",
    cookie_details: "Cookies and who receives the data",
    cookie_name: "Cookie",
    cookie_purpose: "Purpose",
    cookie_lifetime: "Lifetime",
    cookie_party: "Set by",
    first_party: "This site (first party)",
    third_party: "Another company (third party)",
    recipients: "Who receives the data",
}
.strings();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_a_site_may_replace_are_exactly_the_texts() {
        assert_eq!(Texts::KEYS, kuki_core::texts::KEYS);
    }

    #[test]
    fn the_banner_names_the_site_and_its_purposes_with_the_right_particle() {
        let default = Texts::new(Lang::Ko, &Config::default());
        assert!(default.banner_body().starts_with("나와의 대화는 "), "{}", default.banner_body());
        assert!(default.banner_body().contains("기능 (로그인 유지)·분석 및 통계·마케팅 쿠키"));
        // The demo's English pages call the service "Talk with Me"; its English banner does too.
        let default_en = Texts::new(Lang::En, &Config::default());
        assert!(default_en.banner_body().starts_with("Talk with Me uses"), "{}", default_en.banner_body());
        assert!(
            default_en
                .banner_body()
                .contains("Functional (staying logged in), Analytics and statistics, and Marketing cookies"),
            "{}",
            default_en.banner_body()
        );
        let (acme, _) = Config::read(&kuki_core::value::from_json(
            r#"{"site":{"name":{"ko":"에이크미 상점","en":"Acme"}},"categories":[{"id":"necessary"},{"id":"ads","name":{"ko":"광고","en":"Ads"}},{"id":"analytics"}]}"#,
        ));
        let ko = Texts::new(Lang::Ko, &acme);
        assert!(ko.banner_body().starts_with("에이크미 상점은 "), "{}", ko.banner_body());
        assert!(ko.banner_body().contains("광고·분석 및 통계 쿠키"));
        let en = Texts::new(Lang::En, &acme);
        assert!(en.banner_body().starts_with("Acme uses"), "{}", en.banner_body());
        assert!(en.banner_body().contains("Ads and Analytics and statistics cookies"));
        assert!(!en.banner_body().contains("나와의 대화") && !ko.banner_body().contains("나와의 대화"));
        assert_eq!(topic_particle("Acme"), "은(는)");
    }

    #[test]
    fn a_site_replaces_texts_and_brings_a_language() {
        let (c, _) = Config::read(&kuki_core::value::from_json(
            r#"{"texts":{"fr":{"acceptAll":"Tout accepter"},"en":{"rejectAll":"No thanks"}}}"#,
        ));
        let fr = Texts::new(Lang::from_tag("fr").unwrap(), &c);
        assert_eq!((fr.accept_all().as_str(), fr.reject_all().as_str()), ("Tout accepter", "Reject all"));
        assert_eq!(Texts::new(Lang::En, &c).reject_all().as_str(), "No thanks");
        assert_eq!(Texts::new(Lang::Ko, &c).reject_all().as_str(), "모두 거부");
    }
}
