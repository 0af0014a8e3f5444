//! FHIR `date`, `dateTime`, `instant` and `time` values that keep their lexical form.
//!
//! Each type validates its text against the regular expression of the R4 StructureDefinition
//! (`StructureDefinition-<type>.json`, extension `http://hl7.org/fhir/StructureDefinition/regex`)
//! and additionally checks that the calendar date exists, as
//! [R4 datatypes](https://hl7.org/fhir/R4/datatypes.html#dateTime) requires ("SHALL be a valid
//! date"). The original text, and so the precision, is kept exactly.

use std::fmt;
use std::str::FromStr;

/// How precisely a date or time was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
    /// hours and minutes (only reachable through [`Precision::Second`] texts in FHIR; kept for
    /// search prefixes that allow it)
    Minute,
    /// `hh:mm:ss`
    Second,
    /// `hh:mm:ss.fff...`, with the number of fractional digits
    Fraction(u8),
}

/// The components of a date, dateTime, instant or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    /// Year (1..=9999), 0 for a `time`.
    pub year: u16,
    /// Month (1..=12) when given.
    pub month: Option<u8>,
    /// Day of month when given.
    pub day: Option<u8>,
    /// Hour, minute, second when a time is given.
    pub time: Option<(u8, u8, u8)>,
    /// Fractional seconds as nanoseconds (digits past the ninth are ignored here, kept in the text).
    pub nanos: u32,
    /// Number of fractional digits written.
    pub fraction_digits: u8,
    /// Time-zone offset in minutes east of UTC when given (`Z` is 0).
    pub offset_minutes: Option<i16>,
}

impl Parts {
    /// The precision of the written value.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day, self.time) {
            (None, _, _) if self.time.is_none() => Precision::Year,
            (Some(_), None, _) => Precision::Month,
            (Some(_), Some(_), None) => Precision::Day,
            _ if self.fraction_digits > 0 => Precision::Fraction(self.fraction_digits),
            _ => Precision::Second,
        }
    }

    /// The half-open range `[start, end)` this value denotes, in microseconds since the Unix
    /// epoch (UTC). A value without a time zone is read as UTC (R4 search §3.1.1.5.7 leaves the
    /// zone of such values to the server). Used by search matching: a date is the whole period
    /// its precision covers ([R4 search, date](https://hl7.org/fhir/R4/search.html#date)).
    pub fn range_micros(&self) -> (i64, i64) {
        let y = i64::from(self.year);
        let (m, d) = (self.month.unwrap_or(1), self.day.unwrap_or(1));
        let start_day = days_from_civil(y, m, d);
        let offset = i64::from(self.offset_minutes.unwrap_or(0)) * 60_000_000;
        let day_us = 86_400_000_000i64;
        match self.precision() {
            Precision::Year => (days_from_civil(y, 1, 1) * day_us, days_from_civil(y + 1, 1, 1) * day_us),
            Precision::Month => {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                (start_day * day_us, days_from_civil(ny, nm, 1) * day_us)
            }
            Precision::Day => (start_day * day_us, (start_day + 1) * day_us),
            precision => {
                let (h, mi, s) = self.time.unwrap_or((0, 0, 0));
                let secs = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
                let start = start_day * day_us + secs * 1_000_000 + i64::from(self.nanos / 1000) - offset;
                let width = match precision {
                    Precision::Fraction(n) if n < 6 => 10i64.pow(6 - u32::from(n)),
                    Precision::Fraction(_) => 1,
                    Precision::Minute => 60_000_000,
                    _ => 1_000_000,
                };
                (start, start + width)
            }
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Why a date or time text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a valid FHIR {kind}: {reason}")]
pub struct TemporalError {
    /// The FHIR type name (`date`, `dateTime`, `instant`, `time`).
    pub kind: &'static str,
    /// The refused text.
    pub text: String,
    /// What was wrong.
    pub reason: &'static str,
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.i..self.i + n)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(s.iter().fold(0, |a, c| a * 10 + u32::from(c - b'0')))
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// What a temporal type demands of its text.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Date,
    DateTime,
    Instant,
}

fn parse_time(c: &mut Cursor<'_>, parts: &mut Parts) -> Result<(), &'static str> {
    let h = c.digits(2).ok_or("hour expected")?;
    if !c.eat(b':') {
        return Err("':' expected after the hour");
    }
    let mi = c.digits(2).ok_or("minutes expected")?;
    if !c.eat(b':') {
        return Err("':' expected after the minutes");
    }
    let s = c.digits(2).ok_or("seconds expected")?;
    if h > 23 || mi > 59 || s > 60 {
        return Err("time out of range");
    }
    parts.time = Some((h as u8, mi as u8, s as u8));
    if c.eat(b'.') {
        let start = c.i;
        while c.i < c.b.len() && c.b[c.i].is_ascii_digit() {
            c.i += 1;
        }
        let n = c.i - start;
        if n == 0 {
            return Err("digits expected after '.'");
        }
        let mut nanos = 0u32;
        for k in 0..9 {
            nanos = nanos * 10 + c.b.get(start + k).filter(|_| k < n).map_or(0, |d| u32::from(d - b'0'));
        }
        parts.nanos = nanos;
        parts.fraction_digits = n.min(255) as u8;
    }
    Ok(())
}

fn parse_parts(text: &str, shape: Shape) -> Result<Parts, &'static str> {
    let mut c = Cursor {
        b: text.as_bytes(),
        i: 0,
    };
    let mut parts = Parts::default();
    let year = c.digits(4).ok_or("four-digit year expected")?;
    if year == 0 {
        return Err("year 0000 is not allowed");
    }
    parts.year = year as u16;
    if c.eat(b'-') {
        let m = c.digits(2).ok_or("two-digit month expected")?;
        if !(1..=12).contains(&m) {
            return Err("month out of range");
        }
        parts.month = Some(m as u8);
        if c.eat(b'-') {
            let d = c.digits(2).ok_or("two-digit day expected")?;
            if d == 0 || d > u32::from(days_in_month(parts.year, m as u8)) {
                return Err("no such day in that month");
            }
            parts.day = Some(d as u8);
            if shape != Shape::Date && c.eat(b'T') {
                parse_time(&mut c, &mut parts)?;
                if c.eat(b'Z') {
                    parts.offset_minutes = Some(0);
                } else {
                    let sign = if c.eat(b'+') {
                        1
                    } else if c.eat(b'-') {
                        -1
                    } else {
                        return Err("a time zone (Z or +hh:mm) is required with a time");
                    };
                    let oh = c.digits(2).ok_or("offset hours expected")?;
                    if !c.eat(b':') {
                        return Err("':' expected in the offset");
                    }
                    let om = c.digits(2).ok_or("offset minutes expected")?;
                    if om > 59 || oh > 14 || (oh == 14 && om != 0) {
                        return Err("offset out of range");
                    }
                    parts.offset_minutes = Some(sign * (oh * 60 + om) as i16);
                }
            }
        }
    }
    if !c.done() {
        return Err("unexpected characters");
    }
    if shape == Shape::Instant && parts.time.is_none() {
        return Err("an instant needs a full date, time and time zone");
    }
    Ok(parts)
}

macro_rules! temporal_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $shape:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The text exactly as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The components of the value.
            pub fn parts(&self) -> Parts {
                // Validated on construction, so parsing again cannot fail.
                parse_parts(&self.0, $shape).unwrap_or_default()
            }
            /// The precision the value was written with.
            pub fn precision(&self) -> Precision {
                self.parts().precision()
            }
        }

        impl FromStr for $name {
            type Err = TemporalError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                parse_parts(text, $shape)
                    .map(|_| $name(text.to_owned()))
                    .map_err(|reason| TemporalError { kind: $kind, text: text.to_owned(), reason })
            }
        }

        impl TryFrom<&str> for $name {
            type Error = TemporalError;
            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

temporal_type!(
    /// FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, no time zone.
    Date, "date", Shape::Date
);
temporal_type!(
    /// FHIR `dateTime`: a date, or a date with a time and a mandatory time zone.
    DateTime, "dateTime", Shape::DateTime
);
temporal_type!(
    /// FHIR `instant`: a full date, time (seconds, optional fraction) and time zone.
    Instant, "instant", Shape::Instant
);

/// FHIR `time`: `hh:mm:ss` with optional fraction, no time zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Time(String);

impl Time {
    /// The text exactly as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Time {
    type Err = TemporalError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut c = Cursor {
            b: text.as_bytes(),
            i: 0,
        };
        let mut parts = Parts::default();
        parse_time(&mut c, &mut parts)
            .and_then(|()| if c.done() { Ok(()) } else { Err("unexpected characters") })
            .map(|()| Time(text.to_owned()))
            .map_err(|reason| TemporalError {
                kind: "time",
                text: text.to_owned(),
                reason,
            })
    }
}

impl TryFrom<&str> for Time {
    type Error = TemporalError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Instant> for DateTime {
    fn from(i: Instant) -> Self {
        DateTime(i.0)
    }
}

impl From<Date> for DateTime {
    fn from(d: Date) -> Self {
        DateTime(d.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_from_the_r4_patterns() {
        let ok_dt = [
            "2018",
            "2018-02",
            "2018-02-28",
            "2020-02-29",
            "2021-05-03T17:23:18.1732-04:00",
            "2015-02-07T13:28:17Z",
            "2015-02-07T13:28:17+14:00",
            "2016-12-31T23:59:60Z",
        ];
        for t in ok_dt {
            assert!(t.parse::<DateTime>().is_ok(), "{t}");
        }
        let bad_dt = [
            "0000",
            "18",
            "2018-13",
            "2018-02-29",
            "2021-04-31",
            "2018-02-07T13:28:17",
            "2018-02-07T13:28Z",
            "2018-02-07T24:00:00Z",
            "2018-02-07T13:28:17+15:00",
            "2018-02-07T13:28:17.Z",
            " 2018",
            "2018-1-01",
        ];
        for t in bad_dt {
            assert!(t.parse::<DateTime>().is_err(), "{t}");
        }
        assert!("2018-02-07".parse::<Instant>().is_err());
        assert!("2018-02-07T13:28:17Z".parse::<Date>().is_err());
        assert!("23:59:59.5".parse::<Time>().is_ok());
        assert!("24:00:00".parse::<Time>().is_err());
    }

    #[test]
    fn precision_and_ranges() {
        let d: DateTime = "2021-05-03".parse().unwrap();
        assert_eq!(d.precision(), Precision::Day);
        let (s, e) = d.parts().range_micros();
        assert_eq!(e - s, 86_400_000_000);
        let t: DateTime = "2021-05-03T10:00:00Z".parse().unwrap();
        let (ts, te) = t.parts().range_micros();
        assert!(ts >= s && te <= e);
        let y: DateTime = "2020".parse().unwrap();
        let (ys, ye) = y.parts().range_micros();
        assert_eq!((ye - ys) / 86_400_000_000, 366);
        let f: DateTime = "2021-05-03T17:23:18.1732-04:00".parse().unwrap();
        assert_eq!(f.precision(), Precision::Fraction(4));
        let (fs, fe) = f.parts().range_micros();
        assert_eq!(fe - fs, 100);
        let utc: DateTime = "2021-05-03T21:23:18.1732Z".parse().unwrap();
        assert_eq!(utc.parts().range_micros().0, fs);
    }
}
