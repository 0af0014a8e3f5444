//! SDOH Clinical Care 3.0.0: `SDOHCC-TaskForReferralManagement` and `SDOHCC-TaskForPatient`,
//! from the FSH under `sdoh-clinicalcare/fsh/` (file and line cited per rule). The status value
//! sets are those of the `task-fsm` machines `sdoh-referral` and `sdoh-patient` (which encode
//! `SDOHCC-ValueSetReferralTaskStatus` and `SDOHCC-ValueSetTaskStatus`).
//!
//! Not checked (docs/spec/conformance.md says why): the `partOf[SupportedPartOf]` slices
//! (discriminated by the profile of the resolved target), target profiles (US Core, SDOHCC) beyond
//! their resource type, the extensible binding of `Task.code` (patient Task), and the required
//! binding of `output[PerformedActivityCode].valueCodeableConcept` to US Core Procedure Codes
//! (SNOMED CT / CPT / HCPCS / ICD-10-PCS, not enumerable here).

use fhir_model::{CodeableConcept, IssueSeverity, Resource, Task};

use super::rules::{has_coding, reference_type, Invariant, Match, Rule, Slice, Sourced};
use super::Profile;

/// Canonical URL of `SDOHCC-TaskForReferralManagement`.
pub(crate) const REFERRAL_URL: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement";
/// Canonical URL of `SDOHCC-TaskForPatient`.
pub(crate) const PATIENT_URL: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForPatient";

/// `$SDOHCC-CodeSystemTemporaryCodes` (`aliases.fsh`).
const SDOHCC: &str = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
/// `$temp`: the SDC temporary codes (`aliases.fsh`).
const SDC_TEMP: &str = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp";
/// `$task-code` (`aliases.fsh`).
const TASK_CODE: &str = "http://hl7.org/fhir/CodeSystem/task-code";

/// A line of an SDOH FSH file and what it says.
macro_rules! fsh {
    ($file:literal, $line:literal, $text:literal) => {
        concat!("sdoh-clinicalcare/fsh/", $file, ":", $line, " (", $text, ")")
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

const fn targets(path: &'static str, types: &'static [&'static str], source: &'static str) -> Sourced {
    Sourced {
        rule: Rule::Targets { path, types },
        source,
    }
}

const fn slice(
    path: &'static str,
    name: &'static str,
    matches: &'static [Match],
    max: Option<u32>,
    rules: &'static [Sourced],
    source: &'static str,
) -> Sourced {
    Sourced {
        rule: Rule::Slice(Slice {
            path,
            name,
            matches,
            min: 0,
            max,
            rules,
        }),
        source,
    }
}

const fn typed(system: &'static str, code: &'static str) -> Match {
    Match::Coding {
        path: "type",
        system,
        code,
    }
}

pub(crate) static REFERRAL: Profile = Profile {
    url: REFERRAL_URL,
    id: "SDOHCC-TaskForReferralManagement",
    title: "SDOHCC Task For Referral Management",
    resource_type: "Task",
    rules: &[
        Sourced {
            rule: Rule::TaskStatusIn {
                machine: "sdoh-referral",
                value_set: "http://hl7.org/fhir/us/sdoh-clinicalcare/ValueSet/SDOHCC-ValueSetReferralTaskStatus",
            },
            source: fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                87,
                "status from SDOHCCValueSetReferralTaskStatus (required)"
            ),
        },
        Sourced {
            rule: Rule::TaskStateRules {
                machine: "sdoh-referral",
            },
            source: fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                24,
                "statusReason ^comment: text should be included when rejected, cancelled, on-hold or failed"
            ),
        },
        card(
            "statusReason.text",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 25, "statusReason.text 1.. MS"),
        ),
        Sourced {
            rule: Rule::Fixed {
                path: "intent",
                value: "order",
            },
            source: fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 26, "intent = #order (exactly)"),
        },
        card(
            "code",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 32, "code 1.."),
        ),
        Sourced {
            rule: Rule::Pattern {
                path: "code",
                system: TASK_CODE,
                code: "fulfill",
            },
            source: fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 33, "code = $task-code#fulfill"),
        },
        card(
            "focus",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 34, "focus 1.. MS"),
        ),
        targets(
            "focus",
            &["ServiceRequest"],
            fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                35,
                "focus only Reference(SDOHCCServiceRequest)"
            ),
        ),
        card(
            "for",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 36, "for 1.. MS"),
        ),
        targets(
            "for",
            &["RelatedPerson", "Group", "Patient"],
            fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                37,
                "for only Reference(RelatedPerson or Group or USCorePatientProfile|7.0.0)"
            ),
        ),
        card(
            "authoredOn",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 45, "authoredOn 1.. MS"),
        ),
        card(
            "requester",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForReferralManagement.fsh", 46, "requester 1.. MS"),
        ),
        targets(
            "requester",
            &["PractitionerRole", "Organization"],
            fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                47,
                "requester only Reference(SDOHCCPractitionerRole or USCoreOrganizationProfile|7.0.0)"
            ),
        ),
        slice(
            "input",
            "AdditionalContent",
            &[typed(SDOHCC, "additional-content")],
            None,
            &[types(
                "value",
                &["Reference"],
                fsh!(
                    "profiles/SDOHCCTaskForReferralManagement.fsh",
                    60,
                    "input[AdditionalContent].value[x] only Reference(Resource)"
                ),
            )],
            fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                59,
                "input[AdditionalContent].type = $SDOHCC-CodeSystemTemporaryCodes#additional-content"
            ),
        ),
        slice(
            "output",
            "PerformedActivityReference",
            &[
                typed(SDOHCC, "resulting-activity"),
                Match::Type {
                    path: "value",
                    types: &["Reference"],
                },
            ],
            None,
            &[targets(
                "value",
                &["Procedure"],
                fsh!(
                    "profiles/SDOHCCTaskForReferralManagement.fsh",
                    73,
                    "output[PerformedActivityReference].valueReference only Reference(SDOHCCProcedure)"
                ),
            )],
            fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                72,
                "output[PerformedActivityReference].type = #resulting-activity (discriminated by type and value type)"
            ),
        ),
        slice(
            "output",
            "AdditionalContent",
            &[typed(SDOHCC, "additional-content")],
            None,
            &[targets(
                "value",
                &["Observation", "Goal", "Condition", "QuestionnaireResponse", "CarePlan"],
                fsh!(
                    "profiles/SDOHCCTaskForReferralManagement.fsh",
                    85,
                    "output[AdditionalContent].valueReference only Reference(SDOHCC Observations or SDOHCCGoal or SDOHCCCondition or QuestionnaireResponse or CarePlan)"
                ),
            )],
            fsh!(
                "profiles/SDOHCCTaskForReferralManagement.fsh",
                84,
                "output[AdditionalContent].type = $SDOHCC-CodeSystemTemporaryCodes#additional-content"
            ),
        ),
    ],
};

pub(crate) static PATIENT: Profile = Profile {
    url: PATIENT_URL,
    id: "SDOHCC-TaskForPatient",
    title: "SDOHCC Task For Patient",
    resource_type: "Task",
    rules: &[
        Sourced {
            rule: Rule::TaskStatusIn {
                machine: "sdoh-patient",
                value_set: "http://hl7.org/fhir/us/sdoh-clinicalcare/ValueSet/SDOHCC-ValueSetTaskStatus",
            },
            source: fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                24,
                "status from SDOHCCValueSetTaskStatus (required)"
            ),
        },
        Sourced {
            rule: Rule::TaskStateRules { machine: "sdoh-patient" },
            source: fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                29,
                "statusReason ^comment: text should be included when cancelled"
            ),
        },
        card(
            "statusReason.text",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 30, "statusReason.text 1.. MS"),
        ),
        Sourced {
            rule: Rule::Fixed {
                path: "intent",
                value: "order",
            },
            source: fsh!("profiles/SDOHCCTaskForPatient.fsh", 31, "intent = #order (exactly)"),
        },
        card(
            "priority",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 35, "priority 1.. MS"),
        ),
        Sourced {
            rule: Rule::Codes {
                path: "priority",
                value_set: "http://hl7.org/fhir/us/sdoh-clinicalcare/ValueSet/SDOHCC-ValueSetTaskPriority",
                codes: &["routine", "urgent"],
            },
            source: fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                36,
                "priority from SDOHCCValueSetTaskPriority (required); codes: valuesets/SDOHCCValueSetTaskPriority.fsh:7-8"
            ),
        },
        card(
            "code",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 40, "code 1.. MS"),
        ),
        card(
            "for",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 49, "for 1.. MS"),
        ),
        targets(
            "for",
            &["Patient"],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                50,
                "for only Reference(USCorePatientProfile|7.0.0)"
            ),
        ),
        card(
            "authoredOn",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 54, "authoredOn 1.. MS"),
        ),
        card(
            "requester",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 55, "requester 1.. MS"),
        ),
        targets(
            "requester",
            &["PractitionerRole", "Organization"],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                56,
                "requester only Reference(SDOHCCPractitionerRole or USCoreOrganizationProfile|7.0.0)"
            ),
        ),
        card(
            "owner",
            1,
            Some(1),
            fsh!("profiles/SDOHCCTaskForPatient.fsh", 57, "owner 1.. MS"),
        ),
        targets(
            "owner",
            &["Patient", "RelatedPerson"],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                58,
                "owner only Reference(USCorePatientProfile|7.0.0 or RelatedPerson)"
            ),
        ),
        slice(
            "input",
            "Questionnaire",
            &[typed(SDC_TEMP, "questionnaire")],
            Some(1),
            &[types(
                "value",
                &["canonical"],
                fsh!(
                    "profiles/SDOHCCTaskForPatient.fsh",
                    79,
                    "input[Questionnaire].value[x] only canonical"
                ),
            )],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                68,
                "input contains Questionnaire 0..1 MS; line 74: type = $temp#questionnaire"
            ),
        ),
        slice(
            "input",
            "QuestionnairePDF",
            &[typed(SDOHCC, "questionnaire-pdf")],
            Some(1),
            &[
                types(
                    "value",
                    &["Reference"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        84,
                        "input[QuestionnairePDF].value[x] only Reference(USCoreDocumentReferenceProfile|7.0.0)"
                    ),
                ),
                targets(
                    "value",
                    &["DocumentReference"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        84,
                        "input[QuestionnairePDF].value[x] only Reference(USCoreDocumentReferenceProfile|7.0.0)"
                    ),
                ),
            ],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                69,
                "input contains QuestionnairePDF 0..1 MS; line 83: type = #questionnaire-pdf"
            ),
        ),
        slice(
            "input",
            "QuestionnaireURL",
            &[typed(SDOHCC, "questionnaire-url")],
            Some(1),
            &[types(
                "value",
                &["url"],
                fsh!("profiles/SDOHCCTaskForPatient.fsh", 87, "input[QuestionnaireURL].value[x] only url"),
            )],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                70,
                "input contains QuestionnaireURL 0..1 MS; line 86: type = #questionnaire-url"
            ),
        ),
        slice(
            "input",
            "QuestionnaireCategory",
            &[typed(SDOHCC, "questionnaire-category")],
            Some(1),
            &[
                types(
                    "value",
                    &["CodeableConcept"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        90,
                        "input[QuestionnaireCategory].value[x] only CodeableConcept"
                    ),
                ),
                Sourced {
                    rule: Rule::Codings {
                        path: "value",
                        value_set:
                            "http://hl7.org/fhir/us/sdoh-clinicalcare/ValueSet/SDOHCC-ValueSetSDOHQuestionnaireCategory",
                        codes: &[
                            (SDOHCC, "risk-questionnaire"),
                            (SDOHCC, "feedback-questionnaire"),
                            (SDOHCC, "application-questionnaire"),
                            (SDOHCC, "personal-characteristics-questionnaire"),
                            (SDOHCC, "other-specify"),
                        ],
                    },
                    source: fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        91,
                        "input[QuestionnaireCategory].value[x] from SDOHCCValueSetSDOHQuestionnaireCategory (required); codes: valuesets/SDOHCCValueSetSDOHQuestionnaireCategory.fsh:7-11"
                    ),
                },
            ],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                71,
                "input contains QuestionnaireCategory 0..1 MS; line 89: type = #questionnaire-category"
            ),
        ),
        slice(
            "input",
            "Contact",
            &[typed(SDOHCC, "contact-entity")],
            None,
            &[
                types(
                    "value",
                    &["Reference"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        97,
                        "input[Contact].value[x] only Reference(SDOHCCHealthcareService or SDOHCCPractitionerRole or USCorePractitionerProfile|7.0.0 or USCoreOrganizationProfile|7.0.0)"
                    ),
                ),
                targets(
                    "value",
                    &["HealthcareService", "PractitionerRole", "Practitioner", "Organization"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        97,
                        "input[Contact].value[x] only Reference(SDOHCCHealthcareService or SDOHCCPractitionerRole or USCorePractitionerProfile|7.0.0 or USCoreOrganizationProfile|7.0.0)"
                    ),
                ),
            ],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                72,
                "input contains Contact 0..* MS; line 95: type = #contact-entity"
            ),
        ),
        slice(
            "output",
            "QuestionnaireResponse",
            &[typed(SDC_TEMP, "questionnaire-response")],
            Some(1),
            &[
                types(
                    "value",
                    &["Reference"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        115,
                        "output[QuestionnaireResponse].value[x] only Reference(SDCQuestionnaireResponse)"
                    ),
                ),
                targets(
                    "value",
                    &["QuestionnaireResponse"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        115,
                        "output[QuestionnaireResponse].value[x] only Reference(SDCQuestionnaireResponse)"
                    ),
                ),
            ],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                106,
                "output contains QuestionnaireResponse 0..1 MS; line 114: type = $temp#questionnaire-response"
            ),
        ),
        slice(
            "output",
            "QuestionnairePDFCompleted",
            &[typed(SDOHCC, "questionnaire-pdf-completed")],
            Some(1),
            &[
                types(
                    "value",
                    &["Reference"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        121,
                        "output[QuestionnairePDFCompleted].value[x] only Reference(USCoreDocumentReferenceProfile|7.0.0)"
                    ),
                ),
                targets(
                    "value",
                    &["DocumentReference"],
                    fsh!(
                        "profiles/SDOHCCTaskForPatient.fsh",
                        121,
                        "output[QuestionnairePDFCompleted].value[x] only Reference(USCoreDocumentReferenceProfile|7.0.0)"
                    ),
                ),
            ],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                107,
                "output contains QuestionnairePDFCompleted 0..1 MS; line 120: type = #questionnaire-pdf-completed"
            ),
        ),
        slice(
            "output",
            "GeneralInformationResponse",
            &[typed(SDOHCC, "general-information-response")],
            None,
            &[types(
                "value",
                &["markdown"],
                fsh!(
                    "profiles/SDOHCCTaskForPatient.fsh",
                    127,
                    "output[GeneralInformationResponse].value[x] only markdown"
                ),
            )],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                108,
                "output contains GeneralInformationResponse 0..* MS; line 126: type = #general-information-response"
            ),
        ),
        slice(
            "output",
            "ChosenContact",
            &[typed(SDOHCC, "chosen-contact")],
            Some(1),
            &[types(
                "value",
                &["markdown"],
                fsh!("profiles/SDOHCCTaskForPatient.fsh", 134, "output[ChosenContact].value[x] only markdown"),
            )],
            fsh!(
                "profiles/SDOHCCTaskForPatient.fsh",
                109,
                "output contains ChosenContact 0..1 MS; line 133: type = #chosen-contact"
            ),
        ),
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-1",
                severity: IssueSeverity::Error,
                human: "If Task.code is “complete-questionnaire”, then exactly one Task.input of either \"questionnaire\", \"questionnaire-pdf\", or \"questionnaire-url\" is required and Task.input \"questionnaire-category\" is required.",
                expression: "code.coding.where(system='http://hl7.org/fhir/uv/sdc/CodeSystem/temp' and code='complete-questionnaire').exists() implies ((input.type.coding.where(system='http://hl7.org/fhir/uv/sdc/CodeSystem/temp' and code='questionnaire').exists() xor input.type.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='questionnaire-pdf').exists() xor input.type.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='questionnaire-url').exists()) and input.type.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='questionnaire-category').exists())",
                check: sdoh_task_1,
            }),
            source: fsh!("invariants/SDOH-Task-1.fsh", 4, "Expression; obeyed at SDOHCCTaskForPatient.fsh:8"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-2",
                severity: IssueSeverity::Error,
                human: "If Task.code is “general-information”, then Task.description is required and Task.output, if present, must be “general-information-response”.",
                expression: "code.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='general-information').exists() implies (description.exists() and (output.empty() or output.type.coding.all(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='general-information-response').exists()))",
                check: sdoh_task_2,
            }),
            source: fsh!("invariants/SDOH-Task-2.fsh", 4, "Expression; obeyed at SDOHCCTaskForPatient.fsh:8"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-2",
                severity: IssueSeverity::Warning,
                human: "Task.output, if present, must be “general-information-response” (Description; the Expression's `all(…).exists()` is always true, so this part is reported as a warning).",
                expression: "output.type.coding.all(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='general-information-response').exists()",
                check: sdoh_task_2_outputs,
            }),
            source: fsh!("invariants/SDOH-Task-2.fsh", 2, "Description"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-3",
                severity: IssueSeverity::Error,
                human: "If Task.code is \"review-material\", then Task.focus of DocumentReference is required.",
                expression: "code.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='review-material').exists() implies focus.resolve().all($this is DocumentReference)",
                check: sdoh_task_3,
            }),
            source: fsh!(
                "invariants/SDOH-Task-3.fsh",
                4,
                "Expression (lines 4-5); obeyed at SDOHCCTaskForPatient.fsh:8"
            ),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-3",
                severity: IssueSeverity::Warning,
                human: "Task.focus is required for \"review-material\" (Description; the Expression's `all()` is true for an absent focus, so this part is reported as a warning).",
                expression: "focus.exists()",
                check: sdoh_task_3_focus,
            }),
            source: fsh!("invariants/SDOH-Task-3.fsh", 2, "Description"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-4",
                severity: IssueSeverity::Error,
                human: "If Task.code is \"make-contact\", then Task.input of at least one \"contact-entity\" is required.",
                expression: "code.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='make-contact').exists() implies input.type.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='contact-entity').exists()",
                check: sdoh_task_4,
            }),
            source: fsh!("invariants/SDOH-Task-4.fsh", 4, "Expression; obeyed at SDOHCCTaskForPatient.fsh:8"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-5",
                severity: IssueSeverity::Error,
                human: "If Task.input is \"questionnaire\", then Task.output, if present, must be \"questionnaire-response\".",
                expression: "input.type.coding.where(system='http://hl7.org/fhir/uv/sdc/CodeSystem/temp' and code='questionnaire').exists() implies (output.type.coding.where(system='http://hl7.org/fhir/uv/sdc/CodeSystem/temp' and code='questionnaire-response').exists() or output.empty())",
                check: sdoh_task_5,
            }),
            source: fsh!("invariants/SDOH-Task-5.fsh", 4, "Expression; obeyed at SDOHCCTaskForPatient.fsh:8"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-6",
                severity: IssueSeverity::Error,
                human: "If Task.input is \"questionnaire-pdf\", then Task.output, if present, must be \"questionnaire-pdf-completed\".",
                expression: "input.type.coding.where(system='http://hl7.org/fhir/uv/sdc/CodeSystem/temp' and code='questionnaire-pdf').exists() implies (output.type.coding.where(system='http://hl7.org/fhir/uv/sdc/CodeSystem/temp' and code='questionnaire-pdf-completed').exists() or output.empty())",
                check: sdoh_task_6,
            }),
            source: fsh!("invariants/SDOH-Task-6.fsh", 4, "Expression; obeyed at SDOHCCTaskForPatient.fsh:8"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-6",
                severity: IssueSeverity::Warning,
                human: "If Task.input is \"questionnaire-pdf\", then Task.output, if present, must be \"questionnaire-pdf-completed\" (Description, read with the SDOHCC code system the profile's slices use; the Expression names the SDC system for both codes and so never applies to them).",
                expression: "input.type.coding.where(system=SDOHCC and code='questionnaire-pdf').exists() implies (output.type.coding.where(system=SDOHCC and code='questionnaire-pdf-completed').exists() or output.empty())",
                check: sdoh_task_6_sdohcc,
            }),
            source: fsh!(
                "invariants/SDOH-Task-6.fsh",
                2,
                "Description; slices at SDOHCCTaskForPatient.fsh:83 and :120"
            ),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-7",
                severity: IssueSeverity::Error,
                human: "If Task.code is \"make-contact\", then Task.description is required and Task.output, if present, must be \"chosen-contact\".",
                expression: "code.coding.where(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='make-contact').exists() implies (description.exists() and (output.empty() or output.type.coding.all(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='chosen-contact').exists()))",
                check: sdoh_task_7,
            }),
            source: fsh!("invariants/SDOH-Task-7.fsh", 4, "Expression; obeyed at SDOHCCTaskForPatient.fsh:8"),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "SDOH-Task-7",
                severity: IssueSeverity::Warning,
                human: "Task.output, if present, must be \"chosen-contact\" (Description; the Expression's `all(…).exists()` is always true, so this part is reported as a warning).",
                expression: "output.type.coding.all(system='http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes' and code='chosen-contact').exists()",
                check: sdoh_task_7_outputs,
            }),
            source: fsh!("invariants/SDOH-Task-7.fsh", 2, "Description"),
        },
    ],
};

/// The Task, for the invariants (the profile is only applied to Tasks).
fn task(resource: &Resource) -> Option<&Task> {
    match resource {
        Resource::Task(t) => Some(t),
        _ => None,
    }
}

fn code_is(task: &Task, system: &str, code: &str) -> bool {
    has_coding(task.code.as_ref(), system, code)
}

fn some_input(task: &Task, system: &str, code: &str) -> bool {
    task.input.iter().any(|i| has_coding(Some(&i.type_), system, code))
}

fn some_output(task: &Task, system: &str, code: &str) -> bool {
    task.output.iter().any(|o| has_coding(Some(&o.type_), system, code))
}

fn type_text(concept: &CodeableConcept) -> String {
    let codes: Vec<String> = concept
        .coding
        .iter()
        .map(|c| {
            format!(
                "{}#{}",
                c.system.as_ref().and_then(|p| p.value.as_deref()).unwrap_or_default(),
                c.code.as_ref().and_then(|p| p.value.as_deref()).unwrap_or_default()
            )
        })
        .collect();
    if codes.is_empty() {
        "a type with no coding".to_owned()
    } else {
        format!("type {}", codes.join(", "))
    }
}

fn sdoh_task_1(resource: &Resource) -> Vec<(String, String)> {
    let Some(t) = task(resource) else { return Vec::new() };
    if !code_is(t, SDC_TEMP, "complete-questionnaire") {
        return Vec::new();
    }
    let questionnaire = some_input(t, SDC_TEMP, "questionnaire");
    let pdf = some_input(t, SDOHCC, "questionnaire-pdf");
    let url = some_input(t, SDOHCC, "questionnaire-url");
    let category = some_input(t, SDOHCC, "questionnaire-category");
    // FHIRPath `a xor b xor c` groups left to right: true when an odd number is true.
    if (questionnaire ^ pdf ^ url) && category {
        return Vec::new();
    }
    let n = [questionnaire, pdf, url].iter().filter(|b| **b).count();
    vec![(
        "input".to_owned(),
        format!(
            "{n} of the questionnaire / questionnaire-pdf / questionnaire-url inputs and {} questionnaire-category input",
            if category { "a" } else { "no" }
        ),
    )]
}

fn sdoh_task_2(resource: &Resource) -> Vec<(String, String)> {
    match task(resource) {
        Some(t) if code_is(t, SDOHCC, "general-information") && t.description.is_none() => {
            vec![("description".to_owned(), "no description".to_owned())]
        }
        _ => Vec::new(),
    }
}

/// Outputs whose type lacks `system#code`, for a Task with code `when`.
fn outputs_not(resource: &Resource, when: &str, code: &str) -> Vec<(String, String)> {
    let Some(t) = task(resource) else { return Vec::new() };
    if !code_is(t, SDOHCC, when) {
        return Vec::new();
    }
    t.output
        .iter()
        .enumerate()
        .filter(|(_, o)| !has_coding(Some(&o.type_), SDOHCC, code))
        .map(|(i, o)| (format!("output[{i}].type"), type_text(&o.type_)))
        .collect()
}

fn sdoh_task_2_outputs(resource: &Resource) -> Vec<(String, String)> {
    outputs_not(resource, "general-information", "general-information-response")
}

fn sdoh_task_3(resource: &Resource) -> Vec<(String, String)> {
    let Some(t) = task(resource) else { return Vec::new() };
    if !code_is(t, SDOHCC, "review-material") {
        return Vec::new();
    }
    // `resolve()` is not available: the type the reference names stands for the resolved target.
    match t.focus.as_ref().and_then(|f| reference_type(f)) {
        Some(found) if found != "DocumentReference" => {
            vec![("focus".to_owned(), format!("a focus referring to a {found}"))]
        }
        _ => Vec::new(),
    }
}

fn sdoh_task_3_focus(resource: &Resource) -> Vec<(String, String)> {
    match task(resource) {
        Some(t) if code_is(t, SDOHCC, "review-material") && t.focus.is_none() => {
            vec![("focus".to_owned(), "no focus".to_owned())]
        }
        _ => Vec::new(),
    }
}

fn sdoh_task_4(resource: &Resource) -> Vec<(String, String)> {
    match task(resource) {
        Some(t) if code_is(t, SDOHCC, "make-contact") && !some_input(t, SDOHCC, "contact-entity") => {
            vec![("input".to_owned(), "no contact-entity input".to_owned())]
        }
        _ => Vec::new(),
    }
}

/// `input <in> implies (output <out> exists or output.empty())`, codes of `system`.
fn input_implies_output(resource: &Resource, system: &str, input: &str, output: &str) -> Vec<(String, String)> {
    match task(resource) {
        Some(t) if some_input(t, system, input) && !t.output.is_empty() && !some_output(t, system, output) => {
            let found: Vec<String> = t.output.iter().map(|o| type_text(&o.type_)).collect();
            vec![("output".to_owned(), format!("outputs of {}", found.join("; ")))]
        }
        _ => Vec::new(),
    }
}

fn sdoh_task_5(resource: &Resource) -> Vec<(String, String)> {
    input_implies_output(resource, SDC_TEMP, "questionnaire", "questionnaire-response")
}

fn sdoh_task_6(resource: &Resource) -> Vec<(String, String)> {
    input_implies_output(resource, SDC_TEMP, "questionnaire-pdf", "questionnaire-pdf-completed")
}

fn sdoh_task_6_sdohcc(resource: &Resource) -> Vec<(String, String)> {
    input_implies_output(resource, SDOHCC, "questionnaire-pdf", "questionnaire-pdf-completed")
}

fn sdoh_task_7(resource: &Resource) -> Vec<(String, String)> {
    match task(resource) {
        Some(t) if code_is(t, SDOHCC, "make-contact") && t.description.is_none() => {
            vec![("description".to_owned(), "no description".to_owned())]
        }
        _ => Vec::new(),
    }
}

fn sdoh_task_7_outputs(resource: &Resource) -> Vec<(String, String)> {
    outputs_not(resource, "make-contact", "chosen-contact")
}
