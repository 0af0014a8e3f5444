//! A pull reader over FHIR XML, on quick-xml.
//!
//! quick-xml tokenizes; this reader adds what FHIR needs on top: namespaces resolved per element,
//! the element path and the line and column in every error, a bound on nesting, refusal of
//! document type declarations (and with them every entity declaration) and of references to
//! any entity but the five predefined ones. Generated code drives it element by element.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::error::{line_column, Error, ErrorKind, Warning};
use super::text;
use super::Options;

/// The FHIR namespace (R4 XML: "FHIR elements are always in the namespace http://hl7.org/fhir").
pub const FHIR_NS: &str = "http://hl7.org/fhir";
/// The XHTML namespace of `Narrative.div`.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// Stack left below which a new segment is allocated before descending.
const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of each heap-allocated stack segment.
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, one element deeper. Nesting is bounded by `max_depth`, but a generated reader's
/// frames can be large (notably in debug builds), so the stack is grown on the heap when it
/// runs low rather than overflowing on a deep but permitted document.
#[inline]
pub(crate) fn descend<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}

/// The namespace bound to the `xml` prefix (Namespaces in XML 1.0 §3).
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The namespace of an element. Namespaces other than FHIR's and XHTML's are interned in the
/// reader (`Other` holds the index), so that the value is `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace.
    None,
    /// `http://hl7.org/fhir`
    Fhir,
    /// `http://www.w3.org/1999/xhtml`
    Xhtml,
    /// `http://www.w3.org/XML/1998/namespace`, bound to the `xml` prefix.
    Xml,
    /// Any other, by index into the reader's table.
    Other(u32),
}

/// An attribute as written: its qualified name, its raw (still escaped) value and where the
/// value starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawAttr<'a> {
    pub(crate) name: &'a str,
    /// Where the name starts.
    pub(crate) name_at: usize,
    pub(crate) raw: &'a str,
    pub(crate) at: usize,
    /// `xmlns` or `xmlns:prefix`.
    pub(crate) ns_decl: bool,
}

/// The start tag of an element.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    pub(crate) name: &'a str,
    pub(crate) qname: &'a str,
    pub(crate) ns: Ns,
    pub(crate) empty: bool,
    pub(crate) at: usize,
    pub(crate) depth: usize,
    attrs: (usize, usize),
    generation: u64,
}

impl<'a> Start<'a> {
    /// The element's local name.
    #[inline]
    pub fn name(&self) -> &'a str {
        self.name
    }
}

/// One item of an element's content.
pub(crate) enum Item<'a> {
    Start(Start<'a>),
    /// Character data as written (still escaped), and its offset.
    Text(&'a str, usize),
    /// A CDATA section's content (literal), and the offset of the content.
    CData(&'a str, usize),
    /// A comment's content, and the offset of the content.
    Comment(&'a str, usize),
}

#[derive(Debug, Clone, Copy)]
enum Seg {
    Name(&'static str),
    Item(&'static str, usize),
}

/// Reads one FHIR XML document.
pub struct XmlReader<'a> {
    src: &'a str,
    xml: Reader<&'a [u8]>,
    depth: usize,
    path: Vec<Seg>,
    opts: Options,
    warnings: Vec<Warning>,
    /// Default-namespace declarations in scope: (depth of the declaring element, namespace).
    defaults: Vec<(usize, Ns)>,
    /// Prefix declarations in scope: (depth, prefix, namespace).
    prefixes: Vec<(usize, &'a str, Ns)>,
    /// Attributes of the start tag read last.
    attrs: Vec<RawAttr<'a>>,
    /// Namespaces other than FHIR's and XHTML's met so far (`Ns::Other` indexes it).
    other_ns: Vec<Box<str>>,
    generation: u64,
}

impl<'a> XmlReader<'a> {
    /// A reader over `src` (already known to be UTF-8).
    pub(crate) fn new(src: &'a str, opts: Options) -> Self {
        let mut xml = Reader::from_str(src);
        let config = xml.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        XmlReader {
            src,
            xml,
            depth: 0,
            path: Vec::with_capacity(32),
            opts,
            warnings: Vec::new(),
            defaults: Vec::with_capacity(4),
            prefixes: Vec::new(),
            attrs: Vec::with_capacity(8),
            other_ns: Vec::new(),
            generation: 0,
        }
    }

    pub(crate) fn into_warnings(self) -> Vec<Warning> {
        self.warnings
    }

    /// True when the reader refuses unknown elements, attributes and codes.
    #[inline]
    pub(crate) fn strict(&self) -> bool {
        !self.opts.lenient
    }

    fn path_string(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            let (name, index) = match *seg {
                Seg::Name(n) => (n, None),
                Seg::Item(n, i) => (n, Some(i)),
            };
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
            if let Some(i) = index {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
        out
    }

    /// An error at byte `offset` at the current element path.
    #[cold]
    pub(crate) fn error_at(&self, kind: ErrorKind, offset: usize) -> Error {
        Error::new(kind, self.path_string(), offset).locate(self.src.as_bytes())
    }

    /// Records a warning (lenient mode) at `offset`.
    #[cold]
    pub(crate) fn warn(&mut self, kind: ErrorKind, offset: usize) {
        let (line, column) = line_column(self.src.as_bytes(), offset);
        self.warnings.push(Warning {
            kind,
            path: self.path_string(),
            line,
            column,
        });
    }

    /// Strict mode: the error; lenient mode: a warning.
    pub(crate) fn refuse_or_warn(&mut self, kind: ErrorKind, offset: usize) -> Result<(), Error> {
        if self.strict() {
            Err(self.error_at(kind, offset))
        } else {
            self.warn(kind, offset);
            Ok(())
        }
    }

    /// Enters element `name` for error paths.
    #[inline]
    pub(crate) fn enter(&mut self, name: &'static str) {
        self.path.push(Seg::Name(name));
    }

    /// Enters item `index` of the repeating element `name`.
    #[inline]
    pub(crate) fn enter_item(&mut self, name: &'static str, index: usize) {
        self.path.push(Seg::Item(name, index));
    }

    /// Leaves the element entered last.
    #[inline]
    pub(crate) fn leave(&mut self) {
        self.path.pop();
    }

    /// The part of the source `bytes` (a slice of it) covers, and its offset.
    #[inline]
    fn source_of(&self, bytes: &[u8]) -> Option<(&'a str, usize)> {
        let base = self.src.as_ptr() as usize;
        let p = bytes.as_ptr() as usize;
        let offset = p.checked_sub(base)?;
        self.src.get(offset..offset + bytes.len()).map(|s| (s, offset))
    }

    #[cold]
    fn syntax(&self, e: quick_xml::Error) -> Error {
        let at = self.xml.error_position() as usize;
        self.error_at(ErrorKind::Syntax(e.to_string()), at)
    }

    /// The offset of the next event.
    #[inline]
    fn position(&self) -> usize {
        self.xml.buffer_position() as usize
    }

    /// The byte offset the reader has reached.
    pub(crate) fn offset(&self) -> usize {
        self.position()
    }

    /// The namespace named `uri`.
    fn classify(&mut self, uri: &str) -> Ns {
        match uri {
            "" => Ns::None,
            FHIR_NS => Ns::Fhir,
            XHTML_NS => Ns::Xhtml,
            other => match self.other_ns.iter().position(|u| &**u == other) {
                Some(i) => Ns::Other(i as u32),
                None => {
                    self.other_ns.push(other.into());
                    Ns::Other(self.other_ns.len() as u32 - 1)
                }
            },
        }
    }

    /// The URI of `ns`.
    pub(crate) fn ns_uri(&self, ns: Ns) -> &str {
        match ns {
            Ns::None => "",
            Ns::Fhir => FHIR_NS,
            Ns::Xhtml => XHTML_NS,
            Ns::Xml => XML_NS,
            Ns::Other(i) => self.other_ns.get(i as usize).map_or("", |u| u),
        }
    }

    /// Whether whitespace-only text between elements is skipped by the tokenizer (FHIR content)
    /// or reported (XHTML, where it is content). Returns the previous setting.
    #[inline]
    pub(crate) fn set_skip_whitespace(&mut self, skip: bool) -> bool {
        let config = self.xml.config_mut();
        std::mem::replace(&mut config.trim_text_start, skip)
    }

    /// Resolves a start tag: namespace declarations, namespace, depth; keeps its attributes.
    fn start(&mut self, e: BytesStart<'_>, empty: bool) -> Result<Start<'a>, Error> {
        let fallback = self.position();
        let (qname, name_at) = self
            .source_of(e.name().into_inner())
            .ok_or_else(|| self.error_at(ErrorKind::Syntax("element name".into()), fallback))?;
        // `<` immediately precedes the name (XML 1.0 §3.1 STag).
        let at = name_at.saturating_sub(1);
        let depth = self.depth + 1;
        if depth > self.opts.max_depth {
            return Err(self.error_at(ErrorKind::TooDeep(self.opts.max_depth), at));
        }
        self.generation += 1;
        self.attrs.clear();
        let (raw, base) = self
            .source_of(e.attributes_raw())
            .ok_or_else(|| self.error_at(ErrorKind::Syntax("attributes".into()), at))?;
        if !raw.is_empty() {
            self.attributes(raw, base, depth)?;
        }
        let (ns, name) = match qname.bytes().position(|b| b == b':') {
            None => (self.defaults.last().map_or(Ns::None, |&(_, ns)| ns), qname),
            Some(colon) => {
                let prefix = &qname[..colon];
                match self.prefix_ns(prefix) {
                    Some(ns) => (ns, &qname[colon + 1..]),
                    None => return Err(self.error_at(ErrorKind::UnboundPrefix(prefix.to_owned()), at)),
                }
            }
        };
        if empty {
            self.pop_scope(depth);
        } else {
            self.depth = depth;
        }
        Ok(Start {
            name,
            qname,
            ns,
            empty,
            at,
            depth,
            attrs: (0, self.attrs.len()),
            generation: self.generation,
        })
    }

    /// Scans the attributes of a start tag (XML 1.0 §3.1: `S Name Eq AttValue`, unique names,
    /// no `<` in values), keeping them raw and applying namespace declarations.
    fn attributes(&mut self, raw: &'a str, base: usize, depth: usize) -> Result<(), Error> {
        let b = raw.as_bytes();
        let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
        let mut i = 0;
        loop {
            let gap = i;
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            if i == b.len() {
                return Ok(());
            }
            let bad = |r: &Self, what: &str, at: usize| r.error_at(ErrorKind::Syntax(what.to_owned()), base + at);
            if i == gap {
                return Err(bad(self, "expected whitespace before an attribute", i));
            }
            let name_start = i;
            while i < b.len() && !ws(b[i]) && b[i] != b'=' {
                if matches!(b[i], b'<' | b'>' | b'"' | b'\'' | b'&' | b'/') {
                    return Err(bad(self, "invalid character in an attribute name", i));
                }
                i += 1;
            }
            let name = &raw[name_start..i];
            if name.is_empty() {
                return Err(bad(self, "expected an attribute name", i));
            }
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            if b.get(i) != Some(&b'=') {
                return Err(bad(self, "expected '=' after an attribute name", i));
            }
            i += 1;
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            let quote = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => return Err(bad(self, "expected a quoted attribute value", i)),
            };
            i += 1;
            let value_start = i;
            // Values are short: one pass finds the closing quote and refuses `<`.
            let Some(len) = b[value_start..].iter().position(|&c| c == quote || c == b'<') else {
                return Err(bad(self, "unterminated attribute value", value_start));
            };
            if b[value_start + len] == b'<' {
                return Err(bad(self, "'<' in an attribute value", value_start + len));
            }
            let value = &raw[value_start..value_start + len];
            i = value_start + len + 1;
            if self.attrs.iter().any(|a| a.name == name) {
                return Err(self.error_at(
                    ErrorKind::Syntax(format!("attribute {name:?} appears twice")),
                    base + name_start,
                ));
            }
            let value_at = base + value_start;
            let ns_decl = if name == "xmlns" {
                let uri = self.decode(value, true, value_at)?;
                let ns = self.classify(&uri);
                self.defaults.push((depth, ns));
                true
            } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                let uri = self.decode(value, true, value_at)?;
                if uri.is_empty() {
                    return Err(self.error_at(
                        ErrorKind::Syntax(format!("namespace prefix {prefix:?} bound to no namespace")),
                        value_at,
                    ));
                }
                let ns = self.classify(&uri);
                self.prefixes.push((depth, prefix, ns));
                true
            } else {
                false
            };
            self.attrs.push(RawAttr {
                name,
                name_at: base + name_start,
                raw: value,
                at: value_at,
                ns_decl,
            });
        }
    }

    /// The namespace bound to `prefix`, if any.
    pub(crate) fn prefix_ns(&self, prefix: &str) -> Option<Ns> {
        if prefix == "xml" {
            return Some(Ns::Xml);
        }
        self.prefixes
            .iter()
            .rev()
            .find(|(_, p, _)| *p == prefix)
            .map(|&(_, _, ns)| ns)
    }

    /// The depth of the element that declared `prefix` (0 for `xml`, which needs no declaration).
    pub(crate) fn prefix_depth(&self, prefix: &str) -> Option<usize> {
        if prefix == "xml" {
            return Some(usize::MAX);
        }
        self.prefixes
            .iter()
            .rev()
            .find(|(_, p, _)| *p == prefix)
            .map(|(d, _, _)| *d)
    }

    #[inline]
    fn pop_scope(&mut self, depth: usize) {
        while self.defaults.last().is_some_and(|(d, _)| *d >= depth) {
            self.defaults.pop();
        }
        while self.prefixes.last().is_some_and(|(d, _, _)| *d >= depth) {
            self.prefixes.pop();
        }
    }

    /// Decodes character data or an attribute value starting at `at`.
    #[inline]
    pub(crate) fn decode(&self, raw: &'a str, attr: bool, at: usize) -> Result<Cow<'a, str>, Error> {
        text::decode(raw, attr).map_err(|(kind, rel)| self.error_at(kind, at + rel))
    }

    /// The attributes of `e` (which must be the start tag read last).
    #[inline]
    pub(crate) fn attrs(&self, e: &Start<'a>) -> &[RawAttr<'a>] {
        debug_assert_eq!(
            e.generation, self.generation,
            "attributes read after the next start tag"
        );
        if e.generation != self.generation {
            return &[];
        }
        &self.attrs[e.attrs.0..e.attrs.1]
    }

    /// The attribute `i` of `e`.
    #[inline]
    pub(crate) fn attr(&self, e: &Start<'a>, i: usize) -> RawAttr<'a> {
        self.attrs(e)[i]
    }

    /// Number of attributes of `e`.
    #[inline]
    pub(crate) fn attr_count(&self, e: &Start<'a>) -> usize {
        self.attrs(e).len()
    }

    /// The error for an event that cannot appear in element content.
    #[cold]
    fn content_error(&self, event: Result<Event<'_>, quick_xml::Error>, at: usize, parent: &Start<'a>) -> Error {
        match event {
            Ok(Event::PI(p)) => self.error_at(
                ErrorKind::ProcessingInstruction(String::from_utf8_lossy(&p).into_owned()),
                at,
            ),
            Ok(Event::Decl(_)) => self.error_at(
                ErrorKind::Syntax("an XML declaration is only allowed at the start".into()),
                at,
            ),
            Ok(Event::DocType(_)) => self.error_at(ErrorKind::Doctype, at),
            Ok(Event::Eof) => self.error_at(
                ErrorKind::Syntax(format!(
                    "expected the end tag </{}>, found the end of input",
                    parent.qname
                )),
                at,
            ),
            Ok(_) => self.error_at(ErrorKind::Syntax("unexpected markup".into()), at),
            Err(e) => self.syntax(e),
        }
    }

    /// The next item of `parent`'s content, or `None` at its end tag.
    pub(crate) fn next_item(&mut self, parent: &Start<'a>) -> Result<Option<Item<'a>>, Error> {
        if parent.empty {
            return Ok(None);
        }
        let at = self.position();
        match self.xml.read_event() {
            Ok(Event::Start(e)) => self.start(e, false).map(|s| Some(Item::Start(s))),
            Ok(Event::Empty(e)) => self.start(e, true).map(|s| Some(Item::Start(s))),
            Ok(Event::End(_)) => {
                self.pop_scope(self.depth);
                self.depth -= 1;
                Ok(None)
            }
            Ok(Event::Text(t)) => {
                let (raw, at) = self
                    .source_of(&t)
                    .ok_or_else(|| self.error_at(ErrorKind::Syntax("text".into()), at))?;
                Ok(Some(Item::Text(raw, at)))
            }
            Ok(Event::CData(t)) => {
                let (raw, at) = self
                    .source_of(&t)
                    .ok_or_else(|| self.error_at(ErrorKind::Syntax("CDATA".into()), at))?;
                Ok(Some(Item::CData(raw, at)))
            }
            Ok(Event::Comment(t)) => {
                let (raw, at) = self
                    .source_of(&t)
                    .ok_or_else(|| self.error_at(ErrorKind::Syntax("comment".into()), at))?;
                Ok(Some(Item::Comment(raw, at)))
            }
            other => Err(self.content_error(other, at, parent)),
        }
    }

    /// The next child element of `parent` (FHIR content: comments and whitespace are skipped,
    /// other text is refused), or `None` at its end tag.
    #[inline]
    pub(crate) fn next_child(&mut self, parent: &Start<'a>) -> Result<Option<Start<'a>>, Error> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            let at = self.position();
            let s = match self.xml.read_event() {
                Ok(Event::Start(e)) => self.start(e, false)?,
                Ok(Event::Empty(e)) => self.start(e, true)?,
                Ok(Event::End(_)) => {
                    self.pop_scope(self.depth);
                    self.depth -= 1;
                    return Ok(None);
                }
                Ok(Event::Text(t)) => {
                    if let Some(i) = t.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
                        let at = self.source_of(&t).map_or(at, |(_, o)| o);
                        return Err(self.error_at(ErrorKind::UnexpectedText, at + i));
                    }
                    continue;
                }
                Ok(Event::Comment(_)) => continue,
                Ok(Event::CData(t)) => {
                    let at = self.source_of(&t).map_or(at, |(_, o)| o);
                    return Err(self.error_at(ErrorKind::UnexpectedText, at));
                }
                other => return Err(self.content_error(other, at, parent)),
            };
            if s.ns != Ns::Fhir && !(s.ns == Ns::Xhtml && s.name == "div") {
                return Err(self.namespace_error(&s));
            }
            return Ok(Some(s));
        }
    }

    #[cold]
    pub(crate) fn namespace_error(&self, s: &Start<'a>) -> Error {
        let kind = match s.ns {
            Ns::None => ErrorKind::MissingNamespace(s.name.to_owned()),
            other => ErrorKind::WrongNamespace {
                expected: FHIR_NS,
                found: self.ns_uri(other).to_owned(),
            },
        };
        self.error_at(kind, s.at)
    }

    /// Reads the prolog (an optional XML declaration, comments, whitespace) and the root start tag.
    pub(crate) fn root(&mut self) -> Result<Start<'a>, Error> {
        let mut first = true;
        loop {
            let at = self.position();
            let event = self.xml.read_event();
            match event {
                Ok(Event::Decl(d)) if first => {
                    if let Some(enc) = d.encoding() {
                        let enc = enc.map_err(|e| self.error_at(ErrorKind::Syntax(e.to_string()), at))?;
                        let enc = String::from_utf8_lossy(&enc).into_owned();
                        if !enc.eq_ignore_ascii_case("utf-8") {
                            return Err(self.error_at(ErrorKind::UnsupportedEncoding(enc), at));
                        }
                    }
                    let version = d
                        .version()
                        .map_err(|e| self.error_at(ErrorKind::Syntax(e.to_string()), at))?;
                    if version.as_ref() != b"1.0" {
                        return Err(self.error_at(
                            ErrorKind::Syntax(format!(
                                "expected XML version 1.0, found {}",
                                String::from_utf8_lossy(&version)
                            )),
                            at,
                        ));
                    }
                }
                Ok(Event::Start(e)) => return self.start(e, false),
                Ok(Event::Empty(e)) => return self.start(e, true),
                Ok(Event::Text(t)) => {
                    if let Some(i) = t.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
                        return Err(self.error_at(ErrorKind::UnexpectedText, at + i));
                    }
                }
                Ok(Event::Comment(_)) => {}
                Ok(Event::DocType(_)) => return Err(self.error_at(ErrorKind::Doctype, at)),
                Ok(Event::PI(p)) => {
                    return Err(self.error_at(
                        ErrorKind::ProcessingInstruction(String::from_utf8_lossy(&p).into_owned()),
                        at,
                    ))
                }
                Ok(Event::Decl(_)) => {
                    return Err(self.error_at(
                        ErrorKind::Syntax("an XML declaration is only allowed at the start".into()),
                        at,
                    ))
                }
                Ok(Event::CData(t)) => {
                    let at = self.source_of(&t).map_or(at, |(_, o)| o);
                    return Err(self.error_at(ErrorKind::UnexpectedText, at));
                }
                Ok(Event::End(_)) => {
                    return Err(self.error_at(ErrorKind::Syntax("an end tag before the root element".into()), at))
                }
                Ok(Event::Eof) => {
                    return Err(self.error_at(ErrorKind::Syntax("expected a root element, found none".into()), at))
                }
                Err(e) => return Err(self.syntax(e)),
            }
            first = false;
        }
    }

    /// The root start tag, which must be in the FHIR namespace.
    pub(crate) fn fhir_root(&mut self) -> Result<Start<'a>, Error> {
        let root = self.root()?;
        if root.ns != Ns::Fhir {
            return Err(self.namespace_error(&root));
        }
        // Whitespace between FHIR elements carries nothing: the tokenizer skips it.
        self.set_skip_whitespace(true);
        Ok(root)
    }

    /// Fails unless only comments and whitespace follow the root element.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        self.set_skip_whitespace(false);
        loop {
            let at = self.position();
            match self.xml.read_event() {
                Ok(Event::Eof) => return Ok(()),
                Ok(Event::Comment(_)) => {}
                Ok(Event::Text(t)) if t.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) => {}
                Ok(Event::DocType(_)) => return Err(self.error_at(ErrorKind::Doctype, at)),
                Ok(Event::PI(p)) => {
                    return Err(self.error_at(
                        ErrorKind::ProcessingInstruction(String::from_utf8_lossy(&p).into_owned()),
                        at,
                    ))
                }
                Ok(_) => {
                    return Err(self.error_at(
                        ErrorKind::Syntax("expected the end of the document after the root element".into()),
                        at,
                    ))
                }
                Err(e) => return Err(self.syntax(e)),
            }
        }
    }

    /// Reads the rest of element `e` (its start tag was read last) as FHIR content kept as text:
    /// checks it (well-formed, FHIR or XHTML elements, text only in XHTML, only predefined
    /// entities, namespace prefixes declared inside it) and returns its text and the value of
    /// its `id` child.
    pub(crate) fn keep(&mut self, e: &Start<'a>) -> Result<(&'a str, Option<String>), Error> {
        let mut id = None;
        self.check_prefix_inside(e.qname, e.depth, e.at)?;
        self.check_kept(e, e.depth, &mut id)?;
        let end = self.position();
        let text = self
            .src
            .get(e.at..end)
            .ok_or_else(|| self.error_at(ErrorKind::Syntax("element text".into()), e.at))?;
        Ok((text, id))
    }

    fn check_kept(&mut self, e: &Start<'a>, root_depth: usize, id: &mut Option<String>) -> Result<(), Error> {
        let xhtml = e.ns == Ns::Xhtml;
        for i in 0..self.attr_count(e) {
            let a = self.attr(e, i);
            self.check_prefix_inside(a.name, root_depth, a.name_at)?;
            if !a.ns_decl {
                self.decode(a.raw, true, a.at)?;
            }
        }
        while let Some(item) = self.next_item(e)? {
            match item {
                Item::Start(s) => {
                    self.check_prefix_inside(s.qname, root_depth, s.at)?;
                    if !xhtml && !matches!(s.ns, Ns::Fhir | Ns::Xhtml) {
                        return Err(self.namespace_error(&s));
                    }
                    if s.depth == root_depth + 1 && s.name == "id" && s.ns == Ns::Fhir {
                        if let Some(a) = self.attrs(&s).iter().find(|a| a.name == "value").copied() {
                            *id = Some(self.decode(a.raw, true, a.at)?.into_owned());
                        }
                    }
                    descend(|| self.check_kept(&s, root_depth, id))?;
                }
                Item::Text(raw, at) => {
                    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
                    if !xhtml {
                        if let Some(i) = raw.bytes().position(|b| !ws(b)) {
                            return Err(self.error_at(ErrorKind::UnexpectedText, at + i));
                        }
                        continue;
                    }
                    if let Some(i) = raw.find("]]>") {
                        return Err(self.error_at(ErrorKind::Syntax("\"]]>\" in text".into()), at + i));
                    }
                    self.decode(raw, false, at)?;
                }
                Item::CData(raw, at) => {
                    if !xhtml {
                        return Err(self.error_at(ErrorKind::UnexpectedText, at));
                    }
                    text::normalize_literal(raw).map_err(|(k, i)| self.error_at(k, at + i))?;
                }
                Item::Comment(raw, at) => {
                    text::normalize_literal(raw).map_err(|(k, i)| self.error_at(k, at + i))?;
                }
            }
        }
        Ok(())
    }

    /// Fails unless the prefix of `qname` (if any) is `xml`, `xmlns` or declared at or below
    /// `root_depth`.
    pub(crate) fn check_prefix_inside(&self, qname: &'a str, root_depth: usize, at: usize) -> Result<(), Error> {
        let Some((prefix, _)) = qname.split_once(':') else {
            return Ok(());
        };
        if prefix == "xmlns" || self.prefix_depth(prefix).is_some_and(|d| d >= root_depth) {
            return Ok(());
        }
        Err(self.error_at(
            ErrorKind::Syntax(format!(
                "{qname:?} uses a namespace prefix declared outside the element kept (it must stand on its own)"
            )),
            at,
        ))
    }

    /// Skips the rest of element `e` (its start tag was read last), checking well-formedness
    /// and depth.
    pub(crate) fn skip(&mut self, e: &Start<'a>) -> Result<(), Error> {
        if e.empty {
            return Ok(());
        }
        let mut open = 1usize;
        while open > 0 {
            let at = self.position();
            match self.xml.read_event() {
                Ok(Event::Start(s)) => {
                    self.start(s, false)?;
                    open += 1;
                }
                Ok(Event::Empty(s)) => {
                    self.start(s, true)?;
                }
                Ok(Event::End(_)) => {
                    self.pop_scope(self.depth);
                    self.depth -= 1;
                    open -= 1;
                }
                Ok(Event::Text(t)) => {
                    let (raw, at) = self
                        .source_of(&t)
                        .ok_or_else(|| self.error_at(ErrorKind::Syntax("text".into()), at))?;
                    self.decode(raw, false, at)?;
                }
                Ok(Event::CData(_) | Event::Comment(_)) => {}
                Ok(Event::PI(p)) => {
                    return Err(self.error_at(
                        ErrorKind::ProcessingInstruction(String::from_utf8_lossy(&p).into_owned()),
                        at,
                    ))
                }
                Ok(Event::Decl(_)) => {
                    return Err(self.error_at(
                        ErrorKind::Syntax("an XML declaration is only allowed at the start".into()),
                        at,
                    ))
                }
                Ok(Event::DocType(_)) => return Err(self.error_at(ErrorKind::Doctype, at)),
                Ok(Event::Eof) => {
                    return Err(self.error_at(
                        ErrorKind::Syntax(format!("expected the end tag </{}>, found the end of input", e.qname)),
                        at,
                    ))
                }
                Err(err) => return Err(self.syntax(err)),
            }
        }
        Ok(())
    }

    /// An element the definition does not have: refused in strict mode; in lenient mode reported
    /// and skipped.
    #[cold]
    pub(crate) fn unknown_element(&mut self, c: &Start<'a>) -> Result<(), Error> {
        self.refuse_or_warn(ErrorKind::UnknownElement(c.name.to_owned()), c.at)?;
        self.skip(c)
    }

    /// An attribute the definition does not have: refused in strict mode, reported and dropped
    /// in lenient mode. A `value` attribute on a complex element is always refused.
    #[cold]
    pub(crate) fn unknown_attribute(&mut self, e: &Start<'a>, a: &RawAttr<'a>) -> Result<(), Error> {
        if a.name == "value" {
            return Err(self.error_at(ErrorKind::ValueOnComplex(e.name.to_owned()), a.name_at));
        }
        self.refuse_or_warn(ErrorKind::UnknownAttribute(a.name.to_owned()), a.name_at)
    }
}
