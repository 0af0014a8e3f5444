//! A deterministic stand-in for a FHIR server: assigns ids, versions and `meta.lastUpdated`
//! from a fixed clock, and answers with the headers a real server sends (`Location`, `ETag`,
//! `Last-Modified`, `Date`), so that running the examples twice gives the same bytes.

use fhir_model::{FhirResource, Instant, Meta, Primitive, Resource};

use super::http::Message;

pub struct Server {
    pub base: String,
    /// Seconds since the Unix epoch of the server clock.
    now: i64,
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Civil date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Server {
    /// A server at `base` whose clock starts at `start` (an instant with `Z`).
    pub fn new(base: &str, start: &str) -> Self {
        let start: Instant = start.parse().expect("a valid start instant");
        Server {
            base: base.to_owned(),
            now: start.parts().range_micros().0.div_euclid(1_000_000),
        }
    }

    /// Moves the clock on.
    pub fn advance(&mut self, seconds: i64) {
        self.now += seconds;
    }

    /// The clock as a FHIR instant.
    pub fn instant(&self) -> Instant {
        let (y, m, d) = civil(self.now.div_euclid(86_400));
        let s = self.now.rem_euclid(86_400);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
            .parse()
            .expect("valid instant")
    }

    /// The clock as an HTTP-date (RFC 7231 IMF-fixdate).
    pub fn http_date(&self) -> String {
        let days = self.now.div_euclid(86_400);
        let (y, m, d) = civil(days);
        let s = self.now.rem_euclid(86_400);
        format!(
            "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
            DAYS[days.rem_euclid(7) as usize],
            MONTHS[(m - 1) as usize],
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// Stamps a new version of `resource` (`meta.versionId`, `meta.lastUpdated`).
    pub fn stamp<R: FhirResource>(&self, resource: &mut R, version: u32) {
        let meta = resource.meta_mut().get_or_insert_with(Meta::default);
        meta.version_id = Some(Primitive::new(version.to_string()));
        meta.last_updated = Some(Primitive::new(self.instant()));
    }

    /// `200 OK` / `201 Created` with the resource and the usual headers.
    pub fn answer<R: FhirResource + Clone + Into<Resource>>(&self, status: u16, resource: &R) -> Message {
        let reason = if status == 201 { "Created" } else { "OK" };
        let mut m = Message::response(status, reason).header("Date", self.http_date());
        if let (Some(id), Some(meta)) = (resource.id(), resource.meta()) {
            let version = meta
                .version_id
                .as_ref()
                .and_then(|v| v.value.clone())
                .unwrap_or_default();
            if status == 201 {
                m = m.header("Location", format!("{}/{}/{id}/_history/{version}", self.base, R::TYPE));
            }
            m = m.header("ETag", format!("W/\"{version}\""));
            m = m.header("Last-Modified", self.http_date());
        }
        m.resource(resource.clone())
    }

    /// A bundle-less response (`200 OK` with a searchset or any resource).
    pub fn answer_resource(&self, resource: impl Into<Resource>) -> Message {
        Message::response(200, "OK")
            .header("Date", self.http_date())
            .resource(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats() {
        let s = Server::new("https://x", "2020-10-23T04:54:56Z");
        assert_eq!(s.http_date(), "Fri, 23 Oct 2020 04:54:56 GMT");
        assert_eq!(s.instant().as_str(), "2020-10-23T04:54:56Z");
        let mut s = Server::new("https://x", "2024-02-28T23:59:59Z");
        s.advance(1);
        assert_eq!(s.instant().as_str(), "2024-02-29T00:00:00Z");
        assert_eq!(s.http_date(), "Thu, 29 Feb 2024 00:00:00 GMT");
    }
}
