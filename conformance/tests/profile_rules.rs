//! One mutation per profile rule: an IG example that passes its profile, one thing broken, and
//! the exact issue (severity, issue-type code, FHIRPath expression, and the rule's source file
//! and line in the diagnostics). The last test of each profile checks that every rule of the
//! profile that a resource can break is exercised.

mod common;

use std::collections::BTreeSet;

use common::{errors, fixtures, flatten, shared_dir, validate_json};
use serde_json::{json, Value};

/// An edit of a JSON document.
enum Op {
    /// Sets the value at a JSON pointer (the parent must exist).
    Set(&'static str, Value),
    /// Removes the value at a JSON pointer.
    Remove(&'static str),
    /// Appends to the array at a JSON pointer (creating it).
    Push(&'static str, Value),
}

fn apply(doc: &mut Value, op: &Op) {
    let (pointer, value) = match op {
        Op::Set(p, v) | Op::Push(p, v) => (*p, Some(v.clone())),
        Op::Remove(p) => (*p, None),
    };
    let (parent, last) = pointer.rsplit_once('/').expect("pointer");
    let parent = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no parent for {pointer}"));
    match (op, value) {
        (Op::Push(..), Some(v)) => {
            let slot = parent
                .as_object_mut()
                .expect("object")
                .entry(last.to_owned())
                .or_insert_with(|| json!([]));
            slot.as_array_mut().expect("array").push(v);
        }
        (Op::Set(..), Some(v)) => match parent {
            Value::Array(a) => a[last.parse::<usize>().expect("index")] = v,
            Value::Object(o) => {
                o.insert(last.to_owned(), v);
            }
            _ => panic!("cannot set {pointer}"),
        },
        (Op::Remove(..), None) => match parent {
            Value::Array(a) => {
                a.remove(last.parse::<usize>().expect("index"));
            }
            Value::Object(o) => {
                o.remove(last).unwrap_or_else(|| panic!("nothing at {pointer}"));
            }
            _ => panic!("cannot remove {pointer}"),
        },
        _ => unreachable!(),
    }
}

/// A mutation and the issue it must cause.
struct Case {
    ops: Vec<Op>,
    severity: &'static str,
    code: &'static str,
    expression: &'static str,
    /// Must appear in the diagnostics: the rule's source (file:line) or key.
    needle: &'static str,
}

fn case(
    ops: Vec<Op>,
    severity: &'static str,
    code: &'static str,
    expression: &'static str,
    needle: &'static str,
) -> Case {
    Case {
        ops,
        severity,
        code,
        expression,
        needle,
    }
}

fn error(ops: Vec<Op>, code: &'static str, expression: &'static str, needle: &'static str) -> Case {
    case(ops, "error", code, expression, needle)
}

fn load(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Runs the cases on `example` (which must pass `profile`), and checks that they name every
/// rule source of the profile.
fn run(profile_url: &str, example: Value, cases: Vec<Case>) {
    let profile = conformance::profile(profile_url).expect("known profile");
    let baseline = validate_json(&example.to_string(), Some(profile_url));
    assert!(
        errors(&baseline).is_empty(),
        "{profile_url}: the example does not pass: {:#?}",
        errors(&baseline)
    );
    let mut covered = BTreeSet::new();
    for (i, c) in cases.iter().enumerate() {
        let mut doc = example.clone();
        for op in &c.ops {
            apply(&mut doc, op);
        }
        let found = flatten(&validate_json(&doc.to_string(), Some(profile_url)));
        let hit = found.iter().find(|f| {
            f.severity == c.severity
                && f.code == c.code
                && f.expression == c.expression
                && f.diagnostics.contains(c.needle)
        });
        let Some(hit) = hit else {
            panic!(
                "{profile_url} case {i}: expected {} {} at {} mentioning {:?}, found {found:#?}",
                c.severity, c.code, c.expression, c.needle
            );
        };
        for source in profile.rule_sources() {
            if hit.diagnostics.contains(source) {
                covered.insert(source);
            }
        }
    }
    let missing: Vec<&str> = profile
        .rule_sources()
        .into_iter()
        .filter(|s| !covered.contains(s) && !UNBREAKABLE.iter().any(|(u, _)| s.contains(u)))
        .collect();
    assert!(
        missing.is_empty(),
        "{profile_url}: rules without a mutation test: {missing:#?}"
    );
}

/// Rules a parsed resource cannot break, and why: they restate cardinalities the R4 model
/// already enforces (`Task.input.value[x]` and `Task.input.type` are `1..1` in base R4, so the
/// parser cannot produce an input without them).
const UNBREAKABLE: &[(&str, &str)] = &[
    ("Task.input:code.value[x]: min 1", "Task.input.value[x] is 1..1 in R4"),
    ("Task.input:questionnaire.type: min 1", "Task.input.type is 1..1 in R4"),
    (
        "Task.input:questionnaire.value[x]: min 1",
        "Task.input.value[x] is 1..1 in R4",
    ),
    (
        "Task.output:response.value[x]: min 1",
        "Task.output.value[x] is 1..1 in R4",
    ),
];

fn fixture(path: &str) -> Value {
    load(&fixtures().join(path))
}

const SDOHCC: &str = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
const SDC: &str = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp";

fn typed(system: &str, code: &str) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

#[test]
fn sdoh_referral() {
    use Op::*;
    let cases = vec![
        error(
            vec![Set("/status", json!("received"))],
            "code-invalid",
            "Task.status",
            "SDOHCCTaskForReferralManagement.fsh:87",
        ),
        case(
            vec![Set("/status", json!("rejected"))],
            "warning",
            "business-rule",
            "Task.statusReason.text",
            "SDOHCCTaskForReferralManagement.fsh:24",
        ),
        error(
            vec![Set("/statusReason", json!({"coding": [{"code": "x"}]}))],
            "required",
            "Task.statusReason.text",
            "SDOHCCTaskForReferralManagement.fsh:25",
        ),
        error(
            vec![Set("/intent", json!("plan"))],
            "value",
            "Task.intent",
            "SDOHCCTaskForReferralManagement.fsh:26",
        ),
        error(
            vec![Remove("/code")],
            "required",
            "Task.code",
            "SDOHCCTaskForReferralManagement.fsh:32",
        ),
        error(
            vec![Set("/code", typed("http://hl7.org/fhir/CodeSystem/task-code", "abort"))],
            "value",
            "Task.code",
            "SDOHCCTaskForReferralManagement.fsh:33",
        ),
        error(
            vec![Remove("/focus")],
            "required",
            "Task.focus",
            "SDOHCCTaskForReferralManagement.fsh:34",
        ),
        error(
            vec![Set("/focus", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.focus",
            "SDOHCCTaskForReferralManagement.fsh:35",
        ),
        error(
            vec![Remove("/for")],
            "required",
            "Task.for",
            "SDOHCCTaskForReferralManagement.fsh:36",
        ),
        error(
            vec![Set("/for", json!({"reference": "Practitioner/1"}))],
            "structure",
            "Task.for",
            "SDOHCCTaskForReferralManagement.fsh:37",
        ),
        error(
            vec![Remove("/authoredOn")],
            "required",
            "Task.authoredOn",
            "SDOHCCTaskForReferralManagement.fsh:45",
        ),
        error(
            vec![Remove("/requester")],
            "required",
            "Task.requester",
            "SDOHCCTaskForReferralManagement.fsh:46",
        ),
        error(
            vec![Set("/requester", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.requester",
            "SDOHCCTaskForReferralManagement.fsh:47",
        ),
        error(
            vec![Push(
                "/input",
                json!({"type": typed(SDOHCC, "additional-content"), "valueString": "x"}),
            )],
            "structure",
            "Task.input[0].value",
            "SDOHCCTaskForReferralManagement.fsh:60",
        ),
        error(
            vec![Set("/output/0/valueReference", json!({"reference": "Observation/1"}))],
            "structure",
            "Task.output[0].value",
            "SDOHCCTaskForReferralManagement.fsh:73",
        ),
        error(
            vec![Push(
                "/output",
                json!({"type": typed(SDOHCC, "additional-content"), "valueReference": {"reference": "Patient/1"}}),
            )],
            "structure",
            "Task.output[1].value",
            "SDOHCCTaskForReferralManagement.fsh:85",
        ),
    ];
    run(
        "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement",
        fixture("ig/sdoh/SDOHCC-TaskReferralManagementOrderFulfillmentCompletedExample.json"),
        cases,
    );
}

#[test]
fn sdoh_patient() {
    use Op::*;
    let input = |system: &str, code: &str, value: Value| {
        let mut i = json!({"type": typed(system, code)});
        for (k, v) in value.as_object().expect("value object") {
            i[k] = v.clone();
        }
        i
    };
    let output = input;
    let cases = vec![
        error(
            vec![Set("/status", json!("requested"))],
            "code-invalid",
            "Task.status",
            "SDOHCCTaskForPatient.fsh:24",
        ),
        case(
            vec![Set("/status", json!("cancelled"))],
            "warning",
            "business-rule",
            "Task.statusReason.text",
            "SDOHCCTaskForPatient.fsh:29",
        ),
        error(
            vec![Set("/statusReason", json!({"coding": [{"code": "x"}]}))],
            "required",
            "Task.statusReason.text",
            "SDOHCCTaskForPatient.fsh:30",
        ),
        error(
            vec![Set("/intent", json!("plan"))],
            "value",
            "Task.intent",
            "SDOHCCTaskForPatient.fsh:31",
        ),
        error(
            vec![Remove("/priority")],
            "required",
            "Task.priority",
            "SDOHCCTaskForPatient.fsh:35",
        ),
        error(
            vec![Set("/priority", json!("asap"))],
            "code-invalid",
            "Task.priority",
            "SDOHCCTaskForPatient.fsh:36",
        ),
        error(
            vec![Remove("/code")],
            "required",
            "Task.code",
            "SDOHCCTaskForPatient.fsh:40",
        ),
        error(
            vec![Remove("/for")],
            "required",
            "Task.for",
            "SDOHCCTaskForPatient.fsh:49",
        ),
        error(
            vec![Set("/for", json!({"reference": "Group/1"}))],
            "structure",
            "Task.for",
            "SDOHCCTaskForPatient.fsh:50",
        ),
        error(
            vec![Remove("/authoredOn")],
            "required",
            "Task.authoredOn",
            "SDOHCCTaskForPatient.fsh:54",
        ),
        error(
            vec![Remove("/requester")],
            "required",
            "Task.requester",
            "SDOHCCTaskForPatient.fsh:55",
        ),
        error(
            vec![Set("/requester", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.requester",
            "SDOHCCTaskForPatient.fsh:56",
        ),
        error(
            vec![Remove("/owner")],
            "required",
            "Task.owner",
            "SDOHCCTaskForPatient.fsh:57",
        ),
        error(
            vec![Set("/owner", json!({"reference": "Organization/1"}))],
            "structure",
            "Task.owner",
            "SDOHCCTaskForPatient.fsh:58",
        ),
        error(
            vec![Push(
                "/input",
                input(
                    SDC,
                    "questionnaire",
                    json!({"valueCanonical": "http://example.org/Questionnaire/2"}),
                ),
            )],
            "structure",
            "Task.input",
            "SDOHCCTaskForPatient.fsh:68",
        ),
        error(
            vec![Set(
                "/input/0",
                input(SDC, "questionnaire", json!({"valueString": "q"})),
            )],
            "structure",
            "Task.input[0].value",
            "SDOHCCTaskForPatient.fsh:79",
        ),
        error(
            vec![
                Push(
                    "/input",
                    input(
                        SDOHCC,
                        "questionnaire-pdf",
                        json!({"valueReference": {"reference": "DocumentReference/1"}}),
                    ),
                ),
                Push(
                    "/input",
                    input(
                        SDOHCC,
                        "questionnaire-pdf",
                        json!({"valueReference": {"reference": "DocumentReference/2"}}),
                    ),
                ),
            ],
            "structure",
            "Task.input",
            "SDOHCCTaskForPatient.fsh:69",
        ),
        error(
            vec![Push(
                "/input",
                input(
                    SDOHCC,
                    "questionnaire-pdf",
                    json!({"valueReference": {"reference": "Patient/1"}}),
                ),
            )],
            "structure",
            "Task.input[2].value",
            "SDOHCCTaskForPatient.fsh:84",
        ),
        error(
            vec![
                Push(
                    "/input",
                    input(
                        SDOHCC,
                        "questionnaire-url",
                        json!({"valueUrl": "http://example.org/q1"}),
                    ),
                ),
                Push(
                    "/input",
                    input(
                        SDOHCC,
                        "questionnaire-url",
                        json!({"valueUrl": "http://example.org/q2"}),
                    ),
                ),
            ],
            "structure",
            "Task.input",
            "SDOHCCTaskForPatient.fsh:70",
        ),
        error(
            vec![Push(
                "/input",
                input(SDOHCC, "questionnaire-url", json!({"valueString": "q"})),
            )],
            "structure",
            "Task.input[2].value",
            "SDOHCCTaskForPatient.fsh:87",
        ),
        error(
            vec![Push(
                "/input",
                input(
                    SDOHCC,
                    "questionnaire-category",
                    json!({"valueCodeableConcept": typed(SDOHCC, "risk-questionnaire")}),
                ),
            )],
            "structure",
            "Task.input",
            "SDOHCCTaskForPatient.fsh:71",
        ),
        error(
            vec![Set(
                "/input/1",
                input(SDOHCC, "questionnaire-category", json!({"valueString": "risk"})),
            )],
            "structure",
            "Task.input[1].value",
            "SDOHCCTaskForPatient.fsh:90",
        ),
        error(
            vec![Set(
                "/input/1/valueCodeableConcept",
                typed(SDOHCC, "nutrition-questionnaire"),
            )],
            "code-invalid",
            "Task.input[1].value",
            "SDOHCCTaskForPatient.fsh:91",
        ),
        error(
            vec![Push(
                "/input",
                input(SDOHCC, "contact-entity", json!({"valueString": "call the clinic"})),
            )],
            "structure",
            "Task.input[2].value",
            "SDOHCCTaskForPatient.fsh:97",
        ),
        error(
            vec![Push(
                "/output",
                output(
                    SDC,
                    "questionnaire-response",
                    json!({"valueReference": {"reference": "QuestionnaireResponse/2"}}),
                ),
            )],
            "structure",
            "Task.output",
            "SDOHCCTaskForPatient.fsh:106",
        ),
        error(
            vec![Set("/output/0/valueReference", json!({"reference": "Observation/1"}))],
            "structure",
            "Task.output[0].value",
            "SDOHCCTaskForPatient.fsh:115",
        ),
        error(
            vec![
                Push(
                    "/output",
                    output(
                        SDOHCC,
                        "questionnaire-pdf-completed",
                        json!({"valueReference": {"reference": "DocumentReference/1"}}),
                    ),
                ),
                Push(
                    "/output",
                    output(
                        SDOHCC,
                        "questionnaire-pdf-completed",
                        json!({"valueReference": {"reference": "DocumentReference/2"}}),
                    ),
                ),
            ],
            "structure",
            "Task.output",
            "SDOHCCTaskForPatient.fsh:107",
        ),
        error(
            vec![Push(
                "/output",
                output(SDOHCC, "questionnaire-pdf-completed", json!({"valueString": "done"})),
            )],
            "structure",
            "Task.output[1].value",
            "SDOHCCTaskForPatient.fsh:121",
        ),
        error(
            vec![Push(
                "/output",
                output(SDOHCC, "general-information-response", json!({"valueString": "yes"})),
            )],
            "structure",
            "Task.output[1].value",
            "SDOHCCTaskForPatient.fsh:127",
        ),
        error(
            vec![
                Push(
                    "/output",
                    output(SDOHCC, "chosen-contact", json!({"valueMarkdown": "the clinic"})),
                ),
                Push(
                    "/output",
                    output(SDOHCC, "chosen-contact", json!({"valueMarkdown": "the pantry"})),
                ),
            ],
            "structure",
            "Task.output",
            "SDOHCCTaskForPatient.fsh:109",
        ),
        error(
            vec![Push(
                "/output",
                output(SDOHCC, "chosen-contact", json!({"valueString": "the clinic"})),
            )],
            "structure",
            "Task.output[1].value",
            "SDOHCCTaskForPatient.fsh:134",
        ),
        // SDOH-Task-1: complete-questionnaire needs exactly one questionnaire input and a category.
        error(vec![Remove("/input/1")], "invariant", "Task.input", "SDOH-Task-1"),
        // SDOH-Task-2: general-information needs a description (error); outputs of another
        // type are reported from the invariant's description (warning).
        error(
            vec![Set("/code", typed(SDOHCC, "general-information"))],
            "invariant",
            "Task.description",
            "SDOH-Task-2",
        ),
        case(
            vec![
                Set("/code", typed(SDOHCC, "general-information")),
                Set("/description", json!("Which store?")),
            ],
            "warning",
            "invariant",
            "Task.output[0].type",
            "SDOH-Task-2",
        ),
        // SDOH-Task-3: review-material focuses a DocumentReference.
        error(
            vec![
                Set("/code", typed(SDOHCC, "review-material")),
                Set("/focus", json!({"reference": "Patient/1"})),
            ],
            "invariant",
            "Task.focus",
            "SDOH-Task-3",
        ),
        case(
            vec![Set("/code", typed(SDOHCC, "review-material"))],
            "warning",
            "invariant",
            "Task.focus",
            "SDOH-Task-3",
        ),
        // SDOH-Task-4: make-contact needs a contact-entity input.
        error(
            vec![Set("/code", typed(SDOHCC, "make-contact"))],
            "invariant",
            "Task.input",
            "SDOH-Task-4",
        ),
        // SDOH-Task-5: a questionnaire input allows only a questionnaire-response output.
        error(
            vec![Set("/output/0/type", typed(SDOHCC, "general-information-response"))],
            "invariant",
            "Task.output",
            "SDOH-Task-5",
        ),
        // SDOH-Task-6 as written (SDC system for both codes), and as described (SDOHCC codes).
        error(
            vec![Push(
                "/input",
                input(SDC, "questionnaire-pdf", json!({"valueString": "pdf"})),
            )],
            "invariant",
            "Task.output",
            "SDOH-Task-6",
        ),
        case(
            vec![Push(
                "/input",
                input(
                    SDOHCC,
                    "questionnaire-pdf",
                    json!({"valueReference": {"reference": "DocumentReference/1"}}),
                ),
            )],
            "warning",
            "invariant",
            "Task.output",
            "SDOH-Task-6",
        ),
        // SDOH-Task-7: make-contact needs a description; outputs other than chosen-contact warn.
        error(
            vec![Set("/code", typed(SDOHCC, "make-contact"))],
            "invariant",
            "Task.description",
            "SDOH-Task-7",
        ),
        case(
            vec![
                Set("/code", typed(SDOHCC, "make-contact")),
                Set("/description", json!("Call")),
            ],
            "warning",
            "invariant",
            "Task.output[0].type",
            "SDOH-Task-7",
        ),
    ];
    run(
        "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForPatient",
        fixture("ig/sdoh/SDOHCC-TaskPatientRiskQuestionnaireCompletedExample.json"),
        cases,
    );
}

#[test]
fn cdex_data_request() {
    use Op::*;
    let Some(shared) = shared_dir() else {
        eprintln!("notice: FHIR_SHARED not found; skipping the CDex profile mutations");
        return;
    };
    const CDEX: &str = "http://hl7.org/fhir/us/davinci-cdex/CodeSystem/cdex-temp";
    const HREX: &str = "http://hl7.org/fhir/us/davinci-hrex/CodeSystem/hrex-temp";
    let input = |system: &str, code: &str, value: Value| {
        let mut i = json!({"type": typed(system, code)});
        for (k, v) in value.as_object().expect("value object") {
            i[k] = v.clone();
        }
        i
    };
    let sd = |line: u32| -> &'static str {
        Box::leak(format!("structuredefinition-cdex-task-data-request.json:{line} ").into_boxed_str())
    };
    let cases = vec![
        error(
            vec![Set("/meta/tag/0", json!({"code": "claims-processing"}))],
            "required",
            "Task.meta.tag[0].system",
            sd(84),
        ),
        error(
            vec![Set("/meta/tag/0", json!({"system": CDEX}))],
            "required",
            "Task.meta.tag[0].code",
            sd(89),
        ),
        error(
            vec![Set("/status", json!("cancelled"))],
            "code-invalid",
            "Task.status",
            sd(117),
        ),
        error(
            vec![Set("/status", json!("rejected"))],
            "invariant",
            "Task.statusReason",
            "tdr-2",
        ),
        error(
            vec![Set("/status", json!("completed"))],
            "invariant",
            "Task.output",
            "tdr-3",
        ),
        case(
            vec![
                Set("/status", json!("failed")),
                Set("/statusReason", json!({"text": "no such patient"})),
                Push(
                    "/output",
                    json!({"type": typed(HREX, "data-value"), "valueReference": {"reference": "Bundle/1"}}),
                ),
            ],
            "warning",
            "business-rule",
            "Task.output",
            "The Task.output is absent",
        ),
        error(
            vec![Set("/statusReason", json!({"coding": [{"code": "x"}]}))],
            "required",
            "Task.statusReason.text",
            sd(140),
        ),
        error(
            vec![Set("/businessStatus", json!({"coding": [{"code": "x"}]}))],
            "required",
            "Task.businessStatus.text",
            sd(154),
        ),
        error(vec![Set("/intent", json!("plan"))], "value", "Task.intent", sd(160)),
        error(
            vec![Remove("/code")],
            "required",
            "Task.code",
            "structuredefinition-cdex-task-data-request.json:166 (Task.code: min 1)",
        ),
        error(
            vec![Set("/code", typed(CDEX, "data-request-everything"))],
            "code-invalid",
            "Task.code",
            "structuredefinition-cdex-task-data-request.json:166 (Task.code: required binding",
        ),
        error(
            vec![Set("/code", json!({"text": "data"}))],
            "required",
            "Task.code.coding",
            sd(184),
        ),
        error(
            vec![Set("/code/coding/0/system", json!("http://example.org/codes"))],
            "value",
            "Task.code.coding[0].system",
            sd(190),
        ),
        error(
            vec![Remove("/code/coding/0/code")],
            "required",
            "Task.code.coding[0].code",
            sd(196),
        ),
        error(
            vec![Set("/focus", json!({"reference": "ServiceRequest/1"}))],
            "structure",
            "Task.focus",
            sd(202),
        ),
        error(
            vec![Remove("/for")],
            "required",
            "Task.for",
            "structuredefinition-cdex-task-data-request.json:209 (Task.for: min 1)",
        ),
        error(
            vec![Set("/for", json!({"reference": "Group/1"}))],
            "structure",
            "Task.for",
            "structuredefinition-cdex-task-data-request.json:209 (Task.for: Reference",
        ),
        error(vec![Remove("/authoredOn")], "required", "Task.authoredOn", sd(234)),
        error(
            vec![Remove("/requester")],
            "required",
            "Task.requester",
            "structuredefinition-cdex-task-data-request.json:240 (Task.requester: min 1)",
        ),
        error(
            vec![Set("/requester", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.requester",
            "structuredefinition-cdex-task-data-request.json:240 (Task.requester: Reference",
        ),
        error(
            vec![Remove("/owner")],
            "required",
            "Task.owner",
            "structuredefinition-cdex-task-data-request.json:265 (Task.owner: min 1)",
        ),
        error(
            vec![Set("/owner", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.owner",
            "structuredefinition-cdex-task-data-request.json:265 (Task.owner: Reference",
        ),
        error(
            vec![Set("/reasonCode", json!({"coding": [{"code": "x"}]}))],
            "required",
            "Task.reasonCode.text",
            sd(297),
        ),
        error(
            vec![Set("/reasonReference", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.reasonReference",
            sd(303),
        ),
        error(vec![Remove("/input")], "required", "Task.input", sd(329)),
        error(
            vec![Push(
                "/input",
                input(HREX, "data-query", json!({"valueString": "Observation?patient=1"})),
            )],
            "structure",
            "Task.input",
            sd(344),
        ),
        error(
            vec![Set(
                "/input/0",
                input(HREX, "data-query", json!({"valueBoolean": true})),
            )],
            "structure",
            "Task.input[0].value",
            sd(371),
        ),
        error(
            vec![
                Push(
                    "/input",
                    input(HREX, "data-code", json!({"valueCodeableConcept": {"text": "a"}})),
                ),
                Push(
                    "/input",
                    input(HREX, "data-code", json!({"valueCodeableConcept": {"text": "b"}})),
                ),
            ],
            "structure",
            "Task.input",
            sd(382),
        ),
        error(
            vec![Push(
                "/input",
                input(HREX, "data-code", json!({"valueString": "notes"})),
            )],
            "structure",
            "Task.input[2].value",
            sd(409),
        ),
        error(
            vec![
                Push(
                    "/input",
                    input(
                        SDC,
                        "questionnaire",
                        json!({"valueCanonical": "http://example.org/Questionnaire/1"}),
                    ),
                ),
                Push(
                    "/input",
                    input(
                        SDC,
                        "questionnaire",
                        json!({"valueCanonical": "http://example.org/Questionnaire/2"}),
                    ),
                ),
            ],
            "structure",
            "Task.input",
            sd(426),
        ),
        error(
            vec![Push(
                "/input",
                input(SDC, "questionnaire", json!({"valueString": "Q1"})),
            )],
            "structure",
            "Task.input[2].value",
            sd(457),
        ),
        error(
            vec![Push(
                "/input",
                input(
                    SDC,
                    "questionnaire",
                    json!({
                        "valueCanonical": "http://example.org/Questionnaire/1",
                        "_valueCanonical": {"extension": [
                            {"url": "http://hl7.org/fhir/StructureDefinition/display", "valueString": "one"},
                            {"url": "http://hl7.org/fhir/StructureDefinition/display", "valueString": "two"}
                        ]}
                    }),
                ),
            )],
            "structure",
            "Task.input[2].value.extension",
            sd(473),
        ),
        error(
            vec![
                Push("/input", input(CDEX, "signature-flag", json!({"valueBoolean": true}))),
                Push("/input", input(CDEX, "signature-flag", json!({"valueBoolean": false}))),
            ],
            "structure",
            "Task.input",
            sd(489),
        ),
        error(
            vec![Push(
                "/input",
                input(CDEX, "signature-flag", json!({"valueString": "yes"})),
            )],
            "structure",
            "Task.input[2].value",
            sd(511),
        ),
        error(
            vec![Push(
                "/input",
                input(CDEX, "purpose-of-use", json!({"valueCodeableConcept": {"text": "x"}})),
            )],
            "structure",
            "Task.input",
            sd(522),
        ),
        error(
            vec![
                Set("/input/1/valueString", json!("coverage")),
                Remove("/input/1/valueCodeableConcept"),
            ],
            "structure",
            "Task.input[1].value",
            sd(542),
        ),
        error(
            vec![Push(
                "/output",
                json!({"type": typed(HREX, "data-value"), "valueString": "x"}),
            )],
            "structure",
            "Task.output[0].value",
            sd(594),
        ),
        error(
            vec![
                Push(
                    "/output",
                    json!({"type": typed(SDC, "questionnaire-response"), "valueReference": {"reference": "QuestionnaireResponse/1"}}),
                ),
                Push(
                    "/output",
                    json!({"type": typed(SDC, "questionnaire-response"), "valueReference": {"reference": "QuestionnaireResponse/2"}}),
                ),
            ],
            "structure",
            "Task.output",
            sd(606),
        ),
        error(
            vec![Push(
                "/output",
                json!({"type": typed(SDC, "questionnaire-response"), "valueString": "answers"}),
            )],
            "structure",
            "Task.output[0].value",
            "structuredefinition-cdex-task-data-request.json:633 (Task.output:response.value[x]: type Reference)",
        ),
        error(
            vec![Push(
                "/output",
                json!({"type": typed(SDC, "questionnaire-response"), "valueReference": {"reference": "Observation/1"}}),
            )],
            "structure",
            "Task.output[0].value",
            "structuredefinition-cdex-task-data-request.json:633 (Task.output:response.value[x]: Reference(",
        ),
        error(
            vec![Set("/code/coding/0/code", json!("data-request-code"))],
            "invariant",
            "Task.input",
            "cdex-7",
        ),
        error(
            vec![
                Set("/input/0/type/coding/0/code", json!("data-code")),
                Set("/input/0/valueCodeableConcept", json!({"text": "notes"})),
                Remove("/input/0/valueString"),
            ],
            "invariant",
            "Task.input",
            "cdex-12",
        ),
        error(
            vec![Set("/code/coding/0/code", json!("data-request-questionnaire"))],
            "invariant",
            "Task.input",
            "cdex-8",
        ),
        error(
            vec![Push(
                "/input",
                input(HREX, "data-code", json!({"valueCodeableConcept": {"text": "notes"}})),
            )],
            "invariant",
            "Task.input",
            "cdex-9",
        ),
        case(
            vec![
                Set("/code/coding/0/code", json!("data-request-questionnaire")),
                Set(
                    "/input/0",
                    input(
                        SDC,
                        "questionnaire",
                        json!({"valueCanonical": "http://example.org/Questionnaire/1"}),
                    ),
                ),
                Set("/status", json!("completed")),
                Push(
                    "/output",
                    json!({"type": typed(HREX, "data-value"), "valueReference": {"reference": "Bundle/1"}}),
                ),
            ],
            "warning",
            "invariant",
            "Task.output",
            "cdex-11",
        ),
    ];
    run(
        "http://hl7.org/fhir/us/davinci-cdex/StructureDefinition/cdex-task-data-request",
        load(&shared.join("fhir-definitions/ig/davinci-cdex/examples/cdex-task-example1.json")),
        cases,
    );
}

#[test]
fn cow_coordination() {
    use Op::*;
    let cases = vec![
        error(vec![Remove("/identifier")], "required", "Task.identifier", "all.fsh:93"),
        error(vec![Remove("/code")], "required", "Task.code", "all.fsh:126"),
        error(vec![Remove("/focus")], "required", "Task.focus", "all.fsh:127"),
        error(
            vec![Set("/focus", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.focus",
            "all.fsh:130",
        ),
    ];
    run(
        "http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task",
        fixture("ig/cow/cow-coordination-task-example.json"),
        cases,
    );
}

#[test]
fn cow_cancellation() {
    use Op::*;
    let cases = vec![
        error(
            vec![Set(
                "/code",
                typed("http://hl7.org/fhir/CodeSystem/task-code", "fulfill"),
            )],
            "value",
            "Task.code",
            "all.fsh:141",
        ),
        error(vec![Remove("/focus")], "required", "Task.focus", "all.fsh:143"),
        error(
            vec![Set("/focus", json!({"reference": "Patient/1"}))],
            "structure",
            "Task.focus",
            "all.fsh:146",
        ),
    ];
    run(
        "http://hl7.org/fhir/uv/cow/StructureDefinition/cancellation-request-task",
        fixture("ig/cow/cow-cancellation-task-example.json"),
        cases,
    );
}

#[test]
fn cow_subscription_status() {
    use Op::*;
    let cases = vec![
        error(
            vec![Set(
                "/parameter/0/valueReference",
                json!({"reference": "Subscription/1"}),
            )],
            "required",
            "Parameters.parameter[0].value.identifier",
            "all.fsh:10",
        ),
        error(
            vec![Remove("/parameter/3/part/2/valueReference")],
            "required",
            "Parameters.parameter[3].part[2].value",
            "all.fsh:20",
        ),
        error(
            vec![Set(
                "/parameter/3/part/2/valueReference",
                json!({"reference": "ServiceRequest/1"}),
            )],
            "structure",
            "Parameters.parameter[3].part[2].value",
            "all.fsh:21",
        ),
        error(
            vec![Set("/parameter/2/valueCode", json!("ping"))],
            "code-invalid",
            "Parameters.parameter[2].value",
            "all.fsh:22",
        ),
    ];
    run(
        "http://hl7.org/fhir/uv/cow/StructureDefinition/cow-subscription-status",
        fixture("ig/cow/cow-notification-status-example.json"),
        cases,
    );
}

#[test]
fn cow_subscription_notification_checks_its_status_entry() {
    // The notification's status entry must conform to cow-subscription-status; without its own
    // meta.profile, the notification profile checks it.
    let mut doc = fixture("ig/cow/cow-notification-status-only-example.json");
    doc["entry"][0]["resource"].as_object_mut().unwrap().remove("meta");
    doc["entry"][0]["resource"]["parameter"][0]["valueReference"] = json!({"reference": "Subscription/1"});
    let url = "http://hl7.org/fhir/uv/cow/StructureDefinition/cow-subscription-notification";
    let found = errors(&validate_json(&doc.to_string(), Some(url)));
    assert!(
        found.iter().any(|f| f.code == "required"
            && f.expression == "Bundle.entry[0].resource.parameter[0].value.identifier"
            && f.diagnostics.contains("all.fsh:10")),
        "{found:#?}"
    );
    // And the backport parent's rules apply too.
    doc["type"] = json!("collection");
    let found = errors(&validate_json(&doc.to_string(), Some(url)));
    assert!(
        found.iter().any(|f| f.code == "value"
            && f.expression == "Bundle.type"
            && f.diagnostics.contains("BackportNotificationR4.fsh:7")),
        "{found:#?}"
    );
}

#[test]
fn backport_subscription() {
    use Op::*;
    const BP: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
    let ext = |name: &str, value: Value| {
        let mut e = json!({"url": format!("{BP}{name}")});
        for (k, v) in value.as_object().expect("value object") {
            e[k] = v.clone();
        }
        e
    };
    let cases = vec![
        error(
            vec![Remove("/criteria"), Remove("/_criteria")],
            "required",
            "Subscription.criteria",
            "BackportSubscription.fsh:7",
        ),
        error(
            vec![Set(
                "/_criteria/extension/0",
                ext("backport-filter-criteria", json!({"valueInteger": 1})),
            )],
            "structure",
            "Subscription.criteria.extension[0].value",
            "BackportSubscription.fsh:56",
        ),
        error(
            vec![Remove("/channel/payload"), Remove("/channel/_payload")],
            "required",
            "Subscription.channel.payload",
            "BackportSubscription.fsh:16",
        ),
        error(
            vec![Remove("/channel/_payload")],
            "required",
            "Subscription.channel.payload.extension",
            "BackportSubscription.fsh:17",
        ),
        error(
            vec![Set(
                "/channel/_payload/extension/0",
                ext("backport-payload-content", json!({"valueString": "id-only"})),
            )],
            "structure",
            "Subscription.channel.payload.extension[0].value",
            "BackportSubscription.fsh:87",
        ),
        error(
            vec![Set("/channel/_payload/extension/0/valueCode", json!("everything"))],
            "code-invalid",
            "Subscription.channel.payload.extension[0].value",
            "BackportSubscription.fsh:88",
        ),
        error(
            vec![Push(
                "/channel/extension",
                ext("backport-heartbeat-period", json!({"valueUnsignedInt": 60})),
            )],
            "structure",
            "Subscription.channel.extension",
            "BackportSubscription.fsh:22",
        ),
        error(
            vec![Set(
                "/channel/extension/0",
                ext("backport-heartbeat-period", json!({"valueString": "daily"})),
            )],
            "structure",
            "Subscription.channel.extension[0].value",
            "BackportSubscription.fsh:100",
        ),
        error(
            vec![Push(
                "/channel/extension",
                ext("backport-timeout", json!({"valueUnsignedInt": 30})),
            )],
            "structure",
            "Subscription.channel.extension",
            "BackportSubscription.fsh:25",
        ),
        error(
            vec![Set(
                "/channel/extension/1",
                ext("backport-timeout", json!({"valueString": "1 minute"})),
            )],
            "structure",
            "Subscription.channel.extension[1].value",
            "BackportSubscription.fsh:111",
        ),
        error(
            vec![Push(
                "/channel/extension",
                ext("backport-max-count", json!({"valuePositiveInt": 5})),
            )],
            "structure",
            "Subscription.channel.extension",
            "BackportSubscription.fsh:28",
        ),
        error(
            vec![Set(
                "/channel/extension/2",
                ext("backport-max-count", json!({"valueString": "twenty"})),
            )],
            "structure",
            "Subscription.channel.extension[2].value",
            "BackportSubscription.fsh:122",
        ),
        error(
            vec![Set(
                "/channel/_type",
                json!({"extension": [
                    {"url": format!("{BP}backport-channel-type"), "valueCoding": {"code": "a"}},
                    {"url": format!("{BP}backport-channel-type"), "valueCoding": {"code": "b"}}
                ]}),
            )],
            "structure",
            "Subscription.channel.type.extension",
            "BackportSubscription.fsh:31",
        ),
        error(
            vec![Set(
                "/channel/_type",
                json!({"extension": [{"url": format!("{BP}backport-channel-type"), "valueCode": "zulip"}]}),
            )],
            "structure",
            "Subscription.channel.type.extension[0].value",
            "BackportSubscription.fsh:44",
        ),
    ];
    run(
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription",
        fixture("ig/backport/subscription-admission.json"),
        cases,
    );
}

#[test]
fn backport_notification() {
    use Op::*;
    let patient = json!({"resourceType": "Patient", "id": "p1"});
    let cases = vec![
        error(
            vec![Set("/type", json!("collection"))],
            "value",
            "Bundle.type",
            "BackportNotificationR4.fsh:7",
        ),
        error(
            vec![Set("/entry/0/resource", patient.clone())],
            "required",
            "Bundle.entry",
            "BackportNotificationR4.fsh:13",
        ),
        error(
            vec![Set("/entry/0/resource", patient)],
            "invariant",
            "Bundle.entry[0].resource",
            "backport-notification-bundle-r4-1",
        ),
    ];
    run(
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4",
        fixture("ig/backport/r4-notification-full-resource.json"),
        cases,
    );
}

#[test]
fn backport_notification_checks_an_undeclared_status_entry() {
    let mut doc = fixture("ig/backport/r4-notification-id-only.json");
    doc["entry"][0]["resource"].as_object_mut().unwrap().remove("meta");
    doc["entry"][0]["resource"]["parameter"][2]["valueCode"] = json!("paused");
    let url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4";
    let found = errors(&validate_json(&doc.to_string(), Some(url)));
    assert!(
        found.iter().any(|f| f.code == "code-invalid"
            && f.expression == "Bundle.entry[0].resource.parameter[2].value"
            && f.diagnostics.contains("BackportNotificationR4.fsh:67")),
        "{found:#?}"
    );
}

#[test]
fn backport_status() {
    use Op::*;
    let cases = vec![
        error(
            vec![Remove("/parameter/0")],
            "required",
            "Parameters.parameter",
            "BackportNotificationR4.fsh:40",
        ),
        error(
            vec![Remove("/parameter/0/valueReference")],
            "required",
            "Parameters.parameter[0].value",
            "BackportNotificationR4.fsh:50",
        ),
        error(
            vec![Set("/parameter/0/valueReference", json!({"reference": "Patient/1"}))],
            "structure",
            "Parameters.parameter[0].value",
            "BackportNotificationR4.fsh:51",
        ),
        error(
            vec![Push(
                "/parameter",
                json!({"name": "topic", "valueCanonical": "http://example.org/topic"}),
            )],
            "structure",
            "Parameters.parameter",
            "BackportNotificationR4.fsh:41",
        ),
        error(
            vec![Set(
                "/parameter/1",
                json!({"name": "topic", "valueString": "admission"}),
            )],
            "structure",
            "Parameters.parameter[1].value",
            "BackportNotificationR4.fsh:58",
        ),
        error(
            vec![Remove("/parameter/2")],
            "required",
            "Parameters.parameter",
            "BackportNotificationR4.fsh:42",
        ),
        error(
            vec![Remove("/parameter/2/valueCode")],
            "required",
            "Parameters.parameter[2].value",
            "BackportNotificationR4.fsh:65",
        ),
        error(
            vec![Set("/parameter/2", json!({"name": "status", "valueString": "active"}))],
            "structure",
            "Parameters.parameter[2].value",
            "BackportNotificationR4.fsh:66",
        ),
        error(
            vec![Set("/parameter/2/valueCode", json!("paused"))],
            "code-invalid",
            "Parameters.parameter[2].value",
            "BackportNotificationR4.fsh:67",
        ),
        error(
            vec![Remove("/parameter/3")],
            "required",
            "Parameters.parameter",
            "BackportNotificationR4.fsh:43",
        ),
        error(
            vec![Remove("/parameter/3/valueCode")],
            "required",
            "Parameters.parameter[3].value",
            "BackportNotificationR4.fsh:73",
        ),
        error(
            vec![Set("/parameter/3", json!({"name": "type", "valueString": "heartbeat"}))],
            "structure",
            "Parameters.parameter[3].value",
            "BackportNotificationR4.fsh:74",
        ),
        error(
            vec![Set("/parameter/3/valueCode", json!("ping"))],
            "code-invalid",
            "Parameters.parameter[3].value",
            "BackportNotificationR4.fsh:75",
        ),
        error(
            vec![Push(
                "/parameter",
                json!({"name": "events-since-subscription-start", "valueString": "3"}),
            )],
            "structure",
            "Parameters.parameter",
            "BackportNotificationR4.fsh:44",
        ),
        error(
            vec![Set(
                "/parameter/4",
                json!({"name": "events-since-subscription-start", "valueInteger": 2}),
            )],
            "structure",
            "Parameters.parameter[4].value",
            "BackportNotificationR4.fsh:81",
        ),
        error(
            vec![Remove("/parameter/5/part/0")],
            "required",
            "Parameters.parameter[5].part",
            "BackportNotificationR4.fsh:95",
        ),
        error(
            vec![Remove("/parameter/5/part/0/valueString")],
            "required",
            "Parameters.parameter[5].part[0].value",
            "BackportNotificationR4.fsh:102",
        ),
        error(
            vec![Set(
                "/parameter/5/part/0",
                json!({"name": "event-number", "valueInteger": 2}),
            )],
            "structure",
            "Parameters.parameter[5].part[0].value",
            "BackportNotificationR4.fsh:103",
        ),
        error(
            vec![Push(
                "/parameter/5/part",
                json!({"name": "timestamp", "valueInstant": "2020-05-29T11:45:00Z"}),
            )],
            "structure",
            "Parameters.parameter[5].part",
            "BackportNotificationR4.fsh:96",
        ),
        error(
            vec![Set(
                "/parameter/5/part/1",
                json!({"name": "timestamp", "valueString": "now"}),
            )],
            "structure",
            "Parameters.parameter[5].part[1].value",
            "BackportNotificationR4.fsh:110",
        ),
        error(
            vec![
                Push(
                    "/parameter/5/part",
                    json!({"name": "focus", "valueReference": {"reference": "Encounter/1"}}),
                ),
                Push(
                    "/parameter/5/part",
                    json!({"name": "focus", "valueReference": {"reference": "Encounter/2"}}),
                ),
            ],
            "structure",
            "Parameters.parameter[5].part",
            "BackportNotificationR4.fsh:97",
        ),
        error(
            vec![Push(
                "/parameter/5/part",
                json!({"name": "focus", "valueString": "Encounter/1"}),
            )],
            "structure",
            "Parameters.parameter[5].part[2].value",
            "BackportNotificationR4.fsh:117",
        ),
        error(
            vec![Push(
                "/parameter/5/part",
                json!({"name": "additional-context", "valueString": "Patient/1"}),
            )],
            "structure",
            "Parameters.parameter[5].part[2].value",
            "BackportNotificationR4.fsh:124",
        ),
        error(
            vec![Push(
                "/parameter",
                json!({"name": "error", "valueString": "no response"}),
            )],
            "structure",
            "Parameters.parameter[6].value",
            "BackportNotificationR4.fsh:131",
        ),
    ];
    run(
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4",
        fixture("ig/backport/r4-notification-status.json"),
        cases,
    );
}

#[test]
fn every_profile_has_a_mutation_test() {
    let source = include_str!("profile_rules.rs");
    for p in conformance::profiles::all() {
        assert!(source.contains(p.url()), "no mutation test for {}", p.url());
    }
}
