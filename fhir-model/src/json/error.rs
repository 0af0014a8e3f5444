//! The one error type of the JSON codec.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not JSON.
    Syntax(String),
    /// The input is not valid UTF-8 (RFC 8259 §8.1; FHIR JSON is UTF-8).
    InvalidUtf8,
    /// A JSON value of the wrong kind.
    UnexpectedType {
        /// What the definition asks for.
        expected: &'static str,
        /// What the document holds.
        found: &'static str,
    },
    /// `""`: FHIR JSON forbids empty strings (R4 JSON §2.6.2.2, "empty values").
    EmptyString,
    /// `{}`: FHIR JSON forbids empty objects.
    EmptyObject,
    /// `[]`: FHIR JSON forbids empty arrays.
    EmptyArray,
    /// A key appears twice in one object.
    DuplicateKey(String),
    /// Two different choices of one `[x]` element are present.
    ChoiceConflict {
        /// The first choice seen.
        first: String,
        /// The conflicting one.
        second: String,
    },
    /// A key that the definition of this element does not have.
    UnknownElement(String),
    /// A required element (minimum cardinality 1) is missing.
    MissingElement(&'static str),
    /// The object has no `resourceType`.
    MissingResourceType,
    /// `resourceType` names no R4 resource.
    UnknownResourceType(String),
    /// `resourceType` is not the one expected here.
    WrongResourceType {
        /// The type asked for.
        expected: &'static str,
        /// The type in the document.
        found: String,
    },
    /// A primitive whose text breaks its type's rules.
    InvalidValue {
        /// The FHIR type.
        fhir_type: &'static str,
        /// The offending text.
        value: String,
        /// Which rule (usually the R4 pattern).
        expected: String,
    },
    /// A code outside the required value set.
    UnknownCode {
        /// The code.
        code: String,
        /// The value set it is bound to.
        value_set: &'static str,
    },
    /// `null` where no sidecar value stands at the same index.
    UnexpectedNull,
    /// A primitive array and its `_name` sidecar have different lengths.
    SidecarLength {
        /// Length of the value array.
        values: usize,
        /// Length of the sidecar array.
        sidecar: usize,
    },
    /// Nesting deeper than the configured bound.
    TooDeep(usize),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax(m) => write!(f, "invalid JSON: {m}"),
            ErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            ErrorKind::UnexpectedType { expected, found } => write!(f, "expected {expected}, found {found}"),
            ErrorKind::EmptyString => {
                f.write_str("expected a non-empty string, found \"\" (FHIR forbids empty values)")
            }
            ErrorKind::EmptyObject => {
                f.write_str("expected an object with content, found {} (FHIR forbids empty objects)")
            }
            ErrorKind::EmptyArray => f.write_str("expected an array with items, found [] (FHIR forbids empty arrays)"),
            ErrorKind::DuplicateKey(k) => write!(f, "duplicate key {k:?}"),
            ErrorKind::ChoiceConflict { first, second } => {
                write!(
                    f,
                    "expected one choice of a [x] element, found both {first:?} and {second:?}"
                )
            }
            ErrorKind::UnknownElement(k) => write!(f, "unknown element {k:?}"),
            ErrorKind::MissingElement(k) => write!(f, "expected required element {k:?}, found none"),
            ErrorKind::MissingResourceType => f.write_str("expected a \"resourceType\", found none"),
            ErrorKind::UnknownResourceType(t) => write!(f, "expected an R4 resource type, found {t:?}"),
            ErrorKind::WrongResourceType { expected, found } => {
                write!(f, "expected resourceType {expected:?}, found {found:?}")
            }
            ErrorKind::InvalidValue {
                fhir_type,
                value,
                expected,
            } => {
                write!(f, "expected a {fhir_type} matching {expected}, found {value:?}")
            }
            ErrorKind::UnknownCode { code, value_set } => write!(f, "expected a code from {value_set}, found {code:?}"),
            ErrorKind::UnexpectedNull => f.write_str(
                "expected a value, found null (null only stands in primitive arrays opposite a sidecar entry)",
            ),
            ErrorKind::SidecarLength { values, sidecar } => {
                write!(
                    f,
                    "expected the _ sidecar array to have the value array's length {values}, found {sidecar}"
                )
            }
            ErrorKind::TooDeep(limit) => write!(f, "nesting deeper than the limit of {limit}"),
        }
    }
}

/// A parse error: what went wrong, at which element path, and where in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    path: String,
    offset: usize,
    line: usize,
    column: usize,
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn new(kind: ErrorKind, path: String, offset: usize) -> Self {
        Error {
            kind,
            path,
            offset,
            line: 0,
            column: 0,
        }
    }

    /// Computes line and column from the source the offset refers to.
    pub(crate) fn locate(mut self, src: &[u8]) -> Self {
        let upto = &src[..self.offset.min(src.len())];
        self.line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // Columns count characters, not bytes.
        self.column = String::from_utf8_lossy(&upto[line_start..]).chars().count() + 1;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The element path in FHIRPath style, e.g. `Bundle.entry[3].resource.input[0].valueReference`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// 1-based line of the offending text.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column (in characters) of the offending text.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Byte offset of the offending text.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{} at line {} column {}", self.kind, self.line, self.column)
    }
}

/// A problem the lenient parser stepped over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What was found; an [`ErrorKind::UnknownElement`] or [`ErrorKind::UnknownCode`].
    pub kind: ErrorKind,
    /// The path of the element that holds it.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at line {} column {}",
            self.path, self.kind, self.line, self.column
        )
    }
}
