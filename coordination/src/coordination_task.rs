//! Building coordination Tasks and their sub-tasks.
//!
//! COW-RET/SEED-001: Tasks are "an instruction to fulfill one or more workflow steps related to"
//! a Request; the Coordination Task is shared by placer and fulfiller to track execution; the
//! COW profile (COW-FSH `CoordinationTask`) requires `identifier` 1..*, `code` 1..1 and `focus`
//! 1..1 referring to a ServiceRequest, DeviceRequest, MedicationRequest, NutritionOrder,
//! SupplyRequest or VisionPrescription. Sub-tasks "SHOULD refer back to the Coordination Task via
//! `Task.partOf`" and may be created "either by the Placer or the Fulfiller" (COW-RET).

use fhir_model::{
    CodeableConcept, DateTime, Identifier, Meta, Primitive, Reference, RequestPriority, Task, TaskInput,
    TaskInputValue, TaskIntent, TaskStatus,
};
use task_fsm::{Actor, Machine};

use crate::codes::{concept, COORDINATION_TASK_PROFILE, FULFILL, TASK_CODE_SYSTEM};
use crate::focus;
use crate::machines::coordination_machine;
use crate::status_change::{checked_create, checked_update, task_label};
use crate::Error;

/// The Request types a COW Coordination Task may focus on (COW-FSH `CoordinationTask`,
/// `focus only Reference(ServiceRequest or DeviceRequest or MedicationRequest or NutritionOrder
/// or SupplyRequest or VisionPrescription)`).
pub const COORDINATION_FOCUS_TYPES: [&str; 6] = [
    "ServiceRequest",
    "DeviceRequest",
    "MedicationRequest",
    "NutritionOrder",
    "SupplyRequest",
    "VisionPrescription",
];

/// A COW Coordination Task for one Request (or several grouped ones), built and checked.
///
/// Defaults: `status` requested (COW-WSO "Request Placed"), `intent` order, `code`
/// `task-code#fulfill` (COW example `COWCoordinationTask`), `meta.profile` the COW
/// coordination-task profile.
///
/// ```
/// use fhir_model::{Identifier, Reference};
/// use coordination::CoordinationTask;
///
/// let task = CoordinationTask::new(
///     Reference::to_type_id("ServiceRequest", "lab-1"),
///     Reference::to_type_id("PractitionerRole", "placer"),
///     "2024-05-01T09:00:00Z".parse().unwrap(),
/// )
/// .id("coord-1")
/// .identifier("https://placer.example.org/cpoe", "f085e001")
/// .patient(Reference::to_type_id("Patient", "p1"))
/// .owner(Reference::to_type_id("Organization", "lab"))
/// .build()?;
/// assert_eq!(task.focus.unwrap().reference_str(), Some("ServiceRequest/lab-1"));
/// # Ok::<(), coordination::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CoordinationTask {
    task: Task,
    focuses: Vec<Reference>,
}

impl CoordinationTask {
    /// A Coordination Task asking to fulfil the Request `focus`, authored by `requester` at
    /// `authored_on`.
    pub fn new(focus: Reference, requester: Reference, authored_on: DateTime) -> CoordinationTask {
        let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
        task.meta = Some(Meta {
            profile: vec![Primitive::from(COORDINATION_TASK_PROFILE)],
            ..Default::default()
        });
        task.code = Some(concept(TASK_CODE_SYSTEM, FULFILL));
        task.requester = Some(requester);
        task.authored_on = Some(Primitive::new(authored_on));
        CoordinationTask {
            task,
            focuses: vec![focus],
        }
    }

    /// The logical id.
    pub fn id(mut self, id: &str) -> Self {
        self.task.id = Some(Primitive::from(id));
        self
    }

    /// Adds a business identifier (COW-FSH: `identifier` 1..*, the placer SHALL populate it).
    pub fn identifier(mut self, system: &str, value: &str) -> Self {
        self.task.identifier.push(identifier(system, value));
        self
    }

    /// Adds a further Request this Task coordinates (grouped, not orchestrated: COW-RET
    /// "Coordinating related requests"); stored with the multi-focus extension.
    pub fn also_focus(mut self, request: Reference) -> Self {
        self.focuses.push(request);
        self
    }

    /// Adds a higher-level authorization (R4-SD `Task.basedOn`: "distinct from the request
    /// resource the task is seeking to fulfill").
    pub fn based_on(mut self, authorization: Reference) -> Self {
        self.task.based_on.push(authorization);
        self
    }

    /// The beneficiary (`Task.for`).
    pub fn patient(mut self, patient: Reference) -> Self {
        self.task.for_ = Some(patient);
        self
    }

    /// Who has the baton (`Task.owner`; COW-RET: "the actor that the Placer considers
    /// responsible"). A Task "may be created with an owner not yet identified" (R4-SD).
    pub fn owner(mut self, owner: Reference) -> Self {
        self.task.owner = Some(owner);
        self
    }

    /// The initial status: `requested` (default) or `draft` (the initial states of
    /// [`crate::coordination_machine`]).
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.task.status = status.into();
        self
    }

    /// Replaces the default code `task-code#fulfill`.
    pub fn code(mut self, code: CodeableConcept) -> Self {
        self.task.code = Some(code);
        self
    }

    /// `Task.priority`.
    pub fn priority(mut self, priority: RequestPriority) -> Self {
        self.task.priority = Some(priority.into());
        self
    }

    /// `Task.groupIdentifier` (R4-SD: "links together multiple tasks and other requests that were
    /// created in the same context").
    pub fn group_identifier(mut self, system: &str, value: &str) -> Self {
        self.task.group_identifier = Some(identifier(system, value));
        self
    }

    /// Adds an input: supporting information on *how* to fulfil (COW-RET "Supplying Supporting
    /// Information": what relates to how the request is fulfilled goes in `Task.input`).
    pub fn input(mut self, type_: CodeableConcept, value: TaskInputValue) -> Self {
        self.task.input.push(TaskInput::new(type_, value));
        self
    }

    /// Checks the COW profile's required elements and task-fsm's `check_create` for
    /// [`crate::coordination_machine`], and returns the Task.
    pub fn build(self) -> Result<Task, Error> {
        let CoordinationTask { mut task, focuses } = self;
        if task.identifier.is_empty() {
            return Err(Error::invalid(
                "Task.identifier",
                "at least one business identifier (COW coordination-task: identifier 1..*)",
                "none",
            ));
        }
        for (i, f) in focuses.iter().enumerate() {
            check_request_type(f, &format!("focus #{}", i + 1))?;
        }
        focus::set_focuses(&mut task, focuses);
        checked_create(task, coordination_machine()?, "create Coordination Task")
    }
}

fn check_request_type(reference: &Reference, what: &str) -> Result<(), Error> {
    match reference.target_type() {
        Some(t) if COORDINATION_FOCUS_TYPES.contains(&t) => Ok(()),
        found => Err(Error::invalid(
            format!("Task.focus ({what})"),
            format!("a reference to one of {}", COORDINATION_FOCUS_TYPES.join(", ")),
            found.map_or_else(
                || "a reference without a resource type".to_owned(),
                |t| format!("a reference to {t}"),
            ),
        )),
    }
}

pub(crate) fn identifier(system: &str, value: &str) -> Identifier {
    Identifier {
        system: Some(Primitive::from(system)),
        value: Some(Primitive::from(value)),
        ..Default::default()
    }
}

/// A sub-task of a coordination Task: `partOf` the parent (COW-RET: sub-tasks "SHOULD refer back
/// to the Coordination Task via `Task.partOf`"), `for` copied from the parent, `basedOn` the
/// parent's focus(es) — the Request that authorizes the step (R4-SD `Task.basedOn`: "based on a
/// ServiceRequest (= BasedOn), a task is created to fulfill a procedureRequest (= FocusOn)").
/// Either party may create one; `requester` says which.
///
/// ```
/// use fhir_model::Reference;
/// use coordination::{codes, CoordinationTask, SubTask};
///
/// let at: fhir_model::DateTime = "2024-05-01T09:00:00Z".parse().unwrap();
/// let parent = CoordinationTask::new(Reference::to_type_id("ServiceRequest", "sr"), Reference::to_type_id("Organization", "placer"), at.clone())
///     .id("coord").identifier("urn:ietf:rfc:3986", "urn:uuid:1").build()?;
/// let draw = SubTask::of(&parent, codes::text("Collect specimen"), Reference::to_type_id("Organization", "lab"), at)?
///     .id("draw")
///     .owner(Reference::to_type_id("Practitioner", "phlebotomist"))
///     .build()?;
/// assert_eq!(draw.part_of[0].reference_str(), Some("Task/coord"));
/// # Ok::<(), coordination::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SubTask {
    task: Task,
}

impl SubTask {
    /// A sub-task of `parent` (which needs an id), doing `code`, asked by `requester`.
    pub fn of(
        parent: &Task,
        code: CodeableConcept,
        requester: Reference,
        authored_on: DateTime,
    ) -> Result<SubTask, Error> {
        let parent_id = parent
            .id
            .as_ref()
            .and_then(|p| p.value.as_deref())
            .ok_or_else(|| Error::invalid("parent Task.id", "an id to refer to with partOf", "none"))?;
        let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
        task.part_of.push(Reference::to_type_id("Task", parent_id));
        task.based_on = focus::focuses(parent)?.into_iter().cloned().collect();
        task.for_ = parent.for_.clone();
        task.code = Some(code);
        task.requester = Some(requester);
        task.authored_on = Some(Primitive::new(authored_on));
        Ok(SubTask { task })
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

    /// Who performs the step.
    pub fn owner(mut self, owner: Reference) -> Self {
        self.task.owner = Some(owner);
        self
    }

    /// What the step acts on (a Specimen, a Questionnaire, another Request …).
    pub fn focus(mut self, focus: Reference) -> Self {
        self.task.focus = Some(focus);
        self
    }

    /// A human-readable explanation (`Task.description`).
    pub fn description(mut self, text: &str) -> Self {
        self.task.description = Some(Primitive::from(text));
        self
    }

    /// The initial status (default `requested`).
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.task.status = status.into();
        self
    }

    /// Adds an input.
    pub fn input(mut self, type_: CodeableConcept, value: TaskInputValue) -> Self {
        self.task.input.push(TaskInput::new(type_, value));
        self
    }

    /// Checks task-fsm's `check_create` for [`crate::coordination_machine`].
    pub fn build(self) -> Result<Task, Error> {
        checked_create(self.task, coordination_machine()?, "create sub-task")
    }

    /// Checks task-fsm's `check_create` for `machine` (an SDOH referral sub-task, say).
    pub fn build_for(self, machine: &Machine) -> Result<Task, Error> {
        checked_create(self.task, machine, "create sub-task")
    }
}

/// Adds an input to an existing Task as `actor`, checked with task-fsm's `check_update` (an SDOH
/// patient application, for one, may not change `input`: SDOH-P-intro).
pub fn add_input(
    task: &mut Task,
    machine: &Machine,
    actor: &Actor,
    at: &DateTime,
    type_: CodeableConcept,
    value: TaskInputValue,
) -> Result<(), Error> {
    let mut after = task.clone();
    after.input.push(TaskInput::new(type_, value));
    after.last_modified = Some(Primitive::new(at.clone()));
    *task = checked_update(
        task,
        after,
        actor,
        machine,
        &format!("add input to {}", task_label(task)),
    )?;
    Ok(())
}
