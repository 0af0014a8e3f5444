//! Polling: the seed's queries, a cursor that cannot lose updates, and the polling frequency.
//!
//! Two classic ways to lose updates are ruled out by construction:
//! * the cursor is the **server's** time of the search (the searchset Bundle's
//!   `meta.lastUpdated`, else the response `Date` header), never the client's clock;
//! * the cursor only moves in [`PollRun::finish`], which refuses while a `next` page is unread.
//!
//! Updates that share the cursor's instant (several updates inside one second, or written
//! while the pages were read) are kept by searching with `_lastUpdated=ge` instead of the seed's
//! `gt` and dropping the versions already reported (by `Type/id/_history/versionId`, else by
//! `meta.lastUpdated`). Sources: seed 004 "Polling"; R4 search §3.1.1.4.3 (`ge`), R4 Bundle
//! (`meta.lastUpdated`, `link` `next`), R4 http §3.1.0.1.6 (paging). See `docs/spec/monitoring.md`.

use std::collections::{BTreeMap, BTreeSet};

use fhir_model::{Bundle, BundleType, Reference, Resource, SearchEntryMode};
use search_params::{DateValue, Prefix, Query, ReferenceValue, Test, TokenValue};
use serde::{Deserialize, Serialize};

use super::{MonitoringError, UnixSeconds};

/// The organization (or other party) doing the monitoring: a RESTful reference on the server
/// that holds the Tasks, or a business identifier when it has none there (the seed's open issue).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartyRef {
    /// `Type/id` on the Task server.
    Reference {
        /// Resource type, e.g. `Organization`.
        resource_type: String,
        /// Logical id.
        id: String,
    },
    /// `system|value` of the party's identifier (searched with `:identifier`).
    Identifier {
        /// Identifier system.
        system: String,
        /// Identifier value.
        value: String,
    },
}

impl PartyRef {
    /// `Type/id`.
    pub fn reference(resource_type: &str, id: &str) -> PartyRef {
        PartyRef::Reference {
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
        }
    }

    /// `system|value`.
    pub fn identifier(system: &str, value: &str) -> PartyRef {
        PartyRef::Identifier {
            system: system.to_owned(),
            value: value.to_owned(),
        }
    }

    /// Whether `reference` points at this party (by `Type/id`, also when absolute, or by identifier).
    pub fn is(&self, reference: &Reference) -> bool {
        match self {
            PartyRef::Reference { resource_type, id } => {
                reference.target_type() == Some(resource_type.as_str()) && reference.target_id() == Some(id.as_str())
            }
            PartyRef::Identifier { system, value } => reference.identifier.as_ref().is_some_and(|i| {
                i.system.as_ref().and_then(|s| s.value.as_deref()) == Some(system.as_str())
                    && i.value.as_ref().and_then(|v| v.value.as_deref()) == Some(value.as_str())
            }),
        }
    }

    /// The search test selecting this party on a reference parameter.
    pub fn test(&self) -> Test {
        match self {
            PartyRef::Reference { resource_type, id } => Test::reference(ReferenceValue::typed(resource_type, id)),
            PartyRef::Identifier { system, value } => Test::Identifier(vec![TokenValue::system_code(system, value)]),
        }
    }
}

/// The seed's polling queries for one party (one plan per partner base and party).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPlan {
    us: PartyRef,
    server: Option<String>,
}

impl PollPlan {
    /// A plan for `us`.
    pub fn new(us: PartyRef) -> PollPlan {
        PollPlan { us, server: None }
    }

    /// A plan for `us` on the partner server at `base` (e.g. `https://cbo.example.org/fhir`):
    /// its queries give absolute URLs ([`PollQuery::url`]).
    pub fn at(base: &str, us: PartyRef) -> PollPlan {
        PollPlan {
            us,
            server: Some(base.trim_end_matches('/').to_owned()),
        }
    }

    /// The partner server's base URL, when given.
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// The party this plan monitors for.
    pub fn party(&self) -> &PartyRef {
        &self.us
    }

    /// `Task?owner=Organization/123` (or `owner:identifier=system|value`): Tasks assigned to us.
    pub fn owned_by_us(&self) -> PollQuery {
        self.task_query("owner")
    }

    /// `Task?requester=…`: Tasks we requested.
    pub fn requested_by_us(&self) -> PollQuery {
        self.task_query("requester")
    }

    /// `Task?owner:missing=true&status=requested`: unassigned Tasks open to be claimed.
    pub fn unassigned(&self) -> PollQuery {
        let query = Query::new("Task")
            .and_then(|q| q.and("owner", Test::Missing(true)))
            .and_then(|q| q.and("status", Test::codes(["requested"])));
        PollQuery {
            // Task, owner (reference) and status (token) are in the R4 registry.
            base: query.expect("registry has Task owner and status"),
            server: self.server.clone(),
        }
    }

    /// `ServiceRequest?_id=a,b,…`: the focus requests of our Tasks (seed: "A ServiceRequest
    /// associated with a Task assigned to the organization has been modified / cancelled").
    pub fn focus_requests<I: IntoIterator<Item = S>, S: Into<String>>(
        &self,
        ids: I,
    ) -> Result<PollQuery, MonitoringError> {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        if ids.is_empty() {
            return Err(MonitoringError::missing("ServiceRequest?_id (no request ids)"));
        }
        let base = Query::new("ServiceRequest")
            .and_then(|q| q.and("_id", Test::codes(ids)))
            .map_err(|e| MonitoringError::query("ServiceRequest?_id", e))?;
        Ok(PollQuery {
            base,
            server: self.server.clone(),
        })
    }

    fn task_query(&self, parameter: &str) -> PollQuery {
        let query = Query::new("Task").and_then(|q| q.and(parameter, self.us.test()));
        PollQuery {
            base: query.expect("registry has Task owner and requester as references"),
            server: self.server.clone(),
        }
    }
}

/// One polling query without its cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollQuery {
    base: Query,
    server: Option<String>,
}

impl PollQuery {
    /// Wraps any query (e.g. with `code` or `status` criteria added).
    pub fn from_query(base: Query) -> PollQuery {
        PollQuery { base, server: None }
    }

    /// The same query with more search items (e.g. `_include=Task:focus`, `_count`).
    pub fn map(
        self,
        f: impl FnOnce(Query) -> Result<Query, search_params::Error>,
    ) -> Result<PollQuery, MonitoringError> {
        let base = f(self.base).map_err(|e| MonitoringError::query("PollQuery", e))?;
        Ok(PollQuery {
            base,
            server: self.server,
        })
    }

    /// The absolute URL to GET (`[base]/Task?…&_lastUpdated=ge…`); needs a plan made with
    /// [`PollPlan::at`].
    pub fn url(&self, cursor: &PollCursor) -> Result<String, MonitoringError> {
        let server = self
            .server
            .as_deref()
            .ok_or_else(|| MonitoringError::missing("PollPlan base URL (use PollPlan::at)"))?;
        Ok(self.with_cursor(cursor)?.to_url(server))
    }

    /// The query without the cursor.
    pub fn query(&self) -> &Query {
        &self.base
    }

    /// The query to send: `_lastUpdated=ge<cursor>` appended when the cursor has a time.
    pub fn with_cursor(&self, cursor: &PollCursor) -> Result<Query, MonitoringError> {
        match &cursor.since {
            None => Ok(self.base.clone()),
            Some(since) => DateValue::new(Prefix::Ge, since)
                .and_then(|d| self.base.clone().and("_lastUpdated", Test::date(d)))
                .map_err(|e| MonitoringError::query("PollCursor.since", e)),
        }
    }

    /// Starts a run: the first request is [`PollRun::first_request`].
    pub fn begin(&self, cursor: &PollCursor) -> Result<PollRun, MonitoringError> {
        Ok(PollRun {
            first_request: self.with_cursor(cursor)?,
            cursor: cursor.clone(),
            server_time: None,
            next: None,
            pages: 0,
            found: Vec::new(),
            found_keys: BTreeSet::new(),
            included: Vec::new(),
        })
    }
}

/// The polling state the caller persists between polls (serde): the server time of the last
/// complete search and the versions already reported at or after it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PollCursor {
    since: Option<String>,
    /// Version key → end of its `meta.lastUpdated` range (µs), for pruning.
    seen: BTreeMap<String, i64>,
}

impl PollCursor {
    /// No cursor yet: the first poll returns everything the query selects.
    pub fn new() -> PollCursor {
        PollCursor::default()
    }

    /// Starts at a server instant (e.g. `2021-05-03T17:23:18.1732-04:00` from an earlier search).
    pub fn start_at(server_instant: &str) -> Result<PollCursor, MonitoringError> {
        instant_range(server_instant, "PollCursor.since")?;
        Ok(PollCursor {
            since: Some(server_instant.to_owned()),
            seen: BTreeMap::new(),
        })
    }

    /// The server instant the next search starts from.
    pub fn since(&self) -> Option<&str> {
        self.since.as_deref()
    }

    /// How many versions are remembered to drop the overlap.
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }
}

/// Whether another page has to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageOutcome {
    /// GET this URL (the Bundle's `next` link) and pass the page to [`PollRun::accept_page`].
    Next(String),
    /// All pages read: call [`PollRun::finish`].
    Done,
}

/// A version seen for the first time.
#[derive(Debug, Clone, PartialEq)]
pub struct PolledVersion {
    /// The resource as returned.
    pub resource: Resource,
    /// `Type/id/_history/versionId`, or `Type/id@lastUpdated` when the server gives no versionId.
    pub key: String,
}

/// One poll in progress: pages are fed in order; the cursor moves only in [`PollRun::finish`].
#[derive(Debug, Clone)]
pub struct PollRun {
    first_request: Query,
    cursor: PollCursor,
    server_time: Option<(String, i64)>,
    next: Option<String>,
    pages: usize,
    found: Vec<(PolledVersion, i64)>,
    found_keys: BTreeSet<String>,
    included: Vec<Resource>,
}

impl PollRun {
    /// The first request of the run (`GET [base]/` + this).
    pub fn first_request(&self) -> &Query {
        &self.first_request
    }

    /// Reads one searchset page. The first page fixes the new cursor: its `meta.lastUpdated`,
    /// else `date_header` (the HTTP `Date` of that response).
    pub fn accept_page(&mut self, page: &Bundle, date_header: Option<&str>) -> Result<PageOutcome, MonitoringError> {
        if self.pages > 0 && self.next.is_none() {
            return Err(MonitoringError::Sequence {
                element: "Bundle".to_owned(),
                problem: "a page after the last one (the previous page had no next link)".to_owned(),
            });
        }
        match page.type_.value.as_ref().and_then(|c| c.known()) {
            Some(BundleType::Searchset) => {}
            _ => {
                let found = page
                    .type_
                    .value
                    .as_ref()
                    .map(|c| c.code().to_owned())
                    .unwrap_or_default();
                return Err(MonitoringError::invalid("Bundle.type", "searchset", found));
            }
        }
        if self.pages == 0 {
            self.server_time = Some(server_time(page, date_header)?);
        }
        for (index, entry) in page.entry.iter().enumerate() {
            let Some(resource) = &entry.resource else { continue };
            let mode = entry
                .search
                .as_ref()
                .and_then(|s| s.mode.as_ref())
                .and_then(|m| m.value.as_ref());
            match mode.and_then(|m| m.known()) {
                Some(SearchEntryMode::Include) => {
                    self.included.push(resource.clone());
                    continue;
                }
                Some(SearchEntryMode::Outcome) => continue,
                // Without a mode, a resource of another type than the one searched can only
                // be there because of `_include` / `_revinclude`.
                _ if resource.resource_type() != self.first_request.resource_type() => {
                    self.included.push(resource.clone());
                    continue;
                }
                _ => {}
            }
            let (key, end) = version_key(resource, &format!("Bundle.entry[{index}].resource"))?;
            let repeated = self.cursor.seen.contains_key(&key) || !self.found_keys.insert(key.clone());
            if !repeated {
                self.found.push((
                    PolledVersion {
                        resource: resource.clone(),
                        key,
                    },
                    end,
                ));
            }
        }
        self.pages += 1;
        self.next = page
            .link
            .iter()
            .find(|l| l.relation.value.as_deref() == Some("next"))
            .and_then(|l| l.url.value.clone());
        Ok(match &self.next {
            Some(url) => PageOutcome::Next(url.clone()),
            None => PageOutcome::Done,
        })
    }

    /// Resources returned because of `_include` (e.g. `Task:focus`), from every page read so far.
    pub fn included(&self) -> &[Resource] {
        &self.included
    }

    /// Ends the run: the versions seen for the first time and the new cursor to persist.
    /// Refused while a `next` page is unread, so a failed run leaves the old cursor in force.
    pub fn finish(self) -> Result<(PollCursor, Vec<PolledVersion>), MonitoringError> {
        if let Some(next) = self.next {
            return Err(MonitoringError::PagesRemaining { next });
        }
        let Some((since, since_start)) = self.server_time else {
            return Err(MonitoringError::Sequence {
                element: "PollRun".to_owned(),
                problem: "finished before any page was read".to_owned(),
            });
        };
        let mut seen = self.cursor.seen;
        seen.extend(self.found.iter().map(|(v, end)| (v.key.clone(), *end)));
        // A version can come back from `_lastUpdated=ge<since>` only if its lastUpdated range
        // reaches past the start of `since` (R4 search, date ranges); older ones are dropped.
        seen.retain(|_, end| *end > since_start);
        let cursor = PollCursor {
            since: Some(since),
            seen,
        };
        Ok((cursor, self.found.into_iter().map(|(v, _)| v).collect()))
    }
}

fn server_time(page: &Bundle, date_header: Option<&str>) -> Result<(String, i64), MonitoringError> {
    if let Some(text) = page
        .meta
        .as_ref()
        .and_then(|m| m.last_updated.as_ref())
        .and_then(|p| p.value.as_ref())
    {
        let (start, _) = instant_range(text.as_str(), "Bundle.meta.lastUpdated")?;
        return Ok((text.as_str().to_owned(), start));
    }
    match date_header {
        Some(header) => {
            let at = UnixSeconds::from_http_date(header)?;
            Ok((at.to_instant_text(), at.0 * 1_000_000))
        }
        None => Err(MonitoringError::NoServerTime),
    }
}

fn instant_range(text: &str, element: &str) -> Result<(i64, i64), MonitoringError> {
    let instant: fhir_model::Instant = text
        .parse()
        .map_err(|_| MonitoringError::invalid(element, "a FHIR instant", text))?;
    Ok(instant.parts().range_micros())
}

/// The key identifying one version of a resource and the end of its `lastUpdated` range.
pub(crate) fn version_key(resource: &Resource, element: &str) -> Result<(String, i64), MonitoringError> {
    let id = resource
        .id()
        .ok_or_else(|| MonitoringError::missing(format!("{element}.id")))?;
    let meta = resource.meta();
    let last_updated = meta
        .and_then(|m| m.last_updated.as_ref())
        .and_then(|p| p.value.as_ref());
    let end = match last_updated {
        Some(lu) => instant_range(lu.as_str(), &format!("{element}.meta.lastUpdated"))?.1,
        // Without lastUpdated the version cannot be placed before any cursor: never pruned.
        None => i64::MAX,
    };
    let version = meta
        .and_then(|m| m.version_id.as_ref())
        .and_then(|p| p.value.as_deref());
    let key = match (version, last_updated) {
        (Some(v), _) => format!("{}/{id}/_history/{v}", resource.resource_type()),
        (None, Some(lu)) => format!("{}/{id}@{}", resource.resource_type(), lu.as_str()),
        (None, None) => {
            return Err(MonitoringError::missing(format!(
                "{element}.meta.versionId (and meta.lastUpdated)"
            )))
        }
    };
    Ok((key, end))
}

/// How often to poll, as data. [`IntervalPolicy::sdoh`] is seed 004's rule: "SHALL check …
/// at least once per business day and SHOULD check … at least once per hour during normal
/// hours of operation. Systems SHOULD NOT query more often than every 15 minutes unless there
/// is an urgent change they are monitoring for."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalPolicy {
    /// Never poll sooner than this after the last poll, unless urgent (seconds).
    pub min_interval_secs: i64,
    /// Poll at least this often inside business hours (seconds).
    pub business_interval_secs: i64,
    /// Poll sooner than this after the last poll when urgent (seconds; 0 = at once).
    pub urgent_interval_secs: i64,
    /// Business hours start, seconds after local midnight.
    pub business_start_secs: i64,
    /// Business hours end, seconds after local midnight (exclusive).
    pub business_end_secs: i64,
    /// Business days, Monday first.
    pub business_days: [bool; 7],
    /// Local time offset from UTC in minutes (east positive).
    pub utc_offset_minutes: i32,
}

impl IntervalPolicy {
    /// Seed 004's rule with business hours 08:00–17:00, Monday to Friday, at `utc_offset_minutes`
    /// (the hours are not given by the seed; change the fields to the organization's).
    pub fn sdoh(utc_offset_minutes: i32) -> IntervalPolicy {
        IntervalPolicy {
            min_interval_secs: 15 * 60,
            business_interval_secs: 60 * 60,
            urgent_interval_secs: 0,
            business_start_secs: 8 * 3600,
            business_end_secs: 17 * 3600,
            business_days: [true, true, true, true, true, false, false],
            utc_offset_minutes,
        }
    }

    /// Whether `at` falls inside business hours.
    pub fn in_business_hours(&self, at: UnixSeconds) -> bool {
        let day = at.weekday_at(self.utc_offset_minutes) as usize;
        let second = at.second_of_day_at(self.utc_offset_minutes);
        self.business_days[day] && second >= self.business_start_secs && second < self.business_end_secs
    }

    /// When to poll next, given the current time, the last poll (if any) and whether an urgent
    /// change is being watched. Never earlier than `now`.
    pub fn next_poll_at(&self, now: UnixSeconds, last: Option<UnixSeconds>, urgent: bool) -> UnixSeconds {
        let Some(last) = last else { return now };
        if urgent {
            return now.max(UnixSeconds(last.0.saturating_add(self.urgent_interval_secs)));
        }
        let hourly = UnixSeconds(last.0.saturating_add(self.business_interval_secs));
        let opening = self.next_opening_after(last);
        let due = if self.in_business_hours(hourly) {
            hourly.min(opening)
        } else {
            opening
        };
        let earliest = UnixSeconds(last.0.saturating_add(self.min_interval_secs));
        now.max(due.max(earliest))
    }

    /// The first start of business hours strictly after `t`; a day later when no day is a business day.
    fn next_opening_after(&self, t: UnixSeconds) -> UnixSeconds {
        let offset = i64::from(self.utc_offset_minutes) * 60;
        let local = t.0.saturating_add(offset);
        let local_midnight = local.saturating_sub(local.rem_euclid(86_400)).saturating_sub(offset);
        for days in 0..8 {
            let midnight = local_midnight.saturating_add(days * 86_400);
            let opening = UnixSeconds(midnight.saturating_add(self.business_start_secs));
            let weekday = UnixSeconds(midnight).weekday_at(self.utc_offset_minutes) as usize;
            if self.business_days[weekday] && opening > t {
                return opening;
            }
        }
        UnixSeconds(t.0.saturating_add(86_400))
    }
}
