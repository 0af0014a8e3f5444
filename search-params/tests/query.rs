//! Parsing and building queries: the Gravity seed's queries, the R4 page's examples, errors that
//! name the parameter and its position, and the three output forms.

use search_params::{
    DateValue, ErrorKind, Filter, Include, Link, Prefix, Query, ReferenceValue, SortKey, Summary, Test, TokenValue,
    Total,
};

/// The polling and subscription queries of seed 004 (SDOH Clinical Care / Gravity, "Checking
/// Task Status"), with `_lastupdated` written in its correct case `_lastUpdated` (search
/// parameter names are case sensitive, search.html#searchinputs) and the seed's typo
/// `_id=1234m5678` read as `_id=1234,5678`.
const SEED_QUERIES: &[&str] = &[
    "Task?owner=Organization/123&_lastUpdated=gt2021-05-03T17:23:18.1732-04:00",
    "Task?owner=Organization/456&_lastUpdated=gt2021-05-03T17:23:18.1732-04:00",
    "Task?owner:identifier=http%3A%2F%2Fsomeorganization%2Fsome%2Fidentifier%2Fsystem|123&_lastUpdated=2021-05-03T17:23:18.1732-04:00",
    "Task?owner:missing=true&status=requested&_lastUpdated=gt2021-05-03T17:23:18.1732-04:00",
    "Task?_id=1234,5678",
    "Task?_id=1234,5678&_include=Task:focus",
    "Task?status:not=draft&intent=order",
];

#[test]
fn seed_queries_parse_and_build_back_exactly() {
    for q in SEED_QUERIES {
        let parsed = Query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(&parsed.to_relative(), q);
        let base = "https://ehr.example.org/fhir";
        let absolute = format!("{base}/{q}");
        assert_eq!(parsed.to_url(base), absolute);
        let (found_base, again) = Query::parse_with_base(&absolute).unwrap();
        assert_eq!(found_base.as_deref(), Some(base));
        assert_eq!(again, parsed);
        let body = parsed.to_form_body();
        assert_eq!(Query::parse_form("Task", &body).unwrap(), parsed, "{body}");
    }
}

#[test]
fn seed_queries_from_the_builder() {
    let gt = || DateValue::new(Prefix::Gt, "2021-05-03T17:23:18.1732-04:00").unwrap();
    let q = Query::new("Task")
        .unwrap()
        .and("owner", Test::reference(ReferenceValue::typed("Organization", "123")))
        .unwrap()
        .and("_lastUpdated", Test::date(gt()))
        .unwrap();
    assert_eq!(q.to_string(), SEED_QUERIES[0]);

    let q = Query::new("Task")
        .unwrap()
        .and(
            "owner",
            Test::Identifier(vec![TokenValue::system_code(
                "http://someorganization/some/identifier/system",
                "123",
            )]),
        )
        .unwrap()
        .and(
            "_lastUpdated",
            Test::date(DateValue::on("2021-05-03T17:23:18.1732-04:00").unwrap()),
        )
        .unwrap();
    assert_eq!(q.to_string(), SEED_QUERIES[2]);

    let q = Query::new("Task")
        .unwrap()
        .and("owner", Test::Missing(true))
        .unwrap()
        .and("status", Test::codes(["requested"]))
        .unwrap()
        .and("_lastUpdated", Test::date(gt()))
        .unwrap();
    assert_eq!(q.to_string(), SEED_QUERIES[3]);

    let q = Query::new("Task")
        .unwrap()
        .and("_id", Test::codes(["1234", "5678"]))
        .unwrap()
        .include(Include::new("Task", "focus"))
        .unwrap();
    assert_eq!(q.to_string(), SEED_QUERIES[5]);

    let q = Query::new("Task")
        .unwrap()
        .and("status", Test::not_code("draft"))
        .unwrap()
        .and("intent", Test::codes(["order"]))
        .unwrap();
    assert_eq!(q.to_string(), SEED_QUERIES[6]);
}

#[test]
fn spec_examples_parse() {
    // Examples of the R4 search page that apply to the modelled resources.
    for q in [
        "Patient?_id=23",
        "Observation?_lastUpdated=gt2010-10-01",
        "Condition?_tag=http://acme.org/codes|needs-review",
        "Patient?gender:not=male",
        "Patient?identifier=http://acme.org/patient|2345",
        "Patient?active=true",
        "Condition?code:text=headache",
        "Condition?code:in=http%3A%2F%2Fsnomed.info%2Fsct%3Ffhir_vs%3Disa%2F126851005",
        "Condition?code:below=126851005",
        "Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|446053",
        "DocumentReference?contenttype:below=text/xml",
        "Observation?value-quantity=5.4|http://unitsofmeasure.org|mg",
        "Observation?value-quantity=5.40e-3|http://unitsofmeasure.org|g",
        "Observation?value-quantity=5.4||mg",
        "Observation?value-quantity=le5.4|http://unitsofmeasure.org|mg",
        "Observation?subject=Patient/23",
        "Observation?subject:Patient=23",
        "Observation?subject:identifier=http://acme.org/fhir/identifier/mrn|123456",
        "Observation?subject:Patient.name=peter",
        "Patient?general-practitioner:Practitioner.name=Joe",
        "Patient?_has:Observation:patient:code=1234-5",
        "Patient?_has:Observation:patient:code=123,456",
        "Patient?language=FR,NL&language=EN",
        "Observation?component-code-value-quantity=http://loinc.org|8480-6$lt60",
        "Group?characteristic-value=gender$mixed,owner$Eve",
        "Questionnaire?context-type-value=focus$http://snomed.info/sct|408934002",
        "Observation?code=a\\,b",
        "Patient?given:contains=eve",
        "Patient?given:exact=Eve",
        "Observation?_sort=status,-date,category",
        "Patient?_elements=identifier,active,link",
        "Patient?_summary=count&_total=accurate&_count=0",
        "Procedure?date=ge2010-01-01&date=le2011-12-31",
        "Observation?_include=Observation:subject:Patient&_revinclude:iterate=Provenance:target",
        "Patient?_list=42",
    ] {
        let parsed = Query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let built = parsed.to_relative();
        assert_eq!(Query::parse(&built).unwrap(), parsed, "{q} -> {built}");
    }
}

#[test]
fn canonical_forms() {
    // Values are re-encoded canonically: URIs as URI components, FHIR escapes as %5C.
    let cases = [
        (
            "Patient?identifier=http://acme.org/patient|2345",
            "Patient?identifier=http%3A%2F%2Facme.org%2Fpatient|2345",
        ),
        ("Observation?code=a\\,b", "Observation?code=a%5C,b"),
        (
            "Patient?name=Jos%C3%A9+Mar%C3%ADa",
            "Patient?name=Jos%C3%A9%2BMar%C3%ADa",
        ),
        ("Task?status=requested&&intent=", "Task?status=requested"),
        (
            "Task?_lastUpdated=gt2021-05-03T17%3A23%3A18Z",
            "Task?_lastUpdated=gt2021-05-03T17:23:18Z",
        ),
    ];
    for (input, canonical) in cases {
        assert_eq!(Query::parse(input).unwrap().to_relative(), canonical, "{input}");
    }
    let form = Query::parse_form("Patient", "name=Jos%C3%A9+Mar%C3%ADa").unwrap();
    assert_eq!(form.to_relative(), "Patient?name=Jos%C3%A9%20Mar%C3%ADa");
    assert_eq!(form.to_form_body(), "name=Jos%C3%A9+Mar%C3%ADa");
}

fn error_of(q: &str) -> (Option<String>, Option<usize>, ErrorKind) {
    let e = Query::parse(q).expect_err(q);
    assert!(
        e.to_string().contains(e.parameter.as_deref().unwrap_or_default()),
        "{e}"
    );
    (e.parameter, e.position, e.kind)
}

/// Query, parameter named, position, expected kind.
type ErrorCase = (&'static str, &'static str, usize, fn(&ErrorKind) -> bool);

#[test]
fn errors_name_the_parameter_and_position() {
    let table: &[ErrorCase] = &[
        ("Task?foo=1", "foo", 5, |k| {
            matches!(k, ErrorKind::UnknownParameter { .. })
        }),
        (
            "Task?status=requested&owner:exact=Organization/1",
            "owner:exact",
            22,
            |k| matches!(k, ErrorKind::ModifierNotAllowed { .. }),
        ),
        ("Task?_lastUpdated=gt2021-13-01", "_lastUpdated", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?_lastUpdated=xx2021", "_lastUpdated", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?authored-on=2021-05-03T10", "authored-on", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?_include=Task:status", "_include", 5, |k| {
            matches!(k, ErrorKind::BadInclude(_))
        }),
        ("Task?_include=Task:owner:Account", "_include", 5, |k| {
            matches!(k, ErrorKind::BadInclude(_))
        }),
        ("Task?_include=Patient:organization", "_include", 5, |k| {
            matches!(k, ErrorKind::BadInclude(_))
        }),
        ("Task?_revinclude=Provenance:patient", "_revinclude", 5, |k| {
            matches!(k, ErrorKind::BadInclude(_))
        }),
        ("Task?owner=Account/1", "owner", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?owner:missing=maybe", "owner:missing", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?status=a\\b", "status", 5, |k| {
            matches!(k, ErrorKind::BadEscape(_))
        }),
        ("Task?status=%zz", "status", 5, |k| matches!(k, ErrorKind::BadEscape(_))),
        ("Task?status=a,,b", "status", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?status", "status", 5, |k| matches!(k, ErrorKind::Malformed(_))),
        ("Task?_count=ten", "_count", 5, |k| {
            matches!(k, ErrorKind::InvalidValue { .. })
        }),
        ("Task?_count=1&_count=2", "_count", 14, |k| {
            matches!(k, ErrorKind::BadResultParameter(_))
        }),
        ("Task?_summary=maybe", "_summary", 5, |k| {
            matches!(k, ErrorKind::BadResultParameter(_))
        }),
        ("Task?_sort=-nope", "_sort", 5, |k| {
            matches!(k, ErrorKind::UnknownParameter { .. })
        }),
        ("Task?status.name=x", "status.name", 5, |k| {
            matches!(k, ErrorKind::BadChain(_))
        }),
        ("Task?owner:Organization.nope=x", "owner:Organization.nope", 5, |k| {
            matches!(k, ErrorKind::UnknownParameter { .. })
        }),
        (
            "Task?_has:Observation:patient:code=x",
            "_has:Observation:patient:code",
            5,
            |k| matches!(k, ErrorKind::BadChain(_)),
        ),
        ("Task?period:exact=2021", "period:exact", 5, |k| {
            matches!(k, ErrorKind::ModifierNotAllowed { .. })
        }),
        ("Task?status:foo=x", "status:foo", 5, |k| {
            matches!(k, ErrorKind::ModifierNotAllowed { .. })
        }),
        (
            "Patient?_summary=text&_include=Patient:organization",
            "_include",
            22,
            |k| matches!(k, ErrorKind::BadResultParameter(_)),
        ),
        (
            "Observation?component-code-value-quantity=http://loinc.org|8480-6",
            "component-code-value-quantity",
            12,
            |k| matches!(k, ErrorKind::InvalidValue { .. }),
        ),
    ];
    for (q, param, pos, kind) in table {
        let (p, at, k) = error_of(q);
        assert_eq!(p.as_deref(), Some(*param), "{q}");
        assert_eq!(at, Some(*pos), "{q}");
        assert!(kind(&k), "{q}: {k:?}");
    }
    assert!(matches!(
        Query::parse("Account?x=1").unwrap_err().kind,
        ErrorKind::UnknownResourceType(_)
    ));
    assert!(matches!(
        Query::parse("Task?status=x#frag").unwrap_err().kind,
        ErrorKind::Malformed(_)
    ));
}

#[test]
fn builder_rejects_what_the_types_cannot() {
    let task = || Query::new("Task").unwrap();
    // A date test on a token parameter, a token test on a date parameter.
    assert!(task()
        .and("status", Test::date(DateValue::on("2021").unwrap()))
        .is_err());
    assert!(task().and("authored-on", Test::codes(["x"])).is_err());
    // A prefix the parameter does not allow is impossible to express on tokens; on dates all
    // nine are allowed, `:missing` is refused on composites.
    assert!(task()
        .and("authored-on", Test::date(DateValue::new(Prefix::Ap, "2021").unwrap()))
        .is_ok());
    let obs = Query::new("Observation").unwrap();
    assert!(obs.and("code-value-quantity", Test::Missing(true)).is_err());
    // Empty values cannot be written unambiguously.
    assert!(task().and("status", Test::codes([""])).is_err());
    // Chains are checked link by link.
    let f = Filter::new("name", Test::string("Acme")).via(Link::chain("owner", Some("Organization")));
    assert_eq!(
        task().filter(f).unwrap().to_string(),
        "Task?owner:Organization.name=Acme"
    );
    let bad = Filter::new("name", Test::string("Acme")).via(Link::chain("owner", Some("Account")));
    assert!(task().filter(bad).is_err());
    let has = Filter::new("status", Test::codes(["active"])).via(Link::has("Task", "focus"));
    assert_eq!(
        Query::new("ServiceRequest").unwrap().filter(has).unwrap().to_string(),
        "ServiceRequest?_has:Task:focus:status=active"
    );
    let q = task()
        .sort(vec![SortKey {
            param: "authored-on".into(),
            descending: true,
        }])
        .unwrap()
        .count(10)
        .unwrap()
        .summary(Summary::True)
        .unwrap()
        .total(Total::Accurate)
        .unwrap()
        .elements(["status", "owner"])
        .unwrap()
        .include(Include::new("Task", "owner").target("Organization"))
        .unwrap()
        .revinclude(Include::new("Provenance", "target").iterate())
        .unwrap();
    let text = q.to_string();
    assert_eq!(
        text,
        "Task?_sort=-authored-on&_count=10&_summary=true&_total=accurate&_elements=status,owner\
         &_include=Task:owner:Organization&_revinclude:iterate=Provenance:target"
    );
    assert_eq!(Query::parse(&text).unwrap(), q);
}

#[test]
fn values_cannot_inject_parameters_or_branches() {
    let nasty = "a&status=b,c|d$e\\f#g%h+i j=k";
    let q = Query::new("Patient").unwrap().and("name", Test::string(nasty)).unwrap();
    let text = q.to_string();
    assert_eq!(text.matches('&').count(), 0, "{text}");
    let back = Query::parse(&text).unwrap();
    assert_eq!(back.filters().count(), 1);
    assert_eq!(back, q);
}
