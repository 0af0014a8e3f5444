//! The JSON of a few built resources, as people read it.

use fhir_model::*;

pub fn data_request_task() -> Task {
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    task.id = Some(Primitive::from("data-request-1"));
    task.meta = Some(Meta {
        last_updated: Some(Primitive::new("2020-10-23T04:54:56.123Z".parse().unwrap())),
        ..Default::default()
    });
    task.code = Some(CodeableConcept {
        coding: vec![Coding {
            system: Some(Primitive::from(
                "http://hl7.org/fhir/us/davinci-cdex/CodeSystem/cdex-temp",
            )),
            code: Some(Primitive::from("data-request-query")),
            ..Default::default()
        }],
        ..Default::default()
    });
    task.for_ = Some(Reference::to_type_id("Patient", "B"));
    task.requester = Some(Reference::to_type_id("Organization", "payer-a"));
    task.owner = Some(Reference::to_type_id("Organization", "provider-c"));
    task.authored_on = Some(Primitive::new("2020-10-23".parse().unwrap()));
    task.input.push(TaskInput::new(
        CodeableConcept {
            text: Some(Primitive::from("data-query")),
            ..Default::default()
        },
        TaskInputValue::String(Primitive::from("Condition?patient=B&clinical-status=active")),
    ));
    // A status carrying an extension, and a decimal whose text must survive.
    task.status.set_id(Some("s".into()));
    task.extension.push(Extension {
        url: "http://example.org/score".into(),
        value: Some(ExtensionValue::Decimal(Primitive::new("1.50".parse().unwrap()))),
        ..Default::default()
    });
    task
}

#[test]
fn task_json() {
    insta::assert_snapshot!(json::to_string_pretty(&data_request_task()));
}

#[test]
fn searchset_bundle_json() {
    let bundle = Bundle {
        type_: BundleType::Searchset.into(),
        total: Some(Primitive::new(1)),
        entry: vec![BundleEntry {
            full_url: Some(Primitive::from("http://provider.example/fhir/Task/data-request-1")),
            resource: Some(data_request_task().into()),
            search: Some(BundleEntrySearch {
                mode: Some(SearchEntryMode::Match.into()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        ..Default::default()
    };
    insta::assert_snapshot!(json::to_string_pretty(&bundle));
}

#[test]
fn patient_with_gaps_in_given_names() {
    let patient = Patient {
        id: Some(Primitive::from("B")),
        name: vec![HumanName {
            family: Some(Primitive::from("Doe")),
            given: vec![
                Primitive::from("Jane"),
                Primitive::with_element(
                    None,
                    None,
                    vec![Extension {
                        url: "http://hl7.org/fhir/StructureDefinition/data-absent-reason".into(),
                        value: Some(ExtensionValue::Code(Primitive::from("masked"))),
                        ..Default::default()
                    }],
                ),
            ],
            ..Default::default()
        }],
        ..Default::default()
    };
    insta::assert_snapshot!(json::to_string_pretty(&patient));
}
