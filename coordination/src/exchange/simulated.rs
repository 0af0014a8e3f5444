//! An in-memory Bulk Data server that answers `http` requests without a network: for tests,
//! demonstrations and `cargo xtask examples`. It follows the same rules the client relies on
//! (`docs/spec/bulk.md`): `202` + `Content-Location` on kick-off, `202` with `X-Progress` and
//! `Retry-After` while running, `200` with the manifest, NDJSON files, `DELETE` then `404`.

use std::collections::BTreeMap;
use std::time::SystemTime;

use fhir_model::{json, OperationOutcome};
use http::header::{CONTENT_LOCATION, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};

use super::retry_after::{format_http_date, format_instant};
use super::{FHIR_JSON, FHIR_NDJSON};

/// How the server writes `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// `Retry-After: N`.
    Seconds(u64),
    /// `Retry-After: <HTTP-date N seconds after now>`.
    Date(u64),
}

/// One output file the server will offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedFile {
    /// The resource type.
    pub resource_type: String,
    /// The NDJSON content.
    pub ndjson: Vec<u8>,
    /// The number of resources (the manifest's `count`).
    pub count: u64,
}

/// What the server does.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// One `X-Progress` text per in-progress answer; the poll after the last one completes.
    pub progress: Vec<String>,
    /// The `Retry-After` of in-progress answers.
    pub retry_after: RetryAfterForm,
    /// The output files.
    pub files: Vec<SimulatedFile>,
    /// Whether downloads need the access token (the manifest's `requiresAccessToken`).
    pub requires_access_token: bool,
    /// When set, the kick-off is refused with this status and OperationOutcome.
    pub reject_kickoff: Option<(StatusCode, OperationOutcome)>,
}

#[derive(Debug, Clone)]
struct Job {
    request: String,
    polls: usize,
    started: SystemTime,
}

/// The server (see the module documentation).
#[derive(Debug, Clone)]
pub struct SimulatedBulkServer {
    origin: String,
    script: Script,
    jobs: BTreeMap<usize, Option<Job>>,
    served: BTreeMap<String, Vec<u8>>,
}

fn respond(status: StatusCode, headers: &[(http::HeaderName, String)], body: Vec<u8>) -> Response<Vec<u8>> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    for (name, value) in headers {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            r.headers_mut().insert(name.clone(), v);
        }
    }
    r
}

fn outcome(status: StatusCode, oo: &OperationOutcome) -> Response<Vec<u8>> {
    respond(
        status,
        &[(CONTENT_TYPE, FHIR_JSON.to_owned())],
        json::to_string(oo).into_bytes(),
    )
}

fn not_found(what: &str) -> Response<Vec<u8>> {
    let mut issue =
        fhir_model::OperationOutcomeIssue::new(fhir_model::IssueSeverity::Error, fhir_model::IssueType::NotFound);
    issue.diagnostics = Some(what.into());
    let oo = OperationOutcome {
        issue: vec![issue],
        ..Default::default()
    };
    outcome(StatusCode::NOT_FOUND, &oo)
}

impl SimulatedBulkServer {
    /// A server at `origin` (`https://payer.example`), following `script`.
    pub fn new(origin: &str, script: Script) -> SimulatedBulkServer {
        SimulatedBulkServer {
            origin: origin.trim_end_matches('/').to_owned(),
            script,
            jobs: BTreeMap::new(),
            served: BTreeMap::new(),
        }
    }

    /// Answers one request at time `now`.
    pub fn handle(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Response<Vec<u8>> {
        let path = request.uri().path().to_owned();
        if let Some(id) = path.strip_prefix("/bulkstatus/").and_then(|s| s.parse::<usize>().ok()) {
            return self.status(id, request.method(), now);
        }
        if path.starts_with("/bulkfiles/") {
            return match self.served.get(&format!("{}{}", self.origin, path)) {
                Some(bytes) => respond(StatusCode::OK, &[(CONTENT_TYPE, FHIR_NDJSON.to_owned())], bytes.clone()),
                None => not_found("no such file"),
            };
        }
        if path.ends_with("/$export") || path.ends_with("/$davinci-data-export") {
            if let Some((status, oo)) = &self.script.reject_kickoff {
                return outcome(*status, oo);
            }
            let id = self.jobs.len() + 1;
            let request_url = request.uri().to_string();
            self.jobs.insert(
                id,
                Some(Job {
                    request: request_url,
                    polls: 0,
                    started: now,
                }),
            );
            return respond(
                StatusCode::ACCEPTED,
                &[(CONTENT_LOCATION, format!("{}/bulkstatus/{id}", self.origin))],
                Vec::new(),
            );
        }
        not_found(&format!("no handler for {path}"))
    }

    fn status(&mut self, id: usize, method: &Method, now: SystemTime) -> Response<Vec<u8>> {
        let Some(slot) = self.jobs.get_mut(&id) else {
            return not_found("no such export job");
        };
        if *method == Method::DELETE {
            return if slot.take().is_some() {
                respond(StatusCode::ACCEPTED, &[], Vec::new())
            } else {
                not_found("the export job was cancelled")
            };
        }
        let Some(job) = slot.as_mut() else {
            return not_found("the export job was cancelled");
        };
        if job.polls < self.script.progress.len() {
            let progress = self.script.progress[job.polls].clone();
            job.polls += 1;
            let retry = match self.script.retry_after {
                RetryAfterForm::Seconds(s) => s.to_string(),
                RetryAfterForm::Date(s) => format_http_date(now + std::time::Duration::from_secs(s)),
            };
            return respond(
                StatusCode::ACCEPTED,
                &[
                    (http::HeaderName::from_static("x-progress"), progress),
                    (RETRY_AFTER, retry),
                ],
                Vec::new(),
            );
        }
        let mut output = Vec::new();
        for (n, file) in self.script.files.iter().enumerate() {
            let url = format!("{}/bulkfiles/{id}/{}-{}.ndjson", self.origin, file.resource_type, n + 1);
            self.served.insert(url.clone(), file.ndjson.clone());
            output.push(serde_json::json!({"type": file.resource_type, "url": url, "count": file.count}));
        }
        let manifest = serde_json::json!({
            "transactionTime": format_instant(job.started),
            "request": job.request,
            "requiresAccessToken": self.script.requires_access_token,
            "output": output,
            "error": [],
        });
        respond(
            StatusCode::OK,
            &[(CONTENT_TYPE, "application/json".to_owned())],
            serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
        )
    }
}
