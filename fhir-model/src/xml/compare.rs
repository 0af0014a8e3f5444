//! Comparing FHIR JSON that may have come through XML.

use crate::json::JsonValue;

/// The first difference between two FHIR JSON values, as a path and a description, or `None`
/// when they agree: object key order is ignored and every primitive is compared exactly as text
/// (as [`JsonValue::first_difference`] does), except that narrative `div` strings are compared
/// as XHTML (XML infosets: attribute order and the choice between equivalent escapes are not
/// significant, every character of content is). An XML document and its JSON twin agree in
/// this sense; the div string read from XML keeps the XHTML exactly but cannot know the
/// attribute order the JSON was written with.
pub fn first_json_difference(left: &JsonValue, right: &JsonValue) -> Option<String> {
    let mut path = String::new();
    walk(left, right, &mut path, false)
}

fn walk(a: &JsonValue, b: &JsonValue, path: &mut String, div: bool) -> Option<String> {
    match (a, b) {
        (JsonValue::Object(x), JsonValue::Object(y)) => {
            for (k, v) in x {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                let found = match y.iter().find(|(k2, _)| k2 == k) {
                    None => Some(format!("{path}: missing on the right")),
                    Some((_, v2)) => walk(v, v2, path, k == "div"),
                };
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            y.iter()
                .find(|(k, _)| !x.iter().any(|(k2, _)| k2 == k))
                .map(|(k, _)| format!("{path}.{k}: missing on the left"))
        }
        (JsonValue::Array(x), JsonValue::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} items vs {}", x.len(), y.len()));
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(v, w, path, false);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (JsonValue::String(x), JsonValue::String(y)) if div && x != y => {
            match (
                super::value_from_slice(x.as_bytes()),
                super::value_from_slice(y.as_bytes()),
            ) {
                (Ok(tx), Ok(ty)) => tx.first_difference(&ty).map(|d| format!("{path} (XHTML){d}")),
                (Err(e), _) | (_, Err(e)) => Some(format!("{path}: not XHTML: {e}")),
            }
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {} vs {}", short(a), short(b))),
    }
}

fn short(v: &JsonValue) -> String {
    let s = crate::json::value_to_string(v, false);
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}
