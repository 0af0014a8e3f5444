//! FHIR XML, exactly as [R4 XML](https://hl7.org/fhir/R4/xml.html) defines it (feature `xml`,
//! on by default).
//!
//! ```
//! use fhir_model::{json, xml, Resource};
//!
//! let text = r#"<Task xmlns="http://hl7.org/fhir"><status value="requested"/><intent value="order"/></Task>"#;
//! let resource: Resource = xml::from_str(text)?;
//! assert_eq!(xml::to_string(&resource)?, text);
//! assert_eq!(
//!     xml::to_json_string(&resource)?,
//!     r#"{"resourceType":"Task","status":"requested","intent":"order"}"#
//! );
//! # Ok::<(), xml::Error>(())
//! ```
//!
//! * Elements in the namespace `http://hl7.org/fhir`, in the order of the definitions
//!   (generated from them); a primitive's value in its `value` attribute, its `id` as an
//!   attribute and its extensions as `extension` children; `Element.id` and `Extension.url` as
//!   attributes; a `[x]` element named with its type suffix (`valueReference`); a resource inside
//!   another wrapped in an element named after its type.
//! * `Narrative.div` is XHTML in `http://www.w3.org/1999/xhtml`, kept exactly: the model holds
//!   the same string as the JSON `div`, in the form of the R4 JSON examples (the namespace
//!   declaration first, other attributes in document order, `&`, `<`, `>` and `"` as entities,
//!   empty elements as `<x/>`, every whitespace character and comment kept). Written as XML,
//!   the string is checked to be one XHTML `div` and copied unchanged.
//! * Comments and whitespace between FHIR elements are ignored; whitespace inside attribute values
//!   is kept (tab, line feed and carriage return are written as character references so that
//!   XML's attribute-value normalization keeps them). An XML declaration is optional and must
//!   name UTF-8 when it names an encoding.
//! * Refused, with the element path, line and column: document type declarations and so every
//!   entity declaration (no XXE, no entity expansion: only XML's five predefined entities and
//!   character references are read), elements out of order or unknown, a `value` attribute on
//!   a complex type, elements outside the FHIR namespace, nesting beyond
//!   [`Options::max_depth`], invalid UTF-8. Never a panic.
//!
//! [`Options::lenient`] steps over unknown elements and attributes, unknown codes, elements out
//! of order and missing required elements, reporting them as [`Warning`]s, like the JSON parser.
//!
//! Resources of types the crate does not model are kept as read ([`crate::UnknownResource`],
//! as their exact XML text, checked like any FHIR content): XML to XML they round-trip;
//! converting one to JSON (or one read from JSON to XML) is an [`ErrorKind::CrossFormat`] error
//! naming the type.

mod compare;
mod error;
mod fields;
mod reader;
mod resources;
mod text;
mod tree;
mod writer;
mod xhtml;

pub use compare::first_json_difference;
pub use error::{Error, ErrorKind, Warning};
pub use fields::{FromXml, RootXml, ToXml, XmlChoice, XmlPrimitive};
pub use reader::{Start, XmlReader, FHIR_NS, XHTML_NS};
pub use tree::{Element, Node};
pub use writer::XmlWriter;

/// What the generated readers and writers use.
pub(crate) mod codec {
    pub(crate) use super::fields::*;
    pub(crate) use super::resources::{read_unknown, root_as, wrapped};
}

use crate::json::ToJson;
pub(crate) use resources::KeptXml;
use writer::Target;

/// How to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Keep going past unknown elements, attributes and codes, elements out of order and
    /// missing required elements, reporting them as warnings.
    pub lenient: bool,
    /// Deepest element nesting accepted (hostile input guard).
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lenient: false,
            max_depth: 128,
        }
    }
}

impl Options {
    /// The lenient mode.
    pub fn lenient() -> Self {
        Options {
            lenient: true,
            ..Options::default()
        }
    }
}

/// A parsed value and what the lenient parser stepped over.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The value.
    pub value: T,
    /// Warnings (always empty in strict mode).
    pub warnings: Vec<Warning>,
}

/// The text of `bytes`: UTF-8 (a byte order mark is skipped).
fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidUtf8, String::new(), e.valid_up_to()).locate(bytes))
}

/// Parses with options, returning warnings too.
pub fn from_slice_with<T: RootXml>(bytes: &[u8], options: Options) -> Result<Parsed<T>, Error> {
    let text = utf8(bytes)?;
    let mut r = XmlReader::new(text, options);
    let root = r.fhir_root()?;
    let value = T::read_root(&mut r, &root)?;
    r.finish()?;
    Ok(Parsed {
        value,
        warnings: r.into_warnings(),
    })
}

/// Parses a strict FHIR XML document from bytes (UTF-8 is checked).
pub fn from_slice<T: RootXml>(bytes: &[u8]) -> Result<T, Error> {
    from_slice_with(bytes, Options::default()).map(|p| p.value)
}

/// Parses a strict FHIR XML document.
pub fn from_str<T: RootXml>(text: &str) -> Result<T, Error> {
    from_slice(text.as_bytes())
}

/// Parses any XML document into a lossless [`Element`] tree (for comparing documents as XML
/// infosets). Document type declarations and unknown entities are refused here too.
pub fn value_from_slice(bytes: &[u8]) -> Result<Element, Error> {
    let text = utf8(bytes)?;
    let mut r = XmlReader::new(text, Options::default());
    let root = r.root()?;
    let tree = tree::read(&mut r, &root)?;
    r.finish()?;
    Ok(tree)
}

fn write<T: RootXml>(value: &T, pretty: bool) -> Result<String, Error> {
    let mut w = XmlWriter::new(pretty, Target::Xml);
    value.write_root(&mut w);
    w.finish()
}

/// Serializes compactly. Fails on what XML cannot carry: a character outside XML 1.0, a
/// `Narrative.div` that is not one XHTML `div`, a resource of an unmodelled type read from JSON.
pub fn to_string<T: RootXml>(value: &T) -> Result<String, Error> {
    write(value, false)
}

/// Serializes with two-space indentation (none inside the XHTML narrative, where whitespace is
/// content).
pub fn to_string_pretty<T: RootXml>(value: &T) -> Result<String, Error> {
    write(value, true)
}

/// Serializes as JSON, after checking that nothing is kept only as XML (a resource of an
/// unmodelled type read from XML cannot be written as JSON: [`ErrorKind::CrossFormat`]).
pub fn to_json_string<T: RootXml + ToJson>(value: &T) -> Result<String, Error> {
    let mut w = XmlWriter::new(false, Target::JsonCheck);
    value.write_root(&mut w);
    w.finish()?;
    Ok(crate::json::to_string(value))
}
