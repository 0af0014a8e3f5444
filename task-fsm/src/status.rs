//! Task status codes as machine states: strict parsing and a compact set type.
//!
//! The states are `fhir_model::TaskStatus` (the R4 value set `http://hl7.org/fhir/ValueSet/task-status`,
//! all 12 codes of CodeSystem `task-status` 4.0.1); this crate defines no status type of its own.

use fhir_model::{CodeEnum, TaskStatus};
use std::fmt;

use crate::Error;

/// Number of R4 Task status codes.
pub(crate) const STATUS_COUNT: usize = 12;

/// The position of a status in `TaskStatus::ALL` (definition order of the code system).
#[inline]
pub(crate) fn index(status: TaskStatus) -> usize {
    status as usize
}

/// Reads a status code string strictly (exact, case-sensitive, as FHIR codes are).
///
/// ```
/// use fhir_model::TaskStatus;
/// assert_eq!(task_fsm::parse_status("in-progress").unwrap(), TaskStatus::InProgress);
/// let err = task_fsm::parse_status("In-Progress").unwrap_err();
/// assert!(err.to_string().contains("\"In-Progress\""));
/// ```
pub fn parse_status(code: &str) -> Result<TaskStatus, Error> {
    TaskStatus::from_code(code).ok_or_else(|| Error::UnknownStatus { code: code.to_owned() })
}

/// A set of Task statuses (a bit per code), iterated in code-system order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StatusSet(u16);

impl StatusSet {
    /// The empty set.
    pub const EMPTY: StatusSet = StatusSet(0);

    /// All 12 R4 statuses.
    pub fn all() -> StatusSet {
        StatusSet((1 << STATUS_COUNT) - 1)
    }

    /// Whether `status` is in the set.
    #[inline]
    pub fn contains(self, status: TaskStatus) -> bool {
        self.0 & (1 << index(status)) != 0
    }

    /// Adds `status`.
    #[inline]
    pub fn insert(&mut self, status: TaskStatus) {
        self.0 |= 1 << index(status);
    }

    /// Number of statuses in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The statuses of `self` that are not in `other`.
    pub fn difference(self, other: StatusSet) -> StatusSet {
        StatusSet(self.0 & !other.0)
    }

    /// Whether every status of `self` is in `other`.
    pub fn is_subset(self, other: StatusSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The statuses, in code-system order.
    pub fn iter(self) -> impl Iterator<Item = TaskStatus> {
        TaskStatus::ALL.iter().copied().filter(move |s| self.contains(*s))
    }

    /// The codes separated by single spaces (the form used in TSV headers).
    pub fn codes(self) -> String {
        self.iter().map(|s| s.code()).collect::<Vec<_>>().join(" ")
    }
}

impl FromIterator<TaskStatus> for StatusSet {
    fn from_iter<I: IntoIterator<Item = TaskStatus>>(iter: I) -> Self {
        let mut set = StatusSet::EMPTY;
        for s in iter {
            set.insert(s);
        }
        set
    }
}

impl<const N: usize> From<[TaskStatus; N]> for StatusSet {
    fn from(statuses: [TaskStatus; N]) -> Self {
        statuses.into_iter().collect()
    }
}

impl fmt::Debug for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|s| s.code())).finish()
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(none)");
        }
        for (i, s) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(s.code())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_follows_code_system_order() {
        for (i, s) in TaskStatus::ALL.iter().enumerate() {
            assert_eq!(index(*s), i);
        }
        assert_eq!(TaskStatus::ALL.len(), STATUS_COUNT);
    }

    #[test]
    fn every_code_parses_and_unknown_codes_are_named() {
        for s in TaskStatus::ALL {
            assert_eq!(parse_status(s.code()).unwrap(), *s);
        }
        assert_eq!(
            parse_status("done").unwrap_err(),
            Error::UnknownStatus { code: "done".into() }
        );
    }
}
