//! Scenario 6 (seed 004, issue 10): monitoring a referral without missing a change, by polling
//! with a cursor taken from the server, and by a topic-based subscription (R4 Subscriptions
//! Backport IG), both driven by `coordination::monitoring`.

use coordination::monitoring::{
    ChangeDetector, EventTracker, Method, Notification, PageOutcome, PartyRef, PayloadContent, PollCursor, PollPlan,
    PollQuery, ServerSubscription, SubscriptionRequest, Topic, UnixSeconds,
};
use fhir_model::*;
use search_params::{Outcome, Query, ResourceSet};
use task_fsm::{builtin, Actor, Event};

use super::fhir::coding;
use super::http::Message;
use super::scenario::Scenario;
use super::server::Server;

const PROVIDER: &str = "https://provider.example.org/fhir";
const HOOK: &str = "https://cbo.example.org/hooks/provider-tasks";
/// The cursor of the seed's queries (seed 004), persisted by the CBO after its previous poll.
const SEED_CURSOR: &str = "2021-05-03T17:23:18.1732-04:00";
/// The server's page size (`_count`), small so that every poll has several pages.
const PAGE: u32 = 2;

/// The provider's FHIR server: versioned Tasks and ServiceRequests on a fixed clock, searches
/// evaluated by the search-params matcher and paged from a result set fixed when the search ran.
struct Store {
    server: Server,
    held: Vec<Resource>,
    /// Pages of each search, served by `next` links.
    searches: Vec<Vec<Bundle>>,
}

fn key(r: &Resource) -> String {
    format!("{}/{}", r.resource_type(), r.id().unwrap_or_default())
}

fn last_updated(r: &Resource) -> i64 {
    r.meta()
        .and_then(|m| m.last_updated.as_ref())
        .and_then(|p| p.value.as_ref())
        .map(|i| i.parts().range_micros().0)
        .unwrap_or_default()
}

impl Store {
    /// Creates or updates `resource` with the next version stamped by the server clock.
    fn write<R: FhirResource + Clone + Into<Resource>>(&mut self, resource: &mut R) {
        let id = format!("{}/{}", R::TYPE, resource.id().unwrap_or_default());
        let version = self.held.iter().find(|r| key(r) == id).map_or(1, |r| {
            r.meta()
                .and_then(|m| m.version_id.as_ref())
                .and_then(|v| v.value.as_deref())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
                + 1
        });
        self.server.stamp(resource, version);
        self.held.retain(|r| key(r) != id);
        self.held.push(resource.clone().into());
    }

    fn current(&self, id: &str) -> Option<&Resource> {
        self.held.iter().find(|r| key(r) == id)
    }

    fn entry(&self, r: &Resource, mode: SearchEntryMode) -> BundleEntry {
        BundleEntry {
            full_url: Some(Primitive::new(self.server.url(&key(r)))),
            resource: Some(r.clone()),
            search: Some(BundleEntrySearch {
                mode: Some(mode.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Runs `query` now and returns its first page; the others wait for their `next` links.
    fn search(&mut self, query: &Query) -> Result<Bundle, String> {
        let compiled = query.compile();
        let set = ResourceSet::new(self.held.iter());
        let mut matches = Vec::new();
        for r in self.held.iter().filter(|r| r.resource_type() == query.resource_type()) {
            match compiled.matches_in(r, &set) {
                Outcome::Match => matches.push(r),
                Outcome::NoMatch => {}
                Outcome::Unsupported(why) => return Err(format!("{}: {why}", query.to_relative())),
            }
        }
        matches.sort_by_key(|r| (last_updated(r), key(r)));
        let search = self.searches.len();
        let chunks: Vec<&[&Resource]> = if matches.is_empty() {
            vec![&[]]
        } else {
            matches.chunks(PAGE as usize).collect()
        };
        let mut pages = Vec::new();
        for (n, chunk) in chunks.iter().enumerate() {
            let mut entry: Vec<BundleEntry> = chunk.iter().map(|r| self.entry(r, SearchEntryMode::Match)).collect();
            for included in compiled.included(chunk, &set) {
                entry.push(self.entry(included, SearchEntryMode::Include));
            }
            let mut link = vec![BundleLink::new("self", Primitive::new(self.page_url(query, search, n)))];
            if n + 1 < chunks.len() {
                link.push(BundleLink::new(
                    "next",
                    Primitive::new(self.page_url(query, search, n + 1)),
                ));
            }
            pages.push(Bundle {
                meta: Some(Meta {
                    last_updated: Some(Primitive::new(self.server.instant())),
                    ..Default::default()
                }),
                type_: BundleType::Searchset.into(),
                total: Some(Primitive::new(matches.len() as u32)),
                link,
                entry,
                ..Default::default()
            });
        }
        self.searches.push(pages);
        Ok(self.searches[search][0].clone())
    }

    fn page_url(&self, query: &Query, search: usize, page: usize) -> String {
        if page == 0 {
            query.to_url(&self.server.base)
        } else {
            format!(
                "{}?_getpages=search-{search}&_getpagesoffset={}&_count={PAGE}",
                self.server.base,
                page * PAGE as usize
            )
        }
    }

    /// GET of a `next` link: the page of the result set fixed when the search ran, stamped with
    /// the time it is served (a client taking this time as its cursor would skip updates).
    fn page(&self, url: &str) -> Result<Bundle, String> {
        let (search, page) = self
            .searches
            .iter()
            .enumerate()
            .find_map(|(s, pages)| {
                pages.iter().enumerate().find_map(|(p, b)| {
                    b.link
                        .iter()
                        .any(|l| l.relation.value.as_deref() == Some("self") && l.url.value.as_deref() == Some(url))
                        .then_some((s, p))
                })
            })
            .ok_or_else(|| format!("no page at {url}"))?;
        let mut bundle = self.searches[search][page].clone();
        bundle.meta = Some(Meta {
            last_updated: Some(Primitive::new(self.server.instant())),
            ..Default::default()
        });
        Ok(bundle)
    }
}

fn service_request(id: &str, at: &Instant) -> ServiceRequest {
    let mut sr = ServiceRequest::new(
        RequestStatus::Active,
        RequestIntent::Order,
        Reference::to_type_id("Patient", "pat-1"),
    );
    sr.id = Some(Primitive::from(id));
    sr.code = Some(coding(
        "http://snomed.info/sct",
        "467771000124109",
        "Assistance with application for food pantry program",
    ));
    sr.authored_on = Some(Primitive::new(at.clone().into()));
    sr.requester = Some(Reference::to_type_id("PractitionerRole", "dr-jones"));
    sr.performer.push(Reference::to_type_id("Organization", "123"));
    sr
}

fn referral(id: &str, focus: &str, at: &Instant) -> Task {
    let mut t = Task::new(TaskStatus::Requested, TaskIntent::Order);
    t.id = Some(Primitive::from(id));
    t.code = Some(coding(
        "http://hl7.org/fhir/CodeSystem/task-code",
        "fulfill",
        "Fulfill the focal request",
    ));
    t.focus = Some(Reference::to_type_id("ServiceRequest", focus));
    t.for_ = Some(Reference::to_type_id("Patient", "pat-1"));
    t.authored_on = Some(Primitive::new(at.clone().into()));
    t.last_modified = t.authored_on.clone();
    t.requester = Some(Reference::to_type_id("PractitionerRole", "dr-jones"));
    t.owner = Some(Reference::to_type_id("Organization", "123"));
    t
}

fn get(url: &str) -> Message {
    Message::request("GET", url).accept_fhir()
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Creates a ServiceRequest and its referral Task on the provider's server.
fn refer(store: &mut Store, s: &mut Scenario, n: u32) -> Result<Task, String> {
    let machine = builtin("sdoh-referral").map_err(err)?;
    let at = store.server.instant();
    let mut sr = service_request(&format!("food-{n}"), &at);
    store.write(&mut sr);
    let mut task = referral(&format!("referral-{n}"), &format!("food-{n}"), &at);
    store.write(&mut task);
    s.created(machine, &task);
    Ok(task)
}

/// One poll: every page read, the cursor moved only at the end. Returns the notes it gives.
fn poll(
    store: &mut Store,
    s: &mut Scenario,
    query: &PollQuery,
    cursor: &mut PollCursor,
    detector: &mut ChangeDetector,
    label: &str,
    between_pages: &mut dyn FnMut(&mut Store, &mut Scenario) -> Result<(), String>,
) -> Result<(), String> {
    let mut run = query.begin(cursor).map_err(err)?;
    let url = query.url(cursor).map_err(err)?;
    let mut page = store.search(run.first_request())?;
    let mut returned: Vec<String> = Vec::new();
    let mut n = 1;
    s.step(
        &format!("{label}-page-1"),
        format!(
            "{label}, page 1: `_lastUpdated=ge` the cursor `{}`; the server's `meta.lastUpdated` becomes the next cursor",
            cursor.since().unwrap_or("(none)")
        ),
        get(&url),
        store.server.answer_resource(page.clone()),
    );
    loop {
        returned.extend(page.entry.iter().filter_map(|e| e.resource.as_ref()).map(|r| {
            let version = r
                .meta()
                .and_then(|m| m.version_id.as_ref())
                .and_then(|v| v.value.clone())
                .unwrap_or_default();
            format!("{}/_history/{version}", key(r))
        }));
        let PageOutcome::Next(next) = run.accept_page(&page, Some(&store.server.http_date())).map_err(err)? else {
            break;
        };
        between_pages(store, s)?;
        store.server.advance(1);
        page = store.page(&next)?;
        n += 1;
        s.step(
            &format!("{label}-page-{n}"),
            format!("{label}, page {n}: the `next` link (the cursor does not move before the last page)"),
            get(&next),
            store.server.answer_resource(page.clone()),
        );
    }
    let (next_cursor, versions) = run.finish().map_err(err)?;
    let new: Vec<&str> = versions.iter().map(|v| v.key.as_str()).collect();
    let dropped: Vec<&str> = returned
        .iter()
        .map(String::as_str)
        .filter(|k| !new.contains(k))
        .collect();
    let mut events = Vec::new();
    for v in &versions {
        events.extend(detector.observe(&v.resource).map_err(err)?);
    }
    s.note(format!(
        "{label}: {n} pages; new versions `{}`; dropped as already seen: {}; events {}; cursor `{}` → `{}` (versions remembered to drop the `ge` overlap: {}).",
        new.join("`, `"),
        if dropped.is_empty() {
            "none".to_owned()
        } else {
            format!("`{}` (returned again by `ge`, reported once)", dropped.join("`, `"))
        },
        events.iter().map(|e| format!("`{e:?}`")).collect::<Vec<_>>().join(", "),
        cursor.since().unwrap_or("(none)"),
        next_cursor.since().unwrap_or("(none)"),
        next_cursor.remembered()
    ));
    *cursor = next_cursor;
    Ok(())
}

pub fn polling() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "06-monitoring-polling",
        "Monitoring referrals by polling with a server-side cursor",
        "Seed 004 (SDOH Clinical Care, checking Task status; issue 10): a community-based organization \
         (`Organization/123`) polls the provider's server for the referral Tasks it owns, with \
         `coordination::monitoring::PollPlan`. The cursor is the server's time (the first page's `meta.lastUpdated`), \
         never the client clock; it moves only after the last `next` page; the search uses `_lastUpdated=ge` so that \
         updates made in the same instant as the previous search are not lost, and versions already seen (by id and \
         `versionId`) are dropped. Rules and sources: `docs/spec/monitoring.md`.",
    );
    let machine = builtin("sdoh-referral").map_err(err)?;
    let mut store = Store {
        server: Server::new(PROVIDER, "2021-05-03T21:30:00Z"),
        held: Vec::new(),
        searches: Vec::new(),
    };
    // Before the first poll: two referrals, then a third a few minutes later.
    refer(&mut store, &mut s, 1)?;
    store.server.advance(60);
    refer(&mut store, &mut s, 2)?;
    store.server.advance(600);
    let plan = PollPlan::at(PROVIDER, PartyRef::reference("Organization", "123"));
    let query = plan.owned_by_us().map(|q| q.count(PAGE)).map_err(err)?;
    let mut cursor = PollCursor::start_at(SEED_CURSOR).map_err(err)?;
    let mut detector = ChangeDetector::new(PartyRef::reference("Organization", "123"));
    // The third referral is written in the same second as the first poll runs: it is in that
    // poll, and comes back in the next one (`ge`), where it is dropped as already seen.
    refer(&mut store, &mut s, 3)?;
    poll(
        &mut store,
        &mut s,
        &query,
        &mut cursor,
        &mut detector,
        "first-poll",
        &mut |store, s| {
            // Still in the second of the search: a fourth referral that the first poll cannot see.
            refer(store, s, 4).map(|_| ())
        },
    )?;

    // The provider cancels the second referral; the next poll is an hour later (the seed's rule).
    store.server.advance(1800);
    let Some(Resource::Task(t2)) = store.current("Task/referral-2").cloned() else {
        return Err("referral-2 is held".into());
    };
    let before = *t2;
    let mut after = before.clone();
    let at: DateTime = store.server.instant().into();
    machine
        .apply(
            &mut after,
            Event::cancel("The patient moved out of the area"),
            &Actor::REQUESTER,
            &at,
        )
        .map_err(err)?;
    s.change(machine, Actor::REQUESTER, &before, &after);
    store.write(&mut after);
    let last = UnixSeconds::from_instant(cursor.since().unwrap_or_default(), "cursor").map_err(err)?;
    let policy = coordination::monitoring::IntervalPolicy::sdoh(-240);
    let next = policy.next_poll_at(last, Some(last), false);
    store.server.advance(
        next.0
            - UnixSeconds::from_instant(store.server.instant().as_str(), "now")
                .map_err(err)?
                .0,
    );
    poll(
        &mut store,
        &mut s,
        &query,
        &mut cursor,
        &mut detector,
        "second-poll",
        &mut |_, _| Ok(()),
    )?;
    s.note(format!(
        "When to poll: `IntervalPolicy::sdoh(-240)` is seed 004's rule as data (at least once per business day, hourly \
         in business hours, not more often than every 15 minutes unless urgent). The first poll ended at `{}` \
         (17:41 at UTC−4, after business hours), so `next_poll_at` gives `{}`, 08:00 the next business morning.",
        last.to_instant_text(),
        next.to_instant_text()
    ));
    s.note("`next` links are opaque: the client GETs them as given and never rebuilds them; later pages carry the time they were served, which the cursor ignores.");
    s.note("Any of the seed's queries works the same way: `PollPlan::requested_by_us()` (`Task?requester=…`), `unassigned()` (`Task?owner:missing=true&status=requested`), `focus_requests(ids)`; `PartyRef::identifier(system, value)` gives the `owner:identifier=` form.");
    Ok(s)
}

pub fn subscription() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "06b-monitoring-subscription",
        "Monitoring referrals by a topic-based subscription (R4 backport)",
        "Seed 004 (SDOH Clinical Care, checking Task status; issue 10): instead of polling, the community-based \
         organization (`Organization/123`) subscribes on the provider's server to the SDOH Task topic, filtered on the \
         Tasks it owns, with an `id-only` rest-hook channel (Subscriptions Backport IG for R4: topic canonical in \
         `Subscription.criteria`, filters in `backport-filter-criteria`). The server confirms the endpoint with a \
         handshake, then notifies each change by id; the CBO reads the changed Task and its focus with the seed's \
         search `Task?_id=…&_include=Task:focus`. Built with `coordination::monitoring` (`SubscriptionRequest`, \
         `ServerSubscription`, `Notification`, `EventTracker`); rules and sources in `docs/spec/monitoring.md`.",
    );
    let mut store = Store {
        server: Server::new(PROVIDER, "2021-05-03T21:00:00Z"),
        held: Vec::new(),
        searches: Vec::new(),
    };
    let mut request = SubscriptionRequest::new(Topic::sdoh_task(), HOOK)
        .filter("Task?owner=Organization/123")
        .map_err(err)?;
    request.heartbeat_period = Some(3600);
    request.timeout = Some(60);
    request.headers = vec!["Authorization: Bearer <token the CBO gave the provider>".to_owned()];
    request.reason = "Referral Tasks assigned to Community Food Services".to_owned();
    let subscription = request.build().map_err(err)?;
    let url = store.server.url("Subscription/sub-1");
    let mut server_sub = ServerSubscription::accept(
        &url,
        &subscription,
        &[Topic::sdoh_task(), Topic::sdoh_service_request()],
    )
    .map_err(err)?;
    let mut stored = subscription.clone();
    stored.id = Some(Primitive::from("sub-1"));
    stored.status = SubscriptionStatus::Active.into();
    store.server.stamp(&mut stored, 1);
    s.step(
        "post-subscription",
        "The CBO subscribes to the SDOH Task topic, Tasks it owns, id-only (status `requested`; the server activates it)",
        Message::request("POST", &store.server.url("Subscription"))
            .accept_fhir()
            .resource(subscription.clone()),
        store.server.answer(201, &stored),
    );
    let mut tracker = EventTracker::new(Some(3600), true);
    let hook = |bundle: Bundle| {
        Message::request("POST", HOOK)
            .header("Authorization", "Bearer <token the CBO gave the provider>")
            .resource(bundle)
    };
    let handshake = server_sub.handshake().to_bundle("status-handshake", &url);
    let received = UnixSeconds::from_instant(store.server.instant().as_str(), "now").map_err(err)?;
    let assessment = tracker.observe(&Notification::from_bundle(&handshake).map_err(err)?, received);
    s.step(
        "handshake",
        "The server checks the endpoint with a `handshake` notification (event count 0)",
        hook(handshake),
        Message::response(200, "OK"),
    );
    if !assessment.actions.is_empty() {
        return Err(format!("handshake: unexpected actions {:?}", assessment.actions));
    }

    // The provider refers a patient: the new Task matches the topic and the filter.
    store.server.advance(900);
    let task = refer(&mut store, &mut s, 5)?;
    let resource = Resource::from(task.clone());
    let number = server_sub
        .offer(Method::Create, None, Some(&resource))
        .map_err(err)?
        .ok_or("the new Task matches the subscription")?;
    let bundle = server_sub
        .notification(
            &[(number, store.server.instant().as_str().to_owned(), &resource)],
            false,
        )
        .to_bundle(&format!("status-event-{number}"), &url);
    let notification = Notification::from_bundle_with_content(&bundle, PayloadContent::IdOnly).map_err(err)?;
    let received = UnixSeconds::from_instant(store.server.instant().as_str(), "now").map_err(err)?;
    let assessment = tracker.observe(&notification, received);
    s.step(
        "event-notification",
        format!("A new referral Task: `event-notification` number {number}, focus by reference only (id-only)"),
        hook(bundle),
        Message::response(200, "OK"),
    );
    s.note(format!(
        "The CBO's `EventTracker` after event {number}: new events {:?}, no gap, nothing to recover ({} actions).",
        assessment.new_events,
        assessment.actions.len()
    ));
    store.server.advance(2);
    for query in notification.follow_up_queries().map_err(err)? {
        let bundle = store.search(&query)?;
        s.step(
            "follow-up-search",
            "The CBO reads the changed Task and its focus ServiceRequest with the seed's follow-up search",
            get(&query.to_url(PROVIDER)),
            store.server.answer_resource(bundle),
        );
    }

    // A change whose notification is lost, then one that arrives: the gap is noticed.
    store.server.advance(600);
    let lost = refer(&mut store, &mut s, 6)?;
    let lost = Resource::from(lost);
    server_sub
        .offer(Method::Create, None, Some(&lost))
        .map_err(err)?
        .ok_or("the new Task matches")?;
    store.server.advance(300);
    let next = refer(&mut store, &mut s, 7)?;
    let next = Resource::from(next);
    let number = server_sub
        .offer(Method::Create, None, Some(&next))
        .map_err(err)?
        .ok_or("the new Task matches")?;
    let bundle = server_sub
        .notification(&[(number, store.server.instant().as_str().to_owned(), &next)], false)
        .to_bundle(&format!("status-event-{number}"), &url);
    let notification = Notification::from_bundle_with_content(&bundle, PayloadContent::IdOnly).map_err(err)?;
    let received = UnixSeconds::from_instant(store.server.instant().as_str(), "now").map_err(err)?;
    let assessment = tracker.observe(&notification, received);
    s.step(
        "event-after-a-gap",
        format!(
            "Event {number} arrives but event {} never did: the CBO notices the gap",
            number - 1
        ),
        hook(bundle),
        Message::response(200, "OK"),
    );
    let mut recovered = false;
    for action in &assessment.actions {
        if let Some(relative) = action.request(&url) {
            if let coordination::monitoring::RecoveryAction::QueryEvents { from, to } = action {
                let events: Vec<(u64, String, &Resource)> = [(*from, &lost)]
                    .into_iter()
                    .filter(|(n, _)| (*from..=*to).contains(n))
                    .map(|(n, r)| (n, store.server.instant().as_str().to_owned(), r))
                    .collect();
                let answer = server_sub
                    .notification(&events, true)
                    .to_bundle("status-query-event", &url);
                let read = Notification::from_bundle(&answer).map_err(err)?;
                tracker.observe(&read, received);
                s.step(
                    "events-operation",
                    format!("The CBO asks for the missed events with `$events` ({action:?})"),
                    get(&relative),
                    store.server.answer_resource(answer),
                );
                recovered = true;
            }
        }
    }
    if !recovered {
        return Err(format!("the gap gave no $events request: {:?}", assessment.actions));
    }
    s.note(format!(
        "After event {number} the tracker reported {:?}; the `$events` answer (`query-event`) fills the gap, and its \
         focus references are followed up with the same `_id` search. Without `$events` support the action is one \
         catch-up poll with the polling cursor (see the polling scenario).",
        assessment.actions
    ));
    s.note("The Subscription asks for `application/fhir+json` payloads; the XML files show the same exchanges as they are with `channel.payload` `application/fhir+xml`.");
    s.note("The seed's `backport-topic-canonical` extension is the pre-STU1 place of the topic; since backport 1.0 the topic canonical is `Subscription.criteria` (`TopicPlacement::LegacyExtension` builds the old form).");
    Ok(s)
}
