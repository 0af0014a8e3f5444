//! Resources in FHIR XML: the root element is named after the resource type; a resource held by
//! an element of type `Resource` (`contained`, `Bundle.entry.resource`,
//! `Parameters.parameter.resource`) is an element named after its type inside that element (as
//! in every R4 XML example); and resources of types the crate does not model.

use super::error::{Error, ErrorKind};
use super::fields::{attributes, ToXml};
use super::reader::{Start, XmlReader};
use super::tree;
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

/// Reads a resource of a type the crate does not model, keeping its XML; refuses names that are
/// no R4 resource type.
pub(crate) fn read_unknown<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Resource, Error> {
    if R4_RESOURCE_TYPES.binary_search(&e.name()).is_err() {
        return Err(r.error_at(ErrorKind::UnknownResourceType(e.name().to_owned()), e.at));
    }
    let xml = tree::read(r, e, tree::Content::Fhir)?;
    Ok(Resource::Other(UnknownResource::from_xml(e.name().to_owned(), xml)))
}

impl ToXml for UnknownResource {
    fn write_xml(&self, w: &mut XmlWriter, _name: &'static str) {
        match (self.xml(), w.target) {
            (Some(xml), Target::Xml) => tree::write(w, xml),
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
