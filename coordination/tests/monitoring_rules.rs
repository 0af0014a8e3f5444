//! Table tests of the monitoring rules (seed 004, Subscriptions Backport IG), refusals of bad
//! input naming the element, and snapshots of the Subscriptions and notification Bundles.

use coordination::monitoring::{
    ChangeDetector, ChangeEvent, EventTracker, IntervalPolicy, Method, MonitoringError, Notification,
    NotificationEvent, NotificationType, PageOutcome, PartyRef, PayloadContent, PayloadFormat, PollCursor, PollPlan,
    RecoveryAction, ServerSubscription, SubscriptionRequest, Topic, TopicPlacement, UnixSeconds,
};
use fhir_model::{
    json, Bundle, BundleEntry, BundleLink, BundleType, Coded, Meta, Primitive, Reference, Resource, Task, TaskIntent,
    TaskStatus,
};
use search_params::Query;

const SEED_TIME: &str = "2021-05-03T17:23:18.1732-04:00";

fn org123() -> PollPlan {
    PollPlan::new(PartyRef::reference("Organization", "123"))
}

// ---------------------------------------------------------------- polling queries

#[test]
fn seed_polling_queries() {
    let cursor = PollCursor::start_at(SEED_TIME).unwrap();
    let rows = [
        (
            org123().owned_by_us(),
            "Task?owner=Organization/123&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00",
        ),
        (
            PollPlan::new(PartyRef::reference("Organization", "456")).owned_by_us(),
            "Task?owner=Organization/456&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00",
        ),
        (
            org123().requested_by_us(),
            "Task?requester=Organization/123&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00",
        ),
        (
            org123().unassigned(),
            "Task?owner:missing=true&status=requested&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00",
        ),
        (
            PollPlan::new(PartyRef::identifier("http://someorganization/some/identifier/system", "123")).owned_by_us(),
            "Task?owner:identifier=http%3A%2F%2Fsomeorganization%2Fsome%2Fidentifier%2Fsystem|123&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00",
        ),
        (
            org123().focus_requests(["sr1", "sr2"]).unwrap(),
            "ServiceRequest?_id=sr1,sr2&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00",
        ),
    ];
    for (query, expected) in rows {
        assert_eq!(query.with_cursor(&cursor).unwrap().to_string(), expected);
        // Without a cursor (first poll) the query has no _lastUpdated.
        assert!(!query
            .with_cursor(&PollCursor::new())
            .unwrap()
            .to_string()
            .contains("_lastUpdated"));
    }
    assert!(org123().focus_requests(Vec::<String>::new()).is_err());
    // A plan per partner base gives absolute URLs.
    let plan = PollPlan::at(
        "https://cbo.example.org/fhir/",
        PartyRef::reference("Organization", "123"),
    );
    let query = plan
        .owned_by_us()
        .map(|q| q.include(search_params::Include::new("Task", "focus")))
        .unwrap();
    assert_eq!(
        query.url(&cursor).unwrap(),
        "https://cbo.example.org/fhir/Task?owner=Organization/123&_include=Task:focus&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00"
    );
    assert!(org123().owned_by_us().url(&cursor).is_err());
}

fn task_version(id: &str, version: &str, last_updated: &str) -> Resource {
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    task.id = Some(Primitive::from(id));
    task.owner = Some(Reference::to_type_id("Organization", "123"));
    task.meta = Some(Meta {
        version_id: Some(Primitive::from(version)),
        last_updated: Some(Primitive::new(last_updated.parse().unwrap())),
        ..Default::default()
    });
    Resource::from(task)
}

fn searchset(last_updated: Option<&str>, resources: &[Resource], next: Option<&str>) -> Bundle {
    Bundle {
        meta: last_updated.map(|lu| Meta {
            last_updated: Some(Primitive::new(lu.parse().unwrap())),
            ..Default::default()
        }),
        type_: Primitive::new(Coded::Known(BundleType::Searchset)),
        entry: resources
            .iter()
            .map(|r| BundleEntry {
                resource: Some(r.clone()),
                ..Default::default()
            })
            .collect(),
        link: next
            .map(|url| BundleLink {
                relation: Primitive::from("next"),
                url: Primitive::from(url),
                ..Default::default()
            })
            .into_iter()
            .collect(),
        ..Default::default()
    }
}

#[test]
fn cursor_is_the_servers_time_and_moves_only_after_the_last_page() {
    let query = org123().owned_by_us();
    let start = PollCursor::start_at("2024-01-01T10:00:00Z").unwrap();
    let mut run = query.begin(&start).unwrap();
    let a1 = task_version("a", "1", "2024-01-01T10:00:05Z");
    let page1 = searchset(
        Some("2024-01-01T10:00:07Z"),
        std::slice::from_ref(&a1),
        Some("https://x/p2"),
    );
    assert_eq!(
        run.accept_page(&page1, None).unwrap(),
        PageOutcome::Next("https://x/p2".into())
    );
    // Finishing now would lose page 2: refused, and the old cursor stays with the caller.
    let err = run.clone().finish().unwrap_err();
    assert!(matches!(err, MonitoringError::PagesRemaining { .. }), "{err}");
    // Later pages' meta.lastUpdated does not move the cursor: the first page's search time does.
    let b1 = task_version("b", "1", "2024-01-01T10:00:07Z");
    let page2 = searchset(Some("2024-01-01T10:00:09Z"), std::slice::from_ref(&b1), None);
    assert_eq!(run.accept_page(&page2, None).unwrap(), PageOutcome::Done);
    let (cursor, versions) = run.finish().unwrap();
    assert_eq!(cursor.since(), Some("2024-01-01T10:00:07Z"));
    assert_eq!(
        versions.iter().map(|v| v.key.as_str()).collect::<Vec<_>>(),
        ["Task/a/_history/1", "Task/b/_history/1"]
    );
    // b/1 shares the cursor's second, so it comes back with `ge`, and is dropped; b/2 in the
    // same second is new.
    let mut run = query.begin(&cursor).unwrap();
    assert!(run
        .first_request()
        .to_string()
        .ends_with("_lastUpdated=ge2024-01-01T10:00:07Z"));
    let b2 = task_version("b", "2", "2024-01-01T10:00:07Z");
    run.accept_page(&searchset(Some("2024-01-01T10:00:08Z"), &[b1, b2], None), None)
        .unwrap();
    let (cursor, versions) = run.finish().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].key, "Task/b/_history/2");
    // Versions that can no longer come back are forgotten.
    assert_eq!(cursor.remembered(), 0);
}

#[test]
fn cursor_falls_back_to_the_date_header_never_the_client_clock() {
    let query = org123().owned_by_us();
    let mut run = query.begin(&PollCursor::new()).unwrap();
    run.accept_page(&searchset(None, &[], None), Some("Sun, 06 Nov 1994 08:49:37 GMT"))
        .unwrap();
    assert_eq!(run.finish().unwrap().0.since(), Some("1994-11-06T08:49:37Z"));

    let mut run = query.begin(&PollCursor::new()).unwrap();
    assert_eq!(
        run.accept_page(&searchset(None, &[], None), None),
        Err(MonitoringError::NoServerTime)
    );
    let mut run = query.begin(&PollCursor::new()).unwrap();
    let err = run
        .accept_page(&searchset(None, &[], None), Some("yesterday"))
        .unwrap_err();
    assert!(err.to_string().starts_with("Date header"), "{err}");
    assert!(query.begin(&PollCursor::new()).unwrap().finish().is_err());
}

#[test]
fn pages_that_are_not_searchsets_or_resources_without_version_are_refused() {
    let query = org123().owned_by_us();
    let mut run = query.begin(&PollCursor::new()).unwrap();
    let mut history = searchset(Some("2024-01-01T10:00:07Z"), &[], None);
    history.type_ = Primitive::new(Coded::Known(BundleType::History));
    let err = run.accept_page(&history, None).unwrap_err();
    assert_eq!(err.to_string(), "Bundle.type: expected searchset, found \"history\"");
    let mut bare = Task::new(TaskStatus::Requested, TaskIntent::Order);
    bare.id = Some(Primitive::from("x"));
    let err = run
        .accept_page(
            &searchset(Some("2024-01-01T10:00:07Z"), &[Resource::from(bare)], None),
            None,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Bundle.entry[0].resource.meta.versionId (and meta.lastUpdated): required but absent"
    );
    assert!(PollCursor::start_at("2021-05-03").is_err());
}

// ---------------------------------------------------------------- interval policy

fn at(text: &str) -> UnixSeconds {
    UnixSeconds::from_instant(text, "test").unwrap()
}

#[test]
fn interval_policy_follows_the_seed() {
    // Business hours 08:00-17:00 Monday-Friday at UTC-5. 2024-01-03 is a Wednesday.
    let policy = IntervalPolicy::sdoh(-300);
    let rows = [
        // (now, last, urgent, expected next)
        ("2024-01-03T10:00:00-05:00", None, false, "2024-01-03T10:00:00-05:00"),
        // hourly in business hours
        (
            "2024-01-03T10:05:00-05:00",
            Some("2024-01-03T10:00:00-05:00"),
            false,
            "2024-01-03T11:00:00-05:00",
        ),
        // overdue: now
        (
            "2024-01-03T12:30:00-05:00",
            Some("2024-01-03T10:00:00-05:00"),
            false,
            "2024-01-03T12:30:00-05:00",
        ),
        // after hours: next business morning
        (
            "2024-01-03T16:40:00-05:00",
            Some("2024-01-03T16:30:00-05:00"),
            false,
            "2024-01-04T08:00:00-05:00",
        ),
        // Friday evening: Monday morning (at least once per business day)
        (
            "2024-01-05T18:00:00-05:00",
            Some("2024-01-05T16:30:00-05:00"),
            false,
            "2024-01-08T08:00:00-05:00",
        ),
        // before opening: the opening
        (
            "2024-01-03T06:00:00-05:00",
            Some("2024-01-03T05:00:00-05:00"),
            false,
            "2024-01-03T08:00:00-05:00",
        ),
        // urgent: at once, even right after a poll
        (
            "2024-01-03T10:01:00-05:00",
            Some("2024-01-03T10:00:00-05:00"),
            true,
            "2024-01-03T10:01:00-05:00",
        ),
    ];
    for (now, last, urgent, expected) in rows {
        assert_eq!(
            policy.next_poll_at(at(now), last.map(at), urgent),
            at(expected),
            "now {now} last {last:?} urgent {urgent}"
        );
    }
    // Never more often than every 15 minutes unless urgent, whatever the intervals say.
    let eager = IntervalPolicy {
        business_interval_secs: 60,
        ..IntervalPolicy::sdoh(0)
    };
    assert_eq!(
        eager.next_poll_at(at("2024-01-03T10:00:00Z"), Some(at("2024-01-03T10:00:00Z")), false),
        at("2024-01-03T10:15:00Z")
    );
}

// ---------------------------------------------------------------- change events

fn with(task: &Resource, version: &str, edit: impl FnOnce(&mut Task)) -> Resource {
    let Resource::Task(t) = task else { unreachable!() };
    let mut t = (**t).clone();
    edit(&mut t);
    t.meta.as_mut().unwrap().version_id = Some(Primitive::from(version));
    Resource::from(t)
}

#[test]
fn change_events_for_both_parties() {
    let t = |id: &str| format!("Task/{id}");
    // Performer side (Organization/123).
    let mut performer = ChangeDetector::new(PartyRef::reference("Organization", "123"));
    let ours = task_version("a", "1", "2024-01-01T10:00:00Z");
    assert_eq!(
        performer.observe(&ours).unwrap(),
        [ChangeEvent::AssignedToUs { task: t("a") }]
    );
    assert!(performer.observe(&ours).unwrap().is_empty(), "same version twice");
    let open = with(&task_version("u", "1", "2024-01-01T10:00:00Z"), "1", |t| t.owner = None);
    assert_eq!(
        performer.observe(&open).unwrap(),
        [ChangeEvent::UnassignedAvailable { task: t("u") }]
    );

    // Requester side (an EHR watching Tasks it requested).
    let mut ehr = ChangeDetector::new(PartyRef::reference("Organization", "ehr"));
    assert_eq!(
        ehr.observe(&ours).unwrap(),
        [ChangeEvent::NewTask {
            task: t("a"),
            status: "requested".into()
        }]
    );
    // An unassigned Task is the same news for whoever watches it.
    assert_eq!(
        ehr.observe(&open).unwrap(),
        [ChangeEvent::UnassignedAvailable { task: t("u") }]
    );
    let assigned = with(&open, "2", |t| {
        t.owner = Some(Reference::to_type_id("Organization", "123"))
    });
    assert_eq!(
        ehr.observe(&assigned).unwrap(),
        [ChangeEvent::Assigned {
            task: t("u"),
            owner: "Organization/123".into()
        }]
    );
    let rows = [
        (TaskStatus::Accepted, ChangeEvent::Accepted { task: t("u") }),
        (
            TaskStatus::InProgress,
            ChangeEvent::StatusChanged {
                task: t("u"),
                from: "accepted".into(),
                to: "in-progress".into(),
            },
        ),
        (TaskStatus::Completed, ChangeEvent::Completed { task: t("u") }),
    ];
    let mut current = assigned;
    for (n, (status, event)) in rows.into_iter().enumerate() {
        current = with(&current, &(n + 3).to_string(), |t| {
            t.status = Primitive::new(Coded::Known(status))
        });
        assert_eq!(ehr.observe(&current).unwrap(), [event]);
    }
    let rejected = with(&task_version("r", "1", "2024-01-01T10:00:00Z"), "2", |t| {
        t.status = Primitive::new(Coded::Known(TaskStatus::Rejected))
    });
    ehr.prime(&task_version("r", "1", "2024-01-01T10:00:00Z")).unwrap();
    assert_eq!(
        ehr.observe(&rejected).unwrap(),
        [ChangeEvent::Rejected { task: t("r") }]
    );
    let with_outputs = with(&current, "9", |t| {
        t.output.push(fhir_model::TaskOutput::new(
            fhir_model::CodeableConcept::default(),
            fhir_model::TaskOutputValue::String(Primitive::from("done")),
        ))
    });
    assert_eq!(
        ehr.observe(&with_outputs).unwrap(),
        [ChangeEvent::OutputsAdded { task: t("u"), added: 1 }]
    );
    // An older version arriving late is not a change.
    assert!(ehr
        .observe(&task_version("u", "0", "2023-12-31T10:00:00Z"))
        .unwrap()
        .is_empty());
}

// ---------------------------------------------------------------- subscriptions

fn task_subscription() -> SubscriptionRequest {
    let mut request = SubscriptionRequest::new(Topic::sdoh_task(), "https://cbo.example.org/notify")
        .filter("Task?owner=Organization/123")
        .unwrap();
    request.headers = vec!["Authorization: Bearer secret-token-abc".into()];
    request.heartbeat_period = Some(3600);
    request.timeout = Some(60);
    request.max_count = Some(20);
    request
}

#[test]
fn subscription_snapshots() {
    let task = task_subscription().build().unwrap();
    assert_eq!(
        task.criteria.value.as_deref(),
        Some("http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task")
    );
    insta::assert_snapshot!("subscription_task_id_only_json", json::to_string_pretty(&task));

    let mut full = task_subscription();
    full.content = PayloadContent::FullResource;
    full.format = PayloadFormat::Xml;
    insta::assert_snapshot!(
        "subscription_task_full_resource_xml_payload",
        json::to_string_pretty(&full.build().unwrap())
    );

    let requests = SubscriptionRequest::new(Topic::sdoh_service_request(), "https://cbo.example.org/notify")
        .with_requests(["sr2", "sr1"])
        .unwrap()
        .unwrap();
    insta::assert_snapshot!(
        "subscription_service_request",
        json::to_string_pretty(&requests.build().unwrap())
    );

    let mut legacy = task_subscription();
    legacy.placement = TopicPlacement::LegacyExtension;
    legacy.content = PayloadContent::Empty;
    insta::assert_snapshot!(
        "subscription_task_legacy_topic_extension",
        json::to_string_pretty(&legacy.build().unwrap())
    );
}

#[test]
fn the_service_request_filter_follows_the_requests_being_fulfilled() {
    let request = SubscriptionRequest::new(Topic::sdoh_service_request(), "https://cbo.example.org/notify");
    let two = request.with_requests(["sr1", "sr2"]).unwrap().unwrap();
    let one = two.clone().with_requests(["sr2"]).unwrap().unwrap();
    let filters: Vec<String> = one.filters.iter().map(|q| q.to_string()).collect();
    assert_eq!(filters, ["ServiceRequest?_id=sr2"]);
    assert!(one.with_requests(Vec::<String>::new()).unwrap().is_none());
}

#[test]
fn filters_outside_can_filter_by_are_refused() {
    let task = SubscriptionRequest::new(Topic::sdoh_task(), "https://x");
    let err = task.clone().filter("Task?focus=ServiceRequest/1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Subscription.criteria.extension[filterCriteria]: http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task \
         cannot filter by \"focus\" (allowed: _lastUpdated, code, owner, requester, status)"
    );
    let err = task.clone().filter("ServiceRequest?_id=1").unwrap_err();
    assert!(matches!(err, MonitoringError::FilterResourceType { .. }), "{err}");
    let err = task
        .clone()
        .filter("Task?owner=Organization/1&_include=Task:focus")
        .unwrap_err();
    assert!(err.to_string().contains("search parameters only"), "{err}");
    let err = task.clone().filter("Task?owner.name=x").unwrap_err();
    assert!(matches!(err, MonitoringError::FilterNotAllowed { .. }), "{err}");
    assert!(task.filter("Task?status=requested&owner:identifier=http://x|1").is_ok());
    let err = SubscriptionRequest::new(Topic::sdoh_service_request(), "https://x")
        .filter("ServiceRequest?status=active")
        .unwrap_err();
    assert!(matches!(err, MonitoringError::FilterNotAllowed { .. }), "{err}");
}

// ---------------------------------------------------------------- server side

fn task(status: TaskStatus, intent: TaskIntent, owner: &str) -> Resource {
    let mut task = Task::new(status, intent);
    task.id = Some(Primitive::from("1234"));
    task.owner = Some(Reference::to_type_id("Organization", owner));
    task.meta = Some(Meta {
        version_id: Some(Primitive::from("1")),
        last_updated: Some(Primitive::new("2024-01-01T10:00:00Z".parse().unwrap())),
        ..Default::default()
    });
    Resource::from(task)
}

#[test]
fn task_topic_triggers_with_the_seed_criteria() {
    use TaskIntent::{Order, Plan};
    use TaskStatus::{Draft, Requested};
    let topic = Topic::sdoh_task();
    let rows: [(Method, Option<Resource>, Option<Resource>, bool); 7] = [
        (Method::Create, None, Some(task(Requested, Order, "1")), true),
        (Method::Create, None, Some(task(Draft, Order, "1")), false),
        (Method::Create, None, Some(task(Requested, Plan, "1")), false),
        (
            Method::Update,
            Some(task(Draft, Order, "1")),
            Some(task(Requested, Order, "1")),
            true,
        ),
        (
            Method::Update,
            Some(task(Requested, Order, "1")),
            Some(task(Draft, Order, "1")),
            false,
        ),
        // resultForDelete test-passes
        (Method::Delete, Some(task(Draft, Order, "1")), None, true),
        (Method::Delete, Some(task(Requested, Order, "1")), None, true),
    ];
    for (method, before, after, expected) in rows {
        assert_eq!(
            topic.triggers(method, before.as_ref(), after.as_ref()).unwrap(),
            expected,
            "{method:?} {before:?} {after:?}"
        );
    }
    // The ServiceRequest topic does not trigger on create, nor on Tasks.
    let sr = Topic::sdoh_service_request();
    assert!(!sr
        .triggers(Method::Create, None, Some(&task(Requested, Order, "1")))
        .unwrap());
    assert!(!sr
        .triggers(Method::Update, None, Some(&task(Requested, Order, "1")))
        .unwrap());
}

#[test]
fn require_both_and_result_for_create() {
    use coordination::monitoring::{CriteriaResult, QueryCriteria};
    // The HRex Task topic: previous and current, requireBoth, resultForCreate test-passes.
    let mut topic = Topic::sdoh_task();
    topic.query_criteria = Some(QueryCriteria {
        previous: Some("status:not=draft&intent=order".into()),
        current: Some("status:not=draft&intent=order".into()),
        result_for_create: Some(CriteriaResult::TestPasses),
        result_for_delete: Some(CriteriaResult::TestFails),
        require_both: true,
    });
    let live = task(TaskStatus::Requested, TaskIntent::Order, "1");
    let draft = task(TaskStatus::Draft, TaskIntent::Order, "1");
    assert!(topic.triggers(Method::Create, None, Some(&live)).unwrap());
    assert!(!topic.triggers(Method::Update, Some(&draft), Some(&live)).unwrap());
    assert!(topic.triggers(Method::Update, Some(&live), Some(&live)).unwrap());
    assert!(!topic.triggers(Method::Delete, Some(&live), None).unwrap());
}

#[test]
fn unsupported_criteria_are_errors_never_matches() {
    let mut topic = Topic::sdoh_task();
    topic.can_filter_by.push("_text".into());
    let err = topic
        .check_filter(&Query::parse("Task?_text=food").unwrap())
        .unwrap_err();
    assert!(matches!(err, MonitoringError::Unsupported { .. }), "{err}");
    topic.query_criteria.as_mut().unwrap().current = Some("_text=food".into());
    let err = topic
        .triggers(
            Method::Create,
            None,
            Some(&task(TaskStatus::Requested, TaskIntent::Order, "1")),
        )
        .unwrap_err();
    assert!(matches!(err, MonitoringError::Unsupported { .. }), "{err}");
}

fn server_subscription(content: PayloadContent) -> ServerSubscription {
    let mut request = task_subscription();
    request.content = content;
    ServerSubscription::accept(
        "https://cbo.example.org/fhir/Subscription/sub1",
        &request.build().unwrap(),
        &[Topic::sdoh_task(), Topic::sdoh_service_request()],
    )
    .unwrap()
}

#[test]
fn event_numbers_count_matching_events_only() {
    let mut sub = server_subscription(PayloadContent::IdOnly);
    let ours = task(TaskStatus::Requested, TaskIntent::Order, "123");
    let theirs = task(TaskStatus::Requested, TaskIntent::Order, "456");
    assert_eq!(sub.offer(Method::Create, None, Some(&ours)).unwrap(), Some(1));
    assert_eq!(sub.offer(Method::Create, None, Some(&theirs)).unwrap(), None);
    assert_eq!(sub.offer(Method::Update, Some(&ours), Some(&ours)).unwrap(), Some(2));
    assert_eq!(sub.heartbeat().events_since_start, Some(2), "heartbeats do not count");
    assert_eq!(sub.events_since_start(), 2);
}

#[test]
fn notification_snapshots_per_content_level() {
    let focus = task(TaskStatus::Requested, TaskIntent::Order, "123");
    for content in [
        PayloadContent::IdOnly,
        PayloadContent::FullResource,
        PayloadContent::Empty,
    ] {
        let mut sub = server_subscription(content);
        let n = sub.offer(Method::Create, None, Some(&focus)).unwrap().unwrap();
        let bundle = sub
            .notification(&[(n, "2024-01-01T10:00:00Z".into(), &focus)], false)
            .to_bundle("6a3b4a0e-8f39-4c0c-9f3c-2f3e2b1d0c01", &sub.url);
        insta::assert_snapshot!(
            format!("notification_{}", content.code()),
            json::to_string_pretty(&bundle)
        );
        // Read back.
        let read = Notification::from_bundle(&bundle).unwrap();
        assert_eq!(read.kind, NotificationType::EventNotification);
        assert_eq!(read.events_since_start, Some(1));
        assert_eq!(read.events[0].number, 1);
        assert_eq!(read.events[0].focus.is_some(), content != PayloadContent::Empty);
        assert_eq!(
            read.resources.len(),
            usize::from(content == PayloadContent::FullResource)
        );
    }
    let sub = server_subscription(PayloadContent::IdOnly);
    insta::assert_snapshot!(
        "notification_handshake",
        json::to_string_pretty(&sub.handshake().to_bundle("h1", &sub.url))
    );
    insta::assert_snapshot!(
        "notification_heartbeat",
        json::to_string_pretty(&sub.heartbeat().to_bundle("h2", &sub.url))
    );
}

fn event(number: u64, focus: Option<&str>) -> NotificationEvent {
    NotificationEvent {
        number,
        timestamp: None,
        focus: focus.map(String::from),
        additional_context: Vec::new(),
    }
}

fn notification(kind: NotificationType, since: Option<u64>, events: Vec<NotificationEvent>) -> Notification {
    Notification {
        subscription: "https://cbo.example.org/fhir/Subscription/sub1".into(),
        topic: Some(Topic::sdoh_task().url),
        status: "active".into(),
        kind,
        events_since_start: since,
        events,
        resources: Vec::new(),
    }
}

#[test]
fn id_only_follow_up_is_the_seed_query() {
    let n = notification(
        NotificationType::EventNotification,
        Some(2),
        vec![
            event(1, Some("https://cbo.example.org/fhir/Task/1234")),
            event(2, Some("Task/5678")),
            event(3, Some("Task/1234")),
            event(4, Some("ServiceRequest/sr1")),
        ],
    );
    let queries: Vec<String> = n.follow_up_queries().unwrap().iter().map(|q| q.to_string()).collect();
    assert_eq!(
        queries,
        ["ServiceRequest?_id=sr1", "Task?_id=1234,5678&_include=Task:focus"]
    );
    let bad = notification(
        NotificationType::EventNotification,
        None,
        vec![event(1, Some("#contained"))],
    );
    assert!(bad.follow_up_queries().is_err());
}

#[test]
fn malformed_notifications_are_refused_naming_the_element() {
    let good = notification(
        NotificationType::EventNotification,
        Some(1),
        vec![event(1, Some("Task/1"))],
    )
    .to_bundle("s1", "https://x/Subscription/1");
    assert!(Notification::from_bundle(&good).is_ok());

    let mut wrong_type = good.clone();
    wrong_type.type_ = Primitive::new(Coded::Known(BundleType::Searchset));
    assert_eq!(
        Notification::from_bundle(&wrong_type).unwrap_err().to_string(),
        "Bundle.type: expected history, found \"searchset\""
    );

    let mut not_first = good.clone();
    not_first.entry.insert(
        0,
        BundleEntry {
            resource: Some(task(TaskStatus::Requested, TaskIntent::Order, "1")),
            ..Default::default()
        },
    );
    assert_eq!(
        Notification::from_bundle(&not_first).unwrap_err(),
        MonitoringError::StatusNotFirst { found: "Task".into() }
    );
    let mut empty = good.clone();
    empty.entry.clear();
    assert!(matches!(
        Notification::from_bundle(&empty),
        Err(MonitoringError::StatusNotFirst { .. })
    ));

    let edit = |f: &dyn Fn(&mut fhir_model::Parameters)| {
        let mut b = good.clone();
        let Some(Resource::Parameters(p)) = &mut b.entry[0].resource else {
            unreachable!()
        };
        f(p);
        Notification::from_bundle(&b).unwrap_err().to_string()
    };
    use fhir_model::ParametersParameterValue as V;
    let set = |name: &'static str, value: V| {
        move |p: &mut fhir_model::Parameters| {
            p.parameter
                .iter_mut()
                .find(|x| x.name.value.as_deref() == Some(name))
                .unwrap()
                .value = Some(value.clone())
        }
    };
    assert_eq!(
        edit(&set("type", V::Code(Primitive::from("poke")))),
        "Parameters.parameter[type].valueCode: unknown notification type \"poke\""
    );
    assert_eq!(
        edit(&set("status", V::Code(Primitive::from("paused")))),
        "Bundle.entry[0].resource.parameter[status].valueCode: expected requested | active | error | off, found \"paused\""
    );
    assert_eq!(
        edit(&set("events-since-subscription-start", V::String(Primitive::from("two")))),
        "Bundle.entry[0].resource.parameter[events-since-subscription-start].valueString: expected a non-negative integer in a string, found \"two\""
    );
    assert_eq!(
        edit(&|p| p.parameter.retain(|x| x.name.value.as_deref() != Some("subscription"))),
        "Bundle.entry[0].resource.parameter[subscription]: required but absent"
    );
    assert_eq!(
        edit(&|p| p.parameter.last_mut().unwrap().part.clear()),
        "Bundle.entry[0].resource.parameter[notification-event][0].part[event-number]: required but absent"
    );
    assert_eq!(
        edit(&set("subscription", V::String(Primitive::from("sub1")))),
        "Bundle.entry[0].resource.parameter[subscription]: expected valueReference, found \"another value type\""
    );
}

// ---------------------------------------------------------------- gaps

#[test]
fn gaps_regressions_and_overdue_heartbeats() {
    use NotificationType::{EventNotification, Handshake, Heartbeat};
    let t0 = UnixSeconds(1_000);
    let mut tracker = EventTracker::new(Some(60), false);
    assert!(tracker
        .observe(&notification(Handshake, Some(0), vec![]), t0)
        .actions
        .is_empty());
    let a = tracker.observe(
        &notification(EventNotification, Some(1), vec![event(1, Some("Task/1"))]),
        t0,
    );
    assert_eq!((a.new_events, a.actions), (vec![1], vec![]));
    // 2 and 3 lost; 4 arrives.
    let a = tracker.observe(
        &notification(EventNotification, Some(4), vec![event(4, Some("Task/1"))]),
        t0,
    );
    assert_eq!((a.new_events, a.actions), (vec![4], vec![RecoveryAction::CatchUpPoll]));
    // A redelivery is a duplicate.
    let a = tracker.observe(
        &notification(EventNotification, Some(4), vec![event(4, Some("Task/1"))]),
        t0,
    );
    assert_eq!((a.duplicates, a.actions), (vec![4], vec![]));
    // A heartbeat saying 6: 5 and 6 were lost.
    let a = tracker.observe(&notification(Heartbeat, Some(6), vec![]), UnixSeconds(1_030));
    assert_eq!(a.actions, [RecoveryAction::CatchUpPoll]);
    // The count went down: the server lost the subscription state.
    let a = tracker.observe(&notification(Heartbeat, Some(2), vec![]), UnixSeconds(1_040));
    assert_eq!(a.actions, [RecoveryAction::QueryStatus, RecoveryAction::CatchUpPoll]);
    // Overdue heartbeat.
    assert!(tracker.overdue(UnixSeconds(1_100)).is_empty());
    assert_eq!(
        tracker.overdue(UnixSeconds(1_101)),
        [RecoveryAction::QueryStatus, RecoveryAction::CatchUpPoll]
    );

    // With $events: ask for exactly the missing numbers.
    let mut tracker = EventTracker::new(None, true);
    let a = tracker.observe(
        &notification(EventNotification, Some(3), vec![event(3, Some("Task/1"))]),
        t0,
    );
    assert_eq!(a.actions, [RecoveryAction::QueryEvents { from: 1, to: 2 }]);
    assert_eq!(
        a.actions[0].request("https://x/Subscription/1").unwrap(),
        "https://x/Subscription/1/$events?eventsSinceNumber=1&eventsUntilNumber=2"
    );
    assert_eq!(RecoveryAction::QueryStatus.request("S").unwrap(), "S/$status");
    assert_eq!(tracker.missing().collect::<Vec<_>>(), [1, 2]);
    // The `$events` answer brings them: new, not duplicates; its count (the server's current
    // one, 5) is not a gap, since notifications 4 and 5 may still be on their way.
    let answer = notification(
        NotificationType::QueryEvent,
        Some(5),
        vec![event(1, Some("Task/1")), event(2, Some("Task/2"))],
    );
    let a = tracker.observe(&answer, t0);
    assert_eq!((a.new_events, a.actions), (vec![1, 2], vec![]));
    assert_eq!((tracker.missing().count(), tracker.last_event()), (0, 3));
    // An error status: ask $status and catch up.
    let mut error = notification(Heartbeat, Some(3), vec![]);
    error.status = "error".into();
    assert_eq!(
        tracker.observe(&error, t0).actions,
        [RecoveryAction::QueryStatus, RecoveryAction::CatchUpPoll]
    );
    assert!(
        tracker.overdue(UnixSeconds(i64::MAX)).is_empty(),
        "no heartbeat asked, none overdue"
    );

    // An empty payload: the event names no resource, so search.
    let mut tracker = EventTracker::new(None, true);
    let a = tracker.observe(&notification(EventNotification, Some(1), vec![event(1, None)]), t0);
    assert_eq!((a.new_events, a.actions), (vec![1], vec![RecoveryAction::CatchUpPoll]));
}

#[test]
fn max_count_splits_notifications_and_heartbeat_period_is_read() {
    let sub = server_subscription(PayloadContent::IdOnly);
    assert_eq!((sub.max_count, sub.heartbeat_period), (Some(20), Some(3600)));
    let mut request = task_subscription();
    request.max_count = Some(2);
    let mut sub = ServerSubscription::accept(
        "https://cbo.example.org/fhir/Subscription/sub1",
        &request.build().unwrap(),
        &[Topic::sdoh_task()],
    )
    .unwrap();
    let focus = task(TaskStatus::Requested, TaskIntent::Order, "123");
    let numbers: Vec<u64> = (0..5)
        .map(|_| sub.offer(Method::Update, Some(&focus), Some(&focus)).unwrap().unwrap())
        .collect();
    let events: Vec<(u64, String, &Resource)> = numbers
        .iter()
        .map(|n| (*n, "2024-01-01T10:00:00Z".to_owned(), &focus))
        .collect();
    let sizes: Vec<usize> = sub.notifications(&events).iter().map(|n| n.events.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    // max count 0 is not a positiveInt.
    request.max_count = Some(0);
    assert!(request.build().is_err());
    // A Subscription on an unknown topic, or without payload content, is refused.
    let mut unknown = task_subscription().build().unwrap();
    unknown.criteria.value = Some("http://example.org/SubscriptionTopic/Other".into());
    let err = ServerSubscription::accept("u", &unknown, &[Topic::sdoh_task()]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Subscription.criteria: expected a supported topic canonical"),
        "{err}"
    );
    let mut no_content = task_subscription().build().unwrap();
    no_content.channel.payload.as_mut().unwrap().extension_mut().clear();
    let err = ServerSubscription::accept("u", &no_content, &[Topic::sdoh_task()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Subscription.channel.payload.extension[content]: required but absent"
    );
    // The legacy placement is read back too.
    let mut legacy = task_subscription();
    legacy.placement = TopicPlacement::LegacyExtension;
    let accepted = ServerSubscription::accept("u", &legacy.build().unwrap(), &[Topic::sdoh_task()]).unwrap();
    assert_eq!(accepted.topic().url, Topic::sdoh_task().url);
}

#[test]
fn notifications_read_the_same_from_xml() {
    // SDOH: servers SHALL support JSON and XML payloads.
    let focus = task(TaskStatus::Requested, TaskIntent::Order, "123");
    let mut sub = server_subscription(PayloadContent::FullResource);
    let n = sub.offer(Method::Create, None, Some(&focus)).unwrap().unwrap();
    let bundle = sub
        .notification(&[(n, "2024-01-01T10:00:00Z".into(), &focus)], false)
        .to_bundle("x1", &sub.url);
    let xml = fhir_model::xml::to_string(&bundle).unwrap();
    let back: Bundle = fhir_model::xml::from_str(&xml).unwrap();
    assert_eq!(
        Notification::from_bundle(&back).unwrap(),
        Notification::from_bundle(&bundle).unwrap()
    );
    let subscription = task_subscription().build().unwrap();
    let xml = fhir_model::xml::to_string(&subscription).unwrap();
    let back: fhir_model::Subscription = fhir_model::xml::from_str(&xml).unwrap();
    let accepted = ServerSubscription::accept("u", &back, &[Topic::sdoh_task()]).unwrap();
    assert_eq!(accepted.content, PayloadContent::IdOnly);
}

#[test]
fn notifications_are_checked_against_the_content_level() {
    let focus = task(TaskStatus::Requested, TaskIntent::Order, "123");
    let bundle_for = |content: PayloadContent| {
        let mut sub = server_subscription(content);
        let n = sub.offer(Method::Create, None, Some(&focus)).unwrap().unwrap();
        sub.notification(&[(n, "2024-01-01T10:00:00Z".into(), &focus)], false)
            .to_bundle("c1", &sub.url)
    };
    let rows = [
        (PayloadContent::Empty, PayloadContent::Empty, Ok(())),
        (PayloadContent::IdOnly, PayloadContent::IdOnly, Ok(())),
        (PayloadContent::FullResource, PayloadContent::FullResource, Ok(())),
        (PayloadContent::FullResource, PayloadContent::IdOnly, Ok(())),
        (
            PayloadContent::IdOnly,
            PayloadContent::Empty,
            Err("Bundle.entry[0].resource.parameter[notification-event][0].part[focus]: expected no resource reference in an empty payload, found \"a reference\""),
        ),
        (
            PayloadContent::Empty,
            PayloadContent::IdOnly,
            Err("Bundle.entry[0].resource.parameter[notification-event][0].part[focus]: required but absent"),
        ),
        (
            PayloadContent::IdOnly,
            PayloadContent::FullResource,
            Err("Bundle.entry for https://cbo.example.org/fhir/Task/1234 (full-resource payload): required but absent"),
        ),
    ];
    for (sent, expected, outcome) in rows {
        let got = Notification::from_bundle_with_content(&bundle_for(sent), expected)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(
            got,
            outcome.map_err(String::from),
            "sent {sent:?}, expected {expected:?}"
        );
    }
    let mut with_entry = bundle_for(PayloadContent::Empty);
    with_entry.entry.push(BundleEntry::default());
    assert!(Notification::from_bundle_with_content(&with_entry, PayloadContent::Empty).is_err());
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> String {
        let focus = task(TaskStatus::Requested, TaskIntent::Order, "123");
        let mut sub = server_subscription(PayloadContent::FullResource);
        let n = sub.offer(Method::Create, None, Some(&focus)).unwrap().unwrap();
        json::to_string(
            &sub.notification(&[(n, "2024-01-01T10:00:00Z".into(), &focus)], false)
                .to_bundle("p1", &sub.url),
        )
    }

    proptest! {
        /// Whatever a notification Bundle looks like, reading it answers Ok or a typed error.
        #[test]
        fn reading_damaged_notifications_never_panics(
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), "[a-z0-9\"{}:,\\[\\]-]{0,3}"), 1..6),
            content in prop_oneof![Just(PayloadContent::Empty), Just(PayloadContent::IdOnly), Just(PayloadContent::FullResource)],
        ) {
            let mut text = sample();
            for (at, insert) in edits {
                let mut i = at.index(text.len());
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                let end = (i + insert.len()).min(text.len());
                let end = (end..=text.len()).find(|e| text.is_char_boundary(*e)).unwrap_or(text.len());
                text.replace_range(i..end, &insert);
            }
            if let Ok(bundle) = json::from_str::<Bundle>(&text) {
                let _ = Notification::from_bundle(&bundle).map(|n| n.follow_up_queries());
                let _ = Notification::from_bundle_with_content(&bundle, content);
                let mut tracker = EventTracker::new(Some(60), true);
                if let Ok(n) = Notification::from_bundle(&bundle) {
                    let _ = tracker.observe(&n, UnixSeconds(0));
                }
            }
        }
    }
}

#[test]
fn absurd_numbers_and_times_do_not_hurt() {
    use NotificationType::{EventNotification, Heartbeat};
    // An event number far ahead is not enumerated: the numbering is not trusted.
    let mut tracker = EventTracker::new(Some(60), true);
    let a = tracker.observe(
        &notification(EventNotification, Some(u64::MAX), vec![event(u64::MAX, Some("Task/1"))]),
        UnixSeconds(0),
    );
    assert_eq!(a.actions, [RecoveryAction::QueryStatus, RecoveryAction::CatchUpPoll]);
    assert_eq!(tracker.missing().count(), 0);
    let a = tracker.observe(&notification(Heartbeat, Some(u64::MAX), vec![]), UnixSeconds(i64::MIN));
    assert!(a.actions.is_empty());
    assert_eq!(tracker.overdue(UnixSeconds(i64::MAX)).len(), 2);
    let policy = IntervalPolicy::sdoh(14 * 60);
    for (now, last) in [
        (i64::MAX, i64::MAX),
        (i64::MIN, i64::MIN),
        (0, i64::MAX),
        (i64::MAX, i64::MIN),
    ] {
        let next = policy.next_poll_at(UnixSeconds(now), Some(UnixSeconds(last)), false);
        assert!(next >= UnixSeconds(now));
        let _ = policy.next_poll_at(UnixSeconds(now), Some(UnixSeconds(last)), true);
    }
}
