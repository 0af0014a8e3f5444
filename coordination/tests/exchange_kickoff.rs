//! Kick-off builders: the three `$export` levels and ATR `$davinci-data-export`, GET and POST
//! forms, parameter validation naming the parameter.

use coordination::exchange::{ExportRequest, KickoffError, ATR_EXPORT_TYPE};
use fhir_model::{json, Reference};

const BASE: &str = "https://payer.example/fhir/";

fn err_param(e: KickoffError) -> String {
    e.parameter
}

#[test]
fn endpoints_of_the_three_levels() {
    assert_eq!(
        ExportRequest::system().get(BASE).unwrap().uri(),
        "https://payer.example/fhir/$export"
    );
    assert_eq!(
        ExportRequest::all_patients().get(BASE).unwrap().uri(),
        "https://payer.example/fhir/Patient/$export"
    );
    assert_eq!(
        ExportRequest::group("panel 1").get(BASE).unwrap().uri(),
        "https://payer.example/fhir/Group/panel%201/$export"
    );
}

#[test]
fn type_filter_example_of_the_ig_is_reproduced() {
    // BULK-KICKOFF "_typeFilter Experimental Query Parameter", Example Request, on Observation
    // (search-params does not model the example's MedicationRequest): each query URL-encoded,
    // then joined with `,`.
    let r = ExportRequest::system()
        .types(["Observation", "Condition"])
        .unwrap()
        .type_filter("Observation?status=final")
        .unwrap()
        .type_filter("Observation?status=amended&date=gt2018-07-01T00:00:00Z")
        .unwrap()
        .get(BASE)
        .unwrap();
    assert_eq!(
        r.uri().query(),
        Some("_type=Observation,Condition&_typeFilter=Observation%3Fstatus%3Dfinal,Observation%3Fstatus%3Damended%26date%3Dgt2018-07-01T00%3A00%3A00Z")
    );
}

#[test]
fn bulk_claims_get_and_post_forms() {
    let request = ExportRequest::group("provider-panel")
        .types(["Claim", "Coverage", "Patient", "ExplanationOfBenefit"])
        .unwrap()
        .since("2024-01-01T00:00:00Z")
        .unwrap()
        .output_format("application/fhir+ndjson")
        .unwrap()
        .elements(["Patient.id", "identifier"])
        .unwrap()
        .type_filter("Claim?status=active")
        .unwrap();
    let get = request.get(BASE).unwrap();
    assert_eq!(get.method(), http::Method::GET);
    let post = request
        .clone()
        .patient(Reference::to_type_id("Patient", "p1"))
        .unwrap()
        .post(BASE)
        .unwrap();
    assert_eq!(post.method(), http::Method::POST);
    assert_eq!(post.headers()["content-type"], "application/fhir+json");
    let parameters: fhir_model::Parameters = json::from_slice(post.body()).unwrap();
    insta::assert_snapshot!(format!(
        "GET {}\n\nPOST {}\n{}",
        get.uri(),
        post.uri(),
        json::to_string_pretty(&parameters)
    ));
}

#[test]
fn atr_attribution_list_export() {
    let r = ExportRequest::attribution_list("atr-group-1").get(BASE).unwrap();
    assert_eq!(
        r.uri().to_string(),
        format!("https://payer.example/fhir/Group/atr-group-1/$davinci-data-export?exportType={ATR_EXPORT_TYPE}&_type=Group,Patient,Practitioner,PractitionerRole,Organization,Location,Coverage,RelatedPerson")
    );
    // ATR: "SHALL reject requests that do not contain the minimum resource types of
    // Group,Patient,Coverage".
    let e = ExportRequest::attribution_list("g")
        .types(["Group", "Patient"])
        .unwrap()
        .get(BASE)
        .unwrap_err();
    assert_eq!((e.parameter.as_str(), e.found.as_str()), ("_type", "no Coverage"));
    // `_until` belongs to $davinci-data-export only.
    let with_until = ExportRequest::attribution_list("g")
        .until("2024-12-31T00:00:00Z")
        .unwrap();
    assert!(with_until
        .get(BASE)
        .unwrap()
        .uri()
        .query()
        .unwrap()
        .contains("_until=2024-12-31T00%3A00%3A00Z"));
    let e = ExportRequest::group("g")
        .until("2024-12-31T00:00:00Z")
        .unwrap()
        .get(BASE)
        .unwrap_err();
    assert_eq!(e.parameter, "_until");
}

#[test]
fn refusals_name_the_parameter() {
    let cases: Vec<(KickoffError, &str)> = vec![
        (ExportRequest::system().types(["Claims"]).unwrap_err(), "_type"),
        (ExportRequest::system().since("2024-01-01").unwrap_err(), "_since"),
        (ExportRequest::system().output_format("").unwrap_err(), "_outputFormat"),
        (
            ExportRequest::system().elements(["Patient.Name"]).unwrap_err(),
            "_elements",
        ),
        (
            ExportRequest::system().elements(["Nope.name"]).unwrap_err(),
            "_elements",
        ),
        (
            ExportRequest::system().type_filter("Claim?_sort=created").unwrap_err(),
            "_typeFilter",
        ),
        (
            ExportRequest::system()
                .type_filter("Claim?_include=Claim:patient")
                .unwrap_err(),
            "_typeFilter",
        ),
        (
            ExportRequest::system().type_filter("Claim?nonsense=1").unwrap_err(),
            "_typeFilter",
        ),
        (ExportRequest::system().type_filter("Claim").unwrap_err(), "_typeFilter"),
        (
            ExportRequest::system()
                .types(["Patient"])
                .unwrap()
                .type_filter("Claim?status=active")
                .unwrap()
                .get(BASE)
                .unwrap_err(),
            "_typeFilter",
        ),
        (
            ExportRequest::system()
                .patient(Reference::to_type_id("Patient", "1"))
                .unwrap_err(),
            "patient",
        ),
        (
            ExportRequest::group("g")
                .patient(Reference::to_type_id("Practitioner", "1"))
                .unwrap_err(),
            "patient",
        ),
        (
            ExportRequest::group("g")
                .patient(Reference::to_type_id("Patient", "1"))
                .unwrap()
                .get(BASE)
                .unwrap_err(),
            "patient",
        ),
        (
            ExportRequest::system()
                .include_associated_data("Everything")
                .unwrap_err(),
            "includeAssociatedData",
        ),
        (ExportRequest::system().get("payer.example/fhir").unwrap_err(), "base"),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(e, want)| {
            let line = e.to_string();
            assert_eq!(err_param(e), want, "{line}");
            line
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn repeated_types_are_kept_once_and_custom_associated_data_is_allowed() {
    let r = ExportRequest::all_patients()
        .types(["Patient", "Patient", "Coverage"])
        .unwrap()
        .include_associated_data("_myPreset")
        .unwrap()
        .include_associated_data("LatestProvenanceResources")
        .unwrap()
        .get(BASE)
        .unwrap();
    assert_eq!(
        r.uri().query(),
        Some("_type=Patient,Coverage&includeAssociatedData=_myPreset,LatestProvenanceResources")
    );
}
