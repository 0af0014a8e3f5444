//! The XML of the resources the JSON snapshots cover (read back from those snapshots, so that
//! both show the same resources), and of a resource showing the narrative, primitive extensions
//! and a contained resource.

use std::path::Path;

use fhir_model::{json, xml, Resource};

/// The body of an insta snapshot file.
fn snapshot_body(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut parts = text.splitn(3, "---\n");
    parts.next();
    parts.next();
    parts.next().expect("a snapshot body").to_owned()
}

#[test]
fn json_snapshot_resources_as_xml() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("json_snapshots__") && n.ends_with(".snap"))
        .collect();
    names.sort();
    assert!(names.len() >= 3, "expected the JSON snapshots, found {names:?}");
    for name in names {
        let body = snapshot_body(&dir.join(&name));
        let resource: Resource = json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = xml::to_string_pretty(&resource).unwrap();
        let back: Resource = xml::from_str(&text).unwrap();
        assert_eq!(back, resource, "{name}");
        let stem = name.trim_start_matches("json_snapshots__").trim_end_matches(".snap");
        insta::assert_snapshot!(stem, text);
    }
}

#[test]
fn narrative_extensions_and_contained() {
    let resource: Resource = json::from_str(
        r##"{
  "resourceType": "Patient",
  "id": "p1",
  "text": {
    "status": "generated",
    "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">\n  <p>Peter &amp; <b>James</b> &quot;Jim&quot; Chalmers</p><br/>\n</div>"
  },
  "contained": [{"resourceType": "Organization", "id": "org", "name": "Acme <Health>"}],
  "extension": [{"url": "http://example.org/score", "valueDecimal": 1.50}],
  "name": [{"id": "n1", "family": "Chalmers", "given": ["Peter", null], "_given": [null, {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}]}],
  "birthDate": "1974-12",
  "_birthDate": {"id": "bd"},
  "managingOrganization": {"reference": "#org"}
}"##,
    )
    .unwrap();
    let text = xml::to_string_pretty(&resource).unwrap();
    let back: Resource = xml::from_str(&text).unwrap();
    assert_eq!(back, resource);
    insta::assert_snapshot!(text);
}
