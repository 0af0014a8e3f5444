//! A lossless XML tree, for comparing documents (and narratives) as XML infosets.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::error::{Error, ErrorKind};
use super::reader::{descend, Item, Ns, Start, XmlReader, FHIR_NS, XHTML_NS};
use super::text::normalize_literal;

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

/// Reads element `e` (its start tag was just read) into a tree.
pub(crate) fn read<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Element, Error> {
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
        match a.name.strip_prefix("xmlns:") {
            Some(prefix) => el.prefixes.push((prefix.to_owned(), value)),
            None => el.attributes.push((a.name.to_owned(), value)),
        }
    }
    let xhtml = e.ns == Ns::Xhtml;
    while let Some(item) = r.next_item(e)? {
        match item {
            Item::Start(s) => {
                let child = descend(|| read(r, &s))?;
                el.children.push(Node::Element(child));
            }
            Item::Text(raw, at) => {
                if let Some(i) = raw.find("]]>") {
                    return Err(r.error_at(ErrorKind::Syntax("\"]]>\" in text".into()), at + i));
                }
                let text = r.decode(raw, false, at)?;
                push_text(&mut el, &text, xhtml);
            }
            Item::CData(raw, at) => {
                let text = normalize_literal(raw).map_err(|(k, i)| r.error_at(k, at + i))?;
                push_text(&mut el, &text, xhtml);
            }
            Item::Comment(raw, at) => {
                if xhtml {
                    let text = normalize_literal(raw).map_err(|(k, i)| r.error_at(k, at + i))?;
                    el.children.push(Node::Comment(text.into_owned()));
                }
            }
        }
    }
    Ok(el)
}

/// Adds text; whitespace-only text outside XHTML is insignificant and dropped.
fn push_text(el: &mut Element, text: &str, xhtml: bool) {
    if !xhtml && text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        return;
    }
    if let Some(Node::Text(prev)) = el.children.last_mut() {
        prev.push_str(text);
    } else {
        el.children.push(Node::Text(text.to_owned()));
    }
}
