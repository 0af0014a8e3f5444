//! The `bdl-*` invariants of R4 Bundle (`bdl-6` does not exist in R4).

use std::collections::HashMap;

use fhir_model::{Bundle, Resource};

use super::{BDL_1, BDL_10, BDL_11, BDL_12, BDL_2, BDL_3, BDL_4, BDL_5, BDL_7, BDL_8, BDL_9};
use crate::location::Location;
use crate::outcome::Issues;

fn value<T>(p: &Option<fhir_model::Primitive<T>>) -> Option<&T> {
    p.as_ref().and_then(|p| p.value.as_ref())
}

/// Checks every `bdl-*` rule on `bundle` at `at`.
pub(crate) fn check(bundle: &Bundle, at: &Location, issues: &mut Issues) {
    let Some(kind) = bundle.type_.value.as_ref().map(|t| t.code()) else {
        // No type: Bundle.type is reported missing; the rules below all depend on it.
        return;
    };
    if bundle.total.is_some() && !matches!(kind, "searchset" | "history") {
        BDL_1.report(issues, at.child("total"), &format!("total in a {kind} bundle"));
    }
    let wants_request = matches!(kind, "batch" | "transaction" | "history");
    let wants_response = matches!(kind, "batch-response" | "transaction-response" | "history");
    let mut full_urls: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, entry) in bundle.entry.iter().enumerate() {
        let here = at.item("entry", i);
        if entry.search.is_some() && kind != "searchset" {
            BDL_2.report(
                issues,
                format!("{here}.search"),
                &format!("entry.search in a {kind} bundle"),
            );
        }
        if entry.request.is_some() != wants_request {
            let found = if wants_request {
                format!("no entry.request in a {kind} bundle")
            } else {
                format!("entry.request in a {kind} bundle")
            };
            BDL_3.report(issues, format!("{here}.request"), &found);
        }
        if entry.response.is_some() != wants_response {
            let found = if wants_response {
                format!("no entry.response in a {kind} bundle")
            } else {
                format!("entry.response in a {kind} bundle")
            };
            BDL_4.report(issues, format!("{here}.response"), &found);
        }
        if entry.resource.is_none() && entry.request.is_none() && entry.response.is_none() {
            BDL_5.report(issues, here.clone(), "an entry with no resource, request or response");
        }
        if let Some(url) = value(&entry.full_url) {
            if url.contains("/_history/") {
                BDL_8.report(issues, format!("{here}.fullUrl"), &format!("fullUrl {url:?}"));
            }
            if kind != "history" {
                // `fullUrl & resource.meta.versionId`: `&` reads an absent version as ''.
                let version = entry
                    .resource
                    .as_ref()
                    .and_then(Resource::meta)
                    .and_then(|m| value(&m.version_id))
                    .map_or("", String::as_str);
                if let Some(first) = full_urls.insert((url.as_str(), version), i) {
                    BDL_7.report(
                        issues,
                        format!("{here}.fullUrl"),
                        &format!("fullUrl {url:?} (versionId {version:?}) also on entry[{first}]"),
                    );
                }
            }
        }
    }
    match kind {
        "document" => {
            let identified = bundle
                .identifier
                .as_ref()
                .is_some_and(|id| value(&id.system).is_some() && value(&id.value).is_some());
            if !identified {
                BDL_9.report(
                    issues,
                    at.child("identifier"),
                    "a document without identifier.system and identifier.value",
                );
            }
            if value(&bundle.timestamp).is_none() {
                BDL_10.report(issues, at.child("timestamp"), "a document without a timestamp value");
            }
            first_resource_is(bundle, "Composition", &BDL_11, at, issues);
        }
        "message" => first_resource_is(bundle, "MessageHeader", &BDL_12, at, issues),
        _ => {}
    }
}

fn first_resource_is(
    bundle: &Bundle,
    resource_type: &str,
    rule: &super::Constraint,
    at: &Location,
    issues: &mut Issues,
) {
    let found = bundle
        .entry
        .first()
        .and_then(|e| e.resource.as_ref())
        .map(|r| r.resource_type().to_owned());
    if found.as_deref() != Some(resource_type) {
        let found = found.map_or_else(
            || "no first resource".to_owned(),
            |t| format!("a first resource of type {t}"),
        );
        rule.report(issues, at.item("entry", 0), &found);
    }
}
