//! Task-based data request (Da Vinci CDex `cdex-task-data-request`; seed 000): the payer (Data
//! Consumer) POSTs a Task asking a provider (Data Source) for data, polls it, and fetches the
//! outputs; the provider accepts, works (possibly on hold for human review), and completes with
//! outputs — a contained searchset Bundle or external references — or rejects or fails with a
//! reason.
//!
//! Sources: CDEX-SD (profile), CDEX-TBA (Task Based Approach page, CONF-057…062), HREX-TDR,
//! seed 000 (the three steps). Status changes go through task-fsm's `cdex-data-request` machine
//! (its entry rules enforce tdr-2 and tdr-3).

use fhir_model::{
    Bundle, BundleType, CodeableConcept, DateTime, Meta, Period, Primitive, Reference, ReferenceTarget, Resource, Task,
    TaskInput, TaskInputValue, TaskIntent, TaskOutput, TaskOutputValue, TaskRestriction, TaskStatus, R4_RESOURCE_TYPES,
};
use search_params::{ErrorKind, Query, Test};
use task_fsm::{Actor, Applied, Event};

use crate::codes::{self, concept, has_coding, CDEX_TASK_DATA_REQUEST_PROFILE, CDEX_TEMP, HREX_TEMP, SDC_TEMP};
use crate::coordination_task::identifier;
use crate::machines::data_request_machine;
use crate::status_change::{change_status, checked_create, status_of, task_label};
use crate::transport::{self, FhirRequest};
use crate::{Error, PollSchedule, StatusChange};

/// The CDex work-queue tags (`valueset-cdex-work-queue.json`, bound required to
/// `Task.meta.tag:work-queue` by CDEX-SD).
pub const WORK_QUEUES: [&str; 12] = [
    "claims-processing",
    "preauth-processing",
    "risk-adjustment",
    "quality-metrics",
    "referral",
    "social-care",
    "authorization-other",
    "care-coordination",
    "documentation-general",
    "orders",
    "patient-status",
    "signature",
];

/// What is asked for (CDEX-SD: exactly one input of type data-query, data-code or questionnaire,
/// cdex-9; the Task code matches it, cdex-7/-8/-12).
#[derive(Debug, Clone, PartialEq)]
pub enum Requested {
    /// A FHIR RESTful search, as "the query URL following the 'base'", e.g.
    /// `Condition?patient=123&clinical-status=active` (HRex code `data-query`; task code
    /// `data-request-query`).
    Query(String),
    /// A code (or text) for the data or document (HRex `data-code`; task code
    /// `data-request-code`; extensible binding to US Core DocumentReference type).
    Code(CodeableConcept),
    /// A Questionnaire to complete, by canonical URL (SDC `questionnaire`; task code
    /// `data-request-questionnaire`).
    Questionnaire(String),
}

impl Requested {
    fn task_code(&self) -> &'static str {
        match self {
            Requested::Query(_) => "data-request-query",
            Requested::Code(_) => "data-request-code",
            Requested::Questionnaire(_) => "data-request-questionnaire",
        }
    }

    fn input(&self) -> TaskInput {
        match self {
            Requested::Query(q) => TaskInput::new(
                concept(HREX_TEMP, "data-query"),
                TaskInputValue::String(Primitive::from(q.as_str())),
            ),
            Requested::Code(c) => TaskInput::new(
                concept(HREX_TEMP, "data-code"),
                TaskInputValue::CodeableConcept(Box::new(c.clone())),
            ),
            Requested::Questionnaire(url) => TaskInput::new(
                concept(SDC_TEMP, "questionnaire"),
                TaskInputValue::Canonical(Primitive::from(url.as_str())),
            ),
        }
    }
}

/// The payer's data request Task, built and checked.
///
/// ```
/// use fhir_model::Reference;
/// use coordination::data_request::{DataRequest, Requested};
///
/// let (task, post) = DataRequest::new(
///     Requested::Query("Condition?patient=cdex-example-patient&clinical-status=active".into()),
///     Reference::to_identifier("http://example.org/cdex/payer/member-ids", "Member123"),
///     Reference::to_identifier("http://example.org/cdex/payer/payer-ids", "Payer123"),
///     Reference::to_identifier("http://hl7.org/fhir/sid/us-npi", "9941339108"),
///     "2024-05-01T09:00:00Z".parse().unwrap(),
/// )
/// .work_queue("claims-processing")
/// .reason_reference(Reference::to_identifier("http://example.org/cdex/payer/claim-ids", "Claim123"))
/// .post("https://provider.example.org/fhir")?;
/// assert_eq!(post.method, http::Method::POST);
/// assert_eq!(post.uri, "https://provider.example.org/fhir/Task");
/// assert_eq!(task.status, fhir_model::TaskStatus::Requested);
/// # Ok::<(), coordination::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DataRequest {
    task: Task,
    requested: Requested,
    work_queue: Option<String>,
}

impl DataRequest {
    /// A request for `requested` about `patient` (`Task.for`, 1..1), from `requester` (1..1) to
    /// `owner` (1..1), authored at `authored_on` (1..1) — CDEX-SD.
    pub fn new(
        requested: Requested,
        patient: Reference,
        requester: Reference,
        owner: Reference,
        authored_on: DateTime,
    ) -> DataRequest {
        let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
        task.meta = Some(Meta {
            profile: vec![Primitive::from(CDEX_TASK_DATA_REQUEST_PROFILE)],
            ..Default::default()
        });
        task.code = Some(concept(CDEX_TEMP, requested.task_code()));
        task.for_ = Some(patient);
        task.requester = Some(requester);
        task.owner = Some(owner);
        task.authored_on = Some(Primitive::new(authored_on));
        DataRequest {
            task,
            requested,
            work_queue: None,
        }
    }

    /// The logical id (usually left to the server that receives the POST).
    pub fn id(mut self, id: &str) -> Self {
        self.task.id = Some(Primitive::from(id));
        self
    }

    /// Adds a business identifier.
    pub fn identifier(mut self, system: &str, value: &str) -> Self {
        self.task.identifier.push(identifier(system, value));
        self
    }

    /// The work-queue hint in `meta.tag` (CDEX-TBA "Work Queues"; one of [`WORK_QUEUES`]).
    pub fn work_queue(mut self, code: &str) -> Self {
        self.work_queue = Some(code.to_owned());
        self
    }

    /// Why, as a code or text (`reasonCode`; CDEX-SD requires `.text`). CONF-058: when known,
    /// `reasonCode` or `reasonReference` SHALL reference what led to the request.
    pub fn reason_code(mut self, reason: CodeableConcept) -> Self {
        self.task.reason_code = Some(reason);
        self
    }

    /// Why, as a reference (`reasonReference` → Claim or Coverage, often by identifier).
    pub fn reason_reference(mut self, reason: Reference) -> Self {
        self.task.reason_reference = Some(reason);
        self
    }

    /// The authorizing order (`basedOn`: "ServiceRequest, CommunicationRequest, etc." — HREX-TDR).
    pub fn based_on(mut self, authorization: Reference) -> Self {
        self.task.based_on.push(authorization);
        self
    }

    /// The purpose of use (input `cdex-temp#purpose-of-use`, extensible binding to cdex-POU).
    pub fn purpose_of_use(mut self, purpose: CodeableConcept) -> Self {
        self.task.input.push(TaskInput::new(
            concept(CDEX_TEMP, "purpose-of-use"),
            TaskInputValue::CodeableConcept(Box::new(purpose)),
        ));
        self
    }

    /// Whether the returned data must be signed (input `cdex-temp#signature-flag`).
    pub fn signature_required(mut self, required: bool) -> Self {
        self.task.input.push(TaskInput::new(
            concept(CDEX_TEMP, "signature-flag"),
            TaskInputValue::Boolean(Primitive::new(required)),
        ));
        self
    }

    /// When the data is due: `restriction.period.end` (R4-SD `Task.restriction.period`: "period.high
    /// is the due date representing the time by which the task should be completed"; CONF-057
    /// says the Task tells "when it is due").
    pub fn due(mut self, by: DateTime) -> Self {
        self.task.restriction = Some(TaskRestriction {
            period: Some(Period {
                end: Some(Primitive::new(by)),
                ..Default::default()
            }),
            ..Default::default()
        });
        self
    }

    /// Checks and returns the Task: the query (when it is a query) must be a search-params
    /// search on a type it models, or start with another R4 resource type (then it is not
    /// checked further); the work queue must be a CDex code; `reasonCode` needs text; then
    /// task-fsm's `check_create` for `cdex-data-request`.
    pub fn build(self) -> Result<Task, Error> {
        let DataRequest {
            mut task,
            requested,
            work_queue,
        } = self;
        match &requested {
            Requested::Query(q) => check_query(q)?,
            Requested::Code(c) if c.coding.is_empty() && c.text.is_none() => {
                return Err(Error::invalid(
                    "Task.input:code.valueCodeableConcept",
                    "a coding or text",
                    "neither",
                ))
            }
            Requested::Questionnaire(url) if url.is_empty() => {
                return Err(Error::invalid(
                    "Task.input:questionnaire.valueCanonical",
                    "a canonical URL",
                    "\"\"",
                ))
            }
            _ => {}
        }
        if let Some(code) = work_queue {
            if !WORK_QUEUES.contains(&code.as_str()) {
                return Err(Error::invalid(
                    "Task.meta.tag:work-queue",
                    format!("a code of cdex-work-queue ({})", WORK_QUEUES.join(", ")),
                    code,
                ));
            }
            let meta = task.meta.get_or_insert_with(Default::default);
            meta.tag.push(concept(CDEX_TEMP, &code).coding.remove(0));
        }
        if let Some(reason) = &task.reason_code {
            if reason.text.as_ref().and_then(|t| t.value.as_deref()).is_none() {
                return Err(Error::invalid(
                    "Task.reasonCode.text",
                    "text (CDEX-SD reasonCode.text 1..1)",
                    "none",
                ));
            }
        }
        task.input.insert(0, requested.input());
        checked_create(task, data_request_machine()?, "create data request Task")
    }

    /// [`DataRequest::build`] and the `POST [base]/Task` to send it (seed 000 step 1).
    pub fn post(self, base: &str) -> Result<(Task, FhirRequest), Error> {
        let task = self.build()?;
        let request = transport::create(base, &task)?;
        Ok((task, request))
    }
}

fn check_query(query: &str) -> Result<(), Error> {
    match Query::parse(query) {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.kind, ErrorKind::UnknownResourceType(_)) => {
            let type_ = query.split(['?', '/']).next().unwrap_or_default();
            if R4_RESOURCE_TYPES.contains(&type_) {
                Ok(())
            } else {
                Err(Error::Search {
                    context: "Task.input:query (expected `[type]?[parameters]` after the base)".into(),
                    source: e,
                })
            }
        }
        Err(e) => Err(Error::Search {
            context: "Task.input:query (expected `[type]?[parameters]` after the base)".into(),
            source: e,
        }),
    }
}

/// What a received data request Task asks (provider side).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestView {
    /// What is requested.
    pub requested: Requested,
    /// `Task.for`.
    pub patient: Reference,
    /// The signature flag, when given.
    pub signature_required: Option<bool>,
    /// The purpose of use, when given.
    pub purpose_of_use: Option<CodeableConcept>,
    /// The due date (`restriction.period.end`), when given.
    pub due: Option<DateTime>,
}

impl RequestView {
    /// The requested search, parsed by search-params (only for [`Requested::Query`] on a type
    /// search-params models).
    pub fn search(&self) -> Result<Query, Error> {
        match &self.requested {
            Requested::Query(q) => Query::parse(q).map_err(|source| Error::Search {
                context: "Task.input:query".into(),
                source,
            }),
            other => Err(Error::invalid("Task.input", "a data-query input", format!("{other:?}"))),
        }
    }
}

/// Reads what `task` asks for: exactly one data-query, data-code or questionnaire input (cdex-9),
/// and the patient.
pub fn read_request(task: &Task) -> Result<RequestView, Error> {
    let mut found = Vec::new();
    let mut signature_required = None;
    let mut purpose_of_use = None;
    for (i, input) in task.input.iter().enumerate() {
        let path = |slice: &str| format!("Task.input[{i}] ({slice})");
        let t = &input.type_;
        if has_coding(t, HREX_TEMP, "data-query") {
            match &input.value {
                TaskInputValue::String(s) => found.push(Requested::Query(s.value.clone().unwrap_or_default())),
                _ => return Err(Error::invalid(path("query"), "valueString", "another type")),
            }
        } else if has_coding(t, HREX_TEMP, "data-code") {
            match &input.value {
                TaskInputValue::CodeableConcept(c) => found.push(Requested::Code((**c).clone())),
                _ => return Err(Error::invalid(path("code"), "valueCodeableConcept", "another type")),
            }
        } else if has_coding(t, SDC_TEMP, "questionnaire") {
            match &input.value {
                TaskInputValue::Canonical(c) => {
                    found.push(Requested::Questionnaire(c.value.clone().unwrap_or_default()))
                }
                _ => return Err(Error::invalid(path("questionnaire"), "valueCanonical", "another type")),
            }
        } else if has_coding(t, CDEX_TEMP, "signature-flag") {
            match &input.value {
                TaskInputValue::Boolean(b) => signature_required = b.value,
                _ => return Err(Error::invalid(path("signature"), "valueBoolean", "another type")),
            }
        } else if has_coding(t, CDEX_TEMP, "purpose-of-use") {
            if let TaskInputValue::CodeableConcept(c) = &input.value {
                purpose_of_use = Some((**c).clone());
            }
        }
    }
    let count = found.len();
    let requested = match found.pop() {
        Some(r) if count == 1 => r,
        _ => {
            return Err(Error::invalid(
                "Task.input",
                "exactly one data-query, data-code or questionnaire input (cdex-9)",
                format!("{count}"),
            ))
        }
    };
    let patient = task
        .for_
        .clone()
        .ok_or_else(|| Error::invalid("Task.for", "the patient (1..1)", "none"))?;
    let due = task
        .restriction
        .as_ref()
        .and_then(|r| r.period.as_ref())
        .and_then(|p| p.end.as_ref())
        .and_then(|e| e.value.clone());
    Ok(RequestView {
        requested,
        patient,
        signature_required,
        purpose_of_use,
        due,
    })
}

fn owner_change(task: &mut Task, at: &DateTime, change: StatusChange) -> Result<Applied, Error> {
    change_status(task, data_request_machine()?, &Actor::OWNER, at, change)
}

fn with_business_status(event: Event, business_status: Option<&str>) -> StatusChange {
    let change = StatusChange::new(event);
    match business_status {
        Some(text) => change.with_business_status(codes::text(text)),
        None => change,
    }
}

/// Provider: accept the request (`requested → accepted`, CDEX-SM).
pub fn accept(task: &mut Task, at: &DateTime) -> Result<Applied, Error> {
    owner_change(task, at, StatusChange::new(Event::Accept))
}

/// Provider: begin work (`accepted → in-progress`), with an optional business status such as
/// "waiting on internal review" (CDEX-SD `businessStatus` short; CONF-061).
pub fn start(task: &mut Task, business_status: Option<&str>, at: &DateTime) -> Result<Applied, Error> {
    owner_change(task, at, with_business_status(Event::Start, business_status))
}

/// Provider: pause for human review (`in-progress → on-hold`) with the reason and an optional
/// business status (seed 000: "human involvement needed to approve the release of the data").
pub fn hold_for_review(
    task: &mut Task,
    reason: &str,
    business_status: Option<&str>,
    at: &DateTime,
) -> Result<Applied, Error> {
    let event = Event::Hold {
        reason: Some(reason.to_owned()),
    };
    owner_change(task, at, with_business_status(event, business_status))
}

/// Provider: continue after review (`on-hold → in-progress`).
pub fn resume(task: &mut Task, business_status: Option<&str>, at: &DateTime) -> Result<Applied, Error> {
    owner_change(task, at, with_business_status(Event::Resume, business_status))
}

/// Provider: refuse (`requested → rejected`); the reason goes to `statusReason.text` (tdr-2;
/// CDEX-TBA Benefits: "say 'yes' or 'no', including providing a reason for refusal").
pub fn reject(task: &mut Task, reason: &str, at: &DateTime) -> Result<Applied, Error> {
    owner_change(task, at, StatusChange::new(Event::reject(reason)))
}

/// Provider: give up (`in-progress → failed`) with the reason, e.g. "No matching results"
/// (CDEX-TBA "When The Task Cannot Be Completed"; no output).
pub fn fail(task: &mut Task, reason: &str, at: &DateTime) -> Result<Applied, Error> {
    owner_change(task, at, StatusChange::new(Event::fail(reason)))
}

/// The output type of requested data (HRex `data-value`, CDEX-SD `output:data`).
fn data_output(reference: Reference) -> TaskOutput {
    TaskOutput::new(
        concept(HREX_TEMP, "data-value"),
        TaskOutputValue::Reference(Box::new(reference)),
    )
}

/// Provider: complete with a searchset Bundle contained in the Task (`in-progress → completed`;
/// CDEX-TBA "Fetching the Data": a contained Bundle "does not have an independent existence";
/// CDex example 3 uses `#results`). The Bundle gets `contained_id` as its id.
pub fn complete_with_bundle(
    task: &mut Task,
    mut bundle: Bundle,
    contained_id: &str,
    at: &DateTime,
) -> Result<Applied, Error> {
    if bundle.type_ != BundleType::Searchset {
        return Err(Error::invalid(
            "Bundle.type",
            "searchset",
            bundle.type_.value.as_ref().map_or("none", |c| c.code()).to_owned(),
        ));
    }
    if task.contained.iter().any(|r| r.id() == Some(contained_id)) {
        return Err(Error::invalid(
            "Task.contained",
            format!("no resource with id {contained_id:?} yet"),
            "one already",
        ));
    }
    bundle.id = Some(Primitive::from(contained_id));
    let mut work = task.clone();
    work.contained.push(Resource::Bundle(Box::new(bundle)));
    let output = data_output(Reference {
        reference: Some(Primitive::new(format!("#{contained_id}"))),
        ..Default::default()
    });
    let applied = owner_change(&mut work, at, StatusChange::new(Event::complete([output])))?;
    *task = work;
    Ok(applied)
}

/// Provider: complete with references to resources the payer then fetches (`in-progress →
/// completed`; CDex example 14: one `data-value` output per resource).
pub fn complete_with_references(task: &mut Task, references: Vec<Reference>, at: &DateTime) -> Result<Applied, Error> {
    let outputs: Vec<TaskOutput> = references.into_iter().map(data_output).collect();
    owner_change(task, at, StatusChange::new(Event::complete(outputs)))
}

/// Payer: `GET [base]/Task/[id]` to poll (seed 000 step 2).
pub fn poll_request(base: &str, task: &Task) -> Result<FhirRequest, Error> {
    let id = task
        .id
        .as_ref()
        .and_then(|p| p.value.as_deref())
        .ok_or_else(|| Error::invalid("Task.id", "the id the server gave the Task", "none"))?;
    transport::read(base, "Task", id)
}

/// One fetch the payer makes for an external output.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch {
    /// `GET [base]/[type]/[id]` (R4 read).
    Read {
        /// The base of an absolute reference; `None` for a relative one (the provider's base).
        base: Option<String>,
        /// The resource type.
        resource_type: String,
        /// The id.
        id: String,
    },
    /// A search (`[type]?_id=[id]`): CDex requires a search instead of a read when signatures
    /// are required ("When signatures are required, the Data Consumer SHALL use a FHIR RESTful
    /// search instead of FHIR RESTful read", CDex direct-query, CONF-009).
    Search {
        /// The base of an absolute reference; `None` for a relative one.
        base: Option<String>,
        /// The search.
        query: Query,
    },
}

impl Fetch {
    /// The request, against the reference's own base or else `provider_base`.
    pub fn request(&self, provider_base: &str) -> Result<FhirRequest, Error> {
        match self {
            Fetch::Read {
                base,
                resource_type,
                id,
            } => transport::read(base.as_deref().unwrap_or(provider_base), resource_type, id),
            Fetch::Search { base, query } => transport::search(base.as_deref().unwrap_or(provider_base), query),
        }
    }
}

/// What a polled data request Task tells the payer to do.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    /// Not finished (requested, accepted, in-progress, on-hold): poll again at `next_poll`.
    KeepPolling {
        /// The status seen.
        status: TaskStatus,
        /// `businessStatus.text`, when given.
        business_status: Option<String>,
        /// `statusReason.text` (why it is on hold, say), when given.
        reason: Option<String>,
        /// The earliest time to poll again.
        next_poll: DateTime,
    },
    /// Completed: the outputs.
    Fetch {
        /// Resources the outputs refer to inside the Task (a searchset Bundle, say): already here.
        contained: Vec<Resource>,
        /// Fetches to make for external outputs.
        fetches: Vec<Fetch>,
    },
    /// Rejected or failed (terminal, CDEX-SM): stop polling.
    Stop {
        /// The status seen.
        status: TaskStatus,
        /// `statusReason.text` (tdr-2 makes it required).
        reason: Option<String>,
    },
}

/// Payer: what to do after polling `task` at `now` (seed 000 steps 2–3: poll "until the
/// `Task.status` indicates it is completed or rejected", then fetch what `Task.output` references,
/// contained or external). Outputs of type `data-value` and `questionnaire-response` are
/// followed; external ones become reads, or `_id` searches when the Task asks for signed data.
///
/// ```
/// use fhir_model::{Task, TaskIntent, TaskStatus, Primitive};
/// use coordination::data_request::{interpret, PollOutcome};
/// use coordination::PollSchedule;
///
/// let mut task = Task::new(TaskStatus::Rejected, TaskIntent::Order);
/// task.status_reason = Some(coordination::codes::text("Patient has not consented"));
/// let now = "2024-05-01T09:10:00Z".parse().unwrap();
/// match interpret(&task, &now, &PollSchedule::cdex())? {
///     PollOutcome::Stop { reason, .. } => assert_eq!(reason.as_deref(), Some("Patient has not consented")),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn interpret(task: &Task, now: &DateTime, schedule: &PollSchedule) -> Result<PollOutcome, Error> {
    let status = status_of(task).ok_or_else(|| {
        Error::invalid(
            "Task.status",
            "an R4 task-status code",
            task.status.value.as_ref().map_or("none", |c| c.code()).to_owned(),
        )
    })?;
    let reason = task.status_reason.as_ref().and_then(codes::concept_text);
    match status {
        TaskStatus::Requested | TaskStatus::Accepted | TaskStatus::InProgress | TaskStatus::OnHold => {
            let authored = task
                .authored_on
                .as_ref()
                .and_then(|p| p.value.as_ref())
                .ok_or_else(|| Error::invalid("Task.authoredOn", "the request time (1..1)", "none"))?;
            Ok(PollOutcome::KeepPolling {
                status,
                business_status: task.business_status.as_ref().and_then(codes::concept_text),
                reason,
                next_poll: schedule.next_poll(authored, now)?,
            })
        }
        TaskStatus::Rejected | TaskStatus::Failed => Ok(PollOutcome::Stop { status, reason }),
        TaskStatus::Completed => outputs(task),
        other => Err(Error::invalid(
            "Task.status",
            "a status of the HRex Task Status value set (requested, accepted, rejected, in-progress, on-hold, failed, completed)",
            other.to_string(),
        )),
    }
}

/// The `cdex-temp#signature-flag` input, if any; one that is not a boolean is an error (a
/// signature requirement must never be dropped silently: CDEX-DQ CONF-009).
fn signature_flag(task: &Task) -> Result<Option<bool>, Error> {
    for (i, input) in task.input.iter().enumerate() {
        if has_coding(&input.type_, CDEX_TEMP, "signature-flag") {
            return match &input.value {
                TaskInputValue::Boolean(b) => Ok(b.value),
                _ => Err(Error::invalid(
                    format!("Task.input[{i}] (signature)"),
                    "valueBoolean",
                    "another type",
                )),
            };
        }
    }
    Ok(None)
}

fn outputs(task: &Task) -> Result<PollOutcome, Error> {
    let signed = signature_flag(task)?.unwrap_or(false);
    let mut contained = Vec::new();
    let mut fetches = Vec::new();
    let mut followed = 0;
    for (i, output) in task.output.iter().enumerate() {
        let t = &output.type_;
        if !(has_coding(t, HREX_TEMP, "data-value") || has_coding(t, SDC_TEMP, "questionnaire-response")) {
            continue;
        }
        followed += 1;
        let path = format!("Task.output[{i}].valueReference");
        let TaskOutputValue::Reference(r) = &output.value else {
            return Err(Error::invalid(
                path,
                "a Reference (CDEX-SD output:data)",
                "another type",
            ));
        };
        match r.target() {
            Some(ReferenceTarget::Contained(id)) => {
                let found = task
                    .contained
                    .iter()
                    .find(|c| c.id() == Some(id))
                    .ok_or_else(|| Error::invalid(&path, format!("a resource #{id} in Task.contained"), "none"))?;
                contained.push(found.clone());
            }
            Some(ReferenceTarget::Resource {
                base,
                resource_type,
                id,
                ..
            }) => {
                let base = base.map(str::to_owned);
                if signed {
                    let query = Query::new(resource_type)
                        .and_then(|q| q.and("_id", Test::codes([id])))
                        .map_err(|source| Error::Search {
                            context: format!("{path}: signed data must be searched, not read"),
                            source,
                        })?;
                    fetches.push(Fetch::Search { base, query });
                } else {
                    fetches.push(Fetch::Read {
                        base,
                        resource_type: resource_type.to_owned(),
                        id: id.to_owned(),
                    });
                }
            }
            _ => {
                return Err(Error::invalid(
                    path,
                    "a contained (#id) or RESTful ([base/]Type/id) reference to fetch",
                    r.reference_str()
                        .unwrap_or("a reference without `reference`")
                        .to_owned(),
                ))
            }
        }
    }
    if followed == 0 {
        return Err(Error::invalid(
            format!("{}.output", task_label(task)),
            "a data-value or questionnaire-response output on a completed Task (tdr-3)",
            "none",
        ));
    }
    Ok(PollOutcome::Fetch { contained, fetches })
}
