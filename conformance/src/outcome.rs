//! What a check found, and its answer as an R4 `OperationOutcome`.
//!
//! Each issue carries a severity and a code from the R4 value sets `issue-severity` and
//! `issue-type` (<https://hl7.org/fhir/R4/valueset-issue-type.html>), the FHIRPath location of the
//! element (`Task.input[1].value`) in `OperationOutcome.issue.expression`, and diagnostics saying
//! what was expected and what was found. Where the parser knows the position in the text, the
//! issue also carries the line and column, in the extensions
//! `http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line` and `…-issue-col` of the
//! FHIR Extensions Pack (`valueInteger`, as in its current build; the HL7 validator reports
//! positions the same way).

use fhir_model::{
    Extension, ExtensionValue, IssueSeverity, IssueType, OperationOutcome, OperationOutcomeIssue, Primitive,
};

/// Extension carrying the 1-based line of an issue (FHIR Extensions Pack `operationoutcome-issue-line`).
pub const LINE_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line";
/// Extension carrying the 1-based column of an issue (FHIR Extensions Pack `operationoutcome-issue-col`).
pub const COLUMN_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col";

/// One finding, before it becomes an `OperationOutcome.issue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub severity: IssueSeverity,
    pub code: IssueType,
    /// FHIRPath location; empty for the document as a whole.
    pub expression: String,
    pub diagnostics: String,
    /// 1-based line and column in the text read, when known.
    pub position: Option<(usize, usize)>,
}

/// The issues of one validation, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Issues {
    items: Vec<Issue>,
}

impl Issues {
    pub fn push(&mut self, severity: IssueSeverity, code: IssueType, expression: String, diagnostics: String) {
        self.items.push(Issue {
            severity,
            code,
            expression,
            diagnostics,
            position: None,
        });
    }

    pub fn push_issue(&mut self, issue: Issue) {
        self.items.push(issue);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Drops the issues found after `len` (those of an element that turned out to be empty).
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Issue> {
        self.items.iter_mut()
    }

    pub fn into_outcome(self) -> OperationOutcome {
        let mut issues: Vec<OperationOutcomeIssue> = self.items.into_iter().map(Issue::into_fhir).collect();
        if issues.is_empty() {
            // OperationOutcome.issue is 1..*: an all-clear is stated as one informational issue
            // (R4 operationoutcome.html, "All is well" example).
            let mut ok = OperationOutcomeIssue::new(IssueSeverity::Information, IssueType::Informational);
            ok.diagnostics = Some(Primitive::from("no issues found"));
            issues.push(ok);
        }
        OperationOutcome {
            issue: issues,
            ..Default::default()
        }
    }
}

fn integer_extension(url: &str, value: usize) -> Extension {
    Extension {
        url: url.into(),
        value: Some(ExtensionValue::Integer(Primitive::new(
            i32::try_from(value).unwrap_or(i32::MAX),
        ))),
        ..Default::default()
    }
}

impl Issue {
    fn into_fhir(self) -> OperationOutcomeIssue {
        let mut issue = OperationOutcomeIssue::new(self.severity, self.code);
        issue.diagnostics = Some(Primitive::new(self.diagnostics));
        if !self.expression.is_empty() {
            issue.expression.push(Primitive::new(self.expression));
        }
        if let Some((line, column)) = self.position {
            issue.extension.push(integer_extension(LINE_EXTENSION, line));
            issue.extension.push(integer_extension(COLUMN_EXTENSION, column));
        }
        issue
    }
}

/// Whether an outcome lets the resource through: no issue of severity `fatal` or `error`.
///
/// ```
/// use fhir_model::{IssueSeverity, IssueType, OperationOutcome, OperationOutcomeIssue};
///
/// let mut outcome = OperationOutcome::default();
/// outcome.issue.push(OperationOutcomeIssue::new(IssueSeverity::Warning, IssueType::Invariant));
/// assert!(conformance::is_valid(&outcome));
/// outcome.issue.push(OperationOutcomeIssue::new(IssueSeverity::Error, IssueType::Required));
/// assert!(!conformance::is_valid(&outcome));
/// ```
pub fn is_valid(outcome: &OperationOutcome) -> bool {
    !outcome.issue.iter().any(|i| {
        matches!(
            i.severity.value.as_ref().and_then(|s| s.known()),
            Some(IssueSeverity::Fatal | IssueSeverity::Error)
        )
    })
}

/// The line and column an issue carries in its extensions, if any.
pub fn position(issue: &OperationOutcomeIssue) -> Option<(usize, usize)> {
    let get = |url: &str| {
        issue
            .extension
            .iter()
            .find(|e| e.url == url)
            .and_then(|e| match &e.value {
                Some(ExtensionValue::Integer(p)) => p.value.and_then(|v| usize::try_from(v).ok()),
                _ => None,
            })
    };
    Some((get(LINE_EXTENSION)?, get(COLUMN_EXTENSION)?))
}
