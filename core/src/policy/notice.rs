//! Advance notice of a policy change. The policy promises notice at least 7 days before a change and at least
//! 30 days before a material one (a change to the collected items or purposes). From that moment until the new
//! text takes effect, the banner and the preferences dialog announce it. The clock is an argument.
//! (After the date, a material change asks for consent again: see [`crate::consent::status`].)

use crate::config::{Config, NextPolicy};

/// Days of notice before any change.
pub const NOTICE_DAYS: u64 = 7;
/// Days of notice before a material change.
pub const MATERIAL_NOTICE_DAYS: u64 = 30;
const DAY: u64 = 86_400;

/// A coming change to announce now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notice<'a> {
    pub next: &'a NextPolicy,
    /// Whole days until the change, rounded up: 7 from exactly 7 days before, 1 on the last day.
    pub days_left: u32,
}

/// The notice to show at `now` (unix seconds), if any.
pub fn notice(config: &Config, now: u64) -> Option<Notice<'_>> {
    let next = config.next_policy.as_ref()?;
    notice_for(next, now)
}

/// The notice for `next` at `now`: from the start of its window until (not including) its effective moment.
pub fn notice_for(next: &NextPolicy, now: u64) -> Option<Notice<'_>> {
    let days = if next.material { MATERIAL_NOTICE_DAYS } else { NOTICE_DAYS };
    let left = next.effective_at.checked_sub(now).filter(|&s| s > 0 && s <= days * DAY)?;
    Some(Notice { next, days_left: left.div_ceil(DAY) as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse_date, RawConfig};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn config(material: bool) -> Config {
        let json = format!(
            r#"{{"policyVersion":"v1","nextPolicy":{{"version":"v2","effectiveDate":"2026-12-31","material":{material}}}}}"#
        );
        Config::parse(RawConfig::from_value(&crate::value::from_json(&json)).unwrap()).unwrap()
    }

    fn days_left(material: bool, now: u64) -> Option<u32> {
        notice(&config(material), now).map(|n| n.days_left)
    }

    fn at() -> u64 {
        parse_date("2026-12-31").unwrap()
    }

    #[test]
    fn an_ordinary_change_is_announced_from_seven_days_before() {
        assert_eq!(days_left(false, at() - 8 * DAY), None);
        assert_eq!(days_left(false, at() - 7 * DAY - 1), None);
        assert_eq!(days_left(false, at() - 7 * DAY), Some(7));
        assert_eq!(days_left(false, at() - 7 * DAY + 1), Some(7));
        assert_eq!(days_left(false, at() - 6 * DAY), Some(6));
    }

    #[test]
    fn a_material_change_is_announced_from_thirty_days_before() {
        assert_eq!(days_left(true, at() - 31 * DAY), None);
        assert_eq!(days_left(true, at() - 30 * DAY), Some(30));
        assert_eq!(days_left(true, at() - 8 * DAY), Some(8));
        // The same dates without the material flag: only the 7-day window.
        assert_eq!(days_left(false, at() - 30 * DAY), None);
    }

    #[test]
    fn the_notice_runs_until_the_effective_date_and_stops_there() {
        for material in [false, true] {
            assert_eq!(days_left(material, at() - 1), Some(1));
            assert_eq!(days_left(material, at()), None);
            assert_eq!(days_left(material, at() + 1), None);
            assert_eq!(days_left(material, at() + 40 * DAY), None);
        }
    }

    #[test]
    fn the_notice_carries_the_announced_version() {
        let c = config(true);
        let n = notice(&c, at() - 3 * DAY).unwrap();
        assert_eq!(n.next.version.as_str(), "v2");
        assert!(n.next.material);
        assert_eq!(notice(&Config::default(), at()), None);
    }
}
