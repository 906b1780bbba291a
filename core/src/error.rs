//! The one error of kuki-core's edges: what was refused and where. The config, a site's policy document and the
//! JSON reader under both report the same way, so a site developer reads one shape of message
//! (`categories[1].id: a category id "Ads" has a character that is not allowed`, `line 12: ...` for a text source).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Where: a path as the site wrote it (`policy.en.sections[0].heading`), or `(root)`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}
