//! End to end: cancellation and modification requests between a placer and a fulfiller — the
//! placer asks to cancel an in-progress Coordination Task (accepted once, rejected once), the
//! fulfiller proposes cancelling the placer's Request, the placer asks to modify the
//! Coordination Task, and the fulfiller proposes an alternative Request that the placer takes.
//! Every exchanged resource is in the snapshots; every Task version passes task-fsm's checks.

mod coord_support;

use coord_support::{at, History, Transcript};
use coordination::change_request::{self, ChangeKind, ChangeRequest};
use coordination::{codes, coordination_machine, transport, CoordinationTask, Error};
use fhir_model::{
    Primitive, Reference, RequestIntent, RequestPriority, RequestStatus, ServiceRequest, Task, TaskIntent, TaskStatus,
};
use task_fsm::{Actor, Event, RuleKind};

const PLACER: &str = "https://placer.example.org/fhir";
const LAB: &str = "https://lab.example.org/fhir";

fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

fn at_placer(path: &str) -> Reference {
    Reference {
        reference: Some(Primitive::new(format!("{PLACER}/{path}"))),
        ..Default::default()
    }
}

fn service_request(id: &str) -> ServiceRequest {
    let mut sr = ServiceRequest::new(
        RequestStatus::Active,
        RequestIntent::Order,
        Reference::to_type_id("Patient", "p1"),
    );
    sr.id = Some(Primitive::from(id));
    sr.code = Some(codes::concept("http://loinc.org", "2345-7"));
    sr
}

/// A Coordination Task at the lab, accepted and in progress.
fn in_progress_coordination(history: &mut Option<History>) -> Task {
    let machine = coordination_machine().unwrap();
    let mut task = CoordinationTask::new(
        at_placer("ServiceRequest/sr-1"),
        at_placer("Organization/placer"),
        at("2024-05-01T09:00:00Z"),
    )
    .id("coord-1")
    .identifier("https://placer.example.org/cpoe", "f085e001")
    .owner(org("lab"))
    .build()
    .unwrap();
    let mut h = History::new(machine, &task);
    for (event, time) in [(Event::Accept, "09:05"), (Event::Start, "09:10")] {
        coordination::change_status(
            &mut task,
            machine,
            &Actor::OWNER,
            &at(&format!("2024-05-01T{time}:00Z")),
            event.into(),
        )
        .unwrap();
        h.record(Actor::OWNER, &task);
    }
    *history = Some(h);
    task
}

#[test]
fn placer_initiated_cancellation_after_work_began() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();
    let mut coord_history = None;
    let mut coord = in_progress_coordination(&mut coord_history);
    let mut coord_history = coord_history.unwrap();

    // First request: rejected, work continues.
    let mut first = ChangeRequest::cancel(
        Reference::to_type_id("Task", "coord-1"),
        at_placer("Organization/placer"),
        at("2024-05-02T08:00:00Z"),
    )
    .id("cancel-1")
    .identifier("https://placer.example.org/cpoe", "e5ffec7e")
    .owner(org("lab"))
    .reason("Duplicate order")
    .build()
    .unwrap();
    let mut first_history = History::new(machine, &first);
    log.step("placer -> lab: request cancellation of the in-progress Coordination Task");
    log.request(&transport::create(LAB, &first).unwrap());
    change_request::reject(&mut first, "Specimen already in analysis", &at("2024-05-02T08:10:00Z")).unwrap();
    first_history.record(Actor::OWNER, &first);
    let err = change_request::cancel_target(&first, &mut coord, machine, &Actor::OWNER, &at("2024-05-02T08:11:00Z"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected accepted (the change was agreed), found rejected"),
        "{err}"
    );
    assert_eq!(coord.status, TaskStatus::InProgress);
    log.step("lab: rejects it; execution continues");
    log.request(&transport::update(LAB, &first).unwrap());

    // Second request: accepted, the lab cancels the Coordination Task; the placer revokes its order.
    let mut second = ChangeRequest::cancel(
        Reference::to_type_id("Task", "coord-1"),
        at_placer("Organization/placer"),
        at("2024-05-02T09:00:00Z"),
    )
    .id("cancel-2")
    .identifier("https://placer.example.org/cpoe", "e5ffec7f")
    .owner(org("lab"))
    .reason("Patient transferred to another facility")
    .build()
    .unwrap();
    assert_eq!(change_request::kind(&second).unwrap(), ChangeKind::Cancel);
    log.step("placer -> lab: second request; the lab accepts it and cancels the Coordination Task");
    log.request(&transport::create(LAB, &second).unwrap());
    let mut second_history = History::new(machine, &second);
    change_request::accept(&mut second, &at("2024-05-02T09:05:00Z")).unwrap();
    second_history.record(Actor::OWNER, &second);
    change_request::cancel_target(&second, &mut coord, machine, &Actor::OWNER, &at("2024-05-02T09:06:00Z")).unwrap();
    coord_history.record(Actor::OWNER, &coord);
    assert_eq!(coord.status, TaskStatus::Cancelled);
    assert_eq!(
        coord.status_reason,
        Some(codes::text("Patient transferred to another facility"))
    );
    let mut order = service_request("sr-1");
    change_request::revoke(&mut order).unwrap();
    assert_eq!(order.status, RequestStatus::Revoked);
    assert!(
        change_request::revoke(&mut order).is_err(),
        "a revoked request cannot be revoked again"
    );
    log.request(&transport::update(LAB, &second).unwrap());
    log.request(&transport::update(LAB, &coord).unwrap());
    log.step("placer: revokes its ServiceRequest");
    log.request(&transport::update(PLACER, &order).unwrap());

    for h in [&coord_history, &first_history, &second_history] {
        h.assert_valid();
    }
    insta::assert_snapshot!(log.finish());
}

#[test]
fn fulfiller_proposes_cancelling_the_request_and_the_placer_revokes_it() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();
    let mut order = service_request("sr-9");
    let mut proposal = ChangeRequest::cancel(at_placer("ServiceRequest/sr-9"), org("lab"), at("2024-05-01T12:00:00Z"))
        .id("auth-cancel-1")
        .identifier("https://lab.example.org/tasks", "62f22c58")
        .owner(at_placer("Organization/placer"))
        .reason("Contraindicated: patient on anticoagulants")
        .proposal()
        .build()
        .unwrap();
    assert_eq!(proposal.intent, TaskIntent::Proposal);
    let mut history = History::new(machine, &proposal);
    log.step("lab -> placer: proposal to cancel the authorizing Request");
    log.request(&transport::create(PLACER, &proposal).unwrap());
    // Not yet agreed: nothing happens to the Request.
    assert!(change_request::revoke_service_request(&proposal, &mut order).is_err());
    change_request::accept(&mut proposal, &at("2024-05-01T12:30:00Z")).unwrap();
    history.record(Actor::OWNER, &proposal);
    // A request about another ServiceRequest is not this one's.
    let mut other = service_request("sr-other");
    let err = change_request::revoke_service_request(&proposal, &mut other).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a reference to ServiceRequest/sr-other"),
        "{err}"
    );
    change_request::revoke_service_request(&proposal, &mut order).unwrap();
    assert_eq!(order.status, RequestStatus::Revoked);
    log.step("placer: accepts the proposal and revokes its Request");
    log.request(&transport::update(PLACER, &proposal).unwrap());
    log.request(&transport::update(PLACER, &order).unwrap());
    history.assert_valid();
    insta::assert_snapshot!(log.finish());
}

#[test]
fn placer_modifies_the_coordination_task_and_an_intent_change_is_refused() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();
    let mut coord_history = None;
    let mut coord = in_progress_coordination(&mut coord_history);
    let mut coord_history = coord_history.unwrap();

    let mut proposed = coord.clone();
    proposed.id = Some(Primitive::from("proposed"));
    proposed.priority = Some(RequestPriority::Urgent.into());
    proposed.description = Some(Primitive::from("Result needed before surgery on 2024-05-03"));
    let mut modify = ChangeRequest::modify(
        Reference::to_type_id("Task", "coord-1"),
        Reference {
            reference: Some(Primitive::from("#proposed")),
            ..Default::default()
        },
        at_placer("Organization/placer"),
        at("2024-05-01T10:00:00Z"),
    )
    .id("modify-1")
    .identifier("https://placer.example.org/cpoe", "m-1")
    .owner(org("lab"))
    .contained(proposed.clone())
    .reason("Surgery moved earlier")
    .build()
    .unwrap();
    assert_eq!(change_request::kind(&modify).unwrap(), ChangeKind::Modify);
    let mut history = History::new(machine, &modify);
    log.step("placer -> lab: request to modify the Coordination Task (proposed version contained)");
    log.request(&transport::create(LAB, &modify).unwrap());

    change_request::accept(&mut modify, &at("2024-05-01T10:05:00Z")).unwrap();
    history.record(Actor::OWNER, &modify);
    // The proposal must be the one the request refers to.
    let mut wrong = proposed.clone();
    wrong.id = Some(Primitive::from("something-else"));
    assert!(change_request::modify_target(
        &modify,
        &mut coord,
        &wrong,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T10:06:00Z")
    )
    .is_err());
    // A proposal that changes the intent is refused by task-fsm (intent is immutable).
    let mut bad = proposed.clone();
    bad.intent = TaskIntent::Plan.into();
    let before = coord.clone();
    match change_request::modify_target(
        &modify,
        &mut coord,
        &bad,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T10:06:00Z"),
    ) {
        Err(Error::Refused { violations, .. }) => {
            assert_eq!(violations.len(), 1);
            assert_eq!(violations[0].path, "Task.intent");
            assert_eq!(violations[0].rule, RuleKind::Immutable);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(coord, before);
    change_request::modify_target(
        &modify,
        &mut coord,
        &proposed,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T10:06:00Z"),
    )
    .unwrap();
    coord_history.record(Actor::OWNER, &coord);
    assert_eq!(coord.id, Some(Primitive::from("coord-1")));
    assert_eq!(coord.priority, Some(RequestPriority::Urgent.into()));
    assert_eq!(coord.status, TaskStatus::InProgress);
    log.step("lab: accepts and applies the modification");
    log.request(&transport::update(LAB, &modify).unwrap());
    log.request(&transport::update(LAB, &coord).unwrap());

    coord_history.assert_valid();
    history.assert_valid();
    insta::assert_snapshot!(log.finish());
}

#[test]
fn fulfiller_proposes_an_alternative_request_that_replaces_the_original() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();
    let mut original = service_request("ct-head");
    let mut alternative = service_request("mri-head-proposal");
    alternative.intent = RequestIntent::Proposal.into();
    alternative.code = Some(codes::text("MRI head without contrast"));
    let mut modify = ChangeRequest::modify(
        at_placer("ServiceRequest/ct-head"),
        Reference {
            reference: Some(Primitive::from(
                "https://radiology.example.org/fhir/ServiceRequest/mri-head-proposal",
            )),
            ..Default::default()
        },
        org("radiology"),
        at("2024-05-01T10:00:00Z"),
    )
    .id("alt-1")
    .identifier("https://radiology.example.org/tasks", "alt-1")
    .owner(at_placer("Organization/placer"))
    .reason("Patient has a contrast allergy; MRI proposed")
    .proposal()
    .build()
    .unwrap();
    let mut history = History::new(machine, &modify);
    log.step("radiology -> placer: proposal to replace the Request with an alternative");
    log.resource(
        "ServiceRequest/mri-head-proposal (on the radiology server)",
        &alternative,
    );
    log.request(&transport::create(PLACER, &modify).unwrap());
    change_request::accept(&mut modify, &at("2024-05-01T11:00:00Z")).unwrap();
    history.record(Actor::OWNER, &modify);
    let replacement =
        change_request::replace_service_request(&modify, &mut original, &alternative, "mri-head").unwrap();
    assert_eq!(original.status, RequestStatus::Revoked);
    assert_eq!(replacement.intent, RequestIntent::Order);
    assert_eq!(replacement.status, RequestStatus::Active);
    assert_eq!(
        replacement.replaces,
        vec![Reference::to_type_id("ServiceRequest", "ct-head")]
    );
    assert_eq!(
        replacement.based_on[0].reference_str(),
        Some("https://radiology.example.org/fhir/ServiceRequest/mri-head-proposal")
    );
    log.step("placer: accepts; new Request replacing the original, which is revoked");
    log.request(&transport::update(PLACER, &modify).unwrap());
    log.request(&transport::update(PLACER, &original).unwrap());
    log.request(&transport::create(PLACER, &replacement).unwrap());
    history.assert_valid();
    insta::assert_snapshot!(log.finish());
}

#[test]
fn change_requests_refuse_targets_the_profile_does_not_allow() {
    let err = ChangeRequest::cancel(Reference::to_type_id("Patient", "p1"), org("placer"), at("2024-05-01"))
        .identifier("s", "v")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Task.focus: expected a reference to a Task or one of ServiceRequest, DeviceRequest, MedicationRequest, \
         NutritionOrder, SupplyRequest, VisionPrescription, found a reference to Patient"
    );
    let not_a_change = Task::new(TaskStatus::Requested, TaskIntent::Order);
    assert!(change_request::kind(&not_a_change).is_err());
    assert!(change_request::proposed_version(&not_a_change).is_err());
}
