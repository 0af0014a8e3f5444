//! Scenario 5 (seed 004): an SDOH Clinical Care referral from a provider to a community-based
//! organization, tracked with the referral Task on the provider's server, polled by the CBO with
//! the seed's queries, and a patient Task whose patient application changes only `status`,
//! `statusReason` and `output`.

use fhir_model::*;
use search_params::{Outcome, Query};
use task_fsm::{builtin, Actor, Event};

use super::fhir::{coding, searchset};
use super::http::Message;
use super::scenario::Scenario;
use super::server::Server;

const SDOH: &str = "http://hl7.org/fhir/us/sdoh-clinicalcare";
const SDOH_TEMP: &str = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
const PROVIDER: &str = "https://provider.example.org/fhir";
const CBO: &str = "https://cbo.example.org/fhir";
/// The cursor of the seed's queries (seed 004).
const CURSOR: &str = "2021-05-03T17:23:18.1732-04:00";

fn profile(name: &str) -> Option<Meta> {
    Some(Meta {
        profile: vec![Primitive::new(format!("{SDOH}/StructureDefinition/{name}"))],
        ..Default::default()
    })
}

fn service_request(server: &Server) -> ServiceRequest {
    let mut sr = ServiceRequest::new(
        RequestStatus::Active,
        RequestIntent::Order,
        Reference::to_type_id("Patient", "pat-1"),
    );
    sr.id = Some(Primitive::from("referral-food"));
    sr.meta = profile("SDOHCC-ServiceRequest");
    sr.category
        .push(coding(SDOH_TEMP, "food-insecurity", "Food Insecurity"));
    sr.code = Some(coding(
        "http://snomed.info/sct",
        "467771000124109",
        "Assistance with application for food pantry program",
    ));
    sr.authored_on = Some(Primitive::new(server.instant().into()));
    sr.requester = Some(Reference::to_type_id("PractitionerRole", "dr-jones"));
    sr.performer.push(Reference::to_type_id("Organization", "123"));
    sr
}

fn referral_task(server: &Server) -> Task {
    let mut t = Task::new(TaskStatus::Requested, TaskIntent::Order);
    t.id = Some(Primitive::from("referral-1"));
    t.meta = profile("SDOHCC-TaskForReferralManagement");
    t.code = Some(coding(
        "http://hl7.org/fhir/CodeSystem/task-code",
        "fulfill",
        "Fulfill the focal request",
    ));
    t.priority = Some(RequestPriority::Routine.into());
    t.focus = Some(Reference::to_type_id("ServiceRequest", "referral-food"));
    t.for_ = Some(Reference::to_type_id("Patient", "pat-1"));
    t.authored_on = Some(Primitive::new(server.instant().into()));
    t.last_modified = t.authored_on.clone();
    t.requester = Some(Reference::to_type_id("PractitionerRole", "dr-jones"));
    // The owner by id and by business identifier, so that both of the seed's owner queries find it.
    t.owner = Some(Reference {
        identifier: Reference::to_identifier("http://someorganization/some/identifier/system", "123").identifier,
        display: Some(Primitive::from("Community Food Services")),
        ..Reference::to_type_id("Organization", "123")
    });
    t
}

fn patient_task(server: &Server) -> Task {
    let mut t = Task::new(TaskStatus::Ready, TaskIntent::Order);
    t.id = Some(Primitive::from("patient-task-1"));
    t.meta = profile("SDOHCC-TaskForPatient");
    t.code = Some(coding(SDOH_TEMP, "make-contact", "Make Contact"));
    t.description = Some(Primitive::from("Call the food pantry to book your first pick-up"));
    t.priority = Some(RequestPriority::Routine.into());
    t.part_of.push(Reference::to_type_id("Task", "referral-1"));
    t.for_ = Some(Reference::to_type_id("Patient", "pat-1"));
    t.authored_on = Some(Primitive::new(server.instant().into()));
    t.last_modified = t.authored_on.clone();
    t.requester = Some(Reference::to_type_id("Organization", "123"));
    t.owner = Some(Reference::to_type_id("Patient", "pat-1"));
    t.input.push(TaskInput::new(
        coding(SDOH_TEMP, "contact-entity", "Contact Entity"),
        TaskInputValue::Reference(Box::new(Reference {
            display: Some(Primitive::from("Downtown Food Pantry, (555) 555-0100")),
            ..Reference::to_type_id("HealthcareService", "food-pantry")
        })),
    ));
    t
}

/// The searchset a server answers `query` with, from the resources it holds (matched by the
/// search-params matcher; a criterion it cannot evaluate is an error, never a match).
fn search(server: &Server, query: &Query, held: &[&Task]) -> Result<Bundle, String> {
    let compiled = query.compile().with_base(&server.base);
    let mut matches = Vec::new();
    for t in held {
        match compiled.matches(*t) {
            Outcome::Match => matches.push(Resource::from((*t).clone())),
            Outcome::NoMatch => {}
            Outcome::Unsupported(why) => return Err(format!("{}: {why}", query.to_relative())),
        }
    }
    Ok(searchset(server, query.to_url(&server.base), matches))
}

fn get(url: &str) -> Message {
    Message::request("GET", url).accept_fhir()
}

fn put(server: &Server, t: &Task) -> Message {
    let id = t.id.as_ref().and_then(|i| i.value.as_deref()).unwrap_or_default();
    let version = t
        .meta
        .as_ref()
        .and_then(|m| m.version_id.as_ref())
        .and_then(|v| v.value.clone())
        .unwrap_or_default();
    Message::request("PUT", &server.url(&format!("Task/{id}")))
        .accept_fhir()
        .header("If-Match", format!("W/\"{version}\""))
        .resource(t.clone())
}

pub fn scenario() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "05-sdoh-referral",
        "SDOH referral to a community-based organization, with a patient Task",
        "Seed 004 (SDOH Clinical Care, checking Task status): a provider refers a patient to a community-based \
         organization (CBO, `Organization/123`) for food assistance. The referral Task (`SDOHCC-TaskForReferralManagement`) \
         lives on the provider's server; the CBO finds it with the seed's polling queries and updates it as it works. \
         The CBO asks the patient to make contact with a patient Task (`SDOHCC-TaskForPatient`) on its own server; the \
         patient's application changes only `status`, `statusReason` and `output`. Machines: `sdoh-referral`, `sdoh-patient` \
         (see `docs/state-machines/`).",
    );
    let referral_fsm = builtin("sdoh-referral").map_err(|e| e.to_string())?;
    let patient_fsm = builtin("sdoh-patient").map_err(|e| e.to_string())?;
    let mut provider = Server::new(PROVIDER, "2021-05-03T21:30:00Z");
    let mut cbo = Server::new(CBO, "2021-05-03T21:30:00Z");

    let mut sr = service_request(&provider);
    let mut sr_body = sr.clone();
    sr_body.id = None;
    provider.stamp(&mut sr, 1);
    s.step(
        "post-service-request",
        "The provider records the referral (ServiceRequest) on its own server",
        Message::request("POST", &provider.url("ServiceRequest"))
            .accept_fhir()
            .resource(sr_body),
        provider.answer(201, &sr),
    );
    let mut task = referral_task(&provider);
    let mut task_body = task.clone();
    task_body.id = None;
    provider.stamp(&mut task, 1);
    s.step(
        "post-referral-task",
        "The provider creates the referral Task, owned by the CBO",
        Message::request("POST", &provider.url("Task"))
            .accept_fhir()
            .resource(task_body),
        provider.answer(201, &task),
    );

    // The CBO polls the provider's server with the seed's queries.
    provider.advance(900);
    let assigned =
        Query::parse(&format!("Task?owner=Organization/123&_lastUpdated=gt{CURSOR}")).map_err(|e| e.to_string())?;
    let unassigned = Query::parse(&format!(
        "Task?owner:missing=true&status=requested&_lastUpdated=gt{CURSOR}"
    ))
    .map_err(|e| e.to_string())?;
    let by_identifier = Query::parse(&format!(
        "Task?owner:identifier=http%3A%2F%2Fsomeorganization%2Fsome%2Fidentifier%2Fsystem|123&_lastUpdated=gt{CURSOR}"
    ))
    .map_err(|e| e.to_string())?;
    for (name, title, q) in [
        (
            "poll-assigned",
            "The CBO polls for Tasks assigned to it (seed 004)",
            &assigned,
        ),
        (
            "poll-unassigned",
            "The CBO polls for unassigned requested Tasks it could claim (seed 004)",
            &unassigned,
        ),
        (
            "poll-by-identifier",
            "The same poll by the CBO's identifier instead of its id (seed 004)",
            &by_identifier,
        ),
    ] {
        let bundle = search(&provider, q, &[&task])?;
        s.step(name, title, get(&q.to_url(PROVIDER)), provider.answer_resource(bundle));
        provider.advance(5);
    }

    // The CBO accepts and starts work; each PUT goes through the referral machine.
    for (name, title, event) in [
        ("put-accepted", "The CBO accepts the referral", Event::Accept),
        ("put-in-progress", "The CBO starts work", Event::Start),
    ] {
        provider.advance(600);
        let before = task.clone();
        let at: DateTime = provider.instant().into();
        referral_fsm
            .apply(&mut task, event, &Actor::OWNER, &at)
            .map_err(|e| e.to_string())?;
        s.change(referral_fsm, Actor::OWNER, &before, &task);
        let request = put(&provider, &task);
        let version = before
            .meta
            .as_ref()
            .and_then(|m| m.version_id.as_ref())
            .and_then(|v| v.value.as_deref())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(1);
        provider.stamp(&mut task, version + 1);
        s.step(name, title, request, provider.answer(200, &task));
    }

    // The CBO asks the patient to make contact, on its own server.
    cbo.advance(2400);
    let mut ptask = patient_task(&cbo);
    let mut ptask_body = ptask.clone();
    ptask_body.id = None;
    cbo.stamp(&mut ptask, 1);
    s.step(
        "post-patient-task",
        "The CBO asks the patient to call the food pantry (patient Task on the CBO's server)",
        Message::request("POST", &cbo.url("Task"))
            .accept_fhir()
            .resource(ptask_body),
        cbo.answer(201, &ptask),
    );
    cbo.advance(3600);
    let mine = Query::parse("Task?owner=Patient/pat-1&status=ready,in-progress").map_err(|e| e.to_string())?;
    let bundle = search(&cbo, &mine, &[&ptask])?;
    s.step(
        "app-polls",
        "The patient's application looks for the patient's open Tasks",
        get(&mine.to_url(CBO)),
        cbo.answer_resource(bundle),
    );
    cbo.advance(600);
    let before = ptask.clone();
    let at: DateTime = cbo.instant().into();
    patient_fsm
        .apply(&mut ptask, Event::complete([]), &Actor::PATIENT_APP, &at)
        .map_err(|e| e.to_string())?;
    // The patient notes how it went; an output is within the application's edit scope.
    ptask.output.push(TaskOutput::new(
        CodeableConcept {
            text: Some(Primitive::from("patient comment")),
            ..Default::default()
        },
        TaskOutputValue::String(Primitive::from("Called on Tuesday, first pick-up booked for Friday")),
    ));
    s.change(patient_fsm, Actor::PATIENT_APP, &before, &ptask);
    let request = put(&cbo, &ptask);
    cbo.stamp(&mut ptask, 2);
    s.step(
        "app-completes",
        "The patient's application marks the Task completed (status and output only)",
        request,
        cbo.answer(200, &ptask),
    );

    // The CBO completes the referral with what was done.
    provider.advance(7200);
    let before = task.clone();
    let at: DateTime = provider.instant().into();
    let output = TaskOutput::new(
        coding(SDOH_TEMP, "resulting-activity", "Resulting Activity"),
        TaskOutputValue::Reference(Box::new(Reference {
            display: Some(Primitive::from("Enrolled in the food pantry program")),
            ..Reference::to_type_id("Procedure", "food-pantry-enrollment")
        })),
    );
    referral_fsm
        .apply(&mut task, Event::complete([output]), &Actor::OWNER, &at)
        .map_err(|e| e.to_string())?;
    s.change(referral_fsm, Actor::OWNER, &before, &task);
    let request = put(&provider, &task);
    provider.stamp(&mut task, 4);
    s.step(
        "put-completed",
        "The CBO completes the referral and links what was done",
        request,
        provider.answer(200, &task),
    );

    provider.advance(1800);
    let requester_poll = Query::parse(&format!(
        "Task?requester=PractitionerRole/dr-jones&_lastUpdated=gt{CURSOR}"
    ))
    .map_err(|e| e.to_string())?;
    let bundle = search(&provider, &requester_poll, &[&task])?;
    s.step(
        "provider-polls",
        "The provider polls the Tasks it requested and sees the referral completed",
        get(&requester_poll.to_url(PROVIDER)),
        provider.answer_resource(bundle),
    );

    s.note("The polling queries are the seed's, built and evaluated with `search-params`; the seed writes `_lastupdated` and omits `gt` in its identifier example: the parameter is `_lastUpdated` (R4 search, common parameters) and every poll uses `gt` with the cursor.");
    s.note("A real poller takes its cursor from the server (the Bundle's `meta.lastUpdated`), never the client clock, and advances it only after reading every page: see the monitoring scenario.");
    s.note("Updates use `If-Match` with the version read, so two parties cannot overwrite each other's change (R4 http.html, managing resource contention).");
    Ok(s)
}
