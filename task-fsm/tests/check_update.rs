//! `check_update` and `check_create`: one negative test per rule, asserting the element path,
//! the rule, the severity and the reason; and the updates that must pass.

use fhir_model::{
    Annotation, CodeableConcept, Coded, DateTime, Primitive, Reference, Task, TaskIntent, TaskOutput, TaskOutputValue,
    TaskStatus,
};
use task_fsm::{builtin, check_create, check_update, Actor, RuleKind, Severity, Violation};

fn task(status: TaskStatus) -> Task {
    let mut t = Task::new(status, TaskIntent::Order);
    t.id = Some("t1".into());
    t.requester = Some(Reference::to_type_id("Organization", "source"));
    t.owner = Some(Reference::to_type_id("Organization", "target"));
    t.authored_on = Some(Primitive::new(dt("2024-05-01T08:00:00Z")));
    t.last_modified = Some(Primitive::new(dt("2024-05-01T09:00:00Z")));
    t
}

fn dt(text: &str) -> DateTime {
    text.parse().unwrap()
}

fn moved(before: &Task, to: TaskStatus) -> Task {
    let mut after = before.clone();
    after.status = to.into();
    after.last_modified = Some(Primitive::new(dt("2024-05-01T10:00:00Z")));
    after
}

fn reason(text: &str) -> Option<CodeableConcept> {
    Some(CodeableConcept {
        text: Some(text.into()),
        ..Default::default()
    })
}

fn output() -> TaskOutput {
    TaskOutput::new(
        CodeableConcept {
            text: Some("result".into()),
            ..Default::default()
        },
        TaskOutputValue::Reference(Box::new(Reference::to_type_id("Bundle", "results"))),
    )
}

fn check(machine: &str, before: &Task, after: &Task, actor: &Actor) -> Vec<Violation> {
    check_update(before, after, actor, builtin(machine).unwrap())
}

/// Asserts exactly one violation and returns it.
fn single(v: Vec<Violation>) -> Violation {
    assert_eq!(v.len(), 1, "{v:#?}");
    v.into_iter().next().unwrap()
}

#[test]
fn a_legal_update_has_no_violation() {
    let before = task(TaskStatus::Requested);
    let after = moved(&before, TaskStatus::Accepted);
    assert_eq!(check("sdoh-referral", &before, &after, &Actor::OWNER), []);
}

#[test]
fn a_transition_the_machine_lacks_is_illegal() {
    let before = task(TaskStatus::Requested);
    let v = single(check(
        "sdoh-referral",
        &before,
        &moved(&before, TaskStatus::InProgress),
        &Actor::OWNER,
    ));
    assert_eq!(
        (v.path.as_str(), v.rule, v.severity),
        ("Task.status", RuleKind::IllegalTransition, Severity::Error)
    );
    assert_eq!(
        v.reason,
        "machine sdoh-referral has no transition requested -> in-progress \
         (from requested it allows: accepted, rejected, cancelled, entered-in-error)"
    );
}

#[test]
fn a_transition_by_the_wrong_actor_is_refused() {
    let before = task(TaskStatus::Requested);
    let v = single(check(
        "sdoh-referral",
        &before,
        &moved(&before, TaskStatus::Accepted),
        &Actor::REQUESTER,
    ));
    assert_eq!((v.path.as_str(), v.rule), ("Task.status", RuleKind::ActorNotPermitted));
    assert_eq!(v.reason, "requested -> accepted may be made by owner, not by requester");
    assert!(v.source.contains("SDOH-RM-intro"), "{}", v.source);
}

#[test]
fn an_undeclared_actor_is_refused() {
    let before = task(TaskStatus::Requested);
    let v = single(check(
        "cdex-data-request",
        &before,
        &moved(&before, TaskStatus::Accepted),
        &Actor::new("payer-bot"),
    ));
    assert_eq!(v.rule, RuleKind::ActorNotPermitted);
    assert!(v.reason.contains("actor payer-bot is not declared"), "{}", v.reason);
}

#[test]
fn leaving_a_terminal_state_is_illegal() {
    let mut before = task(TaskStatus::Completed);
    before.output.push(output());
    let v = single(check(
        "cdex-data-request",
        &before,
        &moved(&before, TaskStatus::InProgress),
        &Actor::OWNER,
    ));
    assert_eq!((v.path.as_str(), v.rule), ("Task.status", RuleKind::IllegalTransition));
    assert_eq!(
        v.reason,
        "completed is a terminal state of machine cdex-data-request; it has no transition to in-progress"
    );
}

#[test]
fn a_status_outside_the_machine_is_reported() {
    let before = task(TaskStatus::Requested);
    let v = single(check(
        "sdoh-referral",
        &before,
        &moved(&before, TaskStatus::Received),
        &Actor::OWNER,
    ));
    assert_eq!((v.path.as_str(), v.rule), ("Task.status", RuleKind::NotAState));
    assert!(v
        .reason
        .starts_with("status received after the update is not a state of machine sdoh-referral"));
}

#[test]
fn an_unknown_status_code_is_named() {
    let before = task(TaskStatus::Requested);
    let mut after = before.clone();
    after.status = Primitive::new(Coded::Unknown("done".into()));
    let v = single(check("r4-diagram", &before, &after, &Actor::OWNER));
    assert_eq!((v.path.as_str(), v.rule), ("Task.status", RuleKind::UnknownStatus));
    assert_eq!(v.reason, "unknown Task status code \"done\" after the update");
    after.status = Primitive::default();
    let v = single(check("r4-diagram", &before, &after, &Actor::OWNER));
    assert!(v.reason.contains("has no code after the update"), "{}", v.reason);
}

#[test]
fn cdex_requires_a_status_reason_on_reject_and_fail_and_an_output_on_completion() {
    let requested = task(TaskStatus::Requested);
    let v = single(check(
        "cdex-data-request",
        &requested,
        &moved(&requested, TaskStatus::Rejected),
        &Actor::OWNER,
    ));
    assert_eq!(
        (v.path.as_str(), v.rule, v.severity),
        ("Task.statusReason", RuleKind::RequiredOnEntry, Severity::Error)
    );
    assert_eq!(v.reason, "Task.statusReason is required on entering rejected");
    assert!(v.source.contains("tdr-2"));

    let in_progress = task(TaskStatus::InProgress);
    let v = single(check(
        "cdex-data-request",
        &in_progress,
        &moved(&in_progress, TaskStatus::Failed),
        &Actor::OWNER,
    ));
    assert_eq!(
        (v.path.as_str(), v.rule),
        ("Task.statusReason", RuleKind::RequiredOnEntry)
    );

    let v = single(check(
        "cdex-data-request",
        &in_progress,
        &moved(&in_progress, TaskStatus::Completed),
        &Actor::OWNER,
    ));
    assert_eq!(
        (v.path.as_str(), v.rule, v.severity),
        ("Task.output", RuleKind::RequiredOnEntry, Severity::Error)
    );
    assert!(v.source.contains("tdr-3"));

    let mut done = moved(&in_progress, TaskStatus::Completed);
    done.output.push(output());
    assert_eq!(check("cdex-data-request", &in_progress, &done, &Actor::OWNER), []);
}

#[test]
fn cdex_warns_about_an_output_on_failure() {
    let in_progress = task(TaskStatus::InProgress);
    let mut after = moved(&in_progress, TaskStatus::Failed);
    after.status_reason = reason("no matching results");
    after.output.push(output());
    let v = single(check("cdex-data-request", &in_progress, &after, &Actor::OWNER));
    assert_eq!(
        (v.path.as_str(), v.rule, v.severity),
        ("Task.output", RuleKind::ForbiddenOnEntry, Severity::Warning)
    );
    assert_eq!(v.reason, "Task.output must be absent (should) on entering failed");
}

#[test]
fn sdoh_referral_should_give_a_status_reason_text_when_cancelling() {
    let accepted = task(TaskStatus::Accepted);
    let mut after = moved(&accepted, TaskStatus::Cancelled);
    // a coded reason without text does not satisfy "statusReason.text should be included"
    after.status_reason = Some(CodeableConcept::default());
    let v = single(check("sdoh-referral", &accepted, &after, &Actor::REQUESTER));
    assert_eq!(
        (v.path.as_str(), v.rule, v.severity),
        ("Task.statusReason.text", RuleKind::RequiredOnEntry, Severity::Warning)
    );
    assert_eq!(
        v.reason,
        "Task.statusReason.text is required (should) on entering cancelled"
    );
    after.status_reason = reason("patient moved away");
    assert_eq!(check("sdoh-referral", &accepted, &after, &Actor::REQUESTER), []);
}

#[test]
fn intent_and_id_must_not_change() {
    let before = task(TaskStatus::InProgress);
    let mut after = before.clone();
    after.intent = TaskIntent::Plan.into();
    after.id = Some("t2".into());
    let v = check("r4-text", &before, &after, &Actor::OWNER);
    let got: Vec<(&str, RuleKind)> = v.iter().map(|v| (v.path.as_str(), v.rule)).collect();
    assert_eq!(
        got,
        [("Task.id", RuleKind::Immutable), ("Task.intent", RuleKind::Immutable)]
    );
    assert_eq!(v[1].reason, "Task.intent must not change once set");
    assert!(v[1].source.contains("This element is immutable"));
}

#[test]
fn a_patient_app_may_change_only_status_status_reason_and_output() {
    let before = task(TaskStatus::Ready);
    let mut after = moved(&before, TaskStatus::InProgress);
    after.note.push(Annotation {
        text: "I started".into(),
        ..Default::default()
    });
    after.owner = Some(Reference::to_type_id("RelatedPerson", "mother"));
    let v = check("sdoh-patient", &before, &after, &Actor::PATIENT_APP);
    let got: Vec<(&str, RuleKind)> = v.iter().map(|v| (v.path.as_str(), v.rule)).collect();
    assert_eq!(
        got,
        [
            ("Task.owner", RuleKind::OutsideEditScope),
            ("Task.note", RuleKind::OutsideEditScope)
        ]
    );
    assert_eq!(
        v[1].reason,
        "patient-app may change only status, statusReason, output, meta, lastModified; it changed note"
    );
    assert!(v[0].source.contains("SDOH-P-intro"));

    // within its scope: nothing to report
    let mut ok = moved(&before, TaskStatus::Completed);
    ok.output.push(output());
    ok.status_reason = reason("done");
    assert_eq!(check("sdoh-patient", &before, &ok, &Actor::PATIENT_APP), []);
    // the requester is not limited to those elements
    let mut by_requester = before.clone();
    by_requester.note.push(Annotation {
        text: "reminder sent".into(),
        ..Default::default()
    });
    assert_eq!(check("sdoh-patient", &before, &by_requester, &Actor::REQUESTER), []);
}

#[test]
fn a_patient_app_may_not_change_a_referral_task() {
    let before = task(TaskStatus::Accepted);
    let after = moved(&before, TaskStatus::Cancelled);
    let v = check("sdoh-referral", &before, &after, &Actor::PATIENT_APP);
    let got: Vec<(&str, RuleKind, Severity)> = v.iter().map(|v| (v.path.as_str(), v.rule, v.severity)).collect();
    assert_eq!(
        got,
        [
            ("Task.status", RuleKind::ActorNotPermitted, Severity::Error),
            ("Task.statusReason.text", RuleKind::RequiredOnEntry, Severity::Warning),
            ("Task.status", RuleKind::OutsideEditScope, Severity::Error),
            ("Task.lastModified", RuleKind::OutsideEditScope, Severity::Error),
        ]
    );
    assert_eq!(
        v[0].reason,
        "accepted -> cancelled may be made by requester or owner, not by patient-app"
    );
}

#[test]
fn last_modified_must_not_go_back() {
    let before = task(TaskStatus::InProgress);
    let mut after = before.clone();
    after.last_modified = Some(Primitive::new(dt("2024-05-01T08:30:00Z")));
    let v = single(check("r4-diagram", &before, &after, &Actor::OWNER));
    assert_eq!(
        (v.path.as_str(), v.rule),
        ("Task.lastModified", RuleKind::LastModifiedBackwards)
    );
    assert_eq!(
        v.reason,
        "lastModified goes back from 2024-05-01T09:00:00Z to 2024-05-01T08:30:00Z"
    );
    // the same instant in another zone is not earlier
    after.last_modified = Some(Primitive::new(dt("2024-05-01T11:00:00+02:00")));
    assert_eq!(check("r4-diagram", &before, &after, &Actor::OWNER), []);
    // a day-precision value overlapping the previous instant is not known to be earlier
    after.last_modified = Some(Primitive::new(dt("2024-05-01")));
    assert_eq!(check("r4-diagram", &before, &after, &Actor::OWNER), []);
    // a whole day before: earlier than before, and than authoredOn too
    after.last_modified = Some(Primitive::new(dt("2024-04-30")));
    let rules: Vec<RuleKind> = check("r4-diagram", &before, &after, &Actor::OWNER)
        .iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(
        rules,
        [RuleKind::LastModifiedBackwards, RuleKind::LastModifiedBeforeAuthoredOn]
    );
}

#[test]
fn last_modified_must_not_precede_authored_on() {
    let mut before = task(TaskStatus::InProgress);
    before.last_modified = None;
    let mut after = before.clone();
    after.last_modified = Some(Primitive::new(dt("2024-04-01T00:00:00Z")));
    let v = single(check("r4-diagram", &before, &after, &Actor::OWNER));
    assert_eq!(
        (v.path.as_str(), v.rule, v.source.as_str()),
        (
            "Task.lastModified",
            RuleKind::LastModifiedBeforeAuthoredOn,
            "R4-SD inv-1"
        )
    );
}

#[test]
fn business_status_alone_may_change_in_non_terminal_states_only() {
    let before = task(TaskStatus::InProgress);
    let mut after = before.clone();
    after.business_status = Some(CodeableConcept {
        text: Some("waiting on internal review".into()),
        ..Default::default()
    });
    assert_eq!(check("cdex-data-request", &before, &after, &Actor::OWNER), []);

    let mut done = task(TaskStatus::Completed);
    done.output.push(output());
    let mut after = done.clone();
    after.business_status = Some(CodeableConcept {
        text: Some("archived".into()),
        ..Default::default()
    });
    let v = single(check("cdex-data-request", &done, &after, &Actor::OWNER));
    assert_eq!(
        (v.path.as_str(), v.rule, v.severity),
        (
            "Task.businessStatus",
            RuleKind::TerminalBusinessStatus,
            Severity::Warning
        )
    );
}

#[test]
fn every_violation_is_reported_at_once() {
    let before = task(TaskStatus::Requested);
    let mut after = moved(&before, TaskStatus::Completed);
    after.intent = TaskIntent::Proposal.into();
    after.last_modified = Some(Primitive::new(dt("2024-05-01T07:00:00Z")));
    let v = check("cdex-data-request", &before, &after, &Actor::REQUESTER);
    let got: Vec<(&str, RuleKind)> = v.iter().map(|v| (v.path.as_str(), v.rule)).collect();
    assert_eq!(
        got,
        [
            ("Task.status", RuleKind::IllegalTransition),
            ("Task.output", RuleKind::RequiredOnEntry),
            ("Task.intent", RuleKind::Immutable),
            ("Task.lastModified", RuleKind::LastModifiedBackwards),
            ("Task.lastModified", RuleKind::LastModifiedBeforeAuthoredOn),
        ]
    );
}

#[test]
fn creation_must_be_in_an_initial_state() {
    let m = builtin("sdoh-referral").unwrap();
    assert_eq!(check_create(&task(TaskStatus::Requested), m), []);
    assert_eq!(check_create(&task(TaskStatus::Draft), m), []);
    let v = single(check_create(&task(TaskStatus::Accepted), m));
    assert_eq!((v.path.as_str(), v.rule), ("Task.status", RuleKind::NotInitial));
    assert_eq!(
        v.reason,
        "a new Task of machine sdoh-referral starts in draft, requested, not in accepted"
    );
    let v = single(check_create(&task(TaskStatus::Ready), m));
    assert_eq!(v.rule, RuleKind::NotAState);
}
