use crate::components::Shared;
use kuki_core::policy::Contact;
use kuki_core::wire::ConsentAction;
use kuki_core::{Config, Consent, Lang};
use yew::prelude::*;

use crate::browser;
use crate::components::on_click;
use crate::i18n::Texts;
use crate::state::History;

pub struct ConsentRecordProps {
    pub consent: Consent,
    /// The server's history of it, as far as it is known.
    pub history: History,
    /// For the categories' names in the history.
    pub config: Shared<Config>,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    /// Is there a server keeping the history?
    pub synced: bool,
    pub contact: Option<Contact>,
    pub onwithdraw: Callback<()>,
    pub onerase: Callback<()>,
}

/// The visitor's rights, as the policy promises them: see the record (id, date, history), withdraw at any time,
/// have the records deleted, and whom to ask.
/// A view function (see the module `components`).
pub fn consent_record(props: &ConsentRecordProps) -> Html {
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
                        <time class="kuki-mono">{ browser::local_time(e.received_at as f64, props.lang.as_str()) }</time>{ " · " }
                        { action_name(&props.texts, e.action) }{ " · " }{ accepted.join(", ") }
                    </li>
                }
            })
            .collect::<Html>(),
        History::Unavailable(_) => html! { <li>{ t.history_unavailable().clone() }</li> },
        _ => Html::default(),
    };
    let loading = matches!(props.history, History::Loading(_));
    html! {
        <section class="kuki-record" aria-labelledby="kuki-record-title">
            <h3 id="kuki-record-title" class="kuki-subtitle">{ t.your_record().clone() }</h3>
            <dl class="kuki-dl">
                <dt>{ t.consent_id().clone() }</dt><dd class="kuki-mono">{ c.id.to_string() }</dd>
                <dt>{ t.given_at().clone() }</dt><dd><time>{ browser::local_time(c.given_at as f64 * 1000.0, props.lang.as_str()) }</time></dd>
                if let Some(contact) = &props.contact {
                    <dt>{ t.officer().clone() }</dt>
                    <dd>{ &contact.name }{ " · " }<a class="kuki-link" href={contact.mailto().as_str().to_string()}>{ &contact.email }</a></dd>
                }
            </dl>
            if props.synced {
                <h4 class="kuki-subtitle">{ t.history().clone() }</h4>
                <ul class="kuki-history" aria-busy={loading.then_some("true")}>{ events }</ul>
            }
            <div class="kuki-actions">
                <button type="button" class="kuki-btn kuki-btn-quiet" part="button withdraw" onclick={on_click(&props.onwithdraw)}>{ t.withdraw().clone() }</button>
                if props.synced {
                    <button type="button" class="kuki-btn kuki-btn-quiet" part="button erase" onclick={on_click(&props.onerase)}>{ t.delete_records().clone() }</button>
                }
            </div>
        </section>
    }
}

fn action_name(t: &Texts, a: ConsentAction) -> AttrValue {
    match a {
        ConsentAction::AcceptAll => t.action_accept_all().clone(),
        ConsentAction::RejectAll => t.action_reject_all().clone(),
        ConsentAction::Custom => t.action_custom().clone(),
        ConsentAction::AcceptCategory => t.action_category().clone(),
        ConsentAction::Withdraw => t.action_withdraw().clone(),
    }
}
