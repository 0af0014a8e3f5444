//! The declared interaction style of a request (seed 002: interactions "declared synchronous or
//! asynchronous"; asynchronous ones follow Bulk Data Access).

use std::time::{Duration, SystemTime};

use fhir_model::Resource;
use http::header::ACCEPT;
use http::{HeaderValue, Request, Response};

use super::body::parse_resource;
use super::outcome::{ExchangeFailure, FailureKind, NextStep};
use super::FHIR_JSON;

/// Synchronous or asynchronous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The answer comes in the response to the request (R4 http.html).
    Sync,
    /// The Bulk Data / R4 async pattern: `Prefer: respond-async`, `202`, polls, manifest
    /// (drive it with [`super::AsyncExchange`]).
    Async,
}

/// A request with its declared mode and the agreed time to answer.
#[derive(Debug)]
pub struct ExchangeRequest {
    /// Sync or async.
    pub mode: Mode,
    /// The HTTP request.
    pub request: Request<Vec<u8>>,
    /// The agreed time frame: for a sync request, the transport's timeout; for an async one, the
    /// [`super::PollPolicy::give_up_after`] to use.
    pub answer_within: Duration,
}

impl ExchangeRequest {
    /// A synchronous request; `Accept: application/fhir+json` is set when absent, and any
    /// `Prefer: respond-async` is removed so the server cannot turn it asynchronous.
    pub fn sync(mut request: Request<Vec<u8>>, answer_within: Duration) -> ExchangeRequest {
        request.headers_mut().remove("prefer");
        request
            .headers_mut()
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static(FHIR_JSON));
        ExchangeRequest {
            mode: Mode::Sync,
            request,
            answer_within,
        }
    }

    /// An asynchronous request (`Prefer: respond-async` is set).
    pub fn asynchronous(mut request: Request<Vec<u8>>, answer_within: Duration) -> ExchangeRequest {
        request
            .headers_mut()
            .insert("prefer", HeaderValue::from_static("respond-async"));
        ExchangeRequest {
            mode: Mode::Async,
            request,
            answer_within,
        }
    }

    /// The failure to report when a synchronous answer did not come within
    /// [`ExchangeRequest::answer_within`].
    pub fn timed_out(&self) -> ExchangeFailure {
        ExchangeFailure::local(
            FailureKind::DeadlineExceeded {
                allowed: self.answer_within,
            },
            NextStep::Stop {
                reason: format!(
                    "no answer within the agreed {} s; ask again later, or as an asynchronous request if the data is large",
                    self.answer_within.as_secs()
                ),
            },
        )
    }
}

/// Reads the answer to a synchronous request: a `2xx` with a FHIR resource (JSON or XML by
/// `Content-Type`), else the failure with its next step.
pub fn read_sync_response(response: &Response<Vec<u8>>, now: SystemTime) -> Result<Resource, ExchangeFailure> {
    let status = response.status();
    if status == http::StatusCode::ACCEPTED {
        return Err(ExchangeFailure::protocol(
            Some(status),
            "a synchronous request was answered asynchronously (202)",
        ));
    }
    if status.is_success() {
        return parse_resource(response.headers(), response.body()).map_err(|e| ExchangeFailure {
            kind: FailureKind::UnreadableBody(e.clone()),
            status: Some(status),
            outcome: None,
            body_text: None,
            next_step: NextStep::Stop {
                reason: format!("the answer is not a readable FHIR resource ({e}); report it to the server's operator"),
            },
        });
    }
    if status.is_client_error() || status.is_server_error() {
        return Err(ExchangeFailure::from_response(
            status,
            response.headers(),
            response.body(),
            now,
            false,
            Duration::from_secs(30),
        ));
    }
    Err(ExchangeFailure::protocol(
        Some(status),
        format!("unexpected status {}", status.as_u16()),
    ))
}
