//! FHIR primitive elements: a value plus the element's own `id` and `extension`.
//!
//! Every FHIR primitive can carry an `id` and extensions next to (or instead of) its value
//! ([R4 datatypes, "Primitive Types"](https://hl7.org/fhir/R4/datatypes.html#primitive)); in JSON
//! they travel in the `_name` sidecar ([R4 JSON §2.6.2.2](https://hl7.org/fhir/R4/json.html#primitive)).
//! [`Primitive`] keeps all three so that nothing is lost on a round trip. `id` and extensions are
//! rare on primitives, so they live behind one pointer: a `Primitive<String>` is 32 bytes, which
//! keeps resources (dozens of primitives each) small and fast to build.

use crate::generated::datatypes::Extension;

/// The `id` and `extension` of a primitive element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrimitiveElement {
    /// `Element.id`: unique id for inter-element referencing.
    pub id: Option<String>,
    /// `Element.extension`: additional content defined by implementations.
    pub extension: Vec<Extension>,
}

/// A FHIR primitive element: an optional value, and the element's `id` and `extension`.
///
/// A primitive may carry only extensions (for instance a data-absent-reason) and no value.
///
/// ```
/// use fhir_model::{Extension, Primitive};
///
/// let mut status: Primitive<String> = Primitive::from("requested");
/// status.extension_mut().push(Extension { url: "http://example.org/x".into(), ..Default::default() });
/// assert_eq!(status.extension().len(), 1);
/// assert_eq!(status.get().map(String::as_str), Some("requested"));
/// ```
#[derive(Debug, Clone)]
pub struct Primitive<T> {
    /// The primitive value itself.
    pub value: Option<T>,
    /// `id` and `extension`, when either is present.
    pub element: Option<Box<PrimitiveElement>>,
}

impl<T> Default for Primitive<T> {
    fn default() -> Self {
        Primitive {
            value: None,
            element: None,
        }
    }
}

impl<T: PartialEq> PartialEq for Primitive<T> {
    fn eq(&self, other: &Self) -> bool {
        // An empty element box and no box are the same element.
        self.value == other.value && self.id() == other.id() && self.extension() == other.extension()
    }
}

impl<T> Primitive<T> {
    /// A primitive holding only a value.
    pub fn new(value: T) -> Self {
        Primitive {
            value: Some(value),
            element: None,
        }
    }

    /// A primitive with a value (or none), an id and extensions.
    pub fn with_element(value: Option<T>, id: Option<String>, extension: Vec<Extension>) -> Self {
        let mut p = Primitive { value, element: None };
        p.set_element(id, extension);
        p
    }

    /// The value, if any.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// `Element.id`.
    pub fn id(&self) -> Option<&str> {
        self.element.as_ref().and_then(|e| e.id.as_deref())
    }

    /// `Element.extension`.
    pub fn extension(&self) -> &[Extension] {
        self.element.as_ref().map_or(&[], |e| &e.extension)
    }

    /// Sets `Element.id`.
    pub fn set_id(&mut self, id: Option<String>) {
        match (&mut self.element, id) {
            (Some(e), id) => e.id = id,
            (None, None) => {}
            (None, id) => {
                self.element = Some(Box::new(PrimitiveElement {
                    id,
                    extension: Vec::new(),
                }))
            }
        }
    }

    /// The extensions, to change them.
    pub fn extension_mut(&mut self) -> &mut Vec<Extension> {
        &mut self.element.get_or_insert_with(Default::default).extension
    }

    /// Replaces `id` and `extension`.
    pub fn set_element(&mut self, id: Option<String>, extension: Vec<Extension>) {
        self.element = (id.is_some() || !extension.is_empty()).then(|| Box::new(PrimitiveElement { id, extension }));
    }

    /// True when the element carries an `id` or extensions (and so needs a JSON `_name` sidecar).
    pub fn has_element_data(&self) -> bool {
        self.element
            .as_ref()
            .is_some_and(|e| e.id.is_some() || !e.extension.is_empty())
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

impl<E: PartialEq> PartialEq<E> for Primitive<crate::coded::Coded<E>> {
    fn eq(&self, other: &E) -> bool {
        matches!(&self.value, Some(crate::coded::Coded::Known(e)) if e == other)
    }
}
