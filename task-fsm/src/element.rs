//! Task elements named by FHIRPath-like paths (`Task.status`, `Task.statusReason.text`).
//!
//! The top-level elements are those of the R4 StructureDefinition `Task` 4.0.1 (R4-SD), in its
//! order. Deeper paths are walked with `fhir_model::navigate`, so any child name the model knows
//! can be used below a top-level element.

use fhir_model::navigate::{Navigable, Node};
use fhir_model::{Primitive, Task};
use std::fmt;

use crate::Error;

/// Whether an element carries anything (FHIR `exists()`).
trait Presence {
    fn present(&self) -> bool;
}

impl<T> Presence for Primitive<T> {
    fn present(&self) -> bool {
        !self.is_empty()
    }
}

impl<T: Presence> Presence for Option<T> {
    fn present(&self) -> bool {
        self.as_ref().is_some_and(Presence::present)
    }
}

impl<T> Presence for Vec<T> {
    fn present(&self) -> bool {
        !self.is_empty()
    }
}

macro_rules! complex_presence {
    ($($t:ty),* $(,)?) => {
        $(impl Presence for $t {
            fn present(&self) -> bool {
                true
            }
        })*
    };
}

complex_presence!(
    fhir_model::Meta,
    fhir_model::Narrative,
    fhir_model::Identifier,
    fhir_model::CodeableConcept,
    fhir_model::Reference,
    fhir_model::Period,
    fhir_model::TaskRestriction,
);

macro_rules! task_elements {
    ($($variant:ident = $name:literal => $field:ident),* $(,)?) => {
        /// A top-level element of `Task` (R4-SD), named as in FHIR.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum TaskElement {
            $(#[doc = concat!("`Task.", $name, "`")] $variant,)*
        }

        impl TaskElement {
            /// Every top-level element, in StructureDefinition order.
            pub const ALL: &'static [TaskElement] = &[$(TaskElement::$variant,)*];

            /// The FHIR element name (`statusReason`, `for`).
            pub fn name(self) -> &'static str {
                match self {
                    $(TaskElement::$variant => $name,)*
                }
            }

            /// The path from the resource (`Task.statusReason`).
            pub fn path(self) -> &'static str {
                match self {
                    $(TaskElement::$variant => concat!("Task.", $name),)*
                }
            }

            /// Whether the element differs between two versions of a Task.
            pub fn changed(self, before: &Task, after: &Task) -> bool {
                match self {
                    $(TaskElement::$variant => before.$field != after.$field,)*
                }
            }

            /// Whether the element is present in `task`.
            pub fn is_present(self, task: &Task) -> bool {
                match self {
                    $(TaskElement::$variant => task.$field.present(),)*
                }
            }
        }
    };
}

task_elements!(
    Id = "id" => id,
    Meta = "meta" => meta,
    ImplicitRules = "implicitRules" => implicit_rules,
    Language = "language" => language,
    Text = "text" => text,
    Contained = "contained" => contained,
    Extension = "extension" => extension,
    ModifierExtension = "modifierExtension" => modifier_extension,
    Identifier = "identifier" => identifier,
    InstantiatesCanonical = "instantiatesCanonical" => instantiates_canonical,
    InstantiatesUri = "instantiatesUri" => instantiates_uri,
    BasedOn = "basedOn" => based_on,
    GroupIdentifier = "groupIdentifier" => group_identifier,
    PartOf = "partOf" => part_of,
    Status = "status" => status,
    StatusReason = "statusReason" => status_reason,
    BusinessStatus = "businessStatus" => business_status,
    Intent = "intent" => intent,
    Priority = "priority" => priority,
    Code = "code" => code,
    Description = "description" => description,
    Focus = "focus" => focus,
    For = "for" => for_,
    Encounter = "encounter" => encounter,
    ExecutionPeriod = "executionPeriod" => execution_period,
    AuthoredOn = "authoredOn" => authored_on,
    LastModified = "lastModified" => last_modified,
    Requester = "requester" => requester,
    PerformerType = "performerType" => performer_type,
    Owner = "owner" => owner,
    Location = "location" => location,
    ReasonCode = "reasonCode" => reason_code,
    ReasonReference = "reasonReference" => reason_reference,
    Insurance = "insurance" => insurance,
    Note = "note" => note,
    RelevantHistory = "relevantHistory" => relevant_history,
    Restriction = "restriction" => restriction,
    Input = "input" => input,
    Output = "output" => output,
);

impl TaskElement {
    /// Looks a top-level element up by FHIR name (`statusReason`) or path (`Task.statusReason`).
    pub fn from_name(name: &str) -> Option<TaskElement> {
        let name = name.strip_prefix("Task.").unwrap_or(name);
        TaskElement::ALL.iter().copied().find(|e| e.name() == name)
    }
}

impl fmt::Display for TaskElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A path from `Task` to an element, such as `Task.output` or `Task.statusReason.text`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElementPath {
    text: String,
    top: TaskElement,
    rest: Vec<String>,
}

impl ElementPath {
    /// Reads a dotted path that starts with `Task.` and a top-level element of Task. Names below
    /// the top-level element are taken as written (the model is walked by name when the path
    /// is evaluated).
    ///
    /// ```
    /// let p = task_fsm::ElementPath::parse("Task.statusReason.text").unwrap();
    /// assert_eq!(p.as_str(), "Task.statusReason.text");
    /// assert!(task_fsm::ElementPath::parse("Task.reason").is_err());
    /// ```
    pub fn parse(path: &str) -> Result<ElementPath, Error> {
        let unknown = || Error::UnknownElement { path: path.to_owned() };
        let mut parts = path.split('.');
        if parts.next() != Some("Task") {
            return Err(unknown());
        }
        let top = parts.next().and_then(TaskElement::from_name).ok_or_else(unknown)?;
        let rest: Vec<String> = parts.map(str::to_owned).collect();
        if rest
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(unknown());
        }
        Ok(ElementPath {
            text: path.to_owned(),
            top,
            rest,
        })
    }

    /// The path text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The top-level element the path starts with.
    pub fn top(&self) -> TaskElement {
        self.top
    }

    /// Whether the element exists in `task`: a primitive with a value or extensions, or any
    /// complex element.
    pub fn is_present(&self, task: &Task) -> bool {
        if self.rest.is_empty() {
            return self.top.is_present(task);
        }
        let mut nodes = Vec::new();
        task.children(self.top.name(), &mut nodes);
        for name in &self.rest {
            let mut next = Vec::new();
            for node in &nodes {
                if let Node::Complex(c) = node {
                    c.children(name, &mut next);
                }
            }
            nodes = next;
        }
        nodes.iter().any(|n| match n {
            Node::Primitive(p) => p.value.is_some() || !p.extension.is_empty(),
            Node::Complex(_) => true,
        })
    }
}

impl From<TaskElement> for ElementPath {
    fn from(e: TaskElement) -> Self {
        ElementPath {
            text: e.path().to_owned(),
            top: e,
            rest: Vec::new(),
        }
    }
}

impl fmt::Display for ElementPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::{CodeableConcept, TaskIntent, TaskStatus};

    #[test]
    fn names_round_trip_and_match_the_model_navigation() {
        let task = Task::new(TaskStatus::Requested, TaskIntent::Order);
        assert_eq!(TaskElement::ALL.len(), 39);
        for e in TaskElement::ALL {
            assert_eq!(TaskElement::from_name(e.name()), Some(*e));
            assert_eq!(TaskElement::from_name(e.path()), Some(*e));
            // presence agrees with what navigation finds
            let mut out = Vec::new();
            task.children(e.name(), &mut out);
            assert_eq!(e.is_present(&task), !out.is_empty(), "{e}");
        }
    }

    #[test]
    fn nested_paths_need_a_value() {
        let path = ElementPath::parse("Task.statusReason.text").unwrap();
        let mut task = Task::new(TaskStatus::Rejected, TaskIntent::Order);
        assert!(!path.is_present(&task));
        task.status_reason = Some(CodeableConcept::default());
        assert!(!path.is_present(&task));
        task.status_reason = Some(CodeableConcept {
            text: Some("no capacity".into()),
            ..Default::default()
        });
        assert!(path.is_present(&task));
    }

    #[test]
    fn bad_paths_are_refused_with_the_path() {
        for bad in [
            "status",
            "Patient.status",
            "Task.nope",
            "Task.statusReason..text",
            "Task",
        ] {
            assert_eq!(
                ElementPath::parse(bad).unwrap_err(),
                Error::UnknownElement { path: bad.into() }
            );
        }
    }
}
