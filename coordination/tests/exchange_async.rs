//! The async machine, state by state: kick-off answers, status polls (every status code and
//! `Retry-After` form, malformed ones included), completion, cancel and the deadline.

use std::time::{Duration, SystemTime};

use coordination::exchange::{
    format_http_date, Action, AsyncExchange, ExchangeFailure, ExportRequest, FailureKind, NextStep, PollPolicy,
    RetryAfter, WaitReason,
};
use fhir_model::{json, IssueSeverity, IssueType, OperationOutcome, OperationOutcomeIssue, Primitive};
use http::{Response, StatusCode};

const STATUS_URL: &str = "https://payer.example/bulkstatus/7";

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn policy() -> PollPolicy {
    PollPolicy {
        first_wait: Duration::from_secs(2),
        max_wait: Duration::from_secs(10),
        give_up_after: Duration::from_secs(600),
    }
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn oo(code: IssueType, diagnostics: &str, expression: &[&str]) -> String {
    let mut issue = OperationOutcomeIssue::new(IssueSeverity::Error, code);
    issue.diagnostics = Some(Primitive::from(diagnostics));
    issue.expression = expression.iter().map(|e| Primitive::from(*e)).collect();
    json::to_string(&OperationOutcome {
        issue: vec![issue],
        ..Default::default()
    })
}

fn started() -> AsyncExchange {
    let kickoff = ExportRequest::group("g1")
        .types(["Patient"])
        .unwrap()
        .get("https://payer.example/fhir")
        .unwrap();
    let (machine, first) = AsyncExchange::start(kickoff, policy(), t0());
    let Action::Send(req) = first else { panic!("{first:?}") };
    assert_eq!(req.headers()["prefer"], "respond-async");
    assert_eq!(req.headers()["accept"], "application/fhir+json");
    assert_eq!(req.uri(), "https://payer.example/fhir/Group/g1/$export?_type=Patient");
    machine
}

fn polling() -> AsyncExchange {
    let mut m = started();
    let action = m.on_response(&response(202, &[("content-location", STATUS_URL)], ""), t0());
    assert!(matches!(action, Action::Wait { .. }), "{action:?}");
    m
}

fn failure(action: Action) -> (ExchangeFailure, Option<http::Request<Vec<u8>>>) {
    match action {
        Action::Failed { failure, cancel } => (*failure, cancel),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn kickoff_202_with_content_location_polls_after_the_first_wait() {
    let mut m = started();
    match m.on_response(&response(202, &[("content-location", STATUS_URL)], ""), t0()) {
        Action::Wait {
            at,
            request,
            reason,
            retry_after,
        } => {
            assert_eq!(at, t0() + Duration::from_secs(2));
            assert_eq!(request.method(), http::Method::GET);
            assert_eq!(request.uri(), STATUS_URL);
            assert_eq!(request.headers()["accept"], "application/json");
            assert_eq!(reason, WaitReason::InProgress { progress: None });
            assert_eq!(retry_after, RetryAfter::Absent);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.status_url().map(|u| u.to_string()).as_deref(), Some(STATUS_URL));
}

#[test]
fn kickoff_202_without_content_location_is_a_protocol_violation() {
    let mut m = started();
    let (f, cancel) = failure(m.on_response(&response(202, &[], ""), t0()));
    assert!(
        matches!(f.kind, FailureKind::ProtocolViolation(ref w) if w.contains("Content-Location")),
        "{f:?}"
    );
    assert!(matches!(f.next_step, NextStep::Stop { .. }));
    assert!(cancel.is_none(), "nothing to cancel without a status URL");
}

#[test]
fn kickoff_202_with_relative_content_location_is_a_protocol_violation() {
    let mut m = started();
    let (f, _) = failure(m.on_response(&response(202, &[("content-location", "/bulkstatus/7")], ""), t0()));
    assert!(
        matches!(f.kind, FailureKind::ProtocolViolation(ref w) if w.contains("absolute")),
        "{f:?}"
    );
}

#[test]
fn kickoff_200_is_a_protocol_violation() {
    let mut m = started();
    let (f, _) = failure(m.on_response(&response(200, &[], "{}"), t0()));
    assert!(matches!(f.kind, FailureKind::ProtocolViolation(_)));
    assert_eq!(f.status, Some(StatusCode::OK));
}

#[test]
fn kickoff_429_waits_and_sends_the_kickoff_again() {
    let mut m = started();
    match m.on_response(&response(429, &[("retry-after", "30")], ""), t0()) {
        Action::Wait {
            at, request, reason, ..
        } => {
            assert_eq!(at, t0() + Duration::from_secs(30));
            assert_eq!(
                request.uri(),
                "https://payer.example/fhir/Group/g1/$export?_type=Patient"
            );
            assert_eq!(request.headers()["prefer"], "respond-async");
            assert_eq!(reason, WaitReason::RateLimited);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn kickoff_400_names_the_parameter_from_the_expression_and_keeps_the_issues() {
    let mut m = started();
    let body = oo(
        IssueType::NotSupported,
        "_typeFilter is not supported",
        &["_typeFilter"],
    );
    let (f, _) = failure(m.on_response(
        &response(400, &[("content-type", "application/fhir+json")], &body),
        t0(),
    ));
    assert_eq!(f.kind, FailureKind::RequestRejected);
    assert_eq!(
        f.next_step,
        NextStep::FixRequest {
            parameters: vec!["_typeFilter".into()]
        }
    );
    let issues = &f.outcome.as_ref().unwrap().issue;
    assert_eq!(issues.len(), 1);
    assert_eq!(
        issues[0].diagnostics.as_ref().unwrap().value.as_deref(),
        Some("_typeFilter is not supported")
    );
}

#[test]
fn kickoff_issue_location_is_used_when_there_is_no_expression() {
    let mut issue = OperationOutcomeIssue::new(IssueSeverity::Error, IssueType::Invalid);
    issue.location = vec![Primitive::from("_since")];
    let body = json::to_string(&OperationOutcome {
        issue: vec![issue],
        ..Default::default()
    });
    let (f, _) = failure(started().on_response(&response(422, &[], &body), t0()));
    assert_eq!(
        f.next_step,
        NextStep::FixRequest {
            parameters: vec!["_since".into()]
        }
    );
}

#[test]
fn kickoff_401_and_403_ask_for_authorization() {
    let (f, _) = failure(started().on_response(&response(401, &[], ""), t0()));
    assert_eq!(f.kind, FailureKind::Unauthenticated);
    assert!(matches!(f.next_step, NextStep::Authorize { ref reason } if reason.contains("access token")));
    let (f, _) = failure(started().on_response(&response(403, &[], ""), t0()));
    assert_eq!(f.kind, FailureKind::Forbidden);
    assert!(matches!(f.next_step, NextStep::Authorize { .. }));
    // A 400 whose issue is about security is an authorization problem too.
    let body = oo(IssueType::Forbidden, "no access to Claim", &[]);
    let (f, _) = failure(started().on_response(&response(400, &[], &body), t0()));
    assert_eq!(f.kind, FailureKind::Forbidden);
}

#[test]
fn kickoff_500_stops_and_503_retries_after() {
    let body = oo(IssueType::Exception, "database down", &[]);
    // `exception` is in the transient family: retry.
    let (f, _) = failure(started().on_response(&response(500, &[("retry-after", "60")], &body), t0()));
    assert_eq!(f.kind, FailureKind::Transient);
    assert_eq!(
        f.next_step,
        NextStep::RetryAfter {
            at: t0() + Duration::from_secs(60)
        }
    );
    let body = oo(IssueType::Processing, "export failed", &[]);
    let (f, _) = failure(started().on_response(&response(500, &[], &body), t0()));
    assert_eq!(f.kind, FailureKind::ServerFailed);
    assert!(matches!(f.next_step, NextStep::Stop { ref reason } if reason.contains("export failed")));
    let (f, _) = failure(started().on_response(&response(503, &[], "<html>busy</html>"), t0()));
    assert_eq!(f.kind, FailureKind::Transient);
    assert_eq!(f.body_text.as_deref(), Some("<html>busy</html>"));
    assert_eq!(
        f.next_step,
        NextStep::RetryAfter {
            at: t0() + Duration::from_secs(2)
        }
    );
}

#[test]
fn poll_202_reports_progress_and_follows_retry_after_seconds() {
    let mut m = polling();
    let now = t0() + Duration::from_secs(2);
    match m.on_response(
        &response(202, &[("x-progress", "50% complete"), ("retry-after", "120")], ""),
        now,
    ) {
        Action::Wait {
            at,
            reason,
            retry_after,
            request,
        } => {
            assert_eq!(at, now + Duration::from_secs(120));
            assert_eq!(
                reason,
                WaitReason::InProgress {
                    progress: Some("50% complete".into())
                }
            );
            assert_eq!(retry_after, RetryAfter::Seconds(120));
            assert_eq!(request.uri(), STATUS_URL);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.polls(), 1);
}

#[test]
fn poll_202_follows_retry_after_http_date() {
    let mut m = polling();
    let now = t0() + Duration::from_secs(2);
    let when = now + Duration::from_secs(45);
    let header = format_http_date(when);
    match m.on_response(&response(202, &[("retry-after", &header)], ""), now) {
        Action::Wait { at, retry_after, .. } => {
            assert_eq!(at, when);
            assert_eq!(retry_after, RetryAfter::Date(when));
        }
        other => panic!("{other:?}"),
    }
    // A date in the past means: poll now.
    let past = format_http_date(now - Duration::from_secs(100));
    match m.on_response(&response(202, &[("retry-after", &past)], ""), now) {
        Action::Wait { at, .. } => assert_eq!(at, now),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_retry_after_is_reported_and_the_backoff_doubles() {
    let mut m = polling();
    let now = t0() + Duration::from_secs(2);
    let mut waits = Vec::new();
    for value in [
        "soon",
        "-5",
        "Fri, 31 Dec 1999 23:59:59 UTC",
        "Sunday, 06-Nov-94 08:49:37 GMT",
    ] {
        match m.on_response(&response(202, &[("retry-after", value)], ""), now) {
            Action::Wait { at, retry_after, .. } => {
                assert_eq!(retry_after, RetryAfter::Malformed(value.into()));
                waits.push(at.duration_since(now).unwrap().as_secs());
            }
            other => panic!("{other:?}"),
        }
    }
    // The kick-off's wait used 2 s; then 4, 8, capped at 10.
    assert_eq!(waits, vec![4, 8, 10, 10]);
}

#[test]
fn http_date_parsing_checks_the_day_name_and_the_calendar() {
    assert_eq!(
        RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT"),
        RetryAfter::Date(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777))
    );
    assert!(matches!(
        RetryAfter::parse("Mon, 06 Nov 1994 08:49:37 GMT"),
        RetryAfter::Malformed(_)
    ));
    assert!(matches!(
        RetryAfter::parse("Thu, 29 Feb 2023 00:00:00 GMT"),
        RetryAfter::Malformed(_)
    ));
    assert!(matches!(
        RetryAfter::parse("Thu, 29 Feb 2024 00:00:00 GMT"),
        RetryAfter::Date(_)
    ));
    assert!(matches!(RetryAfter::parse(""), RetryAfter::Malformed(_)));
    assert!(matches!(
        RetryAfter::parse("99999999999999999999999"),
        RetryAfter::Malformed(_)
    ));
    assert_eq!(RetryAfter::parse(" 7 "), RetryAfter::Seconds(7));
    assert_eq!(
        format_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
}

const MANIFEST: &str = r#"{
  "transactionTime": "2021-01-01T00:00:00Z",
  "request": "https://example.com/fhir/Patient/$export?_type=Patient,Observation",
  "requiresAccessToken": true,
  "output": [{"type": "Patient", "url": "https://example.com/output/patient_file_1.ndjson"}],
  "error": []
}"#;

#[test]
fn poll_200_completes_with_the_manifest_and_expires() {
    let mut m = polling();
    let expires = "Sun, 06 Nov 2033 08:49:37 GMT";
    match m.on_response(&response(200, &[("expires", expires)], MANIFEST), t0()) {
        Action::Complete(c) => {
            assert_eq!(c.manifest.output.len(), 1);
            assert_eq!(c.polls, 1);
            assert_eq!(c.expires, coordination::exchange::parse_http_date(expires));
        }
        other => panic!("{other:?}"),
    }
    // Anything after completion is refused.
    let (f, _) = failure(m.on_response(&response(200, &[], MANIFEST), t0()));
    assert!(matches!(f.kind, FailureKind::ProtocolViolation(_)));
}

#[test]
fn poll_200_with_a_manifest_missing_transaction_time_fails_naming_the_field() {
    let mut m = polling();
    let body = MANIFEST.replace("\"transactionTime\": \"2021-01-01T00:00:00Z\",", "");
    let (f, cancel) = failure(m.on_response(&response(200, &[], &body), t0()));
    match &f.kind {
        FailureKind::InvalidManifest(e) => assert_eq!(e.path, "transactionTime"),
        other => panic!("{other:?}"),
    }
    assert!(cancel.is_none());
    assert!(matches!(f.next_step, NextStep::Stop { .. }));
}

#[test]
fn poll_429_waits_longer_and_polls_again() {
    let mut m = polling();
    match m.on_response(&response(429, &[("retry-after", "300")], ""), t0()) {
        Action::Wait { at, reason, .. } => {
            assert_eq!(at, t0() + Duration::from_secs(300));
            assert_eq!(reason, WaitReason::RateLimited);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn poll_transient_error_keeps_polling_with_the_outcome() {
    let mut m = polling();
    let body = oo(IssueType::Transient, "status store busy", &[]);
    match m.on_response(&response(500, &[("retry-after", "5")], &body), t0()) {
        Action::Wait {
            at, reason, request, ..
        } => {
            assert_eq!(at, t0() + Duration::from_secs(5));
            assert_eq!(request.uri(), STATUS_URL);
            let WaitReason::Transient(f) = reason else {
                panic!("{reason:?}")
            };
            assert_eq!(f.outcome.unwrap().issue.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn poll_error_fails_the_export_and_offers_the_cancel() {
    let mut m = polling();
    let body = oo(IssueType::Processing, "too many resources", &[]);
    let (f, cancel) = failure(m.on_response(&response(500, &[], &body), t0()));
    assert_eq!(f.kind, FailureKind::ServerFailed);
    let cancel = cancel.expect("a DELETE to release the job");
    assert_eq!(cancel.method(), http::Method::DELETE);
    assert_eq!(cancel.uri(), STATUS_URL);
}

#[test]
fn poll_404_means_the_job_is_gone() {
    let mut m = polling();
    let body = oo(IssueType::NotFound, "job expired", &[]);
    let (f, cancel) = failure(m.on_response(&response(404, &[], &body), t0()));
    assert_eq!(f.kind, FailureKind::JobGone);
    assert!(matches!(f.next_step, NextStep::Stop { ref reason } if reason.contains("start a new export")));
    assert!(cancel.is_none());
}

#[test]
fn unexpected_poll_status_is_a_protocol_violation() {
    let mut m = polling();
    let (f, cancel) = failure(m.on_response(&response(204, &[], ""), t0()));
    assert!(matches!(f.kind, FailureKind::ProtocolViolation(_)));
    assert!(cancel.is_some());
}

#[test]
fn cancel_sends_delete_and_202_or_404_end_it() {
    for status in [202, 404] {
        let mut m = polling();
        let Action::Send(req) = m.cancel() else { panic!() };
        assert_eq!(req.method(), http::Method::DELETE);
        assert_eq!(req.uri(), STATUS_URL);
        assert!(matches!(
            m.on_response(&response(status, &[], ""), t0()),
            Action::Cancelled
        ));
    }
    let mut m = polling();
    m.cancel();
    let (f, _) = failure(m.on_response(&response(500, &[], ""), t0()));
    assert_eq!(f.kind, FailureKind::ServerFailed);
    // Before the kick-off was accepted there is nothing on the server to cancel.
    assert!(matches!(started().cancel(), Action::Cancelled));
}

#[test]
fn a_wait_past_the_deadline_gives_up_with_a_delete() {
    let mut m = polling();
    let (f, cancel) = failure(m.on_response(&response(202, &[("retry-after", "3600")], ""), t0()));
    assert_eq!(
        f.kind,
        FailureKind::DeadlineExceeded {
            allowed: Duration::from_secs(600)
        }
    );
    assert!(matches!(f.next_step, NextStep::Stop { ref reason } if reason.contains("asked to wait until")));
    assert_eq!(cancel.unwrap().method(), http::Method::DELETE);
}

#[test]
fn a_response_after_the_deadline_gives_up() {
    let mut m = polling();
    let late = m.deadline() + Duration::from_secs(1);
    let (f, _) = failure(m.on_response(&response(202, &[], ""), late));
    assert!(matches!(f.kind, FailureKind::DeadlineExceeded { .. }));
}

#[test]
fn failure_messages_say_what_to_do_next() {
    let body = oo(
        IssueType::NotSupported,
        "_typeFilter is not supported",
        &["_typeFilter"],
    );
    let (rejected, _) = failure(started().on_response(&response(400, &[], &body), t0()));
    let (unauth, _) = failure(started().on_response(&response(401, &[], ""), t0()));
    let (busy, _) = failure(started().on_response(&response(429, &[("retry-after", "9999")], ""), t0()));
    let (gone, _) = failure(polling().on_response(&response(404, &[], ""), t0()));
    let text = [rejected, unauth, busy, gone].map(|f| f.to_string()).join("\n");
    insta::assert_snapshot!(text);
}

#[test]
fn declared_requests_start_only_when_async() {
    use coordination::exchange::ExchangeRequest;
    let kickoff = || ExportRequest::system().get("https://payer.example/fhir").unwrap();
    let declared = ExchangeRequest::asynchronous(kickoff(), Duration::from_secs(90));
    let (m, first) = AsyncExchange::start_declared(declared, policy(), t0()).unwrap();
    assert_eq!(m.deadline(), t0() + Duration::from_secs(90));
    assert!(matches!(first, Action::Send(_)));
    let sync = ExchangeRequest::sync(kickoff(), Duration::from_secs(90));
    let back = AsyncExchange::start_declared(sync, policy(), t0()).unwrap_err();
    assert_eq!(back.mode, coordination::exchange::Mode::Sync);
}
