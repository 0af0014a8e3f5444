//! Lexical rules of the string-based FHIR primitives.
//!
//! Each check implements the regular expression given for the type's `value` in the R4
//! StructureDefinitions under `fhir-definitions/r4/structuredefinitions/` (extension
//! `http://hl7.org/fhir/StructureDefinition/regex`). Java regex semantics apply, where `\s` is the
//! ASCII set `[ \t\n\x0B\f\r]`.

/// The string-like FHIR primitive a text must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrFormat {
    /// `string`: `[ \r\n\t\S]+`, at most 1,048,576 characters (`string.value` maxLength).
    String,
    /// `markdown`: `[ \r\n\t\S]+`.
    Markdown,
    /// `code`: `[^\s]+(\s[^\s]+)*`.
    Code,
    /// `id`: `[A-Za-z0-9\-\.]{1,64}`.
    Id,
    /// `uri`: `\S*`.
    Uri,
    /// `url`: `\S*`.
    Url,
    /// `canonical`: `\S*`.
    Canonical,
    /// `oid`: `urn:oid:[0-2](\.(0|[1-9][0-9]*))+`.
    Oid,
    /// `uuid`: `urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`.
    Uuid,
    /// `base64Binary`: `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`.
    Base64Binary,
    /// `xhtml` (Narrative.div): any non-empty text here; its XHTML rules are checked by the
    /// conformance crate.
    Xhtml,
    /// `Element.id`, `Extension.url` and other `System.String` attributes: any non-empty text.
    Plain,
}

fn java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

impl StrFormat {
    /// The FHIR type name, for messages.
    pub fn type_name(self) -> &'static str {
        match self {
            StrFormat::String => "string",
            StrFormat::Markdown => "markdown",
            StrFormat::Code => "code",
            StrFormat::Id => "id",
            StrFormat::Uri => "uri",
            StrFormat::Url => "url",
            StrFormat::Canonical => "canonical",
            StrFormat::Oid => "oid",
            StrFormat::Uuid => "uuid",
            StrFormat::Base64Binary => "base64Binary",
            StrFormat::Xhtml => "xhtml",
            StrFormat::Plain => "string",
        }
    }

    /// Checks `s` against the type's pattern; on failure says what the pattern is.
    pub fn check(self, s: &str) -> Result<(), &'static str> {
        if s.is_empty() {
            return Err("empty values are not allowed");
        }
        let ok = match self {
            StrFormat::String | StrFormat::Markdown => {
                !s.bytes().any(|b| b == 0x0b || b == 0x0c)
                    && (self == StrFormat::Markdown || s.len() <= 1_048_576 || s.chars().count() <= 1_048_576)
            }
            StrFormat::Code => {
                let b = s.as_bytes();
                !java_space(s.chars().next().unwrap_or(' '))
                    && !java_space(s.chars().last().unwrap_or(' '))
                    && !b
                        .windows(2)
                        .any(|w| java_space(w[0] as char) && java_space(w[1] as char))
            }
            StrFormat::Id => s.len() <= 64 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.'),
            // Every character of Java's `\s` is ASCII, so a byte scan is exact.
            StrFormat::Uri | StrFormat::Url | StrFormat::Canonical => !s.bytes().any(|b| java_space(b as char)),
            StrFormat::Oid => s.strip_prefix("urn:oid:").is_some_and(|rest| {
                let mut arcs = rest.split('.');
                matches!(arcs.next(), Some("0" | "1" | "2")) && {
                    let mut n = 0;
                    let all = arcs.all(|a| {
                        n += 1;
                        !a.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && (a == "0" || !a.starts_with('0'))
                    });
                    all && n > 0
                }
            }),
            StrFormat::Uuid => s.strip_prefix("urn:uuid:").is_some_and(|u| {
                let groups: Vec<&str> = u.split('-').collect();
                groups.len() == 5
                    && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
                        g.len() == n && g.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
                    })
            }),
            StrFormat::Base64Binary => {
                let mut n = 0usize;
                let mut ok = true;
                for c in s.chars() {
                    if c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=' {
                        n += 1;
                    } else if !java_space(c) {
                        ok = false;
                        break;
                    }
                }
                ok && n > 0 && n.is_multiple_of(4)
            }
            StrFormat::Xhtml | StrFormat::Plain => true,
        };
        if ok {
            Ok(())
        } else {
            Err(self.pattern())
        }
    }

    /// The R4 pattern, as written in the definitions.
    pub fn pattern(self) -> &'static str {
        match self {
            StrFormat::String | StrFormat::Markdown => r"[ \r\n\t\S]+",
            StrFormat::Code => r"[^\s]+(\s[^\s]+)*",
            StrFormat::Id => r"[A-Za-z0-9\-\.]{1,64}",
            StrFormat::Uri | StrFormat::Url | StrFormat::Canonical => r"\S*",
            StrFormat::Oid => r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
            StrFormat::Uuid => r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            StrFormat::Base64Binary => r"(\s*([0-9a-zA-Z\+/=]){4}\s*)+",
            StrFormat::Xhtml | StrFormat::Plain => "non-empty text",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StrFormat::*;

    #[test]
    fn table() {
        let cases = [
            (Id, "abc-1.2", true),
            (Id, "abc_1", false),
            (Id, &"a".repeat(65), false),
            (Code, "in-progress", true),
            (Code, "two words", true),
            (Code, " lead", false),
            (Code, "two  spaces", false),
            (Uri, "http://x/y", true),
            (Uri, "http://x/ y", false),
            (Oid, "urn:oid:2.16.840.1.113883", true),
            (Oid, "urn:oid:3.1", false),
            (Oid, "urn:oid:1.02", false),
            (Uuid, "urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7", true),
            (Uuid, "urn:uuid:53FEFA32-fcbb-4ff8-8a92-55ee120877b7", false),
            (Base64Binary, "SGVsbG8=", true),
            (Base64Binary, "SGVsbG8", false),
            (Base64Binary, "SGVs\nbG8=", true),
            (String, "tab\there", true),
            (String, "form\u{c}feed", false),
            (String, "", false),
        ];
        for (f, s, ok) in cases {
            assert_eq!(f.check(s).is_ok(), ok, "{f:?} {s:?}");
        }
    }
}
