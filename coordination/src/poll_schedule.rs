//! When to poll a Task next.
//!
//! CDex (CDEX-TBA "Polling", CONF-062, SHOULD): the Data Consumer polls "after 1 minute to return
//! automated responses and no more than every 5 minutes for the first 30 minutes and no more
//! frequently than once every hour after that". [`PollSchedule::cdex`] encodes exactly that;
//! [`PollSchedule::new`] takes other figures.

use fhir_model::DateTime;

use crate::Error;

/// A polling schedule: the first poll `first_after` seconds after the request, then at least
/// `early_interval` seconds apart while less than `early_window` seconds have passed since the
/// request, then at least `late_interval` seconds apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSchedule {
    /// Seconds from the request to the first poll.
    pub first_after: i64,
    /// Seconds between polls early on.
    pub early_interval: i64,
    /// Seconds after the request during which `early_interval` applies.
    pub early_window: i64,
    /// Seconds between polls afterwards.
    pub late_interval: i64,
}

impl PollSchedule {
    /// CDex CONF-062: 1 minute, then every 5 minutes for 30 minutes, then hourly.
    pub const fn cdex() -> PollSchedule {
        PollSchedule {
            first_after: 60,
            early_interval: 5 * 60,
            early_window: 30 * 60,
            late_interval: 60 * 60,
        }
    }

    /// A schedule of your own (all in seconds).
    pub const fn new(first_after: i64, early_interval: i64, early_window: i64, late_interval: i64) -> PollSchedule {
        PollSchedule {
            first_after,
            early_interval,
            early_window,
            late_interval,
        }
    }

    /// The earliest time to poll again, for a request made at `requested_at` and a poll made at
    /// `now`, in UTC (`YYYY-MM-DDThh:mm:ssZ`, whole seconds rounded up). Times are read as the
    /// start of the period their precision denotes.
    ///
    /// ```
    /// use coordination::PollSchedule;
    /// let at = |s: &str| s.parse::<fhir_model::DateTime>().unwrap();
    /// let cdex = PollSchedule::cdex();
    /// let posted = at("2024-05-01T09:00:00Z");
    /// assert_eq!(cdex.next_poll(&posted, &at("2024-05-01T09:00:10Z"))?.as_str(), "2024-05-01T09:01:00Z");
    /// assert_eq!(cdex.next_poll(&posted, &at("2024-05-01T09:10:00Z"))?.as_str(), "2024-05-01T09:15:00Z");
    /// assert_eq!(cdex.next_poll(&posted, &at("2024-05-01T10:00:00-01:00"))?.as_str(), "2024-05-01T12:00:00Z");
    /// # Ok::<(), coordination::Error>(())
    /// ```
    pub fn next_poll(&self, requested_at: &DateTime, now: &DateTime) -> Result<DateTime, Error> {
        const S: i64 = 1_000_000;
        let start = requested_at.parts().range_micros().0;
        let now_us = now.parts().range_micros().0;
        let first = start + self.first_after * S;
        let next = if now_us < first {
            first
        } else if now_us - start < self.early_window * S {
            now_us + self.early_interval * S
        } else {
            now_us + self.late_interval * S
        };
        format_utc(next)
    }
}

/// Formats microseconds since the Unix epoch as a UTC dateTime with whole seconds (rounded up).
pub(crate) fn format_utc(micros: i64) -> Result<DateTime, Error> {
    let secs = micros.div_euclid(1_000_000) + i64::from(micros.rem_euclid(1_000_000) != 0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let text = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    text.parse()
        .map_err(|_| Error::invalid("next poll time", "a dateTime between the years 0001 and 9999", text))
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm, the inverse
/// of the one fhir-model uses for ranges).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_through_fhir_model_ranges() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2024-12-31T00:00:01Z",
            "9999-12-31T23:59:59Z",
        ] {
            let dt: DateTime = text.parse().unwrap();
            assert_eq!(format_utc(dt.parts().range_micros().0).unwrap().as_str(), text);
        }
        // fractions round up to the next whole second
        let dt: DateTime = "2024-05-01T09:00:00.5Z".parse().unwrap();
        assert_eq!(
            format_utc(dt.parts().range_micros().0).unwrap().as_str(),
            "2024-05-01T09:00:01Z"
        );
        assert!(format_utc(i64::MAX / 2).is_err());
    }

    #[test]
    fn cdex_schedule_table() {
        let s = PollSchedule::cdex();
        let posted: DateTime = "2024-05-01T09:00:00Z".parse().unwrap();
        let table = [
            ("2024-05-01T09:00:00Z", "2024-05-01T09:01:00Z"),
            ("2024-05-01T09:01:00Z", "2024-05-01T09:06:00Z"),
            ("2024-05-01T09:29:59Z", "2024-05-01T09:34:59Z"),
            ("2024-05-01T09:30:00Z", "2024-05-01T10:30:00Z"),
            ("2024-05-02T00:00:00Z", "2024-05-02T01:00:00Z"),
        ];
        for (now, next) in table {
            assert_eq!(
                s.next_poll(&posted, &now.parse().unwrap()).unwrap().as_str(),
                next,
                "now {now}"
            );
        }
    }
}
