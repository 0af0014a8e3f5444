//! `conformance search QUERY`: parses a FHIR search (`Task?owner:missing=true&status=requested`,
//! or an absolute URL) against the R4 search parameter registry and prints its canonical form;
//! on a bad query prints `error: …` naming the parameter and its position and exits 1.

use search_params::Query;

/// Runs the subcommand; returns the exit code.
pub fn run(args: &[String]) -> u8 {
    let [text] = args else {
        eprintln!("usage: conformance search 'QUERY'   (QUERY starts with a resource type or a base URL)");
        return 2;
    };
    match Query::parse_with_base(text) {
        Ok((Some(base), query)) => {
            super::out!("{}", query.to_url(&base));
            0
        }
        Ok((None, query)) => {
            super::out!("{query}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
