//! End to end in memory (issue 10): a server whose Tasks and ServiceRequests change over time,
//! with several updates inside one second and paged results; a polling client and a
//! subscribing client (id-only notifications, follow-up searches) must report exactly the same
//! events, also when a notification is dropped.

mod monitoring_support;

use std::collections::BTreeMap;

use coordination::monitoring::{
    ChangeDetector, ChangeEvent, EventTracker, Notification, NotificationType, PartyRef, PayloadContent, PollCursor,
    PollPlan, PollQuery, RecoveryAction, SubscriptionRequest, Topic, UnixSeconds,
};
use fhir_model::{Resource, TaskStatus};
use monitoring_support::*;
use search_params::Include;

const US: &str = "Organization/123";

fn plan() -> PollPlan {
    Side::Performer.plan()
}

/// Which party watches: the performing organization (owner) or the EHR that requested.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Performer,
    Requester,
}

impl Side {
    fn plan(self) -> PollPlan {
        match self {
            Side::Performer => PollPlan::new(PartyRef::reference("Organization", "123")),
            Side::Requester => PollPlan::new(PartyRef::reference("PractitionerRole", "ehr-1")),
        }
    }

    /// `Task?owner=…` or `Task?requester=…`, with `_include=Task:focus`.
    fn task_query(self) -> PollQuery {
        let plan = self.plan();
        let base = match self {
            Side::Performer => plan.owned_by_us(),
            Side::Requester => plan.requested_by_us(),
        };
        PollQuery::from_query(base.query().clone().include(Include::new("Task", "focus")).unwrap())
    }

    fn filter(self) -> &'static str {
        match self {
            Side::Performer => "Task?owner=Organization/123",
            Side::Requester => "Task?requester=PractitionerRole/ehr-1",
        }
    }
}

struct Poller {
    side: Side,
    detector: ChangeDetector,
    tasks: PollCursor,
    requests: PollCursor,
    page_size: usize,
    requests_seen: Vec<String>,
}

impl Poller {
    fn new(side: Side, page_size: usize) -> Poller {
        Poller {
            side,
            detector: ChangeDetector::new(side.plan().party().clone()),
            tasks: PollCursor::new(),
            requests: PollCursor::new(),
            page_size,
            requests_seen: Vec::new(),
        }
    }

    fn poll(&mut self, server: &mut Server) -> Vec<ChangeEvent> {
        let mut events = Vec::new();
        let (versions, included) = run_poll(
            server,
            &self.side.task_query(),
            &mut self.tasks,
            self.page_size,
            &mut |_| {},
        );
        for resource in &included {
            self.detector.prime(resource).unwrap();
        }
        for v in &versions {
            events.extend(self.detector.observe(&v.resource).unwrap());
        }
        let ids = self.detector.requests_in_fulfilment();
        self.requests_seen = ids.clone();
        if !ids.is_empty() {
            let query = self.side.plan().focus_requests(ids).unwrap();
            let (versions, _) = run_poll(server, &query, &mut self.requests, self.page_size, &mut |_| {});
            for v in &versions {
                events.extend(self.detector.observe(&v.resource).unwrap());
            }
        }
        events
    }
}

struct Watch {
    url: String,
    tracker: EventTracker,
    catch_up: PollCursor,
}

struct Subscriber {
    side: Side,
    detector: ChangeDetector,
    tasks: Watch,
    requests: Option<(Watch, SubscriptionRequest, Vec<String>)>,
    events_supported: bool,
    actions: Vec<RecoveryAction>,
}

impl Subscriber {
    fn subscribe(side: Side, server: &mut Server, events_supported: bool) -> Subscriber {
        let request = SubscriptionRequest::new(Topic::sdoh_task(), "https://ehr.example.org/hook")
            .filter(side.filter())
            .unwrap();
        let (url, handshake) = server.subscribe(&request.build().unwrap()).unwrap();
        let mut tracker = EventTracker::new(Some(3600), events_supported);
        let handshake = Notification::from_bundle(&handshake).unwrap();
        assert_eq!(handshake.kind, NotificationType::Handshake);
        assert!(tracker.observe(&handshake, server.now()).actions.is_empty());
        Subscriber {
            side,
            detector: ChangeDetector::new(side.plan().party().clone()),
            tasks: Watch {
                url,
                tracker,
                catch_up: PollCursor::start_at(&server.instant()).unwrap(),
            },
            requests: None,
            events_supported,
            actions: Vec::new(),
        }
    }

    /// Everything received since the last call: notifications, then a heartbeat per subscription.
    fn receive(&mut self, server: &mut Server) -> Vec<ChangeEvent> {
        let mut events = Vec::new();
        let mut inbox: Vec<(bool, Vec<fhir_model::Bundle>)> = Vec::new();
        let task_url = self.tasks.url.clone();
        let mut bundles = server.take_notifications(&task_url);
        bundles.push(server.heartbeat(&task_url));
        inbox.push((true, bundles));
        if let Some((watch, _, _)) = &self.requests {
            let url = watch.url.clone();
            let mut bundles = server.take_notifications(&url);
            bundles.push(server.heartbeat(&url));
            inbox.push((false, bundles));
        }
        for (is_task, bundles) in inbox {
            for bundle in bundles {
                let notification = Notification::from_bundle_with_content(&bundle, PayloadContent::IdOnly).unwrap();
                events.extend(self.handle(server, is_task, &notification));
            }
        }
        events.extend(self.refresh_request_filter(server));
        events
    }

    fn handle(&mut self, server: &mut Server, is_task: bool, notification: &Notification) -> Vec<ChangeEvent> {
        let now = server.now();
        let watch = if is_task {
            &mut self.tasks
        } else {
            &mut self.requests.as_mut().unwrap().0
        };
        let assessment = watch.tracker.observe(notification, now);
        let url = watch.url.clone();
        let mut events = Vec::new();
        let mut fresh = notification.clone();
        fresh.events.retain(|e| assessment.new_events.contains(&e.number));
        events.extend(self.follow_up(server, &fresh));
        for action in assessment.actions {
            self.actions.push(action.clone());
            match action {
                RecoveryAction::QueryEvents { from, to } => {
                    let answer = Notification::from_bundle(&server.events(&url, from, to)).unwrap();
                    assert_eq!(answer.kind, NotificationType::QueryEvent);
                    let watch = if is_task {
                        &mut self.tasks
                    } else {
                        &mut self.requests.as_mut().unwrap().0
                    };
                    let recovered = watch.tracker.observe(&answer, now);
                    assert!(recovered.actions.is_empty(), "{recovered:?}");
                    assert_eq!(recovered.new_events, (from..=to).collect::<Vec<_>>());
                    assert_eq!(watch.tracker.missing().count(), 0);
                    events.extend(self.follow_up(server, &answer));
                }
                RecoveryAction::CatchUpPoll => {
                    events.extend(self.catch_up(server, is_task));
                    let watch = if is_task {
                        &mut self.tasks
                    } else {
                        &mut self.requests.as_mut().unwrap().0
                    };
                    watch.tracker.caught_up();
                }
                RecoveryAction::QueryStatus => {}
            }
        }
        events
    }

    fn follow_up(&mut self, server: &mut Server, notification: &Notification) -> Vec<ChangeEvent> {
        let mut events = Vec::new();
        for query in notification.follow_up_queries().unwrap() {
            let mut cursor = PollCursor::new();
            let (versions, included) = run_poll(server, &PollQuery::from_query(query), &mut cursor, 50, &mut |_| {});
            for r in &included {
                self.detector.prime(r).unwrap();
            }
            for v in &versions {
                events.extend(self.detector.observe(&v.resource).unwrap());
            }
        }
        events
    }

    fn catch_up(&mut self, server: &mut Server, is_task: bool) -> Vec<ChangeEvent> {
        let mut events = Vec::new();
        let (query, cursor) = if is_task {
            (self.side.task_query(), &mut self.tasks.catch_up)
        } else {
            let (watch, _, ids) = self.requests.as_mut().unwrap();
            (
                self.side.plan().focus_requests(ids.clone()).unwrap(),
                &mut watch.catch_up,
            )
        };
        let (versions, included) = run_poll(server, &query, cursor, 2, &mut |_| {});
        for r in &included {
            self.detector.prime(r).unwrap();
        }
        for v in &versions {
            events.extend(self.detector.observe(&v.resource).unwrap());
        }
        events
    }

    /// Keeps the ServiceRequest subscription's `_id` filter on the requests being fulfilled.
    fn refresh_request_filter(&mut self, server: &mut Server) -> Vec<ChangeEvent> {
        let ids = self.detector.requests_in_fulfilment();
        match &mut self.requests {
            Some((watch, request, current)) if *current != ids => {
                let updated = request.clone().with_requests(ids.clone()).unwrap();
                if let Some(updated) = updated {
                    server
                        .update_subscription(&watch.url, &updated.build().unwrap())
                        .unwrap();
                    *request = updated;
                }
                *current = ids;
            }
            None if !ids.is_empty() => {
                let request = SubscriptionRequest::new(Topic::sdoh_service_request(), "https://ehr.example.org/hook")
                    .with_requests(ids.clone())
                    .unwrap()
                    .unwrap();
                let (url, handshake) = server.subscribe(&request.build().unwrap()).unwrap();
                let mut tracker = EventTracker::new(Some(3600), self.events_supported);
                tracker.observe(&Notification::from_bundle(&handshake).unwrap(), server.now());
                let watch = Watch {
                    url,
                    tracker,
                    catch_up: PollCursor::start_at(&server.instant()).unwrap(),
                };
                self.requests = Some((watch, request, ids));
            }
            _ => {}
        }
        Vec::new()
    }
}

type Step = Box<dyn Fn(&mut Server)>;

fn sorted(mut events: Vec<ChangeEvent>) -> Vec<ChangeEvent> {
    events.sort();
    events
}

/// The scenario: each step changes the server (with milliseconds between writes), then both
/// clients look. Returns the events per step of both clients and the recovery actions.
fn scenario(
    side: Side,
    events_supported: bool,
    drop_at_step: Option<usize>,
) -> (Vec<Vec<ChangeEvent>>, Vec<Vec<ChangeEvent>>, Vec<RecoveryAction>) {
    let mut server = Server::new(UnixSeconds(1_700_000_000));
    server.write(service_request("sr1", "active", "food bank referral"));
    server.write(service_request("sr2", "active", "housing"));
    server.write(service_request("sr3", "active", "transport"));
    let mut poller = Poller::new(side, 2);
    let mut subscriber = Subscriber::subscribe(side, &mut server, events_supported);
    let mut steps: Vec<Step> = Vec::new();
    // 1: three Tasks, two ours, one for another organization, in one second.
    steps.push(Box::new(|s: &mut Server| {
        s.write(task("t1", TaskStatus::Requested, Some(US), "sr1"));
        s.advance_ms(100);
        s.write(task("t2", TaskStatus::Requested, Some(US), "sr2"));
        s.advance_ms(100);
        s.write(task("t9", TaskStatus::Requested, Some("Organization/456"), "sr3"));
    }));
    // 2: t1 accepted and in progress within the same second; sr1 modified.
    steps.push(Box::new(|s: &mut Server| {
        s.advance_ms(300);
        let t1 = s.current["Task/t1"].clone();
        s.write(with_status(&t1, TaskStatus::Accepted));
        s.advance_ms(10);
        let t1 = s.current["Task/t1"].clone();
        s.write(with_status(&t1, TaskStatus::InProgress));
        s.advance_ms(10);
        s.write(service_request("sr1", "active", "food bank referral, two adults"));
    }));
    // 3: t2 rejected; t3 new (ours) with sr3.
    steps.push(Box::new(|s: &mut Server| {
        s.advance_ms(2000);
        let t2 = s.current["Task/t2"].clone();
        s.write(with_status(&t2, TaskStatus::Rejected));
        s.advance_ms(1);
        s.write(task("t3", TaskStatus::Requested, Some(US), "sr3"));
    }));
    // 4: sr3 modified; output on t1; t9 reassigned to us.
    steps.push(Box::new(|s: &mut Server| {
        s.advance_ms(500);
        s.write(service_request("sr3", "active", "transport, wheelchair"));
        let t1 = s.current["Task/t1"].clone();
        s.write(with_output(&t1, "enrolled"));
        let t9 = s.current["Task/t9"].clone();
        s.write(with_owner(&t9, US));
    }));
    // 5: t1 completed, t3 accepted, in one second.
    steps.push(Box::new(|s: &mut Server| {
        s.advance_ms(700);
        let t1 = s.current["Task/t1"].clone();
        s.write(with_status(&t1, TaskStatus::Completed));
        let t3 = s.current["Task/t3"].clone();
        s.write(with_status(&t3, TaskStatus::Accepted));
    }));
    // 6: sr3 revoked.
    steps.push(Box::new(|s: &mut Server| {
        s.advance_ms(400);
        s.write(service_request("sr3", "revoked", "transport, wheelchair"));
    }));
    let mut polled = Vec::new();
    let mut notified = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        if drop_at_step == Some(index) {
            let url = subscriber.tasks.url.clone();
            server.drop_next_notification(&url);
        }
        step(&mut server);
        polled.push(sorted(poller.poll(&mut server)));
        notified.push(sorted(subscriber.receive(&mut server)));
    }
    (polled, notified, subscriber.actions)
}

fn expected() -> Vec<Vec<ChangeEvent>> {
    let task = |id: &str| format!("Task/{id}");
    vec![
        vec![
            ChangeEvent::AssignedToUs { task: task("t1") },
            ChangeEvent::AssignedToUs { task: task("t2") },
        ],
        vec![
            ChangeEvent::StatusChanged {
                task: task("t1"),
                from: "requested".into(),
                to: "in-progress".into(),
            },
            ChangeEvent::FocusModified {
                request: "ServiceRequest/sr1".into(),
            },
        ],
        vec![
            ChangeEvent::AssignedToUs { task: task("t3") },
            ChangeEvent::Rejected { task: task("t2") },
        ],
        vec![
            ChangeEvent::AssignedToUs { task: task("t9") },
            ChangeEvent::OutputsAdded {
                task: task("t1"),
                added: 1,
            },
            ChangeEvent::FocusModified {
                request: "ServiceRequest/sr3".into(),
            },
        ],
        vec![
            ChangeEvent::Accepted { task: task("t3") },
            ChangeEvent::Completed { task: task("t1") },
        ],
        vec![ChangeEvent::FocusCancelled {
            request: "ServiceRequest/sr3".into(),
        }],
    ]
    .into_iter()
    .map(sorted)
    .collect()
}

#[test]
fn polling_and_subscribing_see_the_same_events() {
    let (polled, notified, actions) = scenario(Side::Performer, false, None);
    assert_eq!(polled, expected());
    assert_eq!(notified, expected());
    assert!(actions.is_empty(), "no recovery without a loss: {actions:?}");
}

#[test]
fn a_dropped_notification_is_recovered_by_one_catch_up_poll() {
    // Step 6 changes no Task, so there is nothing to drop there.
    for step in 0..5 {
        let (polled, notified, actions) = scenario(Side::Performer, false, Some(step));
        assert_eq!(polled, expected(), "step {step}");
        assert_eq!(notified, expected(), "dropped at step {step}");
        assert_eq!(actions, vec![RecoveryAction::CatchUpPoll], "dropped at step {step}");
    }
}

#[test]
fn a_dropped_notification_is_recovered_with_events_where_supported() {
    let (_, notified, actions) = scenario(Side::Performer, true, Some(1));
    assert_eq!(notified, expected());
    assert!(
        matches!(actions.as_slice(), [RecoveryAction::QueryEvents { .. }]),
        "{actions:?}"
    );
}

#[test]
fn the_seed_gt_cursor_from_the_client_clock_loses_updates() {
    // Why the cursor is the server's time with `ge` and de-duplication: with `gt` on an
    // instant to the second, a later update in the same second is never returned.
    let mut server = Server::new(UnixSeconds(1_700_000_000));
    server.write(task("t1", TaskStatus::Requested, Some(US), "sr1"));
    let naive = search_params::Query::parse(&format!(
        "Task?owner=Organization/123&_lastUpdated=gt{}",
        server.instant()
    ))
    .unwrap();
    server.advance_ms(300);
    let t1 = server.current["Task/t1"].clone();
    server.write(with_status(&t1, TaskStatus::Accepted));
    let page = server.search(&naive, 10);
    assert!(page.entry.is_empty(), "gt misses the update in the same second");

    let mut cursor = PollCursor::start_at(&UnixSeconds(1_700_000_000).to_instant_text()).unwrap();
    let (versions, _) = run_poll(&mut server, &plan().owned_by_us(), &mut cursor, 10, &mut |_| {});
    let keys: Vec<&str> = versions.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys, ["Task/t1/_history/2"]);
    let seen: BTreeMap<_, _> = server
        .current
        .iter()
        .map(|(k, r)| (k.clone(), version_key(r)))
        .collect();
    assert_eq!(seen["Task/t1"], "Task/t1/_history/2");
    let _: &Resource = &server.current["Task/t1"];
}

/// The EHR's view of the same changes (seed 004's EHR list): it watches the Tasks it requested.
fn expected_for_the_requester() -> Vec<Vec<ChangeEvent>> {
    let task = |id: &str| format!("Task/{id}");
    let new = |id: &str| ChangeEvent::NewTask {
        task: task(id),
        status: "requested".into(),
    };
    vec![
        vec![new("t1"), new("t2"), new("t9")],
        vec![ChangeEvent::StatusChanged {
            task: task("t1"),
            from: "requested".into(),
            to: "in-progress".into(),
        }],
        vec![ChangeEvent::Rejected { task: task("t2") }, new("t3")],
        vec![
            ChangeEvent::Assigned {
                task: task("t9"),
                owner: US.into(),
            },
            ChangeEvent::OutputsAdded {
                task: task("t1"),
                added: 1,
            },
        ],
        vec![
            ChangeEvent::Accepted { task: task("t3") },
            ChangeEvent::Completed { task: task("t1") },
        ],
        vec![],
    ]
    .into_iter()
    .map(sorted)
    .collect()
}

#[test]
fn the_requesting_ehr_sees_the_same_events_both_ways() {
    let (polled, notified, actions) = scenario(Side::Requester, false, None);
    assert_eq!(polled, expected_for_the_requester());
    assert_eq!(notified, expected_for_the_requester());
    assert!(actions.is_empty());
    for step in 0..5 {
        let (polled, notified, actions) = scenario(Side::Requester, step % 2 == 0, Some(step));
        assert_eq!(polled, expected_for_the_requester(), "step {step}");
        assert_eq!(notified, expected_for_the_requester(), "dropped at step {step}");
        assert_eq!(
            actions.len(),
            1,
            "one recovery for one loss at step {step}: {actions:?}"
        );
    }
}
