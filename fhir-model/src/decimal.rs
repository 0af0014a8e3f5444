//! FHIR `decimal`, kept as written.
//!
//! R4 says a decimal has implicit precision and must not go through IEEE floating point
//! (`StructureDefinition-decimal.json`, comment on `decimal`); `1.50` and `1.5` are different
//! values for FHIR. [`Decimal`] therefore stores the lexical form, validated against the R4
//! pattern `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.

use std::fmt;
use std::str::FromStr;

/// A FHIR decimal that keeps its exact text (`1.50` stays `1.50`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(String);

/// The text is not a FHIR decimal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a FHIR decimal (expected -?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?)")]
pub struct DecimalError(pub String);

/// True when `s` matches the R4 decimal pattern (which is also JSON's number grammar).
pub(crate) fn is_decimal_lexeme(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

impl Decimal {
    /// The text exactly as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as `f64`, for arithmetic where precision does not matter (never used for
    /// serialization).
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// Number of digits after the decimal point as written (the implicit precision, ignoring
    /// any exponent).
    pub fn scale(&self) -> usize {
        let mantissa = self.0.split(['e', 'E']).next().unwrap_or("");
        mantissa.split_once('.').map_or(0, |(_, f)| f.len())
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if is_decimal_lexeme(s) {
            Ok(Decimal(s.to_owned()))
        } else {
            Err(DecimalError(s.to_owned()))
        }
    }
}

impl TryFrom<&str> for Decimal {
    type Error = DecimalError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<i32> for Decimal {
    fn from(v: i32) -> Self {
        Decimal(v.to_string())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexemes() {
        for ok in [
            "0",
            "-0",
            "1.50",
            "1E-22",
            "-1.000000000000000000E+245",
            "19",
            "0.0000000000000000000001",
        ] {
            assert!(is_decimal_lexeme(ok), "{ok}");
        }
        for bad in ["", "01", "1.", ".5", "+1", "1e", "NaN", "1.5 ", "0x10"] {
            assert!(!is_decimal_lexeme(bad), "{bad}");
        }
        assert_eq!("1.50".parse::<Decimal>().unwrap().scale(), 2);
        assert_eq!("1.50".parse::<Decimal>().unwrap().to_string(), "1.50");
    }
}
