//! Search numbers: decimals with optional exponent, compared exactly, with the implicit range
//! of their significant figures ([R4 search, number](https://hl7.org/fhir/R4/search.html#number)).

use std::cmp::Ordering;
use std::fmt;

use crate::error::Error;

/// An exact decimal `mantissa × 10^exponent`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    mantissa: i128,
    exponent: i32,
}

impl Dec {
    /// Parses `-?d+(.d+)?([eE][+-]?d+)?`.
    pub(crate) fn parse(text: &str) -> Option<Dec> {
        let (num, exp) = match text.find(['e', 'E']) {
            Some(i) => (
                &text[..i],
                text[i + 1..].parse::<i32>().ok().filter(|e| e.abs() <= 300)?,
            ),
            None => (text, 0),
        };
        let (neg, num) = match num.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, num),
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if num.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 36 {
            return None;
        }
        let mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        Some(Dec {
            mantissa: if neg { -mantissa } else { mantissa },
            exponent: exp - frac.len() as i32,
        })
    }

    /// Half of one unit in the last significant digit, as a decimal.
    fn half_unit(self) -> Dec {
        Dec {
            mantissa: 5,
            exponent: self.exponent - 1,
        }
    }

    fn add(self, other: Dec) -> Dec {
        let e = self.exponent.min(other.exponent);
        Dec {
            mantissa: scale(self.mantissa, self.exponent - e) + scale(other.mantissa, other.exponent - e),
            exponent: e,
        }
    }

    fn neg(self) -> Dec {
        Dec {
            mantissa: -self.mantissa,
            exponent: self.exponent,
        }
    }

    /// The implicit range `[low, high)` of the value's significant figures.
    pub(crate) fn range(self) -> (Dec, Dec) {
        let h = self.half_unit();
        (self.add(h.neg()), self.add(h))
    }

    pub(crate) fn to_f64(self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exponent)
    }
}

/// `m × 10^by`, saturating (only reached by absurd exponents, where order still holds).
fn scale(m: i128, by: i32) -> i128 {
    let mut m = m;
    for _ in 0..by {
        m = m.saturating_mul(10);
    }
    m
}

impl PartialEq for Dec {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Self) -> Ordering {
        let e = self.exponent.min(other.exponent);
        if self.exponent - e > 38 || other.exponent - e > 38 {
            return self.to_f64().total_cmp(&other.to_f64());
        }
        scale(self.mantissa, self.exponent - e).cmp(&scale(other.mantissa, other.exponent - e))
    }
}

/// A validated search number, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchNumber {
    text: String,
}

impl SearchNumber {
    /// Parses a number (`100`, `100.00`, `1e2`, `-0.5`, `8e-1`).
    pub fn parse(text: &str) -> Result<SearchNumber, Error> {
        Dec::parse(text)
            .map(|_| SearchNumber { text: text.to_owned() })
            .ok_or_else(|| Error::invalid("a decimal number such as 100, 100.00 or 1e2", text))
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn value(&self) -> Dec {
        // Validated on construction.
        Dec::parse(&self.text).unwrap_or(Dec {
            mantissa: 0,
            exponent: 0,
        })
    }
}

impl fmt::Display for SearchNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn significant_figure_ranges() {
        // search.html#number: 100 is [99.5, 100.5), 100.00 is [99.995, 100.005).
        assert_eq!(d("100").range(), (d("99.5"), d("100.5")));
        assert_eq!(d("100.00").range(), (d("99.995"), d("100.005")));
        // 1e2 has one significant figure: [50, 150) by the rule; the page's example says
        // [95, 105), which contradicts its own rule (docs/spec/search.md).
        assert_eq!(d("1e2").range(), (d("50"), d("150")));
        assert!(d("0.8") < d("8.1e-1"));
        assert_eq!(d("8e-1").cmp(&d("0.80")), Ordering::Equal);
        assert!(Dec::parse("1.").is_none());
        assert!(Dec::parse(".5").is_none());
        assert!(Dec::parse("abc").is_none());
    }
}
