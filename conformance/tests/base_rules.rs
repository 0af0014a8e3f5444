//! One mutation per base rule: a valid resource, one thing broken, and the exact issue
//! (severity, issue-type code, FHIRPath expression, and the rule named in the diagnostics).
//! The last test checks that every implemented invariant key is exercised here.

mod common;

use common::{errors, flatten, validate_json, Found};
use serde_json::{json, Value};

const NARRATIVE: &str = "<div xmlns=\"http://www.w3.org/1999/xhtml\">example</div>";

fn task() -> Value {
    json!({
        "resourceType": "Task",
        "id": "t1",
        "text": {"status": "generated", "div": NARRATIVE},
        "contained": [{"resourceType": "Patient", "id": "p1"}],
        "status": "requested",
        "intent": "order",
        "for": {"reference": "#p1"},
        "authoredOn": "2024-05-01T10:00:00Z",
        "lastModified": "2024-05-02T10:00:00Z",
        "input": [{"type": {"text": "note"}, "valueString": "call first"}]
    })
}

fn bundle(kind: &str) -> Value {
    let mut entry_task = task();
    entry_task["id"] = json!("t2");
    json!({
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"fullUrl": "http://example.org/fhir/Task/t2", "resource": entry_task}]
    })
}

/// A searchset Bundle that passes every rule.
fn searchset() -> Value {
    let mut b = bundle("searchset");
    b["total"] = json!(1);
    b["entry"][0]["search"] = json!({"mode": "match"});
    b
}

fn condition() -> Value {
    json!({
        "resourceType": "Condition",
        "text": {"status": "generated", "div": NARRATIVE},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "subject": {"reference": "Patient/1"}
    })
}

fn operation_outcome() -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "text": {"status": "generated", "div": NARRATIVE},
        "issue": [{"severity": "error", "code": "invalid"}]
    })
}

/// Asserts the unbroken document has no error, and the broken one has the issue expected.
fn check(name: &str, valid: Value, mutate: impl FnOnce(&mut Value), expected: (&str, &str, &str, &str)) -> Found {
    let baseline = validate_json(&valid.to_string(), None);
    assert!(
        errors(&baseline).is_empty(),
        "{name}: baseline is not valid: {:#?}",
        errors(&baseline)
    );
    let mut broken = valid;
    mutate(&mut broken);
    let outcome = validate_json(&broken.to_string(), None);
    let (severity, code, expression, needle) = expected;
    let all = flatten(&outcome);
    all.iter()
        .find(|f| {
            f.severity == severity && f.code == code && f.expression == expression && f.diagnostics.contains(needle)
        })
        .cloned()
        .unwrap_or_else(|| {
            panic!("{name}: expected {severity} {code} at {expression} mentioning {needle:?}, found {all:#?}")
        })
}

#[test]
fn cardinality_min_single() {
    check(
        "Task.status missing",
        task(),
        |t| {
            t.as_object_mut().unwrap().remove("status");
        },
        ("error", "required", "Task.status", "minimum cardinality 1"),
    );
}

#[test]
fn cardinality_min_in_backbone() {
    check(
        "Task.input.type missing",
        task(),
        |t| {
            t["input"][0].as_object_mut().unwrap().remove("type");
        },
        (
            "error",
            "required",
            "Task.input[0].type",
            "Task.input.type: minimum cardinality 1",
        ),
    );
}

#[test]
fn cardinality_one_or_more() {
    check(
        "OperationOutcome.issue 1..* empty",
        operation_outcome(),
        |o| {
            o.as_object_mut().unwrap().remove("issue");
        },
        ("error", "required", "OperationOutcome.issue", "minimum cardinality 1"),
    );
}

#[test]
fn required_binding_on_code() {
    check(
        "Task.status outside task-status",
        task(),
        |t| t["status"] = json!("bogus"),
        (
            "error",
            "code-invalid",
            "Task.status",
            "http://hl7.org/fhir/ValueSet/task-status",
        ),
    );
}

#[test]
fn required_binding_in_a_nested_resource() {
    check(
        "a Bundle entry's Task.intent outside task-intent",
        searchset(),
        |b| b["entry"][0]["resource"]["intent"] = json!("wish"),
        (
            "error",
            "code-invalid",
            "Bundle.entry[0].resource.intent",
            "task-intent",
        ),
    );
}

#[test]
fn required_binding_on_codeable_concept() {
    check(
        "Condition.clinicalStatus outside condition-clinical",
        condition(),
        |c| c["clinicalStatus"]["coding"][0]["code"] = json!("gone"),
        (
            "error",
            "code-invalid",
            "Condition.clinicalStatus",
            "found http://terminology.hl7.org/CodeSystem/condition-clinical#gone",
        ),
    );
}

#[test]
fn reference_target_type() {
    check(
        "Task.owner referring to an Encounter",
        task(),
        |t| t["owner"] = json!({"reference": "Encounter/e1"}),
        (
            "error",
            "structure",
            "Task.owner",
            "expected a reference to CareTeam | Device | HealthcareService",
        ),
    );
    check(
        "Task.partOf referring to a Patient (absolute, versioned)",
        task(),
        |t| t["partOf"] = json!([{"reference": "http://example.org/fhir/Patient/p9/_history/2"}]),
        ("error", "structure", "Task.partOf[0]", "found a reference to Patient"),
    );
}

#[test]
fn reference_targets_unknown_types_are_not_guessed() {
    let mut t = task();
    t["owner"] = json!({"identifier": {"system": "http://example.org/npi", "value": "1"}});
    t["partOf"] = json!([{"reference": "urn:uuid:0c2a2b2e-2d5e-4bd2-9a1d-1f0b0f0b0f0b"}]);
    assert!(errors(&validate_json(&t.to_string(), None)).is_empty());
}

#[test]
fn ele_1_complex() {
    check(
        "Task.code with only an id",
        task(),
        |t| t["code"] = json!({"id": "c1"}),
        ("error", "invariant", "Task.code", "ele-1"),
    );
}

#[test]
fn ele_1_primitive() {
    check(
        "Task.description with only an id",
        task(),
        |t| t["_description"] = json!({"id": "d1"}),
        ("error", "invariant", "Task.description", "ele-1"),
    );
}

#[test]
fn ext_1_both() {
    check(
        "an extension with a value and extensions",
        task(),
        |t| {
            t["extension"] = json!([{
                "url": "http://example.org/x",
                "valueString": "v",
                "extension": [{"url": "y", "valueString": "w"}]
            }])
        },
        ("error", "invariant", "Task.extension[0]", "ext-1"),
    );
}

#[test]
fn ext_1_neither() {
    check(
        "an extension on a primitive with neither value nor extensions",
        task(),
        |t| t["_status"] = json!({"extension": [{"url": "http://example.org/x"}]}),
        ("error", "invariant", "Task.status.extension[0]", "ext-1"),
    );
}

#[test]
fn ref_1() {
    check(
        "a local reference to no contained resource",
        task(),
        |t| {
            t["owner"] = json!({"reference": "#nobody"});
        },
        ("error", "invariant", "Task.owner.reference", "ref-1"),
    );
}

#[test]
fn dom_2() {
    check(
        "a contained resource with contained resources",
        task(),
        |t| t["contained"][0]["contained"] = json!([{"resourceType": "Patient", "id": "p2"}]),
        ("error", "invariant", "Task.contained[0].contained", "dom-2"),
    );
}

#[test]
fn dom_3() {
    check(
        "a contained resource nothing refers to",
        task(),
        |t| {
            t["contained"]
                .as_array_mut()
                .unwrap()
                .push(json!({"resourceType": "Practitioner", "id": "pr1"}))
        },
        ("error", "invariant", "Task.contained[1]", "dom-3"),
    );
}

#[test]
fn dom_4() {
    check(
        "a contained resource with meta.versionId",
        task(),
        |t| t["contained"][0]["meta"] = json!({"versionId": "2"}),
        ("error", "invariant", "Task.contained[0].meta.versionId", "dom-4"),
    );
}

#[test]
fn dom_5() {
    check(
        "a contained resource with a security label",
        task(),
        |t| {
            t["contained"][0]["meta"] = json!({"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]})
        },
        ("error", "invariant", "Task.contained[0].meta.security", "dom-5"),
    );
}

#[test]
fn dom_6_is_a_warning() {
    let found = check(
        "no narrative",
        task(),
        |t| {
            t.as_object_mut().unwrap().remove("text");
        },
        ("warning", "invariant", "Task.text", "dom-6"),
    );
    assert!(found.diagnostics.contains("text.`div`.exists()"), "{found:?}");
}

#[test]
fn inv_1() {
    let found = check(
        "lastModified before authoredOn",
        task(),
        |t| t["lastModified"] = json!("2024-04-30"),
        ("error", "invariant", "Task.lastModified", "inv-1"),
    );
    assert!(found.diagnostics.contains("lastModified >= authoredOn"), "{found:?}");
}

#[test]
fn inv_1_overlapping_precision_is_not_a_violation() {
    let mut t = task();
    t["lastModified"] = json!("2024-05-01");
    assert!(errors(&validate_json(&t.to_string(), None)).is_empty());
}

#[test]
fn bdl_1() {
    check(
        "total in a collection",
        searchset(),
        |b| {
            b["type"] = json!("collection");
            b["entry"][0].as_object_mut().unwrap().remove("search");
        },
        ("error", "invariant", "Bundle.total", "bdl-1"),
    );
}

#[test]
fn bdl_2() {
    check(
        "entry.search in a collection",
        searchset(),
        |b| {
            b["type"] = json!("collection");
            b.as_object_mut().unwrap().remove("total");
        },
        ("error", "invariant", "Bundle.entry[0].search", "bdl-2"),
    );
}

#[test]
fn bdl_3() {
    check(
        "no entry.request in a transaction",
        bundle("collection"),
        |b| b["type"] = json!("transaction"),
        ("error", "invariant", "Bundle.entry[0].request", "bdl-3"),
    );
}

#[test]
fn bdl_4() {
    check(
        "no entry.response in a history",
        bundle("collection"),
        |b| {
            b["type"] = json!("history");
            b["entry"][0]["request"] = json!({"method": "PUT", "url": "Task/t2"});
        },
        ("error", "invariant", "Bundle.entry[0].response", "bdl-4"),
    );
}

#[test]
fn bdl_5() {
    check(
        "an entry with nothing",
        bundle("collection"),
        |b| {
            b["entry"]
                .as_array_mut()
                .unwrap()
                .push(json!({"fullUrl": "http://example.org/fhir/Task/t3"}))
        },
        ("error", "invariant", "Bundle.entry[1]", "bdl-5"),
    );
}

#[test]
fn bdl_7() {
    check(
        "the same fullUrl twice",
        bundle("collection"),
        |b| {
            let again = b["entry"][0].clone();
            b["entry"].as_array_mut().unwrap().push(again);
        },
        ("error", "invariant", "Bundle.entry[1].fullUrl", "bdl-7"),
    );
}

#[test]
fn bdl_7_allows_versions_and_history() {
    let mut b = bundle("collection");
    let mut again = b["entry"][0].clone();
    again["resource"]["meta"] = json!({"versionId": "2"});
    b["entry"].as_array_mut().unwrap().push(again);
    assert!(errors(&validate_json(&b.to_string(), None)).is_empty());
}

#[test]
fn bdl_8() {
    check(
        "a version-specific fullUrl",
        bundle("collection"),
        |b| b["entry"][0]["fullUrl"] = json!("http://example.org/fhir/Task/t2/_history/1"),
        ("error", "invariant", "Bundle.entry[0].fullUrl", "bdl-8"),
    );
}

#[test]
fn bdl_9_10_11() {
    for (expression, key) in [
        ("Bundle.identifier", "bdl-9"),
        ("Bundle.timestamp", "bdl-10"),
        ("Bundle.entry[0]", "bdl-11"),
    ] {
        check(
            key,
            bundle("collection"),
            |b| b["type"] = json!("document"),
            ("error", "invariant", expression, key),
        );
    }
}

#[test]
fn bdl_12() {
    check(
        "a message starting with a Task",
        bundle("collection"),
        |b| b["type"] = json!("message"),
        ("error", "invariant", "Bundle.entry[0]", "bdl-12"),
    );
}

#[test]
fn unknown_element_is_an_error_with_its_position() {
    let text = "{\"resourceType\":\"Task\",\n\"status\":\"requested\",\"intent\":\"order\",\n\"colour\":\"red\"}";
    let outcome = validate_json(text, None);
    let issue = outcome
        .issue
        .iter()
        .find(|i| {
            i.diagnostics
                .as_ref()
                .and_then(|d| d.value.as_deref())
                .is_some_and(|d| d.contains("colour"))
        })
        .expect("an issue about the unknown element");
    assert_eq!(issue.code.value.as_ref().map(|c| c.code()), Some("structure"));
    assert_eq!(issue.severity.value.as_ref().map(|c| c.code()), Some("error"));
    assert_eq!(conformance::position(issue), Some((3, 1)));
}

#[test]
fn unreadable_json_is_fatal() {
    let outcome = validate_json("{\"resourceType\":\"Task\",", None);
    let found = flatten(&outcome);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].severity.as_str(), found[0].code.as_str()),
        ("fatal", "structure")
    );
    assert!(conformance::position(&outcome.issue[0]).is_some());
    assert!(!conformance::is_valid(&outcome));
}

#[test]
fn code_issues_borrow_the_parser_position() {
    let text = "{\"resourceType\":\"Task\",\n  \"status\":\"bogus\",\"intent\":\"order\"}";
    let outcome = validate_json(text, None);
    let issue = outcome
        .issue
        .iter()
        .find(|i| i.code.value.as_ref().map(|c| c.code()) == Some("code-invalid"))
        .expect("code-invalid");
    assert_eq!(issue.expression[0].value.as_deref(), Some("Task.status"));
    assert_eq!(conformance::position(issue).map(|(line, _)| line), Some(2));
}

#[test]
fn xml_is_read_and_checked() {
    let xml = r#"<Task xmlns="http://hl7.org/fhir">
  <status value="bogus"/>
  <intent value="order"/>
</Task>"#;
    let outcome = conformance::Validator::new().validate_xml(xml.as_bytes());
    let found = errors(&outcome);
    assert!(
        found
            .iter()
            .any(|f| f.code == "code-invalid" && f.expression == "Task.status"),
        "{found:#?}"
    );
}

#[test]
fn an_all_clear_is_one_informational_issue() {
    let outcome = validate_json(&task().to_string(), None);
    let found = flatten(&outcome);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].severity.as_str(), found[0].code.as_str()),
        ("information", "informational")
    );
}

/// Every implemented invariant key is exercised by a test of this file.
#[test]
fn every_invariant_has_a_mutation_test() {
    let source = include_str!("base_rules.rs");
    for key in conformance::implemented_keys() {
        assert!(source.contains(&format!("\"{key}\"")), "no mutation test names {key}");
    }
}

#[test]
fn declared_profiles_of_contained_resources_are_checked() {
    let mut t = task();
    t["contained"].as_array_mut().unwrap().push(json!({
        "resourceType": "Task",
        "id": "sub",
        "meta": {"profile": ["http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task"]},
        "status": "requested",
        "intent": "order"
    }));
    t["partOf"] = json!([{"reference": "#sub"}]);
    let found = errors(&validate_json(&t.to_string(), None));
    assert!(
        found.iter().any(|f| f.code == "required"
            && f.expression == "Task.contained[1].identifier"
            && f.diagnostics.contains("all.fsh:93")),
        "{found:#?}"
    );
}
