//! Every failure of an exchange as one typed value with the next step for the person or system
//! (seed 002: "a meaningful and useful response" that never leaves the user without a path
//! forward). The OperationOutcome the server sent is kept whole.
//!
//! Mapping (sources in `docs/spec/bulk.md` §Errors):
//! * `401` → [`NextStep::Authorize`] (obtain a new access token); `403`, or an issue coded
//!   `security`/`login`/`forbidden`/`expired` → [`NextStep::Authorize`] (ask for access).
//! * `429`, `503`, or any issue of the `transient` family (`transient`, `lock-error`,
//!   `no-store`, `exception`, `timeout`, `incomplete`, `throttled`) → [`NextStep::RetryAfter`]
//!   (BULK-STATUS: a transient code tells the client "to retry the request at a later time";
//!   429 comes with `Retry-After`).
//! * other `4xx` → [`NextStep::FixRequest`], naming the parameters from the issues'
//!   `expression` (else `location`) (BULK-KICKOFF: servers return an OperationOutcome "so
//!   clients can re-submit a request omitting the … parameter").
//! * `404` on a status URL → [`NextStep::Stop`]: the job was cancelled or has expired
//!   (BULK-DELETE: after a delete the server "SHALL return a 404 error").
//! * other `5xx` → [`NextStep::Stop`] with the issues: the export failed as a whole.

use std::fmt;
use std::time::{Duration, SystemTime};

use fhir_model::{IssueType, OperationOutcome};
use http::{HeaderMap, StatusCode};

use super::body::{read_error_body, ErrorBody};
use super::manifest::ManifestError;
use super::retry_after::{format_http_date, RetryAfter};

/// What the person or system should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Send the same request again at (not before) this instant.
    RetryAfter {
        /// When.
        at: SystemTime,
    },
    /// Change the request: these parameters (or elements) are the problem, as the server named
    /// them; empty when the server did not say which (then read the issues).
    FixRequest {
        /// Parameter names or FHIRPath expressions from the OperationOutcome.
        parameters: Vec<String>,
    },
    /// Get authorization: a (new) access token, or access to the data asked for.
    Authorize {
        /// What to ask for.
        reason: String,
    },
    /// Nothing to retry as is; the reason says why and what could be done instead.
    Stop {
        /// Why.
        reason: String,
    },
}

/// What kind of failure it was.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureKind {
    /// The server refused the request (`4xx` other than 401/403/404-on-status/429).
    RequestRejected,
    /// `401`: no or expired credentials.
    Unauthenticated,
    /// `403`, or an OperationOutcome about security.
    Forbidden,
    /// `429`: too many requests.
    RateLimited,
    /// A transient server problem (`503` or a transient issue code).
    Transient,
    /// `5xx`: the server failed the work.
    ServerFailed,
    /// `404` on the status URL: the job no longer exists.
    JobGone,
    /// The server broke the protocol (e.g. `202` without `Content-Location`).
    ProtocolViolation(String),
    /// The completion manifest is invalid.
    InvalidManifest(Box<ManifestError>),
    /// No answer within the agreed time.
    DeadlineExceeded {
        /// The agreed time.
        allowed: Duration,
    },
    /// The response body could not be read as the FHIR resource expected.
    UnreadableBody(String),
}

/// One failed exchange: what happened, what the server said, what to do next.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeFailure {
    /// The kind.
    pub kind: FailureKind,
    /// The HTTP status, when a response was received.
    pub status: Option<StatusCode>,
    /// The server's OperationOutcome, kept whole.
    pub outcome: Option<Box<OperationOutcome>>,
    /// The body when it was not an OperationOutcome (truncated).
    pub body_text: Option<String>,
    /// The next step.
    pub next_step: NextStep,
}

/// Issue codes of the `transient` family (R4 issue-type: `transient` and its children).
const TRANSIENT: [IssueType; 7] = [
    IssueType::Transient,
    IssueType::LockError,
    IssueType::NoStore,
    IssueType::Exception,
    IssueType::Timeout,
    IssueType::Incomplete,
    IssueType::Throttled,
];

/// Issue codes of the `security` family (R4 issue-type: `security` and its children).
const SECURITY: [IssueType; 5] = [
    IssueType::Security,
    IssueType::Login,
    IssueType::Unknown,
    IssueType::Expired,
    IssueType::Forbidden,
];

fn issue_codes(oo: &OperationOutcome) -> impl Iterator<Item = IssueType> + '_ {
    oo.issue
        .iter()
        .filter_map(|i| i.code.value.as_ref().and_then(|c| c.known()))
}

/// Where issues point: `expression` values, else `location` values, deduplicated, in order.
pub(crate) fn pointed_parameters(oo: &OperationOutcome) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for issue in &oo.issue {
        let from = if issue.expression.is_empty() {
            &issue.location
        } else {
            &issue.expression
        };
        for p in from.iter().filter_map(|p| p.value.clone()) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Whether all issues of an OperationOutcome are of the transient family.
pub(crate) fn is_transient(oo: &OperationOutcome) -> bool {
    let mut codes = issue_codes(oo).peekable();
    codes.peek().is_some() && codes.all(|c| TRANSIENT.contains(&c))
}

impl ExchangeFailure {
    /// Classifies an error response (`status` ≥ 400). `on_status_url` tells a `404` on the
    /// polling location (job gone) from a `404` on a request (wrong resource: fix the request).
    /// `fallback_retry` is used when a retryable answer has no usable `Retry-After`.
    pub fn from_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
        on_status_url: bool,
        fallback_retry: Duration,
    ) -> ExchangeFailure {
        let (outcome, body_text) = match read_error_body(headers, body) {
            ErrorBody::Outcome(oo) => (Some(oo), None),
            ErrorBody::Text(t) => (None, Some(t)),
            ErrorBody::Empty => (None, None),
        };
        let retry_at = RetryAfter::from_headers(headers)
            .instant(now)
            .unwrap_or(now + fallback_retry);
        let transient = outcome.as_ref().is_some_and(|oo| is_transient(oo));
        let security = outcome
            .as_ref()
            .is_some_and(|oo| issue_codes(oo).any(|c| SECURITY.contains(&c)));
        let parameters = outcome.as_deref().map(pointed_parameters).unwrap_or_default();
        let summary = outcome.as_deref().map(summarize).or_else(|| body_text.clone());
        let said = |default: &str| summary.clone().unwrap_or_else(|| default.to_owned());

        let (kind, next_step) = match status.as_u16() {
            401 => (
                FailureKind::Unauthenticated,
                NextStep::Authorize {
                    reason: format!(
                        "obtain a new access token, then send the request again ({})",
                        said("401 Unauthorized")
                    ),
                },
            ),
            403 => (
                FailureKind::Forbidden,
                NextStep::Authorize {
                    reason: format!(
                        "ask the data holder for access to the data requested ({})",
                        said("403 Forbidden")
                    ),
                },
            ),
            429 => (FailureKind::RateLimited, NextStep::RetryAfter { at: retry_at }),
            404 if on_status_url => (
                FailureKind::JobGone,
                NextStep::Stop {
                    reason: format!(
                        "the export job no longer exists (cancelled or expired); start a new export ({})",
                        said("404 Not Found")
                    ),
                },
            ),
            s if (400..500).contains(&s) && security => (
                FailureKind::Forbidden,
                NextStep::Authorize {
                    reason: format!("ask for access ({})", said("refused for security reasons")),
                },
            ),
            s if (400..500).contains(&s) => (FailureKind::RequestRejected, NextStep::FixRequest { parameters }),
            503 => (FailureKind::Transient, NextStep::RetryAfter { at: retry_at }),
            _ if transient => (FailureKind::Transient, NextStep::RetryAfter { at: retry_at }),
            _ => (
                FailureKind::ServerFailed,
                NextStep::Stop {
                    reason: format!(
                        "the server failed the request; tell its operator, quoting the issues ({})",
                        said(status.canonical_reason().unwrap_or("server error"))
                    ),
                },
            ),
        };
        ExchangeFailure {
            kind,
            status: Some(status),
            outcome,
            body_text,
            next_step,
        }
    }

    /// A failure without a response behind it.
    pub fn local(kind: FailureKind, next_step: NextStep) -> ExchangeFailure {
        ExchangeFailure {
            kind,
            status: None,
            outcome: None,
            body_text: None,
            next_step,
        }
    }

    /// A protocol violation by the server: nothing the client can fix; report it.
    pub fn protocol(status: Option<StatusCode>, what: impl Into<String>) -> ExchangeFailure {
        let what = what.into();
        ExchangeFailure {
            kind: FailureKind::ProtocolViolation(what.clone()),
            status,
            outcome: None,
            body_text: None,
            next_step: NextStep::Stop {
                reason: format!("the server broke the Bulk Data protocol ({what}); report it to its operator"),
            },
        }
    }
}

/// One line per issue: `severity code: diagnostics or details text [expression]`.
fn summarize(oo: &OperationOutcome) -> String {
    oo.issue
        .iter()
        .map(|i| {
            let severity = i.severity.value.as_ref().map_or("?", |c| c.code());
            let code = i.code.value.as_ref().map_or("?", |c| c.code());
            let text = i
                .diagnostics
                .as_ref()
                .and_then(|d| d.value.clone())
                .or_else(|| {
                    i.details
                        .as_ref()
                        .and_then(|d| d.text.as_ref())
                        .and_then(|t| t.value.clone())
                })
                .unwrap_or_default();
            let at: Vec<&str> = i.expression.iter().filter_map(|e| e.value.as_deref()).collect();
            if at.is_empty() {
                format!("{severity} {code}: {text}")
            } else {
                format!("{severity} {code}: {text} [{}]", at.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for NextStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextStep::RetryAfter { at } => write!(f, "retry after {}", format_http_date(*at)),
            NextStep::FixRequest { parameters } if parameters.is_empty() => {
                write!(f, "fix the request (see the issues)")
            }
            NextStep::FixRequest { parameters } => write!(f, "fix the request: {}", parameters.join(", ")),
            NextStep::Authorize { reason } => write!(f, "get authorization: {reason}"),
            NextStep::Stop { reason } => write!(f, "stop: {reason}"),
        }
    }
}

impl fmt::Display for ExchangeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FailureKind::RequestRejected => write!(f, "the server refused the request")?,
            FailureKind::Unauthenticated => write!(f, "not authenticated")?,
            FailureKind::Forbidden => write!(f, "not authorized")?,
            FailureKind::RateLimited => write!(f, "too many requests")?,
            FailureKind::Transient => write!(f, "the server is temporarily unable to answer")?,
            FailureKind::ServerFailed => write!(f, "the server failed the request")?,
            FailureKind::JobGone => write!(f, "the export job no longer exists")?,
            FailureKind::ProtocolViolation(what) => write!(f, "protocol violation: {what}")?,
            FailureKind::InvalidManifest(e) => write!(f, "invalid completion manifest: {e}")?,
            FailureKind::DeadlineExceeded { allowed } => {
                write!(f, "no answer within the agreed {} s", allowed.as_secs())?
            }
            FailureKind::UnreadableBody(e) => write!(f, "unreadable response body: {e}")?,
        }
        if let Some(status) = self.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if let Some(oo) = &self.outcome {
            write!(f, ": {}", summarize(oo))?;
        }
        write!(f, "; next step: {}", self.next_step)
    }
}

impl std::error::Error for ExchangeFailure {}
