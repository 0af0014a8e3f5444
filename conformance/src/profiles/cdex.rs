//! Da Vinci CDex 2.1.0 `cdex-task-data-request`, from the differential of
//! `davinci-cdex/resources/structuredefinition-cdex-task-data-request.json` (each rule cites the
//! element id and the line where that element starts). A test reads the StructureDefinition and
//! checks that every `min`, `max`, fixed and pattern value of the differential is encoded here.
//!
//! The status value set (HRex Task Status) and the invariants `tdr-2` / `tdr-3` come from the
//! `task-fsm` machine `cdex-data-request`, whose entry rules encode them (with the CDex
//! narrative rule that a failed Task carries no output, as a warning).
//!
//! Not checked: target profiles beyond their resource type; the extensible bindings of
//! `input:code.value[x]` and `input:POU.value[x]`; the `meta.tag:work-queue` slice (its binding
//! is also its discriminator, so a tag outside the value set is simply outside the slice); the
//! canonical's target profiles on `input:questionnaire.value[x]`.

use fhir_model::{IssueSeverity, Resource, Task, TaskStatus};

use super::rules::{Invariant, Match, Rule, Slice, Sourced};
use super::Profile;

/// Canonical URL of `cdex-task-data-request`.
pub(crate) const DATA_REQUEST_URL: &str =
    "http://hl7.org/fhir/us/davinci-cdex/StructureDefinition/cdex-task-data-request";

const CDEX_TEMP: &str = "http://hl7.org/fhir/us/davinci-cdex/CodeSystem/cdex-temp";
const HREX_TEMP: &str = "http://hl7.org/fhir/us/davinci-hrex/CodeSystem/hrex-temp";
const SDC_TEMP: &str = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp";

/// An element of the StructureDefinition's differential and what it says.
macro_rules! sd {
    ($line:literal, $id:literal, $text:literal) => {
        concat!(
            "davinci-cdex/resources/structuredefinition-cdex-task-data-request.json:",
            $line,
            " (",
            $id,
            ": ",
            $text,
            ")"
        )
    };
}

const fn card(path: &'static str, min: u32, max: Option<u32>, source: &'static str) -> Sourced {
    Sourced {
        rule: Rule::Card { path, min, max },
        source,
    }
}

const fn types(path: &'static str, types: &'static [&'static str], source: &'static str) -> Sourced {
    Sourced {
        rule: Rule::Types { path, types },
        source,
    }
}

/// A `0..1` slice of `input` by the pattern of its `type`.
macro_rules! input_slice {
    ($name:expr, $system:expr, $code:expr, $rules:expr, $source:expr $(,)?) => {
        Sourced {
            rule: Rule::Slice(Slice {
                path: "input",
                name: $name,
                matches: &[Match::Coding {
                    path: "type",
                    system: $system,
                    code: $code,
                }],
                min: 0,
                max: Some(1),
                rules: $rules,
            }),
            source: $source,
        }
    };
}

pub(crate) static DATA_REQUEST: Profile = Profile {
    url: DATA_REQUEST_URL,
    id: "cdex-task-data-request",
    title: "CDex Task Data Request",
    resource_type: "Task",
    rules: &[
        card("meta.tag.system", 1, Some(1), sd!(84, "Task.meta.tag.system", "min 1")),
        card("meta.tag.code", 1, Some(1), sd!(89, "Task.meta.tag.code", "min 1")),
        Sourced {
            rule: Rule::TaskStatusIn {
                machine: "cdex-data-request",
                value_set: "http://hl7.org/fhir/us/davinci-hrex/ValueSet/hrex-task-status",
            },
            source: sd!(
                117,
                "Task.status",
                "required binding to hrex-task-status; codes: davinci-hrex/fsh/valuesets/HRexTaskStatus.fsh:7-13"
            ),
        },
        Sourced {
            rule: Rule::TaskStateRules {
                machine: "cdex-data-request",
            },
            source: sd!(
                18,
                "Task",
                "constraints tdr-2 (statusReason when rejected or failed) and tdr-3 (output when completed)"
            ),
        },
        card("statusReason.text", 1, Some(1), sd!(140, "Task.statusReason.text", "min 1")),
        card("businessStatus.text", 1, Some(1), sd!(154, "Task.businessStatus.text", "min 1")),
        Sourced {
            rule: Rule::Fixed {
                path: "intent",
                value: "order",
            },
            source: sd!(160, "Task.intent", "fixedCode order"),
        },
        card("code", 1, Some(1), sd!(166, "Task.code", "min 1")),
        Sourced {
            rule: Rule::Codings {
                path: "code",
                value_set: "http://hl7.org/fhir/us/davinci-cdex/ValueSet/cdex-data-request-task-code",
                codes: &[
                    (CDEX_TEMP, "data-request-code"),
                    (CDEX_TEMP, "data-request-query"),
                    (CDEX_TEMP, "data-request-questionnaire"),
                ],
            },
            source: sd!(
                166,
                "Task.code",
                "required binding to cdex-data-request-task-code; codes: valueset-cdex-data-request-task-code.json"
            ),
        },
        card("code.coding", 1, None, sd!(184, "Task.code.coding", "min 1")),
        Sourced {
            rule: Rule::Fixed {
                path: "code.coding.system",
                value: CDEX_TEMP,
            },
            source: sd!(190, "Task.code.coding.system", "fixedUri cdex-temp"),
        },
        card("code.coding.code", 1, Some(1), sd!(196, "Task.code.coding.code", "min 1")),
        card("focus", 0, Some(0), sd!(202, "Task.focus", "max 0")),
        card("for", 1, Some(1), sd!(209, "Task.for", "min 1")),
        Sourced {
            rule: Rule::Targets {
                path: "for",
                types: &["Patient"],
            },
            source: sd!(209, "Task.for", "Reference(US Core Patient 3.1.1 | 6.1.0 | 7.0.0)"),
        },
        card("authoredOn", 1, Some(1), sd!(234, "Task.authoredOn", "min 1")),
        card("requester", 1, Some(1), sd!(240, "Task.requester", "min 1")),
        Sourced {
            rule: Rule::Targets {
                path: "requester",
                types: &["Practitioner", "Organization"],
            },
            source: sd!(240, "Task.requester", "Reference(US Core Practitioner | HRex Organization)"),
        },
        card("owner", 1, Some(1), sd!(265, "Task.owner", "min 1")),
        Sourced {
            rule: Rule::Targets {
                path: "owner",
                types: &["Practitioner", "Organization"],
            },
            source: sd!(265, "Task.owner", "Reference(US Core Practitioner | HRex Organization)"),
        },
        card("reasonCode.text", 1, Some(1), sd!(297, "Task.reasonCode.text", "min 1")),
        Sourced {
            rule: Rule::Targets {
                path: "reasonReference",
                types: &["Claim", "Coverage"],
            },
            source: sd!(303, "Task.reasonReference", "Reference(Claim | Coverage | US Core Coverage)"),
        },
        card("input", 1, None, sd!(329, "Task.input", "min 1")),
        input_slice!(
            "query",
            HREX_TEMP,
            "data-query",
            &[types("value", &["string"], sd!(371, "Task.input:query.value[x]", "type string"))],
            sd!(344, "Task.input:query", "max 1; type pattern hrex-temp#data-query"),
        ),
        input_slice!(
            "code",
            HREX_TEMP,
            "data-code",
            &[
                types(
                    "value",
                    &["CodeableConcept"],
                    sd!(409, "Task.input:code.value[x]", "type CodeableConcept"),
                ),
                card("value", 1, Some(1), sd!(409, "Task.input:code.value[x]", "min 1, max 1")),
            ],
            sd!(382, "Task.input:code", "max 1; type pattern hrex-temp#data-code"),
        ),
        input_slice!(
            "questionnaire",
            SDC_TEMP,
            "questionnaire",
            &[
                card("type", 1, Some(1), sd!(438, "Task.input:questionnaire.type", "min 1, max 1")),
                card("value", 1, Some(1), sd!(457, "Task.input:questionnaire.value[x]", "min 1, max 1")),
                types(
                    "value",
                    &["canonical"],
                    sd!(457, "Task.input:questionnaire.value[x]", "type canonical"),
                ),
                Sourced {
                    rule: Rule::Slice(Slice {
                        path: "value.extension",
                        name: "questionnaireDisplay",
                        matches: &[Match::Value {
                            path: "url",
                            value: "http://hl7.org/fhir/StructureDefinition/display",
                        }],
                        min: 0,
                        max: Some(1),
                        rules: &[],
                    }),
                    source: sd!(
                        473,
                        "Task.input:questionnaire.value[x].extension:questionnaireDisplay",
                        "0..1"
                    ),
                },
            ],
            sd!(426, "Task.input:questionnaire", "max 1; type pattern sdc-temp#questionnaire"),
        ),
        input_slice!(
            "signature",
            CDEX_TEMP,
            "signature-flag",
            &[types("value", &["boolean"], sd!(511, "Task.input:signature.value[x]", "type boolean"))],
            sd!(489, "Task.input:signature", "max 1; type pattern cdex-temp#signature-flag"),
        ),
        input_slice!(
            "POU",
            CDEX_TEMP,
            "purpose-of-use",
            &[types(
                "value",
                &["CodeableConcept"],
                sd!(542, "Task.input:POU.value[x]", "type CodeableConcept"),
            )],
            sd!(522, "Task.input:POU", "max 1; type pattern cdex-temp#purpose-of-use"),
        ),
        Sourced {
            rule: Rule::Slice(Slice {
                path: "output",
                name: "data",
                matches: &[Match::Coding {
                    path: "type",
                    system: HREX_TEMP,
                    code: "data-value",
                }],
                min: 0,
                max: None,
                rules: &[types("value", &["Reference"], sd!(594, "Task.output:data.value[x]", "type Reference"))],
            }),
            source: sd!(573, "Task.output:data", "type pattern hrex-temp#data-value"),
        },
        Sourced {
            rule: Rule::Slice(Slice {
                path: "output",
                name: "response",
                matches: &[Match::Coding {
                    path: "type",
                    system: SDC_TEMP,
                    code: "questionnaire-response",
                }],
                min: 0,
                max: Some(1),
                rules: &[
                    card("value", 1, Some(1), sd!(633, "Task.output:response.value[x]", "min 1, max 1")),
                    types(
                        "value",
                        &["Reference"],
                        sd!(633, "Task.output:response.value[x]", "type Reference"),
                    ),
                    Sourced {
                        rule: Rule::Targets {
                            path: "value",
                            types: &["QuestionnaireResponse"],
                        },
                        source: sd!(
                            633,
                            "Task.output:response.value[x]",
                            "Reference(cdex-sdc-questionnaireresponse | sdc-questionnaireresponse-adapt)"
                        ),
                    },
                ],
            }),
            source: sd!(606, "Task.output:response", "max 1; type pattern sdc-temp#questionnaire-response"),
        },
        invariant(
            "cdex-7",
            IssueSeverity::Error,
            "If code = \"data-request-code\", must have one \"code\" input.",
            "Task.code.coding.code.where($this='data-request-code').exists() implies Task.input.type.coding.code.where($this='data-code').exists()",
            cdex_7,
        ),
        invariant(
            "cdex-12",
            IssueSeverity::Error,
            "If code = \"data-request-query\", must have one \"query\" input.",
            "Task.code.coding.code.where($this='data-request-query').exists() implies Task.input.type.coding.code.where($this='data-query').exists()",
            cdex_12,
        ),
        invariant(
            "cdex-8",
            IssueSeverity::Error,
            "If code = \"data-request-questionnaire\", must have one \"questionnaire\" input.",
            "Task.code.coding.code.where($this='data-request-questionnaire').exists() implies Task.input.type.coding.code.where($this='questionnaire').exists()",
            cdex_8,
        ),
        invariant(
            "cdex-9",
            IssueSeverity::Error,
            "Must have exactly one input that is data-query or data-code or questionnaire",
            "Task.input.type.coding.code.where($this='data-query' or $this='data-code' or $this='questionnaire').count()=1",
            cdex_9,
        ),
        invariant(
            "cdex-11",
            IssueSeverity::Warning,
            "If code = \"data-request-questionnaire\" and status = \"completed\", should have one \"questionnaire-response\" output referencing the QuestionnaireResponse.",
            "(Task.code.coding.code.where($this='data-request-questionnaire').exists() and Task.status.where($this='completed').exists()) implies Task.output.type.coding.code.where($this='questionnaire-response').exists()",
            cdex_11,
        ),
    ],
};

const fn invariant(
    key: &'static str,
    severity: IssueSeverity,
    human: &'static str,
    expression: &'static str,
    check: fn(&Resource) -> Vec<(String, String)>,
) -> Sourced {
    Sourced {
        rule: Rule::Invariant(Invariant {
            key,
            severity,
            human,
            expression,
            check,
        }),
        source: sd!(18, "Task", "constraint"),
    }
}

fn task(resource: &Resource) -> Option<&Task> {
    match resource {
        Resource::Task(t) => Some(t),
        _ => None,
    }
}

/// `Task.code.coding.code` holds `code` (any system, as the expressions are written).
fn code_has(task: &Task, code: &str) -> bool {
    task.code
        .iter()
        .flat_map(|c| &c.coding)
        .any(|c| c.code.as_ref().and_then(|p| p.value.as_deref()) == Some(code))
}

/// The codes of `Task.input.type.coding.code`.
fn input_codes(task: &Task) -> impl Iterator<Item = &str> {
    task.input
        .iter()
        .flat_map(|i| &i.type_.coding)
        .filter_map(|c| c.code.as_ref().and_then(|p| p.value.as_deref()))
}

/// `code` implies an input typed `input`.
fn code_implies_input(resource: &Resource, code: &str, input: &str) -> Vec<(String, String)> {
    match task(resource) {
        Some(t) if code_has(t, code) && !input_codes(t).any(|c| c == input) => {
            vec![("input".to_owned(), format!("code {code} and no input of type {input}"))]
        }
        _ => Vec::new(),
    }
}

fn cdex_7(resource: &Resource) -> Vec<(String, String)> {
    code_implies_input(resource, "data-request-code", "data-code")
}

fn cdex_12(resource: &Resource) -> Vec<(String, String)> {
    code_implies_input(resource, "data-request-query", "data-query")
}

fn cdex_8(resource: &Resource) -> Vec<(String, String)> {
    code_implies_input(resource, "data-request-questionnaire", "questionnaire")
}

fn cdex_9(resource: &Resource) -> Vec<(String, String)> {
    let Some(t) = task(resource) else { return Vec::new() };
    let n = input_codes(t)
        .filter(|c| matches!(*c, "data-query" | "data-code" | "questionnaire"))
        .count();
    if n == 1 {
        Vec::new()
    } else {
        vec![(
            "input".to_owned(),
            format!("{n} inputs of type data-query, data-code or questionnaire"),
        )]
    }
}

fn cdex_11(resource: &Resource) -> Vec<(String, String)> {
    let Some(t) = task(resource) else { return Vec::new() };
    let completed = t.status == TaskStatus::Completed;
    let answered = t
        .output
        .iter()
        .flat_map(|o| &o.type_.coding)
        .any(|c| c.code.as_ref().and_then(|p| p.value.as_deref()) == Some("questionnaire-response"));
    if code_has(t, "data-request-questionnaire") && completed && !answered {
        vec![(
            "output".to_owned(),
            "a completed questionnaire request with no questionnaire-response output".to_owned(),
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    //! The rules above against the StructureDefinition they transcribe: every `min`, `max`,
    //! fixed value, pattern, type and required binding of the differential has its rule.

    use serde_json::Value;

    use super::super::rules::{Match, Rule, Sourced};
    use super::DATA_REQUEST;

    fn shared() -> Option<std::path::PathBuf> {
        let dir = std::env::var_os("FHIR_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into());
        dir.is_dir().then_some(dir)
    }

    /// The rules that apply inside the slices named along `slices` (`[("input", "query")]`).
    fn rules_in(slices: &[(String, String)]) -> &'static [Sourced] {
        let mut rules: &'static [Sourced] = DATA_REQUEST.rules;
        for (path, name) in slices {
            rules = rules
                .iter()
                .find_map(|r| match &r.rule {
                    Rule::Slice(s) if s.path == path && s.name == name => Some(s.rules),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no slice {path}:{name}"));
        }
        rules
    }

    /// Splits an element id into the slices it lies in and its path inside the last one:
    /// `Task.input:questionnaire.value[x].extension:questionnaireDisplay` →
    /// ([input:questionnaire], `value.extension`, Some(questionnaireDisplay)).
    fn parse_id(id: &str) -> (Vec<(String, String)>, String, Option<String>) {
        let id = id
            .strip_prefix("Task")
            .unwrap_or(id)
            .trim_start_matches('.')
            .replace("[x]", "");
        let mut slices = Vec::new();
        let mut path = String::new();
        let parts: Vec<&str> = id.split('.').collect();
        let mut last_slice = None;
        for (i, part) in parts.iter().enumerate() {
            let (name, slice) = match part.split_once(':') {
                Some((n, s)) => (n, Some(s)),
                None => (*part, None),
            };
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(name);
            if let Some(s) = slice {
                if i + 1 == parts.len() {
                    last_slice = Some(s.to_owned());
                } else {
                    slices.push((std::mem::take(&mut path), s.to_owned()));
                }
            }
        }
        (slices, path, last_slice)
    }

    #[test]
    fn every_constraint_of_the_differential_has_its_rule() {
        let Some(shared) = shared() else {
            eprintln!("notice: FHIR_SHARED not found; skipping the CDex StructureDefinition cross-check");
            return;
        };
        let path =
            shared.join("fhir-definitions/ig/davinci-cdex/resources/structuredefinition-cdex-task-data-request.json");
        let sd: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read SD")).expect("JSON");
        assert_eq!(sd["url"], super::DATA_REQUEST_URL);
        let mut checked = 0;
        for e in sd["differential"]["element"].as_array().expect("differential") {
            let id = e["id"].as_str().expect("id");
            if id == "Task.meta.tag:work-queue" {
                // Its binding is its discriminator: nothing to check (module docs).
                continue;
            }
            let (slices, path, slice) = parse_id(id);
            let rules = rules_in(&slices);
            let min = e["min"].as_u64().map(|m| m as u32);
            let max = e["max"]
                .as_str()
                .map(|m| if m == "*" { None } else { m.parse::<u32>().ok() });
            if let Some(name) = &slice {
                let found = rules.iter().any(|r| match &r.rule {
                    Rule::Slice(s) => {
                        s.path == path
                            && s.name == name
                            && min.is_none_or(|m| s.min == m)
                            && max.is_none_or(|m| s.max == m)
                    }
                    _ => false,
                });
                assert!(found, "{id}: no slice rule with min {min:?} max {max:?}");
                checked += 1;
            } else if min.is_some() || max.is_some() {
                let found = rules.iter().any(|r| {
                    matches!(&r.rule, Rule::Card { path: p, min: rmin, max: rmax }
                        if *p == path && min.is_none_or(|m| *rmin == m) && max.is_none_or(|m| *rmax == m))
                });
                assert!(found, "{id}: no cardinality rule {path} {min:?}..{max:?}");
                checked += 1;
            }
            for key in ["fixedCode", "fixedUri"] {
                if let Some(v) = e[key].as_str() {
                    let found = rules
                        .iter()
                        .any(|r| matches!(&r.rule, Rule::Fixed { path: p, value } if *p == path && *value == v));
                    assert!(found, "{id}: no fixed rule {path} = {v}");
                    checked += 1;
                }
            }
            if let Some(coding) = e["patternCodeableConcept"]["coding"][0].as_object() {
                let (system, code) = (coding["system"].as_str().unwrap(), coding["code"].as_str().unwrap());
                let (parent, name) = slices.last().expect("patterns are on slices here");
                let outer = rules_in(&slices[..slices.len() - 1]);
                let found = outer.iter().any(|r| match &r.rule {
                    Rule::Slice(s) if s.path == parent && s.name == name => s.matches.iter().any(
                        |m| matches!(m, Match::Coding { path: p, system: s, code: c } if *p == path && *s == system && *c == code),
                    ),
                    _ => false,
                });
                assert!(found, "{id}: no slice matching {system}#{code}");
                checked += 1;
            }
            let types: Vec<&str> = e["type"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["code"].as_str())
                .collect();
            if !types.is_empty() && !id.ends_with(":questionnaireDisplay") {
                let has_targets = e["type"][0]["targetProfile"].is_array() && types == ["Reference"];
                let found = rules.iter().any(|r| match &r.rule {
                    Rule::Types { path: p, types: t } => *p == path && *t == types.as_slice(),
                    Rule::Targets { path: p, .. } => has_targets && *p == path,
                    _ => false,
                }) || (path == "type" && types == ["CodeableConcept"]);
                assert!(found, "{id}: no type rule {path} {types:?}");
                checked += 1;
            }
            if e["binding"]["strength"] == "required" {
                let found = rules.iter().any(|r| match &r.rule {
                    Rule::Codings { path: p, value_set, .. } => *p == path && e["binding"]["valueSet"] == *value_set,
                    Rule::TaskStatusIn { value_set, .. } => path == "status" && e["binding"]["valueSet"] == *value_set,
                    _ => false,
                });
                assert!(found, "{id}: no rule for the required binding");
                checked += 1;
            }
        }
        assert!(checked >= 40, "only {checked} constraints checked");
    }
}
