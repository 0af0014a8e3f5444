//! Scenario 1 (seed 000): a payer asks a provider for a patient's active conditions with a
//! CDex task-based data request, polls the Task, and reads the answer.

use fhir_model::*;
use task_fsm::{builtin, Actor, Event};

use super::fhir::{code_only, coding, searchset};
use super::http::Message;
use super::scenario::Scenario;
use super::server::Server;

const PROFILE: &str = "http://hl7.org/fhir/us/davinci-cdex/StructureDefinition/cdex-task-data-request";
const CDEX_TEMP: &str = "http://hl7.org/fhir/us/davinci-cdex/CodeSystem/cdex-temp";
const HREX_TEMP: &str = "http://hl7.org/fhir/us/davinci-hrex/CodeSystem/hrex-temp";
pub const PROVIDER: &str = "https://provider.example.org/fhir";
const MACHINE: &str = "cdex-data-request";

fn text(t: &str) -> CodeableConcept {
    CodeableConcept {
        text: Some(Primitive::from(t)),
        ..Default::default()
    }
}

/// The payer's data request Task, as POSTed (CDex `cdex-task-data-request`).
fn request_task(server: &Server) -> Task {
    let mut t = Task::new(TaskStatus::Requested, TaskIntent::Order);
    t.meta = Some(Meta {
        profile: vec![Primitive::from(PROFILE)],
        ..Default::default()
    });
    t.identifier.push(Identifier {
        system: Some(Primitive::from("http://payer.example.org/task-ids")),
        value: Some(Primitive::from("DR-2020-0001")),
        ..Default::default()
    });
    t.code = Some(coding(CDEX_TEMP, "data-request-query", "Data Request Query"));
    t.for_ = Some(Reference::to_type_id("Patient", "patient-b"));
    t.authored_on = Some(Primitive::new(server.instant().into()));
    t.last_modified = t.authored_on.clone();
    t.requester = Some(Reference {
        identifier: Some(Box::new(Identifier {
            system: Some(Primitive::from("http://example.org/payer-ids")),
            value: Some(Primitive::from("payer-a")),
            ..Default::default()
        })),
        display: Some(Primitive::from("Payer A")),
        ..Default::default()
    });
    t.owner = Some(Reference {
        display: Some(Primitive::from("Provider C")),
        ..Reference::to_type_id("Organization", "provider-c")
    });
    t.reason_code = Some(text("Confirm medical necessity of a claimed service"));
    t.input.push(TaskInput::new(
        code_only(HREX_TEMP, "data-query"),
        TaskInputValue::String(Primitive::from("Condition?patient=patient-b&clinical-status=active")),
    ));
    t.input.push(TaskInput::new(
        code_only(CDEX_TEMP, "purpose-of-use"),
        TaskInputValue::CodeableConcept(Box::new(code_only(
            "http://terminology.hl7.org/CodeSystem/v3-ActReason",
            "COVERAGE",
        ))),
    ));
    t
}

fn conditions() -> Vec<Condition> {
    [
        ("c1", "44054006", "Diabetes mellitus type 2"),
        ("c2", "38341003", "Hypertensive disorder"),
    ]
    .iter()
    .map(|(id, code, display)| Condition {
        id: Some(Primitive::from(*id)),
        clinical_status: Some(coding(
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "active",
            "Active",
        )),
        code: Some(coding("http://snomed.info/sct", code, display)),
        subject: Reference::to_type_id("Patient", "patient-b"),
        ..Default::default()
    })
    .collect()
}

/// The answer the provider puts in the Task: a searchset Bundle, contained (no server metadata).
fn contained_searchset(server: &Server, entries: Vec<Condition>) -> Bundle {
    let mut bundle = searchset(
        server,
        server.url("Condition?patient=patient-b&clinical-status=active"),
        entries.into_iter().map(Resource::from).collect(),
    );
    bundle.id = Some(Primitive::from("conditions"));
    bundle.meta = None;
    bundle
}

fn get(server: &Server, path: &str) -> Message {
    Message::request("GET", &server.url(path)).accept_fhir()
}

/// POST, then poll through the given events; returns the scenario and the stored Task.
fn post_and_poll(
    s: &mut Scenario,
    server: &mut Server,
    events: Vec<(&str, Event)>,
    contained_answer: Option<Resource>,
) -> Result<Task, String> {
    let machine = builtin(MACHINE).map_err(|e| e.to_string())?;
    let mut task = request_task(server);
    let posted = task.clone();
    task.id = Some(Primitive::from("dr-1"));
    let mut version = 1;
    server.stamp(&mut task, version);
    s.step(
        "post-task",
        "The payer POSTs the data request Task to the provider",
        Message::request("POST", &server.url("Task"))
            .accept_fhir()
            .resource(posted),
        server.answer(201, &task),
    );
    server.advance(300);
    s.step(
        "poll-requested",
        "The payer polls the Task: not yet looked at",
        get(server, "Task/dr-1"),
        server.answer(200, &task),
    );
    let last = events.len();
    for (i, (name, event)) in events.into_iter().enumerate() {
        server.advance(1800);
        let before = task.clone();
        let at: DateTime = server.instant().into();
        machine
            .apply(&mut task, event, &Actor::OWNER, &at)
            .map_err(|e| e.to_string())?;
        if i + 1 == last {
            task.contained.extend(contained_answer.clone());
        }
        version += 1;
        server.stamp(&mut task, version);
        s.change(machine, Actor::OWNER, &before, &task);
        server.advance(60);
        let status = task
            .status
            .value
            .as_ref()
            .map(|c| c.code().to_owned())
            .unwrap_or_default();
        s.step(
            name,
            format!("The payer polls the Task: `{status}`"),
            get(server, "Task/dr-1"),
            server.answer(200, &task),
        );
    }
    Ok(task)
}

const SUMMARY: &str = "Seed 000 (Da Vinci CDex, task-based approach): Payer A asks Provider C for Patient B's active \
conditions to confirm medical necessity. The payer POSTs a `cdex-task-data-request` Task, polls it with GET until \
it is `completed` or `rejected`, and reads the data that `Task.output` refers to.";

/// The main flow: the answer is a contained searchset Bundle.
pub fn contained() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "01-data-request",
        "Payer asks a provider for a patient's active conditions",
        SUMMARY,
    );
    let mut server = Server::new(PROVIDER, "2020-10-23T04:54:56Z");
    let mut out_bundle = contained_searchset(&server, conditions());
    out_bundle.link.clear();
    let output = TaskOutput::new(
        code_only(HREX_TEMP, "data-value"),
        TaskOutputValue::Reference(Box::new(Reference {
            reference: Some(Primitive::from("#conditions")),
            ..Default::default()
        })),
    );
    // The provider puts the answer in the Task: a contained searchset Bundle.
    post_and_poll(
        &mut s,
        &mut server,
        vec![
            ("poll-accepted", Event::Accept),
            ("poll-in-progress", Event::Start),
            ("poll-completed", Event::complete([output])),
        ],
        Some(out_bundle.into()),
    )?;
    s.note("The seed's steps 2 and 3 say `POST [base]/Task`; polling a Task and fetching data are reads: `GET [base]/Task/[id]` and `GET` of the referenced resources (R4 http.html, read and search).");
    s.note("The completed Task refers to its answer with `#conditions`, a contained searchset Bundle that has no independent existence (seed 000, step 3).");
    s.note("Polling is shown every 30 minutes for brevity; see the monitoring scenario for a safe polling cursor.");
    Ok(s)
}

/// Variant: the Task's outputs refer to resources on the provider's server, fetched with GET.
pub fn external() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "01b-data-request-external-outputs",
        "Data request answered with references to the provider's resources",
        format!("{SUMMARY}\n\nIn this variant `Task.output` refers to resources on the provider's server; the payer reads them with GET."),
    );
    let mut server = Server::new(PROVIDER, "2020-10-23T04:54:56Z");
    let conds = conditions();
    let outputs: Vec<TaskOutput> = conds
        .iter()
        .filter_map(Reference::to)
        .map(|r| {
            TaskOutput::new(
                code_only(HREX_TEMP, "data-value"),
                TaskOutputValue::Reference(Box::new(r)),
            )
        })
        .collect();
    post_and_poll(
        &mut s,
        &mut server,
        vec![
            ("poll-accepted", Event::Accept),
            ("poll-in-progress", Event::Start),
            ("poll-completed", Event::complete(outputs)),
        ],
        None,
    )?;
    for mut c in conds {
        server.advance(5);
        let id = c.id.as_ref().and_then(|i| i.value.clone()).unwrap_or_default();
        server.stamp(&mut c, 1);
        s.step(
            &format!("read-condition-{id}"),
            format!("The payer reads `Condition/{id}`"),
            get(&server, &format!("Condition/{id}")),
            server.answer(200, &c),
        );
    }
    Ok(s)
}

/// Variant: the provider rejects the request with a reason.
pub fn rejected() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "01c-data-request-rejected",
        "Data request rejected by the provider",
        format!("{SUMMARY}\n\nIn this variant the provider's reviewer declines; the reason is in `Task.statusReason` (CDex tdr-2: rejected and failed Tasks SHALL carry a statusReason)."),
    );
    let mut server = Server::new(PROVIDER, "2020-10-23T04:54:56Z");
    post_and_poll(
        &mut s,
        &mut server,
        vec![(
            "poll-rejected",
            Event::reject("No treatment relationship with this patient on record"),
        )],
        None,
    )?;
    Ok(s)
}
