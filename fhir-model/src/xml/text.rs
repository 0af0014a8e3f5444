//! Character data in and out: references, line ends, attribute-value normalization, escaping.
//!
//! Rules from XML 1.0 (Fifth Edition): the `Char` production (§2.2); end-of-line handling, where
//! `\r\n` and a lone `\r` become `\n` (§2.11); character and entity references, of which only
//! the five predefined entities exist without a DTD (§4.1, §4.6); attribute-value normalization,
//! where each literal tab, line feed or carriage return becomes a space while references to them
//! survive (§3.3.3). So that whitespace inside `value` attributes survives a round trip, the
//! writer emits tab, line feed and carriage return as character references.

use std::borrow::Cow;

use super::error::ErrorKind;

/// True for a character XML 1.0 allows in a document (§2.2 `Char`; Rust strings hold no
/// surrogates).
#[inline]
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// How a byte is treated when decoding: 0 plain, 1 needs the slow path in any context, 2 only in
/// attribute values.
const fn decode_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 1;
        i += 1;
    }
    t[b'\n' as usize] = 2;
    t[b'\t' as usize] = 2;
    t[b'\r' as usize] = 1;
    t[b'&' as usize] = 1;
    t[b'<' as usize] = 2;
    // Lead byte of U+F000..U+FFFF, which includes the non-characters U+FFFE and U+FFFF.
    t[0xEF] = 1;
    t
}
static DECODE: [u8; 256] = decode_table();

/// Decodes character data (`attr == false`) or an attribute value as written between its quotes.
/// On failure returns the error and the byte offset within `raw`.
#[inline]
pub(crate) fn decode(raw: &str, attr: bool) -> Result<Cow<'_, str>, (ErrorKind, usize)> {
    let b = raw.as_bytes();
    let limit = if attr { 2 } else { 1 };
    let first = b.iter().position(|&c| {
        let k = DECODE[c as usize];
        k != 0 && k <= limit
    });
    match first {
        None => Ok(Cow::Borrowed(raw)),
        Some(i) => decode_slow(raw, i, attr).map(Cow::Owned),
    }
}

#[cold]
fn decode_slow(raw: &str, start: usize, attr: bool) -> Result<String, (ErrorKind, usize)> {
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..start]);
    let mut chars = raw[start..].char_indices().peekable();
    while let Some((rel, c)) = chars.next() {
        let at = start + rel;
        match c {
            '&' => {
                let rest = &raw[at + 1..];
                let end = rest
                    .find(';')
                    .ok_or_else(|| (ErrorKind::Syntax("'&' without a closing ';'".into()), at))?;
                let name = &rest[..end];
                let resolved = match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ if name.starts_with('#') => char_reference(name).map_err(|k| (k, at))?,
                    _ => return Err((ErrorKind::UnknownEntity(name.to_owned()), at)),
                };
                out.push(resolved);
                // Skip the reference's text.
                while let Some(&(r, _)) = chars.peek() {
                    if start + r > at + end + 1 {
                        break;
                    }
                    chars.next();
                }
            }
            '\r' => {
                if chars.peek().is_some_and(|&(_, n)| n == '\n') {
                    chars.next();
                }
                out.push(if attr { ' ' } else { '\n' });
            }
            '\t' | '\n' if attr => out.push(' '),
            '<' if attr => return Err((ErrorKind::Syntax("'<' in an attribute value".into()), at)),
            c if !is_xml_char(c) => return Err((ErrorKind::InvalidCharacter(format!("U+{:04X}", c as u32)), at)),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Resolves `#123` or `#x7B` (the text between `&` and `;`).
fn char_reference(name: &str) -> Result<char, ErrorKind> {
    let digits = &name[1..];
    let value = if let Some(hex) = digits.strip_prefix('x') {
        (!hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
    } else {
        (!digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()))
            .then(|| digits.parse::<u32>().ok())
            .flatten()
    };
    match value.and_then(char::from_u32) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => Err(ErrorKind::InvalidCharacter(format!("&{name};"))),
    }
}

/// Checks and normalizes literal content (comments, CDATA sections), where `&` is no reference:
/// line ends become `\n` and characters outside XML's `Char` are refused.
pub(crate) fn normalize_literal(raw: &str) -> Result<Cow<'_, str>, (ErrorKind, usize)> {
    if !raw.bytes().any(|b| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0xEF) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\r' => {
                if chars.peek().is_some_and(|&(_, n)| n == '\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c if !is_xml_char(c) => return Err((ErrorKind::InvalidCharacter(format!("U+{:04X}", c as u32)), at)),
            c => out.push(c),
        }
    }
    Ok(Cow::Owned(out))
}

/// How a byte is treated when escaping: 0 copied, 1 needs attention in text and attributes, 2
/// only in attributes.
const fn escape_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 1;
        i += 1;
    }
    t[b'\t' as usize] = 2;
    t[b'\n' as usize] = 2;
    t[b'&' as usize] = 1;
    t[b'<' as usize] = 1;
    t[b'>' as usize] = 1;
    t[b'"' as usize] = 1;
    t[0xEF] = 1;
    t
}
static ESCAPE: [u8; 256] = escape_table();

/// Appends `s` escaped for an attribute value (`attr`) or for character data. `&`, `<`, `>`
/// and `"` become the predefined entities (as the FHIR JSON examples write narrative text);
/// a carriage return, and in attributes also tab and line feed, become character references so
/// that they survive the reader's normalization. Fails with the first character XML cannot carry.
#[inline]
pub(crate) fn escape_into(out: &mut String, s: &str, attr: bool) -> Result<(), char> {
    let b = s.as_bytes();
    let limit = if attr { 2 } else { 1 };
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let k = ESCAPE[b[i] as usize];
        if k == 0 || k > limit {
            i += 1;
            continue;
        }
        let rep = match b[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\t' => "&#9;",
            b'\n' => "&#10;",
            b'\r' => "&#13;",
            0xEF => {
                // Only U+FFFE and U+FFFF (EF BF BE/BF) are not XML characters.
                if b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)) {
                    return Err(s[i..].chars().next().unwrap_or('\u{FFFF}'));
                }
                i += 1;
                continue;
            }
            c => return Err(c as char),
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(decode("plain", true).unwrap(), "plain");
        assert!(matches!(decode("plain", true).unwrap(), Cow::Borrowed(_)));
        assert_eq!(decode("a &amp; b &lt;&gt;&quot;&apos;", false).unwrap(), "a & b <>\"'");
        assert_eq!(decode("&#65;&#x42;&#x1F600;", false).unwrap(), "AB\u{1F600}");
        // Attribute-value normalization keeps referenced whitespace.
        assert_eq!(decode("a\tb\nc\r\nd&#10;e&#9;", true).unwrap(), "a b c d\ne\t");
        assert_eq!(decode("a\r\nb\rc", false).unwrap(), "a\nb\nc");
        assert_eq!(
            decode("x &nbsp; y", false).unwrap_err().0,
            ErrorKind::UnknownEntity("nbsp".into())
        );
        assert_eq!(decode("x &nbsp; y", false).unwrap_err().1, 2);
        assert!(matches!(
            decode("&#0;", false).unwrap_err().0,
            ErrorKind::InvalidCharacter(_)
        ));
        assert!(matches!(
            decode("&#xD800;", false).unwrap_err().0,
            ErrorKind::InvalidCharacter(_)
        ));
        assert!(matches!(
            decode("a\u{1}", false).unwrap_err().0,
            ErrorKind::InvalidCharacter(_)
        ));
        assert!(matches!(
            decode("\u{FFFE}", false).unwrap_err().0,
            ErrorKind::InvalidCharacter(_)
        ));
        assert_eq!(decode("\u{FFFD}\u{F900}", false).unwrap(), "\u{FFFD}\u{F900}");
        assert!(decode("a<b", true).is_err());
        assert!(decode("a & b", false).is_err());
        assert_eq!(normalize_literal("a & b\r\nc").unwrap(), "a & b\nc");
        assert!(normalize_literal("a\u{2}").is_err());
    }

    #[test]
    fn escaping() {
        let mut out = String::new();
        escape_into(&mut out, "a&b<c>d\"e\tf\ng\rh'", true).unwrap();
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&#9;f&#10;g&#13;h'");
        out.clear();
        escape_into(&mut out, "a\tb\nc\rd\"", false).unwrap();
        assert_eq!(out, "a\tb\nc&#13;d&quot;");
        assert_eq!(escape_into(&mut out, "bad\u{1}", false), Err('\u{1}'));
        assert_eq!(escape_into(&mut out, "bad\u{FFFF}", false), Err('\u{FFFF}'));
        out.clear();
        escape_into(&mut out, "ok\u{F900}\u{FFFD}", false).unwrap();
        assert_eq!(out, "ok\u{F900}\u{FFFD}");
    }

    #[test]
    fn round_trip_of_whitespace_in_attributes() {
        let original = "  two  spaces\tand\ttabs\nand lines\r\n";
        let mut out = String::new();
        escape_into(&mut out, original, true).unwrap();
        assert_eq!(decode(&out, true).unwrap(), original);
    }
}
