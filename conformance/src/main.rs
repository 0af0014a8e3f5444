//! The `conformance` command line: `roundtrip`, `convert` (and more subcommands as the crates grow).

mod cli;

use std::process::ExitCode;

const USAGE: &str = "usage: conformance <command> [options] PATH...

commands:
  search 'QUERY'     parse a search (Task?status=requested, or an absolute URL) and print its
                     canonical form
  roundtrip [--format json|xml|cross] PATH...
                     parse, serialize and compare every FHIR file under PATH (cross: every
                     XML file against its JSON twin)
  convert --to xml|json FILE
                     print the resource of FILE (XML or JSON) in the format asked for
  validate [--profile URL] [--format text|json] [--allow-list FILE] PATH...
                     check every FHIR file under PATH against the R4 base definitions, the
                     profile URL and the profiles it declares; last line `N valid, M invalid`
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("roundtrip") => cli::roundtrip::run(&args[1..]),
        Some("search") => cli::search::run(&args[1..]),
        Some("convert") => cli::convert::run(&args[1..]),
        Some("validate") => cli::validate::run(&args[1..]),
        Some("-h" | "--help") => {
            cli::out_raw!("{USAGE}");
            0
        }
        _ => {
            eprint!("{USAGE}");
            2
        }
    };
    ExitCode::from(code)
}
