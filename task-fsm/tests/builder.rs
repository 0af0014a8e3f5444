//! Defining your own machine, and the definitions the builder refuses.

use fhir_model::TaskStatus::*;
use fhir_model::{Task, TaskIntent};
use task_fsm::{check_update, Actor, DenialReason, Error, Machine, MachineBuilder, RuleKind, Severity};

fn coordination() -> MachineBuilder {
    let platform = Actor::new("coordination-platform");
    Machine::builder("coordination")
        .title("a coordination platform relays a referral")
        .actors([Actor::REQUESTER, Actor::OWNER, platform.clone()])
        .states([Requested, Accepted, InProgress, Completed, Cancelled])
        .initial([Requested])
        .terminal([Completed, Cancelled])
        .transition(Requested, Accepted, [platform.clone()], "our agreement §2")
        .transition(
            Accepted,
            InProgress,
            [Actor::OWNER, platform.clone()],
            "our agreement §3",
        )
        .transition(InProgress, Completed, [Actor::OWNER], "our agreement §4")
        .transition(Requested, Cancelled, [Actor::ANY], "our agreement §5")
        .require_on_entry([Completed], "Task.output", Severity::Error, "our agreement §4")
        .immutable("Task.requester", "our agreement §1")
}

#[test]
fn a_custom_machine_with_its_own_actor() {
    let m = coordination().build().unwrap();
    let platform = Actor::new("coordination-platform");
    assert!(m.allowed(Requested, Accepted, &platform).is_ok());
    assert_eq!(m.next_states(Requested, &Actor::REQUESTER), [Cancelled].into());
    assert_eq!(
        m.actors_for(Requested, Cancelled).len(),
        3,
        "ANY expands to every declared actor"
    );
    let denial = m.allowed(Requested, Accepted, &Actor::PATIENT_APP).unwrap_err();
    assert_eq!(
        denial.reason,
        DenialReason::UnknownActor {
            declared: vec![Actor::REQUESTER, Actor::OWNER, platform.clone()]
        }
    );
    assert_eq!(
        denial.to_string(),
        "actor patient-app is not declared by machine coordination (declared: requester or owner or coordination-platform)"
    );
    assert_eq!(
        m.allowed(Accepted, Accepted, &platform).unwrap_err().reason,
        DenialReason::Unchanged
    );

    let mut before = Task::new(InProgress, TaskIntent::Order);
    before.requester = Some(fhir_model::Reference::to_type_id("Organization", "a"));
    let mut after = before.clone();
    after.status = Completed.into();
    after.requester = Some(fhir_model::Reference::to_type_id("Organization", "b"));
    let rules: Vec<(String, RuleKind)> = check_update(&before, &after, &Actor::OWNER, &m)
        .into_iter()
        .map(|v| (v.path, v.rule))
        .collect();
    assert_eq!(
        rules,
        [
            ("Task.output".to_owned(), RuleKind::RequiredOnEntry),
            ("Task.requester".to_owned(), RuleKind::Immutable)
        ]
    );
}

#[test]
fn a_transition_to_an_undeclared_state_is_refused() {
    let err = coordination()
        .transition(InProgress, OnHold, [Actor::OWNER], "x")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        Error::UndeclaredState {
            machine: "coordination".into(),
            place: "transition in-progress -> on-hold".into(),
            state: OnHold,
            declared: "requested accepted cancelled in-progress completed".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "machine coordination: transition in-progress -> on-hold uses state on-hold, which is not declared \
         (declared: requested accepted cancelled in-progress completed)"
    );
}

#[test]
fn a_machine_without_an_initial_state_is_refused() {
    let err = Machine::builder("no-start")
        .states([Requested, Completed])
        .transition(Requested, Completed, [Actor::OWNER], "x")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        Error::NoInitialState {
            machine: "no-start".into()
        }
    );
}

#[test]
fn other_bad_definitions_are_refused() {
    let base = || {
        Machine::builder("m")
            .states([Requested, Accepted, Completed, EnteredInError])
            .initial([Requested])
    };
    type Expect = Box<dyn Fn(&Error) -> bool>;
    let cases: Vec<(MachineBuilder, Expect)> = vec![
        (
            base()
                .terminal([Completed])
                .transition(Requested, Completed, [Actor::new("robot")], "x"),
            Box::new(|e| matches!(e, Error::UndeclaredActor { actor, .. } if actor.name() == "robot")),
        ),
        (
            base()
                .terminal([Completed])
                .transition(Requested, Completed, [Actor::OWNER], "x")
                .transition(Completed, Accepted, [Actor::OWNER], "x"),
            Box::new(|e| {
                matches!(
                    e,
                    Error::ExitFromTerminal {
                        from: Completed,
                        to: Accepted,
                        ..
                    }
                )
            }),
        ),
        (
            base().transition(Requested, Completed, [Actor::OWNER], "x"),
            Box::new(|e| matches!(e, Error::UnreachableState { state: Accepted, .. })),
        ),
        (
            base().transition(Requested, Requested, [Actor::OWNER], "x"),
            Box::new(|e| matches!(e, Error::SelfTransition { state: Requested, .. })),
        ),
        (
            base().transition(Requested, Accepted, [], "x"),
            Box::new(|e| {
                matches!(
                    e,
                    Error::NoActor {
                        from: Requested,
                        to: Accepted,
                        ..
                    }
                )
            }),
        ),
        (
            base().require_on_entry([Completed], "Task.result", Severity::Error, "x"),
            Box::new(
                |e| matches!(e, Error::InvalidRule { source, .. } if **source == Error::UnknownElement { path: "Task.result".into() }),
            ),
        ),
        (
            base().immutable("Task.statusReason.text", "x"),
            Box::new(|e| matches!(e, Error::InvalidRule { .. })),
        ),
        (
            base().edit_scope(Actor::PATIENT_APP, ["note"], "x"),
            Box::new(|e| matches!(e, Error::InvalidRule { .. })),
        ),
        (
            base().actors([Actor::OWNER, Actor::OWNER]),
            Box::new(|e| matches!(e, Error::InvalidActors { .. })),
        ),
        (
            base().actors([Actor::ANY]),
            Box::new(|e| matches!(e, Error::InvalidActors { .. })),
        ),
        (
            Machine::builder("Bad Name").states([Requested]).initial([Requested]),
            Box::new(|e| matches!(e, Error::InvalidName { .. })),
        ),
        (
            base().initial([Failed]),
            Box::new(|e| matches!(e, Error::UndeclaredState { state: Failed, .. })),
        ),
    ];
    for (i, (builder, expected)) in cases.into_iter().enumerate() {
        let err = builder.build().unwrap_err();
        assert!(expected(&err), "case {i}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn builtin_machines_are_refused_when_asked_by_a_wrong_name() {
    let err = task_fsm::builtin("sdoh").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown machine \"sdoh\": expected one of r4-diagram, r4-text, sdoh-referral, sdoh-patient, cdex-data-request"
    );
}
