//! The implementation-guide profiles this crate checks, by canonical URL.
//!
//! | profile | canonical URL | source |
//! | --- | --- | --- |
//! | SDOHCC Task For Referral Management | `http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement` | SDOH CC 3.0.0 FSH |
//! | SDOHCC Task For Patient | `http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForPatient` | SDOH CC 3.0.0 FSH |
//! | CDex Task Data Request | `http://hl7.org/fhir/us/davinci-cdex/StructureDefinition/cdex-task-data-request` | CDex 2.1.0 JSON StructureDefinition |
//! | COW Coordination Task | `http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task` | COW 1.0.0-ballot FSH |
//! | COW Cancellation Request Task | `http://hl7.org/fhir/uv/cow/StructureDefinition/cancellation-request-task` | COW 1.0.0-ballot FSH |
//! | COW Subscription Status (Parameters) | `http://hl7.org/fhir/uv/cow/StructureDefinition/cow-subscription-status` | COW 1.0.0-ballot FSH |
//! | COW Subscription Notification (Bundle) | `http://hl7.org/fhir/uv/cow/StructureDefinition/cow-subscription-notification` | COW 1.0.0-ballot FSH |
//! | Backport Subscription | `http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription` | Backport 1.1.0 FSH |
//! | Backport R4 notification Bundle | `http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4` | Backport 1.1.0 FSH |
//! | Backport R4 SubscriptionStatus | `http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4` | Backport 1.1.0 FSH |
//!
//! Sources are files under `$FHIR_SHARED/fhir-definitions/ig/`; every rule cites its file and
//! line (`docs/spec/conformance.md` has the table of rules).

mod backport;
mod cdex;
mod cow;
pub(crate) mod rules;
mod sdoh;

use fhir_model::{IssueSeverity, IssueType, Resource};

use crate::location::Location;
use crate::outcome::Issues;
use rules::{Context, Selected, Sourced};

/// A profile the validator knows: its canonical URL, title, the resource type it constrains.
#[derive(Debug)]
pub struct Profile {
    url: &'static str,
    /// The StructureDefinition id, quoted in issues.
    id: &'static str,
    title: &'static str,
    resource_type: &'static str,
    rules: &'static [Sourced],
}

impl Profile {
    /// The canonical URL (`http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task`).
    pub fn url(&self) -> &'static str {
        self.url
    }

    /// The title the implementation guide gives it.
    pub fn title(&self) -> &'static str {
        self.title
    }

    /// The resource type it constrains.
    pub fn resource_type(&self) -> &'static str {
        self.resource_type
    }

    /// The sources (file and line) of the rules of this profile that a resource can break, for
    /// the tests that check every rule is exercised. A slice `0..*` only names its members, and
    /// `Conforms` reports the rules of the profile it refers to: their own sources are left out.
    #[doc(hidden)]
    pub fn rule_sources(&self) -> Vec<&'static str> {
        fn collect(rules: &[Sourced], out: &mut Vec<&'static str>) {
            for r in rules {
                match &r.rule {
                    rules::Rule::Slice(slice) => {
                        if slice.min > 0 || slice.max.is_some() {
                            out.push(r.source);
                        }
                        collect(slice.rules, out);
                    }
                    rules::Rule::Conforms { .. } => {}
                    _ => out.push(r.source),
                }
            }
        }
        let mut out = Vec::new();
        collect(self.rules, &mut out);
        out.dedup();
        out
    }

    /// Checks `resource` (located at `at`) against this profile.
    pub(crate) fn check(&self, resource: &Resource, at: &Location, issues: &mut Issues) {
        let mut cx = Context {
            issues,
            profile: self.id,
        };
        if resource.resource_type() != self.resource_type {
            cx.issues.push(
                IssueSeverity::Error,
                IssueType::Structure,
                at.as_str().to_owned(),
                format!(
                    "{}: the profile constrains {}, found a {}",
                    self.id,
                    self.resource_type,
                    resource.resource_type()
                ),
            );
            return;
        }
        let root = Selected::root(resource, at.clone());
        rules::check(self.rules, resource, &root, &mut cx);
    }
}

/// Every profile this crate checks.
pub fn all() -> &'static [&'static Profile] {
    PROFILES
}

static PROFILES: &[&Profile] = &[
    &sdoh::REFERRAL,
    &sdoh::PATIENT,
    &cdex::DATA_REQUEST,
    &cow::COORDINATION,
    &cow::CANCELLATION,
    &cow::STATUS,
    &cow::NOTIFICATION,
    &backport::SUBSCRIPTION,
    &backport::NOTIFICATION,
    &backport::STATUS,
];

/// The profile with canonical URL `url` (a `|version` suffix is ignored).
///
/// ```
/// let p = conformance::profile("http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task|1.0.0").unwrap();
/// assert_eq!(p.resource_type(), "Task");
/// assert!(conformance::profile("http://example.org/unknown").is_none());
/// ```
pub fn find(url: &str) -> Option<&'static Profile> {
    let url = url.split('|').next().unwrap_or(url);
    PROFILES.iter().copied().find(|p| p.url == url)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_spec_page_names_every_profile() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/spec/conformance.md"))
            .expect("docs/spec/conformance.md");
        for p in super::all() {
            assert!(
                docs.contains(p.url()),
                "docs/spec/conformance.md does not name {}",
                p.url()
            );
        }
    }

    #[test]
    fn urls_are_unique_and_found_with_a_version() {
        for p in super::all() {
            let found = super::find(&format!("{}|1.0.0", p.url())).expect("found");
            assert!(std::ptr::eq(found, *p));
            assert_eq!(super::all().iter().filter(|q| q.url() == p.url()).count(), 1);
        }
    }
}
