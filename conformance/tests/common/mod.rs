//! Helpers shared by the conformance tests.

#![allow(dead_code)]

use std::path::PathBuf;

use conformance::Validator;
use fhir_model::OperationOutcome;

/// The shared FHIR data (`FHIR_SHARED`, default `../shared` beside the workspace), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("FHIR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    dir.is_dir().then_some(dir)
}

/// The hand-converted IG example fixtures.
pub fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// One issue, flattened for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub severity: String,
    pub code: String,
    pub expression: String,
    pub diagnostics: String,
}

pub fn flatten(outcome: &OperationOutcome) -> Vec<Found> {
    outcome
        .issue
        .iter()
        .map(|i| Found {
            severity: i
                .severity
                .value
                .as_ref()
                .map(|s| s.code().to_owned())
                .unwrap_or_default(),
            code: i.code.value.as_ref().map(|c| c.code().to_owned()).unwrap_or_default(),
            expression: i.expression.first().and_then(|e| e.value.clone()).unwrap_or_default(),
            diagnostics: i.diagnostics.as_ref().and_then(|d| d.value.clone()).unwrap_or_default(),
        })
        .collect()
}

/// The issues of severity error or fatal.
pub fn errors(outcome: &OperationOutcome) -> Vec<Found> {
    flatten(outcome)
        .into_iter()
        .filter(|f| f.severity == "error" || f.severity == "fatal")
        .collect()
}

/// Validates JSON text with an optional profile.
pub fn validate_json(text: &str, profile: Option<&str>) -> OperationOutcome {
    let mut v = Validator::new();
    if let Some(p) = profile {
        v = v.with_profile(p).expect("known profile");
    }
    v.validate_json(text.as_bytes())
}
