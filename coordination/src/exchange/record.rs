//! The full clinical record and one of its sections (seed 002 scenarios 3 and 4) as
//! synchronous exchanges: `GET [base]/Patient/[id]/$everything` (R4 patient-operation-everything)
//! and section searches built and checked by `search-params`, with the answers read into typed
//! resources.
//!
//! Sections are limited to resource types `search-params` models (medications are not:
//! `MedicationRequest` is not modelled yet, so no unchecked query is offered for it).

use std::time::{Duration, SystemTime};

use fhir_model::{Bundle, Resource};
use http::{Request, Response};
use search_params::Query;

use super::mode::{read_sync_response, ExchangeRequest};
use super::outcome::{ExchangeFailure, FailureKind, NextStep};

/// A section of the record, as a search in the patient's compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `Condition?patient=…&clinical-status=active`.
    ActiveConditions,
    /// `Procedure?patient=…`.
    Procedures,
    /// `Observation?patient=…&category=…observation-category|laboratory`.
    Labs,
}

impl Section {
    /// The search for one patient (`patient_id` is the logical id).
    pub fn query(self, patient_id: &str) -> Result<Query, search_params::Error> {
        let text = match self {
            Section::ActiveConditions => format!("Condition?patient=Patient/{patient_id}&clinical-status=active"),
            Section::Procedures => format!("Procedure?patient=Patient/{patient_id}"),
            Section::Labs => format!(
                "Observation?patient=Patient/{patient_id}&category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
            ),
        };
        Query::parse(&text)
    }
}

fn get(url: &str) -> Result<Request<Vec<u8>>, ExchangeFailure> {
    let uri: http::Uri = url.parse().map_err(|e| {
        ExchangeFailure::local(
            FailureKind::UnreadableBody(format!("bad URL {url:?}: {e}")),
            NextStep::FixRequest {
                parameters: vec!["base".into()],
            },
        )
    })?;
    let mut r = Request::new(Vec::new());
    *r.uri_mut() = uri;
    Ok(r)
}

/// `GET [base]/Patient/[id]/$everything` as a sync exchange.
pub fn everything(base: &str, patient_id: &str, answer_within: Duration) -> Result<ExchangeRequest, ExchangeFailure> {
    let url = format!("{}/Patient/{patient_id}/$everything", base.trim_end_matches('/'));
    Ok(ExchangeRequest::sync(get(&url)?, answer_within))
}

/// A section search as a sync exchange.
pub fn section(
    base: &str,
    patient_id: &str,
    section: Section,
    answer_within: Duration,
) -> Result<ExchangeRequest, ExchangeFailure> {
    let query = section.query(patient_id).map_err(|e| {
        ExchangeFailure::local(
            FailureKind::UnreadableBody(e.to_string()),
            NextStep::FixRequest {
                parameters: e.parameter.into_iter().collect(),
            },
        )
    })?;
    Ok(ExchangeRequest::sync(get(&query.to_url(base))?, answer_within))
}

/// Reads a searchset or `$everything` Bundle answer into its entries' resources (in order).
/// The search `next` link, when present, is returned to fetch the following page.
pub fn read_bundle(
    response: &Response<Vec<u8>>,
    now: SystemTime,
) -> Result<(Vec<Resource>, Option<String>), ExchangeFailure> {
    let resource = read_sync_response(response, now)?;
    let Resource::Bundle(bundle) = resource else {
        return Err(ExchangeFailure::protocol(
            Some(response.status()),
            format!("expected a Bundle, got a {}", resource.resource_type()),
        ));
    };
    let Bundle { entry, link, .. } = *bundle;
    let next = link
        .iter()
        .find(|l| l.relation.value.as_deref() == Some("next"))
        .and_then(|l| l.url.value.clone());
    Ok((entry.into_iter().filter_map(|e| e.resource).collect(), next))
}
