//! Does a `Reference` point at a given resource? Literal references (`Type/id`, absolute
//! `[base]/Type/id`, with or without `_history`) match by type and id; logical references
//! (`Reference.identifier`) match a business identifier of the resource (R4 references.html,
//! "Literal references" and "Logical references").

use fhir_model::{Identifier, Reference, ReferenceTarget};

/// Whether `reference` points at the resource of type `resource_type` with id `id` and the
/// business identifiers `identifiers`.
pub(crate) fn points_to(
    reference: &Reference,
    resource_type: &str,
    id: Option<&str>,
    identifiers: &[Identifier],
) -> bool {
    if let Some(ReferenceTarget::Resource {
        resource_type: t,
        id: i,
        ..
    }) = reference.target()
    {
        if t == resource_type && Some(i) == id {
            return true;
        }
    }
    match reference.identifier.as_deref() {
        Some(wanted) => {
            let type_ok = reference
                .type_
                .as_ref()
                .and_then(|t| t.value.as_deref())
                .is_none_or(|t| t == resource_type);
            type_ok && identifiers.iter().any(|i| same_identifier(i, wanted))
        }
        None => false,
    }
}

/// Same `system` and `value` (both present).
pub(crate) fn same_identifier(a: &Identifier, b: &Identifier) -> bool {
    let sys = |i: &Identifier| i.system.as_ref().and_then(|s| s.value.clone());
    let val = |i: &Identifier| i.value.as_ref().and_then(|s| s.value.clone());
    val(a).is_some() && val(a) == val(b) && sys(a) == sys(b)
}
