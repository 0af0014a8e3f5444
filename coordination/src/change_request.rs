//! Cancellation and modification request Tasks: a Task whose `focus` is the Task or Request to
//! change, which the receiving side accepts or rejects; on acceptance the target is cancelled or
//! modified (a Task through task-fsm; a Request by its creator, revoked or replaced).
//!
//! Sources:
//! * COW-FSH `CancellationRequestTask`: `code = task-code#abort`; `focus` 1..1 → a Request
//!   (ServiceRequest, DeviceRequest, MedicationRequest, NutritionOrder, SupplyRequest,
//!   VisionPrescription) or a Coordination Task. Status not constrained (a `status = #requested`
//!   rule is commented out); COW examples: placer-initiated (`intent` order, focus the
//!   Coordination Task), fulfiller-initiated (`intent` proposal, focus the ServiceRequest).
//! * COW-CMR: until the fulfiller begins work the placer may cancel the Coordination Task
//!   directly; afterwards it creates a Cancellation Request Task (`code` abort, `status`
//!   requested, the Coordination Task in `focus`); "the filler may accept or reject that
//!   Cancellation by updating CancellationRequestTask.status to Accepted or Rejected"; the
//!   result shown is the Coordination Task `cancelled` and the Request `revoked`. "A Request
//!   resource SHALL only ever be directly modified by the party which instantiated that
//!   resource." A proposal is accepted by "creating a new Request that matches the proposal,
//!   updating the status of their original Request to Revoked, and indicating in Request.replaces
//!   on the new request that it is a replacement. This Request may include the proposal in
//!   Request.basedOn".
//! * Modification: COW-RET/SEED-001 name "Cancellation and Modification Tasks" but profile only
//!   cancellation. Modification requests here use R4 `task-code#change` ("Update the focal
//!   resource of the owning system to reflect the content specified as the Task.input") with
//!   one input: a reference to the proposed version of the target (type text
//!   [`PROPOSED_VERSION`], a choice of this crate — no source defines a code).

use fhir_model::{
    DateTime, Meta, Primitive, Reference, ReferenceTarget, RequestIntent, RequestStatus, Resource, ServiceRequest,
    Task, TaskInput, TaskInputValue, TaskIntent, TaskStatus,
};
use task_fsm::{Actor, Event, Machine};

use crate::codes::{self, concept, has_coding, ABORT, CANCELLATION_REQUEST_TASK_PROFILE, CHANGE, TASK_CODE_SYSTEM};
use crate::coordination_task::{identifier, COORDINATION_FOCUS_TYPES};
use crate::machines::coordination_machine;
use crate::resolve::points_to;
use crate::status_change::{change_status, checked_create, checked_update, status_of, task_label};
use crate::{Error, StatusChange};

/// The text of the input type of a modification request's proposal (this crate's choice; see the
/// module documentation).
pub const PROPOSED_VERSION: &str = "proposed version of the focal resource";

/// Cancel or modify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// `task-code#abort`.
    Cancel,
    /// `task-code#change`.
    Modify,
}

/// A cancellation or modification request Task, built and checked (status `requested`, checked
/// with task-fsm's `check_create` for [`crate::coordination_machine`]).
///
/// ```
/// use fhir_model::Reference;
/// use coordination::change_request::ChangeRequest;
///
/// let cancel = ChangeRequest::cancel(
///     Reference::to_type_id("Task", "coord-1"),
///     Reference::to_type_id("Organization", "placer"),
///     "2024-05-03T10:00:00Z".parse().unwrap(),
/// )
/// .id("cancel-1")
/// .identifier("https://placer.example.org/cpoe", "e5ffec7e")
/// .reason("Patient transferred to another facility")
/// .build()?;
/// assert_eq!(coordination::change_request::kind(&cancel)?, coordination::change_request::ChangeKind::Cancel);
/// # Ok::<(), coordination::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    kind: ChangeKind,
    task: Task,
}

impl ChangeRequest {
    /// Ask that `target` (a Coordination Task or a Request) be cancelled.
    pub fn cancel(target: Reference, requester: Reference, authored_on: DateTime) -> ChangeRequest {
        let mut r = ChangeRequest::base(ChangeKind::Cancel, target, requester, authored_on);
        r.task.meta = Some(Meta {
            profile: vec![Primitive::from(CANCELLATION_REQUEST_TASK_PROFILE)],
            ..Default::default()
        });
        r
    }

    /// Ask that `target` be changed to `proposed` (a reference to the proposed version: a
    /// contained resource `#id` or one on a server).
    pub fn modify(
        target: Reference,
        proposed: Reference,
        requester: Reference,
        authored_on: DateTime,
    ) -> ChangeRequest {
        let mut r = ChangeRequest::base(ChangeKind::Modify, target, requester, authored_on);
        r.task.input.push(TaskInput::new(
            codes::text(PROPOSED_VERSION),
            TaskInputValue::Reference(Box::new(proposed)),
        ));
        r
    }

    fn base(kind: ChangeKind, target: Reference, requester: Reference, authored_on: DateTime) -> ChangeRequest {
        let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
        let code = match kind {
            ChangeKind::Cancel => ABORT,
            ChangeKind::Modify => CHANGE,
        };
        task.code = Some(concept(TASK_CODE_SYSTEM, code));
        task.focus = Some(target);
        task.requester = Some(requester);
        task.authored_on = Some(Primitive::new(authored_on));
        ChangeRequest { kind, task }
    }

    /// The logical id.
    pub fn id(mut self, id: &str) -> Self {
        self.task.id = Some(Primitive::from(id));
        self
    }

    /// Adds a business identifier.
    pub fn identifier(mut self, system: &str, value: &str) -> Self {
        self.task.identifier.push(identifier(system, value));
        self
    }

    /// Who decides (the fulfiller for a placer's request, the placer for a fulfiller's).
    pub fn owner(mut self, owner: Reference) -> Self {
        self.task.owner = Some(owner);
        self
    }

    /// Why (`reasonCode.text`).
    pub fn reason(mut self, text: &str) -> Self {
        self.task.reason_code = Some(codes::text(text));
        self
    }

    /// Carries a resource inside the request Task (a proposed version referred to as `#id`).
    pub fn contained(mut self, resource: impl Into<Resource>) -> Self {
        self.task.contained.push(resource.into());
        self
    }

    /// A fulfiller's suggestion to the placer (`intent` proposal, COW example
    /// `COWAuthorizationCancellationTask`) rather than a placer's request (`intent` order).
    pub fn proposal(mut self) -> Self {
        self.task.intent = TaskIntent::Proposal.into();
        self
    }

    /// Checks the target type (a Task or a Request type COW allows) and task-fsm's
    /// `check_create`, and returns the Task.
    pub fn build(self) -> Result<Task, Error> {
        let target = self.task.focus.as_ref().and_then(Reference::target_type);
        let ok = target.is_some_and(|t| t == "Task" || COORDINATION_FOCUS_TYPES.contains(&t));
        if !ok {
            return Err(Error::invalid(
                "Task.focus",
                format!(
                    "a reference to a Task or one of {}",
                    COORDINATION_FOCUS_TYPES.join(", ")
                ),
                target.map_or_else(
                    || "a reference without a resource type".to_owned(),
                    |t| format!("a reference to {t}"),
                ),
            ));
        }
        let what = match self.kind {
            ChangeKind::Cancel => "create cancellation request Task",
            ChangeKind::Modify => "create modification request Task",
        };
        checked_create(self.task, coordination_machine()?, what)
    }
}

/// Whether `task` is a cancellation (`abort`) or modification (`change`) request.
pub fn kind(task: &Task) -> Result<ChangeKind, Error> {
    let code = task.code.as_ref();
    if code.is_some_and(|c| has_coding(c, TASK_CODE_SYSTEM, ABORT)) {
        Ok(ChangeKind::Cancel)
    } else if code.is_some_and(|c| has_coding(c, TASK_CODE_SYSTEM, CHANGE)) {
        Ok(ChangeKind::Modify)
    } else {
        Err(Error::invalid(
            format!("{}.code", task_label(task)),
            "task-code#abort or task-code#change",
            code.and_then(codes::concept_text).unwrap_or_else(|| "none".into()),
        ))
    }
}

/// The receiving side agrees (`requested → accepted`, by the owner of the request Task).
pub fn accept(request: &mut Task, at: &DateTime) -> Result<(), Error> {
    change_status(
        request,
        coordination_machine()?,
        &Actor::OWNER,
        at,
        Event::Accept.into(),
    )?;
    Ok(())
}

/// The receiving side refuses (`requested → rejected`) with the reason; the target is unchanged
/// (COW `cancelation-when-in-progress…` diagram: "Execution continues").
pub fn reject(request: &mut Task, reason: &str, at: &DateTime) -> Result<(), Error> {
    change_status(
        request,
        coordination_machine()?,
        &Actor::OWNER,
        at,
        Event::reject(reason).into(),
    )?;
    Ok(())
}

/// The proposed version a modification request refers to (its first Reference input).
pub fn proposed_version(request: &Task) -> Result<&Reference, Error> {
    request
        .input
        .iter()
        .find_map(|i| match &i.value {
            TaskInputValue::Reference(r) => Some(&**r),
            _ => None,
        })
        .ok_or_else(|| {
            Error::invalid(
                format!("{}.input", task_label(request)),
                "a reference to the proposed version",
                "none",
            )
        })
}

fn check_accepted(request: &Task, expected: ChangeKind) -> Result<(), Error> {
    let found = kind(request)?;
    if found != expected {
        return Err(Error::invalid(
            format!("{}.code", task_label(request)),
            format!("{expected:?} request"),
            format!("{found:?} request"),
        ));
    }
    if status_of(request) != Some(TaskStatus::Accepted) {
        return Err(Error::invalid(
            format!("{}.status", task_label(request)),
            "accepted (the change was agreed)",
            request.status.value.as_ref().map_or("none", |c| c.code()).to_owned(),
        ));
    }
    Ok(())
}

fn check_focus(
    request: &Task,
    resource_type: &str,
    id: Option<&str>,
    identifiers: &[fhir_model::Identifier],
) -> Result<(), Error> {
    let focus = request
        .focus
        .as_ref()
        .ok_or_else(|| Error::invalid(format!("{}.focus", task_label(request)), "the target", "none"))?;
    if points_to(focus, resource_type, id, identifiers) {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("{}.focus", task_label(request)),
            format!("a reference to {resource_type}/{}", id.unwrap_or("(no id)")),
            focus.reference_str().unwrap_or("a logical reference").to_owned(),
        ))
    }
}

fn reason_of(request: &Task) -> String {
    request
        .reason_code
        .as_ref()
        .and_then(codes::concept_text)
        .unwrap_or_else(|| format!("cancellation requested by {}", task_label(request)))
}

/// After accepting a cancellation request, cancel its target Task through `machine` as `actor`
/// (the fulfiller, owner of the target): `statusReason` is the request's reason. With
/// [`crate::coordination_machine`] an owner may cancel even after `in-progress` (COW-CMR).
pub fn cancel_target(
    request: &Task,
    target: &mut Task,
    machine: &Machine,
    actor: &Actor,
    at: &DateTime,
) -> Result<(), Error> {
    check_accepted(request, ChangeKind::Cancel)?;
    check_focus(
        request,
        "Task",
        target.id.as_ref().and_then(|p| p.value.as_deref()),
        &target.identifier,
    )?;
    change_status(
        target,
        machine,
        actor,
        at,
        StatusChange::new(Event::cancel(reason_of(request))),
    )?;
    Ok(())
}

/// After accepting a modification request, apply the proposed version to the target Task as
/// `actor`: every element of `proposed` replaces the target's, except `id`, `status` (status
/// changes are events) and `meta`; `lastModified` is set to `at`. task-fsm's `check_update`
/// refuses what the machine forbids (an `intent` change, an element outside the actor's edit
/// scope).
pub fn modify_target(
    request: &Task,
    target: &mut Task,
    proposed: &Task,
    machine: &Machine,
    actor: &Actor,
    at: &DateTime,
) -> Result<(), Error> {
    check_accepted(request, ChangeKind::Modify)?;
    check_focus(
        request,
        "Task",
        target.id.as_ref().and_then(|p| p.value.as_deref()),
        &target.identifier,
    )?;
    check_proposal(request, "Task", proposed.id.as_ref().and_then(|p| p.value.as_deref()))?;
    let mut after = proposed.clone();
    after.id = target.id.clone();
    after.meta = target.meta.clone();
    after.status = target.status.clone();
    after.status_reason = target.status_reason.clone();
    after.last_modified = Some(Primitive::new(at.clone()));
    *target = checked_update(target, after, actor, machine, &format!("modify {}", task_label(target)))?;
    Ok(())
}

fn check_proposal(request: &Task, resource_type: &str, id: Option<&str>) -> Result<(), Error> {
    let r = proposed_version(request)?;
    let ok = match r.target() {
        Some(ReferenceTarget::Contained(c)) => Some(c) == id,
        _ => points_to(r, resource_type, id, &[]),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("{}.input ({PROPOSED_VERSION})", task_label(request)),
            format!(
                "a reference to the given proposal {resource_type}/{}",
                id.unwrap_or("(no id)")
            ),
            r.reference_str().unwrap_or("a logical reference").to_owned(),
        ))
    }
}

/// The placer, after accepting a fulfiller's cancellation request for its own ServiceRequest:
/// `status` → revoked (R4 request-status: "terminated prior to the known full completion";
/// COW-CMR result "Request Resource Status: revoked"). Only draft, active or on-hold Requests can
/// be revoked.
pub fn revoke_service_request(request: &Task, service_request: &mut ServiceRequest) -> Result<(), Error> {
    check_accepted(request, ChangeKind::Cancel)?;
    check_focus(
        request,
        "ServiceRequest",
        service_request.id.as_ref().and_then(|p| p.value.as_deref()),
        &service_request.identifier,
    )?;
    revoke(service_request)
}

/// The placer revokes its own ServiceRequest (COW-CMR: the placer updates `ServiceRequest.status`
/// in addition to cancelling the Coordination Task; "this guide makes no requirements around
/// whether a Placer may cancel the ServiceRequest"). Only draft, active or on-hold Requests can
/// be revoked (R4 request-status).
pub fn revoke(service_request: &mut ServiceRequest) -> Result<(), Error> {
    let status = service_request.status.value.as_ref().and_then(|c| c.known());
    match status {
        Some(RequestStatus::Draft | RequestStatus::Active | RequestStatus::OnHold) => {
            service_request.status = RequestStatus::Revoked.into();
            Ok(())
        }
        _ => Err(Error::invalid(
            "ServiceRequest.status",
            "draft, active or on-hold (a request that can still be revoked)",
            service_request
                .status
                .value
                .as_ref()
                .map_or("none", |c| c.code())
                .to_owned(),
        )),
    }
}

/// The placer, after accepting a modification request for its ServiceRequest: a new Request
/// `new_id` made from the proposal (`status` active, `intent` order — a new instance, since
/// `intent` is immutable), with `replaces` the original and `basedOn` the proposal (as the
/// modification request refers to it); the original is revoked (COW-CMR "Fulfiller Proposal for Particular or Alternative
/// Service").
pub fn replace_service_request(
    request: &Task,
    original: &mut ServiceRequest,
    proposal: &ServiceRequest,
    new_id: &str,
) -> Result<ServiceRequest, Error> {
    check_accepted(request, ChangeKind::Modify)?;
    let original_id = original.id.as_ref().and_then(|p| p.value.clone());
    check_focus(request, "ServiceRequest", original_id.as_deref(), &original.identifier)?;
    check_proposal(
        request,
        "ServiceRequest",
        proposal.id.as_ref().and_then(|p| p.value.as_deref()),
    )?;
    let original_ref = original_id
        .as_deref()
        .map(|id| Reference::to_type_id("ServiceRequest", id))
        .ok_or_else(|| Error::invalid("ServiceRequest.id", "an id to refer to with replaces", "none"))?;
    let mut replacement = proposal.clone();
    replacement.id = Some(Primitive::from(new_id));
    replacement.meta = None;
    replacement.status = RequestStatus::Active.into();
    replacement.intent = RequestIntent::Order.into();
    replacement.replaces = vec![original_ref];
    let proposal_ref = proposed_version(request)?.clone();
    if !replacement.based_on.contains(&proposal_ref) {
        replacement.based_on.push(proposal_ref);
    }
    let mut revoked = original.clone();
    revoke(&mut revoked)?;
    *original = revoked;
    Ok(replacement)
}
