//! Typed search criteria. Each parameter type has its own value types and modes, so a date
//! prefix cannot be put on a token, nor `:exact` on a reference: [`Test`] only has the
//! combinations the R4 search page defines. Which parameter a test may be used with is checked
//! against the registry when it is added to a query.

use crate::date::SearchDate;
use crate::error::Error;
use crate::number::SearchNumber;
use crate::registry::{Modifier, ParamType, Prefix};

/// A token value ([R4 search, token](https://hl7.org/fhir/R4/search.html#token)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenValue {
    /// `[code]`: the code in any system.
    Code(String),
    /// `[system]|[code]`
    SystemCode {
        /// The system URI.
        system: String,
        /// The code.
        code: String,
    },
    /// `|[code]`: the code with no system.
    NoSystem(String),
    /// `[system]|`: any code of the system.
    System(String),
}

impl TokenValue {
    /// `code` in any system.
    pub fn code(code: impl Into<String>) -> Self {
        TokenValue::Code(code.into())
    }

    /// `system|code`.
    pub fn system_code(system: impl Into<String>, code: impl Into<String>) -> Self {
        TokenValue::SystemCode {
            system: system.into(),
            code: code.into(),
        }
    }
}

/// A value of the `:of-type` modifier: `system|code|value` of an identifier's type and value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfTypeValue {
    /// `Identifier.type.coding.system`
    pub system: String,
    /// `Identifier.type.coding.code`
    pub code: String,
    /// `Identifier.value`
    pub value: String,
}

/// A reference value ([R4 search, reference](https://hl7.org/fhir/R4/search.html#reference)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReferenceValue {
    /// `[id]`: a local reference of any type.
    Id(String),
    /// `[type]/[id]`
    Typed {
        /// The resource type.
        resource_type: String,
        /// The logical id.
        id: String,
    },
    /// `[url]`: an absolute URL or canonical URL, with `|[version]` for canonicals.
    Url {
        /// The URL.
        url: String,
        /// The business version after `|`.
        version: Option<String>,
    },
}

impl ReferenceValue {
    /// `Type/id`.
    pub fn typed(resource_type: impl Into<String>, id: impl Into<String>) -> Self {
        ReferenceValue::Typed {
            resource_type: resource_type.into(),
            id: id.into(),
        }
    }

    /// Reads `id`, `Type/id` or an absolute URL (unescaped text).
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.contains("://") || text.starts_with("urn:") {
            return Ok(ReferenceValue::Url {
                url: text.to_owned(),
                version: None,
            });
        }
        match text.split_once('/') {
            None if is_id(text) => Ok(ReferenceValue::Id(text.to_owned())),
            Some((t, id)) if is_resource_type(t) && is_id(id) => Ok(ReferenceValue::typed(t, id)),
            _ => Err(Error::invalid(
                "a reference: [id], [type]/[id] or an absolute URL",
                text,
            )),
        }
    }
}

/// `[A-Za-z0-9\-\.]{1,64}` (R4 datatypes, id).
pub(crate) fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

pub(crate) fn is_resource_type(s: &str) -> bool {
    fhir_model::R4_RESOURCE_TYPES.binary_search(&s).is_ok()
}

/// A date value with its optional prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateValue {
    /// The prefix as written (`None` means `eq`).
    pub prefix: Option<Prefix>,
    /// The date.
    pub date: SearchDate,
}

impl DateValue {
    /// A date with a prefix.
    pub fn new(prefix: Prefix, date: &str) -> Result<Self, Error> {
        Ok(DateValue {
            prefix: Some(prefix),
            date: SearchDate::parse(date)?,
        })
    }

    /// A date without prefix (equality).
    pub fn on(date: &str) -> Result<Self, Error> {
        Ok(DateValue {
            prefix: None,
            date: SearchDate::parse(date)?,
        })
    }
}

/// A number value with its optional prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NumberValue {
    /// The prefix as written (`None` means `eq`).
    pub prefix: Option<Prefix>,
    /// The number.
    pub number: SearchNumber,
}

impl NumberValue {
    /// A number with an optional prefix.
    pub fn new(prefix: Option<Prefix>, number: &str) -> Result<Self, Error> {
        Ok(NumberValue {
            prefix,
            number: SearchNumber::parse(number)?,
        })
    }
}

/// A quantity value: `[prefix][number]|[system]|[code]`, the unit part optional
/// ([R4 search, quantity](https://hl7.org/fhir/R4/search.html#quantity)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuantityValue {
    /// The prefix as written.
    pub prefix: Option<Prefix>,
    /// The number.
    pub number: SearchNumber,
    /// The unit: `(system, code)`; an empty system matches the code or the human unit.
    pub unit: Option<(String, String)>,
}

/// One part of a composite value (joined with `$`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompositePart {
    /// A token component.
    Token(TokenValue),
    /// A reference component.
    Reference(ReferenceValue),
    /// A date component.
    Date(DateValue),
    /// A number component.
    Number(NumberValue),
    /// A quantity component.
    Quantity(QuantityValue),
    /// A string component.
    String(String),
    /// A uri component.
    Uri(String),
}

/// How string values match ([R4 search, string](https://hl7.org/fhir/R4/search.html#string)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringMode {
    /// No modifier: equals or starts with, ignoring case and accents.
    StartsWith,
    /// `:exact`: the whole string, case and accents included.
    Exact,
    /// `:contains`: anywhere, ignoring case and accents.
    Contains,
    /// `:text`: advanced text handling.
    Text,
}

/// How token values match ([R4 search, token modifiers](https://hl7.org/fhir/R4/search.html#token)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenMode {
    /// No modifier.
    Equals,
    /// `:not`: resources without a matching value (including those without a value).
    Not,
    /// `:above`: subsumes the code.
    Above,
    /// `:below`: subsumed by the code.
    Below,
}

/// How reference values match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReferenceMode {
    /// No modifier.
    Equals,
    /// `:[type]`: the target must be of this type.
    Type(String),
    /// `:above`: the reference or its ancestors in a hierarchy.
    Above,
    /// `:below`: the reference or its descendants in a hierarchy.
    Below,
}

/// How uri values match ([R4 search, uri](https://hl7.org/fhir/R4/search.html#uri)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UriMode {
    /// Exact match.
    Equals,
    /// `:above`: the value is a prefix of the search URI.
    Above,
    /// `:below`: the search URI is a prefix of the value.
    Below,
}

/// The criterion of one parameter: a modifier and its comma-separated (OR) values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Test {
    /// `:missing=true|false` (any type except composite).
    Missing(bool),
    /// number values.
    Number(Vec<NumberValue>),
    /// date values.
    Date(Vec<DateValue>),
    /// string values.
    String {
        /// The modifier.
        mode: StringMode,
        /// The OR values.
        values: Vec<String>,
    },
    /// token values.
    Token {
        /// The modifier.
        mode: TokenMode,
        /// The OR values.
        values: Vec<TokenValue>,
    },
    /// token `:text`.
    TokenText(Vec<String>),
    /// token `:in` / `:not-in` value sets.
    ValueSet {
        /// `:not-in` instead of `:in`.
        negate: bool,
        /// The value set URLs.
        urls: Vec<String>,
    },
    /// token `:of-type`.
    OfType(Vec<OfTypeValue>),
    /// reference values.
    Reference {
        /// The modifier.
        mode: ReferenceMode,
        /// The OR values.
        values: Vec<ReferenceValue>,
    },
    /// reference `:identifier`.
    Identifier(Vec<TokenValue>),
    /// quantity values.
    Quantity(Vec<QuantityValue>),
    /// uri values.
    Uri {
        /// The modifier.
        mode: UriMode,
        /// The OR values.
        values: Vec<String>,
    },
    /// composite values: each is one value per component.
    Composite(Vec<Vec<CompositePart>>),
    /// special parameters: the values as written (unescaped).
    Special(Vec<String>),
}

impl Test {
    /// `code` OR `code` ... in any system.
    pub fn codes<I: IntoIterator<Item = S>, S: Into<String>>(codes: I) -> Self {
        Test::Token {
            mode: TokenMode::Equals,
            values: codes.into_iter().map(|c| TokenValue::Code(c.into())).collect(),
        }
    }

    /// One token value.
    pub fn token(value: TokenValue) -> Self {
        Test::Token {
            mode: TokenMode::Equals,
            values: vec![value],
        }
    }

    /// `:not` with one code.
    pub fn not_code(code: impl Into<String>) -> Self {
        Test::Token {
            mode: TokenMode::Not,
            values: vec![TokenValue::Code(code.into())],
        }
    }

    /// One reference value.
    pub fn reference(value: ReferenceValue) -> Self {
        Test::Reference {
            mode: ReferenceMode::Equals,
            values: vec![value],
        }
    }

    /// One date value.
    pub fn date(value: DateValue) -> Self {
        Test::Date(vec![value])
    }

    /// One string value, matched from the start.
    pub fn string(value: impl Into<String>) -> Self {
        Test::String {
            mode: StringMode::StartsWith,
            values: vec![value.into()],
        }
    }

    /// The modifier this test is written with.
    pub fn modifier(&self) -> Option<Modifier> {
        Some(match self {
            Test::Missing(_) => Modifier::Missing,
            Test::String {
                mode: StringMode::Exact,
                ..
            } => Modifier::Exact,
            Test::String {
                mode: StringMode::Contains,
                ..
            } => Modifier::Contains,
            Test::String {
                mode: StringMode::Text, ..
            }
            | Test::TokenText(_) => Modifier::Text,
            Test::Token {
                mode: TokenMode::Not, ..
            } => Modifier::Not,
            Test::Token {
                mode: TokenMode::Above, ..
            }
            | Test::Reference {
                mode: ReferenceMode::Above,
                ..
            }
            | Test::Uri {
                mode: UriMode::Above, ..
            } => Modifier::Above,
            Test::Token {
                mode: TokenMode::Below, ..
            }
            | Test::Reference {
                mode: ReferenceMode::Below,
                ..
            }
            | Test::Uri {
                mode: UriMode::Below, ..
            } => Modifier::Below,
            Test::ValueSet { negate: false, .. } => Modifier::In,
            Test::ValueSet { negate: true, .. } => Modifier::NotIn,
            Test::OfType(_) => Modifier::OfType,
            Test::Identifier(_) => Modifier::Identifier,
            _ => return None,
        })
    }

    /// The parameter type this test belongs to (`None` for `:missing`, which fits all but
    /// composite).
    pub fn param_type(&self) -> Option<ParamType> {
        Some(match self {
            Test::Missing(_) => return None,
            Test::Number(_) => ParamType::Number,
            Test::Date(_) => ParamType::Date,
            Test::String { .. } => ParamType::String,
            Test::Token { .. } | Test::TokenText(_) | Test::ValueSet { .. } | Test::OfType(_) => ParamType::Token,
            Test::Reference { .. } | Test::Identifier(_) => ParamType::Reference,
            Test::Quantity(_) => ParamType::Quantity,
            Test::Uri { .. } => ParamType::Uri,
            Test::Composite(_) => ParamType::Composite,
            Test::Special(_) => ParamType::Special,
        })
    }

    /// A short name of the kind of test, for messages.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self.param_type() {
            None => "missing",
            Some(t) => t.code(),
        }
    }

    /// The prefixes used by the values.
    pub(crate) fn prefixes(&self) -> Vec<Prefix> {
        match self {
            Test::Date(v) => v.iter().filter_map(|d| d.prefix).collect(),
            Test::Number(v) => v.iter().filter_map(|n| n.prefix).collect(),
            Test::Quantity(v) => v.iter().filter_map(|q| q.prefix).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether any value (or value part that must be present) is empty text, which could not
    /// be written unambiguously.
    pub(crate) fn has_empty_text(&self) -> bool {
        let token = |t: &TokenValue| match t {
            TokenValue::Code(c) | TokenValue::NoSystem(c) => c.is_empty(),
            TokenValue::System(s) => s.is_empty(),
            TokenValue::SystemCode { system, code } => system.is_empty() || code.is_empty(),
        };
        let reference = |r: &ReferenceValue| match r {
            ReferenceValue::Id(i) => i.is_empty(),
            ReferenceValue::Typed { resource_type, id } => resource_type.is_empty() || id.is_empty(),
            ReferenceValue::Url { url, version } => url.is_empty() || version.as_ref().is_some_and(String::is_empty),
        };
        let quantity = |q: &QuantityValue| q.unit.as_ref().is_some_and(|(_, c)| c.is_empty());
        match self {
            Test::String { values, .. } | Test::TokenText(values) | Test::Special(values) => {
                values.iter().any(String::is_empty)
            }
            Test::Uri { values, .. } | Test::ValueSet { urls: values, .. } => values.iter().any(String::is_empty),
            Test::Token { values, .. } | Test::Identifier(values) => values.iter().any(token),
            Test::OfType(v) => v
                .iter()
                .any(|o| o.system.is_empty() || o.code.is_empty() || o.value.is_empty()),
            Test::Reference { values, .. } => values.iter().any(reference),
            Test::Quantity(v) => v.iter().any(quantity),
            Test::Composite(v) => v.iter().flatten().any(|p| match p {
                CompositePart::Token(t) => token(t),
                CompositePart::Reference(r) => reference(r),
                CompositePart::Quantity(q) => quantity(q),
                CompositePart::String(s) | CompositePart::Uri(s) => s.is_empty(),
                CompositePart::Date(_) | CompositePart::Number(_) => false,
            }),
            Test::Missing(_) | Test::Number(_) | Test::Date(_) => false,
        }
    }

    /// How many OR values the test has.
    pub(crate) fn len(&self) -> usize {
        match self {
            Test::Missing(_) => 1,
            Test::Number(v) => v.len(),
            Test::Date(v) => v.len(),
            Test::String { values, .. } | Test::TokenText(values) | Test::Special(values) => values.len(),
            Test::Uri { values, .. } => values.len(),
            Test::ValueSet { urls, .. } => urls.len(),
            Test::Token { values, .. } | Test::Identifier(values) => values.len(),
            Test::OfType(v) => v.len(),
            Test::Reference { values, .. } => values.len(),
            Test::Quantity(v) => v.len(),
            Test::Composite(v) => v.len(),
        }
    }
}
