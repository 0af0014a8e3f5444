//! Checks of FHIR R4 resources against the base definitions and the profiles of the workflow
//! implementation guides, answered with an `OperationOutcome`; and the `conformance` command
//! line.
//!
//! ```
//! use fhir_model::{json, Resource};
//! use conformance::Validator;
//!
//! let text = r#"{"resourceType":"Task","status":"bogus","intent":"order"}"#;
//! let task: Resource = json::from_slice_with(text.as_bytes(), json::Options::lenient())?.value;
//! let outcome = Validator::new().validate(&task);
//! assert!(!conformance::is_valid(&outcome));
//! let issue = &outcome.issue[0];
//! assert_eq!(issue.code.value.as_ref().map(|c| c.code()), Some("code-invalid"));
//! assert_eq!(issue.expression[0].value.as_deref(), Some("Task.status"));
//! # Ok::<(), fhir_model::json::Error>(())
//! ```
//!
//! * Base checks for every modelled type ([`Validator::validate`]): cardinalities, required
//!   bindings and reference target types from tables generated from the R4 StructureDefinitions, `ele-1`, `ext-1`, `ref-1`,
//!   `dom-2` … `dom-6`, Task `inv-1` and the Bundle `bdl-*` rules, each issue quoting the rule's
//!   key and FHIRPath expression.
//! * Profile checks ([`Validator::with_profile`], or by `meta.profile`) for the SDOH Clinical
//!   Care referral and patient Tasks, the CDex data request Task, the COW coordination and
//!   cancellation Tasks, and the Subscriptions Backport Subscription, notification Bundle and
//!   status Parameters ([`profiles`]).
//! * Results as an `OperationOutcome` (severity, issue-type code, FHIRPath `expression`,
//!   diagnostics saying expected vs found, line and column when read from text), or only
//!   valid / invalid ([`is_valid`], [`Validator::is_valid`]).
//!
//! The rules, their sources, and what is not checked (and why) are in
//! `docs/spec/conformance.md`.

#![warn(missing_docs)]

mod base;
mod generated;
mod input;
mod invariants;
mod location;
mod outcome;
pub mod profiles;
mod validator;

pub use input::Format;
#[doc(hidden)]
pub use invariants::implemented_keys;
pub use outcome::{is_valid, position, COLUMN_EXTENSION, LINE_EXTENSION};
pub use profiles::{find as profile, Profile};
pub use validator::{UnknownProfile, Validator};
