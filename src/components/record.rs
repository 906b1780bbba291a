use kuki_core::policy::Contact;
use kuki_core::wire::ConsentAction;
use kuki_core::{Config, Consent, Lang};
use std::rc::Rc;
use yew::prelude::*;

use crate::components::on_click;
use crate::i18n::Texts;
use crate::state::History;

#[derive(Properties, PartialEq)]
pub struct ConsentRecordProps {
    pub consent: Consent,
    /// The server's history of it, as far as it is known.
    pub history: History,
    /// For the categories' names in the history.
    pub config: Rc<Config>,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Rc<Texts>,
    /// Is there a server keeping the history?
    pub synced: bool,
    pub contact: Option<Contact>,
    pub onwithdraw: Callback<()>,
    pub onerase: Callback<()>,
}

/// The visitor's rights, as the policy promises them: see the record (id, date, history), withdraw at any time,
/// have the records deleted, and whom to ask.
#[component]
pub fn ConsentRecord(props: &ConsentRecordProps) -> Html {
    let t = &props.texts;
    let c = &props.consent;
    let events = match &props.history {
        History::Loaded(id, h) if *id == c.id => h
            .iter()
            .rev()
            .map(|e| {
                let accepted: Vec<&str> = e
                    .accepted
                    .iter()
                    .map(|id| props.config.category(id.as_str()).map_or(id.as_str(), |c| c.name.get(props.lang)))
                    .collect();
                html! {
                    <li>
                        <span class="kuki-mono">{ utc_date((e.received_at / 1000) as u64) }</span>{ " · " }
                        { action_name(&props.texts, e.action) }{ " · " }{ accepted.join(", ") }
                    </li>
                }
            })
            .collect::<Html>(),
        History::Unavailable(_) => html! { <li>{ t.history_unavailable.clone() }</li> },
        _ => Html::default(),
    };
    let loading = matches!(props.history, History::Loading(_));
    html! {
        <section class="kuki-record" aria-labelledby="kuki-record-title">
            <h3 id="kuki-record-title" class="kuki-subtitle">{ t.your_record.clone() }</h3>
            <dl class="kuki-dl">
                <dt>{ t.consent_id.clone() }</dt><dd class="kuki-mono">{ c.id.to_string() }</dd>
                <dt>{ t.given_at.clone() }</dt><dd>{ utc_date(c.given_at) }</dd>
                if let Some(contact) = &props.contact {
                    <dt>{ t.officer.clone() }</dt>
                    <dd>{ &contact.name }{ " · " }<a class="kuki-link" href={contact.mailto().as_str().to_string()}>{ &contact.email }</a></dd>
                }
            </dl>
            if props.synced {
                <h4 class="kuki-subtitle">{ t.history.clone() }</h4>
                <ul class="kuki-history" aria-busy={loading.then_some("true")}>{ events }</ul>
            }
            <div class="kuki-actions">
                <button type="button" class="kuki-btn kuki-btn-quiet" part="button withdraw" onclick={on_click(&props.onwithdraw)}>{ t.withdraw.clone() }</button>
                if props.synced {
                    <button type="button" class="kuki-btn kuki-btn-quiet" part="button erase" onclick={on_click(&props.onerase)}>{ t.delete_records.clone() }</button>
                }
            </div>
        </section>
    }
}

fn action_name(t: &Texts, a: ConsentAction) -> AttrValue {
    match a {
        ConsentAction::AcceptAll => t.action_accept_all.clone(),
        ConsentAction::RejectAll => t.action_reject_all.clone(),
        ConsentAction::Custom => t.action_custom.clone(),
        ConsentAction::AcceptCategory => t.action_category.clone(),
        ConsentAction::Withdraw => t.action_withdraw.clone(),
    }
}

/// `YYYY-MM-DD HH:MM UTC` from unix seconds, without a date library.
pub fn utc_date(secs: u64) -> String {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
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

/// Howard Hinnant's inverse of `days_from_civil`.
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
        assert_eq!(super::utc_date(951_782_400), "2000-02-29 00:00 UTC");
    }
}
