//! Workflow patterns on top of FHIR `Task`: coordination Tasks and sub-tasks, multi-focus,
//! bidding, cancellation and modification requests, task-based data requests, solicited
//! communication, and monitoring by polling and subscriptions.

#![warn(missing_docs)]
pub mod exchange;
pub mod monitoring;
