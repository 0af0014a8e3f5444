//! End to end: solicited communication with a Task (seed 003) — the Information Request Sender
//! (a payer) creates a CommunicationRequest and pushes a Task to the Information Request
//! Recipient (a provider), which works on it, sends two Communications and closes the Task.
//! Either side then finds the others through the links. Every exchanged resource is in the
//! snapshot; every Task version passes task-fsm's checks.

mod coord_support;

use coord_support::{at, History, Transcript};
use coordination::solicited::{self, Answer, InformationRequest, Links};
use coordination::transport;
use coordination::{codes, coordination_machine};
use fhir_model::{Communication, Primitive, Reference, TaskStatus};
use task_fsm::{Actor, Event};

const PAYER: &str = "https://payer.example.org/fhir";
const PROVIDER: &str = "https://provider.example.org/fhir";

fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

#[test]
fn a_communication_request_with_its_task_is_answered_twice_and_closed() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();

    let request = InformationRequest::new(
        "cr-1",
        ("https://payer.example.org/requests", "REQ-2024-001"),
        Reference::to_type_id("Patient", "p1"),
        org("payer"),
        org("provider"),
        org("payer"),
        at("2024-05-01T09:00:00Z"),
    )
    .text("Operative note and discharge summary for the knee replacement of April 2024")
    .about(Reference::to_type_id("Claim", "claim-77"))
    .category(codes::concept(
        "http://example.org/fhir/communication-category",
        "attachment",
    ))
    .build()
    .unwrap();
    let mut task = solicited::request_task(
        &request,
        Some(PAYER),
        "crt-1",
        ("https://payer.example.org/tasks", "T-2024-001"),
        &at("2024-05-01T09:00:00Z"),
    )
    .unwrap();
    let mut history = History::new(machine, &task);
    assert_eq!(
        task.focus.as_ref().and_then(|f| f.reference_str()),
        Some("https://payer.example.org/fhir/CommunicationRequest/cr-1")
    );
    assert_eq!(task.owner, Some(org("provider")));
    log.step("sender: the CommunicationRequest stays on the sender's server; the Task is pushed to the recipient");
    log.request(&transport::create(PAYER, &request).unwrap());
    log.request(&transport::create(PROVIDER, &task).unwrap());

    // The recipient decides to do it and starts.
    for (event, time) in [(Event::Accept, "09:30"), (Event::Start, "10:00")] {
        coordination::change_status(
            &mut task,
            machine,
            &Actor::OWNER,
            &at(&format!("2024-05-01T{time}:00Z")),
            event.into(),
        )
        .unwrap();
        history.record(Actor::OWNER, &task);
    }

    // Two answers as the information becomes available; the Task stays open in between.
    let first = Answer::to(
        &request,
        Some(PAYER),
        "com-1",
        ("https://provider.example.org/communications", "C-1"),
        at("2024-05-02T08:00:00Z"),
    )
    .unwrap()
    .part_of(&task, Some(PROVIDER))
    .unwrap()
    .payload_reference(Reference::to_type_id("DocumentReference", "op-note"))
    .build()
    .unwrap();
    let second = Answer::to(
        &request,
        Some(PAYER),
        "com-2",
        ("https://provider.example.org/communications", "C-2"),
        at("2024-05-03T08:00:00Z"),
    )
    .unwrap()
    .part_of(&task, Some(PROVIDER))
    .unwrap()
    .text("Discharge summary attached")
    .in_response_to(Reference::to_type_id("Communication", "com-1"))
    .build()
    .unwrap();
    assert_eq!(task.status, TaskStatus::InProgress);
    log.step("recipient -> information recipient: two Communications, each linked to the request and the Task");
    log.request(&transport::create(PAYER, &first).unwrap());
    log.request(&transport::create(PAYER, &second).unwrap());

    solicited::complete_task(&mut task, &[&first, &second], Some(PAYER), &at("2024-05-03T08:05:00Z")).unwrap();
    history.record(Actor::OWNER, &task);
    log.step("recipient: closes the Task with the Communications as outputs");
    log.request(&transport::update(PROVIDER, &task).unwrap());
    history.assert_valid();

    // Following the links, from every side.
    let requests = [request.clone()];
    let tasks = [task.clone()];
    let answers = [first.clone(), second.clone()];
    let links = Links::new(&requests, &tasks, &answers);
    assert_eq!(links.tasks_of_request(&request).len(), 1);
    assert_eq!(links.answers_to_request(&request).len(), 2);
    assert_eq!(
        links.request_of_task(&task).map(|r| r.id.clone()),
        Some(request.id.clone())
    );
    assert_eq!(links.answers_of_task(&task).len(), 2);
    assert_eq!(
        first.part_of[0].reference_str(),
        Some("https://provider.example.org/fhir/Task/crt-1")
    );
    assert_eq!(first.based_on[0].identifier.as_deref(), request.identifier.first());
    assert_eq!(
        links.request_of_answer(&second).map(|r| r.id.clone()),
        Some(request.id.clone())
    );
    assert_eq!(
        links.task_of_answer(&first).map(|t| t.id.clone()),
        Some(task.id.clone())
    );

    // An answer that names the request only by its business identifier is still found.
    let mut by_identifier = Communication::new(fhir_model::EventStatus::Completed);
    by_identifier.id = Some(Primitive::from("com-3"));
    by_identifier.based_on.push(Reference {
        type_: Some(Primitive::from("CommunicationRequest")),
        ..Reference::to_identifier("https://payer.example.org/requests", "REQ-2024-001")
    });
    let answers = [by_identifier.clone()];
    let links = Links::new(&requests, &tasks, &answers);
    assert_eq!(links.answers_to_request(&request).len(), 1);
    assert!(links.task_of_answer(&by_identifier).is_none());

    log.step("either side: the searches that find the Task and the answers of the request");
    for r in solicited::find_linked(PROVIDER, PAYER, &request, Some(PAYER)).unwrap() {
        log.request(&r);
    }
    insta::assert_snapshot!(log.finish());
}

fn no_id_task() -> fhir_model::Task {
    fhir_model::Task::new(TaskStatus::Requested, fhir_model::TaskIntent::Order)
}

#[test]
fn requests_and_answers_need_content_and_ids() {
    let bare = InformationRequest::new(
        "cr-2",
        ("urn:ietf:rfc:3986", "urn:uuid:2"),
        Reference::to_type_id("Patient", "p"),
        org("a"),
        org("b"),
        org("a"),
        at("2024-05-01"),
    );
    assert_eq!(
        bare.clone().build().unwrap_err().to_string(),
        "CommunicationRequest.payload: expected what information is requested (seed 003: \"includes the kind of information requested\"), found none"
    );
    let request = bare
        .payload_reference(Reference::to_type_id("Questionnaire", "q"))
        .also_to(org("c"))
        .build()
        .unwrap();
    assert_eq!(request.recipient.len(), 2);
    let err = Answer::to(&request, None, "c", ("s", "v"), at("2024-05-02"))
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Communication.payload: expected the information sent, found none"
    );
    let attachment = Answer::to(&request, None, "c", ("s", "v"), at("2024-05-02"))
        .unwrap()
        .text("see attached")
        .build()
        .unwrap();
    assert_eq!(
        attachment.based_on[0].reference_str(),
        Some("CommunicationRequest/cr-2")
    );
    assert!(attachment.part_of.is_empty());
    let mut no_id = request.clone();
    no_id.id = None;
    assert!(solicited::request_reference(&no_id, None).is_err());
    assert!(solicited::find_linked(PROVIDER, PAYER, &no_id, None).is_err());
    assert!(Answer::to(&request, None, "c", ("s", "v"), at("2024-05-02"))
        .unwrap()
        .part_of(&no_id_task(), None)
        .is_err());
    let mut task = solicited::request_task(&request, None, "t", ("s", "t"), &at("2024-05-01")).unwrap();
    // Closing without having started is refused by the machine; closing with nothing sent too.
    assert!(solicited::complete_task(&mut task, &[&attachment], None, &at("2024-05-02")).is_err());
    assert!(solicited::complete_task(&mut task, &[], None, &at("2024-05-02")).is_err());
    assert_eq!(task.status, TaskStatus::Requested);
}
