//! Bidding: one bid Task per candidate fulfiller for a Request, the candidates' answers
//! (accepted, possibly with a proposal, or rejected with a reason), the award to one, and the
//! others cancelled with a reason.
//!
//! Sources: SEED-001 ("Bidding Tasks which a Placer may create to solicit input from a group of
//! potential fulfillers for whether and how they could fulfill a request"); COW-WSO rows
//! "Request Placed and Multiple Potential Performers Notified" (1..* Tasks `requested`, one per
//! performer), "Fulfiller Accepted" (`accepted`), "Fulfiller Selected" (the chosen Task stays
//! `accepted` with `businessStatus` *selected*; the others `cancelled` with `statusReason` *not
//! selected*); COW sequence diagrams `subscriptions-bid-task-at-placer` (the bidder updates its
//! Task "with business status for proposal and Task.input"; the placer updates Task A and Task B)
//! and `subscriptions-multiple-claim-task-at-placer`.
//!
//! COW-WSO gives the bid Tasks the code "request-fulfillment", which is not a code of
//! `task-code` (task-state-machines digest (e), inconsistency 3); bid Tasks here use
//! `task-code#fulfill`, as COW-WSO's "Fulfiller Selected" row and the COW example do. COW's FSH
//! defines no bidding profile (profiles digest §1), so bid Tasks are built as COW Coordination
//! Tasks, one per candidate, sharing a `groupIdentifier` (R4-SD: it "links together multiple
//! tasks … created in the same context").

use fhir_model::{DateTime, Primitive, Reference, Task, TaskInput, TaskStatus};
use task_fsm::{Actor, Event};

use crate::codes::{self, concept_text};
use crate::coordination_task::CoordinationTask;
use crate::machines::coordination_machine;
use crate::status_change::{change_status, checked_update, status_of, task_label};
use crate::{Error, StatusChange};

/// `businessStatus` of the awarded bid (COW-WSO "Fulfiller Selected": "BusinessStatus: selected").
pub const SELECTED: &str = "selected";
/// `statusReason` of the bids not awarded (COW-WSO: "StatusReason: not selected").
pub const NOT_SELECTED: &str = "not selected";

/// One candidate fulfiller.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The id of its bid Task.
    pub task_id: String,
    /// The business identifier of its bid Task (`system`, `value`).
    pub identifier: (String, String),
    /// The candidate (the bid Task's `owner`).
    pub owner: Reference,
}

impl Candidate {
    /// A candidate whose bid Task has id `task_id` and identifier `system|value`.
    pub fn new(task_id: &str, system: &str, value: &str, owner: Reference) -> Candidate {
        Candidate {
            task_id: task_id.to_owned(),
            identifier: (system.to_owned(), value.to_owned()),
            owner,
        }
    }
}

/// The bid Tasks for `request`, one per candidate, each `requested`, owned by the candidate and
/// sharing `group` as `groupIdentifier`.
///
/// ```
/// use fhir_model::Reference;
/// use coordination::bidding::{invite, Candidate};
///
/// let org = |id: &str| Reference::to_type_id("Organization", id);
/// let bids = invite(
///     &Reference::to_type_id("ServiceRequest", "home-oxygen"),
///     &org("placer"),
///     None,
///     ("https://placer.example.org/bids", "round-7"),
///     &[Candidate::new("bid-a", "https://placer.example.org/bids", "7a", org("a")),
///       Candidate::new("bid-b", "https://placer.example.org/bids", "7b", org("b"))],
///     &"2024-05-01T09:00:00Z".parse().unwrap(),
/// )?;
/// assert_eq!(bids.len(), 2);
/// assert_eq!(bids[1].owner.as_ref().and_then(|o| o.reference_str()), Some("Organization/b"));
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn invite(
    request: &Reference,
    placer: &Reference,
    patient: Option<&Reference>,
    group: (&str, &str),
    candidates: &[Candidate],
    at: &DateTime,
) -> Result<Vec<Task>, Error> {
    if candidates.is_empty() {
        return Err(Error::invalid("candidates", "at least one candidate fulfiller", "none"));
    }
    candidates
        .iter()
        .map(|c| {
            let mut b = CoordinationTask::new(request.clone(), placer.clone(), at.clone())
                .id(&c.task_id)
                .identifier(&c.identifier.0, &c.identifier.1)
                .owner(c.owner.clone())
                .group_identifier(group.0, group.1);
            if let Some(p) = patient {
                b = b.patient(p.clone());
            }
            b.build()
        })
        .collect()
}

/// Candidate: agree to fulfil (`requested`/`received` → `accepted`, by the owner), optionally
/// with a proposal: inputs saying how, and a business status (COW `subscriptions-bid-task-at-placer`:
/// "Update Task with business status for proposal and Task.input").
pub fn accept_bid(
    bid: &mut Task,
    proposal: Vec<TaskInput>,
    business_status: Option<&str>,
    at: &DateTime,
) -> Result<(), Error> {
    let machine = coordination_machine()?;
    let mut work = bid.clone();
    work.input.extend(proposal);
    let mut change = StatusChange::new(Event::Accept);
    if let Some(bs) = business_status {
        change = change.with_business_status(codes::text(bs));
    }
    change_status(&mut work, machine, &Actor::OWNER, at, change)?;
    *bid = checked_update(
        bid,
        work,
        &Actor::OWNER,
        machine,
        &format!("accept bid {}", task_label(bid)),
    )?;
    Ok(())
}

/// Candidate: decline (`requested`/`received` → `rejected`, by the owner) with the reason
/// (COW-CMR "Fulfiller Decline to Perform … may or may not specify a reason"; here it is required
/// so the placer can read it).
pub fn decline_bid(bid: &mut Task, reason: &str, at: &DateTime) -> Result<(), Error> {
    change_status(
        bid,
        coordination_machine()?,
        &Actor::OWNER,
        at,
        Event::reject(reason).into(),
    )?;
    Ok(())
}

/// A candidate's answer as the placer reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Not answered yet (draft, requested, received, ready).
    Pending,
    /// Accepted, with the proposal's business status, if any.
    Accepted {
        /// `businessStatus` text.
        business_status: Option<String>,
    },
    /// Declined, with the reason, if any.
    Rejected {
        /// `statusReason` text.
        reason: Option<String>,
    },
    /// Any other status (cancelled, in-progress, …), or one that is not an R4 code (`None`).
    Other(Option<TaskStatus>),
}

/// One bid as the placer reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bid<'a> {
    /// The bid Task.
    pub task: &'a Task,
    /// The candidate.
    pub owner: Option<&'a Reference>,
    /// The answer.
    pub answer: Answer,
}

/// The answers to a round of bids, in order.
pub fn collect(bids: &[Task]) -> Vec<Bid<'_>> {
    bids.iter()
        .map(|t| {
            let answer = match status_of(t) {
                Some(TaskStatus::Draft | TaskStatus::Requested | TaskStatus::Received | TaskStatus::Ready) => {
                    Answer::Pending
                }
                Some(TaskStatus::Accepted) => Answer::Accepted {
                    business_status: t.business_status.as_ref().and_then(concept_text),
                },
                Some(TaskStatus::Rejected) => Answer::Rejected {
                    reason: t.status_reason.as_ref().and_then(concept_text),
                },
                other => Answer::Other(other),
            };
            Bid {
                task: t,
                owner: t.owner.as_ref(),
                answer,
            }
        })
        .collect()
}

/// What [`award`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    /// The awarded bid Task's id.
    pub winner: String,
    /// The bid Tasks cancelled as not selected.
    pub cancelled: Vec<String>,
    /// The bid Tasks left as they were (already finished: rejected, cancelled, …).
    pub untouched: Vec<String>,
}

/// Placer: award the bid Task `winner_id` (which must be `accepted`): it gets the business status
/// [`SELECTED`]; every other open bid (draft, requested, received, accepted, ready) is cancelled
/// with the reason [`NOT_SELECTED`]; finished bids are left alone. All changes are made by the
/// requester through task-fsm; if any is refused, no Task is changed.
pub fn award(bids: &mut [Task], winner_id: &str, at: &DateTime) -> Result<Award, Error> {
    let machine = coordination_machine()?;
    let id_of = |t: &Task| t.id.as_ref().and_then(|p| p.value.clone()).unwrap_or_default();
    let Some(w) = bids.iter().position(|t| id_of(t) == winner_id) else {
        return Err(Error::invalid(
            "winner",
            format!(
                "the id of one of the bid Tasks ({})",
                bids.iter().map(id_of).collect::<Vec<_>>().join(", ")
            ),
            winner_id,
        ));
    };
    if status_of(&bids[w]) != Some(TaskStatus::Accepted) {
        return Err(Error::invalid(
            format!("Task/{winner_id}.status"),
            "accepted (only a candidate that accepted can be selected)",
            bids[w].status.value.as_ref().map_or("none", |c| c.code()).to_owned(),
        ));
    }
    let mut updated: Vec<Task> = bids.to_vec();
    let mut cancelled = Vec::new();
    let mut untouched = Vec::new();
    for (i, bid) in updated.iter_mut().enumerate() {
        if i == w {
            let mut after = bid.clone();
            after.business_status = Some(codes::text(SELECTED));
            after.last_modified = Some(Primitive::new(at.clone()));
            *bid = checked_update(
                bid,
                after,
                &Actor::REQUESTER,
                machine,
                &format!("select {}", task_label(bid)),
            )?;
            continue;
        }
        let open = matches!(
            status_of(bid),
            Some(
                TaskStatus::Draft
                    | TaskStatus::Requested
                    | TaskStatus::Received
                    | TaskStatus::Accepted
                    | TaskStatus::Ready
            )
        );
        if open {
            change_status(bid, machine, &Actor::REQUESTER, at, Event::cancel(NOT_SELECTED).into())?;
            cancelled.push(id_of(bid));
        } else {
            untouched.push(id_of(bid));
        }
    }
    bids.clone_from_slice(&updated);
    Ok(Award {
        winner: winner_id.to_owned(),
        cancelled,
        untouched,
    })
}
