//! Small builders the scenarios share: codings and searchset Bundles as a server returns them.

use fhir_model::*;

use super::server::Server;

/// A CodeableConcept with one coding.
pub fn coding(system: &str, code: &str, display: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(Primitive::from(system)),
            code: Some(Primitive::from(code)),
            display: Some(Primitive::from(display)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A CodeableConcept with one coding without display.
pub fn code_only(system: &str, code: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(Primitive::from(system)),
            code: Some(Primitive::from(code)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The searchset a server answers a search with: `meta.lastUpdated` from its clock (the cursor a
/// poller must use), `total`, the `self` link, and each match with its `fullUrl`.
pub fn searchset(server: &Server, self_url: String, matches: Vec<Resource>) -> Bundle {
    let entries: Vec<BundleEntry> = matches
        .into_iter()
        .map(|r| BundleEntry {
            full_url: r
                .id()
                .map(|id| Primitive::new(server.url(&format!("{}/{id}", r.resource_type())))),
            resource: Some(r),
            search: Some(BundleEntrySearch {
                mode: Some(SearchEntryMode::Match.into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    Bundle {
        meta: Some(Meta {
            last_updated: Some(Primitive::new(server.instant())),
            ..Default::default()
        }),
        type_: BundleType::Searchset.into(),
        total: Some(Primitive::new(entries.len() as u32)),
        link: vec![BundleLink::new("self", Primitive::new(self_url))],
        entry: entries,
        ..Default::default()
    }
}
