//! Status changes that go through task-fsm, with `businessStatus` set alongside, and the checks
//! every Task produced by this crate passes.

use fhir_model::{CodeableConcept, DateTime, Task};
use task_fsm::{check_create, check_update, Actor, Applied, Event, Machine};

use crate::Error;

/// A status change: a task-fsm [`Event`] (which sets `status`, `statusReason` from its reason,
/// completion outputs and `lastModified`) and, optionally, the `businessStatus` to set with it
/// (R4-SD `Task.businessStatus`: "business-specific nuances of the business state"; COW-WSO
/// pairs statuses with business statuses such as "selected" or "awaiting information").
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The event.
    pub event: Event,
    /// The business status to set; `None` leaves it as it is.
    pub business_status: Option<CodeableConcept>,
}

impl StatusChange {
    /// A change without a business status.
    pub fn new(event: Event) -> StatusChange {
        StatusChange {
            event,
            business_status: None,
        }
    }

    /// Sets the business status that goes with the change.
    pub fn with_business_status(mut self, business_status: CodeableConcept) -> StatusChange {
        self.business_status = Some(business_status);
        self
    }
}

impl From<Event> for StatusChange {
    fn from(event: Event) -> Self {
        StatusChange::new(event)
    }
}

/// Applies `change` to `task` as `actor` at `at` through `machine`. The whole edit (business
/// status included) is checked with task-fsm's `check_update`; on any error-strength violation
/// `task` is left unchanged.
///
/// ```
/// use fhir_model::{DateTime, Task, TaskIntent, TaskStatus};
/// use coordination::{change_status, codes, coordination_machine, StatusChange};
/// use task_fsm::{Actor, Event};
///
/// let machine = coordination_machine()?;
/// let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
/// let at: DateTime = "2024-05-01T09:00:00Z".parse().unwrap();
/// let change = StatusChange::new(Event::Accept).with_business_status(codes::text("selected"));
/// change_status(&mut task, machine, &Actor::OWNER, &at, change)?;
/// assert_eq!(task.status, TaskStatus::Accepted);
/// assert_eq!(task.business_status, Some(codes::text("selected")));
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn change_status(
    task: &mut Task,
    machine: &Machine,
    actor: &Actor,
    at: &DateTime,
    change: StatusChange,
) -> Result<Applied, Error> {
    let mut work = task.clone();
    if let Some(bs) = change.business_status {
        work.business_status = Some(bs);
    }
    let event_name = change.event.name();
    let context = || format!("{event_name} {} by {actor} ({})", task_label(task), machine.name());
    let applied = machine
        .apply(&mut work, change.event, actor, at)
        .map_err(|e| Error::fsm(context(), e))?;
    *task = checked_update(task, work, actor, machine, &context())?;
    Ok(applied)
}

/// `after` if the update `before → after` by `actor` breaks no error-strength rule of `machine`.
pub(crate) fn checked_update(
    before: &Task,
    after: Task,
    actor: &Actor,
    machine: &Machine,
    context: &str,
) -> Result<Task, Error> {
    let violations: Vec<_> = check_update(before, &after, actor, machine)
        .into_iter()
        .filter(|v| v.is_error())
        .collect();
    if violations.is_empty() {
        Ok(after)
    } else {
        Err(Error::Refused {
            context: context.to_owned(),
            violations,
        })
    }
}

/// `task` if creating it breaks no error-strength rule of `machine`.
pub(crate) fn checked_create(task: Task, machine: &Machine, context: &str) -> Result<Task, Error> {
    let violations: Vec<_> = check_create(&task, machine)
        .into_iter()
        .filter(|v| v.is_error())
        .collect();
    if violations.is_empty() {
        Ok(task)
    } else {
        Err(Error::Refused {
            context: context.to_owned(),
            violations,
        })
    }
}

/// `Task/<id>` or `Task (no id)`, for messages.
pub(crate) fn task_label(task: &Task) -> String {
    match task.id.as_ref().and_then(|p| p.value.as_deref()) {
        Some(id) => format!("Task/{id}"),
        None => "Task (no id)".to_owned(),
    }
}

/// The status of a Task when it is one of the 12 R4 codes.
pub(crate) fn status_of(task: &Task) -> Option<fhir_model::TaskStatus> {
    task.status.value.as_ref().and_then(|c| c.known())
}
