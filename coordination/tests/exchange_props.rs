//! Invariants: the async machine answers every response (any status, headers, body) with an
//! action and never panics; no wait ends past the deadline; HTTP-dates round-trip; a roster
//! diff is antisymmetric.

use std::time::{Duration, SystemTime};

use coordination::exchange::{
    format_http_date, parse_http_date, Action, AsyncExchange, ExportRequest, PollPolicy, RetryAfter, Roster,
    RosterMember,
};
use proptest::prelude::*;

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn arb_response() -> impl Strategy<Value = http::Response<Vec<u8>>> {
    (
        prop::sample::select(vec![
            200u16, 202, 204, 301, 400, 401, 403, 404, 410, 422, 429, 500, 502, 503,
        ]),
        prop::option::of(prop::sample::select(vec![
            "https://payer.example/status/1".to_owned(),
            "/relative".to_owned(),
            "not a url".to_owned(),
        ])),
        prop::option::of("[ -~]{0,40}"),
        prop::option::of("[ -~]{0,20}"),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(status, location, retry, progress, body)| {
            let mut b = http::Response::builder().status(status);
            if let Some(l) = location {
                b = b.header("content-location", l);
            }
            if let Some(r) = retry {
                b = b.header("retry-after", r);
            }
            if let Some(p) = progress {
                b = b.header("x-progress", p);
            }
            b.body(body).unwrap()
        })
}

proptest! {
    #[test]
    fn the_machine_answers_any_sequence_of_responses(
        responses in prop::collection::vec(arb_response(), 1..12),
        steps in prop::collection::vec(0u64..400, 12),
        cancel_at in prop::option::of(0usize..12),
    ) {
        let policy = PollPolicy { give_up_after: Duration::from_secs(900), ..PollPolicy::default() };
        let kickoff = ExportRequest::all_patients().get("https://payer.example/fhir").unwrap();
        let (mut m, _) = AsyncExchange::start(kickoff, policy, t0());
        let mut now = t0();
        for (i, r) in responses.iter().enumerate() {
            if cancel_at == Some(i) {
                let _ = m.cancel();
            }
            now += Duration::from_secs(steps[i]);
            match m.on_response(r, now) {
                Action::Wait { at, .. } => prop_assert!(at <= m.deadline() && at >= now),
                Action::Failed { failure, .. } => prop_assert!(!failure.to_string().is_empty()),
                _ => {}
            }
        }
    }

    #[test]
    fn retry_after_parsing_never_panics(text in "\\PC{0,40}") {
        let _ = RetryAfter::parse(&text);
    }

    #[test]
    fn http_dates_round_trip(secs in 0u64..8_000_000_000) {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        prop_assert_eq!(parse_http_date(&format_http_date(at)), Some(at));
    }

    #[test]
    fn roster_diff_is_antisymmetric(
        a in prop::collection::vec((0u8..8, 0u8..3, any::<bool>()), 0..10),
        b in prop::collection::vec((0u8..8, 0u8..3, any::<bool>()), 0..10),
    ) {
        let roster = |members: &[(u8, u8, bool)]| Roster {
            group_id: None,
            version: None,
            members: members
                .iter()
                .map(|(p, prov, inactive)| RosterMember {
                    patient: format!("Patient/{p}"),
                    start: None,
                    end: None,
                    inactive: *inactive,
                    attributed_provider: Some(format!("Practitioner/{prov}")),
                    coverage: None,
                    change_type: None,
                })
                .collect(),
        };
        let (ra, rb) = (roster(&a), roster(&b));
        let forward = ra.diff(&rb);
        let back = rb.diff(&ra);
        prop_assert_eq!(&forward.added, &back.removed);
        prop_assert_eq!(&forward.removed, &back.added);
        prop_assert_eq!(forward.changed.len(), back.changed.len());
        prop_assert!(ra.diff(&ra).is_empty());
    }
}
