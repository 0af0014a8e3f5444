//! `conformance search QUERY`: canonical form on stdout and exit 0, or `error: …` naming the
//! parameter and exit 1.

use std::process::Command;

fn run(query: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["search", query])
        .output()
        .expect("run conformance");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn prints_the_canonical_form() {
    for (query, canonical) in [
        (
            "Task?owner:missing=true&status=requested",
            "Task?owner:missing=true&status=requested",
        ),
        (
            "Task?owner:identifier=http://someorganization/some/identifier/system|123",
            "Task?owner:identifier=http%3A%2F%2Fsomeorganization%2Fsome%2Fidentifier%2Fsystem|123",
        ),
        (
            "Task?_id=1234,5678&_include=Task:focus",
            "Task?_id=1234,5678&_include=Task:focus",
        ),
        (
            "https://ehr.example.org/fhir/Task?status:not=draft&intent=order",
            "https://ehr.example.org/fhir/Task?status:not=draft&intent=order",
        ),
    ] {
        let (code, stdout, stderr) = run(query);
        assert_eq!(code, 0, "{query}: {stderr}");
        assert_eq!(stdout.trim_end(), canonical);
    }
}

#[test]
fn names_the_bad_parameter() {
    for (query, needle) in [
        ("Task?owner:exact=Organization/1", "parameter `owner:exact` at 5"),
        (
            "Task?status=requested&_lastUpdated=gt2021-02-30",
            "parameter `_lastUpdated` at 22",
        ),
        ("Task?_include=Task:status", "parameter `_include` at 5"),
        ("Task?nope=1", "parameter `nope` at 5"),
        ("Nope?status=x", "`Nope` is not a resource type"),
    ] {
        let (code, stdout, stderr) = run(query);
        assert_eq!(code, 1, "{query}");
        assert!(stdout.is_empty());
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "{query}: {stderr}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("search")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
