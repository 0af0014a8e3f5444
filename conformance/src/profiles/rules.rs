//! The constraints a profile adds, as data, and the one interpreter that checks them.
//!
//! Each profile module writes its StructureDefinition (or FSH) down as a list of [`Sourced`]
//! rules, each naming the file and line it comes from. Rules address elements by dotted paths
//! relative to the resource (or to a slice: `value`, `type.coding`), walked with
//! `fhir_model::navigate`; `extension` below a primitive reaches the primitive's extensions.
//!
//! What the interpreter does not do, and why, is in `docs/spec/conformance.md`: it does not
//! resolve references (a target's profile cannot be checked, only the resource type a literal
//! reference or `Reference.type` names), and it checks bindings only when they are `required`
//! and the codes are listed in the IG.

use fhir_model::navigate::{Navigable, Node, PrimitiveRef};
use fhir_model::{CodeEnum, IssueSeverity, IssueType, Resource, TaskStatus, R4_RESOURCE_TYPES};

use crate::base::structure::{string_child, type_def, Kind, ONE};
use crate::location::Location;
use crate::outcome::Issues;

/// A rule and where it is written.
#[derive(Debug)]
pub(crate) struct Sourced {
    pub rule: Rule,
    /// File (under `$FHIR_SHARED/fhir-definitions/ig/`) and line, or element id for JSON.
    pub source: &'static str,
}

/// One constraint of a profile.
#[derive(Debug)]
pub(crate) enum Rule {
    /// The element at `path` occurs `min..=max` times within each of its parents (`max` `None`
    /// for `*`; `Some(0)` prohibits it).
    Card {
        path: &'static str,
        min: u32,
        max: Option<u32>,
    },
    /// Every value at `path` equals `value` (fixed or pattern on a primitive).
    Fixed { path: &'static str, value: &'static str },
    /// Every CodeableConcept at `path` has a coding `system#code` (pattern).
    Pattern {
        path: &'static str,
        system: &'static str,
        code: &'static str,
    },
    /// Every code at `path` is one of `codes` (required binding on a `code`).
    Codes {
        path: &'static str,
        value_set: &'static str,
        codes: &'static [&'static str],
    },
    /// Every CodeableConcept (or Coding) at `path` has a coding from `codes` (required binding).
    Codings {
        path: &'static str,
        value_set: &'static str,
        codes: &'static [(&'static str, &'static str)],
    },
    /// Every value at `path` is of one of these FHIR types (`only X`).
    Types {
        path: &'static str,
        types: &'static [&'static str],
    },
    /// Every Reference at `path` whose target type is known names one of `types`
    /// (`only Reference(X or Y)`; profiles of the targets are not checked).
    Targets {
        path: &'static str,
        types: &'static [&'static str],
    },
    /// `Task.status` in the states of the `task-fsm` machine (the profile's status value set).
    TaskStatusIn {
        machine: &'static str,
        value_set: &'static str,
    },
    /// The entry rules of the `task-fsm` machine for the Task's current status (elements
    /// required or forbidden in that state).
    TaskStateRules { machine: &'static str },
    /// Every resource at `path` conforms to `profile` (`only Profile`). A resource that claims
    /// that profile in `meta.profile` is skipped here: the validator checks declared profiles of
    /// every resource, and the issues would be reported twice.
    Conforms {
        path: &'static str,
        profile: &'static super::Profile,
    },
    /// A slice of the repeating element `path`.
    Slice(Slice),
    /// An invariant written in Rust.
    Invariant(Invariant),
}

/// What puts an item of a repeating element into a slice; all must hold.
#[derive(Debug)]
pub(crate) enum Match {
    /// The CodeableConcept at `path` has a coding `system#code` (discriminator `value` on a pattern).
    Coding {
        path: &'static str,
        system: &'static str,
        code: &'static str,
    },
    /// The primitive at `path` equals `value` (discriminator `value` on a fixed value).
    Value { path: &'static str, value: &'static str },
    /// The value at `path` is of one of these types (discriminator `type`).
    Type {
        path: &'static str,
        types: &'static [&'static str],
    },
}

/// A named slice of a repeating element, with its cardinality and its own rules (relative to
/// each item of the slice).
#[derive(Debug)]
pub(crate) struct Slice {
    pub path: &'static str,
    pub name: &'static str,
    pub matches: &'static [Match],
    pub min: u32,
    pub max: Option<u32>,
    pub rules: &'static [Sourced],
}

/// An invariant of a profile, checked by a Rust function.
#[derive(Debug)]
pub(crate) struct Invariant {
    pub key: &'static str,
    pub severity: IssueSeverity,
    pub human: &'static str,
    pub expression: &'static str,
    /// Returns the violations: location relative to the resource (empty for the resource) and
    /// what was found.
    pub check: fn(&Resource) -> Vec<(String, String)>,
}

/// An element reached by a path, with its location and the key of its type.
#[derive(Clone)]
pub(crate) struct Selected<'a> {
    pub node: Node<'a>,
    pub key: &'a str,
    pub at: Location,
}

impl<'a> Selected<'a> {
    pub fn root(node: &'a dyn Navigable, at: Location) -> Self {
        Selected {
            node: Node::Complex(node),
            key: node.fhir_type(),
            at,
        }
    }

    /// The children called `name`, each with its location.
    pub fn children(&self, name: &str) -> Vec<Selected<'a>> {
        match self.node {
            Node::Primitive(p) if name == "extension" => p
                .extension
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let mut at = self.at.clone();
                    at.push("extension", Some(i));
                    Selected {
                        node: Node::Complex(e),
                        key: "Extension",
                        at,
                    }
                })
                .collect(),
            Node::Primitive(_) => Vec::new(),
            Node::Complex(c) => {
                let def = type_def(self.key).and_then(|t| t.elements.iter().find(|e| e.name == name));
                let mut nodes = Vec::new();
                c.children(name, &mut nodes);
                nodes
                    .into_iter()
                    .enumerate()
                    .map(|(i, node)| {
                        let mut at = self.at.clone();
                        let single = def.is_some_and(|d| d.max == ONE);
                        at.push(name, (!single).then_some(i));
                        let key = match (node, def) {
                            (Node::Complex(n), Some(d)) if d.kind != Kind::Resource => {
                                d.backbone.unwrap_or(n.fhir_type())
                            }
                            _ => node.fhir_type(),
                        };
                        Selected { node, key, at }
                    })
                    .collect()
            }
        }
    }

    /// Every element reached by the dotted `path` (empty path: this element).
    pub fn select(&self, path: &str) -> Vec<Selected<'a>> {
        let mut current = vec![self.clone()];
        if path.is_empty() {
            return current;
        }
        for step in path.split('.') {
            current = current.iter().flat_map(|s| s.children(step)).collect();
        }
        current
    }

    /// The string value of a primitive.
    pub fn string(&self) -> Option<&'a str> {
        match self.node {
            Node::Primitive(p) => match p.value {
                Some(PrimitiveRef::String(s)) => Some(s),
                _ => None,
            },
            Node::Complex(_) => None,
        }
    }

    /// Whether the element carries anything (a primitive may be an empty placeholder left by the
    /// lenient parser for a missing required element).
    fn present(&self) -> bool {
        match self.node {
            Node::Primitive(p) => p.value.is_some() || !p.extension.is_empty(),
            Node::Complex(_) => true,
        }
    }
}

/// The codings of a CodeableConcept (or the Coding itself), as `(system, code)`.
fn codings<'a>(concept: &Selected<'a>) -> Vec<(&'a str, &'a str)> {
    let Node::Complex(c) = concept.node else {
        return Vec::new();
    };
    let one = |n: &'a dyn Navigable| {
        (
            string_child(n, "system").unwrap_or_default(),
            string_child(n, "code").unwrap_or_default(),
        )
    };
    if c.fhir_type() == "Coding" {
        return vec![one(c)];
    }
    let mut nodes = Vec::new();
    c.children("coding", &mut nodes);
    nodes
        .into_iter()
        .filter_map(|n| match n {
            Node::Complex(n) => Some(one(n)),
            Node::Primitive(_) => None,
        })
        .collect()
}

/// Whether a CodeableConcept has a coding `system#code`.
pub(crate) fn has_coding(concept: Option<&fhir_model::CodeableConcept>, system: &str, code: &str) -> bool {
    concept.is_some_and(|c| {
        c.coding.iter().any(|k| {
            k.system.as_ref().and_then(|p| p.value.as_deref()) == Some(system)
                && k.code.as_ref().and_then(|p| p.value.as_deref()) == Some(code)
        })
    })
}

/// The resource type a Reference names: from a literal `reference` (`Type/id`, absolute,
/// versioned), else from `Reference.type`. `None` when neither says (identifier-only, `urn:`,
/// local `#id` references).
pub(crate) fn reference_type(reference: &dyn Navigable) -> Option<&str> {
    let known = |t: &str| R4_RESOURCE_TYPES.binary_search(&t).is_ok();
    if let Some(text) = string_child(reference, "reference") {
        if !text.starts_with('#') && !text.starts_with("urn:") {
            let segments: Vec<&str> = text.split('/').collect();
            let n = segments.len();
            let candidate = if n >= 4 && segments[n - 2] == "_history" {
                Some(segments[n - 4])
            } else if n >= 2 {
                Some(segments[n - 2])
            } else {
                None
            };
            if let Some(t) = candidate.filter(|t| known(t)) {
                return Some(t);
            }
        }
    }
    string_child(reference, "type")
        .map(|t| t.rsplit('/').next().unwrap_or(t))
        .filter(|t| known(t))
}

/// Where a profile's issues go, and what they say.
pub(crate) struct Context<'i> {
    pub issues: &'i mut Issues,
    /// The profile's title and URL, quoted in every issue.
    pub profile: &'static str,
}

impl Context<'_> {
    fn report(&mut self, severity: IssueSeverity, code: IssueType, at: String, source: &str, text: String) {
        self.issues.push(
            severity,
            code,
            at,
            format!("{text} [profile {}: {source}]", self.profile),
        );
    }
}

/// Checks `rules` on `here` (the resource, or one item of a slice).
pub(crate) fn check(rules: &[Sourced], resource: &Resource, here: &Selected<'_>, cx: &mut Context<'_>) {
    for sourced in rules {
        check_one(sourced, resource, here, cx);
    }
}

fn split_last(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

fn describe_max(max: Option<u32>) -> String {
    max.map_or_else(|| "*".to_owned(), |m| m.to_string())
}

fn check_one(sourced: &Sourced, resource: &Resource, here: &Selected<'_>, cx: &mut Context<'_>) {
    let source = sourced.source;
    match &sourced.rule {
        Rule::Card { path, min, max } => {
            let (parent_path, name) = split_last(path);
            for parent in here.select(parent_path) {
                let count = parent.children(name).iter().filter(|c| c.present()).count() as u32;
                let at = parent.at.child(name);
                if count < *min {
                    cx.report(
                        IssueSeverity::Error,
                        IssueType::Required,
                        at.clone(),
                        source,
                        format!("{at}: minimum cardinality {min}, found {count}"),
                    );
                }
                if max.is_some_and(|m| count > m) {
                    let text = if *max == Some(0) {
                        format!("{at}: prohibited (0..0), found {count}")
                    } else {
                        format!("{at}: maximum cardinality {}, found {count}", describe_max(*max))
                    };
                    cx.report(IssueSeverity::Error, IssueType::Structure, at, source, text);
                }
            }
        }
        Rule::Fixed { path, value } => {
            for s in here.select(path) {
                if let Some(found) = s.string() {
                    if found != *value {
                        let at = s.at.as_str().to_owned();
                        cx.report(
                            IssueSeverity::Error,
                            IssueType::Value,
                            at,
                            source,
                            format!("expected {value:?}, found {found:?}"),
                        );
                    }
                }
            }
        }
        Rule::Pattern { path, system, code } => {
            for s in here.select(path) {
                let found = codings(&s);
                if !found.iter().any(|(s, c)| s == system && c == code) {
                    cx.report(
                        IssueSeverity::Error,
                        IssueType::Value,
                        s.at.as_str().to_owned(),
                        source,
                        format!("expected a coding {system}#{code}, found {}", describe_codings(&found)),
                    );
                }
            }
        }
        Rule::Codes { path, value_set, codes } => {
            for s in here.select(path) {
                if let Some(found) = s.string() {
                    if !codes.contains(&found) {
                        cx.report(
                            IssueSeverity::Error,
                            IssueType::CodeInvalid,
                            s.at.as_str().to_owned(),
                            source,
                            format!(
                                "expected a code from {value_set} ({}), found {found:?}",
                                codes.join(" | ")
                            ),
                        );
                    }
                }
            }
        }
        Rule::Codings { path, value_set, codes } => {
            for s in here.select(path) {
                let found = codings(&s);
                if !found.iter().any(|f| codes.contains(f)) {
                    let listed: Vec<String> = codes.iter().map(|(s, c)| format!("{s}#{c}")).collect();
                    cx.report(
                        IssueSeverity::Error,
                        IssueType::CodeInvalid,
                        s.at.as_str().to_owned(),
                        source,
                        format!(
                            "expected a coding from {value_set} ({}), found {}",
                            listed.join(" | "),
                            describe_codings(&found)
                        ),
                    );
                }
            }
        }
        Rule::Types { path, types } => {
            for s in here.select(path) {
                let found = s.node.fhir_type();
                if !types.contains(&found) {
                    cx.report(
                        IssueSeverity::Error,
                        IssueType::Structure,
                        s.at.as_str().to_owned(),
                        source,
                        format!("expected a value of type {}, found {found}", types.join(" | ")),
                    );
                }
            }
        }
        Rule::Targets { path, types } => {
            for s in here.select(path) {
                let Node::Complex(r) = s.node else { continue };
                if r.fhir_type() != "Reference" {
                    continue;
                }
                if let Some(found) = reference_type(r) {
                    if !types.contains(&found) {
                        cx.report(
                            IssueSeverity::Error,
                            IssueType::Structure,
                            s.at.as_str().to_owned(),
                            source,
                            format!(
                                "expected a reference to {}, found a reference to {found}",
                                types.join(" | ")
                            ),
                        );
                    }
                }
            }
        }
        Rule::TaskStatusIn { machine, value_set } => {
            let Some(machine) = machine_named(machine, cx, here, source) else {
                return;
            };
            for s in here.select("status") {
                let Some(status) = s.string().and_then(TaskStatus::from_code) else {
                    continue;
                };
                if !machine.states().contains(status) {
                    cx.report(
                        IssueSeverity::Error,
                        IssueType::CodeInvalid,
                        s.at.as_str().to_owned(),
                        source,
                        format!(
                            "expected a status from {value_set} ({}; task-fsm machine {}), found {:?}",
                            machine.states(),
                            machine.name(),
                            status.code()
                        ),
                    );
                }
            }
        }
        Rule::TaskStateRules { machine } => {
            let Resource::Task(task) = resource else { return };
            let Some(machine) = machine_named(machine, cx, here, source) else {
                return;
            };
            let Some(status) = task.status.value.as_ref().and_then(|s| s.known()) else {
                return;
            };
            for rule in machine.entry_rules().iter().filter(|r| r.states.contains(status)) {
                let present = rule.path.is_present(task);
                let (broken, what) = match rule.condition {
                    task_fsm::EntryCondition::Present => (!present, "is required"),
                    task_fsm::EntryCondition::Absent => (present, "must be absent"),
                };
                if broken {
                    let (severity, code) = match rule.severity {
                        task_fsm::Severity::Error => (IssueSeverity::Error, IssueType::Invariant),
                        task_fsm::Severity::Warning => (IssueSeverity::Warning, IssueType::BusinessRule),
                    };
                    let at = format!(
                        "{}{}",
                        here.at.as_str(),
                        rule.path.as_str().strip_prefix("Task").unwrap_or_default()
                    );
                    cx.report(
                        severity,
                        code,
                        at,
                        source,
                        format!(
                            "{} {what} when status is {} (task-fsm machine {}: {})",
                            rule.path,
                            status.code(),
                            machine.name(),
                            rule.source
                        ),
                    );
                }
            }
        }
        Rule::Conforms { path, profile } => {
            for s in here.select(path) {
                let declared = s
                    .select("meta.profile")
                    .iter()
                    .any(|p| p.string().is_some_and(|url| url.split('|').next() == Some(profile.url)));
                if declared {
                    continue;
                }
                if s.node.fhir_type() != profile.resource_type {
                    cx.report(
                        IssueSeverity::Error,
                        IssueType::Structure,
                        s.at.as_str().to_owned(),
                        source,
                        format!(
                            "expected a {} conforming to {}, found a {}",
                            profile.resource_type,
                            profile.url,
                            s.node.fhir_type()
                        ),
                    );
                    continue;
                }
                check(profile.rules, resource, &s, cx);
            }
        }
        Rule::Slice(slice) => check_slice(slice, resource, here, source, cx),
        Rule::Invariant(inv) => {
            for (path, found) in (inv.check)(resource) {
                let at = if path.is_empty() {
                    here.at.as_str().to_owned()
                } else {
                    format!("{}.{path}", here.at.as_str())
                };
                cx.report(
                    inv.severity,
                    IssueType::Invariant,
                    at,
                    source,
                    format!(
                        "{}: {}; found: {found} [expression: {}]",
                        inv.key,
                        inv.human.trim_end_matches('.'),
                        inv.expression
                    ),
                );
            }
        }
    }
}

fn machine_named(
    name: &str,
    cx: &mut Context<'_>,
    here: &Selected<'_>,
    source: &str,
) -> Option<&'static task_fsm::Machine> {
    match task_fsm::builtin(name) {
        Ok(m) => Some(m),
        Err(e) => {
            cx.report(
                IssueSeverity::Error,
                IssueType::Exception,
                here.at.as_str().to_owned(),
                source,
                format!("the task-fsm machine could not be loaded: {e}"),
            );
            None
        }
    }
}

fn describe_codings(found: &[(&str, &str)]) -> String {
    if found.is_empty() {
        "no coding".to_owned()
    } else {
        found
            .iter()
            .map(|(s, c)| format!("{s}#{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn matches(item: &Selected<'_>, m: &Match) -> bool {
    match m {
        Match::Coding { path, system, code } => item
            .select(path)
            .iter()
            .any(|s| codings(s).iter().any(|(s, c)| s == system && c == code)),
        Match::Value { path, value } => item.select(path).iter().any(|s| s.string() == Some(*value)),
        Match::Type { path, types } => item.select(path).iter().any(|s| types.contains(&s.node.fhir_type())),
    }
}

fn check_slice(slice: &Slice, resource: &Resource, here: &Selected<'_>, source: &str, cx: &mut Context<'_>) {
    let (parent_path, name) = split_last(slice.path);
    for parent in here.select(parent_path) {
        let members: Vec<Selected<'_>> = parent
            .children(name)
            .into_iter()
            .filter(|item| slice.matches.iter().all(|m| matches(item, m)))
            .collect();
        let count = members.len() as u32;
        let at = parent.at.child(name);
        if count < slice.min {
            cx.report(
                IssueSeverity::Error,
                IssueType::Required,
                at.clone(),
                source,
                format!(
                    "{at}: slice {} needs at least {} item(s), found {count}",
                    slice.name, slice.min
                ),
            );
        }
        if slice.max.is_some_and(|m| count > m) {
            cx.report(
                IssueSeverity::Error,
                IssueType::Structure,
                at.clone(),
                source,
                format!(
                    "{at}: slice {} allows at most {} item(s), found {count}",
                    slice.name,
                    describe_max(slice.max)
                ),
            );
        }
        for member in &members {
            check(slice.rules, resource, member, cx);
        }
    }
}
