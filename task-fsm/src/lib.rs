//! Task status state machines: the base FHIR R4 Task machine and the machines of the
//! implementation guides (SDOH Clinical Care referral and patient Tasks, Da Vinci CDex
//! task-based data requests), actor rights per transition, and element-level change rules.
//!
//! Status codes are `fhir_model::TaskStatus`; this crate defines no second status type.
//! Every rule names its source; the sources, the readings chosen where they are ambiguous, and
//! where they disagree are in `docs/spec/task-state-machines.md`.
//!
//! ```
//! use fhir_model::{DateTime, Task, TaskIntent, TaskStatus};
//! use task_fsm::{builtin, check_update, Actor, Event, RuleKind};
//!
//! let referral = builtin("sdoh-referral")?;
//!
//! // May the referral target start work on a requested Task? No: it must accept it first.
//! let denial = referral
//!     .allowed(TaskStatus::Requested, TaskStatus::InProgress, &Actor::OWNER)
//!     .unwrap_err();
//! assert!(denial.to_string().contains("from requested it allows: accepted, rejected, cancelled, entered-in-error"));
//! assert_eq!(
//!     referral.next_states(TaskStatus::Requested, &Actor::REQUESTER).to_string(),
//!     "cancelled, entered-in-error"
//! );
//!
//! // Typed events edit the Task only through legal transitions, and stamp lastModified.
//! let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
//! let at: DateTime = "2024-05-01T09:30:00Z".parse().unwrap();
//! referral.apply(&mut task, Event::Accept, &Actor::OWNER, &at)?;
//!
//! // Checking an update made elsewhere: every violation, with its element path.
//! let mut after = task.clone();
//! after.intent = TaskIntent::Plan.into();
//! let violations = check_update(&task, &after, &Actor::REQUESTER, referral);
//! assert_eq!(violations[0].path, "Task.intent");
//! assert_eq!(violations[0].rule, RuleKind::Immutable);
//! # Ok::<(), task_fsm::Error>(())
//! ```
//!
//! * [`Machine`]: states, initial and terminal states, transitions with the [`Actor`]s allowed
//!   to make them; [`Machine::allowed`] and [`Machine::next_states`].
//! * [`check_update`] / [`check_create`]: every [`Violation`] of an update or a creation.
//! * [`Event`] and [`Machine::apply`]: accept, reject, start, hold, resume, complete, fail, cancel.
//! * [`Machine::builder`]: define your own machine; the built-in ones ([`builtin`], [`builtin::NAMES`])
//!   are defined with the same builder.
//! * [`Machine::to_tsv`], [`Machine::from_tsv`], [`Machine::to_mermaid`], [`Machine::to_dot`].

#![warn(missing_docs)]

mod actor;
mod builder;
pub mod builtin;
mod check;
mod element;
mod error;
mod events;
mod export;
mod machine;
mod status;

pub use actor::Actor;
pub use builder::{MachineBuilder, Row};
pub use builtin::builtin;
pub use check::{check_create, check_update, RuleKind, Violation};
pub use element::{ElementPath, TaskElement};
pub use error::Error;
pub use events::{Applied, Event};
pub use export::doc_files;
pub use machine::{
    Denial, DenialReason, EditScope, EntryCondition, EntryRule, ImmutableRule, Machine, Severity, Transition,
};
pub use status::{parse_status, StatusSet};
