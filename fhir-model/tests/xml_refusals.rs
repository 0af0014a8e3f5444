//! One test per refusal rule of the XML reader (and writer): each names the rule's error kind,
//! the element path, the line and the column.

use fhir_model::xml::{self, ErrorKind, Options};
use fhir_model::*;

/// Parses `text` strictly as a Task and returns the error.
fn refuse(text: &str) -> xml::Error {
    match xml::from_str::<Task>(text) {
        Ok(t) => panic!("expected a refusal, parsed {t:?}"),
        Err(e) => e,
    }
}

fn assert_at(e: &xml::Error, path: &str, line: usize, column: usize) {
    assert_eq!((e.path(), e.line(), e.column()), (path, line, column), "{e}");
}

#[test]
fn doctype_and_entity_declarations_are_refused() {
    let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE Task [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<Task xmlns=\"http://hl7.org/fhir\"><status value=\"&xxe;\"/><intent value=\"order\"/></Task>";
    let e = refuse(text);
    assert_eq!(e.kind(), &ErrorKind::Doctype);
    assert_at(&e, "", 2, 1);
    // Even a harmless internal subset is refused: no DTD is ever read.
    let e = refuse("<!DOCTYPE Task><Task xmlns=\"http://hl7.org/fhir\"/>");
    assert_eq!(e.kind(), &ErrorKind::Doctype);
    assert_at(&e, "", 1, 1);
}

#[test]
fn entities_other_than_the_predefined_five_are_not_expanded() {
    let text = "<Task xmlns=\"http://hl7.org/fhir\">\n  <status value=\"a&xxe;\"/>\n</Task>";
    let e = refuse(text);
    assert_eq!(e.kind(), &ErrorKind::UnknownEntity("xxe".into()));
    assert_at(&e, "Task.status", 2, 19);
    // The predefined ones and character references are read.
    let ok = "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><description value=\"&lt;&amp;&#x263A;&#65;\"/></Task>";
    let task: Task = xml::from_str(ok).unwrap();
    assert_eq!(task.description.unwrap().value.as_deref(), Some("<&\u{263A}A"));
}

#[test]
fn elements_out_of_definition_order_are_refused() {
    let text = "<Task xmlns=\"http://hl7.org/fhir\">\n<intent value=\"order\"/>\n<status value=\"draft\"/>\n</Task>";
    let e = refuse(text);
    assert_eq!(
        e.kind(),
        &ErrorKind::OutOfOrder {
            element: "status".into(),
            after: "intent".into()
        }
    );
    assert_at(&e, "Task", 3, 1);
    // Lenient mode reads it and reports it.
    let parsed = xml::from_slice_with::<Task>(text.as_bytes(), Options::lenient()).unwrap();
    assert_eq!(parsed.value.status.value, Some(TaskStatus::Draft.into()));
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!((parsed.warnings[0].line, parsed.warnings[0].column), (3, 1));
}

#[test]
fn unknown_elements_are_refused() {
    let text = "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/>\n  <colour value=\"red\"/></Task>";
    let e = refuse(text);
    assert_eq!(e.kind(), &ErrorKind::UnknownElement("colour".into()));
    assert_at(&e, "Task", 2, 3);
    let parsed = xml::from_slice_with::<Task>(text.as_bytes(), Options::lenient()).unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].kind, ErrorKind::UnknownElement("colour".into()));
}

#[test]
fn unknown_attributes_are_refused() {
    let text =
        "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\" colour=\"red\"/><intent value=\"order\"/></Task>";
    let e = refuse(text);
    assert_eq!(e.kind(), &ErrorKind::UnknownAttribute("colour".into()));
    assert_at(&e, "Task.status", 1, 57);
}

#[test]
fn a_value_attribute_on_a_complex_type_is_refused() {
    let text = "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/>\n<code value=\"x\"><text value=\"y\"/></code></Task>";
    let e = refuse(text);
    assert_eq!(e.kind(), &ErrorKind::ValueOnComplex("code".into()));
    assert_at(&e, "Task.code", 2, 7);
    // Lenient mode refuses it too: the value has nowhere to go.
    assert!(xml::from_slice_with::<Task>(text.as_bytes(), Options::lenient()).is_err());
}

#[test]
fn a_missing_namespace_is_refused() {
    let e = refuse("<Task><status value=\"draft\"/><intent value=\"order\"/></Task>");
    assert_eq!(e.kind(), &ErrorKind::MissingNamespace("Task".into()));
    assert_at(&e, "", 1, 1);
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\">\n <status xmlns=\"\" value=\"draft\"/></Task>");
    assert_eq!(e.kind(), &ErrorKind::MissingNamespace("status".into()));
    assert_at(&e, "Task", 2, 2);
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir/\"/>");
    assert_eq!(
        e.kind(),
        &ErrorKind::WrongNamespace {
            expected: xml::FHIR_NS,
            found: "http://hl7.org/fhir/".into()
        }
    );
    // A prefix bound to the FHIR namespace is the same namespace.
    let task: Task = xml::from_str(
        "<f:Task xmlns:f=\"http://hl7.org/fhir\"><f:status value=\"draft\"/><f:intent value=\"order\"/></f:Task>",
    )
    .unwrap();
    assert_eq!(task.intent.value, Some(TaskIntent::Order.into()));
}

#[test]
fn nesting_beyond_the_bound_is_refused() {
    // Extensions nest without limit in the definitions; the reader does not.
    let mut text = String::from("<Task xmlns=\"http://hl7.org/fhir\">");
    for _ in 0..200 {
        text.push_str("<extension url=\"http://x\">");
    }
    for _ in 0..200 {
        text.push_str("</extension>");
    }
    text.push_str("<status value=\"draft\"/><intent value=\"order\"/></Task>");
    let e = refuse(&text);
    assert_eq!(e.kind(), &ErrorKind::TooDeep(128));
    // The Task is element 1, so the 128th extension is the 129th element; each extension start
    // tag is 26 characters long.
    let column = 35 + 127 * 26;
    assert_eq!((e.line(), e.column()), (1, column), "{e}");
    assert!(e.path().starts_with("Task.extension[0].extension[0]"), "{}", e.path());
    // The bound is configurable.
    let shallow = Options {
        max_depth: 3,
        ..Options::default()
    };
    let e = xml::from_slice_with::<Task>(text.as_bytes(), shallow).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::TooDeep(3));
    assert_at(&e, "Task.extension[0].extension[0]", 1, 35 + 2 * 26);
}

#[test]
fn invalid_utf8_is_refused() {
    let mut bytes = b"<Task xmlns=\"http://hl7.org/fhir\">\n<status value=\"dr".to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"aft\"/></Task>");
    let e = xml::from_slice::<Task>(&bytes).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidUtf8);
    assert_at(&e, "", 2, 18);
}

#[test]
fn other_encodings_are_refused() {
    let e = refuse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Task xmlns=\"http://hl7.org/fhir\"/>");
    assert_eq!(e.kind(), &ErrorKind::UnsupportedEncoding("ISO-8859-1".into()));
    assert_at(&e, "", 1, 1);
}

#[test]
fn a_repeated_single_element_is_refused() {
    let text = "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><status value=\"ready\"/><intent value=\"order\"/></Task>";
    let e = refuse(text);
    assert_eq!(e.kind(), &ErrorKind::DuplicateElement("status".into()));
    assert_at(&e, "Task", 1, 58);
}

#[test]
fn two_choices_of_one_element_are_refused() {
    let text = "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><input><type><text value=\"t\"/></type><valueString value=\"a\"/><valueBoolean value=\"true\"/></input></Task>";
    let e = refuse(text);
    assert_eq!(
        e.kind(),
        &ErrorKind::ChoiceConflict {
            first: "valueString".into(),
            second: "valueBoolean".into()
        }
    );
    assert_at(&e, "Task.input[0]", 1, 142);
}

#[test]
fn empty_elements_and_attributes_are_refused() {
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><status/><intent value=\"order\"/></Task>");
    assert_eq!(e.kind(), &ErrorKind::EmptyElement("status".into()));
    assert_at(&e, "Task.status", 1, 35);
    let e = refuse(
        "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><description value=\"\"/></Task>",
    );
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidValue {
                fhir_type: "string",
                ..
            }
        ),
        "{e}"
    );
    assert_at(&e, "Task.description", 1, 101);
}

#[test]
fn text_outside_the_narrative_is_refused() {
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/>oops<intent value=\"order\"/></Task>");
    assert_eq!(e.kind(), &ErrorKind::UnexpectedText);
    assert_at(&e, "Task", 1, 58);
}

#[test]
fn processing_instructions_are_refused() {
    let e = refuse("<?xml-stylesheet href=\"x.xsl\"?><Task xmlns=\"http://hl7.org/fhir\"/>");
    assert!(matches!(e.kind(), ErrorKind::ProcessingInstruction(_)), "{e}");
    assert_at(&e, "", 1, 1);
}

#[test]
fn invalid_values_name_the_type_and_pattern() {
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><priority value=\"soon\"/></Task>");
    assert_eq!(
        e.kind(),
        &ErrorKind::UnknownCode {
            code: "soon".into(),
            value_set: "http://hl7.org/fhir/ValueSet/request-priority"
        }
    );
    assert_at(&e, "Task.priority", 1, 98);
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><authoredOn value=\"2020-13-01\"/></Task>");
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidValue {
                fhir_type: "dateTime",
                ..
            }
        ),
        "{e}"
    );
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><input><type><text value=\"t\"/></type><valueDecimal value=\"+1.0\"/></input></Task>");
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidValue {
                fhir_type: "decimal",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.path(), "Task.input[0].valueDecimal");
}

#[test]
fn missing_required_elements_are_refused() {
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\">\n<status value=\"draft\"/></Task>");
    assert_eq!(e.kind(), &ErrorKind::MissingElement("intent"));
    assert_at(&e, "Task", 1, 1);
}

#[test]
fn resource_types_are_checked() {
    let e = refuse("<Patient xmlns=\"http://hl7.org/fhir\"/>");
    assert_eq!(
        e.kind(),
        &ErrorKind::WrongResourceType {
            expected: "Task",
            found: "Patient".into()
        }
    );
    let e = xml::from_str::<Resource>(
        "<Patient xmlns=\"http://hl7.org/fhir\"><contained>\n<Nonsense/></contained></Patient>",
    )
    .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnknownResourceType("Nonsense".into()));
    assert_at(&e, "Patient.contained[0]", 2, 1);
    let e = xml::from_str::<Resource>("<Patient xmlns=\"http://hl7.org/fhir\"><contained><Basic><code><text value=\"a\"/></code></Basic><Basic><code><text value=\"b\"/></code></Basic></contained></Patient>").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ResourceWrapper(_)), "{e}");
    assert_eq!(e.path(), "Patient.contained[0]");
}

#[test]
fn malformed_xml_is_refused_with_its_position() {
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\">\n<status value=\"draft\"></intent></Task>");
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)), "{e}");
    assert_eq!(e.line(), 2);
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/>");
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)), "{e}");
}

#[test]
fn the_narrative_must_be_xhtml() {
    let e = refuse("<Task xmlns=\"http://hl7.org/fhir\"><text><status value=\"generated\"/><div>hi</div></text><status value=\"draft\"/><intent value=\"order\"/></Task>");
    assert!(matches!(e.kind(), ErrorKind::NotXhtml(_)), "{e}");
    assert_at(&e, "Task.text.div", 1, 68);
}

#[test]
fn writing_refuses_what_xml_cannot_carry() {
    // A narrative that is not one XHTML div.
    let mut task = Task::new(TaskStatus::Draft, TaskIntent::Order);
    task.text = Some(Narrative::new(NarrativeStatus::Generated, "<div>no namespace</div>"));
    let e = xml::to_string(&task).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotXhtml(_)), "{e}");
    assert_eq!(e.path(), "Task.text.div");
    // A character XML 1.0 cannot carry.
    let mut task = Task::new(TaskStatus::Draft, TaskIntent::Order);
    task.description = Some(Primitive::from("bell \u{7}"));
    let e = xml::to_string(&task).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidCharacter(_)), "{e}");
    assert_eq!(e.path(), "Task.description");
}

#[test]
fn unmodelled_resources_do_not_change_format() {
    let from_json: Resource = json::from_str(r#"{"resourceType":"Account","id":"a1","status":"active"}"#).unwrap();
    let e = xml::to_string(&from_json).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::CrossFormat {
            resource_type: "Account".into(),
            from: "JSON",
            to: "XML"
        }
    );
    let text = "<Account xmlns=\"http://hl7.org/fhir\"><id value=\"a1\"/><status value=\"active\"/></Account>";
    let from_xml: Resource = xml::from_str(text).unwrap();
    assert_eq!(from_xml.id(), Some("a1"));
    assert_eq!(xml::to_string(&from_xml).unwrap(), text);
    let e = xml::to_json_string(&from_xml).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::CrossFormat {
            resource_type: "Account".into(),
            from: "XML",
            to: "JSON"
        }
    );
    // Inside a Bundle too, naming the entry.
    let bundle = format!(
        "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/><entry><resource>{}</resource></entry></Bundle>",
        text.replace(" xmlns=\"http://hl7.org/fhir\"", "")
    );
    let b: Resource = xml::from_str(&bundle).unwrap();
    assert_eq!(xml::to_string(&b).unwrap(), bundle);
    let e = xml::to_json_string(&b).unwrap_err();
    assert_eq!(e.path(), "Bundle.entry.resource");
}

#[test]
fn parsing_never_panics_on_truncations() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Task xmlns=\"http://hl7.org/fhir\"><text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>a &amp; b</p></div></text><status value=\"draft\"/><intent value=\"order\"/><input><type><text value=\"t\"/></type><valueDecimal value=\"1.50\"/></input></Task>";
    for end in 0..text.len() {
        if text.is_char_boundary(end) {
            let _ = xml::from_str::<Resource>(&text[..end]);
        }
    }
    assert!(xml::from_str::<Resource>(text).is_ok());
}

#[test]
fn unmodelled_resources_are_kept_as_their_text() {
    // Comments and layout inside survive XML → XML; taken out of its Bundle, the resource
    // declares the FHIR namespace itself.
    let account = "<Account><!-- kept --><id value=\"a1\"/>\n  <status value=\"active\"/></Account>";
    let bundle = format!(
        "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/><entry><resource>{account}</resource></entry></Bundle>"
    );
    let b: Bundle = xml::from_str(&bundle).unwrap();
    assert_eq!(xml::to_string(&b).unwrap(), bundle);
    let inner = b.entry[0].resource.clone().unwrap();
    let Resource::Other(kept) = &inner else {
        panic!("expected an unmodelled resource")
    };
    assert_eq!(
        (kept.resource_type(), kept.id(), kept.xml()),
        ("Account", Some("a1"), Some(account))
    );
    assert_eq!(
        xml::to_string(&inner).unwrap(),
        account.replacen("<Account", "<Account xmlns=\"http://hl7.org/fhir\"", 1)
    );
    // It is checked like any FHIR content: no stray text, no unknown entities, no prefix
    // declared outside it (its text must stand on its own).
    let e = xml::from_str::<Resource>("<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/><entry><resource><Account>oops</Account></resource></entry></Bundle>").unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnexpectedText);
    assert_at(&e, "Bundle.entry[0].resource", 1, 89);
    let e = xml::from_str::<Resource>("<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/><entry><resource><Account><id value=\"&x;\"/></Account></resource></entry></Bundle>").unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnknownEntity("x".into()));
    let e = xml::from_str::<Resource>("<f:Bundle xmlns:f=\"http://hl7.org/fhir\"><f:type value=\"collection\"/><f:entry><f:resource><f:Account/></f:resource></f:entry></f:Bundle>").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)), "{e}");
    assert_eq!(e.path(), "Bundle.entry[0].resource");
}

#[test]
fn an_unmodelled_resource_read_from_xml_is_refused_when_written_as_json() {
    let xml = r#"<Account xmlns="http://hl7.org/fhir"><id value="a1"/><status value="active"/></Account>"#;
    let r: fhir_model::Resource = fhir_model::xml::from_str(xml).unwrap();
    let e = fhir_model::json::try_to_string(&r).unwrap_err();
    assert_eq!(e.0, ["Account"]);
    assert!(e.to_string().contains("Account"), "{e}");
    // Modelled content is written as always.
    let task = fhir_model::Task::new(fhir_model::TaskStatus::Draft, fhir_model::TaskIntent::Order);
    assert_eq!(
        fhir_model::json::try_to_string(&task).unwrap(),
        fhir_model::json::to_string(&task)
    );
}
