//! The examples of `coordination/README.md`, compiled and run; and a check that the README shows
//! exactly this code (each block below, between the `README` markers, is the README block indented
//! by four spaces).

use coordination::bidding::{self, Candidate};
use coordination::change_request::{self, ChangeRequest};
use coordination::data_request::{self, DataRequest, PollOutcome, Requested};
use coordination::rollup::{self, Overall, RollupRule};
use coordination::solicited::{self, Answer, InformationRequest, Links};
use coordination::{
    change_status, codes, coordination_machine, ownership, transport, CoordinationTask, PollSchedule, SubTask, TaskTree,
};
use fhir_model::{DateTime, Reference, Task, TaskIntent, TaskOutput, TaskOutputValue, TaskStatus};
use task_fsm::{Actor, Event};

type Result = std::result::Result<(), Box<dyn std::error::Error>>;

fn at(text: &str) -> DateTime {
    text.parse().expect("dateTime")
}

fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

#[test]
fn coordination_task_sub_tasks_roll_up() -> Result {
    let specimen_output = TaskOutput::new(
        codes::text("Specimen"),
        TaskOutputValue::Reference(Box::new(Reference::to_type_id("Specimen", "s1"))),
    );
    // README
    let (machine, owner) = (coordination_machine()?, Actor::OWNER);
    let request = Reference::to_type_id("ServiceRequest", "glucose");
    let mut coord = CoordinationTask::new(request, org("placer"), at("2024-05-01T09:00:00Z"))
        .id("coord-1")
        .identifier("https://placer.example.org/cpoe", "f085e001")
        .also_focus(Reference::to_type_id("ServiceRequest", "hba1c")) // multi-focus extension
        .owner(org("lab"))
        .build()?;
    let post = transport::create("https://lab.example.org/fhir", &coord)?; // POST [base]/Task
    let t = at("2024-05-01T09:05:00Z");
    change_status(&mut coord, machine, &owner, &t, Event::Accept.into())?;
    change_status(&mut coord, machine, &owner, &t, Event::Start.into())?;

    let mut draw = SubTask::of(&coord, codes::text("Collect specimen"), org("lab"), t.clone())?
        .id("draw")
        .build()?; // partOf Task/coord-1
    for event in [Event::Accept, Event::Start, Event::complete([specimen_output])] {
        change_status(&mut draw, machine, &owner, &t, event.into())?;
    }
    let tasks = [coord.clone(), draw.clone()];
    let tree = TaskTree::build(&tasks)?; // cycles and dangling partOf are errors
    let roll = rollup::roll_up(&tree.children("coord-1"), &RollupRule::default());
    assert_eq!(roll.overall, Overall::Completable);
    rollup::apply(&mut coord, &roll, machine, &owner, &at("2024-05-01T10:05:00Z"))?;
    assert_eq!(coord.status, TaskStatus::Completed); // with the sub-task's outputs linked
                                                     // README
    assert_eq!(post.uri, "https://lab.example.org/fhir/Task");
    assert_eq!(coord.output.len(), 1);
    Ok(())
}

#[test]
fn owner_and_performers() -> Result {
    let machine = coordination_machine()?;
    let mut task = Task::new(TaskStatus::InProgress, TaskIntent::Order);
    task.owner = Some(org("lab-a"));
    // README
    let t = at("2024-05-02T08:00:00Z");
    ownership::hand_over(&mut task, machine, &Actor::REQUESTER, org("lab-b"), None, &t)?;
    assert_eq!(task.owner, Some(org("lab-b")));
    // the previous owner, as R5 Task.performer in an R4 extension
    assert_eq!(ownership::performers(&task)?[0].actor, org("lab-a"));
    // README
    Ok(())
}

#[test]
fn bidding() -> Result {
    let order = Reference::to_type_id("ServiceRequest", "home-oxygen");
    // README
    let (t, system) = (at("2024-05-01T09:00:00Z"), "https://placer.example.org/bids");
    let candidates = [
        Candidate::new("bid-a", system, "7a", org("a")),
        Candidate::new("bid-b", system, "7b", org("b")),
    ];
    let mut bids = bidding::invite(&order, &org("placer"), None, (system, "round-7"), &candidates, &t)?;
    bidding::accept_bid(&mut bids[0], vec![], Some("can deliver in 2 days"), &t)?; // candidate A
    let award = bidding::award(&mut bids, "bid-a", &t)?; // the placer
    assert_eq!(award.cancelled, ["bid-b"]); // statusReason "not selected"
                                            // README
    Ok(())
}

#[test]
fn cancellation_request() -> Result {
    let machine = coordination_machine()?;
    let mut in_progress = CoordinationTask::new(
        Reference::to_type_id("ServiceRequest", "sr"),
        org("placer"),
        at("2024-05-01T09:00:00Z"),
    )
    .id("coord-1")
    .identifier("urn:ietf:rfc:3986", "urn:uuid:1")
    .build()?;
    change_status(
        &mut in_progress,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:05:00Z"),
        Event::Accept.into(),
    )?;
    change_status(
        &mut in_progress,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:06:00Z"),
        Event::Start.into(),
    )?;
    // README
    let t = at("2024-05-02T09:00:00Z");
    let mut cancel = ChangeRequest::cancel(Reference::to_type_id("Task", "coord-1"), org("placer"), t.clone())
        .identifier("https://placer.example.org/cpoe", "c-1")
        .reason("Patient transferred")
        .build()?; // code task-code#abort, focus the Coordination Task
    change_request::accept(&mut cancel, &t)?; // the filler agrees ...
    change_request::cancel_target(&cancel, &mut in_progress, machine, &Actor::OWNER, &t)?; // ... and cancels
    assert_eq!(in_progress.status, TaskStatus::Cancelled);
    // README
    Ok(())
}

#[test]
fn data_request() -> Result {
    // README
    let id = |system, value| Reference::to_identifier(system, value);
    let (task, post) = DataRequest::new(
        Requested::Query("Condition?patient=123&clinical-status=active".into()),
        id("http://example.org/member-ids", "Member123"),   // for
        id("http://example.org/payer-ids", "Payer123"),     // requester
        id("http://hl7.org/fhir/sid/us-npi", "9941339108"), // owner
        at("2024-05-01T09:00:00Z"),
    )
    .work_queue("claims-processing")
    .post("https://provider.example.org/fhir")?; // payer: POST [base]/Task

    let mut task = Task {
        id: Some("t1".into()),
        ..task
    }; // the provider's server names it
    let t = at("2024-05-01T09:01:00Z");
    data_request::accept(&mut task, &t)?;
    data_request::start(&mut task, None, &t)?;
    data_request::hold_for_review(&mut task, "needs approval", None, &t)?;

    let schedule = PollSchedule::cdex(); // 1 min, every 5 min for 30 min, then hourly
    match data_request::interpret(&task, &at("2024-05-01T09:10:00Z"), &schedule)? {
        PollOutcome::KeepPolling { next_poll, .. } => assert_eq!(next_poll, at("2024-05-01T09:15:00Z")),
        other => panic!("{other:?}"),
    }

    data_request::resume(&mut task, None, &t)?;
    data_request::complete_with_references(&mut task, vec![Reference::to_type_id("Condition", "858")], &t)?;
    let PollOutcome::Fetch { fetches, .. } = data_request::interpret(&task, &t, &schedule)? else {
        panic!("completed")
    };
    let get = fetches[0].request("https://provider.example.org/fhir")?;
    assert_eq!(get.uri, "https://provider.example.org/fhir/Condition/858");
    // README
    assert_eq!(post.method, http::Method::POST);
    Ok(())
}

#[test]
fn solicited_communication() -> Result {
    let machine = coordination_machine()?;
    // README
    let (t, owner) = (at("2024-05-01T09:00:00Z"), Actor::OWNER);
    let ask = ("https://payer.example.org/requests", "REQ-1");
    let patient = Reference::to_type_id("Patient", "p1");
    // the payer asks the provider to send information to the payer
    let request = InformationRequest::new(
        "cr-1",
        ask,
        patient,
        org("payer"),
        org("provider"),
        org("payer"),
        t.clone(),
    )
    .text("Operative note for the April knee replacement")
    .build()?;
    let mut task = solicited::request_task(&request, None, "crt-1", ("https://payer.example.org/tasks", "T-1"), &t)?;
    change_status(&mut task, machine, &owner, &t, Event::Accept.into())?;
    change_status(&mut task, machine, &owner, &t, Event::Start.into())?;
    let answer = Answer::to(
        &request,
        None,
        "com-1",
        ("https://provider.example.org/com", "C-1"),
        t.clone(),
    )?
    .part_of(&task, None)?
    .payload_reference(Reference::to_type_id("DocumentReference", "op-note"))
    .build()?; // basedOn the request (reference + identifier), partOf the Task
    solicited::complete_task(&mut task, &[&answer], None, &t)?;

    let (requests, tasks, answers) = ([request], [task], [answer]);
    let links = Links::new(&requests, &tasks, &answers);
    assert_eq!(links.answers_to_request(&requests[0]).len(), 1);
    assert_eq!(
        links.task_of_answer(&answers[0]).and_then(|t| t.id.clone()),
        Some("crt-1".into())
    );
    // README
    Ok(())
}

/// Every rust block of the README's pattern section is one of the marked blocks above, and
/// every marked block above is in the README.
#[test]
fn the_readme_shows_this_code() {
    let readme = include_str!("../README.md");
    let this = include_str!("readme.rs");
    let start = readme
        .find("<!-- coordination-patterns:start -->")
        .expect("start marker");
    let end = readme.find("<!-- coordination-patterns:end -->").expect("end marker");
    let section = &readme[start..end];
    let readme_blocks: Vec<String> = section
        .split("```rust\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default().trim_end().to_owned())
        .collect();
    let marker = "    // README\n";
    let test_blocks: Vec<String> = this
        .split(marker)
        .skip(1)
        .step_by(2)
        .map(|b| {
            b.lines()
                .map(|l| l.strip_prefix("    ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
                .trim_end()
                .to_owned()
        })
        .collect();
    assert_eq!(readme_blocks.len(), 6);
    assert_eq!(readme_blocks, test_blocks);
}
