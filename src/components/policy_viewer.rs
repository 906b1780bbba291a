use crate::components::Shared;
use kuki_core::policy::{Block, Item, PolicyDocument, Span, Text};
use kuki_core::{Config, Lang};
use wasm_bindgen::JsCast;
use web_sys::{Element, ShadowRoot};
use yew::prelude::*;

use crate::components::Dialog;
use crate::i18n::Texts;
use crate::state::FetchedPolicy;

#[derive(Properties, PartialEq)]
pub struct PolicyViewerProps {
    pub config: Shared<Config>,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    /// A section id (`items`, `officer`, ...) to open at.
    #[prop_or_default]
    pub section: Option<String>,
    /// The site's policy fetched from `policyUrl`, when it gives one.
    pub fetched: FetchedPolicy,
    pub onclose: Callback<()>,
    /// Fetch the document again after a failure (the viewer opened again at this section).
    pub onretry: Callback<Option<String>>,
    #[prop_or_default]
    pub notice: Html,
    /// Show the coming version's own text (`nextPolicy.policy`), not the one in force.
    #[prop_or_default]
    pub reading_next: bool,
}

/// The whole privacy policy in a dialog: a table of contents, then every section. Text only: nothing from the
/// document is ever parsed as HTML, and links exist only where the model holds a checked `Href`.
#[component]
pub fn PolicyViewer(props: &PolicyViewerProps) -> Html {
    let t = &props.texts;
    let body = use_node_ref();
    {
        let body = body.clone();
        // Again once a fetched document arrives: before, the section was not there to scroll to.
        let loaded = matches!(props.fetched, FetchedPolicy::Loaded(_));
        use_effect_with((props.section.clone(), loaded), move |(section, _)| {
            if let Some(id) = section {
                scroll_to(&body, id);
            }
        });
    }
    let onclick = {
        let cb = props.onclose.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let next = props.config.next_policy.as_ref().and_then(|n| n.policy.as_ref()).filter(|_| props.reading_next);
    let doc = match next {
        Some(site) => Some(site.document(props.lang)),
        None => props.config.policy_document(props.lang).or(match &props.fetched {
            FetchedPolicy::Loaded(site) => Some(site.document(props.lang)),
            _ => None,
        }),
    };
    let content = match doc {
        Some(doc) => document(doc, props, &body),
        // No document here: where the site keeps its policy, or that it gave none. Never another site's.
        None => {
            let failed = matches!(props.fetched, FetchedPolicy::Failed(_));
            let (text, link) = match (&props.fetched, &props.config.policy_page) {
                (FetchedPolicy::Loading, _) => (t.policy_loading().clone(), None),
                (FetchedPolicy::Failed(page), _) => (t.policy_unavailable().clone(), page.clone()),
                (_, Some(page)) => (t.policy_elsewhere().clone(), Some(page.clone())),
                _ => (t.no_policy().clone(), None),
            };
            let onretry = {
                let (cb, section) = (props.onretry.clone(), props.section.clone());
                Callback::from(move |_: MouseEvent| cb.emit(section.clone()))
            };
            html! {
                <div class="kuki-scroll kuki-doc" ref={body}>
                    <p class="kuki-text" aria-busy={(props.fetched == FetchedPolicy::Loading).then_some("true")}>{ text }</p>
                    if failed {
                        <p><button type="button" class="kuki-btn kuki-btn-quiet" part="button retry" onclick={onretry}>{ t.retry().clone() }</button></p>
                    }
                    if let Some(href) = link {
                        <p><a class="kuki-link" href={href.clone()} rel="noopener" target="_blank">{ href }</a></p>
                    }
                    { props.notice.clone() }
                </div>
            }
        }
    };
    html! {
        <Dialog class="kuki-policy" part="policy" labelledby="kuki-policy-title" onclose={props.onclose.clone()}>
            <div class="kuki-dialog-head">
                // The dialog's name is always the same words (what the banner's link said); a document with a
                // title of its own shows it just below.
                <h2 id="kuki-policy-title" class="kuki-title" part="title">{ t.policy_title().clone() }</h2>
                <button type="button" class="kuki-close" part="close" aria-label={t.close().clone()} {onclick}>{ "×" }</button>
            </div>
            { content }
        </Dialog>
    }
}

/// A policy document: a table of contents, then every section.
fn document(doc: &PolicyDocument, props: &PolicyViewerProps, body: &NodeRef) -> Html {
    let t = &props.texts;
    let toc: Html = doc
        .sections
        .iter()
        .map(|s| {
            let id = s.id.clone();
            let body = body.clone();
            let onclick = Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                scroll_to(&body, &id);
            });
            html! { <li><a class="kuki-link" href={["#kuki-sec-", &s.id].concat()} {onclick}>{ &s.heading }</a></li> }
        })
        .collect();
    let sections = doc.sections.iter().map(|s| {
        let heading_id = ["kuki-sec-", &s.id].concat();
        html! {
            <section id={heading_id.clone()} aria-labelledby={[heading_id.as_str(), "-h"].concat()}>
                <h3 id={[heading_id.as_str(), "-h"].concat()}>{ &s.heading }</h3>
                { blocks(&s.blocks) }
            </section>
        }
    });
    let (y, m, d) = doc.effective_date.ymd();
    let date = match props.lang {
        Lang::Ko => [y, "년 ", &m.to_string(), "월 ", &d.to_string(), "일"].concat(),
        _ => doc.effective_date.as_str().to_owned(),
    };
    let effective = t.effective().replace("{date}", &date);
    html! {
            <div class="kuki-scroll kuki-doc" ref={body.clone()}>
                if !doc.title.eq_ignore_ascii_case(&t.policy_title()) {
                    <p class="kuki-subtitle">{ &doc.title }</p>
                }
                <p class="kuki-note">{ effective }</p>
                { props.notice.clone() }
                { blocks(&doc.intro) }
                <nav class="kuki-toc" aria-labelledby="kuki-toc-title">
                    <h3 id="kuki-toc-title" class="kuki-subtitle">{ t.contents().clone() }</h3>
                    <ol>{ toc }</ol>
                </nav>
                { for sections }
                if let Some(c) = &doc.contact {
                    <address class="kuki-contact">
                        { &c.name }{ " · " }
                        <a class="kuki-link" href={c.mailto().as_str().to_string()}>{ &c.email }</a>
                    </address>
                }
            </div>
    }
}

fn blocks(list: &[Block]) -> Html {
    list.iter()
        .map(|b| match b {
            Block::Paragraph(t) => html! { <p>{ text(t) }</p> },
            Block::Bullets(items) => html! { <ul>{ for items.iter().map(item) }</ul> },
            Block::Numbered(items) => html! { <ol>{ for items.iter().map(item) }</ol> },
        })
        .collect()
}

fn item(i: &Item) -> Html {
    html! { <li>{ text(&i.text) }{ blocks(&i.children) }</li> }
}

fn text(t: &Text) -> Html {
    t.0.iter()
        .map(|span| match span {
            // A text node: `<script>` in a policy shows as those characters.
            Span::Plain(s) => html! { { s.clone() } },
            Span::Link { text, href } => html! {
                <a class="kuki-link" href={href.as_str().to_string()} rel="noopener noreferrer" target="_blank">{ text.clone() }</a>
            },
        })
        .collect()
}

fn scroll_to(body: &NodeRef, id: &str) {
    let Some(el) = body.cast::<Element>() else { return };
    let root = el.get_root_node();
    let target = match root.dyn_ref::<ShadowRoot>() {
        Some(shadow) => shadow.get_element_by_id(&["kuki-sec-", id].concat()),
        None => None,
    };
    if let Some(t) = target {
        t.scroll_into_view();
    }
}
