use kuki_core::consent::Decision;
use kuki_core::{CategoryId, Config, Consent, Lang};
use std::rc::Rc;
use yew::prelude::*;

use crate::components::{CategorySwitch, Dialog};
use crate::i18n::texts;

#[derive(Properties, PartialEq)]
pub struct PreferencesProps {
    pub config: Rc<Config>,
    pub lang: Lang,
    pub gpc: bool,
    pub draft: Vec<Decision>,
    /// The choice in force, for the visitor's record.
    pub consent: Option<Consent>,
    pub ontoggle: Callback<CategoryId>,
    pub onsave: Callback<()>,
    pub onaccept: Callback<()>,
    pub onreject: Callback<()>,
    pub onwithdraw: Callback<()>,
    pub onclose: Callback<()>,
    pub onpolicy: Callback<()>,
    #[prop_or_default]
    pub notice: Html,
}

/// The second layer: one switch per category, Save, and the visitor's own record with a way to withdraw.
#[component]
pub fn Preferences(props: &PreferencesProps) -> Html {
    let t = texts(props.lang);
    let click = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let onpolicy = {
        let cb = props.onpolicy.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            cb.emit(())
        })
    };
    let switches = props.config.categories.iter().map(|c| {
        let on = c.necessary || props.draft.iter().any(|d| d.category == c.id && d.granted);
        let warns_login = props.config.login_categories.contains(&c.id);
        let why_off = (props.gpc && c.id.as_str() == kuki_core::category::MARKETING && !on).then_some(t.gpc_note);
        let ontoggle = {
            let cb = props.ontoggle.clone();
            let id = c.id.clone();
            Callback::from(move |_| cb.emit(id.clone()))
        };
        html! {
            <CategorySwitch key={c.id.as_str()} category={c.clone()} lang={props.lang} {on} {warns_login} {why_off} {ontoggle} />
        }
    });
    html! {
        <Dialog class="kuki-prefs" labelledby="kuki-prefs-title" describedby={AttrValue::Static("kuki-prefs-intro")}
            onclose={props.onclose.clone()}>
            <div class="kuki-dialog-head">
                <h2 id="kuki-prefs-title" class="kuki-title">{ t.prefs_title }</h2>
                <button type="button" class="kuki-close" aria-label={t.close} onclick={click(&props.onclose)}>{ "×" }</button>
            </div>
            <div class="kuki-scroll">
                <p id="kuki-prefs-intro" class="kuki-text">
                    { t.prefs_intro }{ " " }
                    <a href="#kuki-policy" class="kuki-link" onclick={onpolicy}>{ t.policy_link }</a>
                </p>
                { props.notice.clone() }
                <ul class="kuki-cats">{ for switches }</ul>
                if let Some(c) = &props.consent {
                    <section class="kuki-record" aria-labelledby="kuki-record-title">
                        <h3 id="kuki-record-title" class="kuki-subtitle">{ t.your_record }</h3>
                        <dl class="kuki-dl">
                            <dt>{ t.consent_id }</dt><dd class="kuki-mono">{ c.id.to_string() }</dd>
                            <dt>{ t.given_at }</dt><dd>{ utc_date(c.given_at) }</dd>
                        </dl>
                        <button type="button" class="kuki-btn kuki-btn-quiet" onclick={click(&props.onwithdraw)}>{ t.withdraw }</button>
                    </section>
                }
            </div>
            <div class="kuki-actions">
                <button type="button" class="kuki-btn" onclick={click(&props.onaccept)}>{ t.accept_all }</button>
                <button type="button" class="kuki-btn" onclick={click(&props.onreject)}>{ t.reject_all }</button>
                <button type="button" class="kuki-btn" onclick={click(&props.onsave)}>{ t.save }</button>
            </div>
        </Dialog>
    }
}

/// `YYYY-MM-DD HH:MM UTC` from unix seconds, without a date library.
fn utc_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let mins = (secs % 86_400) / 60;
    let two = |n: u64| if n < 10 { ["0", &n.to_string()].concat() } else { n.to_string() };
    [
        y.to_string(),
        "-".into(),
        two(m),
        "-".into(),
        two(d),
        " ".into(),
        two(mins / 60),
        ":".into(),
        two(mins % 60),
        " UTC".into(),
    ]
    .concat()
}

/// Howard Hinnant's inverse of days_from_civil.
fn civil_from_days(z: i64) -> (i64, u64, u64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_print_in_utc() {
        assert_eq!(super::utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_date(1_795_531_000), "2026-11-24 14:36 UTC");
    }
}
