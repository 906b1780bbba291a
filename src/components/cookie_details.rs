use crate::components::Shared;
use kuki_core::category::{Cookie, Localized, Party};
use kuki_core::{Category, Lang};
use yew::prelude::*;

use crate::i18n::Texts;

pub struct CookieDetailsProps<'a> {
    pub category: &'a Category,
    pub lang: Lang,
    pub texts: Shared<Texts>,
}

/// What a category holds, behind a disclosure: who receives its data and its cookies (name, purpose, lifetime,
/// first or third party), then the same for each of its services. A stacked list, not a table: it reads the
/// same at 320 px as at 1280. Nothing when the config says nothing about them.
/// A view function (see the module `components`).
pub fn cookie_details(props: &CookieDetailsProps<'_>) -> Html {
    let c = props.category;
    let has = |cookies: &[Cookie], recipients: &Option<Localized>| !cookies.is_empty() || recipients.is_some();
    if !has(&c.cookies, &c.recipients) && !c.services.iter().any(|s| has(&s.cookies, &s.recipients)) {
        return Html::default();
    }
    let (t, lang) = (&props.texts, props.lang);
    let block = |cookies: &[Cookie], recipients: &Option<Localized>| {
        html! {
            <>
                if let Some(r) = recipients {
                    <p class="kuki-text kuki-recipients"><span class="kuki-label">{ t.recipients().clone() }{ ": " }</span>{ r.get(lang) }</p>
                }
                if !cookies.is_empty() {
                    <ul class="kuki-cookies" part="cookies">{ for cookies.iter().map(|k| cookie(k, t, lang)) }</ul>
                }
            </>
        }
    };
    let services = c.services.iter().filter(|s| has(&s.cookies, &s.recipients)).map(|s| {
        html! {
            <section class="kuki-details-service" key={s.id.as_str()}>
                <h4 class="kuki-details-name">{ s.name.get(lang) }</h4>
                { block(&s.cookies, &s.recipients) }
            </section>
        }
    });
    html! {
        <details class="kuki-details" part="details">
            <summary class="kuki-summary" part="summary">{ t.cookie_details().clone() }</summary>
            { block(&c.cookies, &c.recipients) }
            { for services }
        </details>
    }
}

fn cookie(k: &Cookie, t: &Texts, lang: Lang) -> Html {
    let row = |label: &AttrValue, value: Html| {
        html! { <div class="kuki-row"><dt>{ label.clone() }</dt><dd>{ value }</dd></div> }
    };
    let party = k.party.map(|p| match p {
        Party::First => t.first_party().clone(),
        Party::Third => t.third_party().clone(),
    });
    html! {
        <li class="kuki-cookie">
            <dl class="kuki-cookie-facts">
                { row(&t.cookie_name(), html! { <code class="kuki-code">{ k.name.display() }</code> }) }
                if let Some(p) = &k.purpose { { row(&t.cookie_purpose(), html! { p.get(lang) }) } }
                if let Some(l) = &k.lifetime { { row(&t.cookie_lifetime(), html! { l.get(lang) }) } }
                if let Some(p) = party { { row(&t.cookie_party(), html! { p }) } }
            </dl>
        </li>
    }
}
