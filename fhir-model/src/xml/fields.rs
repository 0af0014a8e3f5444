//! The element-level building blocks the generated XML readers and writers are made of.
//!
//! FHIR XML rules implemented here ([R4 XML](https://hl7.org/fhir/R4/xml.html)): elements
//! appear in the order of the definitions; a primitive is an element with its value in the
//! `value` attribute, its `id` as an attribute and its extensions as `extension` children; a
//! repeating element simply repeats; a `[x]` element carries its type as a name suffix; a
//! resource inside `contained` or `resource` is wrapped in an element named after its type;
//! elements are never empty and attributes never empty.

use std::borrow::Cow;

use super::error::{Error, ErrorKind};
use super::reader::{descend, Start, XmlReader};
use super::writer::XmlWriter;
use crate::coded::{CodeEnum, Coded};
use crate::decimal::Decimal;
use crate::formats::StrFormat;
use crate::generated::datatypes::Extension;
use crate::json::Fmt;
use crate::primitive::Primitive;
use crate::temporal::{Date, DateTime, Instant, Time};

/// A type read from an XML element.
pub trait FromXml: Sized {
    /// Reads the element whose start tag `e` was just read, up to and including its end tag.
    fn from_xml<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Self, Error>;
}

/// A type written as an XML element.
pub trait ToXml {
    /// Writes the value as the element `name`.
    fn write_xml(&self, w: &mut XmlWriter, name: &'static str);
}

/// A type that is the root of a FHIR XML document (a resource or the [`crate::Resource`] enum).
pub trait RootXml: FromXml + ToXml {
    /// Reads the root element, naming it in error paths.
    fn read_root<'a>(r: &mut XmlReader<'a>, root: &Start<'a>) -> Result<Self, Error>;
    /// Writes the root element.
    fn write_root(&self, w: &mut XmlWriter);
}

/// A `[x]` element's generated enum.
pub trait XmlChoice {
    /// Writes the choice as the element named with its type suffix.
    fn write_choice(&self, w: &mut XmlWriter);
}

impl<T: FromXml> FromXml for Box<T> {
    fn from_xml<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Self, Error> {
        T::from_xml(r, e).map(Box::new)
    }
}

impl<T: ToXml> ToXml for Box<T> {
    fn write_xml(&self, w: &mut XmlWriter, name: &'static str) {
        (**self).write_xml(w, name)
    }
}

/// A primitive value as it appears in the `value` attribute.
pub trait XmlPrimitive: Sized {
    /// Parses the attribute's text (already decoded).
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, fmt: Fmt, at: usize) -> Result<Self, Error>;
    /// Writes the `value` attribute.
    fn write_value(&self, w: &mut XmlWriter);
}

#[cold]
fn invalid(r: &XmlReader<'_>, fhir_type: &'static str, value: &str, expected: &str, at: usize) -> Error {
    r.error_at(
        ErrorKind::InvalidValue {
            fhir_type,
            value: value.to_owned(),
            expected: expected.to_owned(),
        },
        at,
    )
}

impl XmlPrimitive for String {
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, fmt: Fmt, at: usize) -> Result<Self, Error> {
        let format = match fmt {
            Fmt::Str(f) => f,
            _ => StrFormat::Plain,
        };
        if let Err(expected) = format.check(&text) {
            return Err(invalid(r, format.type_name(), &text, expected, at));
        }
        Ok(text.into_owned())
    }
    fn write_value(&self, w: &mut XmlWriter) {
        w.attr("value", self)
    }
}

impl XmlPrimitive for bool {
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, _: Fmt, at: usize) -> Result<Self, Error> {
        // R4 `boolean.value` pattern: `true|false`.
        match &*text {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(invalid(r, "boolean", other, "true|false", at)),
        }
    }
    fn write_value(&self, w: &mut XmlWriter) {
        w.attr_trusted("value", if *self { "true" } else { "false" })
    }
}

/// R4 `integer.value` pattern `-?([0]|([1-9][0-9]*))`.
fn integer_lexeme(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'))
}

impl XmlPrimitive for i32 {
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, _: Fmt, at: usize) -> Result<Self, Error> {
        match text.parse::<i32>() {
            Ok(v) if integer_lexeme(&text) => Ok(v),
            _ => Err(invalid(
                r,
                "integer",
                &text,
                "-?([0]|([1-9][0-9]*)) within -2,147,483,648..2,147,483,647",
                at,
            )),
        }
    }
    fn write_value(&self, w: &mut XmlWriter) {
        w.attr_display("value", self)
    }
}

impl XmlPrimitive for u32 {
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, fmt: Fmt, at: usize) -> Result<Self, Error> {
        let positive = fmt == Fmt::PositiveInt;
        match text.parse::<u32>() {
            Ok(v) if integer_lexeme(&text) && v <= i32::MAX as u32 && (!positive || v >= 1) => Ok(v),
            _ if positive => Err(invalid(r, "positiveInt", &text, "[1-9][0-9]* up to 2,147,483,647", at)),
            _ => Err(invalid(
                r,
                "unsignedInt",
                &text,
                "[0]|([1-9][0-9]*) up to 2,147,483,647",
                at,
            )),
        }
    }
    fn write_value(&self, w: &mut XmlWriter) {
        w.attr_display("value", self)
    }
}

impl XmlPrimitive for Decimal {
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, _: Fmt, at: usize) -> Result<Self, Error> {
        text.parse().map_err(|_| {
            invalid(
                r,
                "decimal",
                &text,
                "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?",
                at,
            )
        })
    }
    fn write_value(&self, w: &mut XmlWriter) {
        w.attr_trusted("value", self.as_str())
    }
}

macro_rules! temporal_xml {
    ($t:ty, $name:literal) => {
        impl XmlPrimitive for $t {
            fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, _: Fmt, at: usize) -> Result<Self, Error> {
                text.parse()
                    .map_err(|e: crate::temporal::TemporalError| invalid(r, $name, &text, e.reason, at))
            }
            fn write_value(&self, w: &mut XmlWriter) {
                w.attr("value", self.as_str())
            }
        }
    };
}
temporal_xml!(Date, "date");
temporal_xml!(DateTime, "dateTime");
temporal_xml!(Instant, "instant");
temporal_xml!(Time, "time");

impl<E: CodeEnum> XmlPrimitive for Coded<E> {
    fn parse(r: &mut XmlReader<'_>, text: Cow<'_, str>, _: Fmt, at: usize) -> Result<Self, Error> {
        if let Some(e) = E::from_code(&text) {
            return Ok(Coded::Known(e));
        }
        if let Err(expected) = StrFormat::Code.check(&text) {
            return Err(invalid(r, "code", &text, expected, at));
        }
        r.refuse_or_warn(
            ErrorKind::UnknownCode {
                code: text.to_string(),
                value_set: E::VALUE_SET,
            },
            at,
        )?;
        Ok(Coded::Unknown(text.into_owned()))
    }
    fn write_value(&self, w: &mut XmlWriter) {
        w.attr("value", self.code())
    }
}

/// Tracks element order within one parent: each field has an index in definition order.
#[derive(Default)]
pub struct Order {
    last: u16,
    last_name: &'static str,
}

impl Order {
    #[inline]
    fn check(&mut self, r: &mut XmlReader<'_>, c: &Start<'_>, index: u16, name: &'static str) -> Result<(), Error> {
        if index < self.last {
            return self.out_of_order(r, c);
        }
        self.last = index;
        self.last_name = name;
        Ok(())
    }

    #[cold]
    fn out_of_order(&self, r: &mut XmlReader<'_>, c: &Start<'_>) -> Result<(), Error> {
        r.refuse_or_warn(
            ErrorKind::OutOfOrder {
                element: c.name().to_owned(),
                after: self.last_name.to_owned(),
            },
            c.at,
        )
    }
}

#[cold]
fn duplicate(r: &XmlReader<'_>, c: &Start<'_>) -> Error {
    r.error_at(ErrorKind::DuplicateElement(c.name().to_owned()), c.at)
}

/// Reads the attributes of a complex element: the names in `names` (`id`, `url`) are returned,
/// a `value` attribute is refused, others are unknown.
#[inline]
pub fn attributes<'a, const N: usize>(
    r: &mut XmlReader<'a>,
    e: &Start<'a>,
    names: [&'static str; N],
) -> Result<[Option<String>; N], Error> {
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    for i in 0..r.attr_count(e) {
        let a = r.attr(e, i);
        if a.ns_decl {
            continue;
        }
        match names.iter().position(|n| *n == a.name) {
            Some(k) => out[k] = Some(attribute_text(r, a.raw, a.at)?),
            None => r.unknown_attribute(e, &a)?,
        }
    }
    Ok(out)
}

/// A decoded attribute that must not be empty (R4 XML: "Attributes can never be empty").
fn attribute_text<'a>(r: &XmlReader<'a>, raw: &'a str, at: usize) -> Result<String, Error> {
    let text = r.decode(raw, true, at)?;
    if text.is_empty() {
        return Err(invalid(
            r,
            "string",
            "",
            "non-empty text (attributes are never empty)",
            at,
        ));
    }
    Ok(text.into_owned())
}

/// Reads a primitive element (`c` was just read).
pub fn primitive<'a, T: XmlPrimitive>(r: &mut XmlReader<'a>, c: &Start<'a>, fmt: Fmt) -> Result<Primitive<T>, Error> {
    let mut value = None;
    let mut id = None;
    for i in 0..r.attr_count(c) {
        let a = r.attr(c, i);
        match a.name {
            "value" => {
                let text = r.decode(a.raw, true, a.at)?;
                value = Some(T::parse(r, text, fmt, a.at)?);
            }
            "id" => id = Some(attribute_text(r, a.raw, a.at)?),
            _ if a.ns_decl => {}
            _ => r.refuse_or_warn(ErrorKind::UnknownAttribute(a.name.to_owned()), a.name_at)?,
        }
    }
    let mut extension = Vec::new();
    while let Some(child) = r.next_child(c)? {
        if child.name() == "extension" {
            r.enter_item("extension", extension.len());
            extension.push(descend(|| Extension::from_xml(r, &child))?);
            r.leave();
        } else {
            r.unknown_element(&child)?;
        }
    }
    if value.is_none() && id.is_none() && extension.is_empty() {
        return Err(r.error_at(ErrorKind::EmptyElement(c.name().to_owned()), c.at));
    }
    Ok(Primitive::with_element(value, id, extension))
}

/// Reads a single primitive element into `slot`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn prim<'a, T: XmlPrimitive>(
    r: &mut XmlReader<'a>,
    c: &Start<'a>,
    o: &mut Order,
    index: u16,
    slot: &mut Option<Primitive<T>>,
    name: &'static str,
    fmt: Fmt,
) -> Result<(), Error> {
    o.check(r, c, index, name)?;
    if slot.is_some() {
        return Err(duplicate(r, c));
    }
    r.enter(name);
    *slot = Some(primitive(r, c, fmt)?);
    r.leave();
    Ok(())
}

/// Reads one item of a repeating primitive element into `slot`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn prim_many<'a, T: XmlPrimitive>(
    r: &mut XmlReader<'a>,
    c: &Start<'a>,
    o: &mut Order,
    index: u16,
    slot: &mut Vec<Primitive<T>>,
    name: &'static str,
    fmt: Fmt,
) -> Result<(), Error> {
    o.check(r, c, index, name)?;
    r.enter_item(name, slot.len());
    slot.push(primitive(r, c, fmt)?);
    r.leave();
    Ok(())
}

/// Reads a single complex element (or resource wrapper) into `slot`.
#[inline]
pub fn single<'a, T: FromXml>(
    r: &mut XmlReader<'a>,
    c: &Start<'a>,
    o: &mut Order,
    index: u16,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), Error> {
    o.check(r, c, index, name)?;
    if slot.is_some() {
        return Err(duplicate(r, c));
    }
    r.enter(name);
    *slot = Some(descend(|| T::from_xml(r, c))?);
    r.leave();
    Ok(())
}

/// Reads one item of a repeating complex element (or resource wrapper) into `slot`.
#[inline]
pub fn many<'a, T: FromXml>(
    r: &mut XmlReader<'a>,
    c: &Start<'a>,
    o: &mut Order,
    index: u16,
    slot: &mut Vec<T>,
    name: &'static str,
) -> Result<(), Error> {
    o.check(r, c, index, name)?;
    r.enter_item(name, slot.len());
    slot.push(descend(|| T::from_xml(r, c))?);
    r.leave();
    Ok(())
}

/// Reads `Narrative.div` into `slot`, as the XHTML text the JSON `div` string holds.
pub fn xhtml<'a>(
    r: &mut XmlReader<'a>,
    c: &Start<'a>,
    o: &mut Order,
    index: u16,
    slot: &mut Option<String>,
    name: &'static str,
) -> Result<(), Error> {
    o.check(r, c, index, name)?;
    if slot.is_some() {
        return Err(duplicate(r, c));
    }
    r.enter(name);
    *slot = Some(super::xhtml::read_div(r, c)?);
    r.leave();
    Ok(())
}

/// Collects a `[x]` element from whichever suffixed element is present.
pub struct ChoiceSlot<E> {
    value: Option<(E, &'static str)>,
}

impl<E> Default for ChoiceSlot<E> {
    fn default() -> Self {
        ChoiceSlot { value: None }
    }
}

impl<E> ChoiceSlot<E> {
    /// The choice, when one was present.
    #[inline]
    pub fn finish(self) -> Option<E> {
        self.value.map(|(v, _)| v)
    }
}

/// Reads the choice element `key` with `read`.
#[inline]
pub fn choice<'a, E>(
    r: &mut XmlReader<'a>,
    c: &Start<'a>,
    o: &mut Order,
    index: u16,
    slot: &mut ChoiceSlot<E>,
    key: &'static str,
    read: impl FnOnce(&mut XmlReader<'a>, &Start<'a>) -> Result<E, Error>,
) -> Result<(), Error> {
    o.check(r, c, index, key)?;
    if let Some((_, first)) = &slot.value {
        if *first == key {
            return Err(duplicate(r, c));
        }
        return Err(r.error_at(
            ErrorKind::ChoiceConflict {
                first: (*first).to_owned(),
                second: key.to_owned(),
            },
            c.at,
        ));
    }
    r.enter(key);
    let v = descend(|| read(r, c))?;
    r.leave();
    slot.value = Some((v, key));
    Ok(())
}

/// Fails with [`ErrorKind::MissingElement`] when a required element that has no empty form
/// (a choice, a resource) is absent, in either mode.
#[inline]
pub fn required<T>(r: &XmlReader<'_>, v: Option<T>, name: &'static str, e: &Start<'_>) -> Result<T, Error> {
    match v {
        Some(v) => Ok(v),
        None => Err(r.error_at(ErrorKind::MissingElement(name), e.at)),
    }
}

/// A required element that is absent: an error in strict mode; in lenient mode a warning and
/// an empty value (which the writer omits again).
#[inline]
pub fn required_or_default<T: Default>(
    r: &mut XmlReader<'_>,
    v: Option<T>,
    name: &'static str,
    e: &Start<'_>,
) -> Result<T, Error> {
    match v {
        Some(v) => Ok(v),
        None => {
            r.refuse_or_warn(ErrorKind::MissingElement(name), e.at)?;
            Ok(T::default())
        }
    }
}

/// Fails (strict) or warns (lenient) when a required repeating element is absent.
#[inline]
pub fn required_vec<T>(r: &mut XmlReader<'_>, v: Vec<T>, name: &'static str, e: &Start<'_>) -> Result<Vec<T>, Error> {
    if v.is_empty() {
        r.refuse_or_warn(ErrorKind::MissingElement(name), e.at)?;
    }
    Ok(v)
}

/// Writes an optional attribute.
#[inline]
pub fn write_attr(w: &mut XmlWriter, name: &'static str, v: &Option<String>) {
    if let Some(v) = v {
        w.attr(name, v);
    }
}

/// Writes a required attribute (omitted when empty: a lenient read left it so).
#[inline]
pub fn write_required_attr(w: &mut XmlWriter, name: &'static str, v: &str) {
    if !v.is_empty() {
        w.attr(name, v);
    }
}

/// Writes an optional complex element.
#[inline]
pub fn write_opt<T: ToXml>(w: &mut XmlWriter, name: &'static str, v: &Option<T>) {
    if let Some(v) = v {
        v.write_xml(w, name);
    }
}

/// Writes a repeating complex element.
#[inline]
pub fn write_vec<T: ToXml>(w: &mut XmlWriter, name: &'static str, v: &[T]) {
    for item in v {
        item.write_xml(w, name);
    }
}

/// Writes a primitive element: `id` and `value` attributes, `extension` children. A primitive
/// with nothing set is omitted (as in JSON).
#[inline]
pub fn write_prim<T: XmlPrimitive>(w: &mut XmlWriter, name: &'static str, p: &Primitive<T>) {
    if p.is_empty() {
        return;
    }
    w.start(name);
    if let Some(id) = p.id() {
        w.attr("id", id);
    }
    if let Some(v) = &p.value {
        v.write_value(w);
    }
    for e in p.extension() {
        e.write_xml(w, "extension");
    }
    w.end(name);
}

/// Writes an optional primitive element.
#[inline]
pub fn write_opt_prim<T: XmlPrimitive>(w: &mut XmlWriter, name: &'static str, p: &Option<Primitive<T>>) {
    if let Some(p) = p {
        write_prim(w, name, p);
    }
}

/// Writes a repeating primitive element.
#[inline]
pub fn write_vec_prim<T: XmlPrimitive>(w: &mut XmlWriter, name: &'static str, v: &[Primitive<T>]) {
    for p in v {
        write_prim(w, name, p);
    }
}

/// Writes an optional `[x]` element.
#[inline]
pub fn write_choice<E: XmlChoice>(w: &mut XmlWriter, v: &Option<E>) {
    if let Some(v) = v {
        v.write_choice(w);
    }
}

/// Writes `Narrative.div` (omitted when empty: a lenient read left it so).
#[inline]
pub fn write_xhtml(w: &mut XmlWriter, name: &'static str, div: &str) {
    if !div.is_empty() {
        super::xhtml::write_div(w, name, div);
    }
}
