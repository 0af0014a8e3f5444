//! A pull reader over FHIR XML, on quick-xml.
//!
//! quick-xml tokenizes; this reader adds what FHIR needs on top: namespaces resolved per element,
//! the element path and the line and column in every error, a bound on nesting, refusal of
//! document type declarations (and with them every entity declaration) and of references to
//! any entity but the five predefined ones. Generated code drives it element by element.

use std::borrow::Cow;
use std::rc::Rc;

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

/// The namespace of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace.
    None,
    /// `http://hl7.org/fhir`
    Fhir,
    /// `http://www.w3.org/1999/xhtml`
    Xhtml,
    /// Any other.
    Other(Rc<str>),
}

impl Ns {
    fn classify(uri: &str) -> Ns {
        match uri {
            "" => Ns::None,
            FHIR_NS => Ns::Fhir,
            XHTML_NS => Ns::Xhtml,
            other => Ns::Other(Rc::from(other)),
        }
    }

    pub(crate) fn uri(&self) -> &str {
        match self {
            Ns::None => "",
            Ns::Fhir => FHIR_NS,
            Ns::Xhtml => XHTML_NS,
            Ns::Other(u) => u,
        }
    }
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
    /// A CDATA section's content (literal), and its offset.
    CData(&'a str, usize),
    /// A comment's content, and its offset.
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

    /// Resolves a start tag: namespace declarations, namespace, depth; keeps its attributes.
    fn start(&mut self, e: BytesStart<'_>, at: usize, empty: bool) -> Result<Start<'a>, Error> {
        let depth = self.depth + 1;
        if depth > self.opts.max_depth {
            return Err(self.error_at(ErrorKind::TooDeep(self.opts.max_depth), at));
        }
        self.generation += 1;
        self.attrs.clear();
        let name_bytes = e.name().into_inner();
        let (qname, _) = self
            .source_of(name_bytes)
            .ok_or_else(|| self.error_at(ErrorKind::Syntax("element name".into()), at))?;
        for attr in e.attributes() {
            let attr = attr.map_err(|err| self.error_at(ErrorKind::Syntax(err.to_string()), at))?;
            let (name, name_at) = self
                .source_of(attr.key.into_inner())
                .ok_or_else(|| self.error_at(ErrorKind::Syntax("attribute name".into()), at))?;
            let (raw, value_at) = self
                .source_of(&attr.value)
                .ok_or_else(|| self.error_at(ErrorKind::Syntax("attribute value".into()), at))?;
            let ns_decl = if name == "xmlns" {
                let uri = self.decode(raw, true, value_at)?;
                self.defaults.push((depth, Ns::classify(&uri)));
                true
            } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                let uri = self.decode(raw, true, value_at)?;
                if uri.is_empty() {
                    return Err(self.error_at(
                        ErrorKind::Syntax(format!("namespace prefix {prefix:?} bound to no namespace")),
                        value_at,
                    ));
                }
                self.prefixes.push((depth, prefix, Ns::classify(&uri)));
                true
            } else {
                false
            };
            self.attrs.push(RawAttr {
                name,
                name_at,
                raw,
                at: value_at,
                ns_decl,
            });
        }
        let (ns, name) = match qname.split_once(':') {
            None => (self.defaults.last().map_or(Ns::None, |(_, ns)| ns.clone()), qname),
            Some((prefix, local)) => match self.prefix_ns(prefix) {
                Some(ns) => (ns, local),
                None => return Err(self.error_at(ErrorKind::UnboundPrefix(prefix.to_owned()), at)),
            },
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

    /// The namespace bound to `prefix`, if any.
    pub(crate) fn prefix_ns(&self, prefix: &str) -> Option<Ns> {
        if prefix == "xml" {
            return Some(Ns::Other(Rc::from(XML_NS)));
        }
        self.prefixes
            .iter()
            .rev()
            .find(|(_, p, _)| *p == prefix)
            .map(|(_, _, ns)| ns.clone())
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

    /// The next item of `parent`'s content, or `None` at its end tag.
    pub(crate) fn next_item(&mut self, parent: &Start<'a>) -> Result<Option<Item<'a>>, Error> {
        if parent.empty {
            return Ok(None);
        }
        let at = self.position();
        match self.xml.read_event() {
            Ok(Event::Start(e)) => self.start(e, at, false).map(|s| Some(Item::Start(s))),
            Ok(Event::Empty(e)) => self.start(e, at, true).map(|s| Some(Item::Start(s))),
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
                let (raw, _) = self
                    .source_of(&t)
                    .ok_or_else(|| self.error_at(ErrorKind::Syntax("CDATA".into()), at))?;
                Ok(Some(Item::CData(raw, at)))
            }
            Ok(Event::Comment(t)) => {
                let (raw, _) = self
                    .source_of(&t)
                    .ok_or_else(|| self.error_at(ErrorKind::Syntax("comment".into()), at))?;
                Ok(Some(Item::Comment(raw, at)))
            }
            Ok(Event::PI(p)) => Err(self.error_at(
                ErrorKind::ProcessingInstruction(String::from_utf8_lossy(&p).into_owned()),
                at,
            )),
            Ok(Event::Decl(_)) => Err(self.error_at(
                ErrorKind::Syntax("an XML declaration is only allowed at the start".into()),
                at,
            )),
            Ok(Event::DocType(_)) => Err(self.error_at(ErrorKind::Doctype, at)),
            Ok(Event::Eof) => Err(self.error_at(
                ErrorKind::Syntax(format!(
                    "expected the end tag </{}>, found the end of input",
                    parent.qname
                )),
                at,
            )),
            Err(e) => Err(self.syntax(e)),
        }
    }

    /// The next child element of `parent` (FHIR content: comments and whitespace are skipped,
    /// other text is refused), or `None` at its end tag.
    #[inline]
    pub(crate) fn next_child(&mut self, parent: &Start<'a>) -> Result<Option<Start<'a>>, Error> {
        loop {
            match self.next_item(parent)? {
                None => return Ok(None),
                Some(Item::Start(s)) => {
                    if s.ns != Ns::Fhir && !(s.ns == Ns::Xhtml && s.name == "div") {
                        return Err(self.namespace_error(&s));
                    }
                    return Ok(Some(s));
                }
                Some(Item::Text(raw, at)) => {
                    if let Some(i) = raw.bytes().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
                        return Err(self.error_at(ErrorKind::UnexpectedText, at + i));
                    }
                }
                Some(Item::CData(_, at)) => return Err(self.error_at(ErrorKind::UnexpectedText, at)),
                Some(Item::Comment(..)) => {}
            }
        }
    }

    #[cold]
    pub(crate) fn namespace_error(&self, s: &Start<'a>) -> Error {
        let kind = match &s.ns {
            Ns::None => ErrorKind::MissingNamespace(s.name.to_owned()),
            other => ErrorKind::WrongNamespace {
                expected: FHIR_NS,
                found: other.uri().to_owned(),
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
                Ok(Event::Start(e)) => return self.start(e, at, false),
                Ok(Event::Empty(e)) => return self.start(e, at, true),
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
                Ok(Event::CData(_)) => return Err(self.error_at(ErrorKind::UnexpectedText, at)),
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
        Ok(root)
    }

    /// Fails unless only comments and whitespace follow the root element.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
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
                    self.start(s, at, false)?;
                    open += 1;
                }
                Ok(Event::Empty(s)) => {
                    self.start(s, at, true)?;
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
