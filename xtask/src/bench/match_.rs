//! `cargo xtask bench match`: one compiled 3-parameter query (date, token, reference) over
//! 1,000,000 generated Tasks in memory, against a hand-written check of the same criteria on
//! the struct fields, measured in the same run.
//!
//! A `Task` is about 9 KB inline, so the million Tasks are generated and matched in chunks of
//! 100,000 (each chunk wholly in memory while it is measured) to keep the peak near 1 GB on a
//! shared machine; only the matching is timed.

use std::time::Duration;

use fhir_model::{Instant as FhirInstant, Meta, Primitive, Reference, Task, TaskIntent, TaskStatus};
use search_params::{Outcome, Query, SearchDate};

use super::best_of;

const TASKS: usize = 1_000_000;
const CHUNK: usize = 100_000;
const QUERY: &str = "Task?_lastUpdated=gt2021-05-03T17:23:18.1732-04:00&status:not=draft&owner=Organization/7";

/// A small deterministic generator (64-bit LCG), so every run sees the same Tasks.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn generate(rng: &mut Lcg, n: usize) -> Result<Vec<Task>, String> {
    const STATUSES: [TaskStatus; 6] = [
        TaskStatus::Requested,
        TaskStatus::Accepted,
        TaskStatus::InProgress,
        TaskStatus::Completed,
        TaskStatus::Draft,
        TaskStatus::Requested,
    ];
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let r = rng.next();
        let mut task = Task::new(STATUSES[(r % 6) as usize], TaskIntent::Order);
        if !r.is_multiple_of(10) {
            // Most Tasks are owned, by one of 10 organizations.
            task.owner = Some(Reference::to_type_id("Organization", &((r >> 8) % 10).to_string()));
        }
        let day = 1 + (r >> 16) % 28;
        let month = 1 + (r >> 24) % 12;
        let instant = format!(
            "2021-{month:02}-{day:02}T{:02}:{:02}:18.{:04}Z",
            (r >> 4) % 24,
            (r >> 12) % 60,
            r % 10_000
        );
        let instant: FhirInstant = instant.parse().map_err(|e| format!("{e}"))?;
        task.meta = Some(Meta {
            last_updated: Some(Primitive::new(instant)),
            ..Meta::default()
        });
        tasks.push(task);
    }
    Ok(tasks)
}

/// The same criteria written by hand against the fields.
fn hand_written(task: &Task, after: i64) -> bool {
    let updated = task
        .meta
        .as_ref()
        .and_then(|m| m.last_updated.as_ref())
        .and_then(|p| p.value.as_ref())
        .is_some_and(|i| i.parts().range_micros().1 > after);
    let status = task
        .status
        .value
        .as_ref()
        .is_none_or(|s| s.known() != Some(TaskStatus::Draft));
    let owner = task.owner.as_ref().and_then(Reference::reference_str) == Some("Organization/7");
    updated && status && owner
}

/// Runs the benchmark.
pub fn run() -> Result<(), String> {
    let query = Query::parse(QUERY).map_err(|e| e.to_string())?;
    let compiled = query.compile();
    let after = SearchDate::parse("2021-05-03T17:23:18.1732-04:00")
        .map_err(|e| e.to_string())?
        .range()
        .1;
    println!("match: query {QUERY}");
    println!("match: {TASKS} generated Tasks, in chunks of {CHUNK}");
    let mut rng = Lcg(0x5EED_0004);
    let (mut t_matcher, mut t_hand) = (Duration::ZERO, Duration::ZERO);
    let (mut matched, mut matched_by_hand) = (0usize, 0usize);
    for _ in 0..TASKS / CHUNK {
        let tasks = generate(&mut rng, CHUNK)?;
        let mut matcher = compiled.matcher();
        let mut unsupported = None;
        let mut count = 0;
        t_matcher += best_of(Duration::from_millis(300), || {
            count = 0;
            for t in &tasks {
                match matcher.matches(t) {
                    Outcome::Match => count += 1,
                    Outcome::NoMatch => {}
                    Outcome::Unsupported(why) => unsupported = Some(why),
                }
            }
            count
        });
        if let Some(why) = unsupported {
            return Err(format!("the benchmark query is unsupported: {why}"));
        }
        matched += count;
        let mut by_hand = 0;
        t_hand += best_of(Duration::from_millis(300), || {
            by_hand = tasks.iter().filter(|t| hand_written(t, after)).count();
            by_hand
        });
        matched_by_hand += by_hand;
    }
    // The same comparison on 1,000 Tasks that stay in the cache, to separate the matcher's own
    // cost from memory traffic (a Task is ~9 KB inline, so 1,000,000 of them stream ~9 GB).
    let warm = generate(&mut rng, 1_000)?;
    let mut matcher = compiled.matcher();
    let rounds = 200;
    let warm_matcher = best_of(Duration::from_millis(300), || {
        (0..rounds)
            .map(|_| warm.iter().filter(|t| matcher.matches(*t) == Outcome::Match).count())
            .sum::<usize>()
    });
    let warm_hand = best_of(Duration::from_millis(300), || {
        (0..rounds)
            .map(|_| warm.iter().filter(|t| hand_written(t, after)).count())
            .sum::<usize>()
    });
    let warm_n = (warm.len() * rounds) as f64;
    println!(
        "match: in cache (1000 Tasks x {rounds}): resources_per_s={:.0} hand_written_per_s={:.0}",
        warm_n / warm_matcher.as_secs_f64(),
        warm_n / warm_hand.as_secs_f64()
    );
    println!("match: size_of::<Task>()={} bytes", std::mem::size_of::<Task>());
    if matched != matched_by_hand {
        return Err(format!(
            "the matcher found {matched} Tasks, the hand-written check {matched_by_hand}"
        ));
    }
    let per_s = |d: Duration| TASKS as f64 / d.as_secs_f64();
    println!("match: matched={matched} (the hand-written check agrees)");
    println!("match: hand_written_per_s={:.0}", per_s(t_hand));
    println!(
        "match: ratio_vs_hand_written={:.2}",
        t_hand.as_secs_f64() / t_matcher.as_secs_f64()
    );
    println!("match: resources_per_s={:.0}", per_s(t_matcher));
    Ok(())
}
