//! Typed FHIR R4 search strings: a builder, a parser, a registry generated from the official
//! search parameter definitions, and an in-memory matcher that never fails open.

#![warn(missing_docs)]

mod generated;
pub mod registry;
