//! The consent record and its rules.
//!
//! A [`Consent`] is what a visitor decided, under which configuration revision and policy version, and when.
//! [`Consent::decide`] makes one from a [`Choice`]; [`status`] says whether a stored one still stands.

use crate::category::{CategoryId, ServiceId};
use crate::config::Config;
use crate::token::PolicyVersion;
use crate::{ConsentId, Lang};
use serde::{Deserialize, Serialize};

/// What a visitor chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    AcceptAll,
    RejectAll,
    /// Exactly these optional categories are accepted, with all their services; the rest are refused.
    Only(Vec<CategoryId>),
    /// Switch by switch (the preferences' draft, `acceptService`): each category as decided, and a category with
    /// services by its services: accepted when at least one of them is (vanilla-cookieconsent v3's rule).
    Custom(Vec<Decision>),
}

/// The decision for one category, and for each of its services (empty when it has none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub category: CategoryId,
    pub granted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceDecision>,
}

/// The decision for one service, in configuration order inside its category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDecision {
    pub service: ServiceId,
    pub granted: bool,
}

impl Decision {
    /// Is this service of the category granted?
    pub fn service_granted(&self, id: &str) -> bool {
        self.services.iter().any(|s| s.granted && s.service.as_str() == id)
    }
}

/// A visitor's consent as kept in the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub id: ConsentId,
    /// Starts at 1 and grows with each change, so the server can order and deduplicate events.
    pub seq: u32,
    /// One decision per configured category, in configuration order; necessary ones are always granted.
    pub decisions: Vec<Decision>,
    pub policy_version: PolicyVersion,
    pub revision: u32,
    /// Unix seconds of the first choice under this id, and of the latest change.
    pub given_at: u64,
    pub updated_at: u64,
    pub lang: Lang,
    /// The browser sent Global Privacy Control when the choice was made.
    pub gpc: bool,
}

/// Whether a stored consent still stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No choice yet (or one that could not be read): show the banner.
    Missing,
    Valid,
    /// The site changed its categories (a new revision, or categories added or removed): ask again.
    StaleRevision,
    /// A material policy change took effect after the choice: ask again.
    PolicyChanged,
    /// Older than its lifetime: ask again.
    Expired,
}

impl Status {
    /// Should the banner ask the visitor?
    pub fn asks(self) -> bool {
        self != Status::Valid
    }
}

/// Who is deciding: the facts about the moment that the record keeps.
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// Unix seconds.
    pub now: u64,
    pub lang: Lang,
    pub gpc: bool,
    /// The id to use when there is no previous consent (fresh random bytes from the caller).
    pub new_id: ConsentId,
}

impl Consent {
    /// Turns a choice into a record. A previous record keeps its id and first date and gets the next sequence
    /// number, so one visitor's history stays one chain.
    pub fn decide(config: &Config, choice: &Choice, previous: Option<&Consent>, ctx: Context) -> Consent {
        let decisions = config
            .categories
            .iter()
            .map(|c| {
                let all = |granted: bool| {
                    let services =
                        c.services.iter().map(|s| ServiceDecision { service: s.id.clone(), granted }).collect();
                    Decision { category: c.id.clone(), granted, services }
                };
                if c.necessary {
                    return all(true);
                }
                match choice {
                    Choice::AcceptAll => all(true),
                    Choice::RejectAll => all(false),
                    Choice::Only(ids) => all(ids.contains(&c.id)),
                    Choice::Custom(picked) => {
                        let d = picked.iter().find(|d| d.category == c.id);
                        if c.services.is_empty() {
                            return all(d.is_some_and(|d| d.granted));
                        }
                        let services: Vec<ServiceDecision> = c
                            .services
                            .iter()
                            .map(|s| ServiceDecision {
                                service: s.id.clone(),
                                granted: d.is_some_and(|d| d.service_granted(s.id.as_str())),
                            })
                            .collect();
                        Decision { category: c.id.clone(), granted: services.iter().any(|s| s.granted), services }
                    }
                }
            })
            .collect();
        let (id, seq, given_at) = match previous {
            Some(p) => (p.id, p.seq.saturating_add(1), p.given_at),
            None => (ctx.new_id, 1, ctx.now),
        };
        Consent {
            id,
            seq,
            decisions,
            policy_version: config.policy_in_force(ctx.now).clone(),
            revision: config.revision,
            given_at,
            updated_at: ctx.now,
            lang: ctx.lang,
            gpc: ctx.gpc,
        }
    }

    /// Is this category granted? Unknown categories are not.
    pub fn granted(&self, id: &str) -> bool {
        self.decisions.iter().any(|d| d.granted && d.category.as_str() == id)
    }

    /// Is this service of this category granted? A category without services has none.
    pub fn service_granted(&self, category: &str, service: &str) -> bool {
        self.decision(category).is_some_and(|d| d.service_granted(service))
    }

    pub fn decision(&self, category: &str) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.category.as_str() == category)
    }

    /// Does any category have services (so the record carries them)?
    pub fn has_services(&self) -> bool {
        self.decisions.iter().any(|d| !d.services.is_empty())
    }

    pub fn accepted(&self) -> impl Iterator<Item = &CategoryId> {
        self.decisions.iter().filter(|d| d.granted).map(|d| &d.category)
    }

    pub fn refused(&self) -> impl Iterator<Item = &CategoryId> {
        self.decisions.iter().filter(|d| !d.granted).map(|d| &d.category)
    }

    /// Refusals are remembered for a shorter time than acceptances: any refused category gives the shorter life.
    pub fn expires_at(&self, config: &Config) -> u64 {
        self.updated_at + config.cookie.kept_secs(self.refused().next().is_some())
    }

    /// Categories granted in `previous` and not granted now: their cookies are to be deleted.
    pub fn revoked_since<'a>(&'a self, previous: Option<&'a Consent>) -> Vec<&'a CategoryId> {
        match previous {
            None => vec![],
            Some(p) => p.accepted().filter(|id| !self.granted(id.as_str())).collect(),
        }
    }
}

/// Services granted in `previous` and not granted now, in categories still granted (a revoked category's cookies
/// go with it, its services' included): their cookies are to be deleted.
pub fn revoked_services_since<'a>(
    now: &'a Consent,
    previous: Option<&'a Consent>,
) -> Vec<(&'a CategoryId, &'a ServiceId)> {
    let Some(p) = previous else { return vec![] };
    now.decisions
        .iter()
        .filter(|d| d.granted)
        .flat_map(|d| {
            d.services
                .iter()
                .filter(|s| !s.granted && p.service_granted(d.category.as_str(), s.service.as_str()))
                .map(move |s| (&d.category, &s.service))
        })
        .collect()
}

/// Does a stored consent still stand under this configuration at `now` (unix seconds)?
pub fn status(consent: Option<&Consent>, config: &Config, now: u64) -> Status {
    let Some(c) = consent else { return Status::Missing };
    let same_categories = c.decisions.len() == config.categories.len()
        && config.categories.iter().zip(&c.decisions).all(|(cat, d)| {
            cat.id == d.category
                && cat.services.len() == d.services.len()
                && cat.services.iter().zip(&d.services).all(|(s, sd)| s.id == sd.service)
        });
    if c.revision != config.revision || !same_categories {
        return Status::StaleRevision;
    }
    if now >= c.expires_at(config) {
        return Status::Expired;
    }
    // Only a material change asks again; a consent given under an older, non-material version still stands.
    if let Some(next) = &config.next_policy {
        if next.material && now >= next.effective_at && c.policy_version != next.version {
            return Status::PolicyChanged;
        }
    }
    Status::Valid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse_date, RawConfig};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DAY: u64 = 86_400;
    const T0: u64 = 1_790_000_000;

    fn ctx(now: u64) -> Context {
        Context { now, lang: Lang::Ko, gpc: false, new_id: ConsentId::from_random([7; 16]) }
    }

    fn id(s: &str) -> CategoryId {
        CategoryId::parse(s).unwrap()
    }

    #[test]
    fn rejecting_all_still_grants_necessary() {
        let c = Consent::decide(&Config::default(), &Choice::RejectAll, None, ctx(T0));
        assert!(c.granted("necessary"));
        assert!(!c.granted("analytics"));
        assert_eq!(c.seq, 1);
        assert_eq!(c.given_at, T0);
    }

    #[test]
    fn a_custom_choice_grants_exactly_what_was_picked() {
        let c = Consent::decide(&Config::default(), &Choice::Only(vec![id("analytics")]), None, ctx(T0));
        let accepted: Vec<_> = c.accepted().map(|i| i.as_str()).collect();
        assert_eq!(accepted, ["necessary", "analytics"]);
    }

    #[test]
    fn a_change_keeps_the_id_and_counts_up() {
        let config = Config::default();
        let first = Consent::decide(&config, &Choice::AcceptAll, None, ctx(T0));
        let mut later = ctx(T0 + 10);
        later.new_id = ConsentId::from_random([9; 16]);
        let second = Consent::decide(&config, &Choice::RejectAll, Some(&first), later);
        assert_eq!(second.id, first.id);
        assert_eq!(second.seq, 2);
        assert_eq!(second.given_at, T0);
        assert_eq!(second.updated_at, T0 + 10);
        let revoked: Vec<_> = second.revoked_since(Some(&first)).iter().map(|i| i.as_str()).collect();
        assert_eq!(revoked, ["functional", "analytics", "marketing"]);
        assert!(first.revoked_since(None).is_empty());
    }

    #[test]
    fn refusals_expire_sooner_than_acceptances() {
        let config = Config::default();
        let yes = Consent::decide(&config, &Choice::AcceptAll, None, ctx(T0));
        let no = Consent::decide(&config, &Choice::RejectAll, None, ctx(T0));
        assert_eq!(yes.expires_at(&config), T0 + 365 * DAY);
        assert_eq!(no.expires_at(&config), T0 + 182 * DAY);
        assert_eq!(status(Some(&no), &config, T0 + 181 * DAY), Status::Valid);
        assert_eq!(status(Some(&no), &config, T0 + 182 * DAY), Status::Expired);
        assert_eq!(status(Some(&yes), &config, T0 + 300 * DAY), Status::Valid);
    }

    #[test]
    fn a_new_revision_or_changed_categories_ask_again() {
        let config = Config::default();
        let c = Consent::decide(&config, &Choice::AcceptAll, None, ctx(T0));
        assert_eq!(status(None, &config, T0), Status::Missing);
        assert_eq!(status(Some(&c), &config, T0), Status::Valid);
        let mut bumped = config.clone();
        bumped.revision += 1;
        assert_eq!(status(Some(&c), &bumped, T0), Status::StaleRevision);
        let mut fewer = config.clone();
        fewer.categories.pop();
        assert_eq!(status(Some(&c), &fewer, T0), Status::StaleRevision);
    }

    #[test]
    fn only_a_material_policy_change_asks_again_and_only_once_in_force() {
        let raw = |material: bool| -> Config {
            let json = format!(
                r#"{{"policyVersion":"v1","nextPolicy":{{"version":"v2","effectiveDate":"2026-12-01","material":{material}}}}}"#
            );
            Config::parse(RawConfig::from_value(&crate::value::from_json(&json)).unwrap()).unwrap()
        };
        let at = parse_date("2026-12-01").unwrap();
        let material = raw(true);
        let c = Consent::decide(&material, &Choice::AcceptAll, None, ctx(at - 5 * DAY));
        assert_eq!(c.policy_version.as_str(), "v1");
        assert_eq!(status(Some(&c), &material, at - 1), Status::Valid);
        assert_eq!(status(Some(&c), &material, at), Status::PolicyChanged);
        let renewed = Consent::decide(&material, &Choice::AcceptAll, Some(&c), ctx(at + 1));
        assert_eq!(renewed.policy_version.as_str(), "v2");
        assert_eq!(status(Some(&renewed), &material, at + 2), Status::Valid);
        assert_eq!(status(Some(&c), &raw(false), at + 1), Status::Valid);
    }
}
