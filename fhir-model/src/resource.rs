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
/// or `contained` holding it still round-trips.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownResource {
    resource_type: String,
    json: JsonValue,
}

impl UnknownResource {
    /// The `resourceType`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The `id`, if present.
    pub fn id(&self) -> Option<&str> {
        self.json.get("id").and_then(JsonValue::as_str)
    }

    /// The JSON content as read (including `resourceType`).
    pub fn json(&self) -> &JsonValue {
        &self.json
    }
}

impl ToJson for UnknownResource {
    fn write_json(&self, w: &mut JsonWriter) {
        w.value(&self.json)
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
        json,
    }))
}
