//! Element metadata of every modelled type, generated from the definitions: which elements a
//! type has, their cardinality and types, and the codes of required bindings. Used to describe
//! the model (JSON Schema, documentation) and by generic checks.
//!
//! ```
//! let task = fhir_model::meta::type_meta("Task").unwrap();
//! let status = task.element("status").unwrap();
//! assert_eq!((status.min, status.many), (1, false));
//! assert!(status.codes.unwrap().contains(&"in-progress"));
//! ```

pub use crate::generated::meta::TYPES;

/// What a modelled type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    /// A complex datatype (`Reference`, `Quantity`, ...).
    Datatype,
    /// A resource.
    Resource,
    /// A backbone element nested in a type (`TaskInput`).
    Backbone,
}

/// What an element's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A FHIR primitive (`Primitive<T>`).
    Primitive,
    /// A plain string attribute without `id`/`extension` (`Element.id`, `Extension.url`, `Narrative.div`).
    Attribute,
    /// A modelled struct, by Rust type name (which is the FHIR type name for datatypes).
    Struct(&'static str),
    /// Any resource (`contained`, `Bundle.entry.resource`).
    Resource,
}

/// One allowed type of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementType {
    /// The FHIR type code; for `[x]` elements the JSON key is the element name plus this code
    /// with its first letter upper-cased.
    pub code: &'static str,
    /// The value it is held in.
    pub target: Target,
}

/// One element of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementMeta {
    /// The element name (without `[x]`).
    pub name: &'static str,
    /// Minimum cardinality.
    pub min: u32,
    /// True when the element repeats.
    pub many: bool,
    /// True for a `[x]` element.
    pub choice: bool,
    /// The allowed types (one unless `choice`).
    pub types: &'static [ElementType],
    /// The codes of a required binding generated as an enum.
    pub codes: Option<&'static [&'static str]>,
}

/// A modelled type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeMeta {
    /// The Rust type name.
    pub name: &'static str,
    /// The FHIR element path (`Task`, `Task.input`).
    pub path: &'static str,
    /// What it is.
    pub kind: TypeKind,
    /// Its elements in definition order.
    pub elements: &'static [ElementMeta],
}

impl TypeMeta {
    /// An element by name.
    pub fn element(&self, name: &str) -> Option<&'static ElementMeta> {
        self.elements.iter().find(|e| e.name == name)
    }
}

/// A type by Rust name.
pub fn type_meta(name: &str) -> Option<&'static TypeMeta> {
    TYPES.binary_search_by(|t| t.name.cmp(name)).ok().map(|i| &TYPES[i])
}
