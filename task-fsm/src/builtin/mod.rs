//! The built-in machines, defined as tables through the public [`MachineBuilder`], one table
//! row per source row of `docs/spec/task-state-machines.md`.
//!
//! | name | machine |
//! | --- | --- |
//! | `r4-diagram` | base FHIR R4 Task, the edges drawn in the Task state-machine diagram |
//! | `r4-text` | base FHIR R4 Task, the diagram plus the permissive statements of the Task page text |
//! | `sdoh-referral` | SDOH Clinical Care `SDOHCC-TaskForReferralManagement` (STU 3) |
//! | `sdoh-patient` | SDOH Clinical Care `SDOHCC-TaskForPatient` (STU 3) |
//! | `cdex-data-request` | Da Vinci CDex `cdex-task-data-request` |

use fhir_model::TaskStatus;
use std::sync::OnceLock;

use crate::{Actor, Error, Machine, MachineBuilder, Row, Severity};

mod cdex;
mod r4;
mod sdoh;

/// The names of the built-in machines.
pub const NAMES: [&str; 5] = [
    "r4-diagram",
    "r4-text",
    "sdoh-referral",
    "sdoh-patient",
    "cdex-data-request",
];

const ANY: &[Actor] = &[Actor::ANY];
const REQUESTER: &[Actor] = &[Actor::REQUESTER];
const OWNER: &[Actor] = &[Actor::OWNER];
const PATIENT_APP: &[Actor] = &[Actor::PATIENT_APP];
const REQUESTER_OR_OWNER: &[Actor] = &[Actor::REQUESTER, Actor::OWNER];
const REQUESTER_OR_PATIENT_APP: &[Actor] = &[Actor::REQUESTER, Actor::PATIENT_APP];

const fn row(from: TaskStatus, to: TaskStatus, actors: &'static [Actor], source: &'static str) -> Row {
    Row {
        from,
        to,
        actors,
        source,
    }
}

/// Rules every built-in machine shares.
fn common(builder: MachineBuilder) -> MachineBuilder {
    builder
        .actors(Actor::STANDARD)
        .immutable("Task.id", "R4-SD Task.id (\"Once assigned, this value never changes\")")
        .immutable("Task.intent", "R4-SD Task.intent (\"This element is immutable\")")
        .freeze_business_status_when_terminal(
            Severity::Warning,
            "interpretation: a terminal state has no further activity (spec §Check rules)",
        )
}

/// A function defining one machine.
type Definition = fn() -> Result<Machine, Error>;

fn definitions() -> [(&'static str, Definition); 5] {
    [
        ("r4-diagram", r4::diagram),
        ("r4-text", r4::text),
        ("sdoh-referral", sdoh::referral),
        ("sdoh-patient", sdoh::patient),
        ("cdex-data-request", cdex::data_request),
    ]
}

fn registry() -> &'static [(&'static str, Result<Machine, Error>)] {
    static REGISTRY: OnceLock<Vec<(&'static str, Result<Machine, Error>)>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        definitions()
            .into_iter()
            .map(|(name, define)| (name, define()))
            .collect()
    })
}

/// The built-in machine called `name` (see [`NAMES`]).
///
/// ```
/// let m = task_fsm::builtin("sdoh-referral")?;
/// assert_eq!(m.name(), "sdoh-referral");
/// assert!(task_fsm::builtin("sdoh").is_err());
/// # Ok::<(), task_fsm::Error>(())
/// ```
pub fn builtin(name: &str) -> Result<&'static Machine, Error> {
    match registry().iter().find(|(n, _)| *n == name) {
        Some((_, Ok(m))) => Ok(m),
        Some((_, Err(e))) => Err(e.clone()),
        None => Err(Error::UnknownMachine {
            name: name.to_owned(),
            known: NAMES.join(", "),
        }),
    }
}

/// All built-in machines, in the order of [`NAMES`].
pub fn all() -> Result<Vec<&'static Machine>, Error> {
    NAMES.iter().map(|n| builtin(n)).collect()
}
