//! The typed event API: legal events edit the Task and stamp `lastModified` with the given
//! time; refused events leave it untouched and say why.

use fhir_model::{
    CodeableConcept, DateTime, Primitive, Reference, Task, TaskIntent, TaskOutput, TaskOutputValue, TaskStatus,
};
use task_fsm::{builtin, Actor, Error, Event, RuleKind, Severity};

fn at(minute: u32) -> DateTime {
    format!("2024-05-01T10:{minute:02}:00Z").parse().unwrap()
}

fn status(task: &Task) -> TaskStatus {
    task.status.value.as_ref().and_then(|c| c.known()).unwrap()
}

fn reason_text(task: &Task) -> Option<&str> {
    task.status_reason.as_ref()?.text.as_ref()?.value.as_deref()
}

fn last_modified(task: &Task) -> Option<&DateTime> {
    task.last_modified.as_ref()?.value.as_ref()
}

fn output(id: &str) -> TaskOutput {
    TaskOutput::new(
        CodeableConcept {
            text: Some("resulting-activity".into()),
            ..Default::default()
        },
        TaskOutputValue::Reference(Box::new(Reference::to_type_id("Procedure", id))),
    )
}

#[test]
fn a_referral_goes_through_its_life() {
    let m = builtin("sdoh-referral").unwrap();
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    let owner = Actor::OWNER;

    let applied = m.apply(&mut task, Event::Accept, &owner, &at(1)).unwrap();
    assert_eq!(
        (applied.from, applied.to),
        (TaskStatus::Requested, TaskStatus::Accepted)
    );
    assert_eq!(applied.warnings, []);
    assert_eq!(last_modified(&task), Some(&at(1)));

    m.apply(&mut task, Event::Start, &owner, &at(2)).unwrap();
    let held = m
        .apply(
            &mut task,
            Event::Hold {
                reason: Some("client unreachable".into()),
            },
            &owner,
            &at(3),
        )
        .unwrap();
    assert_eq!(held.warnings, []);
    assert_eq!(
        (status(&task), reason_text(&task)),
        (TaskStatus::OnHold, Some("client unreachable"))
    );

    m.apply(&mut task, Event::Resume, &owner, &at(4)).unwrap();
    // statusReason explains the current status only (R4-SD), so it goes with the hold
    assert_eq!((status(&task), reason_text(&task)), (TaskStatus::InProgress, None));

    m.apply(&mut task, Event::complete([output("p1"), output("p2")]), &owner, &at(5))
        .unwrap();
    assert_eq!(status(&task), TaskStatus::Completed);
    assert_eq!(task.output.len(), 2);
    assert_eq!(last_modified(&task), Some(&at(5)));
}

#[test]
fn reasons_go_to_status_reason_text() {
    let m = builtin("sdoh-referral").unwrap();
    let mut rejected = Task::new(TaskStatus::Requested, TaskIntent::Order);
    m.apply(&mut rejected, Event::reject("no capacity"), &Actor::OWNER, &at(1))
        .unwrap();
    assert_eq!(
        (status(&rejected), reason_text(&rejected)),
        (TaskStatus::Rejected, Some("no capacity"))
    );

    let mut cancelled = Task::new(TaskStatus::Accepted, TaskIntent::Order);
    m.apply(
        &mut cancelled,
        Event::cancel("patient declined"),
        &Actor::REQUESTER,
        &at(1),
    )
    .unwrap();
    assert_eq!(reason_text(&cancelled), Some("patient declined"));

    let mut failed = Task::new(TaskStatus::InProgress, TaskIntent::Order);
    m.apply(&mut failed, Event::fail("program closed"), &Actor::OWNER, &at(1))
        .unwrap();
    assert_eq!(
        (status(&failed), reason_text(&failed)),
        (TaskStatus::Failed, Some("program closed"))
    );
}

#[test]
fn an_illegal_event_is_refused_and_changes_nothing() {
    let m = builtin("sdoh-referral").unwrap();
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    let original = task.clone();
    let err = m
        .apply(&mut task, Event::Accept, &Actor::REQUESTER, &at(1))
        .unwrap_err();
    assert_eq!(task, original);
    let Error::Refused { event, violations, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*event, "accept");
    assert_eq!(violations[0].rule, RuleKind::ActorNotPermitted);
    assert_eq!(
        err.to_string(),
        "accept refused for requester on machine sdoh-referral: \
         Task.status: requested -> accepted may be made by owner, not by requester"
    );
    // start straight from requested skips acceptance
    assert!(m.apply(&mut task, Event::Start, &Actor::OWNER, &at(1)).is_err());
    assert_eq!(task, original);
}

#[test]
fn resume_applies_to_on_hold_tasks_only() {
    let m = builtin("r4-diagram").unwrap();
    let mut task = Task::new(TaskStatus::Accepted, TaskIntent::Order);
    let err = m.apply(&mut task, Event::Resume, &Actor::OWNER, &at(1)).unwrap_err();
    assert!(
        err.to_string()
            .contains("resume applies to an on-hold Task, found accepted"),
        "{err}"
    );
    assert_eq!(status(&task), TaskStatus::Accepted);
}

#[test]
fn repeating_a_status_is_not_an_event() {
    let m = builtin("r4-diagram").unwrap();
    let mut task = Task::new(TaskStatus::Cancelled, TaskIntent::Order);
    let err = m
        .apply(&mut task, Event::cancel("again"), &Actor::REQUESTER, &at(1))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the Task is already cancelled; cancel would not change the status"),
        "{err}"
    );
    assert_eq!(task, Task::new(TaskStatus::Cancelled, TaskIntent::Order));
}

#[test]
fn the_clock_is_a_parameter_and_may_not_go_back() {
    let m = builtin("cdex-data-request").unwrap();
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    task.last_modified = Some(Primitive::new(at(30)));
    let err = m.apply(&mut task, Event::Accept, &Actor::OWNER, &at(10)).unwrap_err();
    let Error::Refused { violations, .. } = err else {
        panic!()
    };
    assert_eq!(violations[0].rule, RuleKind::LastModifiedBackwards);
    m.apply(&mut task, Event::Accept, &Actor::OWNER, &at(30)).unwrap();
    assert_eq!(status(&task), TaskStatus::Accepted);
}

#[test]
fn cdex_completion_needs_outputs_and_failure_a_reason() {
    let m = builtin("cdex-data-request").unwrap();
    let mut task = Task::new(TaskStatus::InProgress, TaskIntent::Order);
    let err = m
        .apply(&mut task, Event::complete([]), &Actor::OWNER, &at(1))
        .unwrap_err();
    let Error::Refused { violations, .. } = err else {
        panic!()
    };
    assert_eq!(
        (violations[0].path.as_str(), violations[0].rule),
        ("Task.output", RuleKind::RequiredOnEntry)
    );
    m.apply(&mut task, Event::complete([output("bundle")]), &Actor::OWNER, &at(1))
        .unwrap();
    assert_eq!(status(&task), TaskStatus::Completed);

    let mut failing = Task::new(TaskStatus::InProgress, TaskIntent::Order);
    m.apply(&mut failing, Event::fail("No matching results"), &Actor::OWNER, &at(1))
        .unwrap();
    assert_eq!(reason_text(&failing), Some("No matching results"));
}

#[test]
fn warnings_are_returned_without_refusing() {
    let m = builtin("sdoh-referral").unwrap();
    let mut task = Task::new(TaskStatus::InProgress, TaskIntent::Order);
    let applied = m.apply(&mut task, Event::hold(), &Actor::OWNER, &at(1)).unwrap();
    assert_eq!(status(&task), TaskStatus::OnHold);
    assert_eq!(applied.warnings.len(), 1);
    let w = &applied.warnings[0];
    assert_eq!(
        (w.path.as_str(), w.severity),
        ("Task.statusReason.text", Severity::Warning)
    );
}

#[test]
fn a_patient_app_works_its_task_within_its_edit_scope() {
    let m = builtin("sdoh-patient").unwrap();
    let mut task = Task::new(TaskStatus::Ready, TaskIntent::Order);
    m.apply(&mut task, Event::Start, &Actor::PATIENT_APP, &at(1)).unwrap();
    m.apply(&mut task, Event::complete([output("qr")]), &Actor::PATIENT_APP, &at(2))
        .unwrap();
    assert_eq!(status(&task), TaskStatus::Completed);
    // and may not accept anything: patient Tasks have no accepted state
    let mut ready = Task::new(TaskStatus::Ready, TaskIntent::Order);
    let err = m
        .apply(&mut ready, Event::Accept, &Actor::PATIENT_APP, &at(1))
        .unwrap_err();
    let Error::Refused { violations, .. } = err else {
        panic!()
    };
    assert_eq!(violations[0].rule, RuleKind::NotAState);
}
