//! FHIR JSON, exactly as [R4 JSON](https://hl7.org/fhir/R4/json.html) defines it.
//!
//! ```
//! use fhir_model::{json, Resource};
//!
//! let text = r#"{"resourceType":"Task","status":"requested","intent":"order"}"#;
//! let resource: Resource = json::from_str(text)?;
//! assert_eq!(json::to_string(&resource), text);
//! # Ok::<(), fhir_model::json::Error>(())
//! ```
//!
//! Strict by default: unknown elements, unknown codes of required bindings, empty values,
//! duplicate keys and over-deep nesting are errors naming the element path, line and column.
//! [`Options::lenient`] keeps going past unknown elements, unknown codes and missing required
//! elements and reports them as [`Warning`]s: unknown codes are kept, missing elements stay
//! empty (and are omitted again on output), unknown elements are reported and not kept. A
//! missing required `[x]` element or resource cannot be represented and stays an error.

mod error;
mod fields;
mod reader;
mod value;
mod writer;

pub use error::{Error, ErrorKind, Warning};
pub use fields::{
    check_resource_type_seen, read_boxed, read_plain, read_resource_type, read_single, read_vec, required,
    required_or_default, required_vec, write_choice, write_opt, write_opt_prim, write_plain, write_prim, write_single,
    write_vec, write_vec_prim, Choice, ChoiceSlot, Fmt, FromJson, PrimSlot, PrimVecSlot, PrimitiveValue, ToJson,
};
pub use reader::JsonReader;
pub use value::JsonValue;
pub use writer::JsonWriter;

/// How to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Keep going past unknown elements and unknown codes, reporting them as warnings.
    pub lenient: bool,
    /// Deepest nesting of objects and arrays accepted (hostile input guard).
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

/// A type that is the root of a FHIR JSON document (a resource or the [`crate::Resource`] enum).
pub trait RootJson: FromJson {
    /// Reads the root object, naming it in error paths.
    fn read_root(r: &mut JsonReader<'_>) -> Result<Self, Error>;
}

/// Parses with options, returning warnings too.
pub fn from_slice_with<T: RootJson>(bytes: &[u8], options: Options) -> Result<Parsed<T>, Error> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidUtf8, String::new(), e.valid_up_to()).locate(bytes))?;
    let mut r = JsonReader::new(text, options);
    let value = T::read_root(&mut r)
        .and_then(|v| r.finish().map(|()| v))
        .map_err(|e| e.locate(bytes))?;
    Ok(Parsed {
        value,
        warnings: r.into_warnings(),
    })
}

/// Parses a strict FHIR JSON document from bytes (UTF-8 is checked).
pub fn from_slice<T: RootJson>(bytes: &[u8]) -> Result<T, Error> {
    from_slice_with(bytes, Options::default()).map(|p| p.value)
}

/// Parses a strict FHIR JSON document.
pub fn from_str<T: RootJson>(text: &str) -> Result<T, Error> {
    from_slice(text.as_bytes())
}

/// Parses any JSON text losslessly into a [`JsonValue`] (numbers keep their text).
pub fn value_from_slice(bytes: &[u8]) -> Result<JsonValue, Error> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidUtf8, String::new(), e.valid_up_to()).locate(bytes))?;
    let mut r = JsonReader::new(text, Options::default());
    r.read_value()
        .and_then(|v| r.finish().map(|()| v))
        .map_err(|e| e.locate(bytes))
}

/// A value holds a resource of an unmodelled type read from XML: its content exists only as
/// XML and cannot be written as JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write as JSON: {} held only as XML (unmodelled resource type)", .0.join(", "))]
pub struct CrossFormatError(pub Vec<String>);

/// Serializes compactly, refusing content that cannot be written as JSON (an unmodelled
/// resource read from XML), where [`to_string`] would write only its `resourceType`.
pub fn try_to_string<T: ToJson + ?Sized>(value: &T) -> Result<String, CrossFormatError> {
    let mut w = JsonWriter::new(false);
    value.write_json(&mut w);
    w.finish_checked().map_err(CrossFormatError)
}

/// Serializes compactly. Every modelled type and every resource read from JSON is written
/// exactly; an unmodelled resource read from XML is written as its `resourceType` only — use
/// [`try_to_string`] to be told instead.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut w = JsonWriter::new(false);
    value.write_json(&mut w);
    w.finish()
}

/// Serializes with two-space indentation.
pub fn to_string_pretty<T: ToJson + ?Sized>(value: &T) -> String {
    let mut w = JsonWriter::new(true);
    value.write_json(&mut w);
    w.finish()
}

/// Serializes a lossless JSON value.
pub fn value_to_string(value: &JsonValue, pretty: bool) -> String {
    let mut w = JsonWriter::new(pretty);
    w.value(value);
    w.finish()
}
