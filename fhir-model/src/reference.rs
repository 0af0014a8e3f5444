//! Making and reading `Reference`s.
//!
//! A literal reference is relative (`Patient/123`), absolute (`http://x/fhir/Patient/123`),
//! versioned (`.../_history/2`), a contained reference (`#id`) or a logical URI such as
//! `urn:uuid:...` ([R4 references](https://hl7.org/fhir/R4/references.html#literal)).

use crate::generated::datatypes::{Identifier, Reference};
use crate::primitive::Primitive;
use crate::resource::{FhirResource, R4_RESOURCE_TYPES};

/// What a literal reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceTarget<'a> {
    /// `[base/]Type/id[/_history/version]`
    Resource {
        /// The base URL for absolute references (without the trailing `/`).
        base: Option<&'a str>,
        /// The resource type.
        resource_type: &'a str,
        /// The logical id.
        id: &'a str,
        /// The version, when given.
        version: Option<&'a str>,
    },
    /// `#id`: a contained resource (`#` alone is the container itself).
    Contained(&'a str),
    /// Any other URI (`urn:uuid:...`, `urn:oid:...`, a URL that is not a RESTful path).
    Uri(&'a str),
}

fn is_id(s: &str) -> bool {
    crate::formats::StrFormat::Id.check(s).is_ok()
}

/// Parses the text of `Reference.reference`.
pub fn parse_reference(text: &str) -> ReferenceTarget<'_> {
    if let Some(id) = text.strip_prefix('#') {
        return ReferenceTarget::Contained(id);
    }
    let parts: Vec<&str> = text.split('/').collect();
    let n = parts.len();
    let (core_end, version) = if n >= 4 && parts[n - 2] == "_history" {
        (n - 2, Some(parts[n - 1]))
    } else {
        (n, None)
    };
    if core_end >= 2 {
        let (t, id) = (parts[core_end - 2], parts[core_end - 1]);
        if R4_RESOURCE_TYPES.binary_search(&t).is_ok() && is_id(id) && version.is_none_or(is_id) {
            let prefix_len: usize = parts[..core_end - 2].iter().map(|p| p.len() + 1).sum();
            let base = (prefix_len > 0).then(|| &text[..prefix_len - 1]);
            if base.is_none_or(|b| b.contains("://")) {
                return ReferenceTarget::Resource {
                    base,
                    resource_type: t,
                    id,
                    version,
                };
            }
        }
    }
    ReferenceTarget::Uri(text)
}

impl Reference {
    /// A relative literal reference `Type/id`.
    pub fn to_type_id(resource_type: &str, id: &str) -> Self {
        Reference {
            reference: Some(Primitive::new(format!("{resource_type}/{id}"))),
            ..Reference::default()
        }
    }

    /// A relative literal reference to `resource` (which must have an id).
    pub fn to<R: FhirResource>(resource: &R) -> Option<Self> {
        resource.id().map(|id| Reference::to_type_id(R::TYPE, id))
    }

    /// A logical reference by identifier (`system|value`).
    pub fn to_identifier(system: &str, value: &str) -> Self {
        Reference {
            identifier: Some(Box::new(Identifier {
                system: Some(Primitive::new(system.to_owned())),
                value: Some(Primitive::new(value.to_owned())),
                ..Identifier::default()
            })),
            ..Reference::default()
        }
    }

    /// The text of `reference`, if any.
    pub fn reference_str(&self) -> Option<&str> {
        self.reference.as_ref().and_then(|p| p.value.as_deref())
    }

    /// What `reference` points at.
    pub fn target(&self) -> Option<ReferenceTarget<'_>> {
        self.reference_str().map(parse_reference)
    }

    /// The resource type the reference names (from `reference`, else from `type`).
    pub fn target_type(&self) -> Option<&str> {
        match self.target() {
            Some(ReferenceTarget::Resource { resource_type, .. }) => Some(resource_type),
            _ => self.type_.as_ref().and_then(|p| p.value.as_deref()),
        }
    }

    /// The logical id the reference names.
    pub fn target_id(&self) -> Option<&str> {
        match self.target() {
            Some(ReferenceTarget::Resource { id, .. }) => Some(id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_reference("Patient/123"),
            ReferenceTarget::Resource {
                base: None,
                resource_type: "Patient",
                id: "123",
                version: None
            }
        );
        assert_eq!(
            parse_reference("http://x.org/fhir/Task/a.1/_history/2"),
            ReferenceTarget::Resource {
                base: Some("http://x.org/fhir"),
                resource_type: "Task",
                id: "a.1",
                version: Some("2")
            }
        );
        assert_eq!(parse_reference("#p1"), ReferenceTarget::Contained("p1"));
        assert_eq!(parse_reference("urn:uuid:1"), ReferenceTarget::Uri("urn:uuid:1"));
        assert_eq!(parse_reference("Foo/1"), ReferenceTarget::Uri("Foo/1"));
        assert_eq!(parse_reference("x/Patient/1"), ReferenceTarget::Uri("x/Patient/1"));
        let r = Reference::to_type_id("Organization", "123");
        assert_eq!(r.target_type(), Some("Organization"));
        assert_eq!(r.target_id(), Some("123"));
    }
}
