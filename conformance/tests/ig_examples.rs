//! The IG example instances pass their profiles: the FSH instances turned into JSON by hand
//! (`tests/fixtures/ig/`, sources in `tests/fixtures/README.md`) and the CDex JSON examples
//! under `$FHIR_SHARED/fhir-definitions/ig/davinci-cdex/examples/`.

mod common;

use std::path::{Path, PathBuf};

use conformance::Validator;

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The profiles a document declares (root `meta.profile`).
fn declared(text: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
    v["meta"]["profile"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Validates every file with the profiles it declares (which must be known), also asked for
/// explicitly; returns how many files declared a profile.
fn check_all(files: &[PathBuf]) -> usize {
    let mut profiled = 0;
    for path in files {
        let text = std::fs::read_to_string(path).expect("read");
        let profiles = declared(&text);
        let mut validator = Validator::new();
        for url in &profiles {
            validator = validator
                .with_profile(url)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        profiled += usize::from(!profiles.is_empty());
        let outcome = validator.validate_json(text.as_bytes());
        let resource_type: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let root = format!(
            "{}.meta.profile[",
            resource_type["resourceType"].as_str().unwrap_or_default()
        );
        let errors = common::errors(&outcome);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        // The profiles the example itself declares are all known (resources inside it may
        // declare others, US Core for instance, which are reported as not checked).
        let unknown: Vec<_> = common::flatten(&outcome)
            .into_iter()
            .filter(|f| f.diagnostics.contains("is not known to this validator") && f.expression.starts_with(&root))
            .collect();
        assert!(unknown.is_empty(), "{}: {unknown:#?}", path.display());
    }
    profiled
}

#[test]
fn fsh_examples_pass_their_profiles() {
    let files = json_files(&common::fixtures().join("ig"));
    assert!(files.len() >= 29, "fixtures missing: {}", files.len());
    let profiled = check_all(&files);
    // Every Task, Subscription, notification Bundle and status Parameters example declares its profile.
    assert_eq!(
        profiled,
        files.len() - 2,
        "all but the ServiceRequest and DocumentReference declare a profile"
    );
}

#[test]
fn every_fixture_names_its_source() {
    let readme = std::fs::read_to_string(common::fixtures().join("README.md")).expect("fixtures README");
    for path in json_files(&common::fixtures().join("ig")) {
        let rel = path.strip_prefix(common::fixtures()).expect("under fixtures");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let line = readme
            .lines()
            .find(|l| l.contains(&format!("`{rel}`")))
            .unwrap_or_else(|| panic!("{rel} is not listed in tests/fixtures/README.md"));
        assert!(
            line.contains(".fsh:"),
            "{rel}: the README line names no FSH source and line: {line}"
        );
    }
}

#[test]
fn the_fixtures_say_what_their_sources_say() {
    // Spot checks against the FSH text, so that a hand conversion cannot drift silently.
    let Some(shared) = common::shared_dir() else {
        eprintln!("notice: FHIR_SHARED not found; skipping the FSH spot checks");
        return;
    };
    let readme = std::fs::read_to_string(common::fixtures().join("README.md")).expect("fixtures README");
    for line in readme.lines().filter(|l| l.starts_with("| `ig/")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (fixture, source) = (cells[1].trim_matches('`'), cells[2]);
        let (file, lines) = source.trim_matches('`').rsplit_once(':').expect("file:lines");
        let fsh = std::fs::read_to_string(shared.join("fhir-definitions/ig").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let first: usize = lines
            .split('-')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("line number");
        let instance = fsh.lines().nth(first - 1).unwrap_or_default();
        assert!(
            instance.starts_with("Instance:"),
            "{fixture}: {file}:{first} is not an Instance line: {instance:?}"
        );
        let name = instance.trim_start_matches("Instance:").trim();
        let text = std::fs::read_to_string(common::fixtures().join(fixture)).expect("fixture");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        // SUSHI's id: the `* id = ` rule when present, else the instance name.
        let id_rule = fsh
            .lines()
            .skip(first)
            .take_while(|l| !l.starts_with("Instance:"))
            .find_map(|l| {
                let rest = l.trim_start_matches('*').trim().strip_prefix("id")?;
                rest.trim_start()
                    .strip_prefix('=')
                    .map(|v| v.trim().trim_matches('"').to_owned())
            });
        let expected = id_rule.unwrap_or_else(|| name.to_owned());
        assert_eq!(json["id"].as_str(), Some(expected.as_str()), "{fixture}: id");
    }
}

#[test]
fn cdex_examples_pass_their_profiles() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("notice: FHIR_SHARED not found; skipping the CDex examples");
        return;
    };
    let files = json_files(&shared.join("fhir-definitions/ig/davinci-cdex/examples"));
    let profiled = check_all(&files);
    eprintln!(
        "CDex examples: {} files, {profiled} with a declared profile",
        files.len()
    );
    assert!(profiled >= 30, "{profiled}");
}
