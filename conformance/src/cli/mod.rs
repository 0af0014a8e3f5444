//! Subcommands of the `conformance` binary.

pub mod convert;
pub mod files;
pub mod roundtrip;
pub mod search;
pub mod validate;

use std::io::Write;

/// Writes one line to standard output. When the reader has gone away (`conformance ... | head`)
/// the run stops quietly with the conventional SIGPIPE status instead of panicking.
pub fn write_out(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = std::io::stdout().lock();
    let written = if newline {
        writeln!(out, "{args}")
    } else {
        write!(out, "{args}")
    };
    if written.is_err() {
        std::process::exit(141);
    }
}

/// `println!` that stops quietly on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*), true) };
}

/// `print!` that stops quietly on a closed pipe.
macro_rules! out_raw {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*), false) };
}

pub(crate) use {out, out_raw};
