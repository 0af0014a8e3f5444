//! The invariants of the R4 base definitions that this crate checks, written in Rust (there is
//! no FHIRPath engine). Key, severity, human text and expression of each come from the
//! StructureDefinitions (`crate::generated::invariants`), and every issue quotes them.
//!
//! | key | on | module |
//! | --- | --- | --- |
//! | `ele-1` | every element | `crate::base::structure` |
//! | `ext-1` | Extension | [`element`] |
//! | `ref-1` | Reference | [`element`] |
//! | `dom-2` … `dom-6` | DomainResource | [`domain`] |
//! | `inv-1` | Task | [`task`] |
//! | `bdl-1` … `bdl-5`, `bdl-7` … `bdl-12` | Bundle | [`bundle`] |
//!
//! The other invariants of the modelled types are not checked; `docs/spec/conformance.md` lists
//! them and says why.

pub(crate) mod bundle;
pub(crate) mod domain;
pub(crate) mod element;
pub(crate) mod task;

use fhir_model::{IssueSeverity, IssueType};

pub(crate) use crate::generated::invariants::*;
use crate::outcome::Issues;

/// The keys of the base invariants this crate checks, for the tests that exercise each one.
#[doc(hidden)]
pub fn implemented_keys() -> Vec<&'static str> {
    ALL.iter().map(|c| c.key).collect()
}

/// An invariant as a StructureDefinition states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Constraint {
    /// `ele-1`, `bdl-3`, ...
    pub key: &'static str,
    /// The element the constraint is defined on (`Bundle.entry`).
    pub path: &'static str,
    pub severity: IssueSeverity,
    pub human: &'static str,
    /// The FHIRPath expression.
    pub expression: &'static str,
    /// The file it is copied from.
    pub source: &'static str,
}

impl Constraint {
    /// Diagnostics for a violation: key and text of the rule, what was found, then the
    /// expression and where the rule is defined.
    pub fn diagnostics(&self, found: &str) -> String {
        format!(
            "{}: {}; found: {found} [expression: {}; defined on {} in {}]",
            self.key,
            self.human.trim_end_matches('.'),
            self.expression,
            self.path,
            self.source
        )
    }

    /// Reports a violation at `expression`.
    pub fn report(&self, issues: &mut Issues, expression: String, found: &str) {
        issues.push(self.severity, IssueType::Invariant, expression, self.diagnostics(found));
    }
}

#[cfg(test)]
mod tests {
    use crate::generated::elements::UNCHECKED_BINDINGS;

    fn docs() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/spec/conformance.md"))
            .expect("docs/spec/conformance.md")
    }

    /// The spec page lists every implemented invariant with its expression, and every required
    /// binding that is not checked.
    #[test]
    fn the_spec_page_lists_what_is_checked_and_what_is_not() {
        let docs = docs();
        for c in super::ALL {
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", c.key)))
                .unwrap_or_else(|| panic!("docs/spec/conformance.md has no row for {}", c.key));
            let expression = c.expression.replace('|', "\\|");
            assert!(
                row.contains(&expression),
                "{}: the row does not quote the expression",
                c.key
            );
        }
        for (path, value_set) in UNCHECKED_BINDINGS {
            assert!(
                docs.contains(&format!("| `{path}` | `{value_set}` |")),
                "docs/spec/conformance.md does not list the unchecked binding of {path}"
            );
        }
    }
}
