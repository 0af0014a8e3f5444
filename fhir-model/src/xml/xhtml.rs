//! `Narrative.div`: XHTML kept exactly, as the text the JSON `div` string holds.
//!
//! R4 JSON represents the narrative as a string holding the XHTML `div` element, with the XHTML
//! namespace declared on it (R4 JSON §2.6.2.6; R4 Narrative: the div "SHALL contain" XHTML in
//! the namespace `http://www.w3.org/1999/xhtml`). Reading XML, the div subtree is serialized
//! into that string the way the R4 JSON examples were written: the namespace declaration first,
//! other attributes in document order, `&`, `<`, `>` and `"` as predefined entities, any other
//! character literally, an element without content as `<x/>`, comments kept. Every whitespace
//! character is content and kept. Writing XML, the string is checked to be one XHTML `div`
//! element and copied unchanged.

use super::error::{Error, ErrorKind};
use super::reader::{descend, Item, Ns, Start, XmlReader, XHTML_NS};
use super::text::{escape_into, normalize_literal};
use super::writer::{Target, XmlWriter};
use super::Options;

/// Reads the `div` element whose start tag `c` was just read into its XHTML text.
pub(crate) fn read_div<'a>(r: &mut XmlReader<'a>, c: &Start<'a>) -> Result<String, Error> {
    if c.ns != Ns::Xhtml {
        let found = match c.ns {
            Ns::None => "no namespace".to_owned(),
            other => format!("namespace {:?}", r.ns_uri(other)),
        };
        return Err(r.error_at(
            ErrorKind::NotXhtml(format!("a div in {found} (expected {XHTML_NS:?})")),
            c.at,
        ));
    }
    if c.qname != "div" {
        return Err(r.error_at(
            ErrorKind::NotXhtml(format!("<{}> (the narrative div is written without a prefix)", c.qname)),
            c.at,
        ));
    }
    let mut out = String::with_capacity(256);
    out.push_str("<div xmlns=\"");
    out.push_str(XHTML_NS);
    out.push('"');
    attributes(r, c, &mut out, c.depth, true)?;
    // Inside XHTML whitespace is content: the tokenizer must report it.
    let skipping = r.set_skip_whitespace(false);
    content(r, c, &mut out, c.depth)?;
    r.set_skip_whitespace(skipping);
    Ok(out)
}

fn attributes<'a>(
    r: &mut XmlReader<'a>,
    e: &Start<'a>,
    out: &mut String,
    root_depth: usize,
    is_root: bool,
) -> Result<(), Error> {
    for i in 0..r.attr_count(e) {
        let a = r.attr(e, i);
        if is_root && a.name == "xmlns" {
            continue;
        }
        r.check_prefix_inside(a.name, root_depth, a.name_at)?;
        let value = r.decode(a.raw, true, a.at)?;
        out.push(' ');
        out.push_str(a.name);
        out.push_str("=\"");
        // Decoded text holds only XML characters, so escaping cannot fail.
        let _ = escape_into(out, &value, true);
        out.push('"');
    }
    Ok(())
}

/// Writes the content and end of `e`, whose start tag is open in `out`.
fn content<'a>(r: &mut XmlReader<'a>, e: &Start<'a>, out: &mut String, root_depth: usize) -> Result<(), Error> {
    let mut open = true;
    while let Some(item) = r.next_item(e)? {
        if open {
            out.push('>');
            open = false;
        }
        match item {
            Item::Start(s) => {
                r.check_prefix_inside(s.qname, root_depth, s.at)?;
                out.push('<');
                out.push_str(s.qname);
                attributes(r, &s, out, root_depth, false)?;
                descend(|| content(r, &s, out, root_depth))?;
            }
            Item::Text(raw, at) => {
                if let Some(i) = raw.find("]]>") {
                    return Err(r.error_at(ErrorKind::Syntax("\"]]>\" in text".into()), at + i));
                }
                let text = r.decode(raw, false, at)?;
                let _ = escape_into(out, &text, false);
            }
            Item::CData(raw, at) => {
                let text = normalize_literal(raw).map_err(|(k, i)| r.error_at(k, at + i))?;
                let _ = escape_into(out, &text, false);
            }
            Item::Comment(raw, at) => {
                let text = normalize_literal(raw).map_err(|(k, i)| r.error_at(k, at + i))?;
                out.push_str("<!--");
                out.push_str(&text);
                out.push_str("-->");
            }
        }
    }
    if open {
        out.push_str("/>");
    } else {
        out.push_str("</");
        out.push_str(e.qname);
        out.push('>');
    }
    Ok(())
}

/// Checks that `div` is one XHTML `div` element declaring the XHTML namespace, with nothing
/// before or after it, so that it can be copied into an XML document unchanged.
pub(crate) fn check_div(div: &str) -> Result<(), String> {
    if !div.starts_with("<div") {
        return Err(format!("text starting {:?}", div.chars().take(20).collect::<String>()));
    }
    let mut r = XmlReader::new(div, Options::default());
    let root = r.root().map_err(|e| e.to_string())?;
    let declares = r.attrs(&root).iter().any(|a| a.name == "xmlns" && a.raw == XHTML_NS);
    if !declares {
        return Err(format!("a div that does not declare xmlns=\"{XHTML_NS}\""));
    }
    read_div(&mut r, &root).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    if r.offset() != div.len() {
        return Err("content after the div".to_owned());
    }
    Ok(())
}

/// Writes `Narrative.div` unchanged after checking it.
pub(crate) fn write_div(w: &mut XmlWriter, name: &'static str, div: &str) {
    if w.target == Target::JsonCheck {
        return;
    }
    match check_div(div) {
        Ok(()) => w.raw_element(div),
        Err(found) => w.fail_in(name, ErrorKind::NotXhtml(found)),
    }
}
