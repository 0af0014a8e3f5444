//! Workflow patterns on top of FHIR R4 `Task`: coordination Tasks and sub-tasks, multi-focus,
//! bidding, cancellation and modification requests, task-based data requests (Da Vinci CDex)
//! and solicited communication — helpers that make the right resources, change their status only
//! through `task-fsm`, and read them back.
//!
//! Every rule encoded here names its source; the sources and the decisions taken where they are
//! silent or disagree are in `docs/spec/coordination.md`.
//!
//! * Coordination: [`CoordinationTask`], [`SubTask`], [`change_status`], [`add_input`];
//!   multi-focus: [`focus`]; trees by `partOf`: [`TaskTree`]; roll-up: [`rollup`];
//!   owner and performers: [`ownership`].
//! * [`bidding`], cancellation and modification: [`change_request`].
//! * Task-based data request (CDex): [`data_request`], with [`PollSchedule`].
//! * Solicited communication: [`solicited`].
//! * Request descriptions with the `http` crate's types: [`transport`].
//! * Monitoring by polling and subscriptions: [`monitoring`]; synchronous and asynchronous
//!   exchanges: [`exchange`].

#![warn(missing_docs)]

pub mod bidding;
pub mod change_request;
pub mod codes;
mod coordination_task;
pub mod data_request;
mod error;
pub mod exchange;
pub mod focus;
mod machines;
pub mod monitoring;
pub mod ownership;
mod poll_schedule;
mod resolve;
pub mod rollup;
pub mod solicited;
mod status_change;
pub mod transport;
mod tree;

pub use coordination_task::{add_input, CoordinationTask, SubTask};
pub use error::Error;
pub use machines::{coordination_machine, data_request_machine, COORDINATION_MACHINE};
pub use poll_schedule::PollSchedule;
pub use status_change::{change_status, StatusChange};
pub use transport::FhirRequest;
pub use tree::{TaskTree, TreeError, TreeProblem};
