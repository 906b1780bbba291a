//! `kuki-frames OUT_DIR`: writes `loader.json`, what the loader needs from Rust, with the banner's first frame in
//! each built-in language for the built-in configuration, as `kuki::frame` describes; and 나와의 대화's policy in
//! both languages (`policy.json`, the config's `policy` format), which the wasm fetches when the viewer opens
//! instead of carrying its text. Run by `make bundle` into `pkg/`.

use kuki_core::policy::default_document;
use kuki_core::{Config, Lang};
use std::path::{Path, PathBuf};

fn write(file: &Path, text: &str) {
    if let Err(e) = std::fs::write(file, text) {
        eprintln!("kuki-frames: {}: {e}", file.display());
        std::process::exit(1);
    }
    println!("kuki-frames: {}", file.display());
}

fn main() {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: kuki-frames OUT_DIR");
        std::process::exit(2);
    };
    let policy = serde_json::json!({ "ko": default_document(Lang::Ko), "en": default_document(Lang::En) });
    write(&out.join("policy.json"), &policy.to_string());
    let config = Config::default();
    let frames = if kuki::frame::depends_on_date(&config) {
        // A frame that is right on one day and wrong on another is no frame: the loader then waits for the app.
        eprintln!("kuki-frames: the built-in configuration shows a dated notice; no first frame");
        None
    } else {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        let frames: Vec<(Lang, String)> = Lang::ALL
            .into_iter()
            .map(|lang| {
                let render = kuki::frame::render(config.clone(), lang, now);
                let html = runtime.block_on(tokio::task::LocalSet::new().run_until(render));
                println!("kuki-frames: the first frame in {} ({} bytes of HTML)", lang.as_str(), html.len());
                (lang, html)
            })
            .collect();
        Some(frames)
    };
    write(&out.join("loader.json"), &kuki::frame::json(&config, frames.as_deref()));
}
