//! The asynchronous request pattern of Bulk Data Access v2 as a pure state machine: the caller
//! sends the requests it returns, feeds back each response with the current time, and waits
//! when told to. No I/O, no clock.
//!
//! States and transitions (sources in `docs/spec/bulk.md` §Async):
//! * kick-off → `202` + `Content-Location` (absolute URL) → polling (BULK-KICKOFF "Response -
//!   Success"); `202` without it is a protocol violation; `429` → wait `Retry-After`, send the
//!   kick-off again (BULK-KICKOFF: "SHOULD respond with a 429 … and a Retry-After header");
//!   other `4xx`/`5xx` → failed with the OperationOutcome.
//! * polling → `202` (optional `X-Progress`, `Retry-After` seconds or HTTP-date) → wait and
//!   poll again; without a usable `Retry-After` the wait doubles from
//!   [`PollPolicy::first_wait`] up to [`PollPolicy::max_wait`] (BULK-STATUS: "Clients SHOULD
//!   follow an exponential backoff approach"); `200` → the manifest; `429` or a transient
//!   error → wait and poll again; other errors → failed.
//! * cancel → `DELETE` the status URL → `202` cancelled (BULK-DELETE); `404` also means there is
//!   nothing left to cancel.
//! * the overall deadline ([`PollPolicy::give_up_after`], the agreed time frame): a wait that
//!   would end past it gives up with [`FailureKind::DeadlineExceeded`] and a `DELETE` to
//!   release the server's job.

use std::time::{Duration, SystemTime};

use http::header::{ACCEPT, CONTENT_LOCATION, EXPIRES};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};

use super::manifest::Manifest;
use super::mode::{ExchangeRequest, Mode};
use super::outcome::{ExchangeFailure, FailureKind, NextStep};
use super::retry_after::{parse_http_date, RetryAfter};
use super::FHIR_JSON;

/// How to poll and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// The first wait when the server gives no `Retry-After`.
    pub first_wait: Duration,
    /// The longest wait of the backoff.
    pub max_wait: Duration,
    /// The agreed time frame: give up this long after the kick-off.
    pub give_up_after: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(300),
            give_up_after: Duration::from_secs(3600),
        }
    }
}

/// Why the machine asks to wait.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitReason {
    /// `202`: still running, with the server's `X-Progress` text if any.
    InProgress {
        /// The `X-Progress` header.
        progress: Option<String>,
    },
    /// `429`: polling or kicking off too often.
    RateLimited,
    /// A transient error (`503` or a transient issue code); the OperationOutcome is kept.
    Transient(Box<ExchangeFailure>),
}

/// A completed export.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The manifest.
    pub manifest: Manifest,
    /// When the files stop being available (`Expires`, BULK-COMPLETE: "SHOULD return an
    /// Expires header").
    pub expires: Option<SystemTime>,
    /// How many status polls it took.
    pub polls: u32,
}

/// What the caller does next.
#[derive(Debug)]
pub enum Action {
    /// Send this request now (the kick-off, or the `DELETE` of a cancel).
    Send(Request<Vec<u8>>),
    /// Wait until `at`, then send `request` (a status poll, or the kick-off again).
    Wait {
        /// Not before this instant.
        at: SystemTime,
        /// The request to send then.
        request: Request<Vec<u8>>,
        /// Why.
        reason: WaitReason,
        /// The `Retry-After` header as received (a malformed one is reported here and ignored).
        retry_after: RetryAfter,
    },
    /// The export is complete.
    Complete(Box<Completion>),
    /// The export was cancelled.
    Cancelled,
    /// The exchange failed; when `cancel` is set, send it (best effort) to release the job.
    Failed {
        /// What happened and what to do next.
        failure: Box<ExchangeFailure>,
        /// A `DELETE` of the status URL.
        cancel: Option<Request<Vec<u8>>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    KickingOff,
    Polling { status_url: Uri },
    Cancelling { status_url: Uri },
    Finished,
}

/// A stored request, rebuilt for each send (`http::Request` is not `Clone`).
#[derive(Debug, Clone)]
struct Template {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Template {
    fn build(&self) -> Request<Vec<u8>> {
        let mut r = Request::new(self.body.clone());
        *r.method_mut() = self.method.clone();
        *r.uri_mut() = self.uri.clone();
        *r.headers_mut() = self.headers.clone();
        r
    }
}

/// One asynchronous exchange (see the module documentation).
#[derive(Debug, Clone)]
pub struct AsyncExchange {
    kickoff: Template,
    policy: PollPolicy,
    phase: Phase,
    deadline: SystemTime,
    polls: u32,
    backoff: Duration,
}

impl AsyncExchange {
    /// Starts an exchange: returns the machine and the kick-off to send. `Prefer:
    /// respond-async` and `Accept: application/fhir+json` are set (BULK-KICKOFF "Headers":
    /// the client SHOULD provide both).
    pub fn start(kickoff: Request<Vec<u8>>, policy: PollPolicy, now: SystemTime) -> (AsyncExchange, Action) {
        let (parts, body) = kickoff.into_parts();
        let mut headers = parts.headers;
        headers.insert("prefer", HeaderValue::from_static("respond-async"));
        headers.entry(ACCEPT).or_insert(HeaderValue::from_static(FHIR_JSON));
        let kickoff = Template {
            method: parts.method,
            uri: parts.uri,
            headers,
            body,
        };
        let machine = AsyncExchange {
            kickoff,
            policy,
            phase: Phase::KickingOff,
            deadline: now + policy.give_up_after,
            polls: 0,
            backoff: policy.first_wait,
        };
        let first = machine.kickoff.build();
        (machine, Action::Send(first))
    }

    /// Starts an exchange from a request declared [`Mode::Async`]: its `answer_within` becomes
    /// the deadline ([`PollPolicy::give_up_after`]). A request declared [`Mode::Sync`] is given
    /// back: it must not be turned asynchronous.
    pub fn start_declared(
        request: ExchangeRequest,
        policy: PollPolicy,
        now: SystemTime,
    ) -> Result<(AsyncExchange, Action), Box<ExchangeRequest>> {
        if request.mode != Mode::Async {
            return Err(Box::new(request));
        }
        let policy = PollPolicy {
            give_up_after: request.answer_within,
            ..policy
        };
        Ok(Self::start(request.request, policy, now))
    }

    /// The polling location, once the kick-off was accepted.
    pub fn status_url(&self) -> Option<&Uri> {
        match &self.phase {
            Phase::Polling { status_url } | Phase::Cancelling { status_url } => Some(status_url),
            Phase::KickingOff | Phase::Finished => None,
        }
    }

    /// The instant after which the exchange gives up.
    pub fn deadline(&self) -> SystemTime {
        self.deadline
    }

    /// How many status polls were answered so far.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The status poll (BULK-STATUS: `Accept: application/json`).
    fn poll_request(status_url: &Uri) -> Request<Vec<u8>> {
        let mut r = Request::new(Vec::new());
        *r.uri_mut() = status_url.clone();
        r.headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        r
    }

    /// The cancel request (BULK-DELETE: `DELETE [polling content location]`).
    fn delete_request(status_url: &Uri) -> Request<Vec<u8>> {
        let mut r = Request::new(Vec::new());
        *r.method_mut() = Method::DELETE;
        *r.uri_mut() = status_url.clone();
        r.headers_mut().insert(ACCEPT, HeaderValue::from_static(FHIR_JSON));
        r
    }

    fn fail(&mut self, failure: ExchangeFailure) -> Action {
        let cancel = match &self.phase {
            Phase::Polling { status_url } => Some(Self::delete_request(status_url)),
            _ => None,
        };
        self.phase = Phase::Finished;
        Action::Failed {
            failure: Box::new(failure),
            cancel,
        }
    }

    /// Gives up because of the deadline; `server_asked` is the instant the server asked for.
    fn give_up(&mut self, server_asked: Option<SystemTime>) -> Action {
        let allowed = self.policy.give_up_after;
        // The failure kind already says the time frame was exceeded.
        let reason = match server_asked {
            Some(at) => format!(
                "the server asked to wait until {}; ask again later with a longer time frame or a narrower request",
                super::retry_after::format_http_date(at)
            ),
            None => "ask again later with a longer time frame or a narrower request".to_owned(),
        };
        self.fail(ExchangeFailure::local(
            FailureKind::DeadlineExceeded { allowed },
            NextStep::Stop { reason },
        ))
    }

    /// Waits until the server's `Retry-After`, else the backoff; gives up past the deadline.
    fn wait(&mut self, now: SystemTime, headers: &HeaderMap, request: Request<Vec<u8>>, reason: WaitReason) -> Action {
        let retry_after = RetryAfter::from_headers(headers);
        let at = match retry_after.instant(now) {
            // A date in the past means "now".
            Some(at) => at.max(now),
            None => {
                let at = now + self.backoff;
                self.backoff = (self.backoff * 2).min(self.policy.max_wait);
                at
            }
        };
        if at > self.deadline {
            return self.give_up(Some(at));
        }
        Action::Wait {
            at,
            request,
            reason,
            retry_after,
        }
    }

    /// Feeds the response to the last request sent; returns what to do next.
    pub fn on_response(&mut self, response: &Response<Vec<u8>>, now: SystemTime) -> Action {
        let status = response.status();
        let headers = response.headers();
        let body = response.body();
        match self.phase.clone() {
            Phase::Finished => Action::Failed {
                failure: Box::new(ExchangeFailure::protocol(
                    Some(status),
                    "a response after the exchange finished",
                )),
                cancel: None,
            },
            Phase::KickingOff => {
                if now > self.deadline {
                    return self.give_up(None);
                }
                match status {
                    StatusCode::ACCEPTED => match headers.get(CONTENT_LOCATION).map(|v| v.to_str()) {
                        None => self.fail(ExchangeFailure::protocol(
                            Some(status),
                            "202 Accepted without a Content-Location header",
                        )),
                        Some(Ok(loc)) => match loc.parse::<Uri>() {
                            Ok(uri) if uri.scheme().is_some() && uri.authority().is_some() => {
                                let request = Self::poll_request(&uri);
                                self.phase = Phase::Polling { status_url: uri };
                                self.wait(now, headers, request, WaitReason::InProgress { progress: None })
                            }
                            _ => self.fail(ExchangeFailure::protocol(
                                Some(status),
                                format!("Content-Location {loc:?} is not an absolute URL"),
                            )),
                        },
                        Some(Err(_)) => self.fail(ExchangeFailure::protocol(
                            Some(status),
                            "Content-Location is not visible ASCII",
                        )),
                    },
                    StatusCode::TOO_MANY_REQUESTS => {
                        let again = self.kickoff.build();
                        self.wait(now, headers, again, WaitReason::RateLimited)
                    }
                    s if s.is_client_error() || s.is_server_error() => self.fail(ExchangeFailure::from_response(
                        s,
                        headers,
                        body,
                        now,
                        false,
                        self.policy.first_wait,
                    )),
                    s => self.fail(ExchangeFailure::protocol(
                        Some(s),
                        format!("kick-off answered {} instead of 202 Accepted", s.as_u16()),
                    )),
                }
            }
            Phase::Polling { status_url } => {
                self.polls += 1;
                if now > self.deadline {
                    return self.give_up(None);
                }
                match status {
                    StatusCode::ACCEPTED => {
                        let progress = headers
                            .get("x-progress")
                            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
                            .filter(|p| !p.is_empty());
                        let request = Self::poll_request(&status_url);
                        self.wait(now, headers, request, WaitReason::InProgress { progress })
                    }
                    StatusCode::OK => match Manifest::parse(body) {
                        Ok(manifest) => {
                            self.phase = Phase::Finished;
                            let expires = headers
                                .get(EXPIRES)
                                .and_then(|v| v.to_str().ok())
                                .and_then(parse_http_date);
                            Action::Complete(Box::new(Completion {
                                manifest,
                                expires,
                                polls: self.polls,
                            }))
                        }
                        Err(e) => {
                            let mut failure = ExchangeFailure::protocol(Some(status), format!("invalid manifest: {e}"));
                            failure.kind = FailureKind::InvalidManifest(Box::new(e));
                            self.phase = Phase::Finished;
                            Action::Failed {
                                failure: Box::new(failure),
                                cancel: None,
                            }
                        }
                    },
                    StatusCode::TOO_MANY_REQUESTS => {
                        let request = Self::poll_request(&status_url);
                        self.wait(now, headers, request, WaitReason::RateLimited)
                    }
                    s if s.is_client_error() || s.is_server_error() => {
                        let failure =
                            ExchangeFailure::from_response(s, headers, body, now, true, self.policy.first_wait);
                        if failure.kind == FailureKind::Transient {
                            let request = Self::poll_request(&status_url);
                            return self.wait(now, headers, request, WaitReason::Transient(Box::new(failure)));
                        }
                        if failure.kind == FailureKind::JobGone {
                            // Nothing left to DELETE.
                            self.phase = Phase::Finished;
                        }
                        self.fail(failure)
                    }
                    s => self.fail(ExchangeFailure::protocol(
                        Some(s),
                        format!("status poll answered {}", s.as_u16()),
                    )),
                }
            }
            Phase::Cancelling { .. } => match status {
                StatusCode::ACCEPTED | StatusCode::NOT_FOUND => {
                    self.phase = Phase::Finished;
                    Action::Cancelled
                }
                s => {
                    let failure = ExchangeFailure::from_response(s, headers, body, now, true, self.policy.first_wait);
                    self.phase = Phase::Finished;
                    Action::Failed {
                        failure: Box::new(failure),
                        cancel: None,
                    }
                }
            },
        }
    }

    /// Cancels: a `DELETE` of the status URL once the kick-off was accepted; before that there
    /// is nothing on the server to cancel.
    pub fn cancel(&mut self) -> Action {
        match self.phase.clone() {
            Phase::Polling { status_url } => {
                let request = Self::delete_request(&status_url);
                self.phase = Phase::Cancelling { status_url };
                Action::Send(request)
            }
            Phase::Cancelling { status_url } => Action::Send(Self::delete_request(&status_url)),
            Phase::KickingOff | Phase::Finished => {
                self.phase = Phase::Finished;
                Action::Cancelled
            }
        }
    }
}
