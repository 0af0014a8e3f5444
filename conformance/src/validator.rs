//! The validator: base checks, then the profiles asked for and those the resources claim.

use fhir_model::{IssueSeverity, IssueType, OperationOutcome, Resource};

use crate::input::{self, Format};
use crate::location::Location;
use crate::outcome::{self, Issues};
use crate::profiles::{self, Profile};

/// A profile URL the validator does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile {url:?}; known profiles: {known}")]
pub struct UnknownProfile {
    /// The URL asked for.
    pub url: String,
    /// The canonical URLs of the profiles this crate checks, comma-separated.
    pub known: String,
}

/// Checks resources against the R4 base definitions and the workflow profiles.
///
/// Every resource is checked against the base definitions; the root resource also against the
/// profiles given with [`Validator::with_profile`]; every resource (root, contained, `Bundle`
/// entries, `Parameters` resources) against the profiles it names in `meta.profile` that this
/// crate knows (a profile it does not know gives an `information` issue).
///
/// A `Validator` holds no mutable state: it is `Send + Sync`, cheap to build (no start-up
/// work), and one can serve many threads.
///
/// ```
/// use fhir_model::{json, Resource};
/// use conformance::Validator;
///
/// let task: Resource = json::from_str(r#"{"resourceType":"Task","status":"requested","intent":"order",
///     "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a Task</div>"}}"#)?;
/// let validator = Validator::new();
/// assert!(validator.is_valid(&task));
///
/// let cow = Validator::new().with_profile("http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task")?;
/// let outcome = cow.validate(&task);
/// assert!(!conformance::is_valid(&outcome));
/// let first = &outcome.issue[0];
/// assert_eq!(first.expression[0].value.as_deref(), Some("Task.identifier"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Validator {
    profiles: Vec<&'static Profile>,
}

impl Validator {
    /// A validator for the base definitions and the profiles resources declare.
    pub fn new() -> Self {
        Validator::default()
    }

    /// Also checks the root resource against the profile with canonical URL `url`.
    pub fn with_profile(mut self, url: &str) -> Result<Self, UnknownProfile> {
        let profile = profiles::find(url).ok_or_else(|| UnknownProfile {
            url: url.to_owned(),
            known: profiles::all().iter().map(|p| p.url()).collect::<Vec<_>>().join(", "),
        })?;
        if !self.profiles.iter().any(|p| std::ptr::eq(*p, profile)) {
            self.profiles.push(profile);
        }
        Ok(self)
    }

    /// Every issue of `resource`, as an `OperationOutcome` (one `information` issue when all is
    /// well, since `OperationOutcome.issue` is `1..*`).
    pub fn validate(&self, resource: &Resource) -> OperationOutcome {
        let mut issues = Issues::default();
        self.check(resource, &mut issues);
        issues.into_outcome()
    }

    /// Whether `resource` passes: no issue of severity `fatal` or `error`.
    pub fn is_valid(&self, resource: &Resource) -> bool {
        outcome::is_valid(&self.validate(resource))
    }

    /// Reads a FHIR JSON document leniently and validates it; what the parser stepped over
    /// (unknown elements) is reported too, and a document that cannot be read gives a `fatal`
    /// issue. Issues carry line and column when the parser knows them.
    pub fn validate_json(&self, bytes: &[u8]) -> OperationOutcome {
        self.validate_document(bytes, Format::Json)
    }

    /// As [`Validator::validate_json`], for FHIR XML.
    pub fn validate_xml(&self, bytes: &[u8]) -> OperationOutcome {
        self.validate_document(bytes, Format::Xml)
    }

    /// As [`Validator::validate_json`], for either format.
    pub fn validate_document(&self, bytes: &[u8], format: Format) -> OperationOutcome {
        let read = input::read(bytes, format);
        let mut issues = read.issues;
        if let Some(resource) = &read.resource {
            let before = issues.len();
            self.check(resource, &mut issues);
            for issue in issues.iter_mut().skip(before) {
                if issue.position.is_none() {
                    issue.position = read.positions.get(&issue.expression).copied();
                }
            }
        }
        issues.into_outcome()
    }

    fn check(&self, resource: &Resource, issues: &mut Issues) {
        let root = resource.resource_type();
        crate::base::check(resource, root, issues);
        let at = Location::new(root);
        for profile in &self.profiles {
            profile.check(resource, &at, issues);
        }
        self.declared(resource, &at, true, issues);
        self.declared_inside(resource, &at, issues);
    }

    /// The declared profiles of the resources inside `resource`: contained ones, Bundle entries,
    /// Parameters resources, at any depth.
    fn declared_inside(&self, resource: &Resource, at: &Location, issues: &mut Issues) {
        for (i, contained) in crate::base::contained_resources(resource).iter().enumerate() {
            let mut here = at.clone();
            here.push("contained", Some(i));
            self.declared(contained, &here, false, issues);
            self.declared_inside(contained, &here, issues);
        }
        crate::base::for_each_nested(resource, at, &mut |nested, here| {
            self.declared(nested, &here, false, issues);
            self.declared_inside(nested, &here, issues);
        });
    }

    /// The profiles `resource` names in `meta.profile` (for the root, except those already asked
    /// for).
    fn declared(&self, resource: &Resource, at: &Location, root: bool, issues: &mut Issues) {
        let Some(meta) = resource.meta() else { return };
        for (i, url) in meta.profile.iter().enumerate() {
            let Some(url) = url.value.as_deref() else { continue };
            match profiles::find(url) {
                Some(p) if root && self.profiles.iter().any(|q| std::ptr::eq(*q, p)) => {}
                Some(p) => p.check(resource, at, issues),
                None => issues.push(
                    IssueSeverity::Information,
                    IssueType::NotSupported,
                    format!("{}.meta.profile[{i}]", at.as_str()),
                    format!("profile {url} is not known to this validator: not checked"),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn validator_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Validator>();
    }
}
