//! The one error type of the crate.

use task_fsm::Violation;

use crate::tree::TreeError;

/// What went wrong. Every variant names what and where, with what was expected and what was
/// found; nothing in this crate panics on bad input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An element is missing or has a value this helper cannot use.
    #[error("{path}: expected {expected}, found {found}")]
    Invalid {
        /// Where (`Task.focus`, `Task.extension[2].valueReference`, `base URL`).
        path: String,
        /// What the helper needs there.
        expected: String,
        /// What it found.
        found: String,
    },
    /// task-fsm refused a status change (an event) or could not build a machine.
    #[error("{context}: {source}")]
    StateMachine {
        /// What was being done (`award bid Task/b1`).
        context: String,
        /// The refusal, with every violation.
        #[source]
        source: task_fsm::Error,
    },
    /// A Task produced or edited here breaks a rule of its machine (`check_create` /
    /// `check_update`); the Task was left unchanged.
    #[error("{context}: {}", describe(.violations))]
    Refused {
        /// What was being done.
        context: String,
        /// Every error-strength violation.
        violations: Vec<Violation>,
    },
    /// A set of Tasks that does not form a tree by `partOf`.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A search that search-params could not build or parse.
    #[error("{context}: {source}")]
    Search {
        /// What was being built.
        context: String,
        /// The search-params error (names the parameter and position).
        #[source]
        source: search_params::Error,
    },
}

fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {} [{}]", v.path, v.reason, v.source))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub(crate) fn invalid(path: impl Into<String>, expected: impl Into<String>, found: impl Into<String>) -> Error {
        Error::Invalid {
            path: path.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    pub(crate) fn fsm(context: impl Into<String>, source: task_fsm::Error) -> Error {
        Error::StateMachine {
            context: context.into(),
            source,
        }
    }
}
