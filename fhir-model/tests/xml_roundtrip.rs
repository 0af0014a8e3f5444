//! XML round trips of generated Tasks and Bundles (the strategies the JSON suite uses, plus
//! narratives): model → XML → model is the identity, and agrees with JSON.

mod support;

use fhir_model::{json, xml, Bundle, Narrative, NarrativeStatus, Resource, Task};
use proptest::prelude::*;

/// Text of an XHTML narrative in the form XML reading produces (the form of the R4 JSON
/// examples): the namespace declaration first, `&`, `<`, `>` and `"` escaped, empty elements as
/// `<x/>`, whitespace kept.
fn div() -> impl Strategy<Value = String> {
    let text = "[a-zA-Z0-9 '\t\né☃-]{1,10}".prop_map(|s| s);
    let escaped = prop_oneof![
        3 => text,
        1 => Just("&amp;".to_owned()),
        1 => Just("&lt;b&gt;".to_owned()),
        1 => Just("&quot;quoted&quot;".to_owned()),
    ];
    let leaf = prop_oneof![
        4 => escaped,
        1 => Just("<br/>".to_owned()),
        1 => Just("<!-- a comment -->".to_owned()),
    ];
    let inline = prop::collection::vec(leaf, 1..4).prop_map(|v| v.concat());
    let element = (
        prop::sample::select(vec!["p", "b", "span", "td"]),
        prop::option::of("[a-z]{1,6}( [a-z]{1,4})?"),
        inline,
    )
        .prop_map(|(name, class, content)| match class {
            Some(c) => format!("<{name} class=\"{c}\">{content}</{name}>"),
            None => format!("<{name}>{content}</{name}>"),
        });
    prop::collection::vec(prop_oneof![element, "[a-z \n]{1,6}"], 1..4)
        .prop_map(|parts| format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{}</div>", parts.concat()))
}

fn task_with_narrative() -> impl Strategy<Value = Task> {
    (support::task(), prop::option::of(div())).prop_map(|(mut task, div)| {
        if let Some(div) = div {
            task.text = Some(Narrative::new(NarrativeStatus::Generated, div));
        }
        task
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tasks_survive_xml(task in task_with_narrative()) {
        let text = xml::to_string(&task).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let back: Task = xml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &task);
        // Through the Resource enum and pretty printing: the same model, the same JSON.
        let pretty = xml::to_string_pretty(&task).unwrap();
        let any: Resource = xml::from_str(&pretty).map_err(|e| TestCaseError::fail(format!("{e}\n{pretty}")))?;
        prop_assert_eq!(xml::to_string(&any).unwrap(), text);
        prop_assert_eq!(xml::to_json_string(&any).unwrap(), json::to_string(&task));
    }

    #[test]
    fn bundles_survive_xml(bundle in support::bundle()) {
        let text = xml::to_string(&bundle).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let back: Bundle = xml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(json::to_string(&back), json::to_string(&bundle));
        prop_assert_eq!(back, bundle);
    }

    #[test]
    fn json_and_xml_agree(task in task_with_narrative()) {
        // JSON → model → XML → model → JSON is the JSON we started from.
        let from_json: Task = json::from_str(&json::to_string(&task)).unwrap();
        let back: Task = xml::from_str(&xml::to_string(&from_json).unwrap()).unwrap();
        prop_assert_eq!(json::to_string(&back), json::to_string(&task));
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = xml::from_slice::<Resource>(&bytes);
        let _ = xml::from_slice_with::<Resource>(&bytes, xml::Options::lenient());
        let _ = xml::value_from_slice(&bytes);
    }

    #[test]
    fn parsing_mutated_tasks_never_panics(task in task_with_narrative(), cut in 0usize..2000, byte in any::<u8>()) {
        let mut text = xml::to_string(&task).unwrap().into_bytes();
        let at = cut % text.len().max(1);
        if !text.is_empty() {
            text[at] = byte;
        }
        let _ = xml::from_slice::<Resource>(&text);
        let _ = xml::from_slice_with::<Resource>(&text, xml::Options::lenient());
    }
}
