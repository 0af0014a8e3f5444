//! Resources in FHIR XML: the root element is named after the resource type; a resource held by
//! an element of type `Resource` (`contained`, `Bundle.entry.resource`,
//! `Parameters.parameter.resource`) is an element named after its type inside that element (as
//! in every R4 XML example); and resources of types the crate does not model.

use super::error::{Error, ErrorKind};
use super::fields::{attributes, ToXml};
use super::reader::{Start, XmlReader, FHIR_NS};
use super::writer::{Target, XmlWriter};
use crate::resource::{Resource, UnknownResource, R4_RESOURCE_TYPES};

/// Reads a wrapper element holding exactly one resource element, read with `read`.
pub(crate) fn wrapped<'a>(
    r: &mut XmlReader<'a>,
    e: &Start<'a>,
    read: impl FnOnce(&mut XmlReader<'a>, &Start<'a>) -> Result<Resource, Error>,
) -> Result<Resource, Error> {
    attributes(r, e, [])?;
    let Some(inner) = r.next_child(e)? else {
        return Err(r.error_at(ErrorKind::ResourceWrapper("none".into()), e.at));
    };
    let resource = read(r, &inner)?;
    if let Some(extra) = r.next_child(e)? {
        return Err(r.error_at(
            ErrorKind::ResourceWrapper(format!("a second element {:?}", extra.name())),
            extra.at,
        ));
    }
    Ok(resource)
}

/// Reads the root element as resource type `expected`.
pub(crate) fn root_as<'a, T>(
    r: &mut XmlReader<'a>,
    root: &Start<'a>,
    expected: &'static str,
    read: impl FnOnce(&mut XmlReader<'a>, &Start<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    if root.name() != expected {
        return Err(r.error_at(
            ErrorKind::WrongResourceType {
                expected,
                found: root.name().to_owned(),
            },
            root.at,
        ));
    }
    r.enter(expected);
    let v = read(r, root)?;
    r.leave();
    Ok(v)
}

/// The XML of a resource of a type the crate does not model, kept as read: the element's text,
/// exactly as in the document (comments included), checked to be well-formed FHIR content that
/// stands on its own (every namespace prefix it uses declared inside it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeptXml {
    /// The element, from its `<` to the end of its end tag.
    pub(crate) text: String,
    /// The value of the `id` child, for [`UnknownResource::id`].
    pub(crate) id: Option<String>,
    /// Length of `<qname` at the start of `text`.
    name_end: usize,
    /// The element declares the default namespace itself (it was a document's root).
    declares_default: bool,
}

/// Reads a resource of a type the crate does not model, keeping its XML; refuses names that are
/// no R4 resource type.
pub(crate) fn read_unknown<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Resource, Error> {
    if R4_RESOURCE_TYPES.binary_search(&e.name()).is_err() {
        return Err(r.error_at(ErrorKind::UnknownResourceType(e.name().to_owned()), e.at));
    }
    let declares_default = r.attrs(e).iter().any(|a| a.name == "xmlns");
    let (text, id) = r.keep(e)?;
    let kept = KeptXml {
        text: text.to_owned(),
        id,
        name_end: 1 + e.qname.len(),
        declares_default,
    };
    Ok(Resource::Other(UnknownResource::from_xml(e.name().to_owned(), kept)))
}

impl ToXml for UnknownResource {
    fn write_xml(&self, w: &mut XmlWriter, _name: &'static str) {
        match (self.xml(), w.target) {
            (Some(_), Target::Xml) => {
                let Some(kept) = self.kept_xml() else { return };
                if w.at_root() && !kept.declares_default {
                    // Read from inside another resource, it relied on the FHIR default namespace
                    // declared outside it; as a document's root it declares it itself.
                    let (head, rest) = kept.text.split_at(kept.name_end);
                    w.raw_root(&format!("{head} xmlns=\"{FHIR_NS}\"{rest}"));
                } else {
                    w.raw_root(&kept.text);
                }
            }
            (None, Target::JsonCheck) => {}
            (Some(_), Target::JsonCheck) => w.fail(ErrorKind::CrossFormat {
                resource_type: self.resource_type().to_owned(),
                from: "XML",
                to: "JSON",
            }),
            (None, Target::Xml) => w.fail(ErrorKind::CrossFormat {
                resource_type: self.resource_type().to_owned(),
                from: "JSON",
                to: "XML",
            }),
        }
    }
}
