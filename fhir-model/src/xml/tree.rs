//! A lossless XML tree, for content the model does not type: resources of types the crate does
//! not model, and whole documents compared as XML infosets.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::error::{Error, ErrorKind};
use super::reader::{descend, Item, Ns, Start, XmlReader, FHIR_NS, XHTML_NS};
use super::text::{escape_into, normalize_literal};
use super::writer::XmlWriter;

/// An XML element as read. Comments and whitespace-only text outside XHTML are not kept (they
/// carry nothing in FHIR XML); inside XHTML every character is content and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The namespace URI (empty for none).
    pub namespace: Cow<'static, str>,
    /// The local name.
    pub name: String,
    /// Namespace prefixes declared on the element: (prefix, URI).
    pub prefixes: Vec<(String, String)>,
    /// Attributes other than namespace declarations, in document order: (name as written,
    /// value).
    pub attributes: Vec<(String, String)>,
    /// The content.
    pub children: Vec<Node>,
}

/// One item of an element's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (adjacent text and CDATA sections merged).
    Text(String),
    /// A comment (kept inside XHTML only).
    Comment(String),
}

impl Element {
    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first difference between two trees as XML infosets (attribute order is not
    /// significant; names, namespaces, values and text are compared exactly), as a path and a
    /// description; `None` when they are equal.
    pub fn first_difference(&self, other: &Element) -> Option<String> {
        let mut path = String::new();
        diff(self, other, &mut path)
    }
}

fn diff(a: &Element, b: &Element, path: &mut String) -> Option<String> {
    let len = path.len();
    path.push('/');
    path.push_str(&a.name);
    let found = diff_here(a, b, path);
    path.truncate(len);
    found
}

fn diff_here(a: &Element, b: &Element, path: &str) -> Option<String> {
    if a.name != b.name || a.namespace != b.namespace {
        return Some(format!(
            "{path}: element {{{}}}{} vs {{{}}}{}",
            a.namespace, a.name, b.namespace, b.name
        ));
    }
    for (k, v) in &a.attributes {
        match b.attribute(k) {
            None => return Some(format!("{path}/@{k}: missing on the right")),
            Some(w) if w != v => return Some(format!("{path}/@{k}: {v:?} vs {w:?}")),
            _ => {}
        }
    }
    if let Some((k, _)) = b.attributes.iter().find(|(k, _)| a.attribute(k).is_none()) {
        return Some(format!("{path}/@{k}: missing on the left"));
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (i, pair) in a.children.iter().zip(&b.children).enumerate() {
        match pair {
            (Node::Element(x), Node::Element(y)) => {
                let n = match counts.iter_mut().find(|(name, _)| *name == x.name) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        counts.push((&x.name, 1));
                        1
                    }
                };
                let mut sub = path.to_owned();
                if n > 1 {
                    let _ = write!(sub, "[{n}]");
                }
                let mut p = sub;
                if let Some(d) = diff(x, y, &mut p) {
                    return Some(d);
                }
            }
            (x, y) if x == y => {}
            (x, y) => return Some(format!("{path}: child {} is {} vs {}", i + 1, short(x), short(y))),
        }
    }
    if a.children.len() != b.children.len() {
        let (more, side) = if a.children.len() > b.children.len() {
            (&a.children[b.children.len()], "left")
        } else {
            (&b.children[a.children.len()], "right")
        };
        return Some(format!("{path}: only the {side} has {}", short(more)));
    }
    None
}

fn short(n: &Node) -> String {
    let s = match n {
        Node::Element(e) => format!("element {}", e.name),
        Node::Text(t) => format!("text {t:?}"),
        Node::Comment(c) => format!("comment {c:?}"),
    };
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// What the content may be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// FHIR content: elements in the FHIR namespace (and XHTML inside), no text outside XHTML.
    Fhir,
    /// Any XML.
    Any,
}

/// Reads element `e` (its start tag was just read) into a tree. Namespace prefixes used inside
/// must be declared inside (or be `xml`), so that the tree stands on its own.
pub(crate) fn read<'a>(r: &mut XmlReader<'a>, e: &Start<'a>, content: Content) -> Result<Element, Error> {
    read_at(r, e, content, e.depth)
}

fn read_at<'a>(r: &mut XmlReader<'a>, e: &Start<'a>, content: Content, root_depth: usize) -> Result<Element, Error> {
    if content == Content::Fhir && !matches!(e.ns, Ns::Fhir | Ns::Xhtml) {
        return Err(r.namespace_error(e));
    }
    let mut el = Element {
        namespace: match e.ns {
            Ns::None => Cow::Borrowed(""),
            Ns::Fhir => Cow::Borrowed(FHIR_NS),
            Ns::Xhtml => Cow::Borrowed(XHTML_NS),
            other => Cow::Owned(r.ns_uri(other).to_owned()),
        },
        name: e.name.to_owned(),
        prefixes: Vec::new(),
        attributes: Vec::new(),
        children: Vec::new(),
    };
    for i in 0..r.attr_count(e) {
        let a = r.attr(e, i);
        if a.name == "xmlns" {
            continue;
        }
        let value = r.decode(a.raw, true, a.at)?.into_owned();
        if let Some(prefix) = a.name.strip_prefix("xmlns:") {
            el.prefixes.push((prefix.to_owned(), value));
            continue;
        }
        if let Some((prefix, _)) = a.name.split_once(':') {
            let inside = r.prefix_depth(prefix).is_some_and(|d| d >= root_depth);
            if !inside {
                return Err(r.error_at(
                    ErrorKind::Syntax(format!(
                        "attribute {:?} uses a namespace prefix declared outside the element kept",
                        a.name
                    )),
                    a.at,
                ));
            }
        }
        el.attributes.push((a.name.to_owned(), value));
    }
    let xhtml = e.ns == Ns::Xhtml;
    // Inside XHTML whitespace is content: the tokenizer must report it.
    let skipping = r.set_skip_whitespace(!xhtml && r.skips_whitespace());
    while let Some(item) = r.next_item(e)? {
        match item {
            Item::Start(s) => {
                if let Some((prefix, _)) = s.qname.split_once(':') {
                    let inside = r.prefix_depth(prefix).is_some_and(|d| d >= root_depth);
                    if !inside {
                        return Err(r.error_at(
                            ErrorKind::Syntax(format!(
                                "element {:?} uses a namespace prefix declared outside the element kept",
                                s.qname
                            )),
                            s.at,
                        ));
                    }
                }
                let child_content = if s.ns == Ns::Xhtml { Content::Any } else { content };
                let child = descend(|| read_at(r, &s, child_content, root_depth))?;
                el.children.push(Node::Element(child));
            }
            Item::Text(raw, at) => {
                if let Some(i) = raw.find("]]>") {
                    return Err(r.error_at(ErrorKind::Syntax("\"]]>\" in text".into()), at + i));
                }
                let text = r.decode(raw, false, at)?;
                push_text(r, &mut el, &text, xhtml, content, at)?;
            }
            Item::CData(raw, at) => {
                let text = normalize_literal(raw).map_err(|(k, i)| r.error_at(k, at + i))?;
                push_text(r, &mut el, &text, xhtml, content, at)?;
            }
            Item::Comment(raw, at) => {
                if xhtml {
                    let text = normalize_literal(raw).map_err(|(k, i)| r.error_at(k, at + i))?;
                    el.children.push(Node::Comment(text.into_owned()));
                }
            }
        }
    }
    r.set_skip_whitespace(skipping);
    Ok(el)
}

fn push_text(
    r: &XmlReader<'_>,
    el: &mut Element,
    text: &str,
    xhtml: bool,
    content: Content,
    at: usize,
) -> Result<(), Error> {
    if !xhtml && text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        return Ok(());
    }
    if !xhtml && content == Content::Fhir {
        return Err(r.error_at(ErrorKind::UnexpectedText, at));
    }
    if let Some(Node::Text(prev)) = el.children.last_mut() {
        prev.push_str(text);
    } else {
        el.children.push(Node::Text(text.to_owned()));
    }
    Ok(())
}

/// Writes a tree inside FHIR content (whose default namespace is FHIR's).
pub(crate) fn write(w: &mut XmlWriter, el: &Element) {
    write_in(w, el, FHIR_NS)
}

fn write_in(w: &mut XmlWriter, el: &Element, parent_ns: &str) {
    if el.namespace == XHTML_NS {
        // Inside XHTML whitespace is content: written compactly, never indented.
        let mut s = String::new();
        if let Err(c) = compact(&mut s, el, parent_ns) {
            w.fail(ErrorKind::InvalidCharacter(format!("U+{:04X}", c as u32)));
        }
        w.raw_element(&s);
        return;
    }
    let root = w.at_root();
    w.start_dyn(&el.name);
    let declared = if root { FHIR_NS } else { parent_ns };
    if el.namespace != declared {
        w.attr("xmlns", &el.namespace);
    }
    for (p, uri) in &el.prefixes {
        w.attr(&format!("xmlns:{p}"), uri);
    }
    for (k, v) in &el.attributes {
        w.attr(k, v);
    }
    for child in &el.children {
        match child {
            Node::Element(c) => write_in(w, c, &el.namespace),
            Node::Text(t) => w.text(t),
            Node::Comment(c) => w.comment(c),
        }
    }
    w.end_dyn(&el.name);
}

/// Serializes a tree compactly (the form `Narrative.div` is kept in).
fn compact(out: &mut String, el: &Element, parent_ns: &str) -> Result<(), char> {
    out.push('<');
    out.push_str(&el.name);
    if el.namespace != parent_ns {
        out.push_str(" xmlns=\"");
        escape_into(out, &el.namespace, true)?;
        out.push('"');
    }
    for (p, uri) in &el.prefixes {
        out.push_str(" xmlns:");
        out.push_str(p);
        out.push_str("=\"");
        escape_into(out, uri, true)?;
        out.push('"');
    }
    for (k, v) in &el.attributes {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_into(out, v, true)?;
        out.push('"');
    }
    if el.children.is_empty() {
        out.push_str("/>");
        return Ok(());
    }
    out.push('>');
    for child in &el.children {
        match child {
            Node::Element(c) => compact(out, c, &el.namespace)?,
            Node::Text(t) => escape_into(out, t, false)?,
            Node::Comment(c) => {
                out.push_str("<!--");
                out.push_str(c);
                out.push_str("-->");
            }
        }
    }
    out.push_str("</");
    out.push_str(&el.name);
    out.push('>');
    Ok(())
}
