//! `cargo xtask`: the workspace's own tasks (code generation, examples, benchmarks, corpora).

#[cfg(feature = "crates")]
mod bench;
mod codegen;
#[cfg(feature = "crates")]
mod examples;
#[cfg(feature = "crates")]
mod fsm;
#[cfg(feature = "crates")]
mod gen_corpus;
mod shared;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  examples [--check]    write every workflow example under examples/ (the main job)
  codegen [--check]     generate the models from $FHIR_SHARED/fhir-definitions (or check they are fresh)
  gen-corpus --tasks N --seed S --out DIR
                        write a deterministic corpus of coordination Tasks as searchset Bundles
  bench <what>          measure throughput in release (json, xml, fsm, match, validate, ndjson)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(args.iter().any(|a| a == "--check")),
        #[cfg(feature = "crates")]
        Some("bench") => bench::run(&args[1..]),
        #[cfg(feature = "crates")]
        Some("examples") => examples::run(&args[1..]),
        #[cfg(feature = "crates")]
        Some("fsm") => fsm::run(&args[1..]),
        #[cfg(feature = "crates")]
        Some("gen-corpus") => gen_corpus::run(&args[1..]),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
