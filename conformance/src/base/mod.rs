//! The base checks: what the R4 core definitions require of every resource, whatever profile it
//! claims.
//!
//! Each resource is checked on its own: the resource given, and every resource it holds in
//! `Bundle.entry.resource`, `Bundle.entry.response.outcome` and `Parameters.parameter.resource`
//! (at their own location, such as `Bundle.entry[3].resource`). Contained resources are checked
//! as part of their container. For each:
//!
//! 1. [`structure`]: generic, driven by the tables generated from the StructureDefinitions:
//!    cardinalities, required bindings, `ele-1`, `ext-1`, `ref-1` (local references are looked
//!    up among the contained resources of the resource);
//! 2. the resource invariants written against the typed model: `dom-2` … `dom-6`, Task `inv-1`,
//!    Bundle `bdl-*` ([`crate::invariants`]).
//!
//! A resource of a type the crate does not model is kept as read by the parser: it gets one
//! `information` issue (`not-supported`) saying its content was not checked.

pub(crate) mod structure;

use fhir_model::{IssueSeverity, IssueType, ParametersParameter, Resource};

use crate::invariants::{bundle, domain, task};
use crate::location::Location;
use crate::outcome::Issues;

/// Runs the base checks on `resource`, located at `root` (`Task`, or `Bundle.entry[3].resource`
/// for a resource checked on its own inside a Bundle).
pub(crate) fn check(resource: &Resource, root: &str, issues: &mut Issues) {
    check_at(resource, &Location::new(root), false, issues);
}

/// Checks one resource; `in_contained` when it sits inside a contained resource (a contained
/// Bundle's entries), where narrative is the container's business.
fn check_at(resource: &Resource, at: &Location, in_contained: bool, issues: &mut Issues) {
    let contained_ids = contained_resources(resource).iter().filter_map(Resource::id).collect();
    structure::Walker::new(issues, at.as_str(), contained_ids).resource(resource);
    typed(resource, &mut at.clone(), in_contained, issues);
}

/// Calls `f` with every resource held in `resource` that is checked on its own: the resources of
/// `Bundle.entry.resource`, `Bundle.entry.response.outcome` and `Parameters.parameter.resource`
/// (also inside parts), with their locations. Contained resources are not included: they belong
/// to their container.
pub(crate) fn for_each_nested<'a>(resource: &'a Resource, at: &Location, f: &mut dyn FnMut(&'a Resource, Location)) {
    match resource {
        Resource::Bundle(b) => {
            for (i, entry) in b.entry.iter().enumerate() {
                if let Some(r) = &entry.resource {
                    let mut here = at.clone();
                    here.push("entry", Some(i));
                    here.push("resource", None);
                    f(r, here);
                }
                if let Some(r) = entry.response.as_ref().and_then(|resp| resp.outcome.as_ref()) {
                    let mut here = at.clone();
                    here.push("entry", Some(i));
                    here.push("response", None);
                    here.push("outcome", None);
                    f(r, here);
                }
            }
        }
        Resource::Parameters(p) => parameters(&p.parameter, at, f),
        _ => {}
    }
}

fn parameters<'a>(list: &'a [ParametersParameter], at: &Location, f: &mut dyn FnMut(&'a Resource, Location)) {
    for (i, p) in list.iter().enumerate() {
        let mut here = at.clone();
        here.push("parameter", Some(i));
        nested_parameter(p, here, f);
    }
}

/// The resource of one parameter (at `here`) and those of its parts.
fn nested_parameter<'a>(p: &'a ParametersParameter, here: Location, f: &mut dyn FnMut(&'a Resource, Location)) {
    if let Some(r) = &p.resource {
        let mut r_at = here.clone();
        r_at.push("resource", None);
        f(r, r_at);
    }
    for (i, part) in p.part.iter().enumerate() {
        let mut part_at = here.clone();
        part_at.push("part", Some(i));
        nested_parameter(part, part_at, f);
    }
}

fn typed(resource: &Resource, at: &mut Location, contained: bool, issues: &mut Issues) {
    if let Resource::Other(other) = resource {
        issues.push(
            IssueSeverity::Information,
            IssueType::NotSupported,
            at.as_str().to_owned(),
            format!(
                "resource type {} is not modelled by this crate: its content was read but not checked",
                other.resource_type()
            ),
        );
        return;
    }
    if domain::is_domain_resource(resource.resource_type()) {
        domain::check(resource, contained, at, issues);
    }
    match resource {
        Resource::Task(t) => task::inv_1(t, at, issues),
        Resource::Bundle(b) => bundle::check(b, at, issues),
        _ => {}
    }
    for (i, c) in contained_resources(resource).iter().enumerate() {
        at.push("contained", Some(i));
        typed(c, at, true, issues);
        at.pop();
    }
    for_each_nested(resource, &at.clone(), &mut |nested, here| {
        check_at(nested, &here, contained, issues)
    });
}

macro_rules! contained_of {
    ($($variant:ident),* $(,)?) => {
        /// The modelled resource types that derive from DomainResource (and so have `contained`).
        #[cfg(test)]
        pub(crate) const DOMAIN_RESOURCE_TYPES: &[&str] = &[$(stringify!($variant)),*];

        /// The contained resources of `resource`.
        pub(crate) fn contained_resources(resource: &Resource) -> &[Resource] {
            match resource {
                $(Resource::$variant(x) => &x.contained,)*
                _ => &[],
            }
        }
    };
}

contained_of!(
    Task,
    ServiceRequest,
    CommunicationRequest,
    Communication,
    OperationOutcome,
    Subscription,
    Condition,
    Patient,
    Practitioner,
    PractitionerRole,
    Organization,
    Group,
    Coverage,
    Claim,
    ExplanationOfBenefit,
    DocumentReference,
    Questionnaire,
    QuestionnaireResponse,
    Consent,
    Provenance,
    CapabilityStatement,
    Endpoint,
    Basic,
    Observation,
    Procedure,
    Goal,
    Location,
    HealthcareService,
    Encounter,
    Device,
    RelatedPerson,
);

#[cfg(test)]
mod tests {
    use super::structure::TypeDef;
    use crate::generated::elements::TYPES;

    /// Every modelled resource with a `contained` element is listed for the typed pass, and the
    /// elements holding resources are the four the typed pass descends into.
    #[test]
    fn the_typed_pass_knows_every_resource_element() {
        let resources: Vec<&TypeDef> = TYPES
            .iter()
            .filter(|t| !t.key.contains('.') && t.elements.iter().any(|e| e.name == "meta"))
            .collect();
        for t in resources {
            let has_contained = t.elements.iter().any(|e| e.name == "contained");
            assert_eq!(
                has_contained,
                super::DOMAIN_RESOURCE_TYPES.contains(&t.key),
                "{}: contained element vs DOMAIN_RESOURCE_TYPES",
                t.key
            );
        }
        let mut holding: Vec<String> = TYPES
            .iter()
            .flat_map(|t| {
                t.elements
                    .iter()
                    .filter(|e| e.kind == super::structure::Kind::Resource && e.name != "contained")
                    .map(move |e| format!("{}.{}", t.key, e.name))
            })
            .collect();
        holding.sort();
        assert_eq!(
            holding,
            [
                "Bundle.entry.resource",
                "Bundle.entry.response.outcome",
                "Parameters.parameter.resource"
            ]
        );
    }
}
