//! `Retry-After` (RFC 7231 §7.1.3): delay-seconds or an HTTP-date. Bulk Data v2 (BULK-STATUS)
//! names both forms ("a delay time in seconds (e.g., 120) or a http-date").
//!
//! Only the preferred HTTP-date form, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 7231
//! §7.1.1.1), is parsed: it is the form RFC 7231 requires senders to generate, and the one the
//! Bulk Data IG shows. The two obsolete forms (rfc850-date, asctime-date) are reported as
//! malformed; the machine then falls back to its own backoff rather than guessing. Parsed by
//! hand: twenty lines do not justify a dependency.

use std::time::{Duration, SystemTime};

/// A `Retry-After` header as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfter {
    /// No header.
    Absent,
    /// `Retry-After: 120`.
    Seconds(u64),
    /// `Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`.
    Date(SystemTime),
    /// A value that is neither form (kept to be reported).
    Malformed(String),
}

impl RetryAfter {
    /// Reads the header from a header map (the first value if repeated).
    pub fn from_headers(headers: &http::HeaderMap) -> RetryAfter {
        match headers.get(http::header::RETRY_AFTER) {
            None => RetryAfter::Absent,
            Some(v) => match v.to_str() {
                Ok(text) => RetryAfter::parse(text),
                Err(_) => RetryAfter::Malformed(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            },
        }
    }

    /// Parses a header value.
    pub fn parse(text: &str) -> RetryAfter {
        let t = text.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return match t.parse::<u64>() {
                Ok(n) => RetryAfter::Seconds(n),
                Err(_) => RetryAfter::Malformed(text.to_owned()),
            };
        }
        match parse_http_date(t) {
            Some(at) => RetryAfter::Date(at),
            None => RetryAfter::Malformed(text.to_owned()),
        }
    }

    /// The instant the server asks to wait until, if it said one.
    pub fn instant(&self, now: SystemTime) -> Option<SystemTime> {
        match self {
            RetryAfter::Seconds(s) => Some(now + Duration::from_secs(*s)),
            RetryAfter::Date(at) => Some(*at),
            RetryAfter::Absent | RetryAfter::Malformed(_) => None,
        }
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`); `None` for anything else,
/// including a day name that does not match the date.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || &b[25..] != b" GMT" {
        return None;
    }
    if b[19] != b':' || b[22] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &text[r];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let day_name = DAYS.iter().position(|d| *d == &text[0..3])?;
    let day = num(5..7)?;
    let month = MONTHS.iter().position(|m| *m == &text[8..11])? as u32 + 1;
    let year = num(12..16)?;
    let (h, mi, s) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 || year < 1970 {
        return None;
    }
    if day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    if (days + 3).rem_euclid(7) as usize != day_name {
        return None;
    }
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s.min(59));
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Formats an instant as IMF-fixdate (for servers and tests).
pub fn format_http_date(at: SystemTime) -> String {
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days + 3).rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats an instant as a FHIR `instant` in UTC (`2024-05-01T10:00:00Z`).
pub(crate) fn format_instant(at: SystemTime) -> String {
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
