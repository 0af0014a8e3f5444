//! Writes FHIR XML.

use super::error::{Error, ErrorKind};
use super::reader::FHIR_NS;
use super::text::escape_into;

/// What the writer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// XML output.
    Xml,
    /// Output discarded: only checks that the value can be written as JSON (no resource kept
    /// as XML only).
    JsonCheck,
}

/// Builds FHIR XML text. Generated code drives it element by element; the first problem (a
/// character XML cannot carry, a narrative that is not XHTML, a resource kept only as JSON) is
/// kept and returned by `finish`.
pub struct XmlWriter {
    out: String,
    pretty: bool,
    /// The last start tag is still open (attributes may follow).
    open: bool,
    depth: usize,
    /// The next start tag is the root: it declares the FHIR namespace.
    declare_root: bool,
    path: Vec<&'static str>,
    error: Option<Error>,
    pub(crate) target: Target,
}

impl XmlWriter {
    /// A writer; `pretty` indents with two spaces.
    pub(crate) fn new(pretty: bool, target: Target) -> Self {
        XmlWriter {
            out: String::with_capacity(4096),
            pretty,
            open: false,
            depth: 0,
            declare_root: true,
            path: Vec::with_capacity(32),
            error: None,
            target,
        }
    }

    /// The text written, or the first problem met.
    pub(crate) fn finish(self) -> Result<String, Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.out),
        }
    }

    /// Records a problem at the current element path (the first one wins).
    #[cold]
    pub(crate) fn fail(&mut self, kind: ErrorKind) {
        if self.error.is_none() {
            self.error = Some(Error::new(kind, self.path.join("."), 0));
        }
    }

    /// Records a problem in element `name` below the current path.
    #[cold]
    pub(crate) fn fail_in(&mut self, name: &'static str, kind: ErrorKind) {
        self.path.push(name);
        self.fail(kind);
        self.path.pop();
    }

    #[inline]
    fn close_open(&mut self) {
        if self.open {
            self.out.push('>');
            self.open = false;
        }
    }

    #[inline]
    fn indent(&mut self) {
        if self.pretty && !self.out.is_empty() {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    /// Opens element `name` (attributes may follow).
    #[inline]
    pub(crate) fn start(&mut self, name: &'static str) {
        self.path.push(name);
        self.open_tag(name);
    }

    /// Closes element `name` opened with [`start`](Self::start).
    #[inline]
    pub(crate) fn end(&mut self, name: &'static str) {
        self.path.pop();
        self.close_tag(name);
    }

    /// True when the next start tag is the document's root.
    pub(crate) fn at_root(&self) -> bool {
        self.declare_root
    }

    #[inline]
    fn open_tag(&mut self, name: &str) {
        self.close_open();
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        if self.declare_root {
            self.out.push_str(" xmlns=\"");
            self.out.push_str(FHIR_NS);
            self.out.push('"');
            self.declare_root = false;
        }
        self.open = true;
        self.depth += 1;
    }

    #[inline]
    fn close_tag(&mut self, name: &str) {
        self.depth -= 1;
        if self.open {
            self.out.push_str("/>");
            self.open = false;
        } else {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// Writes an attribute of the open start tag, escaping its value.
    #[inline]
    pub(crate) fn attr(&mut self, name: &str, value: &str) {
        self.attr_start(name);
        if let Err(c) = escape_into(&mut self.out, value, true) {
            self.bad_char(c);
        }
        self.attr_end();
    }

    /// Writes an attribute whose value needs no escaping (numbers, booleans, decimals).
    #[inline]
    pub(crate) fn attr_trusted(&mut self, name: &str, value: &str) {
        self.attr_start(name);
        self.out.push_str(value);
        self.attr_end();
    }

    #[inline]
    pub(crate) fn attr_start(&mut self, name: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
    }

    #[inline]
    pub(crate) fn attr_end(&mut self) {
        self.out.push('"');
    }

    /// Writes a complete element given as XML text, which declares its namespaces itself when it
    /// is the document's root.
    pub(crate) fn raw_root(&mut self, xml: &str) {
        self.raw_element(xml);
        self.declare_root = false;
    }

    /// Writes a complete element given as XML text, on its own line when pretty.
    pub(crate) fn raw_element(&mut self, xml: &str) {
        self.close_open();
        self.indent();
        self.out.push_str(xml);
    }

    #[cold]
    fn bad_char(&mut self, c: char) {
        self.fail(ErrorKind::InvalidCharacter(format!(
            "U+{:04X}, which XML 1.0 cannot carry",
            c as u32
        )));
    }

    /// Writes `value` for numbers.
    #[inline]
    pub(crate) fn attr_display(&mut self, name: &str, v: impl std::fmt::Display) {
        use std::fmt::Write as _;
        self.attr_start(name);
        let _ = write!(self.out, "{v}");
        self.attr_end();
    }
}
