//! A lossless JSON tree, for content the model does not type (resources of unmodelled types).

/// A JSON value that keeps number text and key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, exactly as written.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object, keys in document order.
    Object(Vec<(String, JsonValue)>),
}

impl JsonValue {
    /// Looks up a key of an object.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Semantic equality: object key order is ignored, every primitive compared as text.
    pub fn same_as(&self, other: &JsonValue) -> bool {
        match (self, other) {
            (JsonValue::Object(a), JsonValue::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().find(|(k2, _)| k2 == k).is_some_and(|(_, v2)| v.same_as(v2)))
            }
            (JsonValue::Array(a), JsonValue::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            _ => self == other,
        }
    }

    /// The first difference between two values, as a path and a description, or `None` when they
    /// are [`same_as`](Self::same_as) each other.
    pub fn first_difference(&self, other: &JsonValue) -> Option<String> {
        fn walk(a: &JsonValue, b: &JsonValue, path: &mut String) -> Option<String> {
            match (a, b) {
                (JsonValue::Object(x), JsonValue::Object(y)) => {
                    for (k, v) in x {
                        let len = path.len();
                        path.push('.');
                        path.push_str(k);
                        let found = match y.iter().find(|(k2, _)| k2 == k) {
                            None => Some(format!("{path}: missing on the right")),
                            Some((_, v2)) => walk(v, v2, path),
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
                        let found = walk(v, w, path);
                        path.truncate(len);
                        if found.is_some() {
                            return found;
                        }
                    }
                    None
                }
                _ if a == b => None,
                _ => Some(format!("{path}: {} vs {}", short(a), short(b))),
            }
        }
        fn short(v: &JsonValue) -> String {
            let mut w = super::JsonWriter::new(false);
            w.value(v);
            let s = w.finish();
            if s.len() > 80 {
                format!("{}…", s.chars().take(80).collect::<String>())
            } else {
                s
            }
        }
        walk(self, other, &mut String::new())
    }
}
