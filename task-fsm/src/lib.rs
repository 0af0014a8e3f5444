//! Task status state machines: the base FHIR R4 Task machine and the machines of the
//! implementation guides (SDOH Clinical Care referral and patient Tasks, Da Vinci CDex
//! task-based data requests), actor rights per transition, and element-level change rules.
//!
//! Status codes are `fhir_model::TaskStatus`; this crate defines no second status type.

#![warn(missing_docs)]
