use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent, ShadowRoot};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    /// `dialog` or `alertdialog`.
    #[prop_or(AttrValue::Static("dialog"))]
    pub role: AttrValue,
    /// The id of the element that names the dialog.
    pub labelledby: AttrValue,
    #[prop_or_default]
    pub describedby: Option<AttrValue>,
    /// Modal dialogs trap focus and dim the page.
    #[prop_or(true)]
    pub modal: bool,
    pub class: AttrValue,
    /// The dialog's `part` name, for a host page's `::part()` rules (`banner`, `preferences`, ...).
    pub part: AttrValue,
    /// Escape calls this; without it, Escape does nothing (the banner must be answered).
    #[prop_or_default]
    pub onclose: Option<Callback<()>>,
    #[prop_or_default]
    pub children: Html,
}

const FOCUSABLE: &str = "button:not([disabled]), a[href], input:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// A dialog that takes focus when it opens, keeps it inside while modal, closes on Escape and gives focus back
/// to where the visitor was when it closes.
#[component]
pub fn Dialog(props: &DialogProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((), move |_| {
            let previous = active_element(&node);
            if let Some(el) = node.cast::<Element>() {
                focus_first(&el);
            }
            move || {
                if let Some(prev) = previous.and_then(|p| p.dyn_into::<HtmlElement>().ok()) {
                    if prev.is_connected() {
                        let _ = prev.focus();
                    }
                }
            }
        });
    }
    let onkeydown = {
        let node = node.clone();
        let onclose = props.onclose.clone();
        let modal = props.modal;
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                if let Some(close) = &onclose {
                    e.stop_propagation();
                    close.emit(());
                }
            }
            "Tab" if modal => {
                if let Some(el) = node.cast::<Element>() {
                    trap_tab(&el, &node, &e);
                }
            }
            _ => {}
        })
    };
    let class = classes!("kuki-dialog", props.class.to_string(), props.modal.then_some("kuki-modal"));
    let dialog = html! {
        <div ref={node} class={class} part={props.part.clone()} role={props.role.clone()} aria-modal={props.modal.then_some("true")}
            aria-labelledby={props.labelledby.clone()} aria-describedby={props.describedby.clone()}
            tabindex="-1" {onkeydown}>
            { props.children.clone() }
        </div>
    };
    if props.modal {
        html! { <div class="kuki-backdrop" part="backdrop">{ dialog }</div> }
    } else {
        dialog
    }
}

/// The element focused now: inside kuki's shadow root if focus is there, else in the host document.
fn active_element(node: &NodeRef) -> Option<Element> {
    let el = node.cast::<Element>()?;
    let root = el.get_root_node();
    if let Some(shadow) = root.dyn_ref::<ShadowRoot>() {
        if let Some(active) = shadow.active_element() {
            return Some(active);
        }
    }
    el.owner_document()?.active_element()
}

fn focusables(el: &Element) -> Vec<HtmlElement> {
    let Ok(list) = el.query_selector_all(FOCUSABLE) else { return vec![] };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok()).collect()
}

/// Focus goes to a control marked `data-autofocus`, else to the dialog itself, so a screen reader announces its
/// name and description first and no button (accept or refuse) is favoured.
fn focus_first(el: &Element) {
    let target = el
        .query_selector("[data-autofocus]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        .or_else(|| el.dyn_ref::<HtmlElement>().cloned());
    if let Some(t) = target {
        let _ = t.focus();
    }
}

fn trap_tab(el: &Element, node: &NodeRef, e: &KeyboardEvent) {
    let items = focusables(el);
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = active_element(node);
    let at = |x: &HtmlElement| active.as_ref().is_some_and(|a| a == x.unchecked_ref::<Element>());
    let inside = active.as_ref().is_some_and(|a| el.contains(Some(a)));
    // The dialog itself (focused on opening) comes before its first control.
    let on_dialog = active.as_ref().is_some_and(|a| a == el);
    if e.shift_key() && (at(first) || on_dialog || !inside) {
        e.prevent_default();
        let _ = last.focus();
    } else if !e.shift_key() && (at(last) || !inside) {
        e.prevent_default();
        let _ = first.focus();
    }
}
