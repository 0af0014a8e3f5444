//! Matcher tables per parameter type, from the examples of the R4 search page and the Gravity
//! seed, including the date precision edges.

use fhir_model::json::from_str;
use fhir_model::{Observation, Patient, Resource, Task};
use search_params::{Outcome, Query, ResourceSet};

fn task(json: &str) -> Task {
    from_str(&format!(
        r#"{{"resourceType":"Task","status":"requested","intent":"order"{json}}}"#
    ))
    .unwrap()
}

fn outcome(query: &str, resource: &dyn fhir_model::navigate::Navigable) -> Outcome {
    Query::parse(query)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .compile()
        .matches(resource)
}

fn check(rows: &[(&str, &str, bool)], make: impl Fn(&str) -> Box<dyn fhir_model::navigate::Navigable>) {
    for (query, json, expected) in rows {
        let r = make(json);
        let got = outcome(query, r.as_ref());
        assert_eq!(
            got,
            if *expected { Outcome::Match } else { Outcome::NoMatch },
            "{query} on {json}"
        );
    }
}

fn tasks(rows: &[(&str, &str, bool)]) {
    check(rows, |json| Box::new(task(json)));
}

#[test]
fn tokens() {
    let coded = r#","id":"t1","code":{"coding":[{"system":"http://x.org/cs","code":"a"},{"code":"b"}],"text":"Referral to food bank"},
        "identifier":[{"system":"http://ids","value":"42","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]}}],
        "meta":{"tag":[{"system":"http://tags","code":"urgent"}]}"#;
    tasks(&[
        ("Task?status=requested", "", true),
        ("Task?status=draft", "", false),
        ("Task?status=draft,requested", "", true),
        ("Task?status=Requested", "", false),
        ("Task?status:not=draft", "", true),
        ("Task?status:not=requested", "", false),
        // The system of a required-binding code comes from its value set (search.html#token).
        ("Task?status=http://hl7.org/fhir/task-status|requested", "", true),
        ("Task?status=http://hl7.org/fhir/task-status|", "", true),
        ("Task?status=http://example.org/other|requested", "", false),
        ("Task?status=|requested", "", false),
        ("Task?status:not=http://hl7.org/fhir/task-status|draft", "", true),
        ("Task?status:missing=false", "", true),
        ("Task?code=a", coded, true),
        ("Task?code=http://x.org/cs|a", coded, true),
        ("Task?code=http://y.org/cs|a", coded, false),
        ("Task?code=http://x.org/cs|", coded, true),
        ("Task?code=|b", coded, true),
        ("Task?code=|a", coded, false),
        ("Task?code:not=c", coded, true),
        ("Task?code:not=c", "", true),
        ("Task?code:not=b", coded, false),
        ("Task?code:missing=true", "", true),
        ("Task?code:missing=true", coded, false),
        ("Task?code:text=referral", coded, true),
        ("Task?code:text=food", coded, false),
        ("Task?identifier=http://ids|42", coded, true),
        ("Task?identifier=42", coded, true),
        ("Task?identifier=http://other|42", coded, false),
        (
            "Task?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|42",
            coded,
            true,
        ),
        (
            "Task?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|43",
            coded,
            false,
        ),
        ("Task?_tag=http://tags|urgent", coded, true),
        ("Task?_tag=urgent", "", false),
        ("Task?_id=1234,5678", r#","id":"5678""#, true),
        ("Task?_id=1234,5678", r#","id":"56789""#, false),
        ("Task?_id=t1", "", false),
    ]);
}

#[test]
fn subscription_topic_criteria() {
    // Seed 004, Task topic: `status:not=draft&intent=order`.
    tasks(&[("Task?status:not=draft&intent=order", "", true)]);
    let draft: Task = from_str(r#"{"resourceType":"Task","status":"draft","intent":"order"}"#).unwrap();
    assert_eq!(outcome("Task?status:not=draft&intent=order", &draft), Outcome::NoMatch);
    let plan: Task = from_str(r#"{"resourceType":"Task","status":"completed","intent":"plan"}"#).unwrap();
    assert_eq!(outcome("Task?status:not=draft&intent=order", &plan), Outcome::NoMatch);
    // A resource of another type never matches.
    let patient: Patient = from_str(r#"{"resourceType":"Patient"}"#).unwrap();
    assert_eq!(outcome("Task?status:not=draft", &patient), Outcome::NoMatch);
}

#[test]
fn references() {
    let owned = r#","owner":{"reference":"Organization/123"},"for":{"reference":"Patient/p1"}"#;
    tasks(&[
        ("Task?owner=Organization/123", owned, true),
        ("Task?owner=123", owned, true),
        ("Task?owner=Organization/456", owned, false),
        ("Task?owner:Organization=123", owned, true),
        ("Task?owner:Practitioner=123", owned, false),
        ("Task?owner=http://ehr.org/fhir/Organization/123", owned, false),
        ("Task?owner:missing=true", owned, false),
        ("Task?owner:missing=true", "", true),
        ("Task?owner:missing=false", "", false),
        ("Task?patient=p1", owned, true),
        ("Task?patient=Patient/p2", owned, false),
        (
            "Task?owner=Organization/123",
            r#","owner":{"reference":"Organization/123/_history/2"}"#,
            true,
        ),
        (
            "Task?owner=Organization/123",
            r##","owner":{"reference":"#org"}"##,
            false,
        ),
        (
            "Task?owner:identifier=http%3A%2F%2Fsomeorganization%2Fsome%2Fidentifier%2Fsystem|123",
            r#","owner":{"identifier":{"system":"http://someorganization/some/identifier/system","value":"123"}}"#,
            true,
        ),
        (
            "Task?owner:identifier=http://someorganization/some/identifier/system|124",
            r#","owner":{"identifier":{"system":"http://someorganization/some/identifier/system","value":"123"}}"#,
            false,
        ),
    ]);
    // With the server base, absolute and relative references are the same resource.
    let q = Query::parse("Task?owner=http://ehr.org/fhir/Organization/123")
        .unwrap()
        .compile()
        .with_base("http://ehr.org/fhir/");
    assert_eq!(q.matches(&task(owned)), Outcome::Match);
    let q = Query::parse("Task?owner=Organization/123")
        .unwrap()
        .compile()
        .with_base("http://ehr.org/fhir");
    assert_eq!(
        q.matches(&task(
            r#","owner":{"reference":"http://ehr.org/fhir/Organization/123"}"#
        )),
        Outcome::Match
    );
    assert_eq!(
        q.matches(&task(
            r#","owner":{"reference":"http://other.org/fhir/Organization/123"}"#
        )),
        Outcome::NoMatch
    );
    // `patient` is `Task.for.where(resolve() is Patient)`: a logical URI's type is unknown.
    assert!(matches!(
        outcome(
            "Task?patient=p1",
            &task(r#","for":{"reference":"urn:uuid:6b9c4e3a-0000-4000-8000-000000000001"}"#)
        ),
        Outcome::Unsupported(_)
    ));
    // ... but a typed reference is enough.
    assert_eq!(
        outcome("Task?patient:missing=true", &task(r#","for":{"reference":"Group/g1"}"#)),
        Outcome::Match
    );
}

/// The date table of search.html#date and the precision edges.
#[test]
fn dates() {
    let authored = |v: &str| format!(r#","authoredOn":"{v}""#);
    let period = |start: Option<&str>, end: Option<&str>| {
        let mut p = Vec::new();
        if let Some(s) = start {
            p.push(format!(r#""start":"{s}""#));
        }
        if let Some(e) = end {
            p.push(format!(r#""end":"{e}""#));
        }
        format!(r#","executionPeriod":{{{}}}"#, p.join(","))
    };
    let rows: Vec<(String, String, bool)> = vec![
        ("eq2013-01-14", authored("2013-01-14T00:00:00Z"), true),
        ("eq2013-01-14", authored("2013-01-14T10:00:00Z"), true),
        ("eq2013-01-14", authored("2013-01-15T00:00:00Z"), false),
        ("2013-01-14", authored("2013-01-14T10:00:00Z"), true),
        ("ne2013-01-14", authored("2013-01-15T00:00:00Z"), true),
        ("ne2013-01-14", authored("2013-01-14T00:00:00Z"), false),
        ("ne2013-01-14", authored("2013-01-14T10:00:00Z"), false),
        ("lt2013-01-14T10:00Z", authored("2013-01-14"), true),
        ("gt2013-01-14T10:00Z", authored("2013-01-14"), true),
        ("lt2013-01-14T10:00Z", authored("2013-01-14T10:00:00Z"), false),
        ("gt2013-01-14T10:00Z", authored("2013-01-14T10:00:59Z"), false),
        ("gt2013-01-14T10:00Z", authored("2013-01-14T10:01:00Z"), true),
        // The precision edge: a time on the day is not after the day.
        ("gt2021-05-03", authored("2021-05-03T10:00:00Z"), false),
        ("ge2021-05-03", authored("2021-05-03T10:00:00Z"), true),
        ("lt2021-05-03", authored("2021-05-03T10:00:00Z"), false),
        ("le2021-05-03", authored("2021-05-03T10:00:00Z"), true),
        ("sa2021-05-03", authored("2021-05-03T10:00:00Z"), false),
        ("eb2021-05-03", authored("2021-05-03T10:00:00Z"), false),
        ("ap2021-05-03", authored("2021-05-03T10:00:00Z"), true),
        ("gt2021-05-02", authored("2021-05-03T10:00:00Z"), true),
        ("sa2021-05-02", authored("2021-05-03T10:00:00Z"), true),
        ("eb2021-05-04", authored("2021-05-03T10:00:00Z"), true),
        ("eq2021-05", authored("2021-05-31T23:59:59Z"), true),
        ("eq2021", authored("2022-01-01T00:00:00Z"), false),
        // Time zones: 10:00-04:00 is 14:00Z.
        ("eq2021-05-03T14:00Z", authored("2021-05-03T10:00:30-04:00"), true),
        ("2021-05-03T14:00:30+00:00", authored("2021-05-03T10:00:30-04:00"), true),
        // The target's own precision: a whole day is not inside one hour.
        ("eq2021-05-03T10:00Z", authored("2021-05-03"), false),
        ("ap2021-05-03T10:00Z", authored("2021-05-03"), true),
        // Periods (search.html#date): "from 21-Jan 2013 onwards".
        ("ge2013-03-14", period(Some("2013-01-21"), None), true),
        ("le2013-03-14", period(Some("2013-01-21"), None), true),
        ("sa2013-03-14", period(Some("2013-03-15"), None), true),
        ("sa2013-03-14", period(Some("2013-01-21"), None), false),
        ("sa2013-03-14", period(None, Some("2013-01-21")), false),
        ("eb2013-03-14", period(Some("2013-03-15"), None), false),
        ("eb2013-03-14", period(Some("2013-01-21"), None), false),
        ("eb2013-03-14", period(None, Some("2013-01-21")), true),
        ("eq2013-03", period(Some("2013-03-02"), Some("2013-03-20")), true),
        ("eq2013-03", period(Some("2013-03-02"), None), false),
    ]
    .into_iter()
    .map(|(q, j, e)| {
        let param = if j.contains("executionPeriod") {
            "period"
        } else {
            "authored-on"
        };
        (format!("Task?{param}={q}"), j, e)
    })
    .collect();
    for (q, j, e) in &rows {
        let got = outcome(q, &task(j));
        assert_eq!(got, if *e { Outcome::Match } else { Outcome::NoMatch }, "{q} on {j}");
    }
    // A date element (Patient.birthDate): search.html "2013-01-14 matches lt2013-01-14T10:00".
    let born: Patient = from_str(r#"{"resourceType":"Patient","birthDate":"2013-01-14"}"#).unwrap();
    assert_eq!(outcome("Patient?birthdate=lt2013-01-14T10:00Z", &born), Outcome::Match);
    assert_eq!(outcome("Patient?birthdate=gt2013-01-14T10:00Z", &born), Outcome::Match);
    assert_eq!(outcome("Patient?birthdate=eq2013-01", &born), Outcome::Match);
    assert_eq!(outcome("Patient?birthdate=eq2013-01-15", &born), Outcome::NoMatch);
}

#[test]
fn last_updated_from_the_seed() {
    let q = "Task?owner=Organization/123&_lastUpdated=gt2021-05-03T17:23:18.1732-04:00";
    let at = |instant: &str| {
        task(&format!(
            r#","owner":{{"reference":"Organization/123"}},"meta":{{"lastUpdated":"{instant}"}}"#
        ))
    };
    assert_eq!(outcome(q, &at("2021-05-03T21:23:18.1733Z")), Outcome::Match);
    assert_eq!(outcome(q, &at("2021-05-03T21:23:18.1732Z")), Outcome::NoMatch);
    assert_eq!(outcome(q, &at("2021-05-03T21:23:18.17329Z")), Outcome::NoMatch);
    assert_eq!(outcome(q, &at("2021-05-03T17:23:19-04:00")), Outcome::Match);
    assert_eq!(outcome(q, &task("")), Outcome::NoMatch);
    let polling = "Task?owner:missing=true&status=requested&_lastUpdated=gt2021-05-03T17:23:18.1732-04:00";
    let unowned = task(r#","meta":{"lastUpdated":"2021-06-01T00:00:00Z"}"#);
    assert_eq!(outcome(polling, &unowned), Outcome::Match);
    assert_eq!(outcome(polling, &at("2021-06-01T00:00:00Z")), Outcome::NoMatch);
}

#[test]
fn strings() {
    let patient = |json: &str| -> Box<dyn fhir_model::navigate::Navigable> {
        Box::new(from_str::<Patient>(&format!(r#"{{"resourceType":"Patient"{json}}}"#)).unwrap())
    };
    let named = |given: &str| format!(r#","name":[{{"family":"Carreño Quiñones","given":["{given}"]}}]"#);
    let rows: Vec<(String, String, bool)> = vec![
        ("Patient?given=eve", named("Eve"), true),
        ("Patient?given=eve", named("Evelyn"), true),
        ("Patient?given=eve", named("Severine"), false),
        ("Patient?given:contains=eve", named("Severine"), true),
        ("Patient?given:exact=Eve", named("Eve"), true),
        ("Patient?given:exact=Eve", named("eve"), false),
        ("Patient?given:exact=Eve", named("Evelyn"), false),
        ("Patient?given=jose", named("José"), true),
        ("Patient?given=JOSÉ", named("Jose\u{301}"), true),
        ("Patient?family=carreno", named("X"), true),
        ("Patient?family=quinones", named("X"), false),
        ("Patient?family:contains=quinones", named("X"), true),
        ("Patient?name=carreno", named("X"), true),
        ("Patient?name=eve", named("Eve"), true),
        (
            "Patient?address-city=spring",
            r#","address":[{"city":"Springfield"}]"#.into(),
            true,
        ),
        (
            "Patient?address=springf",
            r#","address":[{"city":"Springfield"}]"#.into(),
            true,
        ),
        ("Patient?given:missing=true", String::new(), true),
    ]
    .into_iter()
    .map(|(q, j, e)| (q.to_owned(), j, e))
    .collect();
    let rows: Vec<(&str, &str, bool)> = rows.iter().map(|(q, j, e)| (q.as_str(), j.as_str(), *e)).collect();
    check(&rows, patient);
}

#[test]
fn quantities_numbers_and_composites() {
    let obs = |json: &str| -> Box<dyn fhir_model::navigate::Navigable> {
        Box::new(
            from_str::<Observation>(&format!(
                r#"{{"resourceType":"Observation","status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"8480-6"}}]}}{json}}}"#
            ))
            .unwrap(),
        )
    };
    let mg = r#","valueQuantity":{"value":5.4,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}"#;
    let mmhg = r#","valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}"#;
    check(
        &[
            ("Observation?value-quantity=5.4|http://unitsofmeasure.org|mg", mg, true),
            ("Observation?value-quantity=5.4", mg, true),
            ("Observation?value-quantity=5.4||mg", mg, true),
            ("Observation?value-quantity=5.4|http://unitsofmeasure.org|g", mg, false),
            (
                "Observation?value-quantity=5.40e-3|http://unitsofmeasure.org|g",
                mg,
                false,
            ),
            ("Observation?value-quantity=5", mg, true),
            ("Observation?value-quantity=5.0", mg, false),
            (
                "Observation?value-quantity=le5.4|http://unitsofmeasure.org|mg",
                mg,
                true,
            ),
            ("Observation?value-quantity=lt5.4", mg, false),
            ("Observation?value-quantity=gt5", mg, true),
            ("Observation?value-quantity=ap5", mg, true),
            ("Observation?value-quantity=ap4", mg, false),
            (
                "Observation?code-value-quantity=http://loinc.org|8480-6$gt100",
                mmhg,
                true,
            ),
            (
                "Observation?code-value-quantity=http://loinc.org|8480-6$lt100",
                mmhg,
                false,
            ),
            (
                "Observation?code-value-quantity=http://loinc.org|8462-4$gt100",
                mmhg,
                false,
            ),
            (
                "Observation?code-value-quantity=8480-6$120|http://unitsofmeasure.org|mm[Hg]",
                mmhg,
                true,
            ),
        ],
        obs,
    );
}

#[test]
fn what_cannot_be_evaluated_is_reported() {
    let t = task(r#","code":{"coding":[{"system":"http://snomed.info/sct","code":"1"}]}"#);
    for q in [
        "Task?_text=cardiology",
        "Task?_content=cardiology",
        "Task?_list=42",
        "Task?code:in=http://acme.org/fhir/ValueSet/x",
        "Task?code:below=http://snomed.info/sct|1",
        "Task?part-of:below=Task/1",
        "Task?owner:Organization.name=Acme",
    ] {
        let compiled = Query::parse(q).unwrap().compile();
        assert!(matches!(compiled.matches(&t), Outcome::Unsupported(_)), "{q}");
    }
    assert_eq!(
        Query::parse("Task?_text=x&code:in=http://vs")
            .unwrap()
            .compile()
            .unsupported()
            .len(),
        2
    );
    // A failing criterion settles an AND even beside an unsupported one ...
    assert_eq!(outcome("Task?status=draft&_text=x", &t), Outcome::NoMatch);
    // ... and a matching OR value settles the OR.
    let patient: Patient = from_str(r#"{"resourceType":"Patient","gender":"male","deceasedBoolean":true}"#).unwrap();
    assert!(matches!(
        outcome("Patient?deceased=true", &patient),
        Outcome::Unsupported(_)
    ));
    assert!(matches!(
        outcome("Patient?gender=male&deceased=true", &patient),
        Outcome::Unsupported(_)
    ));
    assert_eq!(
        outcome("Patient?gender=female&deceased=true", &patient),
        Outcome::NoMatch
    );
}

fn resource(json: &str) -> Resource {
    from_str(json).unwrap()
}

#[test]
fn chains_reverse_chains_and_includes() {
    let set_items = vec![
        resource(r#"{"resourceType":"Organization","id":"123","name":"Acme Food Bank"}"#),
        resource(r#"{"resourceType":"Organization","id":"456","name":"Other"}"#),
        resource(
            r#"{"resourceType":"ServiceRequest","id":"sr1","status":"active","intent":"order","subject":{"reference":"Patient/p1"}}"#,
        ),
        resource(r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Doe"}]}"#),
        resource(
            r#"{"resourceType":"Task","id":"t1","status":"requested","intent":"order","focus":{"reference":"ServiceRequest/sr1"},"owner":{"reference":"Organization/123"}}"#,
        ),
        resource(
            r#"{"resourceType":"Task","id":"t2","status":"draft","intent":"order","owner":{"reference":"Organization/456"},"partOf":[{"reference":"Task/t1"}]}"#,
        ),
        resource(
            r#"{"resourceType":"Provenance","id":"prov1","target":[{"reference":"Task/t1"}],"recorded":"2021-05-03T10:00:00Z","agent":[{"who":{"reference":"Organization/123"}}]}"#,
        ),
    ];
    let set = ResourceSet::new(&set_items);
    let t1 = &set_items[4];
    let t2 = &set_items[5];
    let m = |q: &str, r: &Resource| Query::parse(q).unwrap().compile().matches_in(r, &set);
    assert_eq!(m("Task?owner:Organization.name=acme", t1), Outcome::Match);
    assert_eq!(m("Task?owner:Organization.name=acme", t2), Outcome::NoMatch);
    assert_eq!(m("Task?owner.name=other", t2), Outcome::Match);
    assert_eq!(
        m("Task?focus:ServiceRequest.subject:Patient.name=doe", t1),
        Outcome::Match
    );
    assert_eq!(m("Task?focus:ServiceRequest.status=revoked", t1), Outcome::NoMatch);
    let sr = &set_items[2];
    assert_eq!(m("ServiceRequest?_has:Task:focus:status=requested", sr), Outcome::Match);
    assert_eq!(
        m("ServiceRequest?_has:Task:focus:status=completed", sr),
        Outcome::NoMatch
    );
    assert_eq!(
        m("Organization?_has:Task:owner:status=draft", &set_items[1]),
        Outcome::Match
    );
    assert_eq!(
        m("Organization?_has:Task:owner:status=draft", &set_items[0]),
        Outcome::NoMatch
    );

    // Seed: `Task?_id=1234,5678&_include=Task:focus`.
    let q = Query::parse("Task?_id=t1&_include=Task:focus").unwrap().compile();
    let matches: Vec<&Resource> = set_items.iter().filter(|r| q.matches(*r).is_match()).collect();
    assert_eq!(matches.len(), 1);
    let included = q.included(&matches, &set);
    assert_eq!(included.iter().map(|r| r.id().unwrap()).collect::<Vec<_>>(), ["sr1"]);

    let q = Query::parse(
        "Task?_id=t1&_include=Task:owner:Organization&_revinclude=Provenance:target&_revinclude=Task:part-of",
    )
    .unwrap()
    .compile();
    let included = q.included(&[t1], &set);
    assert_eq!(
        included.iter().map(|r| r.id().unwrap()).collect::<Vec<_>>(),
        ["123", "prov1", "t2"]
    );
    let q = Query::parse("Task?_id=t1&_include=Task:owner:Practitioner")
        .unwrap()
        .compile();
    assert!(q.included(&[t1], &set).is_empty());
    // `:iterate` follows from included resources: t2 -> t1 (part-of) -> sr1 (focus).
    let q = Query::parse("Task?_id=t2&_include=Task:part-of&_include:iterate=Task:focus")
        .unwrap()
        .compile();
    let ids: Vec<_> = q.included(&[t2], &set).iter().map(|r| r.id().unwrap()).collect();
    assert_eq!(ids, ["t1", "sr1"]);
    let q = Query::parse("Task?_id=t2&_include=Task:part-of&_include=Task:focus")
        .unwrap()
        .compile();
    let ids: Vec<_> = q.included(&[t2], &set).iter().map(|r| r.id().unwrap()).collect();
    assert_eq!(ids, ["t1"]);
    let q = Query::parse("Task?_id=t1&_include=Task:*").unwrap().compile();
    let mut ids: Vec<_> = q.included(&[t1], &set).iter().map(|r| r.id().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["123", "sr1"]);
}

#[test]
fn a_reused_matcher_gives_the_same_answers() {
    let q = Query::parse("Task?status:not=draft&owner=Organization/123&_lastUpdated=ge2021")
        .unwrap()
        .compile();
    let mut matcher = q.matcher();
    let yes = task(r#","owner":{"reference":"Organization/123"},"meta":{"lastUpdated":"2021-02-01T00:00:00Z"}"#);
    let no = task(r#","owner":{"reference":"Organization/124"},"meta":{"lastUpdated":"2021-02-01T00:00:00Z"}"#);
    for _ in 0..3 {
        assert_eq!(matcher.matches(&yes), Outcome::Match);
        assert_eq!(matcher.matches(&no), Outcome::NoMatch);
    }
}
