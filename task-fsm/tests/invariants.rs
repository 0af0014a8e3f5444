//! Properties every machine keeps: random event sequences stay inside the machine; terminal
//! states have no exits but the correction to entered-in-error; every state is reachable; a
//! profile machine allows nothing the base machine forbids unless the digest cites an
//! exception; TSV → machine → TSV is the identity.

mod common;

use common::edges;
use fhir_model::TaskStatus::{self, *};
use fhir_model::{CodeEnum, DateTime, Primitive, Task, TaskIntent, TaskOutput, TaskOutputValue};
use proptest::prelude::*;
use task_fsm::{builtin, Actor, Event, Machine, StatusSet};

fn machine_strategy() -> impl Strategy<Value = &'static Machine> {
    proptest::sample::select(task_fsm::builtin::NAMES.to_vec()).prop_map(|n| builtin(n).unwrap())
}

fn event_strategy() -> impl Strategy<Value = Event> {
    prop_oneof![
        Just(Event::Accept),
        "[a-z ]{0,12}".prop_map(Event::reject),
        Just(Event::Start),
        Just(Event::hold()),
        Just(Event::Resume),
        Just(Event::complete([TaskOutput::new(
            fhir_model::CodeableConcept {
                text: Some("result".into()),
                ..Default::default()
            },
            TaskOutputValue::String(Primitive::from("done")),
        )])),
        "[a-z ]{1,12}".prop_map(Event::fail),
        "[a-z ]{1,12}".prop_map(Event::cancel),
    ]
}

fn actor_strategy() -> impl Strategy<Value = Actor> {
    proptest::sample::select(Actor::STANDARD.to_vec())
}

fn minute(n: u32) -> DateTime {
    format!("2024-06-01T{:02}:{:02}:00Z", n / 60 % 24, n % 60)
        .parse()
        .unwrap()
}

fn status(task: &Task) -> TaskStatus {
    task.status.value.as_ref().and_then(|c| c.known()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random events from any initial state: the status is always a state of the machine, and
    /// every status change the event API made is an edge of the machine for that actor.
    #[test]
    fn event_sequences_never_leave_the_machine(
        machine in machine_strategy(),
        start in 0usize..3,
        events in proptest::collection::vec((event_strategy(), actor_strategy()), 0..40),
    ) {
        let initial: Vec<TaskStatus> = machine.initial().iter().collect();
        let mut task = Task::new(initial[start % initial.len()], TaskIntent::Order);
        for (i, (event, actor)) in events.into_iter().enumerate() {
            let before = status(&task);
            let target = event.target();
            match machine.apply(&mut task, event, &actor, &minute(i as u32)) {
                Ok(applied) => {
                    prop_assert_eq!(applied.to, target);
                    prop_assert!(machine.allowed(before, target, &actor).is_ok());
                    prop_assert_eq!(status(&task), target);
                }
                Err(_) => prop_assert_eq!(status(&task), before, "a refused event leaves the Task unchanged"),
            }
            prop_assert!(machine.states().contains(status(&task)));
        }
    }

    /// Any (from, to, actor) question gets an answer consistent with `next_states`.
    #[test]
    fn allowed_agrees_with_next_states(
        machine in machine_strategy(),
        from in proptest::sample::select(TaskStatus::ALL.to_vec()),
        to in proptest::sample::select(TaskStatus::ALL.to_vec()),
        actor in actor_strategy(),
    ) {
        let ok = machine.allowed(from, to, &actor).is_ok();
        prop_assert_eq!(ok, machine.next_states(from, &actor).contains(to));
        if ok {
            prop_assert!(machine.states().contains(from) && machine.states().contains(to) && from != to);
        }
    }
}

#[test]
fn terminal_states_have_no_exits_but_the_correction() {
    for m in task_fsm::builtin::all().unwrap() {
        for s in m.terminal().iter() {
            let exits = m.next_states_any(s);
            let allowed_exit: StatusSet = if s == EnteredInError {
                StatusSet::EMPTY
            } else {
                [EnteredInError].into()
            };
            assert!(exits.is_subset(allowed_exit), "{}: {s} exits to {exits}", m.name());
        }
        // entered-in-error, where a machine has it, is terminal and final
        if m.states().contains(EnteredInError) {
            assert!(m.is_terminal(EnteredInError), "{}", m.name());
            assert!(m.next_states_any(EnteredInError).is_empty());
        }
    }
}

#[test]
fn every_state_is_reachable_from_an_initial_state() {
    for m in task_fsm::builtin::all().unwrap() {
        assert_eq!(m.reachable(), m.states(), "{}", m.name());
    }
}

/// Transitions of the profile machines that the strict base machine (`r4-diagram`) does not
/// draw, each with the digest row that cites it. Nothing else may exceed the base.
const PROFILE_EXCEPTIONS: &[(&str, TaskStatus, TaskStatus, &str)] = &[
    (
        "sdoh-referral",
        Accepted,
        OnHold,
        "§(b) SDOH-RM-diag accepted -> on-hold",
    ),
    (
        "sdoh-referral",
        Accepted,
        Completed,
        "§(b) SDOH-RM-diag accepted -> completed",
    ),
    (
        "sdoh-referral",
        Accepted,
        Failed,
        "§(b) SDOH-RM-diag accepted -> failed",
    ),
    (
        "sdoh-referral",
        InProgress,
        Cancelled,
        "§(b) SDOH-RM-diag in-progress -> cancelled (also r4-text)",
    ),
    (
        "sdoh-referral",
        OnHold,
        Cancelled,
        "§(b) SDOH-RM-diag on-hold -> cancelled (also r4-text)",
    ),
    (
        "sdoh-referral",
        OnHold,
        Completed,
        "§(b) SDOH-RM-diag on-hold -> completed",
    ),
    ("sdoh-referral", OnHold, Failed, "§(b) SDOH-RM-diag on-hold -> failed"),
    (
        "sdoh-patient",
        Ready,
        OnHold,
        "§(c) SDOH-P-diag ready -> on-hold (also r4-text)",
    ),
    ("sdoh-patient", Ready, Completed, "§(c) SDOH-P-diag ready -> completed"),
    ("sdoh-patient", Ready, Failed, "§(c) SDOH-P-diag ready -> failed"),
    (
        "sdoh-patient",
        InProgress,
        Cancelled,
        "§(c) SDOH-P-diag in-progress -> cancelled (also r4-text)",
    ),
    (
        "sdoh-patient",
        OnHold,
        Cancelled,
        "§(c) SDOH-P-diag on-hold -> cancelled (also r4-text)",
    ),
    (
        "sdoh-patient",
        OnHold,
        Completed,
        "§(c) SDOH-P-diag on-hold -> completed",
    ),
    ("sdoh-patient", OnHold, Failed, "§(c) SDOH-P-diag on-hold -> failed"),
];

/// Initial states of the profile machines other than the base's `draft`: R4 draws `draft` as
/// the start but calls the diagram "typical" and states no rule (digest §(a) "Initial and
/// terminal states").
const INITIAL_EXCEPTIONS: &[(&str, TaskStatus, &str)] = &[
    (
        "sdoh-referral",
        Requested,
        "§(b) SDOH-RM-diag \"Draft (optional)\"; SDOH-RW refer-5",
    ),
    ("sdoh-patient", Ready, "§(c) SDOH-P-diag start -> Ready"),
    (
        "cdex-data-request",
        Requested,
        "§(d) CDEX-SM START -> Requested; CDEX-TBA",
    ),
];

#[test]
fn profiles_allow_nothing_the_base_forbids_unless_the_digest_cites_it() {
    let base = builtin("r4-diagram").unwrap();
    for name in ["sdoh-referral", "sdoh-patient", "cdex-data-request"] {
        let m = builtin(name).unwrap();
        assert!(m.states().is_subset(base.states()));
        let mut exceptions_used = 0;
        for (from, to, actor) in m.edges() {
            // The patient application acts for the patient, who is the patient Task's owner
            // (SDOH-P-intro: `Task.owner` is the Patient or RelatedPerson).
            let as_base = if name == "sdoh-patient" && actor == Actor::PATIENT_APP {
                Actor::OWNER
            } else {
                actor.clone()
            };
            if base.allowed(from, to, &as_base).is_ok() {
                continue;
            }
            let cited = PROFILE_EXCEPTIONS
                .iter()
                .any(|(n, f, t, _)| *n == name && *f == from && *t == to);
            assert!(
                cited,
                "{name}: {from} -> {to} by {actor} exceeds r4-diagram without a cited exception"
            );
            exceptions_used += 1;
        }
        let listed: Vec<_> = PROFILE_EXCEPTIONS.iter().filter(|(n, ..)| *n == name).collect();
        for (_, f, t, why) in &listed {
            assert!(
                base.allowed(*f, *t, &Actor::OWNER).is_err(),
                "exception {why} is not needed"
            );
            assert!(!m.actors_for(*f, *t).is_empty(), "exception {why} is not in {name}");
        }
        assert!(exceptions_used >= listed.len());
        for s in m.initial().iter().filter(|s| !base.initial().contains(*s)) {
            assert!(
                INITIAL_EXCEPTIONS.iter().any(|(n, i, _)| *n == name && *i == s),
                "{name}: initial state {s} without a cited exception"
            );
        }
    }
}

#[test]
fn the_text_reading_contains_the_diagram_reading() {
    let diagram = edges(builtin("r4-diagram").unwrap());
    let text = edges(builtin("r4-text").unwrap());
    assert!(diagram.is_subset(&text));
}

#[test]
fn builtin_tsv_round_trips() {
    for m in task_fsm::builtin::all().unwrap() {
        let tsv = m.to_tsv();
        let back = Machine::from_tsv(&tsv).unwrap();
        assert_eq!(back.to_tsv(), tsv, "{}", m.name());
        assert_eq!(edges(&back), edges(m));
        assert_eq!(
            (back.initial(), back.terminal(), back.states()),
            (m.initial(), m.terminal(), m.states())
        );
    }
}

/// A random machine definition: random states, initial/terminal subsets, random rows over a
/// few actors. The builder either refuses it or yields a machine keeping the invariants, and
/// its TSV reads back to the same TSV.
fn definition_strategy() -> impl Strategy<Value = task_fsm::MachineBuilder> {
    let status = || proptest::sample::select(TaskStatus::ALL.to_vec());
    (
        proptest::collection::vec(status(), 1..12),
        proptest::collection::vec(status(), 0..3),
        proptest::collection::vec(status(), 0..4),
        proptest::collection::vec((status(), status(), proptest::collection::vec(0usize..4, 1..3)), 0..30),
    )
        .prop_map(|(states, initial, terminal, rows)| {
            let actors = [Actor::new("a"), Actor::new("b-2"), Actor::new("c"), Actor::ANY];
            let mut b = Machine::builder("random")
                .title("a random machine")
                .states(states)
                .initial(initial)
                .terminal(terminal)
                .actors(actors[..3].iter().cloned());
            for (from, to, who) in rows {
                b = b.transition(from, to, who.iter().map(|i| actors[*i].clone()), "proptest");
            }
            b
        })
}

/// A definition valid by construction: a random ordering of random states split into
/// non-terminal and terminal ones, a chain through the non-terminal ones from the first (the
/// initial state), each terminal state entered from a random non-terminal one, plus random extra
/// rows out of non-terminal states, over three actors of our own.
fn valid_definition_strategy() -> impl Strategy<Value = task_fsm::MachineBuilder> {
    (
        Just(TaskStatus::ALL.to_vec()).prop_shuffle(),
        1usize..=12,
        0usize..=4,
        proptest::collection::vec(
            (
                any::<proptest::sample::Index>(),
                any::<proptest::sample::Index>(),
                0usize..4,
            ),
            0..20,
        ),
        proptest::collection::vec(any::<proptest::sample::Index>(), 4),
    )
        .prop_map(|(shuffled, count, terminal_count, extra, entries)| {
            let actors = [Actor::new("a"), Actor::new("b-2"), Actor::new("c"), Actor::ANY];
            let states = &shuffled[..count];
            let split = count.saturating_sub(terminal_count).max(1);
            let (open, terminal) = states.split_at(split);
            let mut b = Machine::builder("valid")
                .states(states.iter().copied())
                .initial([open[0]])
                .terminal(terminal.iter().copied())
                .actors(actors[..3].iter().cloned());
            for pair in open.windows(2) {
                b = b.transition(pair[0], pair[1], [actors[0].clone()], "chain");
            }
            for (i, t) in terminal.iter().enumerate() {
                let from = *entries[i % entries.len()].get(open);
                b = b.transition(from, *t, [actors[1].clone()], "entry");
            }
            for (from, to, who) in extra {
                let (from, to) = (*from.get(open), *to.get(states));
                if from != to {
                    b = b.transition(from, to, [actors[who].clone()], "extra");
                }
            }
            b
        })
}

fn assert_invariants(m: &Machine) -> Result<(), TestCaseError> {
    prop_assert!(!m.initial().is_empty());
    prop_assert_eq!(m.reachable(), m.states());
    for s in m.terminal().iter() {
        prop_assert!(m.next_states_any(s).is_subset([EnteredInError].into()));
    }
    for (from, to, _) in m.edges() {
        prop_assert!(m.states().contains(from) && m.states().contains(to) && from != to);
    }
    let tsv = m.to_tsv();
    let back = Machine::from_tsv(&tsv).unwrap();
    prop_assert_eq!(back.to_tsv(), tsv);
    prop_assert_eq!(edges(&back), edges(m));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_definitions_build_keep_the_invariants_and_round_trip_through_tsv(def in valid_definition_strategy()) {
        let m = def.build();
        prop_assert!(m.is_ok(), "{:?}", m);
        assert_invariants(&m.unwrap())?;
    }

    /// Arbitrary definitions: the builder refuses them with a typed error or yields a machine
    /// that keeps the invariants.
    #[test]
    fn arbitrary_definitions_are_refused_or_keep_the_invariants(def in definition_strategy()) {
        if let Ok(m) = def.build() {
            assert_invariants(&m)?;
        }
    }

    /// Whatever the text, reading a TSV never panics: a machine or a typed error.
    #[test]
    fn reading_any_text_as_tsv_never_panics(text in "(#? ?[a-z:\\- \t]{0,30}\n){0,8}") {
        let _ = Machine::from_tsv(&text);
    }
}
