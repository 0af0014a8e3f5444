//! The search parameters of the modelled resources, generated from the R4 definitions
//! (`fhir-definitions/r4/search-parameters.json`), plus `_list`, `_has` and `_type`, which R4
//! defines only in the prose of its search page.
//!
//! ```
//! use search_params::registry::{self, ParamType};
//!
//! let owner = registry::lookup("Task", "owner").unwrap();
//! assert_eq!(owner.type_, ParamType::Reference);
//! assert!(owner.targets.contains(&"Organization"));
//! assert_eq!(registry::lookup("Task", "_lastUpdated").unwrap().type_, ParamType::Date);
//! assert!(registry::lookup("Task", "no-such-parameter").is_none());
//! ```

use std::fmt;

use crate::generated::registry::{MODELLED_RESOURCES, PARAMETERS};

/// The type of a search parameter ([R4 search, parameter types](https://hl7.org/fhir/R4/search.html#ptypes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// A whole number or a decimal.
    Number,
    /// A date, dateTime, instant, Period or Timing.
    Date,
    /// A simple string, matched case- and accent-insensitively from the start.
    String,
    /// A code or identifier, optionally scoped by a system.
    Token,
    /// A reference to another resource.
    Reference,
    /// Several values joined with `$`.
    Composite,
    /// A quantity with an optional system and unit code.
    Quantity,
    /// A URI, matched exactly by default.
    Uri,
    /// Special logic described with the parameter.
    Special,
}

impl ParamType {
    /// The code of the type in the definitions (`token`, `date`, ...).
    pub fn code(self) -> &'static str {
        match self {
            ParamType::Number => "number",
            ParamType::Date => "date",
            ParamType::String => "string",
            ParamType::Token => "token",
            ParamType::Reference => "reference",
            ParamType::Composite => "composite",
            ParamType::Quantity => "quantity",
            ParamType::Uri => "uri",
            ParamType::Special => "special",
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A modifier written after the parameter name (`name:exact`) other than a resource type
/// ([R4 search, modifiers](https://hl7.org/fhir/R4/search.html#modifiers)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// `:missing` (all types except composite)
    Missing,
    /// `:exact` (string)
    Exact,
    /// `:contains` (string)
    Contains,
    /// `:text` (string, token)
    Text,
    /// `:not` (token)
    Not,
    /// `:above` (token, uri, hierarchical references)
    Above,
    /// `:below` (token, uri, hierarchical references)
    Below,
    /// `:in` (token)
    In,
    /// `:not-in` (token)
    NotIn,
    /// `:of-type` (token on identifiers)
    OfType,
    /// `:identifier` (reference)
    Identifier,
}

impl Modifier {
    /// Every modifier.
    pub const ALL: [Modifier; 11] = [
        Modifier::Missing,
        Modifier::Exact,
        Modifier::Contains,
        Modifier::Text,
        Modifier::Not,
        Modifier::Above,
        Modifier::Below,
        Modifier::In,
        Modifier::NotIn,
        Modifier::OfType,
        Modifier::Identifier,
    ];

    /// The text after the colon.
    pub fn code(self) -> &'static str {
        match self {
            Modifier::Missing => "missing",
            Modifier::Exact => "exact",
            Modifier::Contains => "contains",
            Modifier::Text => "text",
            Modifier::Not => "not",
            Modifier::Above => "above",
            Modifier::Below => "below",
            Modifier::In => "in",
            Modifier::NotIn => "not-in",
            Modifier::OfType => "of-type",
            Modifier::Identifier => "identifier",
        }
    }

    /// The modifier written as `code`.
    pub fn from_code(code: &str) -> Option<Modifier> {
        Modifier::ALL.into_iter().find(|m| m.code() == code)
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A comparison prefix of number, date and quantity values
/// ([R4 search, prefixes](https://hl7.org/fhir/R4/search.html#prefix)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// equal (the default)
    Eq,
    /// not equal
    Ne,
    /// greater than
    Gt,
    /// less than
    Lt,
    /// greater or equal
    Ge,
    /// less or equal
    Le,
    /// starts after
    Sa,
    /// ends before
    Eb,
    /// approximately
    Ap,
}

impl Prefix {
    /// Every prefix.
    pub const ALL: [Prefix; 9] = [
        Prefix::Eq,
        Prefix::Ne,
        Prefix::Gt,
        Prefix::Lt,
        Prefix::Ge,
        Prefix::Le,
        Prefix::Sa,
        Prefix::Eb,
        Prefix::Ap,
    ];

    /// The two letters.
    pub fn code(self) -> &'static str {
        match self {
            Prefix::Eq => "eq",
            Prefix::Ne => "ne",
            Prefix::Gt => "gt",
            Prefix::Lt => "lt",
            Prefix::Ge => "ge",
            Prefix::Le => "le",
            Prefix::Sa => "sa",
            Prefix::Eb => "eb",
            Prefix::Ap => "ap",
        }
    }

    /// The prefix written as `code`.
    pub fn from_code(code: &str) -> Option<Prefix> {
        Prefix::ALL.into_iter().find(|p| p.code() == code)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One step of a parameter's compiled FHIRPath expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `.name`: the children with this element name (choice elements by their base name).
    Child(&'static str),
    /// `as(T)`, `ofType(T)`, `x as T`: keep the nodes of this FHIR type.
    OfType(&'static str),
    /// `where(resolve() is T)`: keep the references whose target is of type `T`.
    ResolveIs(&'static str),
    /// `where(e='v')`: keep the nodes whose child `e` has the value `v`.
    WhereEq(&'static str, &'static str),
    /// `[0]`: keep the first node.
    First,
}

/// Where a registry entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A SearchParameter of `search-parameters.json`.
    Definitions,
    /// The prose of the R4 search page (`_list`, `_has`, `_type`).
    SearchPage,
}

/// One component of a composite parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// The code of the component's definition (`code`, `value-quantity`).
    pub code: &'static str,
    /// The type of the component's definition.
    pub type_: ParamType,
    /// FHIRPath relative to the composite's element.
    pub expression: &'static str,
    /// The branches of the compiled expression, or why it could not be compiled.
    pub paths: Result<&'static [&'static [Step]], &'static str>,
}

/// One search parameter of one resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchParamDef {
    /// The resource type it is defined on (`Resource` or `DomainResource` for common ones).
    pub base: &'static str,
    /// The name used in queries.
    pub code: &'static str,
    /// The type.
    pub type_: ParamType,
    /// The canonical URL of the definition (the search page section for hand-added ones).
    pub url: &'static str,
    /// The FHIRPath expression, when the definition has one.
    pub expression: Option<&'static str>,
    /// The branches of the expression that apply to `base`, compiled; or why not.
    pub paths: Result<&'static [&'static [Step]], &'static str>,
    /// Resource types a reference parameter may point to.
    pub targets: &'static [&'static str],
    /// Modifiers allowed (besides a resource type on reference parameters).
    pub modifiers: &'static [Modifier],
    /// Prefixes allowed.
    pub comparators: &'static [Prefix],
    /// Components of a composite parameter.
    pub components: &'static [Component],
    /// Where the entry comes from.
    pub origin: Origin,
    /// For token parameters on `code` elements with a required binding to one code system: that
    /// system ("the system is defined in the value set", R4 search.html#token).
    pub code_system: Option<&'static str>,
}

impl SearchParamDef {
    /// Whether `modifier` may be used with this parameter.
    pub fn allows(&self, modifier: Modifier) -> bool {
        self.modifiers.contains(&modifier)
    }

    /// Whether a reference parameter may point to `resource_type`.
    pub fn targets(&self, resource_type: &str) -> bool {
        self.targets.contains(&resource_type)
    }
}

/// Every entry of the registry, sorted by base and code.
pub fn all() -> &'static [SearchParamDef] {
    PARAMETERS
}

fn find(base: &str, code: &str) -> Option<&'static SearchParamDef> {
    PARAMETERS
        .binary_search_by(|p| (p.base, p.code).cmp(&(base, code)))
        .ok()
        .map(|i| &PARAMETERS[i])
}

/// Whether `resource_type` is one of the resources fhir-model models (and so the registry covers).
pub fn is_known_resource(resource_type: &str) -> bool {
    MODELLED_RESOURCES.binary_search(&resource_type).is_ok()
}

/// The parameter `code` of `resource_type`: its own, else one common to all resources
/// (`DomainResource` ones only for domain resources).
pub fn lookup(resource_type: &str, code: &str) -> Option<&'static SearchParamDef> {
    find(resource_type, code)
        .or_else(|| find("Resource", code))
        .or_else(|| {
            // Bundle, Binary and Parameters are not DomainResources (R4 resource hierarchy).
            (!matches!(resource_type, "Bundle" | "Binary" | "Parameters")).then(|| find("DomainResource", code))?
        })
}

/// The parameters that apply to `resource_type`, its own first.
pub fn parameters_of(resource_type: &str) -> impl Iterator<Item = &'static SearchParamDef> + '_ {
    let domain = !matches!(resource_type, "Bundle" | "Binary" | "Parameters");
    PARAMETERS.iter().filter(move |p| p.base == resource_type).chain(
        PARAMETERS
            .iter()
            .filter(move |p| p.base == "Resource" || (domain && p.base == "DomainResource")),
    )
}
