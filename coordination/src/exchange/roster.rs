//! The attributed patient roster (seed 002 scenario 5; Da Vinci ATR Member Attribution List):
//! a Group's members read into a roster, and the difference between two rosters — "who does
//! the payer consider my panel".
//!
//! From ATR spec.md (sources in `docs/spec/bulk.md` §Roster): `Group.member.entity` is the
//! member; `Group.member.period` "the attribution period"; `Group.member.inactive = true` "when
//! the member is no longer attributed"; a member attributed to several providers appears "once
//! for each provider"; the member extensions `ext-attributedProvider` and
//! `ext-coverageReference` (valueReference) and `ext-changeType` (valueCode from
//! `new | dropped | changed | nochange | cancelled`).

use std::collections::{BTreeMap, BTreeSet};

use fhir_model::{ExtensionValue, Group, GroupMember, Reference};

/// `ext-attributedProvider` (ATR).
pub const ATTRIBUTED_PROVIDER: &str = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-attributedProvider";
/// `ext-coverageReference` (ATR).
pub const COVERAGE_REFERENCE: &str = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-coverageReference";
/// `ext-changeType` (ATR).
pub const CHANGE_TYPE: &str = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-changeType";

/// One `Group.member` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterMember {
    /// The member (`Patient/123`, or an identifier `system|value` when the entity has no
    /// literal reference).
    pub patient: String,
    /// Attribution period start, as written.
    pub start: Option<String>,
    /// Attribution period end, as written.
    pub end: Option<String>,
    /// `Group.member.inactive`.
    pub inactive: bool,
    /// The attributed provider reference, if given.
    pub attributed_provider: Option<String>,
    /// The coverage reference, if given.
    pub coverage: Option<String>,
    /// The change type code, if given.
    pub change_type: Option<String>,
}

/// A roster: the Group's members, in Group order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// The Group id.
    pub group_id: Option<String>,
    /// The Group's version (`meta.versionId`): ATR producers create a new version as data change.
    pub version: Option<String>,
    /// The members.
    pub members: Vec<RosterMember>,
}

/// A Group member that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Group.member[{index}].{element}: expected {expected}, found {found}")]
pub struct RosterError {
    /// The member index.
    pub index: usize,
    /// The element.
    pub element: String,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
}

fn reference_text(r: &Reference) -> Option<String> {
    if let Some(s) = r.reference_str() {
        return Some(s.to_owned());
    }
    let id = r.identifier.as_ref()?;
    let system = id.system.as_ref().and_then(|s| s.value.clone()).unwrap_or_default();
    let value = id.value.as_ref().and_then(|s| s.value.clone())?;
    Some(format!("{system}|{value}"))
}

fn member_extension(member: &GroupMember, index: usize, url: &str) -> Result<Option<String>, RosterError> {
    let Some(ext) = member.extension.iter().find(|e| e.url == url) else {
        return Ok(None);
    };
    let element = format!("extension({url})");
    match &ext.value {
        Some(ExtensionValue::Reference(r)) => reference_text(r).map(Some).ok_or_else(|| RosterError {
            index,
            element,
            expected: "a reference or identifier".into(),
            found: "an empty Reference".into(),
        }),
        Some(ExtensionValue::Code(c)) => Ok(c.value.clone()),
        _ => Err(RosterError {
            index,
            element,
            expected: "valueReference or valueCode".into(),
            found: "another value".into(),
        }),
    }
}

impl Roster {
    /// Reads a Group's members.
    pub fn from_group(group: &Group) -> Result<Roster, RosterError> {
        let members = group
            .member
            .iter()
            .enumerate()
            .map(|(index, m)| {
                let patient = reference_text(&m.entity).ok_or_else(|| RosterError {
                    index,
                    element: "entity".into(),
                    expected: "a reference or identifier".into(),
                    found: "an empty Reference".into(),
                })?;
                let period = m.period.as_ref();
                Ok(RosterMember {
                    patient,
                    start: period
                        .and_then(|p| p.start.as_ref())
                        .and_then(|d| d.value.as_ref())
                        .map(|d| d.to_string()),
                    end: period
                        .and_then(|p| p.end.as_ref())
                        .and_then(|d| d.value.as_ref())
                        .map(|d| d.to_string()),
                    inactive: m.inactive.as_ref().and_then(|b| b.value).unwrap_or(false),
                    attributed_provider: member_extension(m, index, ATTRIBUTED_PROVIDER)?,
                    coverage: member_extension(m, index, COVERAGE_REFERENCE)?,
                    change_type: member_extension(m, index, CHANGE_TYPE)?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Roster {
            group_id: group.id.as_ref().and_then(|i| i.value.clone()),
            version: group
                .meta
                .as_ref()
                .and_then(|m| m.version_id.as_ref())
                .and_then(|v| v.value.clone()),
            members,
        })
    }

    /// The patients currently attributed (members not `inactive`), with their providers and
    /// coverages.
    fn attributions(&self) -> BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> {
        let mut out: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
        for m in self.members.iter().filter(|m| !m.inactive) {
            let entry = out.entry(m.patient.as_str()).or_default();
            if let Some(p) = &m.attributed_provider {
                entry.0.insert(p);
            }
            if let Some(c) = &m.coverage {
                entry.1.insert(c);
            }
        }
        out
    }

    /// What changed from `self` (older) to `newer`: patients added, removed (absent or now
    /// inactive), and those whose attributed providers or coverages changed.
    pub fn diff(&self, newer: &Roster) -> RosterDiff {
        let old = self.attributions();
        let new = newer.attributions();
        let mut diff = RosterDiff::default();
        for (patient, (providers, coverages)) in &new {
            match old.get(patient) {
                None => diff.added.push((*patient).to_owned()),
                Some((old_providers, old_coverages)) => {
                    if old_providers != providers || old_coverages != coverages {
                        let owned = |s: &BTreeSet<&str>| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
                        diff.changed.push(RosterChange {
                            patient: (*patient).to_owned(),
                            providers_before: owned(old_providers),
                            providers_after: owned(providers),
                            coverages_before: owned(old_coverages),
                            coverages_after: owned(coverages),
                        });
                    }
                }
            }
        }
        diff.removed = old
            .keys()
            .filter(|p| !new.contains_key(*p))
            .map(|p| (*p).to_owned())
            .collect();
        diff
    }
}

/// The difference between two rosters (patients sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterDiff {
    /// Newly attributed patients.
    pub added: Vec<String>,
    /// Patients no longer attributed.
    pub removed: Vec<String>,
    /// Patients whose attributed providers or coverages changed.
    pub changed: Vec<RosterChange>,
}

impl RosterDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A patient whose attribution changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterChange {
    /// The patient.
    pub patient: String,
    /// Attributed providers before.
    pub providers_before: Vec<String>,
    /// Attributed providers after.
    pub providers_after: Vec<String>,
    /// Coverages before.
    pub coverages_before: Vec<String>,
    /// Coverages after.
    pub coverages_after: Vec<String>,
}
