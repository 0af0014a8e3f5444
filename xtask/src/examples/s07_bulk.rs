//! Scenario 7 (seed 002, issue 11): FAST asynchronous exchanges between a provider and a payer
//! with the Bulk Data Access v2 pattern: the attributed roster (Da Vinci ATR
//! `$davinci-data-export`), the bulk claims of the provider's panel (`Group/[id]/$export`, POST
//! kick-off), and an export refused with an OperationOutcome and its next step. Driven by the
//! pure state machine `coordination::exchange::AsyncExchange` against the in-memory
//! `SimulatedBulkServer`, on a fixed clock.

use std::time::{Duration, SystemTime};

use coordination::exchange::simulated::{RetryAfterForm, Script, SimulatedBulkServer, SimulatedFile};
use coordination::exchange::{
    format_http_date, Action, AsyncExchange, ExportRequest, NextStep, PollPolicy, Roster, WaitReason,
    ATTRIBUTED_PROVIDER, COVERAGE_REFERENCE,
};
use fhir_model::ndjson::{NdjsonReader, NdjsonWriter};
use fhir_model::*;

use super::http::{Body, Message, FHIR_MIME};
use super::scenario::Scenario;

const ORIGIN: &str = "https://payer.example.org";
const BASE: &str = "https://payer.example.org/fhir";
/// Stands for the SMART Backend Services access token (Bulk Data v2 authorization).
const TOKEN: &str = "Bearer <access token>";

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_557_600) // 2024-05-01T10:00:00Z
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// `content-type` → `Content-Type` (the `http` crate keeps names in lower case).
fn header_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The body as the message shows it: a FHIR resource (both formats), NDJSON or other JSON.
fn body(content_type: Option<&str>, bytes: &[u8]) -> Result<Option<Body>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let text = String::from_utf8(bytes.to_vec()).map_err(err)?;
    Ok(Some(match content_type.unwrap_or_default() {
        t if t.starts_with("application/fhir+json") => {
            Body::Resource(Box::new(json::from_str::<Resource>(&text).map_err(err)?))
        }
        t if t.starts_with("application/fhir+ndjson") => Body::Ndjson(text),
        _ => Body::Json(text),
    }))
}

fn headers(m: &mut Message, pairs: Vec<(String, String)>) {
    for (name, value) in pairs {
        m.headers
            .push((header_name(&name), value.replace("application/fhir+json", FHIR_MIME)));
    }
}

/// `(name, value)` of an `http` header map (xtask does not depend on `http` itself: the
/// request and response types are only reached through coordination's API, hence macros).
macro_rules! pairs {
    ($map:expr) => {
        $map.iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect::<Vec<(String, String)>>()
    };
}

/// A `Message` from an `http::Request<Vec<u8>>`, with the access token when `$token`.
macro_rules! request {
    ($req:expr, $token:expr) => {{
        let req = &$req;
        let mut m = Message::request(req.method().as_str(), &req.uri().to_string());
        headers(&mut m, pairs!(req.headers()));
        if $token {
            m.headers.push(("Authorization".to_owned(), TOKEN.to_owned()));
        }
        let ct = req.headers().get("content-type").and_then(|v| v.to_str().ok());
        m.body = body(ct, req.body())?;
        m
    }};
}

/// A `Message` from an `http::Response<Vec<u8>>` answered at `$now`.
macro_rules! response {
    ($resp:expr, $now:expr) => {{
        let resp = &$resp;
        let status = resp.status();
        let mut m = Message::response(status.as_u16(), status.canonical_reason().unwrap_or_default())
            .header("Date", format_http_date($now));
        headers(&mut m, pairs!(resp.headers()));
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok());
        m.body = body(ct, resp.body())?;
        m
    }};
}

fn ndjson<T: json::ToJson>(items: &[T]) -> Result<Vec<u8>, String> {
    let mut w = NdjsonWriter::new(Vec::new());
    for i in items {
        w.write(i).map_err(err)?;
    }
    w.finish().map_err(err)
}

fn file<T: json::ToJson>(resource_type: &str, items: &[T]) -> Result<SimulatedFile, String> {
    Ok(SimulatedFile {
        resource_type: resource_type.into(),
        ndjson: ndjson(items)?,
        count: items.len() as u64,
    })
}

fn patient(id: &str, family: &str, given: &str) -> Patient {
    Patient {
        id: Some(Primitive::from(id)),
        name: vec![HumanName {
            family: Some(Primitive::from(family)),
            given: vec![Primitive::from(given)],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn coverage(id: &str, patient: &str) -> Coverage {
    let mut c = Coverage::new(
        FinancialResourceStatusCodes::Active,
        Reference::to_type_id("Patient", patient),
    );
    c.id = Some(Primitive::from(id));
    c.payor = vec![Reference::to_type_id("Organization", "payer")];
    c
}

fn claim(id: &str, patient: &str, coverage: &str, created: &str) -> Result<Claim, String> {
    let concept = |system: &str, code: &str| CodeableConcept {
        coding: vec![Coding {
            system: Some(Primitive::from(system)),
            code: Some(Primitive::from(code)),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut c = Claim::new(
        FinancialResourceStatusCodes::Active,
        concept("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
        Use::Claim,
        Reference::to_type_id("Patient", patient),
        Primitive::new(created.parse().map_err(err)?),
        Reference::to_type_id("Organization", "clinic"),
        concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
    );
    c.id = Some(Primitive::from(id));
    c.insurance = vec![ClaimInsurance::new(
        1u32,
        true,
        Reference::to_type_id("Coverage", coverage),
    )];
    Ok(c)
}

fn reference_extension(url: &str, target: Reference) -> Extension {
    Extension {
        url: url.into(),
        value: Some(ExtensionValue::Reference(Box::new(target))),
        ..Default::default()
    }
}

/// The payer's Member Attribution List for the clinic (ATR `ext-attributedProvider`,
/// `ext-coverageReference` on each member).
fn attribution_group() -> Group {
    let mut g = Group::new(GroupType::Person, true);
    g.id = Some(Primitive::from("atr-clinic-1"));
    g.name = Some(Primitive::from("Attributed patients of Good Health Clinic"));
    for (p, provider) in [("p1", "dr-adams"), ("p2", "dr-adams"), ("p3", "dr-baker")] {
        let mut m = GroupMember::new(Reference::to_type_id("Patient", p));
        m.extension = vec![
            reference_extension(ATTRIBUTED_PROVIDER, Reference::to_type_id("Practitioner", provider)),
            reference_extension(
                COVERAGE_REFERENCE,
                Reference::to_type_id("Coverage", &format!("cov-{p}")),
            ),
        ];
        g.member.push(m);
    }
    g
}

/// Runs one export to its end, a step per exchange; returns what was read from the files.
fn export(
    s: &mut Scenario,
    server: &mut SimulatedBulkServer,
    export: &ExportRequest,
    post: bool,
    label: &str,
) -> Result<Vec<Resource>, String> {
    let kickoff = if post { export.post(BASE) } else { export.get(BASE) }.map_err(err)?;
    let mut now = t0();
    let (mut machine, mut action) = AsyncExchange::start(kickoff, PollPolicy::default(), now);
    let mut polls = 0;
    for _ in 0..20 {
        action = match action {
            Action::Send(req) => {
                let resp = server.handle(&req, now);
                s.step(
                    &format!("{label}-kick-off"),
                    format!("{label}: kick-off with `Prefer: respond-async`; `202 Accepted` names the status URL in `Content-Location`"),
                    request!(req, false),
                    response!(resp, now),
                );
                machine.on_response(&resp, now)
            }
            Action::Wait {
                at,
                request: req,
                reason,
                ..
            } => {
                now = at;
                let resp = server.handle(&req, now);
                polls += 1;
                let after = at.duration_since(t0()).map_err(err)?.as_secs();
                let header = |name: &str| {
                    resp.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-")
                        .to_owned()
                };
                let why = match reason {
                    WaitReason::InProgress { progress: None } => {
                        "the kick-off gave no `Retry-After`: the policy's first wait".to_owned()
                    }
                    WaitReason::InProgress { progress: Some(_) } => "when the previous `Retry-After` said".to_owned(),
                    other => format!("{other:?}"),
                };
                let title = if resp.status().as_u16() == 202 {
                    format!(
                        "{label}: status poll {polls}, {after} s after the kick-off ({why}); still running: `202`, `X-Progress: {}`, `Retry-After: {}`",
                        header("x-progress"),
                        header("retry-after")
                    )
                } else {
                    format!("{label}: status poll {polls}, {after} s after the kick-off ({why}); complete: `200` with the manifest (JSON, not a FHIR resource)")
                };
                s.step(
                    &format!("{label}-status-{polls}"),
                    title,
                    request!(req, false),
                    response!(resp, now),
                );
                machine.on_response(&resp, now)
            }
            Action::Complete(done) => {
                let mut resources = Vec::new();
                let mut counts = Vec::new();
                for d in done.manifest.download_plan() {
                    let req = d.request().map_err(err)?;
                    let resp = server.handle(&req, now);
                    let mut n = 0;
                    for line in NdjsonReader::<_, Resource>::new(&resp.body()[..]) {
                        resources.push(line.map_err(err)?.resource);
                        n += 1;
                    }
                    if Some(n) != d.expected_count {
                        return Err(format!(
                            "{}: {n} resources, the manifest says {:?}",
                            d.url, d.expected_count
                        ));
                    }
                    counts.push(format!("{n} {}", d.resource_type));
                    s.step(
                        &format!("{label}-file-{}", d.resource_type.to_lowercase()),
                        format!(
                            "{label}: download the {} file (NDJSON, one resource per line)",
                            d.resource_type
                        ),
                        request!(req, d.requires_token),
                        response!(resp, now),
                    );
                }
                s.note(format!(
                    "{label}: complete after {} status polls; `transactionTime` `{}` (the `_since` of the next export); \
                     `requiresAccessToken` {}; read with `fhir_model::ndjson::NdjsonReader`: {} (each matching the manifest's `count`).",
                    done.polls,
                    done.manifest.transaction_time,
                    done.manifest.requires_access_token,
                    counts.join(", ")
                ));
                return Ok(resources);
            }
            Action::Cancelled => return Err(format!("{label}: cancelled")),
            Action::Failed { failure, .. } => return Err(format!("{label}: {failure}")),
        };
    }
    Err(format!("{label}: no end after 20 exchanges"))
}

pub fn scenario() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "07-fast-bulk-exchanges",
        "FAST bulk exchanges: attributed roster, bulk claims, and a refused export",
        "Seed 002 (FAST, provider ↔ payer; issue 11): asynchronous interactions follow the FHIR Bulk Data Access \
         IG v2 request pattern: kick-off with `Prefer: respond-async`, `202 Accepted` with `Content-Location`, status \
         polls answered `202` with `X-Progress` and `Retry-After`, then `200` with the completion manifest and the \
         NDJSON files. The attributed roster (seed scenario 5) uses the Da Vinci ATR operation \
         `Group/[id]/$davinci-data-export`; the bulk claims of the provider's panel (seed scenario 6: Claim, Coverage, \
         Patient) use `Group/[id]/$export` with a POST `Parameters` kick-off; an export the payer refuses is answered \
         with an OperationOutcome, read into a next step (seed 002: \"a meaningful and useful response\"). Client: the \
         pure state machine `coordination::exchange::AsyncExchange`; server: `exchange::simulated::SimulatedBulkServer`. \
         Sources: `docs/spec/bulk.md`.",
    );

    // 1. The attributed roster.
    let mut payer = SimulatedBulkServer::new(
        ORIGIN,
        Script {
            progress: vec![
                "Gathering attributed members (25%)".into(),
                "Writing files (75%)".into(),
            ],
            retry_after: RetryAfterForm::Seconds(30),
            files: vec![
                file("Group", &[attribution_group()])?,
                file(
                    "Patient",
                    &[
                        patient("p1", "Garcia", "Ana"),
                        patient("p2", "Nguyen", "Bao"),
                        patient("p3", "Smith", "Cara"),
                    ],
                )?,
                file(
                    "Coverage",
                    &[
                        coverage("cov-p1", "p1"),
                        coverage("cov-p2", "p2"),
                        coverage("cov-p3", "p3"),
                    ],
                )?,
            ],
            requires_access_token: true,
            reject_kickoff: None,
        },
    );
    let roster_request = ExportRequest::attribution_list("atr-clinic-1");
    let resources = export(&mut s, &mut payer, &roster_request, false, "roster")?;
    let group = resources
        .iter()
        .find_map(|r| match r {
            Resource::Group(g) => Some(g),
            _ => None,
        })
        .ok_or("the roster export has a Group")?;
    let roster = Roster::from_group(group).map_err(err)?;
    s.note(format!(
        "The roster read with `Roster::from_group`: {}.",
        roster
            .members
            .iter()
            .map(|m| format!(
                "`{}` attributed to `{}` (coverage `{}`)",
                m.patient,
                m.attributed_provider.as_deref().unwrap_or("-"),
                m.coverage.as_deref().unwrap_or("-")
            ))
            .collect::<Vec<_>>()
            .join("; ")
    ));

    // 2. Bulk claims for the panel, POST kick-off.
    let mut payer = SimulatedBulkServer::new(
        ORIGIN,
        Script {
            progress: vec!["Selecting claims".into(), "Writing files".into()],
            retry_after: RetryAfterForm::Date(20),
            files: vec![
                file(
                    "Claim",
                    &[
                        claim("cl-1", "p1", "cov-p1", "2024-04-02")?,
                        claim("cl-2", "p2", "cov-p2", "2024-04-09")?,
                    ],
                )?,
                file("Coverage", &[coverage("cov-p1", "p1"), coverage("cov-p2", "p2")])?,
                file(
                    "Patient",
                    &[patient("p1", "Garcia", "Ana"), patient("p2", "Nguyen", "Bao")],
                )?,
            ],
            requires_access_token: true,
            reject_kickoff: None,
        },
    );
    let claims = ExportRequest::group("clinic-1-panel")
        .types(["Claim", "Coverage", "Patient"])
        .map_err(err)?
        .since("2024-01-01T00:00:00Z")
        .map_err(err)?;
    export(&mut s, &mut payer, &claims, true, "claims")?;

    // 3. A refused export and its next step.
    let mut issue = OperationOutcomeIssue::new(IssueSeverity::Error, IssueType::NotSupported);
    issue.diagnostics = Some(Primitive::from(
        "_typeFilter is not supported by this server; re-submit without it",
    ));
    issue.expression = vec![Primitive::from("_typeFilter")];
    let mut refusing = SimulatedBulkServer::new(
        ORIGIN,
        Script {
            progress: vec![],
            retry_after: RetryAfterForm::Seconds(1),
            files: vec![],
            requires_access_token: true,
            reject_kickoff: Some((
                400u16.try_into().map_err(err)?,
                OperationOutcome {
                    issue: vec![issue],
                    ..Default::default()
                },
            )),
        },
    );
    let filtered = ExportRequest::group("clinic-1-panel")
        .types(["Claim"])
        .map_err(err)?
        .type_filter("Claim?status=active")
        .map_err(err)?;
    let now = t0();
    let (mut machine, first) = AsyncExchange::start(filtered.get(BASE).map_err(err)?, PollPolicy::default(), now);
    let Action::Send(req) = first else {
        return Err("the kick-off is sent first".into());
    };
    let resp = refusing.handle(&req, now);
    let Action::Failed { failure, .. } = machine.on_response(&resp, now) else {
        return Err("the refused kick-off fails".into());
    };
    s.step(
        "refused-kick-off",
        "refused: an export with `_typeFilter` is answered `400` with an OperationOutcome naming the parameter",
        request!(req, false),
        response!(resp, now),
    );
    s.note(format!("refused: `ExchangeFailure` says: {failure}."));
    let NextStep::FixRequest { parameters } = &failure.next_step else {
        return Err(format!("unexpected next step {:?}", failure.next_step));
    };
    // The next step: the same export without the parameters the server named.
    let mut fixed = ExportRequest::group("clinic-1-panel").types(["Claim"]).map_err(err)?;
    if !parameters.iter().any(|p| p == "_typeFilter") {
        fixed = fixed.type_filter("Claim?status=active").map_err(err)?;
    }
    let mut accepting = SimulatedBulkServer::new(
        ORIGIN,
        Script {
            progress: vec!["Selecting claims".into()],
            retry_after: RetryAfterForm::Seconds(10),
            files: vec![],
            requires_access_token: true,
            reject_kickoff: None,
        },
    );
    let (_, first) = AsyncExchange::start(fixed.get(BASE).map_err(err)?, PollPolicy::default(), now);
    let Action::Send(req) = first else {
        return Err("the kick-off is sent first".into());
    };
    let resp = accepting.handle(&req, now);
    s.step(
        "corrected-kick-off",
        format!(
            "refused, next step `FixRequest` {parameters:?}: the export again without them (active claims are then selected on the client side), accepted"
        ),
        request!(req, false),
        response!(resp, now),
    );

    s.note("Bulk Data v2 servers are only required to produce `application/fhir+json` for OperationOutcomes and kick-off bodies (and NDJSON for the files); the XML files show the same FHIR resources in XML for servers that offer it. Steps without a FHIR resource (status polls, the manifest, the NDJSON files) exist in JSON only.");
    s.note("Every request is authorized with a SMART Backend Services access token; the `Authorization` header is shown on the file downloads, where the manifest's `requiresAccessToken` makes it mandatory.");
    Ok(s)
}
