//! One test per refusal rule of the JSON reader, asserting the error's kind, path and position.

use fhir_model::json::{self, Error, ErrorKind, Options};
use fhir_model::{Coded, Patient, Resource, Task, TaskStatus};

fn err(text: &str) -> Error {
    json::from_str::<Resource>(text).expect_err("must be refused")
}

const TASK: &str = r#"{"resourceType":"Task","status":"requested","intent":"order""#;

fn task_with(rest: &str) -> String {
    format!("{TASK},{rest}}}")
}

#[test]
fn empty_string() {
    let e = err(&task_with(r#""description":"""#));
    assert_eq!(e.kind(), &ErrorKind::EmptyString);
    assert_eq!(e.path(), "Task.description");
    assert_eq!((e.line(), e.column()), (1, 76));
}

#[test]
fn empty_object() {
    let e = err(&task_with(r#""input":[{"type":{"text":"x"},"valueReference":{}}]"#));
    assert_eq!(e.kind(), &ErrorKind::EmptyObject);
    assert_eq!(e.path(), "Task.input[0].valueReference");
}

#[test]
fn empty_array() {
    let e = err(&task_with(r#""note":[]"#));
    assert_eq!(e.kind(), &ErrorKind::EmptyArray);
    assert_eq!(e.path(), "Task.note");
}

#[test]
fn duplicate_key() {
    let e = err(r#"{"resourceType":"Task","status":"requested","intent":"order","status":"completed"}"#);
    assert_eq!(e.kind(), &ErrorKind::DuplicateKey("status".into()));
    assert_eq!(e.column(), 62);
    // Also inside nested objects, in sidecars and in the resourceType itself.
    let e = err(&task_with(r#""for":{"reference":"Patient/1","reference":"Patient/2"}"#));
    assert_eq!(
        (e.kind(), e.path()),
        (&ErrorKind::DuplicateKey("reference".into()), "Task.for")
    );
    let e = err(&task_with(r#""_status":{"id":"a"},"_status":{"id":"b"}"#));
    assert_eq!(e.kind(), &ErrorKind::DuplicateKey("_status".into()));
    let e = err(r#"{"resourceType":"Task","resourceType":"Task","status":"requested","intent":"order"}"#);
    assert_eq!(e.kind(), &ErrorKind::DuplicateKey("resourceType".into()));
}

#[test]
fn two_choices_of_one_element() {
    let e = err(&task_with(
        r#""input":[{"type":{"text":"x"},"valueString":"a","valueBoolean":true}]"#,
    ));
    assert_eq!(
        e.kind(),
        &ErrorKind::ChoiceConflict {
            first: "valueString".into(),
            second: "valueBoolean".into()
        }
    );
    assert_eq!(e.path(), "Task.input[0]");
}

#[test]
fn wrong_missing_or_unknown_resource_type() {
    let e = json::from_str::<Task>(r#"{"resourceType":"Patient"}"#).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::WrongResourceType {
            expected: "Task",
            found: "Patient".into()
        }
    );
    let e = err(r#"{"status":"requested"}"#);
    assert_eq!(e.kind(), &ErrorKind::MissingResourceType);
    let e = json::from_str::<Task>(r#"{"status":"requested","intent":"order"}"#).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::MissingResourceType);
    let e = err(r#"{"resourceType":"Taks"}"#);
    assert_eq!(e.kind(), &ErrorKind::UnknownResourceType("Taks".into()));
    let e = err(&task_with(r#""contained":[{"id":"x"}]"#));
    assert_eq!(
        (e.kind(), e.path()),
        (&ErrorKind::MissingResourceType, "Task.contained[0]")
    );
}

#[test]
fn unknown_element_is_an_error_strictly_and_a_warning_leniently() {
    let text = task_with(r#""owner":{"reference":"Organization/1","colour":"red"}"#);
    let e = err(&text);
    assert_eq!(
        (e.kind(), e.path()),
        (&ErrorKind::UnknownElement("colour".into()), "Task.owner")
    );
    let parsed = json::from_slice_with::<Task>(text.as_bytes(), Options::lenient()).unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].kind, ErrorKind::UnknownElement("colour".into()));
    assert_eq!(parsed.warnings[0].path, "Task.owner");
    assert_eq!(parsed.value.owner.unwrap().reference_str(), Some("Organization/1"));
}

#[test]
fn unknown_code_is_an_error_strictly_and_kept_leniently() {
    let text = r#"{"resourceType":"Task","status":"pending","intent":"order"}"#;
    let e = json::from_str::<Task>(text).unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (
            &ErrorKind::UnknownCode {
                code: "pending".into(),
                value_set: "http://hl7.org/fhir/ValueSet/task-status"
            },
            "Task.status"
        )
    );
    let parsed = json::from_slice_with::<Task>(text.as_bytes(), Options::lenient()).unwrap();
    assert_eq!(
        parsed.value.status.value,
        Some(Coded::<TaskStatus>::Unknown("pending".into()))
    );
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(json::to_string(&parsed.value), text);
}

#[test]
fn missing_required_element() {
    let e = err(r#"{"resourceType":"Task","status":"requested"}"#);
    assert_eq!((e.kind(), e.path()), (&ErrorKind::MissingElement("intent"), "Task"));
    let e = err(&task_with(r#""input":[{"type":{"text":"x"}}]"#));
    assert_eq!(
        (e.kind(), e.path()),
        (&ErrorKind::MissingElement("value[x]"), "Task.input[0]")
    );
}

#[test]
fn nesting_beyond_the_bound() {
    let deep = format!(
        "{{\"resourceType\":\"Basic\",\"code\":{{\"text\":\"x\"}},\"extension\":{}{}}}",
        "[{\"url\":\"http://x\",\"extension\":".repeat(200),
        "[{\"url\":\"http://x\",\"valueString\":\"y\"}]".to_owned() + &"}]".repeat(200)
    );
    let e = err(&deep);
    assert_eq!(e.kind(), &ErrorKind::TooDeep(128));
    // Unmodelled resources are held generically and are bounded the same way.
    let e = err(&format!(
        "{{\"resourceType\":\"Account\",\"x\":{}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    ));
    assert_eq!(e.kind(), &ErrorKind::TooDeep(128));
    let opts = Options {
        max_depth: 5,
        ..Options::default()
    };
    let e = json::from_slice_with::<Resource>(
        task_with(r#""for":{"identifier":{"assigner":{"identifier":{"assigner":{"display":"x"}}}}}"#).as_bytes(),
        opts,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (
            &ErrorKind::TooDeep(5),
            "Task.for.identifier.assigner.identifier.assigner"
        )
    );
}

#[test]
fn invalid_utf8() {
    let mut bytes = task_with(r#""description":"caf"#).into_bytes();
    bytes.truncate(bytes.len() - 2);
    bytes.extend_from_slice(b"\xC3\x28\"}");
    let e = json::from_slice::<Resource>(&bytes).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidUtf8);
    assert_eq!(e.column(), 79);
}

#[test]
fn syntax_errors_name_line_and_column() {
    let e = err("{\n  \"resourceType\": \"Task\",\n  \"status\": requested\n}");
    assert!(
        matches!(e.kind(), ErrorKind::UnexpectedType { expected: "string", .. }),
        "{e}"
    );
    assert_eq!((e.line(), e.column()), (3, 13));
    assert_eq!(e.path(), "Task.status");
    let e = err(&format!("{} trailing", task_with(r#""priority":"routine""#)));
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)));
    let e = err(r#"{"resourceType":"Task","description":"tab	inside"}"#);
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)));
}

#[test]
fn primitive_formats_are_checked() {
    let cases = [
        (r#""authoredOn":"2021-02-30""#, "Task.authoredOn", "dateTime"),
        (r#""authoredOn":"2021-05-03T10:00:00""#, "Task.authoredOn", "dateTime"),
        (r#""id":"has space""#, "Task.id", "id"),
        (r#""instantiatesUri":"http://x y""#, "Task.instantiatesUri", "uri"),
        (
            r#""restriction":{"repetitions":0}"#,
            "Task.restriction.repetitions",
            "positiveInt",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueInteger":2147483648}]"#,
            "Task.input[0].valueInteger",
            "integer",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueInteger":1.0}]"#,
            "Task.input[0].valueInteger",
            "integer",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueOid":"1.2.3"}]"#,
            "Task.input[0].valueOid",
            "oid",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueUuid":"urn:uuid:ABC"}]"#,
            "Task.input[0].valueUuid",
            "uuid",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueBase64Binary":"abc"}]"#,
            "Task.input[0].valueBase64Binary",
            "base64Binary",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueCode":" lead"}]"#,
            "Task.input[0].valueCode",
            "code",
        ),
        (
            r#""input":[{"type":{"text":"x"},"valueInstant":"2021-05-03"}]"#,
            "Task.input[0].valueInstant",
            "instant",
        ),
    ];
    for (json_part, path, ty) in cases {
        let e = err(&task_with(json_part));
        assert_eq!(e.path(), path, "{json_part}");
        assert!(
            matches!(e.kind(), ErrorKind::InvalidValue { fhir_type, .. } if *fhir_type == ty),
            "{json_part}: {e}"
        );
    }
    // Wrong JSON kinds for primitives.
    let e = err(&task_with(r#""input":[{"type":{"text":"x"},"valueDecimal":"1.5"}]"#));
    assert_eq!(
        e.kind(),
        &ErrorKind::UnexpectedType {
            expected: "number",
            found: "string"
        }
    );
    let e = err(&task_with(r#""input":[{"type":{"text":"x"},"valueBoolean":"true"}]"#));
    assert_eq!(
        e.kind(),
        &ErrorKind::UnexpectedType {
            expected: "boolean",
            found: "string"
        }
    );
}

#[test]
fn decimals_keep_their_text() {
    for d in [
        "1.50",
        "19",
        "1E-22",
        "-1.000000000000000000E+245",
        "0.0000000000000000000001",
        "100.000",
    ] {
        let text = task_with(&format!(r#""input":[{{"type":{{"text":"x"}},"valueDecimal":{d}}}]"#));
        let task: Task = json::from_str(&text).unwrap();
        assert_eq!(json::to_string(&task), text, "{d}");
    }
}

#[test]
fn repeating_primitives_with_null_placeholders() {
    let ok = r#"{"resourceType":"Patient","name":[{"given":["A",null,"C"],"_given":[null,{"extension":[{"url":"http://x","valueString":"b"}]},{"id":"c"}]}]}"#;
    let p: Patient = json::from_str(ok).unwrap();
    let given = &p.name[0].given;
    assert_eq!(given.len(), 3);
    assert_eq!(given[1].value, None);
    assert_eq!(given[1].extension().len(), 1);
    assert_eq!(given[2].id(), Some("c"));
    assert_eq!(json::to_string(&p), ok);

    let e = json::from_str::<Patient>(r#"{"resourceType":"Patient","name":[{"given":["A",null]}]}"#).unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (&ErrorKind::UnexpectedNull, "Patient.name[0].given")
    );
    let e = json::from_str::<Patient>(r#"{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[null]}]}"#)
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::SidecarLength { values: 2, sidecar: 1 });
    let e = json::from_str::<Patient>(r#"{"resourceType":"Patient","name":[{"given":[null]}]}"#).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnexpectedNull);
}

#[test]
fn primitive_with_only_an_extension_on_a_required_element_and_on_a_choice() {
    let text = r#"{"resourceType":"Task","_status":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]},"intent":"order","input":[{"type":{"text":"x"},"_valueString":{"id":"s1"}}]}"#;
    let t: Task = json::from_str(text).unwrap();
    assert_eq!(t.status.value, None);
    assert_eq!(t.status.extension().len(), 1);
    assert_eq!(json::to_string(&t), text);
    let e = err(&task_with(
        r#""input":[{"type":{"text":"x"},"valueString":"a","_valueBoolean":{"id":"b"}}]"#,
    ));
    assert!(matches!(e.kind(), ErrorKind::ChoiceConflict { .. }), "{e}");
}

#[test]
fn errors_display_path_line_column_and_expectation() {
    let e = err(&task_with(r#""note":[]"#));
    assert_eq!(
        e.to_string(),
        "Task.note: expected an array with items, found [] (FHIR forbids empty arrays) at line 1 column 69"
    );
}

#[test]
fn bundle_paths_reach_into_entries() {
    let text = r#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Task","status":"requested","intent":"order","input":[{"type":{"text":"x"},"valueReference":{"reference":""}}]}}]}"#;
    let e = err(text);
    assert_eq!(e.path(), "Bundle.entry[1].resource.input[0].valueReference.reference");
    assert_eq!(e.kind(), &ErrorKind::EmptyString);
}

#[test]
fn deep_documents_within_the_bound_parse_on_a_small_stack() {
    // 31 levels of Extension.valueReference.extension: depth 4 each, just under the bound.
    let levels = 31;
    let text = format!(
        "{{\"resourceType\":\"Basic\",\"code\":{{\"text\":\"x\"}},\"extension\":[{}{}]}}",
        "{\"url\":\"http://x\",\"valueReference\":{\"extension\":[".repeat(levels),
        "{\"url\":\"http://x\",\"valueString\":\"y\"}".to_owned() + &"]}}".repeat(levels)
    );
    let parsed = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            json::from_str::<Resource>(&text).map(|r| {
                let again = json::value_from_slice(json::to_string(&r).as_bytes()).unwrap();
                again.same_as(&json::value_from_slice(text.as_bytes()).unwrap())
            })
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(parsed, Ok(true));
}
