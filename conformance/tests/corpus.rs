//! Every official R4 example (`$FHIR_SHARED/corpus/r4`, JSON and XML) passes the base checks
//! with no error, except the published examples that really break a rule, listed with the
//! reason (and checked to still break it, so the list cannot go stale).

mod common;

use conformance::{Format, Validator};

/// Published examples that break a base rule, and why: `tests/fixtures/corpus-allow-list.tsv`
/// (also read by `conformance validate --allow-list`).
fn allow_list() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(common::fixtures().join("corpus-allow-list.tsv")).expect("allow-list");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once('\t').expect("name<TAB>reason");
            (name.to_owned(), reason.to_owned())
        })
        .collect()
}

/// The one error each allow-listed file is listed for (so that a new, different error in it is
/// still caught).
fn explained(name: &str, e: &common::Found) -> bool {
    match name {
        "Questionnaire-qs1.json" => e.code == "required" && e.expression.ends_with(".linkId"),
        "Observation-clinical-gender.json" | "Observation-clinical-gender.xml" => {
            e.code == "structure" && e.expression == "Observation.performer[0]" && e.diagnostics.contains("Encounter")
        }
        _ => false,
    }
}

#[test]
fn every_official_example_passes_the_base_checks() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("notice: FHIR_SHARED not found; skipping the corpus test");
        return;
    };
    let dir = shared.join("corpus/r4");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus/r4")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "xml"))
        .collect();
    paths.sort();
    let validator = Validator::new();
    let allow_list = allow_list();
    let (mut valid, mut allowed) = (0, Vec::new());
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let format = if name.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        };
        let bytes = std::fs::read(path).expect("read example");
        let outcome = validator.validate_document(&bytes, format);
        let errors = common::errors(&outcome);
        match allow_list.iter().find(|(n, _)| n == name) {
            Some((_, reason)) => {
                assert!(
                    !errors.is_empty(),
                    "{name} is allow-listed ({reason}) but passes: drop it from the list"
                );
                for e in &errors {
                    assert!(
                        explained(name, e),
                        "{name}: an error the allow-list does not explain: {e:?}"
                    );
                }
                allowed.push(name.to_owned());
            }
            None if errors.is_empty() => valid += 1,
            None => failures.push(format!("{name}: {errors:#?}")),
        }
    }
    eprintln!(
        "corpus: {} files, {valid} valid, {} invalid, {} allow-listed ({})",
        paths.len(),
        failures.len(),
        allowed.len(),
        allowed.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} examples fail the base checks:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        allowed.len(),
        allow_list.len(),
        "allow-listed files missing from the corpus"
    );
}
