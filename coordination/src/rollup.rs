//! The overall state of a coordination Task derived from its sub-tasks, and the sub-tasks'
//! outputs linked into the coordination Task's `output`.
//!
//! COW-RET "Managing Sub-Tasks": "a workflow's overall status of execution may be understood
//! from the overall Coordination Task. This includes linking any Event outputs resulting from the
//! fulfillment of the Request to the Coordination Task's `Task.output`" (DiagnosticReports,
//! Procedures, Questionnaires, ImagingStudy …). No source gives a roll-up rule; the default
//! [`RollupRule`] follows the SDOH intermediary sequence diagrams (SDOH-PUML
//! `DetailedIndirectReferral*`): the coordinator sets its Task in progress when a sub-task is in
//! progress, completes it with the linked outputs when the sub-task completes, and a rejected
//! sub-task leaves it in progress while the coordinator acts (tries another organization).
//!
//! The rule, applied to the sub-tasks' statuses in this order:
//! 1. sub-tasks in `ignored` (default: cancelled, entered-in-error) are left out;
//! 2. any sub-task in `attention` (default: failed, rejected) or with a status that is not an R4
//!    code → [`Overall::Attention`] (the coordinator must act; nothing is changed for it);
//! 3. no sub-task left → [`Overall::NoActiveSubTasks`];
//! 4. all in `done` (default: completed) → [`Overall::Completable`];
//! 5. all in `not_started` (default: draft, requested, received, accepted, ready) →
//!    [`Overall::NotStarted`];
//! 6. otherwise → [`Overall::InProgress`].

use fhir_model::{DateTime, Primitive, ReferenceTarget, Task, TaskOutput, TaskOutputValue, TaskStatus};
use task_fsm::{Actor, Event, Machine, StatusSet};

use crate::status_change::{change_status, checked_update, status_of, task_label};
use crate::{Error, StatusChange};

/// Which sub-task statuses count how (see the module documentation for the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupRule {
    /// Left out entirely.
    pub ignored: StatusSet,
    /// Needs the coordinator's attention.
    pub attention: StatusSet,
    /// Finished work.
    pub done: StatusSet,
    /// Work not begun.
    pub not_started: StatusSet,
}

impl Default for RollupRule {
    fn default() -> Self {
        use TaskStatus::*;
        RollupRule {
            ignored: [Cancelled, EnteredInError].into_iter().collect(),
            attention: [Failed, Rejected].into_iter().collect(),
            done: [Completed].into_iter().collect(),
            not_started: [Draft, Requested, Received, Accepted, Ready].into_iter().collect(),
        }
    }
}

/// The derived overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overall {
    /// Every sub-task is ignored, or there are none.
    NoActiveSubTasks,
    /// A sub-task needs the coordinator (failed, rejected, unreadable status).
    Attention,
    /// All (remaining) sub-tasks are done: the coordination Task may be completed.
    Completable,
    /// No sub-task has begun.
    NotStarted,
    /// Work is under way.
    InProgress,
}

impl Overall {
    /// The status the coordination Task should move to: `completed` when completable,
    /// `in-progress` when work is under way, none otherwise.
    pub fn suggested_status(self) -> Option<TaskStatus> {
        match self {
            Overall::Completable => Some(TaskStatus::Completed),
            Overall::InProgress => Some(TaskStatus::InProgress),
            _ => None,
        }
    }
}

/// The roll-up of some sub-tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup<'a> {
    /// The overall state.
    pub overall: Overall,
    /// The sub-tasks that put it in [`Overall::Attention`].
    pub attention: Vec<&'a Task>,
    /// Reference outputs of the sub-tasks (not ignored), in sub-task order, to link into the
    /// coordination Task's `output`.
    pub outputs: Vec<TaskOutput>,
    /// Outputs that cannot be linked from another resource: references to resources contained
    /// in the sub-task (`Task/<id>` and the reference).
    pub unlinkable: Vec<(String, String)>,
}

/// Rolls up `sub_tasks` (typically `tree.children(coordination_id)`) with `rule`.
///
/// ```
/// use fhir_model::{Task, TaskIntent, TaskStatus};
/// use coordination::rollup::{roll_up, Overall, RollupRule};
///
/// let done = Task::new(TaskStatus::Completed, TaskIntent::Order);
/// let cancelled = Task::new(TaskStatus::Cancelled, TaskIntent::Order);
/// let failed = Task::new(TaskStatus::Failed, TaskIntent::Order);
/// assert_eq!(roll_up(&[&done, &cancelled], &RollupRule::default()).overall, Overall::Completable);
/// assert_eq!(roll_up(&[&done, &failed], &RollupRule::default()).overall, Overall::Attention);
/// ```
pub fn roll_up<'a>(sub_tasks: &[&'a Task], rule: &RollupRule) -> Rollup<'a> {
    let mut attention = Vec::new();
    let mut active = Vec::new();
    let mut outputs: Vec<TaskOutput> = Vec::new();
    let mut unlinkable = Vec::new();
    for &t in sub_tasks {
        let status = status_of(t);
        if status.is_some_and(|s| rule.ignored.contains(s)) {
            continue;
        }
        match status {
            Some(s) if !rule.attention.contains(s) => active.push(s),
            _ => attention.push(t),
        }
        for o in &t.output {
            let TaskOutputValue::Reference(r) = &o.value else {
                continue;
            };
            if let Some(ReferenceTarget::Contained(_)) = r.target() {
                unlinkable.push((task_label(t), r.reference_str().unwrap_or_default().to_owned()));
            } else if !outputs.contains(o) {
                outputs.push(o.clone());
            }
        }
    }
    let overall = if !attention.is_empty() {
        Overall::Attention
    } else if active.is_empty() {
        Overall::NoActiveSubTasks
    } else if active.iter().all(|s| rule.done.contains(*s)) {
        Overall::Completable
    } else if active.iter().all(|s| rule.not_started.contains(*s)) {
        Overall::NotStarted
    } else {
        Overall::InProgress
    };
    Rollup {
        overall,
        attention,
        outputs,
        unlinkable,
    }
}

/// What [`apply`] did to the coordination Task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Outputs added.
    pub linked: usize,
    /// The status change made, if any.
    pub status: Option<(TaskStatus, TaskStatus)>,
}

/// Links the roll-up's outputs not yet in `coordination.output`, and moves the coordination
/// Task to the suggested status when `machine` lets `actor` do it from where it is: `completed`
/// (with the outputs, one update) from `in-progress`; `in-progress` (start) from `accepted` or
/// `ready`. A coordination Task on hold or not yet accepted keeps its status. Everything goes
/// through task-fsm; on refusal the Task is unchanged.
pub fn apply(
    coordination: &mut Task,
    rollup: &Rollup<'_>,
    machine: &Machine,
    actor: &Actor,
    at: &DateTime,
) -> Result<Applied, Error> {
    let new: Vec<TaskOutput> = rollup
        .outputs
        .iter()
        .filter(|o| !coordination.output.contains(o))
        .cloned()
        .collect();
    let linked = new.len();
    let from = status_of(coordination);
    let event = match (from, rollup.overall.suggested_status()) {
        (Some(TaskStatus::InProgress), Some(TaskStatus::Completed)) => Some(Event::complete(new.clone())),
        (Some(TaskStatus::Accepted | TaskStatus::Ready), Some(TaskStatus::InProgress)) => Some(Event::Start),
        _ => None,
    };
    let event = event.filter(|e| from.is_some_and(|f| machine.allowed(f, e.target(), actor).is_ok()));
    let mut work = coordination.clone();
    let status = match event {
        Some(complete @ Event::Complete { .. }) => {
            let applied = change_status(&mut work, machine, actor, at, StatusChange::new(complete))?;
            Some((applied.from, applied.to))
        }
        other => {
            if !new.is_empty() {
                let before = work.clone();
                work.output.extend(new);
                work.last_modified = Some(Primitive::new(at.clone()));
                work = checked_update(&before, work, actor, machine, "link sub-task outputs")?;
            }
            match other {
                Some(e) => {
                    let applied = change_status(&mut work, machine, actor, at, StatusChange::new(e))?;
                    Some((applied.from, applied.to))
                }
                None => None,
            }
        }
    };
    *coordination = work;
    Ok(Applied { linked, status })
}
