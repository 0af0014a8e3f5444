//! `ext-1` (Extension) and `ref-1` (Reference), checked on every Extension and Reference the
//! structure walk meets.

use fhir_model::navigate::{Navigable, Node};

use super::{EXT_1, REF_1};
use crate::base::structure::string_child;
use crate::location::Location;
use crate::outcome::Issues;

/// `ext-1`: `extension.exists() != value.exists()`.
pub(crate) fn ext_1(extension: &dyn Navigable, at: &Location, issues: &mut Issues) {
    let mut nodes: Vec<Node<'_>> = Vec::new();
    extension.children("extension", &mut nodes);
    let has_extensions = !nodes.is_empty();
    nodes.clear();
    extension.children("value", &mut nodes);
    let has_value = !nodes.is_empty();
    if has_extensions == has_value {
        let found = if has_value {
            "both extensions and a value[x]"
        } else {
            "neither extensions nor a value[x]"
        };
        EXT_1.report(issues, at.as_str().to_owned(), found);
    }
}

/// `ref-1`: `reference.startsWith('#').not() or (reference.substring(1) in
/// %rootResource.contained.id)`; `contained_ids` are the ids of the contained resources of the
/// root resource.
///
/// A bare `#` refers to the containing resource itself (R4 references.html#contained); FHIRPath
/// gives an empty `substring(1)` for it and the constraint does not fail, so it is accepted.
pub(crate) fn ref_1(reference: &dyn Navigable, contained_ids: &[&str], at: &Location, issues: &mut Issues) {
    let Some(text) = string_child(reference, "reference") else {
        return;
    };
    let Some(id) = text.strip_prefix('#') else {
        return;
    };
    if id.is_empty() || contained_ids.contains(&id) {
        return;
    }
    let known = if contained_ids.is_empty() {
        "no contained resources".to_owned()
    } else {
        format!("contained ids {}", contained_ids.join(", "))
    };
    REF_1.report(
        issues,
        at.child("reference"),
        &format!("{text:?}, but the resource has {known}"),
    );
}
