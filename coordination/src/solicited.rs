//! Solicited communication (seed 003, "Request (Solicited Communication)"): a CommunicationRequest
//! asking for information, optionally with a Task the Information Request Recipient processes,
//! and the Communication(s) that answer it — linked so that either side can find the others.
//!
//! Links and their R4 definitions (R4 StructureDefinitions Communication, CommunicationRequest,
//! Task in `fhir-definitions/r4`):
//! * `Communication.basedOn` → the CommunicationRequest ("An order, proposal or plan fulfilled in
//!   whole or in part by this Communication"; comment: "must point to some sort of a 'Request'
//!   resource, such as … CommunicationRequest"). The reference carries both the literal reference
//!   and the request's business identifier, as seed 003 links the answer "to the original
//!   Information Request Message through an identifier established in the request".
//! * `Communication.partOf` → the Task ("Part of this action", `Reference(Resource)`).
//! * `Communication.inResponseTo` is `Reference(Communication)` only ("Prior communication that
//!   this communication is in response to"): it cannot point at a CommunicationRequest or Task,
//!   so it is used only to answer an earlier Communication ([`Answer::in_response_to`]).
//! * `Task.focus` → the CommunicationRequest ("The request being actioned"); `Task.for` = its
//!   subject; `Task.owner` = its `sender` (the party asked to send the information); `Task.output`
//!   → the Communications sent, when the Task is completed (seed 003: "The task remains
//!   unfinished until the Information Request Recipient returns the requested information. It is
//!   then marked completed").
//! * CommunicationRequest `sender` = "the entity … which is to be the source of the
//!   communication", `recipient` = "the intended target" (R4-SD), as in the CDex example
//!   `cdex-task-inline-communicationrequest-example1`.

use fhir_model::{
    CodeableConcept, Communication, CommunicationPayload, CommunicationPayloadContent, CommunicationRequest,
    CommunicationRequestPayload, CommunicationRequestPayloadContent, DateTime, EventStatus, Primitive, Reference,
    RequestStatus, Task, TaskIntent, TaskOutput, TaskOutputValue, TaskStatus,
};
use search_params::{Query, ReferenceValue, Test, TokenValue};
use task_fsm::{Actor, Event};

use crate::codes::{self, concept, FULFILL, TASK_CODE_SYSTEM};
use crate::coordination_task::identifier;
use crate::machines::coordination_machine;
use crate::resolve::points_to;
use crate::status_change::{change_status, checked_create};
use crate::transport::{self, FhirRequest};
use crate::Error;

/// The text of `Task.output.type` for a Communication sent in answer (no source defines a code;
/// this crate's choice).
pub const COMMUNICATION_OUTPUT: &str = "communication sent in response";

/// The Information Request Sender's CommunicationRequest, built and checked.
///
/// ```
/// use fhir_model::Reference;
/// use coordination::solicited::InformationRequest;
///
/// let org = |id: &str| Reference::to_type_id("Organization", id);
/// let request = InformationRequest::new("cr-1", ("https://payer.example.org/requests", "REQ-1"),
///         Reference::to_type_id("Patient", "p1"), org("payer"), org("provider"), org("payer"),
///         "2024-05-01T09:00:00Z".parse().unwrap())
///     .text("Gather clinical information on the patient's diabetes care")
///     .build()?;
/// assert_eq!(request.sender.as_ref().and_then(|s| s.reference_str()), Some("Organization/provider"));
/// # Ok::<(), coordination::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct InformationRequest {
    request: CommunicationRequest,
}

impl InformationRequest {
    /// A request `id` with business identifier `identifier` (system, value) about `subject`,
    /// from `requester`, asking `sender` to send information to `recipient`, authored at
    /// `authored_on`; `status` active.
    pub fn new(
        id: &str,
        identifier: (&str, &str),
        subject: Reference,
        requester: Reference,
        sender: Reference,
        recipient: Reference,
        authored_on: DateTime,
    ) -> InformationRequest {
        let mut request = CommunicationRequest::new(RequestStatus::Active);
        request.id = Some(Primitive::from(id));
        request
            .identifier
            .push(crate::coordination_task::identifier(identifier.0, identifier.1));
        request.subject = Some(subject);
        request.requester = Some(requester);
        request.sender = Some(sender);
        request.recipient.push(recipient);
        request.authored_on = Some(Primitive::new(authored_on));
        InformationRequest { request }
    }

    /// What is asked, as text (`payload.contentString`).
    pub fn text(mut self, text: &str) -> Self {
        self.request.payload.push(CommunicationRequestPayload::new(
            CommunicationRequestPayloadContent::String(Primitive::from(text)),
        ));
        self
    }

    /// What is asked, as a reference (a Questionnaire, a DocumentReference template …).
    pub fn payload_reference(mut self, reference: Reference) -> Self {
        self.request.payload.push(CommunicationRequestPayload::new(
            CommunicationRequestPayloadContent::Reference(Box::new(reference)),
        ));
        self
    }

    /// What the request is about (a Claim, say).
    pub fn about(mut self, reference: Reference) -> Self {
        self.request.about.push(reference);
        self
    }

    /// A category.
    pub fn category(mut self, category: CodeableConcept) -> Self {
        self.request.category.push(category);
        self
    }

    /// Another recipient.
    pub fn also_to(mut self, recipient: Reference) -> Self {
        self.request.recipient.push(recipient);
        self
    }

    /// Checks that something is asked (a payload) and returns the CommunicationRequest.
    pub fn build(self) -> Result<CommunicationRequest, Error> {
        if self.request.payload.is_empty() {
            return Err(Error::invalid(
                "CommunicationRequest.payload",
                "what information is requested (seed 003: \"includes the kind of information requested\")",
                "none",
            ));
        }
        Ok(self.request)
    }
}

/// How the Task and the answers refer to the CommunicationRequest: its literal reference
/// (absolute on `base` when given — the request lives on the sender's server while the Task is
/// pushed to the recipient, seed 003) together with its first business identifier.
pub fn request_reference(request: &CommunicationRequest, base: Option<&str>) -> Result<Reference, Error> {
    let id = request
        .id
        .as_ref()
        .and_then(|p| p.value.as_deref())
        .ok_or_else(|| Error::invalid("CommunicationRequest.id", "an id", "none"))?;
    Ok(Reference {
        identifier: request.identifier.first().cloned().map(Box::new),
        ..located("CommunicationRequest", id, base)
    })
}

/// The Task for the request (seed 003 "Solicited Communication With Task"): `focus` the request,
/// `for` its subject, `requester` its requester, `owner` its sender, `code` task-code#fulfill,
/// `status` requested; checked with task-fsm's `check_create` for
/// [`crate::coordination_machine`].
pub fn request_task(
    request: &CommunicationRequest,
    request_base: Option<&str>,
    task_id: &str,
    task_identifier: (&str, &str),
    at: &DateTime,
) -> Result<Task, Error> {
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    task.id = Some(Primitive::from(task_id));
    task.identifier.push(identifier(task_identifier.0, task_identifier.1));
    task.code = Some(concept(TASK_CODE_SYSTEM, FULFILL));
    task.focus = Some(request_reference(request, request_base)?);
    task.for_ = request.subject.clone();
    task.requester = request.requester.clone();
    task.owner = request.sender.clone();
    task.authored_on = Some(Primitive::new(at.clone()));
    checked_create(task, coordination_machine()?, "create communication request Task")
}

/// The answering Communication, built and checked.
#[derive(Debug, Clone)]
pub struct Answer {
    communication: Communication,
}

impl Answer {
    /// A Communication `id` answering `request` (referred to as [`request_reference`] with
    /// `request_base`), sent at `sent`: `status` completed; `subject`, `sender`, `recipient`,
    /// `about` and `category` from the request.
    pub fn to(
        request: &CommunicationRequest,
        request_base: Option<&str>,
        id: &str,
        identifier: (&str, &str),
        sent: DateTime,
    ) -> Result<Answer, Error> {
        let mut c = Communication::new(EventStatus::Completed);
        c.id = Some(Primitive::from(id));
        c.identifier
            .push(crate::coordination_task::identifier(identifier.0, identifier.1));
        c.based_on.push(request_reference(request, request_base)?);
        c.subject = request.subject.clone();
        c.sender = request.sender.clone();
        c.recipient = request.recipient.clone();
        c.about = request.about.clone();
        c.category = request.category.clone();
        c.sent = Some(Primitive::new(sent));
        Ok(Answer { communication: c })
    }

    /// Part of the request's Task (`partOf`), on the server at `task_base` (absolute when the
    /// Communication goes to another server than the Task's).
    pub fn part_of(mut self, task: &Task, task_base: Option<&str>) -> Result<Answer, Error> {
        let task_id = task
            .id
            .as_ref()
            .and_then(|p| p.value.as_deref())
            .ok_or_else(|| Error::invalid("Task.id", "an id to refer to with partOf", "none"))?;
        self.communication.part_of.push(located("Task", task_id, task_base));
        Ok(self)
    }

    /// Content, as text.
    pub fn text(mut self, text: &str) -> Self {
        self.communication
            .payload
            .push(CommunicationPayload::new(CommunicationPayloadContent::String(
                Primitive::from(text),
            )));
        self
    }

    /// Content, as a reference (a DocumentReference, a Bundle, …).
    pub fn payload_reference(mut self, reference: Reference) -> Self {
        self.communication
            .payload
            .push(CommunicationPayload::new(CommunicationPayloadContent::Reference(
                Box::new(reference),
            )));
        self
    }

    /// The earlier Communication this one replies to (`inResponseTo`, Reference(Communication)).
    pub fn in_response_to(mut self, communication: Reference) -> Self {
        self.communication.in_response_to.push(communication);
        self
    }

    /// Checks that something is sent and returns the Communication.
    pub fn build(self) -> Result<Communication, Error> {
        if self.communication.payload.is_empty() {
            return Err(Error::invalid("Communication.payload", "the information sent", "none"));
        }
        Ok(self.communication)
    }
}

/// The recipient closes the request Task (`in-progress → completed`, by its owner) with the
/// Communications sent as outputs, on the server at `sent_base` (seed 003: the recipient "closes
/// communication request related tasks once the response has been sent").
pub fn complete_task(
    task: &mut Task,
    sent: &[&Communication],
    sent_base: Option<&str>,
    at: &DateTime,
) -> Result<(), Error> {
    let outputs = sent
        .iter()
        .map(|c| {
            id(&c.id)
                .map(|cid| {
                    TaskOutput::new(
                        codes::text(COMMUNICATION_OUTPUT),
                        TaskOutputValue::Reference(Box::new(located("Communication", cid, sent_base))),
                    )
                })
                .ok_or_else(|| Error::invalid("Communication.id", "an id to refer to from Task.output", "none"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if outputs.is_empty() {
        return Err(Error::invalid("sent", "at least one Communication", "none"));
    }
    change_status(
        task,
        coordination_machine()?,
        &Actor::OWNER,
        at,
        Event::complete(outputs).into(),
    )?;
    Ok(())
}

/// The resources of a solicited exchange, to follow the links between them (literal references
/// by type and id, or logical ones by business identifier).
///
/// ```
/// use coordination::solicited::Links;
/// let links = Links::new(&[], &[], &[]);
/// assert!(links.requests().is_empty());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    requests: &'a [CommunicationRequest],
    tasks: &'a [Task],
    communications: &'a [Communication],
}

/// `Type/id`, or `[base]/Type/id` when `base` is given.
fn located(resource_type: &str, id: &str, base: Option<&str>) -> Reference {
    let text = match base {
        Some(b) => format!("{}/{resource_type}/{id}", b.trim_end_matches('/')),
        None => format!("{resource_type}/{id}"),
    };
    Reference {
        reference: Some(Primitive::new(text)),
        ..Default::default()
    }
}

fn id(p: &Option<Primitive<String>>) -> Option<&str> {
    p.as_ref().and_then(|p| p.value.as_deref())
}

fn to_request(r: &Reference, cr: &CommunicationRequest) -> bool {
    points_to(r, "CommunicationRequest", id(&cr.id), &cr.identifier)
}

fn to_task(r: &Reference, t: &Task) -> bool {
    points_to(r, "Task", id(&t.id), &t.identifier)
}

fn to_communication(r: &Reference, c: &Communication) -> bool {
    points_to(r, "Communication", id(&c.id), &c.identifier)
}

impl<'a> Links<'a> {
    /// The resources known.
    pub fn new(
        requests: &'a [CommunicationRequest],
        tasks: &'a [Task],
        communications: &'a [Communication],
    ) -> Links<'a> {
        Links {
            requests,
            tasks,
            communications,
        }
    }

    /// The CommunicationRequests known.
    pub fn requests(&self) -> &'a [CommunicationRequest] {
        self.requests
    }

    /// The Tasks whose `focus` (or `basedOn`) is `request`.
    pub fn tasks_of_request(&self, request: &CommunicationRequest) -> Vec<&'a Task> {
        self.tasks
            .iter()
            .filter(|t| t.focus.iter().chain(&t.based_on).any(|r| to_request(r, request)))
            .collect()
    }

    /// The Communications `basedOn` `request`.
    pub fn answers_to_request(&self, request: &CommunicationRequest) -> Vec<&'a Communication> {
        self.communications
            .iter()
            .filter(|c| c.based_on.iter().any(|r| to_request(r, request)))
            .collect()
    }

    /// The CommunicationRequest a Task acts on (`focus`, else `basedOn`).
    pub fn request_of_task(&self, task: &Task) -> Option<&'a CommunicationRequest> {
        self.requests
            .iter()
            .find(|cr| task.focus.iter().chain(&task.based_on).any(|r| to_request(r, cr)))
    }

    /// The Communications that are `partOf` `task` or that its outputs refer to.
    pub fn answers_of_task(&self, task: &Task) -> Vec<&'a Communication> {
        self.communications
            .iter()
            .filter(|c| {
                c.part_of.iter().any(|r| to_task(r, task))
                    || task.output.iter().any(|o| match &o.value {
                        TaskOutputValue::Reference(r) => to_communication(r, c),
                        _ => false,
                    })
            })
            .collect()
    }

    /// The CommunicationRequest a Communication answers (`basedOn`).
    pub fn request_of_answer(&self, communication: &Communication) -> Option<&'a CommunicationRequest> {
        self.requests
            .iter()
            .find(|cr| communication.based_on.iter().any(|r| to_request(r, cr)))
    }

    /// The Task a Communication is part of (`partOf`).
    pub fn task_of_answer(&self, communication: &Communication) -> Option<&'a Task> {
        self.tasks
            .iter()
            .find(|t| communication.part_of.iter().any(|r| to_task(r, t)))
    }
}

/// The searches either side can make to find the others — on the server holding the Tasks
/// (`tasks_at`): `Task?focus=[request]`; on the server holding the Communications
/// (`communications_at`): `Communication?based-on=[request]`, where `[request]` is
/// `CommunicationRequest/[id]`, or its absolute URL when the request lives at `request_base`
/// (R4 search: a reference parameter matches an absolute URL), plus
/// `Communication?based-on:identifier=[system]|[value]` for answers that name the request by its
/// business identifier only.
pub fn find_linked(
    tasks_at: &str,
    communications_at: &str,
    request: &CommunicationRequest,
    request_base: Option<&str>,
) -> Result<Vec<FhirRequest>, Error> {
    let rid = id(&request.id).ok_or_else(|| Error::invalid("CommunicationRequest.id", "an id", "none"))?;
    let search = |e| Error::Search {
        context: format!("searches linked to CommunicationRequest/{rid}"),
        source: e,
    };
    let target = || {
        Test::reference(match request_base {
            Some(b) => ReferenceValue::Url {
                url: format!("{}/CommunicationRequest/{rid}", b.trim_end_matches('/')),
                version: None,
            },
            None => ReferenceValue::typed("CommunicationRequest", rid),
        })
    };
    let mut queries = vec![
        Query::new("Task")
            .and_then(|q| q.and("focus", target()))
            .map_err(search)?,
        Query::new("Communication")
            .and_then(|q| q.and("based-on", target()))
            .map_err(search)?,
    ];
    if let Some(ident) = request.identifier.first() {
        if let Some(value) = ident.value.as_ref().and_then(|v| v.value.clone()) {
            let token = match ident.system.as_ref().and_then(|s| s.value.clone()) {
                Some(system) => TokenValue::system_code(system, value),
                None => TokenValue::code(value),
            };
            queries.push(
                Query::new("Communication")
                    .and_then(|q| q.and("based-on", Test::Identifier(vec![token])))
                    .map_err(search)?,
            );
        }
    }
    queries
        .iter()
        .map(|q| {
            transport::search(
                if q.resource_type() == "Task" {
                    tasks_at
                } else {
                    communications_at
                },
                q,
            )
        })
        .collect()
}
