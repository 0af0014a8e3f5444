//! The attributed roster: a Group with ATR member extensions read into a roster, and the
//! difference between two versions.

use coordination::exchange::{Roster, RosterChange, ATTRIBUTED_PROVIDER, CHANGE_TYPE, COVERAGE_REFERENCE};
use fhir_model::{
    json, Extension, ExtensionValue, Group, GroupMember, GroupType, Identifier, Meta, Period, Primitive, Reference,
};

fn member(patient: &str, provider: &str, coverage: &str, change: &str, inactive: bool) -> GroupMember {
    let ext = |url: &str, value: ExtensionValue| Extension {
        url: url.to_owned(),
        value: Some(value),
        ..Default::default()
    };
    let mut m = GroupMember::new(Reference::to_type_id("Patient", patient));
    m.extension = vec![
        ext(CHANGE_TYPE, ExtensionValue::Code(Primitive::from(change))),
        ext(
            COVERAGE_REFERENCE,
            ExtensionValue::Reference(Box::new(Reference::to_type_id("Coverage", coverage))),
        ),
        ext(
            ATTRIBUTED_PROVIDER,
            ExtensionValue::Reference(Box::new(Reference::to_type_id("Practitioner", provider))),
        ),
    ];
    m.period = Some(Period {
        start: Some(Primitive::new("2024-01-01".parse().unwrap())),
        end: Some(Primitive::new("2024-12-31".parse().unwrap())),
        ..Default::default()
    });
    m.inactive = Some(Primitive::new(inactive));
    m
}

fn group(version: &str, members: Vec<GroupMember>) -> Group {
    let mut g = Group::new(GroupType::Person, true);
    g.id = Some(Primitive::from("atr-panel"));
    g.meta = Some(Meta {
        version_id: Some(Primitive::from(version)),
        ..Default::default()
    });
    g.member = members;
    g
}

#[test]
fn reads_members_with_atr_extensions() {
    let g = group("1", vec![member("p1", "dr-a", "c1", "new", false)]);
    // Through JSON, as it arrives in an NDJSON file.
    let g: Group = json::from_str(&json::to_string(&g)).unwrap();
    let roster = Roster::from_group(&g).unwrap();
    assert_eq!(roster.group_id.as_deref(), Some("atr-panel"));
    assert_eq!(roster.version.as_deref(), Some("1"));
    let m = &roster.members[0];
    assert_eq!(m.patient, "Patient/p1");
    assert_eq!(m.attributed_provider.as_deref(), Some("Practitioner/dr-a"));
    assert_eq!(m.coverage.as_deref(), Some("Coverage/c1"));
    assert_eq!(m.change_type.as_deref(), Some("new"));
    assert_eq!(
        (m.start.as_deref(), m.end.as_deref()),
        (Some("2024-01-01"), Some("2024-12-31"))
    );
    assert!(!m.inactive);
}

#[test]
fn entity_by_identifier_and_bad_extension_values() {
    let mut m = GroupMember::new(Reference::to_identifier("http://payer.example/member-id", "M-77"));
    m.extension = vec![Extension {
        url: ATTRIBUTED_PROVIDER.to_owned(),
        value: Some(ExtensionValue::Boolean(Primitive::new(true))),
        ..Default::default()
    }];
    let err = Roster::from_group(&group("1", vec![m.clone()])).unwrap_err();
    assert_eq!(err.index, 0);
    assert!(err.element.contains("ext-attributedProvider"), "{err}");
    m.extension.clear();
    let roster = Roster::from_group(&group("1", vec![m])).unwrap();
    assert_eq!(roster.members[0].patient, "http://payer.example/member-id|M-77");
    // An entity with nothing in it cannot name a member.
    let empty = GroupMember::new(Reference::default());
    let err = Roster::from_group(&group("1", vec![empty])).unwrap_err();
    assert_eq!(err.element, "entity");
    let _ = Identifier::default();
}

#[test]
fn diff_finds_added_removed_and_changed_members() {
    let before = Roster::from_group(&group(
        "1",
        vec![
            member("p1", "dr-a", "c1", "new", false),
            member("p2", "dr-a", "c2", "new", false),
            member("p3", "dr-b", "c3", "new", false),
            member("p4", "dr-b", "c4", "new", false),
        ],
    ))
    .unwrap();
    let after = Roster::from_group(&group(
        "2",
        vec![
            member("p1", "dr-a", "c1", "nochange", false),
            // p2 changed attributed provider, p3 changed coverage.
            member("p2", "dr-b", "c2", "changed", false),
            member("p3", "dr-b", "c3-2025", "changed", false),
            // ATR: inactive = true "when the member is no longer attributed".
            member("p4", "dr-b", "c4", "dropped", true),
            member("p5", "dr-a", "c5", "new", false),
            // Attributed to two providers: listed once per provider.
            member("p5", "dr-c", "c5", "new", false),
        ],
    ))
    .unwrap();
    let diff = before.diff(&after);
    assert_eq!(diff.added, vec!["Patient/p5"]);
    assert_eq!(diff.removed, vec!["Patient/p4"]);
    assert_eq!(
        diff.changed,
        vec![
            RosterChange {
                patient: "Patient/p2".into(),
                providers_before: vec!["Practitioner/dr-a".into()],
                providers_after: vec!["Practitioner/dr-b".into()],
                coverages_before: vec!["Coverage/c2".into()],
                coverages_after: vec!["Coverage/c2".into()],
            },
            RosterChange {
                patient: "Patient/p3".into(),
                providers_before: vec!["Practitioner/dr-b".into()],
                providers_after: vec!["Practitioner/dr-b".into()],
                coverages_before: vec!["Coverage/c3".into()],
                coverages_after: vec!["Coverage/c3-2025".into()],
            },
        ]
    );
    assert!(after.diff(&after).is_empty());
    // Going back undoes it.
    let back = after.diff(&before);
    assert_eq!(
        (back.added, back.removed),
        (vec!["Patient/p4".to_owned()], vec!["Patient/p5".to_owned()])
    );
}
