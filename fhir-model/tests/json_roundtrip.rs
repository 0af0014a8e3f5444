//! JSON round trips: generated Tasks and Bundles, and every official R4 example.

mod support;

use std::path::PathBuf;

use fhir_model::json::{self, ErrorKind, Options};
use fhir_model::{Bundle, Resource, Task};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tasks_survive_serialize_parse(task in support::task()) {
        let text = json::to_string(&task);
        let back: Task = json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &task);
        // The same text through the Resource enum, and pretty printing changes nothing.
        let any: Resource = json::from_str(&json::to_string_pretty(&task)).unwrap();
        prop_assert_eq!(json::to_string(&any), text);
    }

    #[test]
    fn bundles_survive_serialize_parse(bundle in support::bundle()) {
        let text = json::to_string(&bundle);
        let back: Bundle = json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, bundle);
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = json::from_slice::<Resource>(&bytes);
        let _ = json::from_slice_with::<Resource>(&bytes, Options::lenient());
    }

    #[test]
    fn parsing_mutated_tasks_never_panics(task in support::task(), cut in 0usize..400, byte in any::<u8>()) {
        let mut text = json::to_string(&task).into_bytes();
        let at = cut.min(text.len().saturating_sub(1));
        if !text.is_empty() {
            text[at] = byte;
        }
        let _ = json::from_slice::<Resource>(&text);
    }
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("FHIR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
        .join("corpus/r4");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: {} not found (set FHIR_SHARED); skipping the corpus test",
            dir.display()
        );
        None
    }
}

/// Published examples that break a rule of the definitions, with the reason. They must still
/// round-trip through the lenient parser without loss.
const STRICT_ALLOW_LIST: &[(&str, &str)] = &[(
    "Questionnaire-qs1.json",
    "Questionnaire.item.linkId is 1..1 but 31 nested items of this example have none",
)];

#[test]
fn every_official_example_round_trips() {
    let Some(dir) = corpus_dir() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 700,
        "expected the 705 R4 examples, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(path).unwrap();
        let original = json::value_from_slice(&bytes).unwrap();
        let strict = json::from_slice::<Resource>(&bytes);
        let allowed = STRICT_ALLOW_LIST.iter().any(|(f, _)| *f == name);
        match (&strict, allowed) {
            (Ok(_), true) => failures.push(format!(
                "{name}: allow-listed but parses strictly; remove it from the list"
            )),
            (Err(e), false) => failures.push(format!("{name}: strict parse: {e}")),
            (Err(e), true) => assert!(matches!(e.kind(), ErrorKind::MissingElement("linkId")), "{name}: {e}"),
            (Ok(_), false) => {}
        }
        let parsed = match json::from_slice_with::<Resource>(&bytes, Options::lenient()) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: lenient parse: {e}"));
                continue;
            }
        };
        let again = json::value_from_slice(json::to_string(&parsed.value).as_bytes()).unwrap();
        if let Some(diff) = original.first_difference(&again) {
            failures.push(format!("{name}: differs at {diff}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
