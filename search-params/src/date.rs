//! Date search values: `yyyy-mm-ddThh:mm:ss[Z|(+|-)hh:mm]` with any precision "populated from
//! the left", minutes required with an hour, seconds optional
//! ([R4 search, date](https://hl7.org/fhir/R4/search.html#date)), and the range each denotes.

use std::fmt;

use crate::error::Error;

/// How precisely a search date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatePrecision {
    /// `2021`
    Year,
    /// `2021-05`
    Month,
    /// `2021-05-03`
    Day,
    /// `2021-05-03T17:23`
    Minute,
    /// `2021-05-03T17:23:18`
    Second,
    /// `2021-05-03T17:23:18.1732` (number of fraction digits)
    Fraction(u8),
}

/// A validated search date with the half-open range `[start, end)` it denotes, in microseconds
/// since the Unix epoch (UTC). A time without a zone is read as UTC: R4 leaves it to "the
/// server's local time zone", and this crate has none.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchDate {
    text: String,
    precision: DatePrecision,
    start: i64,
    end: i64,
}

impl SearchDate {
    /// Parses and validates a search date.
    pub fn parse(text: &str) -> Result<SearchDate, Error> {
        parse(text).map_err(|why| {
            Error::invalid(
                format!("a date yyyy[-mm[-dd[Thh:mm[:ss[.f]][Z|±hh:mm]]]] ({why})"),
                text,
            )
        })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The precision as written.
    pub fn precision(&self) -> DatePrecision {
        self.precision
    }

    /// The range `[start, end)` in microseconds since the epoch.
    pub fn range(&self) -> (i64, i64) {
        (self.start, self.end)
    }
}

impl fmt::Display for SearchDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    s.iter()
        .all(u8::is_ascii_digit)
        .then(|| s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const DAY_US: i64 = 86_400_000_000;

fn parse(text: &str) -> Result<SearchDate, &'static str> {
    let b = text.as_bytes();
    let year = digits(b, 0, 4).ok_or("the year needs four digits")?;
    let y = i64::from(year);
    let done = |precision, start, end| {
        Ok(SearchDate {
            text: text.to_owned(),
            precision,
            start,
            end,
        })
    };
    if b.len() == 4 {
        return done(
            DatePrecision::Year,
            days_from_civil(y, 1, 1) * DAY_US,
            days_from_civil(y + 1, 1, 1) * DAY_US,
        );
    }
    if b.get(4) != Some(&b'-') {
        return Err("expected `-` after the year");
    }
    let month = digits(b, 5, 2)
        .filter(|m| (1..=12).contains(m))
        .ok_or("the month must be 01 to 12")?;
    if b.len() == 7 {
        let (ny, nm) = if month == 12 { (y + 1, 1) } else { (y, month + 1) };
        return done(
            DatePrecision::Month,
            days_from_civil(y, month, 1) * DAY_US,
            days_from_civil(ny, nm, 1) * DAY_US,
        );
    }
    if b.get(7) != Some(&b'-') {
        return Err("expected `-` after the month");
    }
    let day = digits(b, 8, 2)
        .filter(|d| (1..=days_in_month(year, month)).contains(d))
        .ok_or("the day does not exist in that month")?;
    let day_start = days_from_civil(y, month, day) * DAY_US;
    if b.len() == 10 {
        return done(DatePrecision::Day, day_start, day_start + DAY_US);
    }
    if b.get(10) != Some(&b'T') {
        return Err("expected `T` after the day");
    }
    let hour = digits(b, 11, 2)
        .filter(|h| *h < 24)
        .ok_or("the hour must be 00 to 23")?;
    if b.get(13) != Some(&b':') {
        return Err("minutes are required with an hour");
    }
    let minute = digits(b, 14, 2)
        .filter(|m| *m < 60)
        .ok_or("the minute must be 00 to 59")?;
    let mut i = 16;
    let mut second = 0;
    let mut micros = 0i64;
    let mut precision = DatePrecision::Minute;
    if b.get(i) == Some(&b':') {
        second = digits(b, 17, 2)
            .filter(|s| *s < 60)
            .ok_or("the second must be 00 to 59")?;
        i = 19;
        precision = DatePrecision::Second;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            let n = end - start;
            if n == 0 || n > 9 {
                return Err("a fraction of a second needs 1 to 9 digits");
            }
            let frac = &text[start..end];
            let padded = format!("{frac:0<6}");
            micros = padded[..6].parse::<i64>().map_err(|_| "bad fraction")?;
            precision = DatePrecision::Fraction(n as u8);
            i = end;
        }
    }
    let offset_minutes: i64 = match b.get(i) {
        None => 0,
        Some(b'Z') if b.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let h = digits(b, i + 1, 2).filter(|h| *h <= 14).ok_or("bad time-zone hour")?;
            let m = digits(b, i + 4, 2).filter(|m| *m < 60).ok_or("bad time-zone minute")?;
            let off = i64::from(h * 60 + m);
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return Err("expected Z or ±hh:mm after the time"),
    };
    let start = day_start + (i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1_000_000 + micros
        - offset_minutes * 60_000_000;
    let width = match precision {
        DatePrecision::Minute => 60_000_000,
        DatePrecision::Fraction(n) if n < 6 => 10i64.pow(6 - u32::from(n)),
        DatePrecision::Fraction(_) => 1,
        _ => 1_000_000,
    };
    done(precision, start, start + width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> (i64, i64) {
        SearchDate::parse(s).unwrap().range()
    }

    #[test]
    fn precision_ranges() {
        let day = 86_400_000_000;
        let (s, e) = range("2013-01-14");
        assert_eq!(e - s, day);
        let (s2, e2) = range("2000");
        assert_eq!((e2 - s2) / day, 366);
        let (s3, e3) = range("2000-02");
        assert_eq!((e3 - s3) / day, 29);
        let (m0, m1) = range("2013-01-14T10:00");
        assert_eq!(m1 - m0, 60_000_000);
        assert_eq!(m0, s + 10 * 3_600_000_000);
        let (f0, f1) = range("2021-05-03T17:23:18.1732-04:00");
        assert_eq!(f1 - f0, 100);
        let (z0, _) = range("2021-05-03T21:23:18.1732Z");
        assert_eq!(z0, f0);
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "21",
            "2021-13",
            "2021-02-30",
            "2021-05-03T10",
            "2021-05-03T25:00",
            "2021-05-03 10:00",
            "2021-05-03T10:00+4:00",
            "2021-05-03T10:00:00.",
            "23 May 2009",
            "2021-05-03Z",
        ] {
            assert!(SearchDate::parse(bad).is_err(), "{bad}");
        }
    }
}
