//! Subcommands of the `conformance` binary.

pub mod convert;
pub mod files;
pub mod roundtrip;
pub mod search;
pub mod validate;
