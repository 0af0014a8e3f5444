//! Reading a document for validation: JSON or XML, parsed leniently so that a resource that
//! breaks a rule is still read and every problem is reported, not only the first.
//!
//! What the lenient parser steps over becomes an issue: an unknown element (or XML attribute,
//! or an XML element out of order) is an `error` (`structure`); unknown codes and missing
//! required elements are left to the base checks, which report them with their FHIRPath, and
//! lend them the line and column the parser saw. A document that cannot be read at all gives
//! one `fatal` issue with the parser's message, path, line and column.

use std::collections::HashMap;

use fhir_model::{json, xml, IssueSeverity, IssueType, Resource};

use crate::outcome::{Issue, Issues};

/// The format of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// FHIR JSON.
    Json,
    /// FHIR XML.
    Xml,
}

impl Format {
    /// The format a document's first non-blank character announces (`<` XML, else JSON).
    pub fn sniff(bytes: &[u8]) -> Format {
        // Skip blanks and a UTF-8 byte order mark.
        let first = bytes
            .iter()
            .copied()
            .find(|b| !(b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF)));
        if first == Some(b'<') {
            Format::Xml
        } else {
            Format::Json
        }
    }
}

/// A document read for validation.
pub(crate) struct Read {
    pub resource: Option<Resource>,
    pub issues: Issues,
    /// Line and column of the elements the parser warned about, by element path.
    pub positions: HashMap<String, (usize, usize)>,
}

/// The parser's element paths name choice elements with their type (`valueString`) and, in XML,
/// may differ from FHIRPath; both are stored, as written and with a trailing type suffix removed.
fn remember(positions: &mut HashMap<String, (usize, usize)>, path: String, at: (usize, usize)) {
    positions.entry(path).or_insert(at);
}

pub(crate) fn read(bytes: &[u8], format: Format) -> Read {
    let mut issues = Issues::default();
    let mut positions = HashMap::new();
    let resource = match format {
        Format::Json => match json::from_slice_with::<Resource>(bytes, json::Options::lenient()) {
            Ok(parsed) => {
                for w in parsed.warnings {
                    let at = (w.line, w.column);
                    match w.kind {
                        json::ErrorKind::UnknownCode { .. } => remember(&mut positions, w.path, at),
                        json::ErrorKind::MissingElement(name) => {
                            remember(&mut positions, format!("{}.{name}", w.path), at)
                        }
                        kind => issues.push_issue(Issue {
                            severity: IssueSeverity::Error,
                            code: IssueType::Structure,
                            expression: w.path,
                            diagnostics: kind.to_string(),
                            position: Some(at),
                        }),
                    }
                }
                Some(parsed.value)
            }
            Err(e) => {
                issues.push_issue(Issue {
                    severity: IssueSeverity::Fatal,
                    code: IssueType::Structure,
                    expression: e.path().to_owned(),
                    diagnostics: format!("the document could not be read as FHIR JSON: {}", e.kind()),
                    position: Some((e.line(), e.column())),
                });
                None
            }
        },
        Format::Xml => match xml::from_slice_with::<Resource>(bytes, xml::Options::lenient()) {
            Ok(parsed) => {
                for w in parsed.warnings {
                    let at = (w.line, w.column);
                    match w.kind {
                        xml::ErrorKind::UnknownCode { .. } => remember(&mut positions, w.path, at),
                        xml::ErrorKind::MissingElement(name) => {
                            remember(&mut positions, format!("{}.{name}", w.path), at)
                        }
                        kind => issues.push_issue(Issue {
                            severity: IssueSeverity::Error,
                            code: IssueType::Structure,
                            expression: w.path,
                            diagnostics: kind.to_string(),
                            position: Some(at),
                        }),
                    }
                }
                Some(parsed.value)
            }
            Err(e) => {
                issues.push_issue(Issue {
                    severity: IssueSeverity::Fatal,
                    code: IssueType::Structure,
                    expression: e.path().to_owned(),
                    diagnostics: format!("the document could not be read as FHIR XML: {}", e.kind()),
                    position: Some((e.line(), e.column())),
                });
                None
            }
        },
    };
    Read {
        resource,
        issues,
        positions,
    }
}
