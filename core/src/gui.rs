//! How kuki looks: the config's `guiOptions`, named as vanilla-cookieconsent v3 names them where the meaning is
//! the same (`consentModal.layout` and `.position`, `preferencesModal.layout` and `.position`), plus kuki's own
//! `theme` and floating `settingsButton`. `disablePageInteraction` (v3's top-level name) is read by the config.
//!
//! ```json
//! "guiOptions": {
//!   "theme": "auto",
//!   "consentModal": { "layout": "box", "position": "bottom right" },
//!   "preferencesModal": { "layout": "bar", "position": "right" },
//!   "settingsButton": "bottom left"
//! }
//! ```

use crate::value::{Obj, Value, ValueError};

/// Light, dark, or the visitor's system setting (`prefers-color-scheme`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

/// The first layer's shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// A card in a corner or on an edge (its `position`).
    #[default]
    Box,
    /// The full width of the screen, at the top or the bottom.
    Bar,
    /// Centred, over a backdrop that blocks the page until the visitor chooses.
    Modal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vertical {
    Top,
    Middle,
    Bottom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Horizontal {
    Left,
    Center,
    Right,
}

/// Where the first layer sits: v3's position strings, `"bottom center"`, `"top left"`, `"middle right"`, or one
/// word (`"top"`, `"bottom"`, `"middle"`: centred).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub v: Vertical,
    pub h: Horizontal,
}

impl Default for Position {
    fn default() -> Self {
        Position { v: Vertical::Bottom, h: Horizontal::Center }
    }
}

/// The preferences dialog: a centred box, or a bar the screen's height at the left or the right (v3's `bar`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrefsLayout {
    #[default]
    Box,
    Bar,
}

/// The floating "cookie settings" button's corner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// Everything `guiOptions` says, validated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gui {
    pub theme: Theme,
    pub layout: Layout,
    pub position: Position,
    pub prefs_layout: PrefsLayout,
    /// The side of a `bar` preferences dialog (v3's `preferencesModal.position`); right by default.
    pub prefs_side: Option<Side>,
    /// After a choice, a small button in this bottom corner opens the preferences; `None`: no button (the page's
    /// own controls, `data-kuki="show-preferences"`, do it).
    pub settings_button: Option<Side>,
}

/// The fields `guiOptions` knows, and those of its two nested objects.
pub const FIELDS: &[&str] = &["theme", "consentModal", "preferencesModal", "settingsButton"];
pub const CONSENT_MODAL_FIELDS: &[&str] = &["layout", "position"];
pub const PREFERENCES_MODAL_FIELDS: &[&str] = &["layout", "position"];

impl Gui {
    /// Reads `guiOptions` at `path`, checking every value; an unknown field is an error here (the forgiving
    /// reader drops those with a warning before this runs).
    pub fn from_value(v: &Value, path: &str) -> Result<Gui, ValueError> {
        let o = Obj::new(v, path, FIELDS)?;
        let mut gui = Gui::default();
        if let Some(t) =
            o.opt("theme", |v, p| pick(v, p, &[("auto", Theme::Auto), ("light", Theme::Light), ("dark", Theme::Dark)]))?
        {
            gui.theme = t;
        }
        if let Some(m) = o.get("consentModal") {
            let at = o.path("consentModal");
            let m = Obj::new(m, &at, CONSENT_MODAL_FIELDS)?;
            if let Some(l) = m.opt("layout", |v, p| {
                pick(v, p, &[("box", Layout::Box), ("bar", Layout::Bar), ("modal", Layout::Modal)])
            })? {
                gui.layout = l;
            }
            if let Some(p) = m.opt("position", |v, p| position(v.as_str(p)?, p))? {
                gui.position = p;
            }
            if gui.layout == Layout::Bar && gui.position.v == Vertical::Middle {
                return Err(ValueError::new(m.path("position"), "a bar sits at the top or the bottom"));
            }
        }
        if let Some(m) = o.get("preferencesModal") {
            let at = o.path("preferencesModal");
            let m = Obj::new(m, &at, PREFERENCES_MODAL_FIELDS)?;
            if let Some(l) =
                m.opt("layout", |v, p| pick(v, p, &[("box", PrefsLayout::Box), ("bar", PrefsLayout::Bar)]))?
            {
                gui.prefs_layout = l;
            }
            gui.prefs_side = m.opt("position", |v, p| pick(v, p, &[("left", Side::Left), ("right", Side::Right)]))?;
        }
        gui.settings_button = o
            .opt("settingsButton", |v, p| match v {
                Value::Bool(on) => Ok(on.then_some(Side::Left)),
                v => pick(v, p, &[("bottom left", Some(Side::Left)), ("bottom right", Some(Side::Right))]),
            })?
            .flatten();
        Ok(gui)
    }
}

/// One of `choices` by its name, or an error listing them.
fn pick<T: Copy>(v: &Value, path: &str, choices: &[(&str, T)]) -> Result<T, ValueError> {
    let s = v.as_str(path)?;
    choices.iter().find(|(name, _)| *name == s).map(|(_, t)| *t).ok_or_else(|| {
        let names: Vec<String> = choices.iter().map(|(n, _)| ["\"", n, "\""].concat()).collect();
        ValueError::new(path, ["must be one of ", &names.join(", ")].concat())
    })
}

fn position(s: &str, path: &str) -> Result<Position, ValueError> {
    let bad =
        || ValueError::new(path, "must be \"top\", \"middle\" or \"bottom\", then \"left\", \"center\" or \"right\"");
    let mut words = s.split(' ');
    let v = match words.next() {
        Some("top") => Vertical::Top,
        Some("middle") => Vertical::Middle,
        Some("bottom") => Vertical::Bottom,
        _ => return Err(bad()),
    };
    let h = match words.next() {
        None | Some("center") => Horizontal::Center,
        Some("left") => Horizontal::Left,
        Some("right") => Horizontal::Right,
        _ => return Err(bad()),
    };
    if words.next().is_some() {
        return Err(bad());
    }
    Ok(Position { v, h })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn read(json: &str) -> Result<Gui, ValueError> {
        Gui::from_value(&from_json(json), "guiOptions")
    }

    #[test]
    fn nothing_given_is_a_bottom_centred_box_following_the_system_theme_without_a_button() {
        let g = read("{}").unwrap();
        assert_eq!(g, Gui::default());
        assert_eq!(
            (g.theme, g.layout, g.position, g.settings_button),
            (Theme::Auto, Layout::Box, Position::default(), None)
        );
    }

    #[test]
    fn v3_layouts_and_positions_are_read_by_their_names() {
        let g = read(r#"{"theme":"dark","consentModal":{"layout":"box","position":"top right"},"preferencesModal":{"layout":"bar","position":"left"},"settingsButton":"bottom right"}"#).unwrap();
        assert_eq!(g.theme, Theme::Dark);
        assert_eq!(g.position, Position { v: Vertical::Top, h: Horizontal::Right });
        assert_eq!(
            (g.prefs_layout, g.prefs_side, g.settings_button),
            (PrefsLayout::Bar, Some(Side::Left), Some(Side::Right))
        );
        let bar = read(r#"{"consentModal":{"layout":"bar","position":"top"}}"#).unwrap();
        assert_eq!((bar.layout, bar.position.v, bar.position.h), (Layout::Bar, Vertical::Top, Horizontal::Center));
        assert_eq!(read(r#"{"settingsButton":true}"#).unwrap().settings_button, Some(Side::Left));
        assert_eq!(read(r#"{"settingsButton":false}"#).unwrap().settings_button, None);
        assert_eq!(read(r#"{"consentModal":{"layout":"modal"}}"#).unwrap().layout, Layout::Modal);
    }

    #[test]
    fn a_wrong_value_names_its_field() {
        for (json, field) in [
            (r#"{"theme":"sepia"}"#, "guiOptions.theme"),
            (r#"{"consentModal":{"layout":"cloud"}}"#, "guiOptions.consentModal.layout"),
            (r#"{"consentModal":{"position":"bottom middle"}}"#, "guiOptions.consentModal.position"),
            (r#"{"consentModal":{"position":"left bottom"}}"#, "guiOptions.consentModal.position"),
            (r#"{"consentModal":{"layout":"bar","position":"middle"}}"#, "guiOptions.consentModal.position"),
            (r#"{"settingsButton":"top left"}"#, "guiOptions.settingsButton"),
            (r#"{"preferencesModal":{"flip":true}}"#, "guiOptions.preferencesModal.flip"),
        ] {
            assert_eq!(read(json).unwrap_err().field, field, "{json}");
        }
    }
}
