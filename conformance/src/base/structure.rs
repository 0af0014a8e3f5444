//! The generic part of the base checks: every element of every modelled type, walked with
//! `fhir_model::navigate` and looked up in the tables generated from the R4 StructureDefinitions
//! (`crate::generated::elements`):
//!
//! * cardinality: `min` (also `1..*`) and `max` of each element definition
//!   (R4 profiling.html#cardinality; ElementDefinition.min/max);
//! * required bindings: a `code` outside the value set (kept as `Coded::Unknown` by the lenient
//!   parser), and a `CodeableConcept` with no coding from the value set
//!   (R4 terminologies.html#required);
//! * reference targets: a literal reference to a type the element's `Reference(…)` does not list;
//! * `ele-1` on every element, and the element invariants `ext-1` (Extension) and `ref-1`
//!   (Reference) in `crate::invariants::element`.
//!
//! An element that is present but carries nothing (no value, no child other than `id`) breaks
//! `ele-1`; what was found inside it is not reported again. A required single element that is
//! empty is reported as missing (the lenient parser fills a missing required element with an
//! empty value).

use fhir_model::navigate::{Navigable, Node, PrimitiveNode, PrimitiveRef};
use fhir_model::{IssueSeverity, IssueType};

use crate::generated::elements::TYPES;
use crate::invariants::{element, ELE_1};
use crate::location::Location;
use crate::outcome::Issues;
use crate::profiles::rules::reference_type;

/// What an element holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A primitive (or a plain attribute such as `Element.id`, `Extension.url`).
    Primitive,
    /// A datatype or backbone element.
    Complex,
    /// A resource (`contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`, ...).
    Resource,
    /// A choice `[x]`: the node says which type it holds.
    Choice,
}

/// The codes of a value set bound with strength `required`, sorted by code.
#[derive(Debug)]
pub(crate) struct Binding {
    pub value_set: &'static str,
    /// `(system, code)`, sorted by code.
    pub codes: &'static [(&'static str, &'static str)],
}

impl Binding {
    fn has_code(&self, code: &str) -> bool {
        self.codes.binary_search_by(|(_, c)| (*c).cmp(code)).is_ok()
    }

    fn has_coding(&self, system: &str, code: &str) -> bool {
        self.codes.iter().any(|(s, c)| *s == system && *c == code)
    }

    /// The codes for a diagnostic: all of them when few.
    fn describe(&self) -> String {
        const SHOWN: usize = 12;
        let mut codes: Vec<&str> = self.codes.iter().map(|(_, c)| *c).collect();
        codes.dedup();
        if codes.len() <= SHOWN {
            format!("{} ({})", self.value_set, codes.join(" | "))
        } else {
            format!("{} ({} codes)", self.value_set, codes.len())
        }
    }
}

/// One element of a type, as the R4 snapshot defines it.
#[derive(Debug)]
pub(crate) struct ElementDef {
    /// The FHIR name (`value` for `value[x]`).
    pub name: &'static str,
    pub min: u32,
    /// `None` for `*`.
    pub max: Option<u32>,
    pub kind: Kind,
    /// For a backbone element: the path its own elements are listed under (`Task.input`).
    pub backbone: Option<&'static str>,
    /// A required binding whose codes are known.
    pub binding: Option<&'static Binding>,
    /// For a `Reference`: the resource types it may point to (empty: any).
    pub targets: &'static [&'static str],
}

/// Maximum cardinality 1.
pub(crate) const ONE: Option<u32> = Some(1);
/// Maximum cardinality `*`.
pub(crate) const MANY: Option<u32> = None;

/// Builds an element definition (keeps the generated tables one line per element).
pub(crate) const fn el(
    name: &'static str,
    min: u32,
    max: Option<u32>,
    kind: Kind,
    backbone: Option<&'static str>,
    binding: Option<&'static Binding>,
    targets: &'static [&'static str],
) -> ElementDef {
    ElementDef {
        name,
        min,
        max,
        kind,
        backbone,
        binding,
        targets,
    }
}

/// The elements of one type, keyed by type name (`Task`, `CodeableConcept`) or backbone path
/// (`Task.input`).
#[derive(Debug)]
pub(crate) struct TypeDef {
    pub key: &'static str,
    pub elements: &'static [ElementDef],
}

/// The elements of the type called `key`; `None` for a type the crate does not model.
pub(crate) fn type_def(key: &str) -> Option<&'static TypeDef> {
    TYPES.binary_search_by(|t| t.key.cmp(key)).ok().map(|i| &TYPES[i])
}

/// Walks one resource and everything in it but the resources it holds in `Bundle.entry`,
/// `Bundle.entry.response.outcome` and `Parameters.parameter` (walked on their own, see
/// `crate::base`); contained resources are walked as part of their container.
pub(crate) struct Walker<'a, 'w> {
    issues: &'w mut Issues,
    location: Location,
    /// The ids of the root resource's contained resources (`ref-1`).
    contained_ids: Vec<&'a str>,
    /// Node buffers, reused across elements.
    pool: Vec<Vec<Node<'a>>>,
}

impl<'a, 'w> Walker<'a, 'w> {
    /// A walker for a resource at `root` whose contained resources have `contained_ids`.
    pub fn new(issues: &'w mut Issues, root: &str, contained_ids: Vec<&'a str>) -> Self {
        Walker {
            issues,
            location: Location::new(root),
            contained_ids,
            pool: Vec::new(),
        }
    }

    /// Checks a resource.
    pub fn resource(&mut self, resource: &'a dyn Navigable) {
        self.walk_complex(resource, resource.fhir_type());
    }

    fn buffer(&mut self) -> Vec<Node<'a>> {
        self.pool.pop().unwrap_or_default()
    }

    /// Walks a complex value of type `key`; true when it carries anything (`ele-1`).
    fn walk_complex(&mut self, node: &'a dyn Navigable, key: &str) -> bool {
        let Some(def) = type_def(key) else {
            // Not a modelled type (a resource kept as read): nothing to look up.
            return true;
        };
        let mut content = false;
        let mut children = self.buffer();
        for el in def.elements {
            children.clear();
            node.children(el.name, &mut children);
            let required_single = el.min >= 1 && el.max == ONE;
            let mut count = 0u32;
            for (i, child) in children.iter().enumerate() {
                self.location.push(el.name, if el.max == ONE { None } else { Some(i) });
                let mark = self.issues.len();
                let has = match *child {
                    Node::Primitive(p) => self.walk_primitive(&p, el),
                    Node::Complex(c) if el.kind == Kind::Resource => {
                        if el.name == "contained" {
                            self.walk_complex(c, c.fhir_type());
                        }
                        true
                    }
                    Node::Complex(c) => {
                        let has = self.walk_complex(c, el.backbone.unwrap_or_else(|| c.fhir_type()));
                        if has {
                            if let Some(binding) = el.binding {
                                self.codeable_binding(c, binding);
                            }
                            if !el.targets.is_empty() && c.fhir_type() == "Reference" {
                                self.reference_target(c, key, el);
                            }
                        }
                        has
                    }
                };
                if has {
                    count += 1;
                    content |= el.name != "id";
                } else {
                    self.issues.truncate(mark);
                    if !required_single {
                        self.issues.push(
                            IssueSeverity::Error,
                            IssueType::Invariant,
                            self.location.as_str().to_owned(),
                            ELE_1.diagnostics("the element has neither a value nor children"),
                        );
                    }
                }
                self.location.pop();
            }
            if count < el.min {
                self.issues.push(
                    IssueSeverity::Error,
                    IssueType::Required,
                    self.location.child(el.name),
                    format!(
                        "{key}.{}: minimum cardinality {} (R4 StructureDefinition), found {count}",
                        el.name, el.min
                    ),
                );
            }
            if let Some(max) = el.max {
                if count > max {
                    self.issues.push(
                        IssueSeverity::Error,
                        IssueType::Structure,
                        self.location.child(el.name),
                        format!(
                            "{key}.{}: maximum cardinality {max} (R4 StructureDefinition), found {count}",
                            el.name
                        ),
                    );
                }
            }
        }
        children.clear();
        self.pool.push(children);
        if content {
            match node.fhir_type() {
                "Extension" => element::ext_1(node, &self.location, self.issues),
                "Reference" => element::ref_1(node, &self.contained_ids, &self.location, self.issues),
                _ => {}
            }
        }
        content
    }

    fn walk_primitive(&mut self, p: &PrimitiveNode<'a>, el: &ElementDef) -> bool {
        for (i, ext) in p.extension.iter().enumerate() {
            self.location.push("extension", Some(i));
            let mark = self.issues.len();
            if !self.walk_complex(ext, "Extension") {
                self.issues.truncate(mark);
                self.issues.push(
                    IssueSeverity::Error,
                    IssueType::Invariant,
                    self.location.as_str().to_owned(),
                    ELE_1.diagnostics("the extension has neither a value nor children"),
                );
            }
            self.location.pop();
        }
        if let (Some(binding), Some(PrimitiveRef::String(code))) = (el.binding, p.value) {
            if !binding.has_code(code) {
                self.issues.push(
                    IssueSeverity::Error,
                    IssueType::CodeInvalid,
                    self.location.as_str().to_owned(),
                    format!("expected a code from {}, found {code:?}", binding.describe()),
                );
            }
        }
        p.value.is_some() || !p.extension.is_empty()
    }

    /// A Reference whose literal target type (or `Reference.type`) is not one the definition
    /// allows (`Reference(Practitioner | Organization)`: R4-SD `type.targetProfile`). A reference
    /// whose type cannot be told (identifier only, `urn:`, `#id`) is not checked.
    fn reference_target(&mut self, reference: &'a dyn Navigable, key: &str, el: &ElementDef) {
        let Some(found) = reference_type(reference) else { return };
        if !el.targets.contains(&found) {
            self.issues.push(
                IssueSeverity::Error,
                IssueType::Structure,
                self.location.as_str().to_owned(),
                format!(
                    "{key}.{}: expected a reference to {} (R4 StructureDefinition), found a reference to {found}",
                    el.name,
                    el.targets.join(" | ")
                ),
            );
        }
    }

    /// A `CodeableConcept` bound `required`: one of its codings must be from the value set.
    fn codeable_binding(&mut self, concept: &'a dyn Navigable, binding: &Binding) {
        let mut codings = Vec::new();
        concept.children("coding", &mut codings);
        let mut found = Vec::new();
        for coding in &codings {
            let Node::Complex(c) = coding else { continue };
            let system = string_child(*c, "system").unwrap_or_default();
            let code = string_child(*c, "code").unwrap_or_default();
            if binding.has_coding(system, code) {
                return;
            }
            found.push(format!("{system}#{code}"));
        }
        let found = if found.is_empty() {
            "no coding".to_owned()
        } else {
            found.join(", ")
        };
        self.issues.push(
            IssueSeverity::Error,
            IssueType::CodeInvalid,
            self.location.as_str().to_owned(),
            format!("expected a coding from {}, found {found}", binding.describe()),
        );
    }
}

/// The value of a string-valued child primitive (`system`, `reference`, `id`).
pub(crate) fn string_child<'a>(node: &'a dyn Navigable, name: &str) -> Option<&'a str> {
    let mut out = Vec::new();
    node.children(name, &mut out);
    out.into_iter().find_map(|n| match n {
        Node::Primitive(PrimitiveNode {
            value: Some(PrimitiveRef::String(s)),
            ..
        }) => Some(s),
        _ => None,
    })
}

/// Calls `f` with every primitive below `node` (`node` of type `key`), with the element name
/// and FHIR type, depth first: FHIRPath `descendants()` restricted to primitives.
pub(crate) fn for_each_primitive<'a>(
    node: &'a dyn Navigable,
    key: &str,
    f: &mut dyn FnMut(&'static str, &PrimitiveNode<'a>),
) {
    let Some(def) = type_def(key) else { return };
    let mut children = Vec::new();
    for el in def.elements {
        children.clear();
        node.children(el.name, &mut children);
        for child in &children {
            match *child {
                Node::Primitive(p) => {
                    f(el.name, &p);
                    for ext in p.extension {
                        for_each_primitive(ext, "Extension", f);
                    }
                }
                Node::Complex(c) => {
                    let key = if el.kind == Kind::Resource {
                        c.fhir_type()
                    } else {
                        el.backbone.unwrap_or_else(|| c.fhir_type())
                    };
                    for_each_primitive(c, key, f);
                }
            }
        }
    }
}
