//! Properties of the validator over damaged documents: whatever is removed from a valid
//! resource, validation does not panic, every issue is well formed and located in the resource,
//! the answer does not depend on the run, and `is_valid` agrees with the issues.

mod common;

use conformance::Validator;
use proptest::prelude::*;
use serde_json::Value;

/// Every JSON pointer of a document (objects' keys and arrays' items), the root excluded.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(o)) => {
            o.remove(&last);
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
}

fn examples() -> Vec<Value> {
    let dir = common::fixtures().join("ig");
    let mut out = Vec::new();
    for sub in ["sdoh", "cow", "backport"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("fixtures") {
            let text = std::fs::read_to_string(e.expect("entry").path()).expect("read");
            out.push(serde_json::from_str(&text).expect("JSON"));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn damaged_documents_get_well_formed_answers(pick in any::<prop::sample::Index>(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..6)) {
        let all = examples();
        let mut doc = all[pick.index(all.len())].clone();
        let resource_type = doc["resourceType"].as_str().unwrap_or_default().to_owned();
        for cut in &cuts {
            let mut ps = Vec::new();
            pointers(&doc, String::new(), &mut ps);
            // Keep resourceType: without it the document is not a resource at all (tested elsewhere).
            ps.retain(|p| p != "/resourceType");
            if ps.is_empty() {
                break;
            }
            remove(&mut doc, &ps[cut.index(ps.len())]);
        }
        let text = doc.to_string();
        let validator = Validator::new();
        let outcome = validator.validate_json(text.as_bytes());
        prop_assert!(!outcome.issue.is_empty());
        let found = common::flatten(&outcome);
        for f in &found {
            prop_assert!(!f.severity.is_empty() && !f.code.is_empty(), "{f:?}");
            prop_assert!(!f.diagnostics.is_empty(), "{f:?}");
            if f.severity != "fatal" && !f.expression.is_empty() {
                prop_assert!(f.expression.starts_with(&resource_type), "{f:?} not in a {resource_type}");
            }
        }
        let has_error = found.iter().any(|f| f.severity == "error" || f.severity == "fatal");
        prop_assert_eq!(conformance::is_valid(&outcome), !has_error);
        prop_assert_eq!(&validator.validate_json(text.as_bytes()), &outcome);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let v = Validator::new();
        let json = v.validate_json(&bytes);
        prop_assert!(!json.issue.is_empty());
        let xml = v.validate_xml(&bytes);
        prop_assert!(!xml.issue.is_empty());
    }
}
