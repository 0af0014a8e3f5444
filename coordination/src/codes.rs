//! Canonical URLs, code systems and codes used by the patterns, each with its source (keys of
//! `docs/spec/coordination.md` §1).

use fhir_model::{CodeableConcept, Coding, Primitive};

/// R4 `http://hl7.org/fhir/CodeSystem/task-code` (R4 codesystem-task-code.html; the example
/// binding of `Task.code`, R4-SD).
pub const TASK_CODE_SYSTEM: &str = "http://hl7.org/fhir/CodeSystem/task-code";
/// `fulfill`: "Act to perform the actions defined in the focus request" — the code of the COW
/// Coordination Task example (COW-EX `COWCoordinationTask`) and of SDOH referral Tasks.
pub const FULFILL: &str = "fulfill";
/// `abort`: "Mark the focal resource as no longer active" — fixed by the COW Cancellation
/// Request Task profile (COW-FSH `CancellationRequestTask`: `code = task-code#abort`).
pub const ABORT: &str = "abort";
/// `change`: "Update the focal resource of the owning system to reflect the content specified
/// as the Task.input" (R4 task-code) — used for modification request Tasks (COW-RET names
/// "Cancellation and Modification Tasks" but profiles only cancellation).
pub const CHANGE: &str = "change";

/// COW Coordination Task profile (COW-FSH `CoordinationTask`, Id `coordination-task`).
pub const COORDINATION_TASK_PROFILE: &str = "http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task";
/// COW Cancellation Request Task profile (COW-FSH `CancellationRequestTask`).
pub const CANCELLATION_REQUEST_TASK_PROFILE: &str =
    "http://hl7.org/fhir/uv/cow/StructureDefinition/cancellation-request-task";

/// The multi-focus extension COW tells R4 and R5 implementers to use (COW-RET "Coordinating
/// related requests"; SEED-001). No StructureDefinition with this URL is published (profiles
/// digest §4); the value is a `valueReference` like `Task.focus`.
pub const FOCUS_EXTENSION: &str = "http://hl7.org/fhir/4.0/StructureDefinition/extension-Task.focus";

/// The R5 `Task.performer` element for use in R4 (cross-version package `hl7.fhir.uv.xver-r5.r4`,
/// extension `ext-R5-Task.performer`, 0..*): sub-extensions `function` (valueCodeableConcept,
/// 0..1) and `actor` (valueReference, 1..1). COW-RET: the performer "in R4 … would be a
/// pre-adopted extension".
pub const PERFORMER_EXTENSION: &str = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Task.performer";

/// CDex Task Data Request profile (CDEX-SD).
pub const CDEX_TASK_DATA_REQUEST_PROFILE: &str =
    "http://hl7.org/fhir/us/davinci-cdex/StructureDefinition/cdex-task-data-request";
/// CDex temporary code system (`codesystem-cdex-temp.json`): task codes, work-queue tags,
/// input types `purpose-of-use` and `signature-flag`.
pub const CDEX_TEMP: &str = "http://hl7.org/fhir/us/davinci-cdex/CodeSystem/cdex-temp";
/// HRex temporary code system (HRexTempCodes.fsh): input types `data-query`, `data-code`,
/// output type `data-value`, as CDEX-SD fixes them.
pub const HREX_TEMP: &str = "http://hl7.org/fhir/us/davinci-hrex/CodeSystem/hrex-temp";
/// SDC temporary code system: input type `questionnaire`, output type `questionnaire-response`
/// (CDEX-SD slices `input:questionnaire`, `output:response`).
pub const SDC_TEMP: &str = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp";

/// A CodeableConcept with one coding.
pub fn concept(system: &str, code: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(Primitive::from(system)),
            code: Some(Primitive::from(code)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A CodeableConcept with text only (for reasons and business statuses, whose bindings are
/// examples; CDex requires `.text` on both — CDEX-SD `statusReason.text 1..1`,
/// `businessStatus.text 1..1`).
pub fn text(text: &str) -> CodeableConcept {
    CodeableConcept {
        text: Some(Primitive::from(text)),
        ..Default::default()
    }
}

/// Whether `concept` has a coding `system#code`.
pub fn has_coding(concept: &CodeableConcept, system: &str, code: &str) -> bool {
    concept.coding.iter().any(|c| {
        c.system.as_ref().and_then(|s| s.value.as_deref()) == Some(system)
            && c.code.as_ref().and_then(|s| s.value.as_deref()) == Some(code)
    })
}

/// The text of a CodeableConcept, else the display or code of its first coding.
pub fn concept_text(concept: &CodeableConcept) -> Option<String> {
    if let Some(t) = concept.text.as_ref().and_then(|t| t.value.clone()) {
        return Some(t);
    }
    concept.coding.iter().find_map(|c| {
        c.display
            .as_ref()
            .and_then(|d| d.value.clone())
            .or_else(|| c.code.as_ref().and_then(|d| d.value.clone()))
    })
}
