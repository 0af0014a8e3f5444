//! Scenario 4 (seed 003): solicited communication with the Task-based option —
//! CommunicationRequest → Task → Communication, linked so that either side can find the others.

use coordination::solicited::{self, Answer, InformationRequest};
use coordination::{coordination_machine, transport};
use fhir_model::*;
use search_params::{Outcome, Query};
use task_fsm::{Actor, Event};

use super::fhir::searchset;
use super::http::Message;
use super::s02_coordination::{org, Play};
use super::scenario::Scenario;
use super::server::Server;

const PAYER: &str = "https://payer.example.org/fhir";
const PROVIDER: &str = "https://provider.example.org/fhir";

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub fn scenario() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "04-solicited-communication",
        "Solicited communication: CommunicationRequest, Task, Communication",
        "Seed 003 (Request / Solicited Communication, Task-based option): the payer (Information Request \
         Sender) records a CommunicationRequest on its own server and pushes a Task to the provider (Information \
         Request Recipient) whose `focus` is that request; the provider pulls the request, works the Task, sends \
         the information back as a Communication (`basedOn` the request by reference and identifier, `partOf` \
         the Task), and completes the Task with the Communication as output. The payer finds the answer by its \
         link to the request. Machine of the Task: `cow-coordination`.",
    );
    let machine = coordination_machine().map_err(err)?;
    let mut payer = Server::new(PAYER, "2024-06-03T14:00:00Z");
    let mut provider = Server::new(PROVIDER, "2024-06-03T14:00:00Z");

    let mut request = InformationRequest::new(
        "cr-1",
        ("https://payer.example.org/information-requests", "IR-2024-0042"),
        Reference::to_type_id("Patient", "p1"),
        org("payer"),
        org("provider"),
        org("payer"),
        payer.instant().into(),
    )
    .text("Operative note and discharge summary for the April knee replacement")
    .build()
    .map_err(err)?;
    let mut body = request.clone();
    body.id = None;
    let post = Message::from_fhir_request(&transport::create(PAYER, &body).map_err(err)?, Some(body.into()));
    payer.stamp(&mut request, 1);
    s.step(
        "post-communication-request",
        "The payer records its CommunicationRequest",
        post,
        payer.answer(201, &request),
    );

    provider.advance(60);
    let mut task = solicited::request_task(
        &request,
        Some(PAYER),
        "crt-1",
        ("https://payer.example.org/tasks", "T-2024-0042"),
        &provider.instant().into(),
    )
    .map_err(err)?;
    let mut p = Play {
        s: &mut s,
        server: &mut provider,
        machine,
    };
    p.create(
        "post-task",
        "The payer pushes a Task to the provider; its focus is the CommunicationRequest at the payer",
        &mut task,
    )?;

    payer.advance(600);
    let read = Message::from_fhir_request(
        &transport::read(PAYER, "CommunicationRequest", "cr-1").map_err(err)?,
        None,
    );
    p.s.step(
        "pull-request",
        "The provider pulls the CommunicationRequest from the payer",
        read,
        payer.answer(200, &request),
    );

    p.change(
        "accept",
        "The provider accepts the Task",
        &mut task,
        Actor::OWNER,
        Event::Accept.into(),
    )?;
    p.change(
        "start",
        "The provider starts gathering the documents",
        &mut task,
        Actor::OWNER,
        Event::Start.into(),
    )?;

    payer.advance(7200);
    let mut answer = Answer::to(
        &request,
        Some(PAYER),
        "com-1",
        ("https://provider.example.org/communications", "C-88"),
        payer.instant().into(),
    )
    .map_err(err)?
    .part_of(&task, Some(PROVIDER))
    .map_err(err)?
    .text("Operative note and discharge summary attached")
    .payload_reference(Reference {
        reference: Some(Primitive::new(format!("{PROVIDER}/DocumentReference/op-note-0412"))),
        ..Default::default()
    })
    .build()
    .map_err(err)?;
    let mut body = answer.clone();
    body.id = None;
    let post = Message::from_fhir_request(&transport::create(PAYER, &body).map_err(err)?, Some(body.into()));
    payer.stamp(&mut answer, 1);
    p.s.step(
        "post-communication",
        "The provider sends the information to the payer as a Communication",
        post,
        payer.answer(201, &answer),
    );

    p.server.advance(7260);
    let before = task.clone();
    solicited::complete_task(&mut task, &[&answer], Some(PAYER), &p.server.instant().into()).map_err(err)?;
    p.record(
        "complete",
        "The provider completes the Task, with the Communication as output",
        &before,
        &mut task,
        Actor::OWNER,
    )?;

    payer.advance(600);
    let q = Query::parse("Communication?based-on=CommunicationRequest/cr-1").map_err(err)?;
    let matched = match q.compile().with_base(PAYER).matches(&answer) {
        Outcome::Match => vec![Resource::from(answer.clone())],
        Outcome::NoMatch => vec![],
        Outcome::Unsupported(why) => return Err(why),
    };
    let bundle = searchset(&payer, q.to_url(PAYER), matched);
    let search = Message::from_fhir_request(&transport::search(PAYER, &q).map_err(err)?, None);
    p.s.step(
        "find-answer",
        "The payer finds the answers to its request",
        search,
        payer.answer_resource(bundle),
    );

    s.note("`Communication.inResponseTo` is for replies to an earlier Communication only (R4 Communication definitions), so the answer refers to the request with `basedOn` (reference and identifier) and to the Task with `partOf`.");
    s.note("The request stays on the payer's server and is referred to absolutely; the provider pulls it (seed 003, \"pull the communication request from the Information Request Sender\").");
    Ok(s)
}
