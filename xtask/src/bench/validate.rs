//! `cargo xtask bench validate`: Tasks validated per second by `conformance`, base checks plus
//! the one profile the generated coordination Tasks declare (COW `coordination-task`), on
//! 4096 Tasks of the generated corpus. Baselines measured in the same run: the base checks
//! alone (the same Tasks without `meta.profile`), and writing each Task as JSON (a walk over
//! every element that checks nothing).

use std::time::Duration;

use conformance::Validator;
use fhir_model::{json, Resource};

use super::best_of;
use crate::gen_corpus;

/// Number of generated Tasks.
const TASKS: usize = 4096;
/// Seed of the generated corpus.
const SEED: u64 = 42;
/// Minimum measuring time per figure.
const MIN_TIME: Duration = Duration::from_secs(2);

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

pub fn run() -> Result<(), String> {
    let tasks = gen_corpus::tasks(TASKS, SEED);
    let profiled: Vec<Resource> = tasks.iter().cloned().map(Resource::from).collect();
    let bare: Vec<Resource> = tasks
        .into_iter()
        .map(|mut t| {
            if let Some(meta) = t.meta.as_mut() {
                meta.profile.clear();
            }
            Resource::from(t)
        })
        .collect();
    let validator = Validator::new();
    // The figures are only meaningful if the profile is really applied: a Task without
    // `identifier` must fail it.
    let mut probe = match &profiled[0] {
        Resource::Task(t) => (**t).clone(),
        _ => return Err("the generated corpus holds no Task".into()),
    };
    probe.identifier.clear();
    if validator.is_valid(&Resource::from(probe)) {
        return Err("the declared coordination-task profile was not applied".into());
    }
    let invalid = profiled.iter().filter(|r| !validator.is_valid(r)).count();
    if invalid > 0 {
        return Err(format!("{invalid} generated Tasks fail validation"));
    }
    let with_profile = best_of(MIN_TIME, || {
        profiled
            .iter()
            .map(|r| validator.validate(r).issue.len())
            .sum::<usize>()
    });
    let base_only = best_of(MIN_TIME, || {
        bare.iter().map(|r| validator.validate(r).issue.len()).sum::<usize>()
    });
    let write = best_of(MIN_TIME, || {
        profiled.iter().map(|r| json::to_string(r).len()).sum::<usize>()
    });
    let rate = per_second(TASKS, with_profile);
    println!(
        "validate: {TASKS} generated Tasks; base+coordination-task/s={rate:.0} base/s={:.0} json_write/s={:.0}; \
         ratio base+profile/json_write={:.2}",
        per_second(TASKS, base_only),
        per_second(TASKS, write),
        rate / per_second(TASKS, write),
    );
    println!("validate: resources_per_s={rate:.0}");
    Ok(())
}
