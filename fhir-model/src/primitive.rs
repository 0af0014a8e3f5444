//! FHIR primitive elements: a value plus the element's own `id` and `extension`.
//!
//! Every FHIR primitive can carry an `id` and extensions next to (or instead of) its value
//! ([R4 datatypes, "Primitive Types"](https://hl7.org/fhir/R4/datatypes.html#primitive)); in JSON
//! they travel in the `_name` sidecar ([R4 JSON §2.6.2.2](https://hl7.org/fhir/R4/json.html#primitive)).
//! [`Primitive`] keeps all three so that nothing is lost on a round trip.

use crate::generated::datatypes::Extension;

/// A FHIR primitive element: an optional value, and the element's `id` and `extension`.
///
/// A primitive may carry only extensions (for instance a data-absent-reason) and no value.
#[derive(Debug, Clone, PartialEq)]
pub struct Primitive<T> {
    /// `Element.id`: unique id for inter-element referencing.
    pub id: Option<String>,
    /// `Element.extension`: additional content defined by implementations.
    pub extension: Vec<Extension>,
    /// The primitive value itself.
    pub value: Option<T>,
}

impl<T> Default for Primitive<T> {
    fn default() -> Self {
        Primitive {
            id: None,
            extension: Vec::new(),
            value: None,
        }
    }
}

impl<T> Primitive<T> {
    /// A primitive holding only a value.
    pub fn new(value: T) -> Self {
        Primitive {
            id: None,
            extension: Vec::new(),
            value: Some(value),
        }
    }

    /// The value, if any.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// True when the element carries an `id` or extensions (and so needs a JSON `_name` sidecar).
    pub fn has_element_data(&self) -> bool {
        self.id.is_some() || !self.extension.is_empty()
    }

    /// True when nothing at all is set (FHIR forbids such an element: `ele-1`).
    pub fn is_empty(&self) -> bool {
        self.value.is_none() && !self.has_element_data()
    }
}

impl<T> From<T> for Primitive<T> {
    fn from(value: T) -> Self {
        Primitive::new(value)
    }
}

impl From<&str> for Primitive<String> {
    fn from(value: &str) -> Self {
        Primitive::new(value.to_owned())
    }
}

impl<T: PartialEq> PartialEq<T> for Primitive<T> {
    fn eq(&self, other: &T) -> bool {
        self.value.as_ref() == Some(other)
    }
}
