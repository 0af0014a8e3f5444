//! `conformance validate`: per-file lines, the last line `N valid, M invalid`, the exit code,
//! the JSON output, and files that do not parse.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("validate-cli-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("validate")
        .args(args)
        .output()
        .expect("run conformance");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const VALID: &str = r#"{"resourceType":"Task","id":"ok","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">ok</div>"},"status":"requested","intent":"order"}"#;

fn write_files(d: &std::path::Path) {
    std::fs::write(d.join("a-valid.json"), VALID).unwrap();
    std::fs::write(
        d.join("b-invalid.json"),
        "{\"resourceType\":\"Task\",\n \"status\":\"bogus\",\n \"intent\":\"order\",\n \"lastModified\":\"2024-01-01\",\n \"authoredOn\":\"2024-02-01\"}",
    )
    .unwrap();
    std::fs::write(d.join("c-broken.json"), "{\"resourceType\":\"Task\",\"status\":").unwrap();
    std::fs::write(
        d.join("d-valid.xml"),
        "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"plan\"/></Task>",
    )
    .unwrap();
    std::fs::write(d.join("notes.txt"), "not FHIR").unwrap();
}

#[test]
fn text_output_lists_each_file_and_ends_with_the_counts() {
    let d = dir("text");
    write_files(&d);
    let (code, stdout, stderr) = run(&[d.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout.lines().last(), Some("2 valid, 2 invalid"));
    let shown = stdout.replace(d.to_str().unwrap(), "DIR");
    insta::assert_snapshot!("validate_text", shown);
}

#[test]
fn all_valid_exits_zero() {
    let d = dir("valid");
    std::fs::write(d.join("ok.json"), VALID).unwrap();
    let (code, stdout, _) = run(&[d.join("ok.json").to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.lines().next().map(|l| l.starts_with("ok ")),
        Some(true),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("1 valid, 0 invalid"));
}

#[test]
fn json_output_is_one_operation_outcome_per_file() {
    let d = dir("json");
    write_files(&d);
    let (code, stdout, _) = run(&["--format", "json", d.to_str().unwrap()]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"2 valid, 2 invalid"));
    assert_eq!(lines.len(), 5);
    for line in &lines[..4] {
        let outcome: fhir_model::OperationOutcome = fhir_model::json::from_str(line).expect("an OperationOutcome");
        let file = outcome
            .extension
            .iter()
            .find(|e| e.url == "http://hl7.org/fhir/StructureDefinition/operationoutcome-file")
            .expect("the file extension");
        assert!(
            matches!(&file.value, Some(fhir_model::ExtensionValue::String(s)) if s.value.as_deref().is_some_and(|v| v.starts_with(d.to_str().unwrap())))
        );
    }
    let broken: fhir_model::OperationOutcome = fhir_model::json::from_str(lines[2]).unwrap();
    assert_eq!(
        broken.issue[0].severity.value.as_ref().map(|s| s.code()),
        Some("fatal"),
        "c-broken.json is reported, not skipped"
    );
}

#[test]
fn a_profile_can_be_asked_for() {
    let d = dir("profile");
    std::fs::write(d.join("task.json"), VALID).unwrap();
    let (code, stdout, _) = run(&[
        "--profile",
        "http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task",
        d.join("task.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("error required Task.identifier"), "{stdout}");
}

#[test]
fn usage_errors_exit_two() {
    let (code, _, stderr) = run(&["--profile", "http://example.org/nope", "."]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown profile") && stderr.contains("coordination-task"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--format", "yaml", "."]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = run(&[]);
    assert_eq!(code, 2);
    let (code, _, stderr) = run(&["/no/such/path"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no such file"), "{stderr}");
}

#[test]
fn an_allow_list_names_known_breakers_and_keeps_them_out_of_the_counts() {
    let d = dir("allow");
    std::fs::write(d.join("a-valid.json"), VALID).unwrap();
    std::fs::write(
        d.join("known.json"),
        r#"{"resourceType":"Task","status":"bogus","intent":"order"}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("list.tsv"),
        "# known\nknown.json\tpublished with a bogus status\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&[
        "--allow-list",
        d.join("list.tsv").to_str().unwrap(),
        d.join("a-valid.json").to_str().unwrap(),
        d.join("known.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("allowed ") && l.ends_with("known.json (published with a bogus status)")),
        "{stdout}"
    );
    assert_eq!(
        lines[lines.len() - 2],
        "1 allow-listed: known.json (published with a bogus status)"
    );
    assert_eq!(lines.last(), Some(&"1 valid, 0 invalid"));
    std::fs::write(d.join("bad.tsv"), "known.json without a tab\n").unwrap();
    let (code, _, stderr) = run(&["--allow-list", d.join("bad.tsv").to_str().unwrap(), d.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad.tsv:1"), "{stderr}");
}

#[test]
fn the_corpus_passes_with_its_allow_list() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("notice: FHIR_SHARED not found; skipping the corpus run of the CLI");
        return;
    };
    let list = common::fixtures().join("corpus-allow-list.tsv");
    let corpus = shared.join("corpus/r4");
    let (code, stdout, stderr) = run(&["--allow-list", list.to_str().unwrap(), corpus.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"1406 valid, 0 invalid"));
    let named = lines[lines.len() - 2];
    assert!(named.starts_with("3 allow-listed: "), "{named}");
    for file in [
        "Observation-clinical-gender.json",
        "Observation-clinical-gender.xml",
        "Questionnaire-qs1.json",
    ] {
        assert!(named.contains(&format!("{file} (")), "{named}");
    }
}

#[test]
fn profile_issues_read_well() {
    let d = dir("profile-text");
    let fixture = common::fixtures().join("ig/sdoh/SDOHCC-TaskPatientRiskQuestionnaireCompletedExample.json");
    let mut task: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    task["status"] = serde_json::json!("requested");
    task["priority"] = serde_json::json!("asap");
    task["input"][0]["valueString"] = serde_json::json!("the hunger vital sign");
    task["input"][0].as_object_mut().unwrap().remove("valueCanonical");
    task["owner"] = serde_json::json!({"reference": "Organization/cbo"});
    task["input"].as_array_mut().unwrap().remove(1);
    std::fs::write(
        d.join("patient-task.json"),
        serde_json::to_string_pretty(&task).unwrap(),
    )
    .unwrap();
    let (code, stdout, _) = run(&[d.join("patient-task.json").to_str().unwrap()]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("validate_profile_text", stdout.replace(d.to_str().unwrap(), "DIR"));
}
