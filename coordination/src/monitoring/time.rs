//! Points in time as plain values: every time this module uses is a parameter (no hidden clock).

use fhir_model::Instant;
use serde::{Deserialize, Serialize};

use super::MonitoringError;

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UnixSeconds(pub i64);

impl UnixSeconds {
    /// The start of a FHIR `instant` (e.g. a Bundle's `meta.lastUpdated`), to the second.
    pub fn from_instant(text: &str, element: &str) -> Result<UnixSeconds, MonitoringError> {
        let instant: Instant = text.parse().map_err(|_| MonitoringError::InvalidValue {
            element: element.to_owned(),
            expected: "a FHIR instant",
            found: text.to_owned(),
        })?;
        Ok(UnixSeconds(instant.parts().range_micros().0.div_euclid(1_000_000)))
    }

    /// An HTTP `Date` header (RFC 9110 §5.6.7 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
    pub fn from_http_date(text: &str) -> Result<UnixSeconds, MonitoringError> {
        parse_imf_fixdate(text)
            .map(UnixSeconds)
            .ok_or_else(|| MonitoringError::InvalidValue {
                element: "Date header".to_owned(),
                expected: "an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`",
                found: text.to_owned(),
            })
    }

    /// The same point written as a FHIR `instant` in UTC.
    pub fn to_instant_text(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }

    /// Day of the week, 0 = Monday … 6 = Sunday, at a UTC offset in minutes.
    pub(crate) fn weekday_at(self, offset_minutes: i32) -> u32 {
        let local = self.0.saturating_add(i64::from(offset_minutes) * 60);
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        (local.div_euclid(86_400) + 3).rem_euclid(7) as u32
    }

    /// Seconds since local midnight at a UTC offset in minutes.
    pub(crate) fn second_of_day_at(self, offset_minutes: i32) -> i64 {
        self.0.saturating_add(i64::from(offset_minutes) * 60).rem_euclid(86_400)
    }
}

/// (year, month, day) of days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn parse_imf_fixdate(text: &str) -> Option<i64> {
    // `Sun, 06 Nov 1994 08:49:37 GMT`
    let rest = text.get(5..)?;
    let mut it = rest.split(' ');
    let day: u8 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u16 = it.next()?.parse().ok()?;
    let time = it.next()?;
    if it.next()? != "GMT" || it.next().is_some() {
        return None;
    }
    let instant: Instant = format!("{year:04}-{month:02}-{day:02}T{time}Z").parse().ok()?;
    Some(instant.parts().range_micros().0.div_euclid(1_000_000))
}
