//! `cargo xtask bench fsm`: `Machine::allowed` and `check_update` calls per second on generated
//! Task pairs over every built-in machine, with whole-Task equality (`before == after`, the
//! least work an update check must do) as the baseline measured in the same run.

use std::time::Duration;

use fhir_model::{
    Annotation, CodeableConcept, Coding, DateTime, Primitive, Reference, Task, TaskInput, TaskInputValue, TaskIntent,
    TaskStatus,
};
use task_fsm::{check_update, Actor, Machine};

use super::best_of;

/// Number of generated Task pairs.
const PAIRS: usize = 4096;
/// Minimum measuring time per figure.
const MIN_TIME: Duration = Duration::from_millis(800);

/// A deterministic generator (64-bit LCG, Knuth's MMIX constants), so every run measures the
/// same pairs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }
}

struct Pair {
    machine: &'static Machine,
    actor: Actor,
    from: TaskStatus,
    to: TaskStatus,
    before: Task,
    after: Task,
}

fn timestamp(minute: u64) -> DateTime {
    let text = format!(
        "2024-05-{:02}T{:02}:{:02}:00Z",
        1 + minute / 1440 % 28,
        minute / 60 % 24,
        minute % 60
    );
    text.parse()
        .unwrap_or_else(|_| unreachable!("generated timestamp {text} is valid"))
}

fn base_task(rng: &mut Lcg, status: TaskStatus, minute: u64) -> Task {
    let mut t = Task::new(status, TaskIntent::Order);
    t.id = Some(Primitive::from(format!("task-{}", rng.next()).as_str()));
    t.code = Some(CodeableConcept {
        coding: vec![Coding {
            system: Some("http://hl7.org/fhir/CodeSystem/task-code".into()),
            code: Some("fulfill".into()),
            ..Default::default()
        }],
        ..Default::default()
    });
    t.for_ = Some(Reference::to_type_id("Patient", &format!("p{}", rng.next() % 1000)));
    t.requester = Some(Reference::to_type_id("Organization", "requester"));
    t.owner = Some(Reference::to_type_id("Organization", "performer"));
    t.authored_on = Some(Primitive::new(timestamp(0)));
    t.last_modified = Some(Primitive::new(timestamp(minute)));
    t.input.push(TaskInput::new(
        CodeableConcept {
            text: Some("instructions".into()),
            ..Default::default()
        },
        TaskInputValue::String(Primitive::from("call the patient")),
    ));
    t
}

fn generate() -> Result<Vec<Pair>, String> {
    let machines = task_fsm::builtin::all().map_err(|e| e.to_string())?;
    let mut rng = Lcg(0x5eed_f5a1);
    let mut pairs = Vec::with_capacity(PAIRS);
    for _ in 0..PAIRS {
        let machine = *rng.pick(&machines);
        let states: Vec<TaskStatus> = machine.states().iter().collect();
        let from = *rng.pick(&states);
        let actor = rng.pick(&Actor::STANDARD).clone();
        // Three in four updates try a transition some actor may make; the rest any state.
        let next: Vec<TaskStatus> = machine.next_states_any(from).iter().collect();
        let to = if !rng.next().is_multiple_of(4) && !next.is_empty() {
            *rng.pick(&next)
        } else {
            *rng.pick(&states)
        };
        let minute = rng.next() % 10_000;
        let before = base_task(&mut rng, from, minute);
        let mut after = before.clone();
        after.status = to.into();
        after.last_modified = Some(Primitive::new(timestamp(minute + 5)));
        match rng.next() % 4 {
            0 => {
                after.status_reason = Some(CodeableConcept {
                    text: Some("reason".into()),
                    ..Default::default()
                })
            }
            1 => after.note.push(Annotation {
                text: "note".into(),
                ..Default::default()
            }),
            2 => {
                after.business_status = Some(CodeableConcept {
                    text: Some("waiting".into()),
                    ..Default::default()
                })
            }
            _ => {}
        }
        pairs.push(Pair {
            machine,
            actor,
            from,
            to,
            before,
            after,
        });
    }
    Ok(pairs)
}

/// Prints the measurements; the last line is `fsm: allowed_per_s=X check_update_per_s=Y`.
pub fn run() -> Result<(), String> {
    let pairs = generate()?;
    let legal = pairs
        .iter()
        .filter(|p| p.machine.allowed(p.from, p.to, &p.actor).is_ok())
        .count();
    let violations: usize = pairs
        .iter()
        .map(|p| check_update(&p.before, &p.after, &p.actor, p.machine).len())
        .sum();
    println!(
        "fsm: {} generated Task pairs over {} machines ({legal} allowed status changes, {violations} violations in all)",
        pairs.len(),
        task_fsm::builtin::NAMES.len()
    );

    let per_s = |d: Duration| pairs.len() as f64 / d.as_secs_f64();
    let eq = best_of(MIN_TIME, || pairs.iter().filter(|p| p.before == p.after).count());
    let allowed = best_of(MIN_TIME, || {
        pairs
            .iter()
            .filter(|p| p.machine.allowed(p.from, p.to, &p.actor).is_ok())
            .count()
    });
    let check = best_of(MIN_TIME, || {
        pairs
            .iter()
            .map(|p| check_update(&p.before, &p.after, &p.actor, p.machine).len())
            .sum::<usize>()
    });
    let (eq_s, allowed_s, check_s) = (per_s(eq), per_s(allowed), per_s(check));
    println!("fsm: baseline task_eq_per_s={eq_s:.0}");
    println!(
        "fsm: ratios vs baseline: allowed={:.2} check_update={:.2}",
        allowed_s / eq_s,
        check_s / eq_s
    );
    println!("fsm: allowed_per_s={allowed_s:.0} check_update_per_s={check_s:.0}");
    Ok(())
}
