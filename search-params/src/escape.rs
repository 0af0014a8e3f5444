//! The two levels of escaping of a search value
//! ([R4 search, escaping](https://hl7.org/fhir/R4/search.html#escaping)):
//!
//! 1. FHIR's own: `\` before `$`, `,`, `|` and `\` inside a value, so that they are not read as
//!    the composite, OR and system separators.
//! 2. Percent-encoding of the URL (or of the `application/x-www-form-urlencoded` body), which the
//!    server undoes first: "the escape syntax using \ applies to all parameter values after they
//!    have been 'unescaped' on the server while being read from the HTTP headers".
//!
//! In a URL query, values that are URIs (token systems, absolute references, uri values, value
//! set URLs) are percent-encoded as URI components (everything but `A-Z a-z 0-9 - _ . ! ~ * ' (
//! )`), as the R4 page's own `code:in=http%3A%2F%2Fsnomed.info...` example and the Gravity seed's
//! `owner:identifier=http%3A%2F%2F...|123` do; other values keep the characters a query may hold
//! (`:` `/` `?` `@` ...) and encode the rest, so dates read as in the spec
//! (`gt2021-05-03T17:23:18.1732-04:00`). The separators `,` `|` `$` are written literally. `&`,
//! `=`, `#`, `+`, `%`, `\`, spaces, controls and non-ASCII are always encoded, so a value can
//! never start another parameter, OR branch or fragment.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

use crate::error::{Error, ErrorKind};

/// Characters FHIR escapes with a backslash inside a value.
const FHIR_SPECIAL: [char; 4] = ['\\', ',', '$', '|'];

/// Percent-encoded in non-URI values of a URL query: what RFC 3986 does not allow in a query,
/// plus the characters that delimit parameters (`&`, `=`), fragments (`#`), the `+` that form
/// decoders read as a space, and `\` (FHIR escapes are always sent encoded).
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Percent-encoded in URI values: like JavaScript's `encodeURIComponent`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encoded in an `application/x-www-form-urlencoded` body (WHATWG URL, urlencoded
/// serializer): everything but `A-Z a-z 0-9 * - . _`; spaces become `+`.
const FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_');

/// How a value part is percent-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// A URI inside the value.
    Uri,
    /// Any other value text.
    Plain,
}

/// Where the query is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The query string of a URL.
    Url,
    /// An `application/x-www-form-urlencoded` body.
    Form,
}

/// FHIR backslash escaping of one value part.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if FHIR_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Undoes [`escape`]. A backslash before any other character, or at the end, is an error
/// ("The parameter value `xx\xx` is illegal").
pub fn unescape(text: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) if FHIR_SPECIAL.contains(&n) => out.push(n),
                Some(n) => {
                    return Err(Error::new(ErrorKind::BadEscape(format!(
                        "`\\{n}` in `{text}`: only \\\\ \\, \\$ \\| are escapes"
                    ))))
                }
                None => {
                    return Err(Error::new(ErrorKind::BadEscape(format!(
                        "`{text}` ends with a lone backslash"
                    ))))
                }
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Splits an escaped value on the separator `sep` where it is not escaped; the parts stay
/// escaped.
pub(crate) fn split_unescaped(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Percent-encodes an already FHIR-escaped value part.
pub(crate) fn encode(escaped: &str, part: Part, target: Target) -> String {
    match (target, part) {
        (Target::Url, Part::Uri) => utf8_percent_encode(escaped, URI_COMPONENT).to_string(),
        (Target::Url, Part::Plain) => utf8_percent_encode(escaped, QUERY_VALUE).to_string(),
        (Target::Form, _) => encode_form(escaped),
    }
}

/// Percent-encodes structural text (a parameter name, a separator) for `target`.
pub(crate) fn encode_structural(text: &str, target: Target) -> String {
    match target {
        Target::Url => utf8_percent_encode(text, QUERY_VALUE).to_string(),
        Target::Form => encode_form(text),
    }
}

fn encode_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(piece, FORM));
    }
    out
}

/// Decodes percent-encoding; with `plus_is_space` (form bodies) `+` is a space. `%` must be
/// followed by two hex digits and the result must be UTF-8.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Result<String, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                        out.push(b);
                        i += 3;
                    }
                    _ => {
                        return Err(Error::new(ErrorKind::BadEscape(format!(
                            "`%` at {i} of `{text}` is not followed by two hex digits"
                        ))))
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::new(ErrorKind::BadEscape(format!("`{text}` does not decode to UTF-8"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslash_escaping_follows_the_spec_examples() {
        // search.html#escaping: `xx\$xx` is the literal `xx$xx`, `xx\\xx` is `xx\xx`, `xx\xx`
        // is illegal, `a\,b` is the single code `a,b`.
        assert_eq!(unescape(r"xx\$xx").unwrap(), "xx$xx");
        assert_eq!(unescape(r"xx\\xx").unwrap(), r"xx\xx");
        assert!(unescape(r"xx\xx").is_err());
        assert!(unescape("x\\").is_err());
        assert_eq!(split_unescaped(r"a\,b", ','), vec![r"a\,b"]);
        assert_eq!(split_unescaped("a,b", ','), vec!["a", "b"]);
        assert_eq!(split_unescaped(r"a\\,b", ','), vec![r"a\\", "b"]);
        assert_eq!(escape(r"a|b,c$d\e"), r"a\|b\,c\$d\\e");
    }

    #[test]
    fn percent_encoding_by_part() {
        assert_eq!(
            encode("http://someorganization/some/identifier/system", Part::Uri, Target::Url),
            "http%3A%2F%2Fsomeorganization%2Fsome%2Fidentifier%2Fsystem"
        );
        assert_eq!(
            encode("gt2021-05-03T17:23:18.1732-04:00", Part::Plain, Target::Url),
            "gt2021-05-03T17:23:18.1732-04:00"
        );
        assert_eq!(
            encode("a&b=c#d+e f%", Part::Plain, Target::Url),
            "a%26b%3Dc%23d%2Be%20f%25"
        );
        assert_eq!(encode(r"a\,b", Part::Plain, Target::Url), "a%5C,b");
        assert_eq!(encode("a b+c/d", Part::Plain, Target::Form), "a+b%2Bc%2Fd");
        assert_eq!(percent_decode("a+b%2Bc", true).unwrap(), "a b+c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert!(percent_decode("%zz", false).is_err());
        assert!(percent_decode("%4", false).is_err());
        assert!(percent_decode("%ff", false).is_err());
        assert_eq!(percent_decode("%C3%A9", false).unwrap(), "é");
    }
}
