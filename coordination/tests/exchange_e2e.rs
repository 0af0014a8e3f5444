//! End to end against the in-memory Bulk Data server: the attributed roster (ATR
//! `$davinci-data-export`), bulk claims for the provider's panel (`Group/[id]/$export`), a failed
//! export answered with an OperationOutcome, and the full record / a section as sync exchanges
//! (JSON and XML answers).

use std::time::{Duration, SystemTime};

use coordination::exchange::record::{self, Section};
use coordination::exchange::simulated::{RetryAfterForm, Script, SimulatedBulkServer, SimulatedFile};
use coordination::exchange::{
    Action, AsyncExchange, ExportRequest, FailureKind, FileKind, Manifest, NextStep, PollPolicy, Roster,
    ATTRIBUTED_PROVIDER, COVERAGE_REFERENCE,
};
use fhir_model::ndjson::{NdjsonReader, NdjsonWriter};
use fhir_model::{
    json, Bundle, BundleEntry, BundleType, Claim, ClaimInsurance, CodeableConcept, Coverage, Extension, ExtensionValue,
    FinancialResourceStatusCodes, Group, GroupMember, GroupType, IssueSeverity, IssueType, OperationOutcome,
    OperationOutcomeIssue, Patient, Primitive, Reference, Resource, Use,
};
use http::{Request, Response, StatusCode};

const ORIGIN: &str = "https://payer.example";
const BASE: &str = "https://payer.example/fhir";

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_557_600) // 2024-05-01T10:00:00Z
}

fn ndjson<T: fhir_model::json::ToJson>(items: &[T]) -> Vec<u8> {
    let mut w = NdjsonWriter::new(Vec::new());
    for i in items {
        w.write(i).unwrap();
    }
    w.finish().unwrap()
}

fn file<T: fhir_model::json::ToJson>(resource_type: &str, items: &[T]) -> SimulatedFile {
    SimulatedFile {
        resource_type: resource_type.into(),
        ndjson: ndjson(items),
        count: items.len() as u64,
    }
}

fn patient(id: &str) -> Patient {
    Patient {
        id: Some(Primitive::from(id)),
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

fn claim(id: &str, patient: &str, coverage: &str) -> Claim {
    let mut c = Claim::new(
        FinancialResourceStatusCodes::Active,
        CodeableConcept {
            text: Some(Primitive::from("professional")),
            ..Default::default()
        },
        Use::Claim,
        Reference::to_type_id("Patient", patient),
        Primitive::new("2024-04-02".parse().unwrap()),
        Reference::to_type_id("Organization", "clinic"),
        CodeableConcept {
            text: Some(Primitive::from("normal")),
            ..Default::default()
        },
    );
    c.id = Some(Primitive::from(id));
    c.insurance = vec![ClaimInsurance::new(
        1u32,
        true,
        Reference::to_type_id("Coverage", coverage),
    )];
    c
}

fn atr_group() -> Group {
    let mut g = Group::new(GroupType::Person, true);
    g.id = Some(Primitive::from("atr-panel"));
    for (p, provider) in [("p1", "dr-a"), ("p2", "dr-a"), ("p3", "dr-b")] {
        let mut m = GroupMember::new(Reference::to_type_id("Patient", p));
        m.extension = vec![
            Extension {
                url: ATTRIBUTED_PROVIDER.into(),
                value: Some(ExtensionValue::Reference(Box::new(Reference::to_type_id(
                    "Practitioner",
                    provider,
                )))),
                ..Default::default()
            },
            Extension {
                url: COVERAGE_REFERENCE.into(),
                value: Some(ExtensionValue::Reference(Box::new(Reference::to_type_id(
                    "Coverage",
                    &format!("cov-{p}"),
                )))),
                ..Default::default()
            },
        ];
        g.member.push(m);
    }
    g
}

/// The manifest and every resource read from its files.
type Downloaded = (Manifest, Vec<(FileKind, Resource)>);

/// Drives the machine against the server with a simulated clock; returns the transcript, the
/// manifest and the resources read from the files (or the failure's Display).
fn run(server: &mut SimulatedBulkServer, kickoff: Request<Vec<u8>>) -> (Vec<String>, Result<Downloaded, String>) {
    let mut log = Vec::new();
    let mut now = t0();
    let (mut machine, mut action) = AsyncExchange::start(kickoff, PollPolicy::default(), now);
    let secs = |at: SystemTime| at.duration_since(t0()).unwrap().as_secs();
    let exchange = |server: &mut SimulatedBulkServer, log: &mut Vec<String>, req: &Request<Vec<u8>>, now| {
        log.push(format!("t+{}s → {} {}", secs(now), req.method(), req.uri()));
        let resp: Response<Vec<u8>> = server.handle(req, now);
        let mut headers: Vec<String> = resp
            .headers()
            .iter()
            .filter(|(k, _)| k.as_str() != "content-type")
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
            .collect();
        headers.sort();
        log.push(format!("      ← {} {}", resp.status().as_u16(), headers.join("; ")));
        resp
    };
    for _ in 0..20 {
        action = match action {
            Action::Send(req) => {
                let resp = exchange(server, &mut log, &req, now);
                machine.on_response(&resp, now)
            }
            Action::Wait {
                at, request, reason, ..
            } => {
                log.push(format!("      … wait until t+{}s ({reason:?})", secs(at)));
                now = at;
                let resp = exchange(server, &mut log, &request, now);
                machine.on_response(&resp, now)
            }
            Action::Complete(c) => {
                let mut resources = Vec::new();
                for d in c.manifest.download_plan() {
                    let resp = exchange(server, &mut log, &d.request().unwrap(), now);
                    assert_eq!(resp.status(), StatusCode::OK);
                    let mut n = 0;
                    for line in NdjsonReader::<_, Resource>::new(&resp.body()[..]) {
                        resources.push((d.kind, line.unwrap().resource));
                        n += 1;
                    }
                    assert_eq!(Some(n), d.expected_count, "count announced in the manifest");
                    log.push(format!("      read {n} {} from NDJSON", d.resource_type));
                }
                return (log, Ok((c.manifest, resources)));
            }
            Action::Cancelled => return (log, Err("cancelled".into())),
            Action::Failed { failure, .. } => return (log, Err(failure.to_string())),
        };
    }
    panic!("no end after 20 steps: {log:#?}");
}

#[test]
fn attributed_roster_by_davinci_data_export() {
    let script = Script {
        progress: vec!["25% complete".into(), "50% complete".into()],
        retry_after: RetryAfterForm::Seconds(30),
        files: vec![
            file("Group", &[atr_group()]),
            file("Patient", &[patient("p1"), patient("p2"), patient("p3")]),
            file(
                "Coverage",
                &[
                    coverage("cov-p1", "p1"),
                    coverage("cov-p2", "p2"),
                    coverage("cov-p3", "p3"),
                ],
            ),
        ],
        requires_access_token: true,
        reject_kickoff: None,
    };
    let mut server = SimulatedBulkServer::new(ORIGIN, script);
    let kickoff = ExportRequest::attribution_list("atr-panel").get(BASE).unwrap();
    let (log, result) = run(&mut server, kickoff);
    let (manifest, resources) = result.unwrap();
    assert_eq!(manifest.transaction_time.to_string(), "2024-05-01T10:00:00Z");
    assert!(manifest.requires_access_token);
    let group = resources
        .iter()
        .find_map(|(_, r)| match r {
            Resource::Group(g) => Some(g),
            _ => None,
        })
        .unwrap();
    let roster = Roster::from_group(group).unwrap();
    let members: Vec<String> = roster
        .members
        .iter()
        .map(|m| format!("{} by {}", m.patient, m.attributed_provider.as_deref().unwrap_or("-")))
        .collect();
    assert_eq!(
        members,
        [
            "Patient/p1 by Practitioner/dr-a",
            "Patient/p2 by Practitioner/dr-a",
            "Patient/p3 by Practitioner/dr-b"
        ]
    );
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn bulk_claims_for_the_panel() {
    let script = Script {
        progress: vec!["in progress".into(), "writing files".into()],
        retry_after: RetryAfterForm::Date(20),
        files: vec![
            file("Claim", &[claim("cl1", "p1", "cov-p1"), claim("cl2", "p2", "cov-p2")]),
            file("Coverage", &[coverage("cov-p1", "p1"), coverage("cov-p2", "p2")]),
            file("Patient", &[patient("p1"), patient("p2")]),
        ],
        requires_access_token: false,
        reject_kickoff: None,
    };
    let mut server = SimulatedBulkServer::new(ORIGIN, script);
    let kickoff = ExportRequest::group("provider-panel")
        .types(["Claim", "Coverage", "Patient"])
        .unwrap()
        .since("2024-01-01T00:00:00Z")
        .unwrap()
        .get(BASE)
        .unwrap();
    let (log, result) = run(&mut server, kickoff);
    let (_, resources) = result.unwrap();
    let claims: Vec<&Claim> = resources
        .iter()
        .filter_map(|(_, r)| match r {
            Resource::Claim(c) => Some(&**c),
            _ => None,
        })
        .collect();
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[1].insurance[0].coverage.reference_str(), Some("Coverage/cov-p2"));
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn failed_export_tells_what_to_fix() {
    let mut issue = OperationOutcomeIssue::new(IssueSeverity::Error, IssueType::NotSupported);
    issue.diagnostics = Some(Primitive::from(
        "_typeFilter is not supported by this server; re-submit without it",
    ));
    issue.expression = vec![Primitive::from("_typeFilter")];
    let script = Script {
        progress: vec![],
        retry_after: RetryAfterForm::Seconds(1),
        files: vec![],
        requires_access_token: true,
        reject_kickoff: Some((
            StatusCode::BAD_REQUEST,
            OperationOutcome {
                issue: vec![issue],
                ..Default::default()
            },
        )),
    };
    let mut server = SimulatedBulkServer::new(ORIGIN, script);
    let kickoff = ExportRequest::group("provider-panel")
        .types(["Claim"])
        .unwrap()
        .type_filter("Claim?status=active")
        .unwrap()
        .get(BASE)
        .unwrap();
    let (now, mut machine) = (t0(), None);
    let (m, first) = AsyncExchange::start(kickoff, PollPolicy::default(), now);
    let m = machine.insert(m);
    let Action::Send(req) = first else { panic!() };
    let resp = server.handle(&req, now);
    let Action::Failed { failure, cancel } = m.on_response(&resp, now) else {
        panic!()
    };
    assert!(cancel.is_none());
    assert_eq!(failure.kind, FailureKind::RequestRejected);
    assert_eq!(
        failure.next_step,
        NextStep::FixRequest {
            parameters: vec!["_typeFilter".into()]
        }
    );
    // The issues are kept as the server sent them, in JSON and in XML.
    let outcome = failure.outcome.as_deref().unwrap();
    insta::assert_snapshot!(format!(
        "{failure}\n\n{}\n\n{}",
        json::to_string_pretty(outcome),
        fhir_model::xml::to_string(outcome).unwrap()
    ));
}

#[test]
fn cancelled_export_answers_404_afterwards() {
    let script = Script {
        progress: vec!["1%".into(); 5],
        retry_after: RetryAfterForm::Seconds(10),
        files: vec![],
        requires_access_token: true,
        reject_kickoff: None,
    };
    let mut server = SimulatedBulkServer::new(ORIGIN, script);
    let now = t0();
    let (mut m, first) = AsyncExchange::start(
        ExportRequest::all_patients().get(BASE).unwrap(),
        PollPolicy::default(),
        now,
    );
    let Action::Send(req) = first else { panic!() };
    let Action::Wait { request: poll, .. } = m.on_response(&server.handle(&req, now), now) else {
        panic!()
    };
    let Action::Send(delete) = m.cancel() else { panic!() };
    assert!(matches!(
        m.on_response(&server.handle(&delete, now), now),
        Action::Cancelled
    ));
    // BULK-DELETE: later polls get 404 with an OperationOutcome.
    let after = server.handle(&poll, now);
    assert_eq!(after.status(), StatusCode::NOT_FOUND);
    assert!(json::from_slice::<OperationOutcome>(after.body()).is_ok());
}

#[test]
fn full_record_and_section_as_sync_exchanges() {
    let now = t0();
    let everything = record::everything(BASE, "p1", Duration::from_secs(30)).unwrap();
    assert_eq!(everything.mode, coordination::exchange::Mode::Sync);
    assert_eq!(
        everything.request.uri(),
        "https://payer.example/fhir/Patient/p1/$everything"
    );
    assert!(everything.request.headers().get("prefer").is_none());
    let section = record::section(BASE, "p1", Section::ActiveConditions, Duration::from_secs(30)).unwrap();
    assert_eq!(
        section.request.uri(),
        "https://payer.example/fhir/Condition?patient=Patient/p1&clinical-status=active"
    );
    let labs = record::section(BASE, "p1", Section::Labs, Duration::from_secs(30)).unwrap();
    assert_eq!(
        labs.request.uri().to_string(),
        "https://payer.example/fhir/Observation?patient=Patient/p1&category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fobservation-category|laboratory"
    );
    let procedures = record::section(BASE, "p1", Section::Procedures, Duration::from_secs(30)).unwrap();
    assert_eq!(
        procedures.request.uri(),
        "https://payer.example/fhir/Procedure?patient=Patient/p1"
    );

    let bundle = Bundle {
        type_: BundleType::Searchset.into(),
        entry: vec![
            BundleEntry {
                resource: Some(patient("p1").into()),
                ..Default::default()
            },
            BundleEntry {
                resource: Some(coverage("cov-p1", "p1").into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    for (content_type, body) in [
        ("application/fhir+json", json::to_string(&bundle)),
        ("application/fhir+xml", fhir_model::xml::to_string(&bundle).unwrap()),
    ] {
        let resp = Response::builder()
            .status(200)
            .header("content-type", content_type)
            .body(body.into_bytes())
            .unwrap();
        let (resources, next) = record::read_bundle(&resp, now).unwrap();
        assert_eq!(
            resources.iter().map(|r| r.resource_type()).collect::<Vec<_>>(),
            ["Patient", "Coverage"]
        );
        assert_eq!(next, None);
    }
    // A refused search names the parameter to fix.
    let mut issue = OperationOutcomeIssue::new(IssueSeverity::Error, IssueType::NotSupported);
    issue.expression = vec![Primitive::from("clinical-status")];
    let oo = OperationOutcome {
        issue: vec![issue],
        ..Default::default()
    };
    let resp = Response::builder()
        .status(400)
        .header("content-type", "application/fhir+xml")
        .body(fhir_model::xml::to_string(&oo).unwrap().into_bytes())
        .unwrap();
    let failure = record::read_bundle(&resp, now).unwrap_err();
    assert_eq!(
        failure.next_step,
        NextStep::FixRequest {
            parameters: vec!["clinical-status".into()]
        }
    );
    assert_eq!(failure.outcome.as_deref(), Some(&oo));
    // A timeout has its own next step.
    assert!(matches!(section.timed_out().kind, FailureKind::DeadlineExceeded { .. }));
}
