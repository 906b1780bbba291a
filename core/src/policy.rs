//! The privacy policy document model. (The full model and the default document arrive with the policy issue.)

/// The version of the default policy (나와의 대화's policy as in `shared/seed/privacy-policy.ko.txt`).
pub const DEFAULT_POLICY_VERSION: &str = "2024-01-01";

use crate::Lang;

/// The whole policy as a standalone HTML page for the server's `/privacy` (interim: the policy issue replaces it).
pub fn render_page(lang: Lang) -> String {
    let title = match lang {
        Lang::Ko => "개인정보 처리방침",
        Lang::En => "Privacy policy",
    };
    format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>{title}</title><h1>{title}</h1></html>",
        lang.as_str()
    )
}
