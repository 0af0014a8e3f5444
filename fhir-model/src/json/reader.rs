//! A pull reader over FHIR JSON text.
//!
//! Hand-written rather than serde-driven so that decimals keep their lexical form without
//! enabling `serde_json/arbitrary_precision` (a Cargo feature that would leak into every crate of
//! a user's build; see `field-lessons.md`), and so that every error carries the element path
//! and the line and column.

use std::borrow::Cow;

use super::error::{Error, ErrorKind, Warning};
use super::value::JsonValue;
use super::Options;

/// Bytes that end the fast scan of a string: the quote, the backslash and control characters.
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Stack left below which a new segment is allocated before descending.
const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of each heap-allocated stack segment.
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
enum Seg {
    Name(&'static str),
    Index(usize),
}

/// Reads one FHIR JSON document. Generated code drives it element by element.
pub struct JsonReader<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    path: Vec<Seg>,
    opts: Options,
    warnings: Vec<Warning>,
}

fn kind_of(b: Option<u8>) -> &'static str {
    match b {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "number",
        None => "end of input",
        Some(_) => "invalid JSON",
    }
}

impl<'a> JsonReader<'a> {
    /// A reader over `src` (already known to be UTF-8).
    pub(crate) fn new(src: &'a str, opts: Options) -> Self {
        JsonReader {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            depth: 0,
            path: Vec::with_capacity(32),
            opts,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn into_warnings(self) -> Vec<Warning> {
        self.warnings
    }

    /// True when the reader refuses unknown elements and codes.
    #[inline]
    pub fn strict(&self) -> bool {
        !self.opts.lenient
    }

    fn path_string(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Name(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(n);
                }
                Seg::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// An error at byte `offset` at the current element path.
    #[cold]
    pub fn error_at(&self, kind: ErrorKind, offset: usize) -> Error {
        Error::new(kind, self.path_string(), offset)
    }

    /// An error at the current position and element path.
    #[cold]
    pub fn error(&self, kind: ErrorKind) -> Error {
        self.error_at(kind, self.pos)
    }

    /// Records a warning (lenient mode) at `offset`, naming `extra` below the current path.
    #[cold]
    pub(crate) fn warn(&mut self, kind: ErrorKind, offset: usize, extra: Option<&str>) {
        let mut path = self.path_string();
        if let Some(extra) = extra {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(extra);
        }
        let located = Error::new(kind.clone(), String::new(), offset).locate(self.bytes);
        self.warnings.push(Warning {
            kind,
            path,
            line: located.line(),
            column: located.column(),
        });
    }

    /// Enters element `name` for error paths.
    #[inline]
    pub fn enter(&mut self, name: &'static str) {
        self.path.push(Seg::Name(name));
    }

    /// Leaves the element entered last.
    #[inline]
    pub fn leave(&mut self) {
        self.path.pop();
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The first byte of the next value, after white space.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    /// Current byte offset.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Fails unless only white space is left.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        if self.peek().is_some() {
            return Err(self.error(ErrorKind::Syntax("trailing characters after the document".into())));
        }
        Ok(())
    }

    #[cold]
    fn unexpected(&mut self, expected: &'static str) -> Error {
        let found = kind_of(self.peek());
        self.error(ErrorKind::UnexpectedType { expected, found })
    }

    fn descend(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            return Err(self.error(ErrorKind::TooDeep(self.opts.max_depth)));
        }
        Ok(())
    }

    /// Reads an object, calling `field` with each key. `field` returns `Ok(false)` for a key it
    /// does not know: strict mode refuses it, lenient mode warns and skips its value.
    /// Returns the offset of the opening brace.
    #[inline]
    pub fn read_object<F>(&mut self, field: F) -> Result<usize, Error>
    where
        F: FnMut(&mut Self, &str, usize) -> Result<bool, Error>,
    {
        // Nesting is bounded by `max_depth`, but a generated reader's frames can be large
        // (notably in debug builds), so the stack is grown on the heap when it runs low rather
        // than overflowing on a deep but permitted document.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.read_object_inner(field))
    }

    fn read_object_inner<F>(&mut self, mut field: F) -> Result<usize, Error>
    where
        F: FnMut(&mut Self, &str, usize) -> Result<bool, Error>,
    {
        if self.peek() != Some(b'{') {
            return Err(self.unexpected("object"));
        }
        let start = self.pos;
        self.pos += 1;
        self.descend()?;
        if self.peek() == Some(b'}') {
            return Err(self.error_at(ErrorKind::EmptyObject, start));
        }
        let mut skipped: Vec<String> = Vec::new();
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error(ErrorKind::Syntax("expected a key string".into())));
            }
            let key_pos = self.pos;
            let key = self.read_str_raw()?;
            if self.peek() != Some(b':') {
                return Err(self.error(ErrorKind::Syntax("expected ':' after a key".into())));
            }
            self.pos += 1;
            self.skip_ws();
            if !field(self, &key, key_pos)? {
                if self.strict() {
                    return Err(self.error_at(ErrorKind::UnknownElement(key.into_owned()), key_pos));
                }
                if skipped.iter().any(|k| *k == key) {
                    return Err(self.error_at(ErrorKind::DuplicateKey(key.into_owned()), key_pos));
                }
                self.warn(ErrorKind::UnknownElement(key.to_string()), key_pos, None);
                skipped.push(key.into_owned());
                self.skip_value()?;
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(start);
                }
                _ => return Err(self.error(ErrorKind::Syntax("expected ',' or '}' in an object".into()))),
            }
        }
    }

    /// Reads a non-empty array, calling `item` with each index (the index is on the path).
    #[inline]
    pub fn read_array<F>(&mut self, mut item: F) -> Result<(), Error>
    where
        F: FnMut(&mut Self, usize) -> Result<(), Error>,
    {
        if self.peek() != Some(b'[') {
            return Err(self.unexpected("array"));
        }
        let start = self.pos;
        self.pos += 1;
        self.descend()?;
        if self.peek() == Some(b']') {
            return Err(self.error_at(ErrorKind::EmptyArray, start));
        }
        let mut i = 0;
        loop {
            self.path.push(Seg::Index(i));
            item(self, i)?;
            self.path.pop();
            i += 1;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.error(ErrorKind::Syntax("expected ',' or ']' in an array".into()))),
            }
        }
    }

    /// True (and consumed) when the next value is `null`.
    #[inline]
    pub fn take_null(&mut self) -> Result<bool, Error> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        if self.bytes.get(self.pos..self.pos + 4) == Some(b"null") {
            self.pos += 4;
            Ok(true)
        } else {
            Err(self.error(ErrorKind::Syntax("invalid literal".into())))
        }
    }

    /// Reads a JSON boolean.
    #[inline]
    pub fn read_bool(&mut self) -> Result<bool, Error> {
        match self.peek() {
            Some(b't') if self.bytes.get(self.pos..self.pos + 4) == Some(b"true") => {
                self.pos += 4;
                Ok(true)
            }
            Some(b'f') if self.bytes.get(self.pos..self.pos + 5) == Some(b"false") => {
                self.pos += 5;
                Ok(false)
            }
            _ => Err(self.unexpected("boolean")),
        }
    }

    /// Reads a JSON number and returns its text exactly as written.
    #[inline]
    pub fn read_number(&mut self) -> Result<&'a str, Error> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => {}
            _ => return Err(self.unexpected("number")),
        }
        let start = self.pos;
        let b = self.bytes;
        let mut i = self.pos;
        while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            i += 1;
        }
        let text = &self.src[start..i];
        if !crate::decimal::is_decimal_lexeme(text) {
            return Err(self.error_at(ErrorKind::Syntax(format!("invalid number {text:?}")), start));
        }
        self.pos = i;
        Ok(text)
    }

    /// Reads a non-empty JSON string.
    #[inline]
    pub fn read_string(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("string"));
        }
        let start = self.pos;
        let s = self.read_str_raw()?;
        if s.is_empty() {
            return Err(self.error_at(ErrorKind::EmptyString, start));
        }
        Ok(s)
    }

    /// Reads a string (the reader is on its opening quote); empty strings allowed.
    fn read_str_raw(&mut self) -> Result<Cow<'a, str>, Error> {
        let b = self.bytes;
        let start = self.pos + 1;
        let mut i = start;
        // Skip plain bytes with one table lookup each; only `"`, `\` and control characters stop.
        while i < b.len() && !STRING_STOP[b[i] as usize] {
            i += 1;
        }
        loop {
            match b.get(i) {
                None => return Err(self.error_at(ErrorKind::Syntax("unterminated string".into()), self.pos)),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Cow::Borrowed(&self.src[start..i]));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => {
                    return Err(self.error_at(ErrorKind::Syntax("control character in a string".into()), i))
                }
                Some(_) => i += 1,
            }
        }
        // Slow path: the string has escapes.
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(&self.src[start..i]);
        loop {
            match b.get(i) {
                None => return Err(self.error_at(ErrorKind::Syntax("unterminated string".into()), self.pos)),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc_at = i;
                    let c = match b.get(i + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4(i + 2)?;
                            i += 4;
                            if (0xD800..0xDC00).contains(&hi) {
                                if b.get(i + 2..i + 4) != Some(b"\\u") {
                                    return Err(
                                        self.error_at(ErrorKind::Syntax("lone surrogate in \\u escape".into()), esc_at)
                                    );
                                }
                                let lo = self.hex4(i + 4)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(
                                        self.error_at(ErrorKind::Syntax("invalid surrogate pair".into()), esc_at)
                                    );
                                }
                                i += 6;
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).ok_or_else(|| {
                                    self.error_at(ErrorKind::Syntax("invalid \\u escape".into()), esc_at)
                                })?
                            } else {
                                char::from_u32(hi).ok_or_else(|| {
                                    self.error_at(ErrorKind::Syntax("lone surrogate in \\u escape".into()), esc_at)
                                })?
                            }
                        }
                        _ => return Err(self.error_at(ErrorKind::Syntax("invalid escape".into()), i)),
                    };
                    out.push(c);
                    i += 2;
                }
                Some(&c) if c < 0x20 => {
                    return Err(self.error_at(ErrorKind::Syntax("control character in a string".into()), i))
                }
                Some(_) => {
                    let run_start = i;
                    while i < b.len() && b[i] != b'"' && b[i] != b'\\' && b[i] >= 0x20 {
                        i += 1;
                    }
                    out.push_str(&self.src[run_start..i]);
                }
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, Error> {
        let digits = self
            .bytes
            .get(at..at + 4)
            .ok_or_else(|| self.error_at(ErrorKind::Syntax("short \\u escape".into()), at))?;
        let mut v = 0u32;
        for &d in digits {
            let n = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.error_at(ErrorKind::Syntax("invalid \\u escape".into()), at))?;
            v = v * 16 + n;
        }
        Ok(v)
    }

    /// Skips any value, checking its syntax and depth.
    pub fn skip_value(&mut self) -> Result<(), Error> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.skip_value_inner())
    }

    fn skip_value_inner(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                self.descend()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                loop {
                    if self.peek() != Some(b'"') {
                        return Err(self.error(ErrorKind::Syntax("expected a key string".into())));
                    }
                    self.read_str_raw()?;
                    if self.peek() != Some(b':') {
                        return Err(self.error(ErrorKind::Syntax("expected ':' after a key".into())));
                    }
                    self.pos += 1;
                    self.skip_value()?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            self.depth -= 1;
                            return Ok(());
                        }
                        _ => return Err(self.error(ErrorKind::Syntax("expected ',' or '}' in an object".into()))),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                self.descend()?;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                loop {
                    self.skip_value()?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            self.depth -= 1;
                            return Ok(());
                        }
                        _ => return Err(self.error(ErrorKind::Syntax("expected ',' or ']' in an array".into()))),
                    }
                }
            }
            Some(b'"') => self.read_str_raw().map(drop),
            Some(b't' | b'f') => self.read_bool().map(drop),
            Some(b'n') => self
                .take_null()
                .and_then(|n| if n { Ok(()) } else { Err(self.unexpected("value")) }),
            Some(b'-' | b'0'..=b'9') => self.read_number().map(drop),
            _ => Err(self.unexpected("value")),
        }
    }

    /// Looks ahead in the object at the current position for `resourceType` and returns its
    /// value and the offset of the key; the position is left unchanged.
    pub(crate) fn find_resource_type(&mut self) -> Result<(Cow<'a, str>, usize), Error> {
        let start = self.offset();
        if self.peek() != Some(b'{') {
            return Err(self.unexpected("object (a resource)"));
        }
        // Fast path: resourceType is (nearly always) the first key.
        self.pos += 1;
        let mut found = None;
        if self.peek() == Some(b'"') {
            let key_pos = self.pos;
            let key = self.read_str_raw()?;
            if key == "resourceType" && self.peek() == Some(b':') {
                self.pos += 1;
                found = Some((self.read_string()?, key_pos));
            }
        }
        if found.is_none() {
            self.pos = start;
            self.pos += 1;
            let depth = self.depth;
            loop {
                if self.peek() != Some(b'"') {
                    break;
                }
                let key_pos = self.pos;
                let key = self.read_str_raw()?;
                if self.peek() != Some(b':') {
                    break;
                }
                self.pos += 1;
                if key == "resourceType" {
                    found = Some((self.read_string()?, key_pos));
                    break;
                }
                self.skip_value()?;
                if self.peek() == Some(b',') {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            self.depth = depth;
        }
        self.pos = start;
        found.ok_or_else(|| self.error_at(ErrorKind::MissingResourceType, start))
    }

    /// Reads any JSON value losslessly (numbers keep their text; key order is kept). Duplicate
    /// keys and empty objects, arrays and strings are refused as everywhere in FHIR JSON.
    pub fn read_value(&mut self) -> Result<JsonValue, Error> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.read_value_inner())
    }

    fn read_value_inner(&mut self) -> Result<JsonValue, Error> {
        match self.peek() {
            Some(b'{') => {
                let mut fields: Vec<(String, JsonValue)> = Vec::new();
                self.read_object(|r, key, key_pos| {
                    if fields.iter().any(|(k, _)| k == key) {
                        return Err(r.error_at(ErrorKind::DuplicateKey(key.to_owned()), key_pos));
                    }
                    let v = r.read_value()?;
                    fields.push((key.to_owned(), v));
                    Ok(true)
                })?;
                Ok(JsonValue::Object(fields))
            }
            Some(b'[') => {
                let mut items = Vec::new();
                self.read_array(|r, _| {
                    items.push(r.read_value()?);
                    Ok(())
                })?;
                Ok(JsonValue::Array(items))
            }
            Some(b'"') => Ok(JsonValue::String(self.read_string()?.into_owned())),
            Some(b't' | b'f') => Ok(JsonValue::Bool(self.read_bool()?)),
            Some(b'n') => {
                if self.take_null()? {
                    Ok(JsonValue::Null)
                } else {
                    Err(self.unexpected("value"))
                }
            }
            Some(b'-' | b'0'..=b'9') => Ok(JsonValue::Number(self.read_number()?.to_owned())),
            _ => Err(self.unexpected("value")),
        }
    }
}
