//! The one error type of the XML codec.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not well-formed XML.
    Syntax(String),
    /// The input is not valid UTF-8 (R4 HTTP, "Content Types and encodings": UTF-8 for all bodies).
    InvalidUtf8,
    /// The XML declaration names an encoding other than UTF-8.
    UnsupportedEncoding(String),
    /// A document type declaration. FHIR resources contain no entities beyond XML's own (R4 XML:
    /// parsers should ignore entities, resources should not contain others); a DTD is the only
    /// place an entity can be declared, so refusing it refuses every entity declaration (no XXE,
    /// no entity expansion).
    Doctype,
    /// A reference to an entity other than the five predefined ones (XML 1.0 §4.6): without a
    /// DTD no other entity can be declared, so it is never expanded.
    UnknownEntity(String),
    /// A character reference or literal character that XML 1.0 forbids (§2.2 `Char`).
    InvalidCharacter(String),
    /// A processing instruction other than the XML declaration; FHIR XML carries none, and
    /// dropping it would lose content.
    ProcessingInstruction(String),
    /// An element in no namespace where FHIR requires `http://hl7.org/fhir` (R4 XML: "FHIR
    /// elements are always in the namespace http://hl7.org/fhir").
    MissingNamespace(String),
    /// An element in a namespace other than the one required here.
    WrongNamespace {
        /// The namespace FHIR requires here.
        expected: &'static str,
        /// The element's namespace.
        found: String,
    },
    /// A namespace prefix that no `xmlns:prefix` declaration binds.
    UnboundPrefix(String),
    /// An element the definition of its parent does not have.
    UnknownElement(String),
    /// An attribute the definition does not have.
    UnknownAttribute(String),
    /// An element after one that the definition puts behind it (R4 XML: "Elements must always
    /// appear in the order documented").
    OutOfOrder {
        /// The element found.
        element: String,
        /// The element it should have come before.
        after: String,
    },
    /// A non-repeating element appears twice.
    DuplicateElement(String),
    /// Two different choices of one `[x]` element are present.
    ChoiceConflict {
        /// The first choice seen.
        first: String,
        /// The conflicting one.
        second: String,
    },
    /// A `value` attribute on an element of a complex type (only primitives have one).
    ValueOnComplex(String),
    /// A primitive element with no `value`, `id` or extension (FHIR forbids empty elements:
    /// `ele-1`).
    EmptyElement(String),
    /// Text where FHIR XML only allows elements (text appears only inside the XHTML narrative).
    UnexpectedText,
    /// A required element (minimum cardinality 1) is missing.
    MissingElement(&'static str),
    /// A resource wrapper (`contained`, `resource`) holding no resource or more than one.
    ResourceWrapper(String),
    /// The element names no R4 resource type.
    UnknownResourceType(String),
    /// The root element is not the resource type expected.
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
    /// `Narrative.div` that is not one XHTML `div` element.
    NotXhtml(String),
    /// Element nesting deeper than the configured bound.
    TooDeep(usize),
    /// A resource of a type the crate does not model, read from one format, written in the
    /// other: it is kept only in the format it was read from.
    CrossFormat {
        /// The resource type.
        resource_type: String,
        /// The format it was read from.
        from: &'static str,
        /// The format asked for.
        to: &'static str,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax(m) => write!(f, "invalid XML: {m}"),
            ErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            ErrorKind::UnsupportedEncoding(e) => write!(f, "expected encoding UTF-8, found {e:?}"),
            ErrorKind::Doctype => f.write_str(
                "expected no document type declaration, found <!DOCTYPE (DTDs and entity declarations are refused)",
            ),
            ErrorKind::UnknownEntity(e) => write!(
                f,
                "expected one of the predefined entities amp, lt, gt, quot, apos or a character reference, found &{e};"
            ),
            ErrorKind::InvalidCharacter(c) => write!(f, "expected an XML character, found {c}"),
            ErrorKind::ProcessingInstruction(t) => write!(f, "expected no processing instruction, found <?{t}"),
            ErrorKind::MissingNamespace(e) => {
                write!(
                    f,
                    "expected element {e:?} in namespace \"http://hl7.org/fhir\", found no namespace"
                )
            }
            ErrorKind::WrongNamespace { expected, found } => {
                write!(f, "expected namespace {expected:?}, found {found:?}")
            }
            ErrorKind::UnboundPrefix(p) => write!(f, "expected a declaration of namespace prefix {p:?}, found none"),
            ErrorKind::UnknownElement(e) => write!(f, "unknown element {e:?}"),
            ErrorKind::UnknownAttribute(a) => write!(f, "unknown attribute {a:?}"),
            ErrorKind::OutOfOrder { element, after } => {
                write!(
                    f,
                    "expected element {element:?} before {after:?} (definition order), found it after"
                )
            }
            ErrorKind::DuplicateElement(e) => write!(f, "expected element {e:?} once, found it again"),
            ErrorKind::ChoiceConflict { first, second } => {
                write!(
                    f,
                    "expected one choice of a [x] element, found both {first:?} and {second:?}"
                )
            }
            ErrorKind::ValueOnComplex(e) => {
                write!(f, "expected no value attribute on {e:?} (a complex type), found one")
            }
            ErrorKind::EmptyElement(e) => {
                write!(
                    f,
                    "expected a value attribute, an id or extensions on {e:?}, found none"
                )
            }
            ErrorKind::UnexpectedText => f.write_str("expected elements, found text"),
            ErrorKind::MissingElement(e) => write!(f, "expected required element {e:?}, found none"),
            ErrorKind::ResourceWrapper(found) => write!(f, "expected exactly one resource element, found {found}"),
            ErrorKind::UnknownResourceType(t) => write!(f, "expected an R4 resource type, found {t:?}"),
            ErrorKind::WrongResourceType { expected, found } => {
                write!(f, "expected resource type {expected:?}, found {found:?}")
            }
            ErrorKind::InvalidValue {
                fhir_type,
                value,
                expected,
            } => write!(f, "expected a {fhir_type} matching {expected}, found {value:?}"),
            ErrorKind::UnknownCode { code, value_set } => write!(f, "expected a code from {value_set}, found {code:?}"),
            ErrorKind::NotXhtml(m) => write!(f, "expected one XHTML div element, found {m}"),
            ErrorKind::TooDeep(limit) => write!(f, "nesting deeper than the limit of {limit}"),
            ErrorKind::CrossFormat {
                resource_type,
                from,
                to,
            } => write!(
                f,
                "{resource_type} is a resource type this crate does not model: read from {from}, it is kept only \
                 as {from} and cannot be written as {to}"
            ),
        }
    }
}

/// An error: what went wrong, at which element path, and where in the text (for parse errors).
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
        let (line, column) = line_column(src, self.offset);
        self.line = line;
        self.column = column;
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

    /// 1-based line of the offending text (0 for errors while writing).
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column (in characters) of the offending text (0 for errors while writing).
    pub fn column(&self) -> usize {
        self.column
    }

    /// Byte offset of the offending text.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

/// 1-based line and character column of byte `offset` in `src`.
pub(crate) fn line_column(src: &[u8], offset: usize) -> (usize, usize) {
    let upto = &src[..offset.min(src.len())];
    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    // Columns count characters, not bytes.
    let column = String::from_utf8_lossy(&upto[line_start..]).chars().count() + 1;
    (line, column)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        if self.line == 0 {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{} at line {} column {}", self.kind, self.line, self.column)
        }
    }
}

/// A problem the lenient parser stepped over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What was found: an unknown element or attribute, an unknown code, an element out of
    /// order or a missing required element.
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
