//! Reading response bodies: FHIR JSON or XML by `Content-Type`, an OperationOutcome when the
//! server sent one, the raw text otherwise (BULK-STATUS: a non-FHIR-aware infrastructure layer
//! MAY answer "in another format").

use fhir_model::{json, OperationOutcome, Resource};
use http::HeaderMap;

/// Whether the `Content-Type` names XML (`application/fhir+xml`, `application/xml`, `text/xml`).
pub(crate) fn is_xml(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|t| t.ends_with("/xml") || t.ends_with("+xml"))
}

/// Parses a FHIR resource in the format the headers announce (JSON when unspecified), leniently:
/// a server's unknown extensions or codes must not hide the answer.
pub(crate) fn parse_resource(headers: &HeaderMap, body: &[u8]) -> Result<Resource, String> {
    if is_xml(headers) {
        return fhir_model::xml::from_slice_with::<Resource>(body, fhir_model::xml::Options::lenient())
            .map(|p| p.value)
            .map_err(|e| e.to_string());
    }
    json::from_slice_with::<Resource>(body, json::Options::lenient())
        .map(|p| p.value)
        .map_err(|e| e.to_string())
}

/// What an error response carried.
pub(crate) enum ErrorBody {
    Outcome(Box<OperationOutcome>),
    Text(String),
    Empty,
}

/// The longest raw error text kept (a gateway's HTML page is not worth more).
const MAX_TEXT: usize = 2000;

pub(crate) fn read_error_body(headers: &HeaderMap, body: &[u8]) -> ErrorBody {
    if body.iter().all(u8::is_ascii_whitespace) {
        return ErrorBody::Empty;
    }
    if let Ok(Resource::OperationOutcome(oo)) = parse_resource(headers, body) {
        return ErrorBody::Outcome(oo);
    }
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ErrorBody::Text(text[..end].to_owned())
}
