//! A built state machine: states, transitions with the actors allowed to make them, and the
//! element rules checked on updates.

use fhir_model::{CodeEnum, TaskStatus};
use std::fmt;

use crate::status::{index, StatusSet, STATUS_COUNT};
use crate::{Actor, ElementPath, MachineBuilder, TaskElement};

/// How binding a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// SHALL, an error invariant, a cardinality or a diagram edge: the update is wrong.
    Error,
    /// SHOULD or workflow guidance: worth reporting, not a reason to refuse.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One row of a machine definition: a status change and who may make it, with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The status before.
    pub from: TaskStatus,
    /// The status after.
    pub to: TaskStatus,
    /// Who may make the change (already expanded from [`Actor::ANY`]).
    pub actors: Vec<Actor>,
    /// Where the row comes from (source keys of `docs/spec/task-state-machines.md`).
    pub source: String,
}

/// Whether an element must be present or absent when a state is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryCondition {
    /// The element must be present.
    Present,
    /// The element must be absent.
    Absent,
}

/// A rule on the elements of a Task entering one of some states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRule {
    /// The states the rule applies to on entry.
    pub states: StatusSet,
    /// The element.
    pub path: ElementPath,
    /// Present or absent.
    pub condition: EntryCondition,
    /// How binding the rule is.
    pub severity: Severity,
    /// Where the rule comes from.
    pub source: String,
}

/// An element that must not change once it has a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImmutableRule {
    /// The element.
    pub element: TaskElement,
    /// Where the rule comes from.
    pub source: String,
}

/// The only elements an actor may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditScope {
    /// The actor.
    pub actor: Actor,
    /// The elements it may change; a change to any other element is a violation.
    pub elements: Vec<TaskElement>,
    /// Where the rule comes from.
    pub source: String,
}

/// A status state machine for Task. Build one with [`Machine::builder`] or take a built-in one
/// from [`crate::builtin`].
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) states: StatusSet,
    pub(crate) initial: StatusSet,
    pub(crate) terminal: StatusSet,
    pub(crate) actors: Vec<Actor>,
    /// `edges[from][to]`: bit `i` set when `actors[i]` may make the change.
    pub(crate) edges: [[u64; STATUS_COUNT]; STATUS_COUNT],
    pub(crate) transitions: Vec<Transition>,
    pub(crate) entry_rules: Vec<EntryRule>,
    pub(crate) immutable: Vec<ImmutableRule>,
    pub(crate) edit_scopes: Vec<EditScope>,
    pub(crate) terminal_business_status: Option<(Severity, String)>,
}

/// Why a status change is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenialReason {
    /// The status is not a state of the machine (for instance `received` for the SDOH referral Task).
    NotAState {
        /// The status.
        status: TaskStatus,
    },
    /// `from` and `to` are the same: there is no transition to make.
    Unchanged,
    /// `from` is terminal and the machine has no exit to `to`.
    FromTerminal,
    /// No actor may change `from` to `to`.
    NoTransition {
        /// The states some actor may move to from `from`.
        next: StatusSet,
    },
    /// The actor is not one the machine declares.
    UnknownActor {
        /// The declared actors.
        declared: Vec<Actor>,
    },
    /// The transition exists but this actor may not make it.
    ActorNotPermitted {
        /// The actors that may.
        permitted: Vec<Actor>,
    },
}

/// A refused status change, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The machine.
    pub machine: String,
    /// The status before.
    pub from: TaskStatus,
    /// The status asked for.
    pub to: TaskStatus,
    /// Who asked.
    pub actor: Actor,
    /// Why it is refused.
    pub reason: DenialReason,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (m, from, to, actor) = (&self.machine, self.from.code(), self.to.code(), &self.actor);
        match &self.reason {
            DenialReason::NotAState { status } => {
                write!(f, "{} is not a state of machine {m}", status.code())
            }
            DenialReason::Unchanged => write!(f, "{from} -> {to} does not change the status"),
            DenialReason::FromTerminal => {
                write!(
                    f,
                    "{from} is a terminal state of machine {m}; it has no transition to {to}"
                )
            }
            DenialReason::NoTransition { next } => write!(
                f,
                "machine {m} has no transition {from} -> {to} (from {from} it allows: {next})"
            ),
            DenialReason::UnknownActor { declared } => write!(
                f,
                "actor {actor} is not declared by machine {m} (declared: {})",
                join(declared)
            ),
            DenialReason::ActorNotPermitted { permitted } => {
                write!(f, "{from} -> {to} may be made by {}, not by {actor}", join(permitted))
            }
        }
    }
}

impl std::error::Error for Denial {}

pub(crate) fn join(actors: &[Actor]) -> String {
    actors.iter().map(Actor::name).collect::<Vec<_>>().join(" or ")
}

impl Machine {
    /// Starts a machine definition named `name` (lower-case letters, digits, `-`).
    ///
    /// ```
    /// use fhir_model::TaskStatus::*;
    /// use task_fsm::{Actor, Machine};
    ///
    /// let m = Machine::builder("two-step")
    ///     .states([Requested, Completed])
    ///     .initial([Requested])
    ///     .terminal([Completed])
    ///     .transition(Requested, Completed, [Actor::OWNER], "our own workflow, rule 1")
    ///     .build()?;
    /// assert!(m.allowed(Requested, Completed, &Actor::OWNER).is_ok());
    /// let denial = m.allowed(Requested, Completed, &Actor::REQUESTER).unwrap_err();
    /// assert_eq!(denial.to_string(), "requested -> completed may be made by owner, not by requester");
    /// # Ok::<(), task_fsm::Error>(())
    /// ```
    pub fn builder(name: impl Into<String>) -> MachineBuilder {
        MachineBuilder::new(name)
    }

    /// The registry name (`sdoh-referral`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A one-line description.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The statuses the machine knows.
    pub fn states(&self) -> StatusSet {
        self.states
    }

    /// The statuses a Task may be created in.
    pub fn initial(&self) -> StatusSet {
        self.initial
    }

    /// The end states (their only possible exit is a correction to `entered-in-error`).
    pub fn terminal(&self) -> StatusSet {
        self.terminal
    }

    /// Whether `status` is a terminal state.
    pub fn is_terminal(&self, status: TaskStatus) -> bool {
        self.terminal.contains(status)
    }

    /// The declared actors.
    pub fn actors(&self) -> &[Actor] {
        &self.actors
    }

    /// The definition rows, as written (one row may name several actors).
    pub fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// Rules on entering states.
    pub fn entry_rules(&self) -> &[EntryRule] {
        &self.entry_rules
    }

    /// Elements that must not change once set.
    pub fn immutable_rules(&self) -> &[ImmutableRule] {
        &self.immutable
    }

    /// Actors limited to some elements.
    pub fn edit_scopes(&self) -> &[EditScope] {
        &self.edit_scopes
    }

    /// The rule on `businessStatus` changes in terminal states, if the machine has one.
    pub fn terminal_business_status_rule(&self) -> Option<(Severity, &str)> {
        self.terminal_business_status
            .as_ref()
            .map(|(s, src)| (*s, src.as_str()))
    }

    pub(crate) fn actor_index(&self, actor: &Actor) -> Option<usize> {
        self.actors.iter().position(|a| a == actor)
    }

    /// Whether `actor` may change a Task's status from `from` to `to`; the reason when not.
    pub fn allowed(&self, from: TaskStatus, to: TaskStatus, actor: &Actor) -> Result<(), Denial> {
        let deny = |reason| Denial {
            machine: self.name.clone(),
            from,
            to,
            actor: actor.clone(),
            reason,
        };
        for status in [from, to] {
            if !self.states.contains(status) {
                return Err(deny(DenialReason::NotAState { status }));
            }
        }
        if from == to {
            return Err(deny(DenialReason::Unchanged));
        }
        let bits = self.edges[index(from)][index(to)];
        if bits == 0 {
            return Err(deny(if self.terminal.contains(from) {
                DenialReason::FromTerminal
            } else {
                DenialReason::NoTransition {
                    next: self.next_states_any(from),
                }
            }));
        }
        match self.actor_index(actor) {
            None => Err(deny(DenialReason::UnknownActor {
                declared: self.actors.clone(),
            })),
            Some(i) if bits & (1 << i) != 0 => Ok(()),
            Some(_) => Err(deny(DenialReason::ActorNotPermitted {
                permitted: self.actors_of(bits),
            })),
        }
    }

    /// The states `actor` may move a Task to from `from` (empty for an undeclared actor or state).
    pub fn next_states(&self, from: TaskStatus, actor: &Actor) -> StatusSet {
        let Some(i) = self.actor_index(actor) else {
            return StatusSet::EMPTY;
        };
        self.targets(from, 1 << i)
    }

    /// The states any actor may move a Task to from `from`.
    pub fn next_states_any(&self, from: TaskStatus) -> StatusSet {
        self.targets(from, u64::MAX)
    }

    /// The actors that may change `from` to `to`.
    pub fn actors_for(&self, from: TaskStatus, to: TaskStatus) -> Vec<Actor> {
        self.actors_of(self.edges[index(from)][index(to)])
    }

    fn targets(&self, from: TaskStatus, mask: u64) -> StatusSet {
        let row = &self.edges[index(from)];
        TaskStatus::ALL
            .iter()
            .copied()
            .filter(|to| row[index(*to)] & mask != 0)
            .collect()
    }

    fn actors_of(&self, bits: u64) -> Vec<Actor> {
        self.actors
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, a)| a.clone())
            .collect()
    }

    /// Every allowed (from, to, actor) triple, in code-system order of the states and declaration
    /// order of the actors.
    pub fn edges(&self) -> Vec<(TaskStatus, TaskStatus, Actor)> {
        let mut out = Vec::new();
        for from in self.states.iter() {
            for to in self.states.iter() {
                for actor in self.actors_for(from, to) {
                    out.push((from, to, actor));
                }
            }
        }
        out
    }

    /// The states reachable from the initial states (the initial states included).
    pub fn reachable(&self) -> StatusSet {
        let mut seen = self.initial;
        let mut frontier: Vec<TaskStatus> = self.initial.iter().collect();
        while let Some(s) = frontier.pop() {
            for next in self.next_states_any(s).iter() {
                if !seen.contains(next) {
                    seen.insert(next);
                    frontier.push(next);
                }
            }
        }
        seen
    }
}
