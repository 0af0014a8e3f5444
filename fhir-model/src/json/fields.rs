//! The element-level building blocks the generated readers and writers are made of.
//!
//! FHIR JSON rules implemented here ([R4 JSON](https://hl7.org/fhir/R4/json.html)):
//! primitives carry their value under `name` and their `id`/`extension` under `_name`
//! (§2.6.2.2); repeating primitives use two parallel arrays with `null` where one side has
//! nothing; every element appears at most once; `[x]` elements appear with one type suffix only.

use super::error::{Error, ErrorKind};
use super::reader::JsonReader;
use super::writer::JsonWriter;
use crate::coded::{CodeEnum, Coded};
use crate::decimal::Decimal;
use crate::formats::StrFormat;
use crate::generated::datatypes::Extension;
use crate::primitive::Primitive;
use crate::temporal::{Date, DateTime, Instant, Time};

/// A type read from a JSON object.
pub trait FromJson: Sized {
    /// Reads the value at the reader's position.
    fn from_json(r: &mut JsonReader<'_>) -> Result<Self, Error>;
}

/// A type written as a JSON object.
pub trait ToJson {
    /// Writes the value.
    fn write_json(&self, w: &mut JsonWriter);
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(r: &mut JsonReader<'_>) -> Result<Self, Error> {
        T::from_json(r).map(Box::new)
    }
}

impl<T: ToJson> ToJson for Box<T> {
    fn write_json(&self, w: &mut JsonWriter) {
        (**self).write_json(w)
    }
}

/// Reads a value straight into a box. Keeping the (possibly large) value out of the caller's
/// frame keeps the frames of the big generated dispatchers small, which matters for deep
/// documents in debug builds.
#[inline(never)]
pub fn read_boxed<T: FromJson>(r: &mut JsonReader<'_>) -> Result<Box<T>, Error> {
    T::from_json(r).map(Box::new)
}

/// The lexical rule for a primitive value, chosen by the element's FHIR type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    /// A string-based type.
    Str(StrFormat),
    /// `integer`
    Integer,
    /// `positiveInt`: 1..=2,147,483,647
    PositiveInt,
    /// `unsignedInt`: 0..=2,147,483,647
    UnsignedInt,
    /// The value type fixes the rule (boolean, decimal, dates, codes).
    Fixed,
}

/// A primitive value as it appears in JSON.
pub trait PrimitiveValue: Sized {
    /// Reads the value (the reader is on it).
    fn read(r: &mut JsonReader<'_>, fmt: Fmt) -> Result<Self, Error>;
    /// Writes the value.
    fn write(&self, w: &mut JsonWriter);
}

impl PrimitiveValue for String {
    fn read(r: &mut JsonReader<'_>, fmt: Fmt) -> Result<Self, Error> {
        let at = r.offset();
        let s = r.read_string()?;
        let format = match fmt {
            Fmt::Str(f) => f,
            _ => StrFormat::Plain,
        };
        if let Err(expected) = format.check(&s) {
            return Err(r.error_at(
                ErrorKind::InvalidValue {
                    fhir_type: format.type_name(),
                    value: s.into_owned(),
                    expected: expected.to_owned(),
                },
                at,
            ));
        }
        Ok(s.into_owned())
    }
    fn write(&self, w: &mut JsonWriter) {
        w.string(self)
    }
}

impl PrimitiveValue for bool {
    fn read(r: &mut JsonReader<'_>, _: Fmt) -> Result<Self, Error> {
        r.read_bool()
    }
    fn write(&self, w: &mut JsonWriter) {
        w.raw(if *self { "true" } else { "false" })
    }
}

fn integer_lexeme(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'))
}

impl PrimitiveValue for i32 {
    fn read(r: &mut JsonReader<'_>, _: Fmt) -> Result<Self, Error> {
        let at = r.offset();
        let s = r.read_number()?;
        match s.parse::<i32>() {
            Ok(v) if integer_lexeme(s) => Ok(v),
            _ => Err(r.error_at(
                ErrorKind::InvalidValue {
                    fhir_type: "integer",
                    value: s.to_owned(),
                    expected: "-?([0]|([1-9][0-9]*)) within -2,147,483,648..2,147,483,647".into(),
                },
                at,
            )),
        }
    }
    fn write(&self, w: &mut JsonWriter) {
        w.raw(&self.to_string())
    }
}

impl PrimitiveValue for u32 {
    fn read(r: &mut JsonReader<'_>, fmt: Fmt) -> Result<Self, Error> {
        let at = r.offset();
        let s = r.read_number()?;
        let positive = fmt == Fmt::PositiveInt;
        match s.parse::<u32>() {
            Ok(v) if integer_lexeme(s) && v <= i32::MAX as u32 && (!positive || v >= 1) => Ok(v),
            _ => Err(r.error_at(
                ErrorKind::InvalidValue {
                    fhir_type: if positive { "positiveInt" } else { "unsignedInt" },
                    value: s.to_owned(),
                    expected: if positive {
                        "[1-9][0-9]* up to 2,147,483,647"
                    } else {
                        "[0]|([1-9][0-9]*) up to 2,147,483,647"
                    }
                    .into(),
                },
                at,
            )),
        }
    }
    fn write(&self, w: &mut JsonWriter) {
        w.raw(&self.to_string())
    }
}

impl PrimitiveValue for Decimal {
    fn read(r: &mut JsonReader<'_>, _: Fmt) -> Result<Self, Error> {
        let s = r.read_number()?;
        // The reader accepts only the JSON number grammar, which is the R4 decimal pattern.
        Ok(s.parse().unwrap_or_else(|_| unreachable_decimal()))
    }
    fn write(&self, w: &mut JsonWriter) {
        w.raw(self.as_str())
    }
}

#[cold]
fn unreachable_decimal() -> Decimal {
    Decimal::from(0)
}

macro_rules! temporal_json {
    ($t:ty, $name:literal) => {
        impl PrimitiveValue for $t {
            fn read(r: &mut JsonReader<'_>, _: Fmt) -> Result<Self, Error> {
                let at = r.offset();
                let s = r.read_string()?;
                s.parse().map_err(|e: crate::temporal::TemporalError| {
                    r.error_at(
                        ErrorKind::InvalidValue {
                            fhir_type: $name,
                            value: s.into_owned(),
                            expected: e.reason.to_owned(),
                        },
                        at,
                    )
                })
            }
            fn write(&self, w: &mut JsonWriter) {
                w.string(self.as_str())
            }
        }
    };
}
temporal_json!(Date, "date");
temporal_json!(DateTime, "dateTime");
temporal_json!(Instant, "instant");
temporal_json!(Time, "time");

impl<E: CodeEnum> PrimitiveValue for Coded<E> {
    fn read(r: &mut JsonReader<'_>, _: Fmt) -> Result<Self, Error> {
        let at = r.offset();
        let s = r.read_string()?;
        if let Some(e) = E::from_code(&s) {
            return Ok(Coded::Known(e));
        }
        if let Err(expected) = StrFormat::Code.check(&s) {
            return Err(r.error_at(
                ErrorKind::InvalidValue {
                    fhir_type: "code",
                    value: s.into_owned(),
                    expected: expected.to_owned(),
                },
                at,
            ));
        }
        let kind = ErrorKind::UnknownCode {
            code: s.to_string(),
            value_set: E::VALUE_SET,
        };
        if r.strict() {
            return Err(r.error_at(kind, at));
        }
        r.warn(kind, at, None);
        Ok(Coded::Unknown(s.into_owned()))
    }
    fn write(&self, w: &mut JsonWriter) {
        w.string(self.code())
    }
}

/// `id` and `extension` of a primitive, as read from its `_name` sidecar.
#[derive(Default)]
pub struct ElementData {
    id: Option<String>,
    extension: Vec<Extension>,
}

impl ElementData {
    /// Reads a `_name` sidecar object.
    pub fn read(r: &mut JsonReader<'_>) -> Result<Self, Error> {
        let mut data = ElementData::default();
        let mut seen_id = false;
        r.read_object(|r, key, key_pos| {
            match key {
                "id" => {
                    if seen_id {
                        return Err(r.error_at(ErrorKind::DuplicateKey(key.to_owned()), key_pos));
                    }
                    seen_id = true;
                    r.enter("id");
                    data.id = Some(String::read(r, Fmt::Str(StrFormat::Plain))?);
                    r.leave();
                }
                "extension" => read_vec(r, &mut data.extension, "extension", key_pos)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(data)
    }

    fn write(id: Option<&str>, extension: &[Extension], w: &mut JsonWriter) {
        w.begin_object();
        if let Some(id) = id {
            w.key("id");
            w.string(id);
        }
        if !extension.is_empty() {
            write_vec(w, "extension", extension);
        }
        w.end_object();
    }
}

#[cold]
fn duplicate(r: &JsonReader<'_>, name: &str, key_pos: usize) -> Error {
    r.error_at(ErrorKind::DuplicateKey(name.to_owned()), key_pos)
}

/// Reads a single complex element into `slot`.
#[inline]
pub fn read_single<T: FromJson>(
    r: &mut JsonReader<'_>,
    slot: &mut Option<T>,
    name: &'static str,
    key_pos: usize,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(duplicate(r, name, key_pos));
    }
    r.enter(name);
    *slot = Some(T::from_json(r)?);
    r.leave();
    Ok(())
}

/// Reads a repeating complex element into `slot`.
#[inline]
pub fn read_vec<T: FromJson>(
    r: &mut JsonReader<'_>,
    slot: &mut Vec<T>,
    name: &'static str,
    key_pos: usize,
) -> Result<(), Error> {
    if !slot.is_empty() {
        return Err(duplicate(r, name, key_pos));
    }
    r.enter(name);
    r.read_array(|r, _| {
        slot.push(T::from_json(r)?);
        Ok(())
    })?;
    r.leave();
    Ok(())
}

/// Reads a plain string attribute (`Element.id`, `Extension.url`).
#[inline]
pub fn read_plain(
    r: &mut JsonReader<'_>,
    slot: &mut Option<String>,
    name: &'static str,
    key_pos: usize,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(duplicate(r, name, key_pos));
    }
    r.enter(name);
    *slot = Some(String::read(r, Fmt::Str(StrFormat::Plain))?);
    r.leave();
    Ok(())
}

/// Fails with [`ErrorKind::MissingElement`] when a required element is absent.
#[inline]
pub fn required<T>(r: &JsonReader<'_>, v: Option<T>, name: &'static str, object_at: usize) -> Result<T, Error> {
    match v {
        Some(v) => Ok(v),
        None => Err(r.error_at(ErrorKind::MissingElement(name), object_at)),
    }
}

/// Collects a single primitive from its value key and its `_` sidecar.
pub struct PrimSlot<T> {
    value: Option<T>,
    data: Option<ElementData>,
}

impl<T> Default for PrimSlot<T> {
    fn default() -> Self {
        PrimSlot {
            value: None,
            data: None,
        }
    }
}

impl<T: PrimitiveValue> PrimSlot<T> {
    /// Reads the value under `name`.
    #[inline]
    pub fn value(&mut self, r: &mut JsonReader<'_>, name: &'static str, key_pos: usize, fmt: Fmt) -> Result<(), Error> {
        if self.value.is_some() {
            return Err(duplicate(r, name, key_pos));
        }
        r.enter(name);
        self.value = Some(T::read(r, fmt)?);
        r.leave();
        Ok(())
    }

    /// Reads the `_name` sidecar.
    #[inline]
    pub fn element(&mut self, r: &mut JsonReader<'_>, name: &'static str, key_pos: usize) -> Result<(), Error> {
        if self.data.is_some() {
            return Err(r.error_at(ErrorKind::DuplicateKey(format!("_{name}")), key_pos));
        }
        r.enter(name);
        self.data = Some(ElementData::read(r)?);
        r.leave();
        Ok(())
    }

    /// The primitive, when either key was present.
    #[inline]
    pub fn finish(self) -> Option<Primitive<T>> {
        if self.value.is_none() && self.data.is_none() {
            return None;
        }
        let data = self.data.unwrap_or_default();
        Some(Primitive::with_element(self.value, data.id, data.extension))
    }
}

/// Collects a repeating primitive from its value array and its `_` sidecar array.
pub struct PrimVecSlot<T> {
    values: Option<Vec<Option<T>>>,
    data: Option<Vec<Option<ElementData>>>,
}

impl<T> Default for PrimVecSlot<T> {
    fn default() -> Self {
        PrimVecSlot {
            values: None,
            data: None,
        }
    }
}

impl<T: PrimitiveValue> PrimVecSlot<T> {
    /// Reads the value array under `name`.
    pub fn values(
        &mut self,
        r: &mut JsonReader<'_>,
        name: &'static str,
        key_pos: usize,
        fmt: Fmt,
    ) -> Result<(), Error> {
        if self.values.is_some() {
            return Err(duplicate(r, name, key_pos));
        }
        r.enter(name);
        let mut out = Vec::new();
        r.read_array(|r, _| {
            out.push(if r.take_null()? { None } else { Some(T::read(r, fmt)?) });
            Ok(())
        })?;
        r.leave();
        self.values = Some(out);
        Ok(())
    }

    /// Reads the `_name` sidecar array.
    pub fn elements(&mut self, r: &mut JsonReader<'_>, name: &'static str, key_pos: usize) -> Result<(), Error> {
        if self.data.is_some() {
            return Err(r.error_at(ErrorKind::DuplicateKey(format!("_{name}")), key_pos));
        }
        r.enter(name);
        let mut out = Vec::new();
        r.read_array(|r, _| {
            out.push(if r.take_null()? {
                None
            } else {
                Some(ElementData::read(r)?)
            });
            Ok(())
        })?;
        r.leave();
        self.data = Some(out);
        Ok(())
    }

    /// Merges both arrays; `null` must face a non-null entry.
    pub fn finish(
        self,
        r: &mut JsonReader<'_>,
        name: &'static str,
        object_at: usize,
    ) -> Result<Vec<Primitive<T>>, Error> {
        let (values, data) = match (self.values, self.data) {
            (None, None) => return Ok(Vec::new()),
            (v, d) => (v, d),
        };
        let len = values
            .as_ref()
            .map_or(0, Vec::len)
            .max(data.as_ref().map_or(0, Vec::len));
        r.enter(name);
        if let (Some(v), Some(d)) = (&values, &data) {
            if v.len() != d.len() {
                return Err(r.error_at(
                    ErrorKind::SidecarLength {
                        values: v.len(),
                        sidecar: d.len(),
                    },
                    object_at,
                ));
            }
        }
        let mut values = values.map(|v| v.into_iter());
        let mut data = data.map(|d| d.into_iter());
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            let value = values.as_mut().and_then(|v| v.next()).flatten();
            let element = data.as_mut().and_then(|d| d.next()).flatten();
            if value.is_none() && element.is_none() {
                return Err(r.error_at(ErrorKind::UnexpectedNull, object_at));
            }
            let element = element.unwrap_or_default();
            out.push(Primitive::with_element(value, element.id, element.extension));
        }
        r.leave();
        Ok(out)
    }
}

/// A `[x]` element's generated enum.
pub trait Choice: Sized {
    /// Attaches a `_name` sidecar's `id` and `extension` to the primitive choice `key`, creating
    /// it without a value when `value` is `None`. Returns `None` when `key` is not a primitive
    /// choice of this element.
    fn attach(key: &str, value: Option<Self>, id: Option<String>, extension: Vec<Extension>) -> Option<Self>;
    /// Writes the choice under its suffixed key (and sidecar).
    fn write_choice(&self, w: &mut JsonWriter);
}

/// Collects a `[x]` element from whichever suffixed key is present.
pub struct ChoiceSlot<E> {
    value: Option<(E, &'static str)>,
    data: Option<(ElementData, &'static str, usize)>,
}

impl<E> Default for ChoiceSlot<E> {
    fn default() -> Self {
        ChoiceSlot {
            value: None,
            data: None,
        }
    }
}

impl<E: Choice> ChoiceSlot<E> {
    #[cold]
    fn conflict(r: &JsonReader<'_>, first: &str, second: &str, key_pos: usize) -> Error {
        if first == second {
            duplicate(r, second, key_pos)
        } else {
            r.error_at(
                ErrorKind::ChoiceConflict {
                    first: first.to_owned(),
                    second: second.to_owned(),
                },
                key_pos,
            )
        }
    }

    /// Reads the choice under `key` with `read`.
    #[inline]
    pub fn value(
        &mut self,
        r: &mut JsonReader<'_>,
        key: &'static str,
        key_pos: usize,
        read: impl FnOnce(&mut JsonReader<'_>) -> Result<E, Error>,
    ) -> Result<(), Error> {
        if let Some((_, first)) = &self.value {
            return Err(Self::conflict(r, first, key, key_pos));
        }
        if let Some((_, first, _)) = &self.data {
            if *first != key {
                return Err(Self::conflict(r, &format!("_{first}"), key, key_pos));
            }
        }
        r.enter(key);
        let v = read(r)?;
        r.leave();
        self.value = Some((v, key));
        Ok(())
    }

    /// Reads the `_key` sidecar of a primitive choice.
    pub fn element(&mut self, r: &mut JsonReader<'_>, key: &'static str, key_pos: usize) -> Result<(), Error> {
        if let Some((_, first, _)) = &self.data {
            return Err(Self::conflict(r, &format!("_{first}"), &format!("_{key}"), key_pos));
        }
        if let Some((_, first)) = &self.value {
            if *first != key {
                return Err(Self::conflict(r, first, &format!("_{key}"), key_pos));
            }
        }
        r.enter(key);
        let data = ElementData::read(r)?;
        r.leave();
        self.data = Some((data, key, key_pos));
        Ok(())
    }

    /// The choice, when any key was present.
    pub fn finish(self, r: &JsonReader<'_>) -> Result<Option<E>, Error> {
        match (self.value, self.data) {
            (v, None) => Ok(v.map(|(v, _)| v)),
            (v, Some((data, key, key_pos))) => E::attach(key, v.map(|(v, _)| v), data.id, data.extension)
                .map(Some)
                .ok_or_else(|| r.error_at(ErrorKind::UnknownElement(format!("_{key}")), key_pos)),
        }
    }
}

/// Writes a complex element.
#[inline]
pub fn write_single<T: ToJson>(w: &mut JsonWriter, name: &str, v: &T) {
    w.key(name);
    v.write_json(w);
}

/// Writes an optional complex element.
#[inline]
pub fn write_opt<T: ToJson>(w: &mut JsonWriter, name: &str, v: &Option<T>) {
    if let Some(v) = v {
        write_single(w, name, v);
    }
}

/// Writes a repeating complex element (nothing when empty).
#[inline]
pub fn write_vec<T: ToJson>(w: &mut JsonWriter, name: &str, v: &[T]) {
    if v.is_empty() {
        return;
    }
    w.key(name);
    w.begin_array();
    for item in v {
        w.array_item();
        item.write_json(w);
    }
    w.end_array();
}

/// Writes a plain string attribute.
#[inline]
pub fn write_plain(w: &mut JsonWriter, name: &str, v: &Option<String>) {
    if let Some(v) = v {
        w.key(name);
        w.string(v);
    }
}

/// Writes a primitive: the value under `name`, `id`/`extension` under `_name`.
#[inline]
pub fn write_prim<T: PrimitiveValue>(w: &mut JsonWriter, name: &str, p: &Primitive<T>) {
    if let Some(v) = &p.value {
        w.key(name);
        v.write(w);
    }
    if p.has_element_data() {
        let mut sidecar = String::with_capacity(name.len() + 1);
        sidecar.push('_');
        sidecar.push_str(name);
        w.key(&sidecar);
        ElementData::write(p.id(), p.extension(), w);
    }
}

/// Writes an optional primitive.
#[inline]
pub fn write_opt_prim<T: PrimitiveValue>(w: &mut JsonWriter, name: &str, p: &Option<Primitive<T>>) {
    if let Some(p) = p {
        write_prim(w, name, p);
    }
}

/// Writes a repeating primitive as a value array and, when needed, a sidecar array.
pub fn write_vec_prim<T: PrimitiveValue>(w: &mut JsonWriter, name: &str, v: &[Primitive<T>]) {
    if v.is_empty() {
        return;
    }
    if v.iter().any(|p| p.value.is_some()) {
        w.key(name);
        w.begin_array();
        for p in v {
            w.array_item();
            match &p.value {
                Some(x) => x.write(w),
                None => w.raw("null"),
            }
        }
        w.end_array();
    }
    if v.iter().any(Primitive::has_element_data) {
        w.key(&format!("_{name}"));
        w.begin_array();
        for p in v {
            w.array_item();
            if p.has_element_data() {
                ElementData::write(p.id(), p.extension(), w);
            } else {
                w.raw("null");
            }
        }
        w.end_array();
    }
}

/// Writes an optional `[x]` element.
#[inline]
pub fn write_choice<E: Choice>(w: &mut JsonWriter, v: &Option<E>) {
    if let Some(v) = v {
        v.write_choice(w);
    }
}

/// Fails with [`ErrorKind::MissingElement`] when a required repeating element is empty.
#[inline]
pub fn required_vec<T>(
    r: &mut JsonReader<'_>,
    v: Vec<T>,
    name: &'static str,
    object_at: usize,
) -> Result<Vec<T>, Error> {
    if v.is_empty() {
        if r.strict() {
            return Err(r.error_at(ErrorKind::MissingElement(name), object_at));
        }
        r.warn(ErrorKind::MissingElement(name), object_at, None);
    }
    Ok(v)
}

/// Reads the `resourceType` key of a resource and checks it names `expected`.
pub fn read_resource_type(
    r: &mut JsonReader<'_>,
    expected: &'static str,
    seen: &mut bool,
    key_pos: usize,
) -> Result<(), Error> {
    if *seen {
        return Err(duplicate(r, "resourceType", key_pos));
    }
    *seen = true;
    let at = r.offset();
    let found = r.read_string()?;
    if found != expected {
        return Err(r.error_at(
            ErrorKind::WrongResourceType {
                expected,
                found: found.into_owned(),
            },
            at,
        ));
    }
    Ok(())
}

/// Fails when a resource object had no `resourceType`.
pub fn check_resource_type_seen(r: &JsonReader<'_>, seen: bool, object_at: usize) -> Result<(), Error> {
    if seen {
        Ok(())
    } else {
        Err(r.error_at(ErrorKind::MissingResourceType, object_at))
    }
}

/// A required element that is absent: an error in strict mode; in lenient mode a warning and
/// an empty value (which the writer omits again, so the document round-trips unchanged).
#[inline]
pub fn required_or_default<T: Default>(
    r: &mut JsonReader<'_>,
    v: Option<T>,
    name: &'static str,
    object_at: usize,
) -> Result<T, Error> {
    match v {
        Some(v) => Ok(v),
        None if r.strict() => Err(r.error_at(ErrorKind::MissingElement(name), object_at)),
        None => {
            r.warn(ErrorKind::MissingElement(name), object_at, None);
            Ok(T::default())
        }
    }
}
