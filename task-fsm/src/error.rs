//! The one error type of the crate.

use fhir_model::TaskStatus;

use crate::check::Violation;
use crate::Actor;

/// What went wrong: bad input (a status code, a machine definition, a TSV text) or a refused
/// event. Each variant names what and where, with what was expected and what was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A status code string that is not one of the 12 R4 `task-status` codes.
    #[error(
        "unknown Task status code {code:?}: expected one of draft, requested, received, accepted, rejected, ready, \
         cancelled, in-progress, on-hold, failed, completed, entered-in-error"
    )]
    UnknownStatus {
        /// The code as given.
        code: String,
    },
    /// A path that does not start with `Task.` and a top-level element of Task.
    #[error("unknown Task element path {path:?}: expected `Task.<element>[.<child>...]` with an element of R4 Task")]
    UnknownElement {
        /// The path as given.
        path: String,
    },
    /// A machine with an empty or malformed name.
    #[error("invalid machine name {name:?}: expected lower-case letters, digits and '-'")]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// A machine definition that uses a state it did not declare.
    #[error("machine {machine}: {place} uses state {state}, which is not declared (declared: {declared})")]
    UndeclaredState {
        /// The machine.
        machine: String,
        /// Where the state is used (`transition requested -> accepted`, `initial states`, ...).
        place: String,
        /// The undeclared state.
        state: TaskStatus,
        /// The declared states.
        declared: String,
    },
    /// A machine definition without an initial state.
    #[error("machine {machine}: no initial state declared (expected at least one)")]
    NoInitialState {
        /// The machine.
        machine: String,
    },
    /// A machine definition that uses an actor it did not declare.
    #[error("machine {machine}: {place} names actor {actor}, which is not declared (declared: {declared})")]
    UndeclaredActor {
        /// The machine.
        machine: String,
        /// Where the actor is used.
        place: String,
        /// The undeclared actor.
        actor: Actor,
        /// The declared actors.
        declared: String,
    },
    /// An actor declared twice, or more actors than a machine can hold.
    #[error("machine {machine}: invalid actor list: {problem}")]
    InvalidActors {
        /// The machine.
        machine: String,
        /// What is wrong.
        problem: String,
    },
    /// A transition that leaves a terminal state for anything but `entered-in-error`.
    #[error(
        "machine {machine}: transition {from} -> {to} leaves terminal state {from} \
         (expected only corrections to entered-in-error)"
    )]
    ExitFromTerminal {
        /// The machine.
        machine: String,
        /// The terminal state.
        from: TaskStatus,
        /// The target.
        to: TaskStatus,
    },
    /// A transition from a state to itself.
    #[error("machine {machine}: transition {state} -> {state} does not change the status")]
    SelfTransition {
        /// The machine.
        machine: String,
        /// The state.
        state: TaskStatus,
    },
    /// A transition that no actor may make.
    #[error("machine {machine}: transition {from} -> {to} names no actor")]
    NoActor {
        /// The machine.
        machine: String,
        /// Source state.
        from: TaskStatus,
        /// Target state.
        to: TaskStatus,
    },
    /// A declared state that no path from an initial state reaches.
    #[error("machine {machine}: state {state} cannot be reached from the initial states ({initial})")]
    UnreachableState {
        /// The machine.
        machine: String,
        /// The unreachable state.
        state: TaskStatus,
        /// The initial states.
        initial: String,
    },
    /// A rule naming an element path that is not a Task element.
    #[error("machine {machine}: {place}: {source}")]
    InvalidRule {
        /// The machine.
        machine: String,
        /// The rule.
        place: String,
        /// Why the path was refused.
        #[source]
        source: Box<Error>,
    },
    /// A line of a machine TSV text that could not be read.
    #[error("TSV line {line}: expected {expected}, found {found:?}")]
    Tsv {
        /// 1-based line number.
        line: usize,
        /// What the line should hold.
        expected: String,
        /// What it holds.
        found: String,
    },
    /// A machine name not in the built-in registry.
    #[error("unknown machine {name:?}: expected one of {known}")]
    UnknownMachine {
        /// The name asked for.
        name: String,
        /// The built-in names.
        known: String,
    },
    /// An event that would break the machine's rules; the Task was left unchanged.
    #[error("{event} refused for {actor} on machine {machine}: {}", first_reason(.violations))]
    Refused {
        /// The machine.
        machine: String,
        /// The event name (`accept`, `complete`, ...).
        event: &'static str,
        /// The actor.
        actor: Actor,
        /// Every rule the edited Task would break (errors and warnings).
        violations: Vec<Violation>,
    },
}

fn first_reason(violations: &[Violation]) -> String {
    let errors: Vec<String> = violations
        .iter()
        .filter(|v| v.severity == crate::Severity::Error)
        .map(|v| format!("{}: {}", v.path, v.reason))
        .collect();
    errors.join("; ")
}
