//! Typed events: the usual status changes, applied to a Task only when the machine allows them.

use fhir_model::{CodeableConcept, DateTime, Primitive, Task, TaskOutput, TaskStatus};

use crate::check::{check_update, Violation};
use crate::{Actor, Error, Machine};

/// A status change with what it carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The owner agrees to perform the Task: → `accepted`.
    Accept,
    /// The owner declines before doing anything: → `rejected`, with the reason in `statusReason`.
    Reject {
        /// Why (`statusReason.text`).
        reason: String,
    },
    /// Work starts: → `in-progress`.
    Start,
    /// Work pauses: → `on-hold`, with an optional reason.
    Hold {
        /// Why, if given (`statusReason.text`).
        reason: Option<String>,
    },
    /// Paused work continues: `on-hold` → `in-progress`.
    Resume,
    /// The work is done: → `completed`, appending the outputs to `Task.output`.
    Complete {
        /// What the work produced.
        outputs: Vec<TaskOutput>,
    },
    /// The work could not be done: → `failed`, with the reason.
    Fail {
        /// Why.
        reason: String,
    },
    /// The Task is called off: → `cancelled`, with the reason.
    Cancel {
        /// Why.
        reason: String,
    },
}

impl Event {
    /// `Reject` with a reason.
    pub fn reject(reason: impl Into<String>) -> Event {
        Event::Reject { reason: reason.into() }
    }

    /// `Hold` without a reason.
    pub fn hold() -> Event {
        Event::Hold { reason: None }
    }

    /// `Complete` with outputs.
    pub fn complete(outputs: impl IntoIterator<Item = TaskOutput>) -> Event {
        Event::Complete {
            outputs: outputs.into_iter().collect(),
        }
    }

    /// `Fail` with a reason.
    pub fn fail(reason: impl Into<String>) -> Event {
        Event::Fail { reason: reason.into() }
    }

    /// `Cancel` with a reason.
    pub fn cancel(reason: impl Into<String>) -> Event {
        Event::Cancel { reason: reason.into() }
    }

    /// The event name (`accept`, `reject`, `start`, `hold`, `resume`, `complete`, `fail`, `cancel`).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Accept => "accept",
            Event::Reject { .. } => "reject",
            Event::Start => "start",
            Event::Hold { .. } => "hold",
            Event::Resume => "resume",
            Event::Complete { .. } => "complete",
            Event::Fail { .. } => "fail",
            Event::Cancel { .. } => "cancel",
        }
    }

    /// The status the event moves a Task to.
    pub fn target(&self) -> TaskStatus {
        match self {
            Event::Accept => TaskStatus::Accepted,
            Event::Reject { .. } => TaskStatus::Rejected,
            Event::Start | Event::Resume => TaskStatus::InProgress,
            Event::Hold { .. } => TaskStatus::OnHold,
            Event::Complete { .. } => TaskStatus::Completed,
            Event::Fail { .. } => TaskStatus::Failed,
            Event::Cancel { .. } => TaskStatus::Cancelled,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Event::Reject { reason } | Event::Fail { reason } | Event::Cancel { reason } => Some(reason),
            Event::Hold { reason } => reason.as_deref(),
            _ => None,
        }
    }
}

/// What an applied event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The status before.
    pub from: TaskStatus,
    /// The status after.
    pub to: TaskStatus,
    /// Rules of warning strength the edited Task breaks (for example a SHOULD on `statusReason`).
    pub warnings: Vec<Violation>,
}

impl Machine {
    /// Applies `event` by `actor` to `task` at time `at`: sets `status`, sets (or, for events
    /// without a reason, removes) `statusReason` — R4-SD: `statusReason` "applies to the current
    /// status" — appends completion outputs, and sets `lastModified` to `at`. The edited Task is
    /// checked with [`check_update`]; if it breaks any error-strength rule, `task` is left
    /// unchanged and [`Error::Refused`] lists every violation.
    ///
    /// `Resume` is only `on-hold` → `in-progress`; an event whose target is the current status
    /// is refused.
    ///
    /// ```
    /// use fhir_model::{DateTime, Task, TaskIntent, TaskStatus};
    /// use task_fsm::{builtin, Actor, Event};
    ///
    /// let m = builtin("cdex-data-request")?;
    /// let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    /// let at: DateTime = "2024-05-01T10:00:00Z".parse().unwrap();
    /// m.apply(&mut task, Event::Accept, &Actor::OWNER, &at)?;
    /// assert_eq!(task.status.value.as_ref().and_then(|s| s.known()), Some(TaskStatus::Accepted));
    /// assert_eq!(task.last_modified.as_ref().and_then(|p| p.value.as_ref()), Some(&at));
    /// // CDex tdr-3: a completed data request SHALL have an output
    /// let refused = m.apply(&mut task, Event::complete([]), &Actor::OWNER, &at).unwrap_err();
    /// assert!(refused.to_string().contains("Task.output is required on entering completed"));
    /// # Ok::<(), task_fsm::Error>(())
    /// ```
    pub fn apply(&self, task: &mut Task, event: Event, actor: &Actor, at: &DateTime) -> Result<Applied, Error> {
        let mut after = task.clone();
        let from = task.status.value.as_ref().and_then(|c| c.known());
        let to = event.target();
        let found = task.status.value.as_ref().map_or("(none)", |c| c.code());
        // An event is a status change: repeating one (cancel a cancelled Task) would only rewrite
        // statusReason and lastModified. Resume means leaving on-hold; from elsewhere it would
        // be a silent `start`.
        let refusal = if from == Some(to) {
            Some(format!(
                "the Task is already {found}; {} would not change the status",
                event.name()
            ))
        } else if event == Event::Resume && from != Some(TaskStatus::OnHold) {
            Some(format!("resume applies to an on-hold Task, found {found}"))
        } else {
            None
        };
        if let Some(reason) = refusal {
            return Err(Error::Refused {
                machine: self.name().to_owned(),
                event: event.name(),
                actor: actor.clone(),
                violations: vec![Violation {
                    path: "Task.status".into(),
                    rule: crate::RuleKind::IllegalTransition,
                    severity: crate::Severity::Error,
                    reason,
                    source: "task-fsm event API".into(),
                }],
            });
        }
        after.status = to.into();
        after.status_reason = event.reason().map(|r| CodeableConcept {
            text: Some(Primitive::from(r)),
            ..Default::default()
        });
        let name = event.name();
        if let Event::Complete { outputs } = event {
            after.output.extend(outputs);
        }
        after.last_modified = Some(Primitive::new(at.clone()));
        let violations = check_update(task, &after, actor, self);
        if violations.iter().any(Violation::is_error) {
            return Err(Error::Refused {
                machine: self.name().to_owned(),
                event: name,
                actor: actor.clone(),
                violations,
            });
        }
        *task = after;
        Ok(Applied {
            from: from.unwrap_or(to),
            to,
            warnings: violations,
        })
    }
}
