//! An in-memory FHIR server for the monitoring tests: versioned Tasks and ServiceRequests with
//! `meta.lastUpdated` to the second (so several updates share one instant), searches evaluated
//! by the search-params matcher and paged from a result set fixed when the search ran, and
//! backport subscriptions whose notifications can be dropped.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use coordination::monitoring::{
    poll::PollQuery, Method, MonitoringError, PageOutcome, PollCursor, PolledVersion, ServerSubscription, Topic,
    UnixSeconds,
};
use fhir_model::{
    Bundle, BundleEntry, BundleEntrySearch, BundleLink, BundleType, Coded, Meta, Primitive, Reference, Resource,
    SearchEntryMode, ServiceRequest, Subscription, Task, TaskIntent, TaskOutput, TaskOutputValue, TaskStatus,
};
use search_params::{Query, ResourceSet};

pub const BASE: &str = "https://cbo.example.org/fhir";

struct Sub {
    sub: ServerSubscription,
    log: Vec<(u64, String, Resource)>,
    outbox: Vec<Bundle>,
    drop_next: bool,
}

pub struct Server {
    now_us: i64,
    versions: BTreeMap<String, u32>,
    pub current: BTreeMap<String, Resource>,
    subs: Vec<Sub>,
    searches: Vec<Vec<Bundle>>,
    /// Version keys current when each search ran, by search number.
    pub snapshots: Vec<BTreeSet<String>>,
}

impl Server {
    pub fn new(start: UnixSeconds) -> Server {
        Server {
            now_us: start.0 * 1_000_000,
            versions: BTreeMap::new(),
            current: BTreeMap::new(),
            subs: Vec::new(),
            searches: Vec::new(),
            snapshots: Vec::new(),
        }
    }

    pub fn advance_ms(&mut self, ms: i64) {
        self.now_us += ms * 1000;
    }

    pub fn now(&self) -> UnixSeconds {
        UnixSeconds(self.now_us.div_euclid(1_000_000))
    }

    /// The server's clock as a FHIR instant, truncated to the second (never later than now).
    pub fn instant(&self) -> String {
        self.now().to_instant_text()
    }

    /// Creates or updates a resource: new versionId, lastUpdated now; offers it to every subscription.
    pub fn write(&mut self, mut resource: Resource) -> Resource {
        let key = format!(
            "{}/{}",
            resource.resource_type(),
            resource.id().expect("test resources have ids")
        );
        let version = self.versions.entry(key.clone()).or_insert(0);
        *version += 1;
        let meta = Meta {
            version_id: Some(Primitive::new(version.to_string())),
            last_updated: Some(Primitive::new(self.instant().parse().expect("instant"))),
            ..Default::default()
        };
        match &mut resource {
            Resource::Task(t) => t.meta = Some(meta),
            Resource::ServiceRequest(s) => s.meta = Some(meta),
            _ => panic!("the test server holds Tasks and ServiceRequests"),
        }
        let before = self.current.insert(key, resource.clone());
        let method = if before.is_some() {
            Method::Update
        } else {
            Method::Create
        };
        let timestamp = self.instant();
        for sub in &mut self.subs {
            if let Some(number) = sub
                .sub
                .offer(method, before.as_ref(), Some(&resource))
                .expect("filters evaluate")
            {
                sub.log.push((number, timestamp.clone(), resource.clone()));
                let notification = sub.sub.notification(&[(number, timestamp.clone(), &resource)], false);
                let bundle = notification.to_bundle(&format!("n{number}"), &sub.sub.url);
                if std::mem::take(&mut sub.drop_next) {
                    continue;
                }
                sub.outbox.push(bundle);
            }
        }
        resource
    }

    /// Runs a search; returns the first page. Pages hold `page_size` matches.
    pub fn search(&mut self, query: &Query, page_size: usize) -> Bundle {
        let compiled = query.compile();
        let all: Vec<&Resource> = self.current.values().collect();
        let set = ResourceSet::new(all.iter().copied());
        let mut matches: Vec<&Resource> = all
            .iter()
            .copied()
            .filter(|r| r.resource_type() == query.resource_type())
            .filter(|r| match compiled.matches_in(*r, &set) {
                search_params::Outcome::Match => true,
                search_params::Outcome::NoMatch => false,
                search_params::Outcome::Unsupported(why) => panic!("test query unsupported: {why}"),
            })
            .collect();
        matches.sort_by_key(|r| (last_updated(r), r.id().unwrap_or_default().to_owned()));
        let search_id = self.searches.len();
        self.snapshots.push(self.current.values().map(version_key).collect());
        let chunks: Vec<&[&Resource]> = if matches.is_empty() {
            vec![&[]]
        } else {
            matches.chunks(page_size.max(1)).collect()
        };
        let count = chunks.len();
        let mut pages = Vec::new();
        for (n, chunk) in chunks.iter().enumerate() {
            let mut entry: Vec<BundleEntry> = chunk.iter().map(|r| entry_of(r, SearchEntryMode::Match)).collect();
            for included in compiled.included(chunk, &set) {
                entry.push(entry_of(included, SearchEntryMode::Include));
            }
            let mut link = vec![BundleLink {
                relation: Primitive::from("self"),
                url: Primitive::new(format!("{BASE}/{query}")),
                ..Default::default()
            }];
            if n + 1 < count {
                link.push(BundleLink {
                    relation: Primitive::from("next"),
                    url: Primitive::new(format!("{BASE}?_getpages={search_id}&_page={}", n + 1)),
                    ..Default::default()
                });
            }
            pages.push(Bundle {
                meta: Some(Meta {
                    last_updated: Some(Primitive::new(self.instant().parse().expect("instant"))),
                    ..Default::default()
                }),
                type_: Primitive::new(Coded::Known(BundleType::Searchset)),
                total: Some(Primitive::new(matches.len() as u32)),
                link,
                entry,
                ..Default::default()
            });
        }
        let first = pages[0].clone();
        self.searches.push(pages);
        first
    }

    /// GETs a `next` link. The page comes from the result set of its search, stamped with the
    /// time it is served (so a client taking a later page's time as its cursor would skip
    /// updates made while it paged).
    pub fn page(&self, url: &str) -> Bundle {
        let rest = url.split("_getpages=").nth(1).expect("a page link");
        let (search, page) = rest.split_once("&_page=").expect("a page link");
        let mut bundle = self.searches[search.parse::<usize>().unwrap()][page.parse::<usize>().unwrap()].clone();
        bundle.meta = Some(Meta {
            last_updated: Some(Primitive::new(self.instant().parse().expect("instant"))),
            ..Default::default()
        });
        bundle
    }

    /// Accepts a Subscription; returns its URL and the handshake Bundle.
    pub fn subscribe(&mut self, subscription: &Subscription) -> Result<(String, Bundle), MonitoringError> {
        let url = format!("{BASE}/Subscription/sub{}", self.subs.len() + 1);
        let sub = ServerSubscription::accept(&url, subscription, &[Topic::sdoh_task(), Topic::sdoh_service_request()])?;
        let handshake = sub.handshake().to_bundle("handshake", &url);
        self.subs.push(Sub {
            sub,
            log: Vec::new(),
            outbox: Vec::new(),
            drop_next: false,
        });
        Ok((url, handshake))
    }

    /// PUT of a Subscription (new filters; the event count goes on).
    pub fn update_subscription(&mut self, url: &str, subscription: &Subscription) -> Result<(), MonitoringError> {
        let topics = [Topic::sdoh_task(), Topic::sdoh_service_request()];
        self.sub_mut(url).sub.update(subscription, &topics)
    }

    fn sub_mut(&mut self, url: &str) -> &mut Sub {
        self.subs
            .iter_mut()
            .find(|s| s.sub.url == url)
            .expect("known subscription")
    }

    /// The next notification of this subscription is lost.
    pub fn drop_next_notification(&mut self, url: &str) {
        self.sub_mut(url).drop_next = true;
    }

    pub fn take_notifications(&mut self, url: &str) -> Vec<Bundle> {
        std::mem::take(&mut self.sub_mut(url).outbox)
    }

    pub fn heartbeat(&mut self, url: &str) -> Bundle {
        self.sub_mut(url).sub.heartbeat().to_bundle("heartbeat", url)
    }

    /// `$events?eventsSinceNumber=from&eventsUntilNumber=to`.
    pub fn events(&mut self, url: &str, from: u64, to: u64) -> Bundle {
        let sub = self.sub_mut(url);
        let events: Vec<(u64, String, &Resource)> = sub
            .log
            .iter()
            .filter(|(n, _, _)| (from..=to).contains(n))
            .map(|(n, t, r)| (*n, t.clone(), r))
            .collect();
        sub.sub.notification(&events, true).to_bundle("events", url)
    }
}

fn last_updated(resource: &Resource) -> i64 {
    let lu = resource
        .meta()
        .and_then(|m| m.last_updated.as_ref())
        .and_then(|p| p.value.as_ref());
    lu.map(|i| i.parts().range_micros().0).unwrap_or_default()
}

pub fn version_key(resource: &Resource) -> String {
    let version = resource
        .meta()
        .and_then(|m| m.version_id.as_ref())
        .and_then(|p| p.value.clone())
        .unwrap_or_default();
    format!(
        "{}/{}/_history/{version}",
        resource.resource_type(),
        resource.id().unwrap_or_default()
    )
}

fn entry_of(resource: &Resource, mode: SearchEntryMode) -> BundleEntry {
    BundleEntry {
        full_url: Some(Primitive::new(format!(
            "{BASE}/{}/{}",
            resource.resource_type(),
            resource.id().unwrap_or_default()
        ))),
        resource: Some(resource.clone()),
        search: Some(BundleEntrySearch {
            mode: Some(Primitive::new(Coded::Known(mode))),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Reads every page of one poll; `between_pages` runs after each page but the last (to change
/// the server while the client pages). Returns the new versions and the `_include`d resources.
pub fn run_poll(
    server: &mut Server,
    query: &PollQuery,
    cursor: &mut PollCursor,
    page_size: usize,
    between_pages: &mut dyn FnMut(&mut Server),
) -> (Vec<PolledVersion>, Vec<Resource>) {
    let mut run = query.begin(cursor).expect("cursor query");
    let mut page = server.search(run.first_request(), page_size);
    while let PageOutcome::Next(url) = run.accept_page(&page, None).expect("searchset page") {
        between_pages(server);
        page = server.page(&url);
    }
    let included = run.included().to_vec();
    let (next, versions) = run.finish().expect("all pages read");
    *cursor = next;
    (versions, included)
}

pub fn task(id: &str, status: TaskStatus, owner: Option<&str>, focus: &str) -> Resource {
    let mut task = Task::new(status, TaskIntent::Order);
    task.id = Some(Primitive::from(id));
    task.owner = owner.map(|o| {
        let (t, i) = o.split_once('/').unwrap();
        Reference::to_type_id(t, i)
    });
    task.requester = Some(Reference::to_type_id("PractitionerRole", "ehr-1"));
    task.focus = Some(Reference::to_type_id("ServiceRequest", focus));
    Resource::from(task)
}

pub fn with_status(resource: &Resource, status: TaskStatus) -> Resource {
    let Resource::Task(task) = resource else {
        panic!("a Task")
    };
    let mut task = (**task).clone();
    task.status = Primitive::new(Coded::Known(status));
    Resource::from(task)
}

pub fn with_output(resource: &Resource, text: &str) -> Resource {
    let Resource::Task(task) = resource else {
        panic!("a Task")
    };
    let mut task = (**task).clone();
    task.output.push(TaskOutput::new(
        fhir_model::CodeableConcept {
            text: Some(Primitive::from("result")),
            ..Default::default()
        },
        TaskOutputValue::String(Primitive::from(text)),
    ));
    Resource::from(task)
}

pub fn with_owner(resource: &Resource, owner: &str) -> Resource {
    let Resource::Task(task) = resource else {
        panic!("a Task")
    };
    let mut task = (**task).clone();
    let (t, i) = owner.split_once('/').unwrap();
    task.owner = Some(Reference::to_type_id(t, i));
    Resource::from(task)
}

pub fn service_request(id: &str, status: &str, note: &str) -> Resource {
    let mut request = ServiceRequest {
        id: Some(Primitive::from(id)),
        status: Primitive::new(Coded::from_code_lenient(status)),
        intent: Primitive::new(Coded::from_code_lenient("order")),
        subject: Reference::to_type_id("Patient", "pat-1"),
        ..Default::default()
    };
    request.note.push(fhir_model::Annotation {
        text: Primitive::from(note),
        ..Default::default()
    });
    Resource::from(request)
}
