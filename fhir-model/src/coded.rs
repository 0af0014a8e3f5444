//! Codes bound to a required value set.
//!
//! Elements of type `code` with a `required` binding to an enumerable value set are generated as
//! Rust enums ([`CodeEnum`]). A code outside the value set is refused by the strict parser; the
//! lenient parser keeps it as [`Coded::Unknown`] and reports a warning, so an unexpected code
//! never makes a whole resource unreadable and never disappears.

use std::fmt;
use std::str::FromStr;

/// An enum generated from a required value set.
pub trait CodeEnum: Copy + Eq + fmt::Debug + 'static {
    /// Canonical URL of the value set the enum is generated from.
    const VALUE_SET: &'static str;
    /// Every code of the value set, in definition order.
    const ALL: &'static [Self];
    /// The code strings of [`ALL`](Self::ALL), in the same order.
    const CODES: &'static [&'static str];
    /// The exact code string.
    fn code(self) -> &'static str;
    /// The code system the code belongs to.
    fn system(self) -> &'static str;
    /// The display text from the code system.
    fn display(self) -> &'static str;
    /// Looks a code string up (exact, case-sensitive match).
    fn from_code(code: &str) -> Option<Self>;
}

/// A code from a required value set, or a code outside it kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Coded<E> {
    /// A code of the value set.
    Known(E),
    /// A code that is not in the value set (only produced by the lenient parser or by hand).
    Unknown(String),
}

impl<E: CodeEnum> Coded<E> {
    /// The code string.
    pub fn code(&self) -> &str {
        match self {
            Coded::Known(e) => e.code(),
            Coded::Unknown(s) => s,
        }
    }

    /// The enum value when the code is known.
    pub fn known(&self) -> Option<E> {
        match self {
            Coded::Known(e) => Some(*e),
            Coded::Unknown(_) => None,
        }
    }

    /// Reads a code string, keeping unknown codes.
    pub fn from_code_lenient(code: &str) -> Self {
        E::from_code(code).map_or_else(|| Coded::Unknown(code.to_owned()), Coded::Known)
    }
}

impl<E> From<E> for Coded<E> {
    fn from(e: E) -> Self {
        Coded::Known(e)
    }
}

impl<E: PartialEq> PartialEq<E> for Coded<E> {
    fn eq(&self, other: &E) -> bool {
        matches!(self, Coded::Known(e) if e == other)
    }
}

impl<E: CodeEnum> fmt::Display for Coded<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A code string that is not in the value set of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {code:?} for value set {value_set}")]
pub struct UnknownCode {
    /// The code that was not found.
    pub code: String,
    /// The value set it was looked up in.
    pub value_set: &'static str,
}

/// Parses a code string strictly into its enum.
pub fn parse_code<E: CodeEnum>(code: &str) -> Result<E, UnknownCode> {
    E::from_code(code).ok_or_else(|| UnknownCode {
        code: code.to_owned(),
        value_set: E::VALUE_SET,
    })
}

impl<E: CodeEnum> FromStr for Coded<E> {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_code(s).map(Coded::Known)
    }
}
