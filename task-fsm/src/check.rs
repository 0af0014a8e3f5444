//! Checking an update of a Task (before → after, by an actor) against a machine.

use fhir_model::{CodeEnum, Coded, DateTime, Primitive, Task, TaskStatus};
use std::fmt;

use crate::machine::{DenialReason, EntryCondition, Severity};
use crate::{Actor, Machine, TaskElement};

/// Which rule a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// `Task.status` has no code, or a code that is not an R4 `task-status` code.
    UnknownStatus,
    /// `Task.status` is an R4 code the machine does not use.
    NotAState,
    /// A status change the machine does not have (for any actor).
    IllegalTransition,
    /// A status change the machine has, but not for this actor.
    ActorNotPermitted,
    /// A new Task in a state that is not an initial state.
    NotInitial,
    /// An element missing on entering a state.
    RequiredOnEntry,
    /// An element present on entering a state that must not have it.
    ForbiddenOnEntry,
    /// An element that must not change once set was changed.
    Immutable,
    /// An actor changed an element outside the elements it may change.
    OutsideEditScope,
    /// `lastModified` is earlier than before.
    LastModifiedBackwards,
    /// `lastModified` is earlier than `authoredOn` (R4 invariant inv-1).
    LastModifiedBeforeAuthoredOn,
    /// `businessStatus` changed while the Task stays in a terminal state.
    TerminalBusinessStatus,
}

/// One broken rule: where (a FHIRPath-like element path), why, how binding, and the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The element, such as `Task.status` or `Task.statusReason.text`.
    pub path: String,
    /// The rule.
    pub rule: RuleKind,
    /// How binding the rule is.
    pub severity: Severity,
    /// A sentence saying what is wrong.
    pub reason: String,
    /// Where the rule comes from (source keys of `docs/spec/task-state-machines.md`).
    pub source: String,
}

impl Violation {
    /// Whether the violation is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {} [{}]", self.severity, self.path, self.reason, self.source)
    }
}

/// Source of the rule that `lastModified` does not go back: R4-SD `Task.lastModified` ("Task
/// Last Modified Date"; requirements: "track task activity and time in a particular task
/// state").
const LAST_MODIFIED_SOURCE: &str = "R4-SD Task.lastModified";
/// R4-SD invariant inv-1: "Last modified date must be greater than or equal to authored-on date".
const INV_1_SOURCE: &str = "R4-SD inv-1";
/// The required binding of `Task.status` to the 12 codes of R4-CS.
const STATUS_SOURCE: &str = "R4-SD Task.status; R4-CS";

fn violation(path: &str, rule: RuleKind, severity: Severity, reason: String, source: &str) -> Violation {
    Violation {
        path: path.to_owned(),
        rule,
        severity,
        reason,
        source: source.to_owned(),
    }
}

/// Every rule of `machine` that the update of `before` into `after` by `actor` breaks: an illegal
/// status change or one the actor may not make; elements required (or forbidden) on entering the
/// new state; elements that must not change once set; elements outside the actor's edit scope;
/// `lastModified` going backwards or before `authoredOn`; a `businessStatus` change in a
/// terminal state. An empty list means the update is allowed. A change of `businessStatus`
/// alone in a non-terminal state is allowed.
///
/// ```
/// use fhir_model::{Task, TaskIntent, TaskStatus};
/// use task_fsm::{builtin, check_update, Actor};
///
/// let machine = builtin("sdoh-patient")?;
/// let before = Task::new(TaskStatus::Ready, TaskIntent::Order);
/// let mut after = before.clone();
/// after.status = TaskStatus::InProgress.into();
/// after.note.push(Default::default());
/// let violations = check_update(&before, &after, &Actor::PATIENT_APP, machine);
/// assert_eq!(violations.len(), 1);
/// assert_eq!(violations[0].path, "Task.note");
/// # Ok::<(), task_fsm::Error>(())
/// ```
pub fn check_update(before: &Task, after: &Task, actor: &Actor, machine: &Machine) -> Vec<Violation> {
    let mut out = Vec::new();
    let from = state_of(&before.status, "before the update", machine, &mut out);
    let to = state_of(&after.status, "after the update", machine, &mut out);
    if let (Some(from), Some(to)) = (from, to) {
        if from != to {
            if let Err(denial) = machine.allowed(from, to, actor) {
                let rule = match denial.reason {
                    DenialReason::ActorNotPermitted { .. } | DenialReason::UnknownActor { .. } => {
                        RuleKind::ActorNotPermitted
                    }
                    _ => RuleKind::IllegalTransition,
                };
                let source = transition_source(machine, from, to);
                out.push(violation(
                    "Task.status",
                    rule,
                    Severity::Error,
                    denial.to_string(),
                    &source,
                ));
            }
            check_entry(machine, to, after, &mut out);
        } else if machine.is_terminal(from) && TaskElement::BusinessStatus.changed(before, after) {
            if let Some((severity, source)) = machine.terminal_business_status_rule() {
                out.push(violation(
                    "Task.businessStatus",
                    RuleKind::TerminalBusinessStatus,
                    severity,
                    format!(
                        "businessStatus changed while the Task stays in terminal state {}",
                        from.code()
                    ),
                    source,
                ));
            }
        }
    }
    for rule in machine.immutable_rules() {
        let e = rule.element;
        if e.is_present(before) && e.changed(before, after) {
            out.push(violation(
                e.path(),
                RuleKind::Immutable,
                Severity::Error,
                format!("{} must not change once set", e.path()),
                &rule.source,
            ));
        }
    }
    for scope in machine.edit_scopes().iter().filter(|s| s.actor == *actor) {
        for e in TaskElement::ALL.iter().filter(|e| !scope.elements.contains(e)) {
            if e.changed(before, after) {
                let allowed: Vec<&str> = scope.elements.iter().map(|e| e.name()).collect();
                out.push(violation(
                    e.path(),
                    RuleKind::OutsideEditScope,
                    Severity::Error,
                    format!(
                        "{actor} may change only {}; it changed {}",
                        allowed.join(", "),
                        e.name()
                    ),
                    &scope.source,
                ));
            }
        }
    }
    if let (Some(b), Some(a)) = (datetime(&before.last_modified), datetime(&after.last_modified)) {
        if definitely_before(a, b) {
            out.push(violation(
                "Task.lastModified",
                RuleKind::LastModifiedBackwards,
                Severity::Error,
                format!("lastModified goes back from {b} to {a}"),
                LAST_MODIFIED_SOURCE,
            ));
        }
    }
    check_inv_1(after, &mut out);
    out
}

/// Every rule of `machine` that creating `task` breaks: a status that is not an initial state,
/// elements required (or forbidden) in that state, `lastModified` before `authoredOn`.
pub fn check_create(task: &Task, machine: &Machine) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(status) = state_of(&task.status, "on creation", machine, &mut out) {
        if !machine.initial().contains(status) {
            out.push(violation(
                "Task.status",
                RuleKind::NotInitial,
                Severity::Error,
                format!(
                    "a new Task of machine {} starts in {}, not in {}",
                    machine.name(),
                    machine.initial(),
                    status.code()
                ),
                "machine definition (initial states)",
            ));
        }
        check_entry(machine, status, task, &mut out);
    }
    check_inv_1(task, &mut out);
    out
}

/// The sources of the rows for `from -> to`, or of the machine's definition when it has none.
fn transition_source(machine: &Machine, from: TaskStatus, to: TaskStatus) -> String {
    let mut rows = machine.transitions().iter().filter(|t| t.from == from && t.to == to);
    let Some(first) = rows.next() else {
        return "machine definition (transitions)".to_owned();
    };
    let mut source = first.source.clone();
    for row in rows {
        source.push_str(" | ");
        source.push_str(&row.source);
    }
    source
}

fn state_of(
    status: &Primitive<Coded<TaskStatus>>,
    when: &str,
    machine: &Machine,
    out: &mut Vec<Violation>,
) -> Option<TaskStatus> {
    match &status.value {
        None => {
            out.push(violation(
                "Task.status",
                RuleKind::UnknownStatus,
                Severity::Error,
                format!("Task.status has no code {when} (it is required, 1..1)"),
                STATUS_SOURCE,
            ));
            None
        }
        Some(Coded::Unknown(code)) => {
            out.push(violation(
                "Task.status",
                RuleKind::UnknownStatus,
                Severity::Error,
                format!("unknown Task status code {code:?} {when}"),
                STATUS_SOURCE,
            ));
            None
        }
        Some(Coded::Known(s)) if !machine.states().contains(*s) => {
            out.push(violation(
                "Task.status",
                RuleKind::NotAState,
                Severity::Error,
                format!(
                    "status {} {when} is not a state of machine {} (states: {})",
                    s.code(),
                    machine.name(),
                    machine.states()
                ),
                "machine definition (states)",
            ));
            None
        }
        Some(Coded::Known(s)) => Some(*s),
    }
}

fn check_entry(machine: &Machine, to: TaskStatus, task: &Task, out: &mut Vec<Violation>) {
    for rule in machine.entry_rules().iter().filter(|r| r.states.contains(to)) {
        let present = rule.path.is_present(task);
        let (broken, rule_kind, what) = match rule.condition {
            EntryCondition::Present => (!present, RuleKind::RequiredOnEntry, "is required"),
            EntryCondition::Absent => (present, RuleKind::ForbiddenOnEntry, "must be absent"),
        };
        if broken {
            let strength = if rule.severity == Severity::Error {
                ""
            } else {
                " (should)"
            };
            out.push(violation(
                rule.path.as_str(),
                rule_kind,
                rule.severity,
                format!("{} {what}{strength} on entering {}", rule.path, to.code()),
                &rule.source,
            ));
        }
    }
}

fn check_inv_1(task: &Task, out: &mut Vec<Violation>) {
    if let (Some(authored), Some(modified)) = (datetime(&task.authored_on), datetime(&task.last_modified)) {
        if definitely_before(modified, authored) {
            out.push(violation(
                "Task.lastModified",
                RuleKind::LastModifiedBeforeAuthoredOn,
                Severity::Error,
                format!("lastModified {modified} is before authoredOn {authored}"),
                INV_1_SOURCE,
            ));
        }
    }
}

fn datetime(p: &Option<Primitive<DateTime>>) -> Option<&DateTime> {
    p.as_ref().and_then(|p| p.value.as_ref())
}

/// Whether every instant `a` may denote is before every instant `b` may denote. Values of
/// different precision that overlap (`2024-05-01` and `2024-05-01T10:00:00Z`) are not ordered.
fn definitely_before(a: &DateTime, b: &DateTime) -> bool {
    let (_, a_end) = a.parts().range_micros();
    let (b_start, _) = b.parts().range_micros();
    a_end <= b_start
}
