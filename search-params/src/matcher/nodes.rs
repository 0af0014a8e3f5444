//! Walking the compiled path of a parameter over a resource with fhir-model's navigation API,
//! reusing buffers so that a match allocates nothing once warmed up.

use fhir_model::navigate::{Navigable, Node, PrimitiveNode, PrimitiveRef};

use crate::registry::Step;
use crate::value::is_resource_type;

/// Node buffers reused across the matches of resources that live as long (`'a`).
#[derive(Default)]
pub(crate) struct Pool<'a> {
    free: Vec<Vec<Node<'a>>>,
}

impl<'a> Pool<'a> {
    pub(crate) fn get(&mut self) -> Vec<Node<'a>> {
        self.free.pop().unwrap_or_default()
    }

    pub(crate) fn put(&mut self, mut v: Vec<Node<'a>>) {
        v.clear();
        self.free.push(v);
    }

    /// The first string value of the children `name` of `c`.
    pub(crate) fn child_str(&mut self, c: &'a dyn Navigable, name: &str) -> Option<&'a str> {
        let mut v = self.get();
        c.children(name, &mut v);
        let found = v.iter().find_map(|n| match n {
            Node::Primitive(PrimitiveNode {
                value: Some(PrimitiveRef::String(s)),
                ..
            }) => Some(*s),
            _ => None,
        });
        self.put(v);
        found
    }

    /// Appends to `out` the nodes `steps` reach from `root`. Returns why some nodes could not be
    /// judged (a reference whose target type is unknown to `where(resolve() is T)`).
    pub(crate) fn collect(&mut self, root: Node<'a>, steps: &[Step], out: &mut Vec<Node<'a>>) -> Option<String> {
        let mut uncertain = None;
        self.walk(root, steps, out, &mut uncertain);
        uncertain
    }

    /// Depth-first: the last `Child` step writes straight into `out`, so a one-step path needs
    /// no buffer at all.
    fn walk(&mut self, node: Node<'a>, steps: &[Step], out: &mut Vec<Node<'a>>, uncertain: &mut Option<String>) {
        let Some((step, rest)) = steps.split_first() else {
            out.push(node);
            return;
        };
        match *step {
            Step::Child(name) => {
                let Node::Complex(c) = node else { return };
                if rest.is_empty() {
                    c.children(name, out);
                    return;
                }
                let mut children = self.get();
                c.children(name, &mut children);
                // `[0]` right after a child step keeps the first child only.
                let (children_to_walk, rest) = match rest.first() {
                    Some(Step::First) => (&children[..children.len().min(1)], &rest[1..]),
                    _ => (&children[..], rest),
                };
                for child in children_to_walk {
                    self.walk(*child, rest, out, uncertain);
                }
                self.put(children);
            }
            Step::OfType(t) => {
                if node.fhir_type() == t {
                    self.walk(node, rest, out, uncertain);
                }
            }
            Step::ResolveIs(t) => {
                if let Node::Complex(c) = node {
                    match self.reference_type(c) {
                        Some(found) if found == t => self.walk(node, rest, out, uncertain),
                        Some(_) => {}
                        None => {
                            *uncertain = Some(format!(
                                "cannot tell whether a reference points to a {t} without resolving it"
                            ))
                        }
                    }
                }
            }
            Step::WhereEq(child, value) => {
                if let Node::Complex(c) = node {
                    if self.child_str(c, child) == Some(value) {
                        self.walk(node, rest, out, uncertain);
                    }
                }
            }
            // A `[0]` not after a child step applies to a single node: keep it.
            Step::First => self.walk(node, rest, out, uncertain),
        }
    }

    /// The type a `Reference` points to: from its literal reference, else from `type`.
    pub(crate) fn reference_type(&mut self, reference: &'a dyn Navigable) -> Option<&'a str> {
        if reference.fhir_type() != "Reference" {
            return None;
        }
        match self.child_str(reference, "reference").map(classify) {
            Some(RefKind::Local { resource_type, .. } | RefKind::Absolute { resource_type, .. }) => Some(resource_type),
            _ => self.child_str(reference, "type"),
        }
    }
}

/// What a literal reference text points at (R4 references.html#literal), without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefKind<'a> {
    /// `Type/id[/_history/v]`
    Local {
        /// The resource type.
        resource_type: &'a str,
        /// The id.
        id: &'a str,
    },
    /// `base/Type/id[/_history/v]`
    Absolute {
        /// The base URL.
        base: &'a str,
        /// The resource type.
        resource_type: &'a str,
        /// The id.
        id: &'a str,
    },
    /// `#id`
    Contained,
    /// Any other URI.
    Other,
}

pub(crate) fn classify(text: &str) -> RefKind<'_> {
    if text.starts_with('#') {
        return RefKind::Contained;
    }
    let core = match text.find("/_history/") {
        Some(i) => &text[..i],
        None => text,
    };
    let Some((rest, id)) = core.rsplit_once('/') else {
        return RefKind::Other;
    };
    let (base, resource_type) = match rest.rsplit_once('/') {
        Some((b, t)) => (Some(b), t),
        None => (None, rest),
    };
    if !is_resource_type(resource_type) || !crate::value::is_id(id) {
        return RefKind::Other;
    }
    match base {
        None => RefKind::Local { resource_type, id },
        Some(b) if b.contains("://") => RefKind::Absolute {
            base: b,
            resource_type,
            id,
        },
        Some(_) => RefKind::Other,
    }
}

/// The local `(type, id)` a reference text denotes, given the server base (absolute references
/// on that base are local).
pub(crate) fn local_key<'t>(text: &'t str, base: Option<&str>) -> Option<(&'t str, &'t str)> {
    match classify(text) {
        RefKind::Local { resource_type, id } => Some((resource_type, id)),
        RefKind::Absolute {
            base: b,
            resource_type,
            id,
        } if base.is_some_and(|base| base.trim_end_matches('/') == b) => Some((resource_type, id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_reference_forms() {
        assert_eq!(
            classify("Organization/123"),
            RefKind::Local {
                resource_type: "Organization",
                id: "123"
            }
        );
        assert_eq!(
            classify("http://x.org/fhir/Patient/1/_history/2"),
            RefKind::Absolute {
                base: "http://x.org/fhir",
                resource_type: "Patient",
                id: "1"
            }
        );
        assert_eq!(classify("#p1"), RefKind::Contained);
        assert_eq!(classify("urn:uuid:1234"), RefKind::Other);
        assert_eq!(classify("Foo/1"), RefKind::Other);
        assert_eq!(
            local_key("http://x.org/fhir/Patient/1", Some("http://x.org/fhir/")),
            Some(("Patient", "1"))
        );
        assert_eq!(
            local_key("http://y.org/fhir/Patient/1", Some("http://x.org/fhir")),
            None
        );
    }
}
