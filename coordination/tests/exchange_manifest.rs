//! The completion manifest: the Bulk Data v2 example, every required field missing in turn,
//! wrong types, the download plan.

use coordination::exchange::{FileKind, Manifest};

/// A manifest with every field BULK-COMPLETE defines (same shape as the v2 export.md example).
const V2_EXAMPLE: &str = r#"{
    "transactionTime": "2024-03-01T12:00:00Z",
    "request": "https://payer.example/fhir/Group/panel-7/$export?_type=Patient,Claim",
    "requiresAccessToken": true,
    "output": [
      {"type": "Patient", "url": "https://files.payer.example/out/patient_1.ndjson", "count": 120},
      {"type": "Patient", "url": "https://files.payer.example/out/patient_2.ndjson"},
      {"type": "Claim", "url": "https://files.payer.example/out/claim_1.ndjson", "count": 900}
    ],
    "deleted": [{"type": "Bundle", "url": "https://files.payer.example/out/deleted_1.ndjson"}],
    "error": [{"type": "OperationOutcome", "url": "https://files.payer.example/out/errors_1.ndjson"}],
    "extension": {"https://payer.example/manifest-note": true}
}"#;

#[test]
fn a_full_manifest_parses_and_plans_downloads() {
    let m = Manifest::parse(V2_EXAMPLE.as_bytes()).unwrap();
    assert_eq!(m.transaction_time.to_string(), "2024-03-01T12:00:00Z");
    assert_eq!(m.output[0].count, Some(120));
    assert!(m.requires_access_token);
    assert_eq!(m.output.len(), 3);
    assert_eq!(m.deleted[0].resource_type, "Bundle");
    assert_eq!(
        m.extension.as_ref().unwrap()["https://payer.example/manifest-note"],
        true
    );
    let plan: Vec<String> = m
        .download_plan()
        .iter()
        .map(|d| format!("{} {} {} token={}", d.kind, d.resource_type, d.url, d.requires_token))
        .collect();
    insta::assert_snapshot!(plan.join("\n"));
    let first = &m.download_plan()[0];
    assert_eq!(first.kind, FileKind::Output);
    let req = first.request().unwrap();
    assert_eq!(req.headers()["accept"], "application/fhir+ndjson");
    assert_eq!(req.uri(), "https://files.payer.example/out/patient_1.ndjson");
}

#[test]
fn paged_manifest_link_is_read() {
    let text = V2_EXAMPLE.replace(
        "\"extension\"",
        "\"link\": [{\"relation\": \"next\", \"url\": \"https://payer.example/manifest?page=2\"}], \"extension\"",
    );
    let m = Manifest::parse(text.as_bytes()).unwrap();
    assert_eq!(m.next_page(), Some("https://payer.example/manifest?page=2"));
}

fn refusal(mutate: impl Fn(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(V2_EXAMPLE).unwrap();
    mutate(&mut v);
    Manifest::parse(&serde_json::to_vec(&v).unwrap())
        .unwrap_err()
        .to_string()
}

#[test]
fn refusals_name_the_field() {
    let lines = [
        refusal(|v| {
            v.as_object_mut().unwrap().remove("transactionTime");
        }),
        refusal(|v| v["transactionTime"] = "2021-01-01".into()),
        refusal(|v| {
            v.as_object_mut().unwrap().remove("request");
        }),
        refusal(|v| {
            v.as_object_mut().unwrap().remove("requiresAccessToken");
        }),
        refusal(|v| v["requiresAccessToken"] = "true".into()),
        refusal(|v| {
            v.as_object_mut().unwrap().remove("output");
        }),
        refusal(|v| v["output"][1]["type"] = "Patients".into()),
        refusal(|v| v["output"][2]["url"] = "claim_1.ndjson".into()),
        refusal(|v| v["output"][0]["count"] = (-1).into()),
        refusal(|v| v["error"][0]["type"] = "Patient".into()),
        refusal(|v| v["extension"] = serde_json::json!([1])),
        refusal(|v| v["output"][0]["extension"] = "x".into()),
        refusal(|v| *v = serde_json::json!([])),
        Manifest::parse(b"{").unwrap_err().to_string(),
    ];
    insta::assert_snapshot!(lines.join("\n"));
}
