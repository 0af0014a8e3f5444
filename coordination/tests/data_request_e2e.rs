//! End to end: the task-based data request of seed 000 (Da Vinci CDex), both parties in memory —
//! the payer POSTs a data request Task, the provider works on it (with a hold for human review)
//! and completes it with a contained searchset Bundle or with external references, or rejects or
//! fails it; the payer polls, keeps polling at the CDex pace, fetches the outputs, or stops.
//! Every exchanged resource is in the snapshots; every Task version passes task-fsm's checks.
//! The published CDex examples are read back by the same helpers.

mod coord_support;

use coord_support::{at, shared, History, Transcript};
use coordination::data_request::{self, DataRequest, Fetch, PollOutcome, Requested};
use coordination::{codes, data_request_machine, Error, PollSchedule};
use fhir_model::{
    json, Bundle, BundleEntry, BundleEntrySearch, BundleType, CodeableConcept, Condition, Primitive, Reference,
    Resource, SearchEntryMode, Task, TaskStatus,
};
use task_fsm::Actor;

const PROVIDER: &str = "https://provider.example.org/fhir";

fn member() -> Reference {
    Reference::to_identifier("http://example.org/cdex/payer/member-ids", "Member123")
}

fn payer() -> Reference {
    Reference::to_identifier("http://example.org/cdex/payer/payer-ids", "Payer123")
}

fn provider() -> Reference {
    Reference::to_identifier("http://hl7.org/fhir/sid/us-npi", "9941339108")
}

fn claim() -> Reference {
    Reference::to_identifier("http://example.org/cdex/payer/claim-ids", "Claim123")
}

fn pou() -> CodeableConcept {
    codes::concept("http://terminology.hl7.org/CodeSystem/v3-ActReason", "COVERAGE")
}

/// The provider's server stores a POSTed Task under an id of its own.
fn server_create(mut task: Task, id: &str) -> Task {
    task.id = Some(Primitive::from(id));
    task
}

fn keep_polling(outcome: &PollOutcome) -> (TaskStatus, String) {
    match outcome {
        PollOutcome::KeepPolling { status, next_poll, .. } => (*status, next_poll.to_string()),
        other => panic!("expected to keep polling, got {other:?}"),
    }
}

#[test]
fn active_conditions_returned_in_a_contained_searchset_after_human_review() {
    let mut log = Transcript::default();
    let schedule = PollSchedule::cdex();

    // Step 1: the payer POSTs the request.
    let (task, post) = DataRequest::new(
        Requested::Query("Condition?patient=cdex-example-patient&clinical-status=active".into()),
        member(),
        payer(),
        provider(),
        at("2024-05-01T09:00:00Z"),
    )
    .work_queue("claims-processing")
    .reason_reference(claim())
    .purpose_of_use(pou())
    .due(at("2024-05-15"))
    .post(PROVIDER)
    .unwrap();
    log.step("payer -> provider: POST the data request Task (seed 000 step 1)");
    log.request(&post);
    let mut task = server_create(task, "cdex-1");
    let mut history = History::new(data_request_machine().unwrap(), &task);

    // The provider reads the request.
    let view = data_request::read_request(&task).unwrap();
    assert_eq!(
        view.requested,
        Requested::Query("Condition?patient=cdex-example-patient&clinical-status=active".into())
    );
    assert_eq!(
        view.search().unwrap().to_relative(),
        "Condition?patient=cdex-example-patient&clinical-status=active"
    );
    assert_eq!(view.due, Some(at("2024-05-15")));
    assert_eq!(view.signature_required, None);

    // Step 2: the payer polls while the provider accepts, reviews, holds.
    let poll = data_request::poll_request(PROVIDER, &task).unwrap();
    log.step("payer -> provider: poll (seed 000 step 2)");
    log.request(&poll);
    assert_eq!(
        keep_polling(&data_request::interpret(&task, &at("2024-05-01T09:00:30Z"), &schedule).unwrap()),
        (TaskStatus::Requested, "2024-05-01T09:01:00Z".into())
    );
    data_request::accept(&mut task, &at("2024-05-01T09:02:00Z")).unwrap();
    history.record(Actor::OWNER, &task);
    data_request::start(
        &mut task,
        Some("waiting on internal review"),
        &at("2024-05-01T09:03:00Z"),
    )
    .unwrap();
    history.record(Actor::OWNER, &task);
    data_request::hold_for_review(
        &mut task,
        "Release of the data needs approval",
        Some("awaiting privacy officer"),
        &at("2024-05-01T09:04:00Z"),
    )
    .unwrap();
    history.record(Actor::OWNER, &task);
    log.step("provider: accepted, started, on hold for human review (the payer's poll returns this)");
    log.resource("Task/cdex-1", &task);
    match data_request::interpret(&task, &at("2024-05-01T09:10:00Z"), &schedule).unwrap() {
        PollOutcome::KeepPolling {
            status,
            business_status,
            reason,
            next_poll,
        } => {
            assert_eq!(status, TaskStatus::OnHold);
            assert_eq!(business_status.as_deref(), Some("awaiting privacy officer"));
            assert_eq!(reason.as_deref(), Some("Release of the data needs approval"));
            assert_eq!(next_poll, at("2024-05-01T09:15:00Z"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        keep_polling(&data_request::interpret(&task, &at("2024-05-01T10:00:00Z"), &schedule).unwrap()),
        (TaskStatus::OnHold, "2024-05-01T11:00:00Z".into())
    );

    // Completing from on-hold is not a CDex transition: refused, Task unchanged.
    let held = task.clone();
    let err = data_request::complete_with_bundle(
        &mut task,
        Bundle::new(BundleType::Searchset),
        "results",
        &at("2024-05-01T10:30:00Z"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::StateMachine { .. }), "{err}");
    assert_eq!(task, held);

    // Approved: resume and complete with a contained searchset Bundle.
    data_request::resume(&mut task, Some("approved for release"), &at("2024-05-01T11:00:00Z")).unwrap();
    history.record(Actor::OWNER, &task);
    let mut condition = Condition::new(Reference::to_type_id("Patient", "cdex-example-patient"));
    condition.id = Some(Primitive::from("858"));
    condition.clinical_status = Some(codes::concept(
        "http://terminology.hl7.org/CodeSystem/condition-clinical",
        "active",
    ));
    condition.code = Some(codes::concept("http://snomed.info/sct", "44054006"));
    let mut results = Bundle::new(BundleType::Searchset);
    results.entry.push(BundleEntry {
        full_url: Some(Primitive::from("https://provider.example.org/fhir/Condition/858")),
        resource: Some(Resource::from(condition)),
        search: Some(BundleEntrySearch {
            mode: Some(SearchEntryMode::Match.into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    data_request::complete_with_bundle(&mut task, results, "results", &at("2024-05-01T11:05:00Z")).unwrap();
    history.record(Actor::OWNER, &task);

    // Step 3: the payer's next poll finds it completed; the data is already in the Task.
    log.step("payer: the poll returns the completed Task with the contained searchset (seed 000 step 3)");
    log.request(&data_request::poll_request(PROVIDER, &task).unwrap());
    log.resource("Task/cdex-1", &task);
    match data_request::interpret(&task, &at("2024-05-01T12:00:00Z"), &schedule).unwrap() {
        PollOutcome::Fetch { contained, fetches } => {
            assert!(fetches.is_empty());
            assert_eq!(contained.len(), 1);
            let Resource::Bundle(b) = &contained[0] else {
                panic!("expected the Bundle")
            };
            assert_eq!(b.entry.len(), 1);
            assert_eq!(b.entry[0].resource.as_ref().and_then(|r| r.id()), Some("858"));
        }
        other => panic!("{other:?}"),
    }
    history.assert_valid();
    insta::assert_snapshot!(log.finish());
}

#[test]
fn signed_progress_notes_are_fetched_by_search_and_unsigned_ones_by_read() {
    let mut log = Transcript::default();
    let build = |signed: bool| {
        DataRequest::new(
            Requested::Code(codes::concept("http://loinc.org", "11506-3")),
            member(),
            payer(),
            provider(),
            at("2024-05-01T09:00:00Z"),
        )
        .work_queue("care-coordination")
        .reason_code(codes::text("Care coordination after discharge"))
        .signature_required(signed)
        .build()
        .unwrap()
    };
    for (signed, id) in [(true, "signed"), (false, "unsigned")] {
        let mut task = server_create(build(signed), id);
        let mut history = History::new(data_request_machine().unwrap(), &task);
        for step in 0..3 {
            match step {
                0 => data_request::accept(&mut task, &at("2024-05-01T09:10:00Z")).unwrap(),
                1 => data_request::start(&mut task, None, &at("2024-05-01T09:11:00Z")).unwrap(),
                _ => data_request::complete_with_references(
                    &mut task,
                    vec![
                        Reference::to_type_id("DocumentReference", "note-1"),
                        Reference {
                            reference: Some(Primitive::from(
                                "https://archive.example.org/fhir/Provenance/note-1-prov",
                            )),
                            ..Default::default()
                        },
                    ],
                    &at("2024-05-01T09:30:00Z"),
                )
                .unwrap(),
            };
            history.record(Actor::OWNER, &task);
        }
        history.assert_valid();
        let PollOutcome::Fetch { contained, fetches } =
            data_request::interpret(&task, &at("2024-05-01T10:00:00Z"), &PollSchedule::cdex()).unwrap()
        else {
            panic!("expected outputs to fetch");
        };
        assert!(contained.is_empty());
        assert_eq!(fetches.len(), 2);
        assert_eq!(
            matches!(fetches[0], Fetch::Search { .. }),
            signed,
            "signed data is searched, not read (CONF-009)"
        );
        log.step(&format!("payer: fetches for the {id} request's outputs"));
        log.resource(&format!("Task/{id}"), &task);
        for f in &fetches {
            log.request(&f.request(PROVIDER).unwrap());
        }
    }
    insta::assert_snapshot!(log.finish());
}

#[test]
fn rejected_and_failed_requests_stop_the_polling_with_the_reason() {
    let new_task = |id: &str| {
        server_create(
            DataRequest::new(
                Requested::Code(codes::text("request for patient's active conditions")),
                member(),
                payer(),
                provider(),
                at("2024-05-01T09:00:00Z"),
            )
            .build()
            .unwrap(),
            id,
        )
    };
    let machine = data_request_machine().unwrap();

    let mut rejected = new_task("r");
    let mut h = History::new(machine, &rejected);
    data_request::reject(
        &mut rejected,
        "Patient has opted out of data sharing",
        &at("2024-05-01T09:05:00Z"),
    )
    .unwrap();
    h.record(Actor::OWNER, &rejected);
    h.assert_valid();
    assert_eq!(
        data_request::interpret(&rejected, &at("2024-05-01T09:06:00Z"), &PollSchedule::cdex()).unwrap(),
        PollOutcome::Stop {
            status: TaskStatus::Rejected,
            reason: Some("Patient has opted out of data sharing".into())
        }
    );

    let mut failed = new_task("f");
    let mut h = History::new(machine, &failed);
    data_request::accept(&mut failed, &at("2024-05-01T09:05:00Z")).unwrap();
    h.record(Actor::OWNER, &failed);
    data_request::start(&mut failed, None, &at("2024-05-01T09:06:00Z")).unwrap();
    h.record(Actor::OWNER, &failed);
    data_request::fail(&mut failed, "No matching results", &at("2024-05-01T09:07:00Z")).unwrap();
    h.record(Actor::OWNER, &failed);
    h.assert_valid();
    assert!(failed.output.is_empty());
    assert_eq!(
        data_request::interpret(&failed, &at("2024-05-01T09:08:00Z"), &PollSchedule::cdex()).unwrap(),
        PollOutcome::Stop {
            status: TaskStatus::Failed,
            reason: Some("No matching results".into())
        }
    );
    // A payer may not act as the Data Source.
    let mut other = new_task("o");
    let err = coordination::change_status(
        &mut other,
        machine,
        &Actor::REQUESTER,
        &at("2024-05-01T09:05:00Z"),
        task_fsm::Event::Accept.into(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("may be made by owner, not by requester"),
        "{err}"
    );
}

#[test]
fn bad_requests_are_refused_with_what_and_where() {
    let base =
        |requested: Requested| DataRequest::new(requested, member(), payer(), provider(), at("2024-05-01T09:00:00Z"));
    let cases: Vec<(DataRequest, &str)> = vec![
        (
            base(Requested::Query("Condition?patient=1".into())).work_queue("urgent"),
            "Task.meta.tag:work-queue: expected a code of cdex-work-queue",
        ),
        (base(Requested::Query("?patient=1".into())), "Task.input:query"),
        (
            base(Requested::Query("Condition?unknown-param=1".into())),
            "Task.input:query",
        ),
        (
            base(Requested::Code(CodeableConcept::default())),
            "Task.input:code.valueCodeableConcept: expected a coding or text",
        ),
        (
            base(Requested::Questionnaire(String::new())),
            "Task.input:questionnaire.valueCanonical",
        ),
        (
            base(Requested::Query("Condition?patient=1".into())).reason_code(codes::concept("http://example.org", "x")),
            "Task.reasonCode.text: expected text",
        ),
    ];
    for (request, expected) in cases {
        let err = request.build().unwrap_err().to_string();
        assert!(err.starts_with(expected), "{err}");
    }
    // A query on an R4 type search-params does not model is accepted unchecked.
    assert!(base(Requested::Query("MedicationStatement?patient=1".into()))
        .build()
        .is_ok());
    // Provider: a contained Bundle that is not a searchset is refused.
    let mut task = base(Requested::Query("Condition?patient=1".into())).build().unwrap();
    data_request::accept(&mut task, &at("2024-05-01T09:01:00Z")).unwrap();
    data_request::start(&mut task, None, &at("2024-05-01T09:02:00Z")).unwrap();
    let err = data_request::complete_with_bundle(
        &mut task,
        Bundle::new(BundleType::Collection),
        "x",
        &at("2024-05-01T09:03:00Z"),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "Bundle.type: expected searchset, found collection");
    // CDex tdr-3: completing without outputs is refused by task-fsm.
    let err = data_request::complete_with_references(&mut task, vec![], &at("2024-05-01T09:03:00Z")).unwrap_err();
    assert!(
        err.to_string()
            .contains("Task.output is required on entering completed"),
        "{err}"
    );
    // A poll of a Task without an id cannot be addressed.
    assert!(data_request::poll_request(PROVIDER, &task).is_err());
}

/// The published CDex example Tasks, read by the payer's and the provider's helpers.
#[test]
fn published_cdex_examples_are_read_back() {
    let Some(dir) = shared() else { return };
    let dir = dir.join("fhir-definitions/ig/davinci-cdex/examples");
    let read = |name: &str| -> Task {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let now = at("2024-05-01T00:00:00Z");
    let schedule = PollSchedule::cdex();
    // (file, requested kind, outcome: contained count / fetch count / stop reason / keep polling)
    let table: &[(&str, &str, &str)] = &[
        ("cdex-task-example1.json", "query", "poll"),
        ("cdex-task-example2.json", "query", "fetch 0+1"),
        ("cdex-task-example3.json", "query", "fetch 1+0"),
        ("cdex-task-example5.json", "code", "fetch 0+1"),
        ("cdex-task-example7.json", "code", "fetch 1+0"),
        ("cdex-task-example8.json", "code", "fetch 1+0"),
        ("cdex-task-example9.json", "query", "stop No matching results"),
        ("cdex-task-example13.json", "code", "poll"),
        ("cdex-task-example14.json", "code", "fetch 0+2"),
        ("cdex-task-example18.json", "query", "fetch 0+1"),
        ("cdex-task-example26.json", "questionnaire", "poll"),
        ("cdex-task-example27.json", "questionnaire", "fetch 0+1"),
    ];
    for (file, kind, outcome) in table {
        let task = read(file);
        let view = data_request::read_request(&task).unwrap_or_else(|e| panic!("{file}: {e}"));
        let found = match view.requested {
            Requested::Query(_) => "query",
            Requested::Code(_) => "code",
            Requested::Questionnaire(_) => "questionnaire",
        };
        assert_eq!(found, *kind, "{file}");
        let got = match data_request::interpret(&task, &now, &schedule).unwrap_or_else(|e| panic!("{file}: {e}")) {
            PollOutcome::KeepPolling { .. } => "poll".to_owned(),
            PollOutcome::Fetch { contained, fetches } => format!("fetch {}+{}", contained.len(), fetches.len()),
            PollOutcome::Stop { reason, .. } => format!("stop {}", reason.unwrap_or_default()),
        };
        assert_eq!(got, *outcome, "{file}");
    }
    // Example 18 asks for signed data: its output is searched, not read.
    let PollOutcome::Fetch { fetches, .. } =
        data_request::interpret(&read("cdex-task-example18.json"), &now, &schedule).unwrap()
    else {
        panic!("example 18 is completed");
    };
    assert!(matches!(fetches[0], Fetch::Search { .. }));

    // The builder makes example 1 (but for the instance name/description extensions and the
    // lastModified the example sets on creation).
    let mut published = read("cdex-task-example1.json");
    published.id = None;
    published.last_modified = None;
    if let Some(meta) = published.meta.as_mut() {
        meta.extension.clear();
    }
    let mut for_ = published.for_.clone().unwrap();
    let reason = published.reason_reference.clone().unwrap();
    let built = DataRequest::new(
        Requested::Query("Condition?patient=cdex-example-patient&clinical-status=active,recurrance,remission".into()),
        {
            for_.display = None;
            for_
        },
        payer(),
        provider(),
        at("2020-10-26T02:58:55.179Z"),
    )
    .work_queue("claims-processing")
    .reason_reference(reason)
    .purpose_of_use(pou())
    .build()
    .unwrap();
    assert_eq!(json::to_string_pretty(&built), json::to_string_pretty(&published));
}
