//! `convert --to xml|json FILE`: reads a FHIR resource in either format and prints it in the
//! other (or the same) one, pretty-printed.
//!
//! The input format is recognised by its first character (`<` for XML, `{` for JSON). Parsing
//! is strict: a document that breaks a rule is refused with the element path, line and column.
//! A resource of a type the crate does not model cannot change format (it is kept only as read)
//! and is refused naming its type.

use fhir_model::{json, xml, Resource};

/// Converts the text of one FHIR document to `to` (`xml` or `json`).
pub fn convert(bytes: &[u8], to: &str) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    let resource: Resource = match first {
        Some(b'<') => xml::from_slice(bytes).map_err(|e| format!("reading XML: {e}"))?,
        Some(b'{') => json::from_slice(bytes).map_err(|e| format!("reading JSON: {e}"))?,
        _ => return Err("expected a FHIR resource in XML (starting '<') or JSON (starting '{')".into()),
    };
    match to {
        "xml" => xml::to_string_pretty(&resource).map_err(|e| format!("writing XML: {e}")),
        "json" => {
            // Refuses what is kept only as XML, then writes pretty JSON.
            xml::to_json_string(&resource).map_err(|e| format!("writing JSON: {e}"))?;
            Ok(json::to_string_pretty(&resource))
        }
        other => Err(format!("unknown target format {other:?} (expected xml or json)")),
    }
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: &[String]) -> u8 {
    let mut to = None;
    let mut file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--to" => match it.next() {
                Some(t) => to = Some(t.clone()),
                None => {
                    eprintln!("error: --to needs a value (xml or json)");
                    return 2;
                }
            },
            _ if file.is_none() => file = Some(a.clone()),
            _ => {
                eprintln!("error: convert takes one FILE");
                return 2;
            }
        }
    }
    let (Some(to), Some(file)) = (to, file) else {
        eprintln!("usage: conformance convert --to xml|json FILE");
        return 2;
    };
    if to != "xml" && to != "json" {
        eprintln!("error: unknown target format {to:?} (expected xml or json)");
        return 2;
    }
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {file}: {e}");
            return 2;
        }
    };
    match convert(&bytes, &to) {
        Ok(text) => {
            super::out!("{text}");
            0
        }
        Err(e) => {
            eprintln!("error: {file}: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::convert;

    const TASK_XML: &str = "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/><intent value=\"order\"/><input><type><text value=\"t\"/></type><valueDecimal value=\"1.50\"/></input></Task>";

    #[test]
    fn converts_both_ways_and_keeps_decimals() {
        let json = convert(TASK_XML.as_bytes(), "json").unwrap();
        assert!(json.contains("\"valueDecimal\": 1.50"), "{json}");
        let xml = convert(json.as_bytes(), "xml").unwrap();
        assert_eq!(convert(xml.as_bytes(), "json").unwrap(), json);
        assert!(xml.contains("<valueDecimal value=\"1.50\"/>"), "{xml}");
    }

    #[test]
    fn refuses_what_cannot_change_format() {
        let e = convert(b"{\"resourceType\":\"Account\",\"status\":\"active\"}", "xml").unwrap_err();
        assert!(e.contains("Account") && e.contains("does not model"), "{e}");
        let e = convert(b"<Account xmlns=\"http://hl7.org/fhir\"/>", "json").unwrap_err();
        assert!(e.contains("Account"), "{e}");
        let e = convert(
            b"<Task xmlns=\"http://hl7.org/fhir\"><intent value=\"order\"/><status value=\"draft\"/></Task>",
            "json",
        )
        .unwrap_err();
        assert!(e.contains("line 1 column"), "{e}");
        assert!(convert(b"plain text", "xml").is_err());
    }
}
