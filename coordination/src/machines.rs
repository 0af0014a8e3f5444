//! The task-fsm machines the patterns use.
//!
//! * [`coordination_machine`] (`cow-coordination`): COW Coordination, bid, cancellation-request
//!   and solicited-communication Tasks. task-fsm has no COW machine (its spec, D17: "can be
//!   expressed with the builder"), so it is built here from the public builder: the rows of
//!   task-fsm's `r4-diagram` machine, plus two COW rows, with `requested` as an initial state.
//! * [`data_request_machine`]: task-fsm's built-in `cdex-data-request`.

use std::sync::OnceLock;

use fhir_model::TaskStatus::{self, *};
use task_fsm::{builtin, Actor, Machine};

use crate::Error;

/// The name of [`coordination_machine`].
pub const COORDINATION_MACHINE: &str = "cow-coordination";

/// COW-CMR "Placer Initiated Cancellations": once work began the placer asks with a Cancellation
/// Request Task and the filler, accepting it, ends the Coordination Task (the page's result shows
/// it `cancelled`); the placer may not cancel directly after `in-progress`.
const FILLER_CANCELS_SOURCE: &str =
    "COW-CMR (after in-progress the placer requests cancellation; the filler accepting it ends the Coordination Task: status cancelled)";

/// The machine for COW-style Tasks: the R4 Task state-machine diagram (task-fsm `r4-diagram`,
/// every row and rule copied with its source) with `draft` **and `requested`** as initial
/// states (COW-WSO: the Task of a placed request is `requested`; R4-diag starts at `draft`),
/// and `in-progress → cancelled`, `on-hold → cancelled` allowed to the **owner** only.
///
/// ```
/// use fhir_model::TaskStatus::*;
/// use task_fsm::Actor;
///
/// let m = coordination::coordination_machine()?;
/// assert!(m.initial().contains(Requested));
/// // COW-CMR: after work began the placer must ask (cancellation request Task) ...
/// assert!(m.allowed(InProgress, Cancelled, &Actor::REQUESTER).is_err());
/// // ... and the filler, accepting, cancels.
/// assert!(m.allowed(InProgress, Cancelled, &Actor::OWNER).is_ok());
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn coordination_machine() -> Result<&'static Machine, Error> {
    static MACHINE: OnceLock<Result<Machine, Error>> = OnceLock::new();
    MACHINE.get_or_init(build_coordination).as_ref().map_err(Clone::clone)
}

fn build_coordination() -> Result<Machine, Error> {
    let fsm = |e| Error::fsm("building the cow-coordination machine", e);
    let base = builtin("r4-diagram").map_err(fsm)?;
    let mut b = Machine::builder(COORDINATION_MACHINE)
        .title(
            "COW Coordination Task: the R4 diagram, created requested, cancelled after in-progress only by the filler",
        )
        .states(base.states().iter())
        .initial([Draft, Requested])
        .terminal(base.terminal().iter())
        .actors(base.actors().iter().cloned());
    for t in base.transitions() {
        b = b.transition(
            t.from,
            t.to,
            t.actors.iter().cloned(),
            format!("{} (r4-diagram)", t.source),
        );
    }
    for from in [InProgress, OnHold] {
        b = b.transition(from, Cancelled, [Actor::OWNER], FILLER_CANCELS_SOURCE);
    }
    for rule in base.immutable_rules() {
        b = b.immutable(rule.element.path(), rule.source.clone());
    }
    for rule in base.entry_rules() {
        let states: Vec<TaskStatus> = rule.states.iter().collect();
        b = match rule.condition {
            task_fsm::EntryCondition::Present => {
                b.require_on_entry(states, rule.path.as_str(), rule.severity, rule.source.clone())
            }
            task_fsm::EntryCondition::Absent => {
                b.forbid_on_entry(states, rule.path.as_str(), rule.severity, rule.source.clone())
            }
        };
    }
    if let Some((severity, source)) = base.terminal_business_status_rule() {
        b = b.freeze_business_status_when_terminal(severity, source);
    }
    b.build().map_err(fsm)
}

/// task-fsm's `cdex-data-request` machine (Da Vinci CDex `cdex-task-data-request`).
pub fn data_request_machine() -> Result<&'static Machine, Error> {
    builtin("cdex-data-request").map_err(|e| Error::fsm("loading the cdex-data-request machine", e))
}
