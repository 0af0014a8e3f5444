//! The one error type of the crate: what went wrong, with the parameter and its position.

use std::fmt;

use crate::registry::{Modifier, ParamType, Prefix};

/// Why a query could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// The parameter as written (`owner:identifier`), when the error concerns one.
    pub parameter: Option<String>,
    /// Byte offset of the parameter (or of the problem) in the parsed text, when parsing.
    pub position: Option<usize>,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// What is wrong with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text does not start with a modelled resource type.
    UnknownResourceType(String),
    /// The resource type has no parameter of this name.
    UnknownParameter {
        /// The resource type searched.
        resource_type: String,
        /// The name.
        code: String,
    },
    /// The modifier is not allowed on this parameter.
    ModifierNotAllowed {
        /// The modifier as written.
        modifier: String,
        /// The parameter's type.
        param_type: ParamType,
    },
    /// The prefix is not allowed on this parameter.
    PrefixNotAllowed {
        /// The prefix.
        prefix: Prefix,
        /// The parameter's type.
        param_type: ParamType,
    },
    /// A value does not have the form the parameter's type requires.
    InvalidValue {
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A chain or reverse chain step is not a reference to a type that defines the next step.
    BadChain(String),
    /// An `_include` or `_revinclude` does not name a reference parameter and its target.
    BadInclude(String),
    /// A search result parameter (`_count`, `_sort`, ...) is malformed or repeated.
    BadResultParameter(String),
    /// Percent-encoding or FHIR backslash escaping is malformed.
    BadEscape(String),
    /// The text is not a search URL, relative query or form body.
    Malformed(String),
    /// The criterion does not fit the parameter's type (for example a date on a token).
    WrongCriterion {
        /// The parameter's type.
        param_type: ParamType,
        /// The kind of criterion given.
        criterion: &'static str,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error {
            parameter: None,
            position: None,
            kind,
        }
    }

    pub(crate) fn at(mut self, parameter: &str, position: Option<usize>) -> Self {
        if self.parameter.is_none() {
            self.parameter = Some(parameter.to_owned());
        }
        if self.position.is_none() {
            self.position = position;
        }
        self
    }

    pub(crate) fn invalid(expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidValue {
            expected: expected.into(),
            found: found.into(),
        })
    }

    pub(crate) fn modifier(modifier: Modifier, param_type: ParamType) -> Self {
        Error::new(ErrorKind::ModifierNotAllowed {
            modifier: modifier.code().to_owned(),
            param_type,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.parameter {
            write!(f, "parameter `{p}`")?;
            if let Some(pos) = self.position {
                write!(f, " at {pos}")?;
            }
            f.write_str(": ")?;
        } else if let Some(pos) = self.position {
            write!(f, "at {pos}: ")?;
        }
        match &self.kind {
            ErrorKind::UnknownResourceType(t) => write!(f, "`{t}` is not a resource type this crate models"),
            ErrorKind::UnknownParameter { resource_type, code } => {
                write!(f, "{resource_type} has no search parameter `{code}`")
            }
            ErrorKind::ModifierNotAllowed { modifier, param_type } => {
                write!(
                    f,
                    "modifier `:{modifier}` is not allowed on this {param_type} parameter"
                )
            }
            ErrorKind::PrefixNotAllowed { prefix, param_type } => {
                write!(f, "prefix `{prefix}` is not allowed on a {param_type} parameter")
            }
            ErrorKind::InvalidValue { expected, found } => write!(f, "expected {expected}, found `{found}`"),
            ErrorKind::BadChain(m) => write!(f, "bad chain: {m}"),
            ErrorKind::BadInclude(m) => write!(f, "bad include: {m}"),
            ErrorKind::BadResultParameter(m) => f.write_str(m),
            ErrorKind::BadEscape(m) => write!(f, "bad escaping: {m}"),
            ErrorKind::Malformed(m) => write!(f, "malformed query: {m}"),
            ErrorKind::WrongCriterion { param_type, criterion } => {
                write!(f, "a {criterion} criterion cannot be used on a {param_type} parameter")
            }
        }
    }
}
