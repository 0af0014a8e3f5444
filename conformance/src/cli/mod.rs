//! Subcommands of the `conformance` binary.

pub mod files;
pub mod roundtrip;
