//! A yew app that renders one paragraph and one button that counts clicks: yew's own floor.

use yew::prelude::*;

#[component]
fn App() -> Html {
    let clicks = use_state(|| 0u32);
    let onclick = {
        let clicks = clicks.clone();
        Callback::from(move |_: MouseEvent| clicks.set(*clicks + 1))
    };
    html! { <div><p>{ "hello" }</p><button {onclick}>{ *clicks }</button></div> }
}

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
