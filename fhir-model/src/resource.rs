//! What all resources share, and resources of types the crate does not model.

use crate::generated::datatypes::Meta;
pub use crate::generated::resource::{Resource, R4_RESOURCE_TYPES};
use crate::json::{Error, ErrorKind, JsonReader, JsonValue, JsonWriter, ToJson};

/// Implemented by every modelled resource type.
pub trait FhirResource: Sized {
    /// The `resourceType`.
    const TYPE: &'static str;
    /// The logical id, if any.
    fn id(&self) -> Option<&str>;
    /// `meta`, if any.
    fn meta(&self) -> Option<&Meta>;
    /// `meta`, to change it.
    fn meta_mut(&mut self) -> &mut Option<Meta>;
    /// Wraps the resource in the [`Resource`] enum.
    fn into_resource(self) -> Resource;
}

/// A resource of an R4 type the crate does not model, kept exactly as read so that a Bundle
/// or `contained` holding it still round-trips in the format it was read from.
///
/// Without the type's definition its content cannot be mapped between JSON and XML (which
/// elements repeat, which values are numbers), so it is kept only in its own format: writing
/// one read from JSON as XML fails with [`crate::xml::ErrorKind::CrossFormat`], and
/// [`crate::xml::to_json_string`] refuses one read from XML. ([`json::to_string`](crate::json::to_string)
/// cannot fail; for a resource kept as XML it writes only the `resourceType`, so convert
/// XML to JSON with [`crate::xml::to_json_string`].)
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownResource {
    resource_type: String,
    content: Content,
}

/// The content of an [`UnknownResource`], in the format it was read from.
#[derive(Debug, Clone, PartialEq)]
enum Content {
    Json(JsonValue),
    #[cfg(feature = "xml")]
    Xml(crate::xml::KeptXml),
}

impl UnknownResource {
    /// The `resourceType`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The `id`, if present.
    pub fn id(&self) -> Option<&str> {
        match &self.content {
            Content::Json(json) => json.get("id").and_then(JsonValue::as_str),
            #[cfg(feature = "xml")]
            Content::Xml(xml) => xml.id.as_deref(),
        }
    }

    /// The JSON content as read (including `resourceType`), when it was read from JSON.
    pub fn json(&self) -> Option<&JsonValue> {
        match &self.content {
            Content::Json(json) => Some(json),
            #[cfg(feature = "xml")]
            Content::Xml(_) => None,
        }
    }

    /// The XML element as read (its text, exactly as in the document), when it was read from
    /// XML; [`crate::xml::value_from_slice`] reads it into a tree.
    #[cfg(feature = "xml")]
    pub fn xml(&self) -> Option<&str> {
        self.kept_xml().map(|x| x.text.as_str())
    }

    #[cfg(feature = "xml")]
    pub(crate) fn kept_xml(&self) -> Option<&crate::xml::KeptXml> {
        match &self.content {
            Content::Xml(xml) => Some(xml),
            Content::Json(_) => None,
        }
    }

    /// A resource of type `resource_type` kept as the XML read.
    #[cfg(feature = "xml")]
    pub(crate) fn from_xml(resource_type: String, xml: crate::xml::KeptXml) -> Self {
        UnknownResource {
            resource_type,
            content: Content::Xml(xml),
        }
    }
}

impl ToJson for UnknownResource {
    fn write_json(&self, w: &mut JsonWriter) {
        match &self.content {
            Content::Json(json) => w.value(json),
            #[cfg(feature = "xml")]
            Content::Xml(_) => {
                // Kept as XML only: see the type's documentation. `json::try_to_string` reports it.
                w.mark_unwritable(&self.resource_type);
                w.begin_object();
                w.key("resourceType");
                w.string(&self.resource_type);
                w.end_object();
            }
        }
    }
}

/// Reads a resource of an unmodelled type; refuses names that are no R4 resource type.
pub(crate) fn read_unknown_resource(r: &mut JsonReader<'_>, name: &str, type_at: usize) -> Result<Resource, Error> {
    if R4_RESOURCE_TYPES.binary_search(&name).is_err() {
        return Err(r.error_at(ErrorKind::UnknownResourceType(name.to_owned()), type_at));
    }
    let json = r.read_value()?;
    Ok(Resource::Other(UnknownResource {
        resource_type: name.to_owned(),
        content: Content::Json(json),
    }))
}
