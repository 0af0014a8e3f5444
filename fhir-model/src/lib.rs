//! FHIR R4 datatypes and resources, generated from the official StructureDefinitions, with
//! lossless FHIR JSON.
//!
//! ```
//! use fhir_model::{json, Reference, Task, TaskIntent, TaskStatus};
//!
//! let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
//! task.for_ = Some(Reference::to_type_id("Patient", "123"));
//! let text = json::to_string(&task);
//! assert_eq!(
//!     text,
//!     r#"{"resourceType":"Task","status":"requested","intent":"order","for":{"reference":"Patient/123"}}"#
//! );
//! let back: Task = json::from_str(&text)?;
//! assert_eq!(back, task);
//! assert_eq!(back.status.value.as_ref().and_then(|s| s.known()), Some(TaskStatus::Requested));
//! # Ok::<(), json::Error>(())
//! ```
//!
//! * Every modelled type is a plain struct with public fields named after the FHIR elements
//!   (`for` becomes `for_`, `type` becomes `type_`); required elements are not `Option`.
//! * Primitives are [`Primitive<T>`]: a value plus the element's `id` and `extension`.
//! * Decimals keep their text ([`Decimal`]); dates keep their precision ([`DateTime`], ...).
//! * Codes bound to a required value set are enums wrapped in [`Coded`], which can also keep a
//!   code outside the set (lenient parsing).
//! * [`Resource`] holds any resource; types the crate does not model are kept losslessly.

#![warn(missing_docs)]

pub mod coded;
pub mod decimal;
pub mod formats;
mod generated;
pub mod json;
pub mod meta;
pub mod navigate;
pub mod ndjson;
pub mod primitive;
mod reference;
pub mod resource;
#[cfg(feature = "schema")]
pub mod schema;
pub mod temporal;
#[cfg(feature = "xml")]
pub mod xml;

pub use coded::{CodeEnum, Coded};
pub use decimal::Decimal;
pub use generated::codes::*;
pub use generated::datatypes::*;
pub use generated::resources::*;
pub use primitive::{Primitive, PrimitiveElement};
pub use reference::ReferenceTarget;
pub use resource::{FhirResource, Resource, UnknownResource, R4_RESOURCE_TYPES};
pub use temporal::{Date, DateTime, Instant, Precision, Time};
