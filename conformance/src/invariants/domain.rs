//! `dom-2` … `dom-6` on every DomainResource (every modelled resource but Bundle, Parameters and
//! Binary, which derive from Resource directly: R4 resource.html "Resource" hierarchy).

use fhir_model::navigate::{Navigable, Node, PrimitiveRef};

use super::{DOM_2, DOM_3, DOM_4, DOM_5, DOM_6};
use crate::base::structure::{for_each_primitive, string_child};
use crate::location::Location;
use crate::outcome::Issues;

/// Whether a resource type derives from DomainResource.
pub(crate) fn is_domain_resource(resource_type: &str) -> bool {
    !matches!(resource_type, "Bundle" | "Parameters" | "Binary")
}

fn nodes<'a>(node: &'a dyn Navigable, name: &str) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    node.children(name, &mut out);
    out
}

fn complex<'a>(nodes: Vec<Node<'a>>) -> impl Iterator<Item = &'a dyn Navigable> {
    nodes.into_iter().filter_map(|n| match n {
        Node::Complex(c) => Some(c),
        Node::Primitive(_) => None,
    })
}

/// Checks the DomainResource invariants of `resource` at `at`. `contained` says whether the
/// resource is itself contained: `dom-6` (narrative) is not asked of contained resources, whose
/// narrative is that of their container (reading documented in docs/spec/conformance.md).
pub(crate) fn check(resource: &dyn Navigable, contained: bool, at: &Location, issues: &mut Issues) {
    let contained_resources: Vec<&dyn Navigable> = complex(nodes(resource, "contained")).collect();
    if !contained_resources.is_empty() {
        let references = local_references(resource);
        for (i, c) in contained_resources.iter().enumerate() {
            let here = at.item("contained", i);
            if !nodes(*c, "contained").is_empty() {
                DOM_2.report(
                    issues,
                    format!("{here}.contained"),
                    "a contained resource with contained resources",
                );
            }
            dom_3(*c, &references, &here, issues);
            for meta in complex(nodes(*c, "meta")) {
                for name in ["versionId", "lastUpdated"] {
                    if !nodes(meta, name).is_empty() {
                        DOM_4.report(
                            issues,
                            format!("{here}.meta.{name}"),
                            &format!("meta.{name} on a contained resource"),
                        );
                    }
                }
                if !nodes(meta, "security").is_empty() {
                    DOM_5.report(
                        issues,
                        format!("{here}.meta.security"),
                        "a security label on a contained resource",
                    );
                }
            }
        }
    }
    if !contained {
        let has_div = complex(nodes(resource, "text")).any(|text| !nodes(text, "div").is_empty());
        if !has_div {
            DOM_6.report(issues, at.child("text"), "no text.div");
        }
    }
}

/// The `#…` values of every element named `reference` and every canonical, uri or url below
/// `resource` (`%resource.descendants().reference | ….as(canonical) | ….as(uri) | ….as(url)`).
fn local_references(resource: &dyn Navigable) -> Vec<String> {
    let mut out = Vec::new();
    for_each_primitive(resource, resource.fhir_type(), &mut |name, p| {
        if let Some(PrimitiveRef::String(s)) = p.value {
            let referencing = name == "reference" || matches!(p.fhir_type, "canonical" | "uri" | "url");
            if referencing && s.starts_with('#') {
                out.push(s.to_owned());
            }
        }
    });
    out
}

/// `dom-3` for one contained resource: referred to from elsewhere in the container, or referring
/// to the container (`reference = '#'`, `as(canonical) = '#'`). A contained resource without an
/// id makes `'#' + id` empty and the `where()` drops it: it passes, as the expression says.
fn dom_3(contained: &dyn Navigable, references: &[String], here: &str, issues: &mut Issues) {
    let Some(id) = string_child(contained, "id") else {
        return;
    };
    let wanted = format!("#{id}");
    if references.contains(&wanted) {
        return;
    }
    let mut refers_to_container = false;
    for_each_primitive(contained, contained.fhir_type(), &mut |name, p| {
        if p.value == Some(PrimitiveRef::String("#")) && (name == "reference" || p.fhir_type == "canonical") {
            refers_to_container = true;
        }
    });
    if !refers_to_container {
        DOM_3.report(
            issues,
            here.to_owned(),
            &format!("contained resource {id:?} is not referenced as {wanted:?} and does not refer to its container"),
        );
    }
}
