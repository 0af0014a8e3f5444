//! Writes FHIR JSON.

use super::value::JsonValue;

/// Builds FHIR JSON text. Generated code drives it element by element.
pub struct JsonWriter {
    out: String,
    pretty: bool,
    /// One entry per open object or array: whether it has an item yet.
    stack: Vec<bool>,
    /// Resource types that could not be written as JSON (unmodelled resources read from XML).
    unwritable: Vec<String>,
}

impl JsonWriter {
    /// A writer; `pretty` indents with two spaces.
    pub fn new(pretty: bool) -> Self {
        JsonWriter {
            out: String::with_capacity(4096),
            pretty,
            stack: Vec::with_capacity(32),
            unwritable: Vec::new(),
        }
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    /// The text written, or the resource types that could not be written as JSON.
    pub fn finish_checked(self) -> Result<String, Vec<String>> {
        if self.unwritable.is_empty() {
            Ok(self.out)
        } else {
            Err(self.unwritable)
        }
    }

    /// Records that a resource of `resource_type` could not be written (its content exists only
    /// in another format).
    pub fn mark_unwritable(&mut self, resource_type: &str) {
        self.unwritable.push(resource_type.to_owned());
    }

    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.stack.len() {
                self.out.push_str("  ");
            }
        }
    }

    #[inline]
    fn item(&mut self) {
        if let Some(has) = self.stack.last_mut() {
            if *has {
                self.out.push(',');
            }
            *has = true;
        }
        self.newline();
    }

    /// Opens an object (as a value).
    #[inline]
    pub fn begin_object(&mut self) {
        self.out.push('{');
        self.stack.push(false);
    }

    /// Closes the current object.
    #[inline]
    pub fn end_object(&mut self) {
        let had = self.stack.pop().unwrap_or(false);
        if had {
            self.newline();
        }
        self.out.push('}');
    }

    /// Opens an array (as a value).
    #[inline]
    pub fn begin_array(&mut self) {
        self.out.push('[');
        self.stack.push(false);
    }

    /// Closes the current array.
    #[inline]
    pub fn end_array(&mut self) {
        let had = self.stack.pop().unwrap_or(false);
        if had {
            self.newline();
        }
        self.out.push(']');
    }

    /// Writes an object key; the value must follow.
    #[inline]
    pub fn key(&mut self, name: &str) {
        self.item();
        self.string(name);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
    }

    /// Starts an array element; the value must follow.
    #[inline]
    pub fn array_item(&mut self) {
        self.item();
    }

    /// Writes a JSON string with escaping.
    #[inline]
    pub fn string(&mut self, s: &str) {
        self.out.push('"');
        let b = s.as_bytes();
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            let esc: &str = match c {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(&s[start..i]);
            if esc.is_empty() {
                self.out.push_str(&format!("\\u{c:04x}"));
            } else {
                self.out.push_str(esc);
            }
            start = i + 1;
        }
        self.out.push_str(&s[start..]);
        self.out.push('"');
    }

    /// Writes text verbatim (numbers, literals).
    #[inline]
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// Writes a lossless JSON value.
    pub fn value(&mut self, v: &JsonValue) {
        match v {
            JsonValue::Null => self.raw("null"),
            JsonValue::Bool(b) => self.raw(if *b { "true" } else { "false" }),
            JsonValue::Number(n) => self.raw(n),
            JsonValue::String(s) => self.string(s),
            JsonValue::Array(items) => {
                self.begin_array();
                for item in items {
                    self.array_item();
                    self.value(item);
                }
                self.end_array();
            }
            JsonValue::Object(fields) => {
                self.begin_object();
                for (k, v) in fields {
                    self.key(k);
                    self.value(v);
                }
                self.end_object();
            }
        }
    }
}
