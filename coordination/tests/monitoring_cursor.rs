//! proptest: for random update sequences (many inside one second, some while the client is
//! paging) and random page sizes, the poll cursor never misses a version that was current when
//! a search ran and never reports a version twice.

mod monitoring_support;

use std::collections::BTreeSet;

use coordination::monitoring::{PartyRef, PollCursor, PollPlan, UnixSeconds};
use fhir_model::TaskStatus;
use monitoring_support::*;
use proptest::prelude::*;

/// A write while paging: Task number, ms before it, ms after it before the next page.
type During = Option<(u8, i64, i64)>;

#[derive(Debug, Clone)]
enum Op {
    /// Create or update Task `t{task}` after `advance_ms`.
    Write { task: u8, advance_ms: i64 },
    /// Poll with this page size; optionally write a Task between the first and second page
    /// (after some milliseconds, and some more before the next page is fetched).
    Poll { page_size: usize, during: During },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..6, prop_oneof![Just(0i64), 1i64..400, 400i64..2500])
            .prop_map(|(task, advance_ms)| Op::Write { task, advance_ms }),
        1 => (1usize..5, proptest::option::of((0u8..6, 0i64..600, 0i64..1500)))
            .prop_map(|(page_size, during)| Op::Poll { page_size, during }),
    ]
}

const STATUSES: [TaskStatus; 4] = [
    TaskStatus::Requested,
    TaskStatus::Accepted,
    TaskStatus::InProgress,
    TaskStatus::OnHold,
];

fn write(server: &mut Server, task_number: u8, advance_ms: i64) {
    server.advance_ms(advance_ms);
    let id = format!("t{task_number}");
    let key = format!("Task/{id}");
    let next = match server.current.get(&key) {
        // Each update changes the status so every version differs.
        Some(existing) => {
            let version: usize = existing
                .meta()
                .and_then(|m| m.version_id.as_ref())
                .and_then(|v| v.value.as_deref())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            with_status(existing, STATUSES[version % STATUSES.len()])
        }
        None => task(&id, TaskStatus::Requested, Some("Organization/123"), "sr1"),
    };
    server.write(next);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_cursor_never_misses_nor_repeats_a_version(ops in proptest::collection::vec(op(), 1..40)) {
        let mut server = Server::new(UnixSeconds(1_700_000_000));
        let query = PollPlan::new(PartyRef::reference("Organization", "123")).owned_by_us();
        let mut cursor = PollCursor::new();
        let mut reported: BTreeSet<String> = BTreeSet::new();
        let mut polls: Vec<(usize, During)> = ops
            .iter()
            .filter_map(|op| match op { Op::Poll { page_size, during } => Some((*page_size, *during)), _ => None })
            .collect();
        // A final quiet poll: everything current must have been reported by then.
        polls.push((3, None));
        let mut poll_index = 0;
        let run = |server: &mut Server, page_size: usize, during: During, cursor: &mut PollCursor, reported: &mut BTreeSet<String>| -> Result<(), TestCaseError> {
            let first_search = server.snapshots.len();
            let mut pending = during;
            let (versions, _) = run_poll(server, &query, cursor, page_size, &mut |s| {
                if let Some((task, before, after)) = pending.take() {
                    write(s, task, before);
                    s.advance_ms(after);
                }
            });
            for version in versions {
                prop_assert!(reported.insert(version.key.clone()), "reported twice: {}", version.key);
            }
            let snapshot = &server.snapshots[first_search];
            for key in snapshot {
                prop_assert!(reported.contains(key), "missed {key}");
            }
            // A serde round trip of the persisted state loses nothing.
            let json = serde_json::to_string(&*cursor).unwrap();
            let back: PollCursor = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &*cursor);
            Ok(())
        };
        for op in &ops {
            match op {
                Op::Write { task, advance_ms } => write(&mut server, *task, *advance_ms),
                Op::Poll { .. } => {
                    let (page_size, during) = polls[poll_index];
                    poll_index += 1;
                    run(&mut server, page_size, during, &mut cursor, &mut reported)?;
                }
            }
        }
        let (page_size, during) = polls[poll_index];
        run(&mut server, page_size, during, &mut cursor, &mut reported)?;
        let current: BTreeSet<String> = server.current.values().map(version_key).collect();
        prop_assert!(current.is_subset(&reported));
    }
}
