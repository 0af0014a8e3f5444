//! The "Monitoring" examples of `coordination/README.md`, run against the in-memory server; and
//! a check that the README shows exactly this code (each block between the `README` markers is
//! the README block indented by four spaces).

mod monitoring_support;

use coordination::monitoring::{
    ChangeDetector, ChangeEvent, EventTracker, IntervalPolicy, Notification, PageOutcome, PartyRef, PayloadContent,
    PollCursor, PollPlan, SubscriptionRequest, Topic, UnixSeconds,
};
use fhir_model::{Bundle, TaskStatus};
use monitoring_support::*;
use search_params::Query;

type Result = std::result::Result<(), Box<dyn std::error::Error>>;

/// An HTTP response: the Bundle and its `Date` header.
struct Page {
    bundle: Bundle,
    date: Option<String>,
}

fn server_with_a_task() -> Server {
    let mut server = Server::new(UnixSeconds(1_700_000_000));
    server.write(task("1234", TaskStatus::Requested, Some("Organization/123"), "sr1"));
    server
}

#[test]
fn polling() -> Result {
    let mut server = server_with_a_task();
    let mut get = |url: &str| -> std::result::Result<Page, Box<dyn std::error::Error>> {
        let bundle = if url.contains("_getpages") {
            server.page(url)
        } else {
            server.search(&Query::parse_with_base(url)?.1, 2)
        };
        Ok(Page { bundle, date: None })
    };
    let cursor = PollCursor::start_at("2023-11-14T22:00:00Z")?;
    let mut detector = ChangeDetector::new(PartyRef::reference("Organization", "123"));
    let mut events = Vec::new();
    let (now, last) = (UnixSeconds(1_700_000_000), UnixSeconds(1_700_000_000));
    // README
    let plan = PollPlan::at(
        "https://cbo.example.org/fhir",
        PartyRef::reference("Organization", "123"),
    );
    let query = plan.owned_by_us(); // also requested_by_us(), unassigned(), focus_requests(ids)
    let mut run = query.begin(&cursor)?; // `cursor`: the PollCursor persisted after the last poll
    let mut page = get(&query.url(&cursor)?)?; // GET …/Task?owner=Organization/123&_lastUpdated=ge…
    while let PageOutcome::Next(next) = run.accept_page(&page.bundle, page.date.as_deref())? {
        page = get(&next)?; // the cursor cannot move before the last page
    }
    let (cursor, versions) = run.finish()?; // the server's time; persist it (serde)
    for version in &versions {
        events.extend(detector.observe(&version.resource)?); // AssignedToUs, Accepted, Completed…
    }
    let next_poll = IntervalPolicy::sdoh(-300).next_poll_at(now, Some(last), false); // hourly in business hours
                                                                                     // README
    assert_eq!(cursor.since(), Some("2023-11-14T22:13:20Z"));
    assert_eq!(
        events,
        [ChangeEvent::AssignedToUs {
            task: "Task/1234".into()
        }]
    );
    // 17:13 at UTC-5 is after business hours: the next business morning.
    assert_eq!(
        next_poll,
        UnixSeconds::from_instant("2023-11-15T08:00:00-05:00", "test")?
    );
    Ok(())
}

#[test]
fn subscribing() -> Result {
    let mut server = Server::new(UnixSeconds(1_700_000_000));
    let mut tracker = EventTracker::new(Some(3600), false);
    let received_at = server.now();
    // README
    let subscription = SubscriptionRequest::new(Topic::sdoh_task(), "https://ehr.example.org/hook")
        .filter("Task?owner=Organization/123")?
        .build()?; // POST [base]/Subscription: topic in criteria, rest-hook, id-only
                   // README
    let (url, handshake) = server.subscribe(&subscription)?;
    tracker.observe(&Notification::from_bundle(&handshake)?, received_at);
    server.write(task("1234", TaskStatus::Requested, Some("Organization/123"), "sr1"));
    let bundle = server.take_notifications(&url).remove(0);
    let mut follow_ups = Vec::new();
    // README
    // For each notification Bundle posted to the hook:
    let notification = Notification::from_bundle_with_content(&bundle, PayloadContent::IdOnly)?;
    let assessment = tracker.observe(&notification, received_at); // gaps: $status, $events or a catch-up poll
    for query in notification.follow_up_queries()? {
        follow_ups.push(query.to_string()); // GET [base]/Task?_id=1234&_include=Task:focus, then observe as when polling
    }
    // README
    assert!(assessment.actions.is_empty());
    assert_eq!(follow_ups, ["Task?_id=1234&_include=Task:focus"]);
    Ok(())
}

#[test]
fn the_readme_shows_this_code() {
    let readme = include_str!("../README.md");
    let this = include_str!("monitoring_readme.rs");
    let (Some(start), Some(end)) = (
        readme.find("<!-- monitoring:start -->"),
        readme.find("<!-- monitoring:end -->"),
    ) else {
        panic!("the README has no monitoring markers");
    };
    let readme_blocks: Vec<String> = readme[start..end]
        .split("```rust\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default().trim_end().to_owned())
        .collect();
    let marker = "    // README\n";
    let test_blocks: Vec<String> = this
        .split(marker)
        .skip(1)
        .step_by(2)
        .map(|b| {
            b.lines()
                .map(|l| l.strip_prefix("    ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
                .trim_end()
                .to_owned()
        })
        .collect();
    assert_eq!(readme_blocks.len(), 3);
    assert_eq!(readme_blocks, test_blocks);
}
