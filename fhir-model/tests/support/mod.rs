//! proptest strategies for Tasks and Bundles, shared by the JSON and XML test suites.
//!
//! The generated values cover the shapes FHIR JSON and XML make hard: primitive extensions
//! (`_status` with `id` and `extension`, and primitives that carry only an extension), repeating
//! primitives with gaps (`given` with `null` placeholders), choice types of several kinds,
//! decimals whose text must survive, nested extensions and contained resources.
#![allow(dead_code)]

use fhir_model::*;
use proptest::prelude::*;
use proptest::sample::select;

/// A FHIR `string`: printable text including quotes, backslashes, markup and non-ASCII.
pub fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 \"\\\\/<>&'é☃\t\n-]{0,12}[a-zA-Z0-9é]"
}

pub fn code() -> impl Strategy<Value = String> {
    "[a-z]{1,8}(-[a-z0-9]{1,5})?"
}

pub fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.-]{0,15}"
}

pub fn uri() -> impl Strategy<Value = String> {
    "(http://example\\.org/[a-z]{1,8}|urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
}

pub fn decimal() -> impl Strategy<Value = Decimal> {
    "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,2})?".prop_map(|s| s.parse().unwrap())
}

pub fn date_time() -> impl Strategy<Value = DateTime> {
    (
        1900u16..2100,
        1u8..13,
        1u8..29,
        0u8..24,
        0u8..60,
        0u8..60,
        prop::option::of("[0-9]{1,6}"),
        0usize..5,
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, shape)| {
            let t = match shape {
                0 => format!("{y:04}"),
                1 => format!("{y:04}-{mo:02}"),
                2 => format!("{y:04}-{mo:02}-{d:02}"),
                3 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                _ => format!(
                    "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}-04:00",
                    frac.map(|f| format!(".{f}")).unwrap_or_default()
                ),
            };
            t.parse().unwrap()
        })
}

pub fn instant() -> impl Strategy<Value = Instant> {
    (2000u16..2030, 1u8..13, 1u8..29, 0u8..24, prop::option::of("[0-9]{1,4}")).prop_map(|(y, mo, d, h, f)| {
        format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:00:00{}Z",
            f.map(|f| format!(".{f}")).unwrap_or_default()
        )
        .parse()
        .unwrap()
    })
}

/// A primitive: a value, maybe with an id and extensions, or only extensions.
pub fn prim<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Primitive<T>> {
    let value = value.boxed();
    prop_oneof![
        6 => value.clone().prop_map(Primitive::new),
        1 => (value, prop::option::of(id()), prop::collection::vec(leaf_extension(), 0..2))
            .prop_map(|(v, i, e)| Primitive::with_element(Some(v), i, e)),
        1 => prop::collection::vec(leaf_extension(), 1..2).prop_map(|e| Primitive::with_element(None, None, e)),
    ]
    .boxed()
}

pub fn leaf_extension() -> impl Strategy<Value = Extension> {
    (
        uri(),
        prop_oneof![
            text().prop_map(|s| ExtensionValue::String(Primitive::new(s))),
            decimal().prop_map(|d| ExtensionValue::Decimal(Primitive::new(d))),
            any::<bool>().prop_map(|b| ExtensionValue::Boolean(Primitive::new(b))),
            any::<i32>().prop_map(|i| ExtensionValue::Integer(Primitive::new(i))),
            code().prop_map(|c| ExtensionValue::Code(Primitive::new(c))),
        ],
    )
        .prop_map(|(url, v)| Extension {
            url,
            value: Some(v),
            ..Default::default()
        })
}

pub fn extension() -> impl Strategy<Value = Extension> {
    prop_oneof![
        3 => leaf_extension(),
        1 => (uri(), prop::collection::vec(leaf_extension(), 1..3)).prop_map(|(url, ext)| Extension {
            url,
            extension: ext,
            ..Default::default()
        }),
        1 => (id(), id()).prop_map(|(t, i)| Extension {
            url: "http://hl7.org/fhir/4.0/StructureDefinition/extension-Task.focus".into(),
            value: Some(ExtensionValue::Reference(Box::new(Reference::to_type_id(
                if t.len() % 2 == 0 { "ServiceRequest" } else { "MedicationRequest" },
                &i
            )))),
            ..Default::default()
        }),
    ]
}

pub fn reference() -> impl Strategy<Value = Reference> {
    prop_oneof![
        (
            select(vec![
                "Patient",
                "Organization",
                "Practitioner",
                "ServiceRequest",
                "Task"
            ]),
            id()
        )
            .prop_map(|(t, i)| Reference::to_type_id(t, &i)),
        (uri(), text()).prop_map(|(u, d)| Reference {
            reference: Some(Primitive::new(u)),
            display: Some(Primitive::new(d)),
            ..Default::default()
        }),
        (uri(), id()).prop_map(|(s, v)| Reference::to_identifier(&s, &v)),
    ]
}

pub fn codeable_concept() -> impl Strategy<Value = CodeableConcept> {
    (
        prop::collection::vec((uri(), code(), prop::option::of(text())), 0..2),
        prop::option::of(text()),
    )
        .prop_map(|(codings, text)| CodeableConcept {
            coding: codings
                .into_iter()
                .map(|(s, c, d)| Coding {
                    system: Some(Primitive::new(s)),
                    code: Some(Primitive::new(c)),
                    display: d.map(Primitive::new),
                    ..Default::default()
                })
                .collect(),
            text: Some(Primitive::new(text.unwrap_or_else(|| "text".into()))),
            ..Default::default()
        })
}

pub fn input_value() -> impl Strategy<Value = TaskInputValue> {
    prop_oneof![
        prim(text()).prop_map(TaskInputValue::String),
        prim(any::<bool>()).prop_map(TaskInputValue::Boolean),
        prim(any::<i32>()).prop_map(TaskInputValue::Integer),
        prim(decimal()).prop_map(TaskInputValue::Decimal),
        prim(date_time()).prop_map(TaskInputValue::DateTime),
        prim(1u32..=i32::MAX as u32).prop_map(TaskInputValue::PositiveInt),
        reference().prop_map(|r| TaskInputValue::Reference(Box::new(r))),
        codeable_concept().prop_map(|c| TaskInputValue::CodeableConcept(Box::new(c))),
    ]
}

pub fn output_value() -> impl Strategy<Value = TaskOutputValue> {
    prop_oneof![
        prim(text()).prop_map(TaskOutputValue::String),
        reference().prop_map(|r| TaskOutputValue::Reference(Box::new(r))),
        prim(instant()).prop_map(TaskOutputValue::Instant),
    ]
}

/// A contained Patient whose `given` names have gaps (only an extension, no value).
pub fn patient() -> impl Strategy<Value = Patient> {
    (
        id(),
        prop::collection::vec(prim(text()), 1..4),
        prop::option::of(text()),
    )
        .prop_map(|(i, given, family)| Patient {
            id: Some(Primitive::new(i)),
            name: vec![HumanName {
                given,
                family: family.map(Primitive::new),
                ..Default::default()
            }],
            ..Default::default()
        })
}

pub fn task() -> impl Strategy<Value = Task> {
    let head = (
        prop::option::of(id()),
        prop::option::of((instant(), prop::option::of(id()))),
        prim(select(TaskStatus::ALL.to_vec()).prop_map(Coded::Known)),
        select(TaskIntent::ALL.to_vec()),
        prop::option::of(codeable_concept()),
        prop::option::of(codeable_concept()),
        prop::collection::vec((uri(), id()), 0..2),
        prop::option::of(text()),
    );
    let refs = (
        prop::option::of(reference()),
        prop::option::of(reference()),
        prop::option::of(reference()),
        prop::option::of(reference()),
        prop::collection::vec(reference(), 0..2),
        prop::collection::vec(reference(), 0..2),
    );
    let tail = (
        prop::option::of(prim(date_time())),
        prop::option::of(prim(date_time())),
        prop::collection::vec((codeable_concept(), input_value()), 0..3),
        prop::collection::vec((codeable_concept(), output_value()), 0..2),
        prop::collection::vec(extension(), 0..3),
        prop::collection::vec(patient(), 0..2),
    );
    (head, refs, tail).prop_map(
        |(
            (id, meta, status, intent, status_reason, business_status, identifiers, description),
            (focus, for_, owner, requester, based_on, part_of),
            (authored_on, last_modified, inputs, outputs, extension, contained),
        )| {
            let mut t = Task::new(TaskStatus::Draft, intent);
            t.id = id.map(Primitive::new);
            t.meta = meta.map(|(lu, v)| Meta {
                last_updated: Some(Primitive::new(lu)),
                version_id: v.map(Primitive::new),
                ..Default::default()
            });
            t.status = status;
            t.status_reason = status_reason;
            t.business_status = business_status;
            t.identifier = identifiers
                .into_iter()
                .map(|(s, v)| Identifier {
                    system: Some(Primitive::new(s)),
                    value: Some(Primitive::new(v)),
                    ..Default::default()
                })
                .collect();
            t.description = description.map(Primitive::new);
            t.focus = focus;
            t.for_ = for_;
            t.owner = owner;
            t.requester = requester;
            t.based_on = based_on;
            t.part_of = part_of;
            t.authored_on = authored_on;
            t.last_modified = last_modified;
            t.input = inputs.into_iter().map(|(c, v)| TaskInput::new(c, v)).collect();
            t.output = outputs.into_iter().map(|(c, v)| TaskOutput::new(c, v)).collect();
            t.extension = extension;
            t.contained = contained.into_iter().map(Resource::from).collect();
            t
        },
    )
}

pub fn bundle() -> impl Strategy<Value = Bundle> {
    (
        select(vec![BundleType::Searchset, BundleType::Collection, BundleType::History]),
        prop::option::of(0u32..10_000),
        prop::collection::vec(
            (
                prop::option::of(uri()),
                task(),
                prop::option::of(select(SearchEntryMode::ALL.to_vec())),
            ),
            0..4,
        ),
        prop::option::of(instant()),
    )
        .prop_map(|(ty, total, entries, ts)| Bundle {
            type_: ty.into(),
            total: total.map(Primitive::new),
            timestamp: ts.map(Primitive::new),
            link: vec![BundleLink::new(
                "self",
                Primitive::from("http://example.org/fhir/Task?_count=10"),
            )],
            entry: entries
                .into_iter()
                .map(|(full_url, task, mode)| BundleEntry {
                    full_url: full_url.map(Primitive::new),
                    resource: Some(Resource::from(task)),
                    search: mode.map(|m| BundleEntrySearch {
                        mode: Some(m.into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
}
