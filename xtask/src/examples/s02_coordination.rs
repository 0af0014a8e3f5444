//! Scenario 2 (seed 001, Clinical Order Workflows): one coordination Task for two grouped lab
//! orders (multi-focus), sub-tasks created by the fulfiller and by the placer, and the sub-tasks'
//! outputs linked back into the coordination Task by the roll-up.

use coordination::rollup::{self, RollupRule};
use coordination::{codes, coordination_machine, transport, CoordinationTask, StatusChange, SubTask};
use fhir_model::*;
use search_params::Query;
use task_fsm::{Actor, Event, Machine};

use super::fhir::searchset;
use super::http::Message;
use super::scenario::Scenario;
use super::server::Server;

pub const PLACER: &str = "https://placer.example.org/fhir";
pub const LAB: &str = "https://lab.example.org/fhir";
const COW_TEMP: &str = "http://hl7.org/fhir/uv/cow/CodeSystem/temp";

pub fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

/// A reference to a resource that stays on the placer's server (COW: the Request is the placer's).
pub fn at_placer(path: &str) -> Reference {
    Reference {
        reference: Some(Primitive::new(format!("{PLACER}/{path}"))),
        ..Default::default()
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn version_of(t: &Task) -> u32 {
    t.meta
        .as_ref()
        .and_then(|m| m.version_id.as_ref())
        .and_then(|v| v.value.as_deref())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A party changes a Task on the lab's server: the change goes through the machine, then a PUT.
pub struct Play<'a> {
    pub s: &'a mut Scenario,
    pub server: &'a mut Server,
    pub machine: &'static Machine,
}

impl Play<'_> {
    pub fn create(&mut self, name: &str, title: &str, task: &mut Task) -> Result<(), String> {
        self.s.created(self.machine, task);
        // A create carries no id: the server assigns it (R4 http.html, create).
        let mut body = task.clone();
        body.id = None;
        let request = Message::from_fhir_request(
            &transport::create(&self.server.base, &body).map_err(err)?,
            Some(body.into()),
        );
        self.server.stamp(task, 1);
        let response = self.server.answer(201, task);
        self.s.step(name, title, request, response);
        Ok(())
    }

    pub fn change(
        &mut self,
        name: &str,
        title: &str,
        task: &mut Task,
        actor: Actor,
        change: StatusChange,
    ) -> Result<(), String> {
        self.server.advance(600);
        let before = task.clone();
        let at: DateTime = self.server.instant().into();
        coordination::change_status(task, self.machine, &actor, &at, change).map_err(err)?;
        self.s.change(self.machine, actor, &before, task);
        self.put(name, title, task)
    }

    /// Records a change made by another helper (`before` → `task`) and PUTs it.
    pub fn record(
        &mut self,
        name: &str,
        title: &str,
        before: &Task,
        task: &mut Task,
        actor: Actor,
    ) -> Result<(), String> {
        self.s.change(self.machine, actor, before, task);
        self.put(name, title, task)
    }

    pub fn put(&mut self, name: &str, title: &str, task: &mut Task) -> Result<(), String> {
        let version = version_of(task);
        let request = Message::from_fhir_request(
            &transport::update(&self.server.base, task).map_err(err)?,
            Some(task.clone().into()),
        )
        .header("If-Match", format!("W/\"{version}\""));
        self.server.stamp(task, version + 1);
        let response = self.server.answer(200, task);
        self.s.step(name, title, request, response);
        Ok(())
    }
}

fn output(text: &str, reference: Reference) -> TaskOutput {
    TaskOutput::new(codes::text(text), TaskOutputValue::Reference(Box::new(reference)))
}

pub fn scenario() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "02-coordination",
        "Coordination Task with sub-tasks for two grouped lab orders",
        "Seed 001 (Clinical Order Workflows, using Task): a placer asks a lab to fulfil two grouped orders \
         (glucose and HbA1c) with one coordination Task whose `focus` is the first ServiceRequest and whose \
         `extension-Task.focus` extension names the second (multi-focus). The lab accepts and starts, creates a \
         sub-task for the specimen draw, the placer creates a sub-task of its own (fasting instructions to the \
         patient), both point to the coordination Task with `partOf`, and when they are done the roll-up links \
         their outputs into the coordination Task's `output` and completes it. Machine: `cow-coordination` \
         (the R4 diagram as COW uses it, built with task-fsm's builder by the coordination crate).",
    );
    let machine = coordination_machine().map_err(err)?;
    let mut server = Server::new(LAB, "2024-05-01T09:00:00Z");
    let authored: DateTime = server.instant().into();
    let mut coord = CoordinationTask::new(
        at_placer("ServiceRequest/glucose"),
        at_placer("PractitionerRole/dr-placer"),
        authored.clone(),
    )
    .identifier("https://placer.example.org/cpoe", "f085e001")
    .also_focus(at_placer("ServiceRequest/hba1c"))
    .patient(at_placer("Patient/p1"))
    .owner(org("lab"))
    .input(
        codes::text("Specimen collection instructions"),
        TaskInputValue::String(Primitive::from("Fasting sample, morning draw")),
    )
    .build()
    .map_err(err)?;
    coord.id = Some(Primitive::from("coord-1"));
    let mut p = Play {
        s: &mut s,
        server: &mut server,
        machine,
    };
    p.create(
        "post-coordination-task",
        "The placer POSTs the coordination Task for both orders to the lab",
        &mut coord,
    )?;
    p.change(
        "accept",
        "The lab accepts",
        &mut coord,
        Actor::OWNER,
        Event::Accept.into(),
    )?;

    // A sub-task created by the fulfiller, owned by its phlebotomist.
    p.server.advance(60);
    let mut draw = SubTask::of(
        &coord,
        codes::text("Collect specimen"),
        org("lab"),
        p.server.instant().into(),
    )
    .map_err(err)?
    .id("draw")
    .owner(Reference::to_type_id("Practitioner", "phlebotomist"))
    .build()
    .map_err(err)?;
    draw.id = Some(Primitive::from("draw"));
    p.create(
        "post-lab-sub-task",
        "The lab creates a sub-task for the specimen draw (`partOf` the coordination Task)",
        &mut draw,
    )?;
    // A sub-task created by the placer, owned by the placer's front desk.
    p.server.advance(60);
    let mut instruct = SubTask::of(
        &coord,
        codes::text("Send fasting instructions to the patient"),
        at_placer("PractitionerRole/dr-placer"),
        p.server.instant().into(),
    )
    .map_err(err)?
    .id("instruct")
    .owner(at_placer("Organization/placer-front-desk"))
    .build()
    .map_err(err)?;
    instruct.id = Some(Primitive::from("instruct"));
    p.create(
        "post-placer-sub-task",
        "The placer creates a sub-task of its own (`partOf` the same coordination Task)",
        &mut instruct,
    )?;

    p.change(
        "instructions-accepted",
        "The placer's front desk takes the sub-task",
        &mut instruct,
        Actor::OWNER,
        Event::Accept.into(),
    )?;
    p.change(
        "instructions-started",
        "The front desk starts calling the patient",
        &mut instruct,
        Actor::OWNER,
        Event::Start.into(),
    )?;
    p.change(
        "instructions-done",
        "The instructions were delivered",
        &mut instruct,
        Actor::OWNER,
        StatusChange::new(Event::complete([output(
            "Instructions sent",
            at_placer("Communication/fasting-1"),
        )])),
    )?;
    p.change(
        "draw-accepted",
        "The phlebotomist accepts the draw",
        &mut draw,
        Actor::OWNER,
        Event::Accept.into(),
    )?;
    p.change(
        "coordination-started",
        "The lab starts work on the coordination Task",
        &mut coord,
        Actor::OWNER,
        Event::Start.into(),
    )?;
    p.change(
        "draw-started",
        "The phlebotomist starts the draw",
        &mut draw,
        Actor::OWNER,
        Event::Start.into(),
    )?;
    p.change(
        "draw-done",
        "Specimen collected (business status `specimen-collected`)",
        &mut draw,
        Actor::OWNER,
        StatusChange::new(Event::complete([output(
            "Specimen",
            Reference::to_type_id("Specimen", "s1"),
        )]))
        .with_business_status(codes::concept(COW_TEMP, "specimen-collected")),
    )?;

    // The results are linked as outputs, then the roll-up completes the coordination Task.
    let results = [
        output("Result", Reference::to_type_id("DiagnosticReport", "glucose-result")),
        output("Result", Reference::to_type_id("DiagnosticReport", "hba1c-result")),
    ];
    coord.output.extend(results);
    let subs = [&draw, &instruct];
    let roll = rollup::roll_up(&subs, &RollupRule::default());
    p.server.advance(3600);
    let before = coord.clone();
    let at: DateTime = p.server.instant().into();
    rollup::apply(&mut coord, &roll, machine, &Actor::OWNER, &at).map_err(err)?;
    p.s.change(machine, Actor::OWNER, &before, &coord);
    p.put(
        "coordination-completed",
        "The roll-up: every sub-task done, their outputs linked, the coordination Task completed",
        &mut coord,
    )?;

    // The placer finds the sub-tasks of its coordination Task.
    p.server.advance(120);
    let q = Query::parse("Task?part-of=Task/coord-1").map_err(err)?;
    let compiled = q.compile().with_base(LAB);
    let matches: Vec<Resource> = [&draw, &instruct]
        .into_iter()
        .filter(|t| compiled.matches(*t) == search_params::Outcome::Match)
        .map(|t| t.clone().into())
        .collect();
    let bundle = searchset(p.server, q.to_url(LAB), matches);
    let request = Message::from_fhir_request(&transport::search(LAB, &q).map_err(err)?, None);
    let response = p.server.answer_resource(bundle);
    p.s.step(
        "find-sub-tasks",
        "The placer lists the sub-tasks of its coordination Task",
        request,
        response,
    );

    s.note("`Task.owner` is who holds the baton now; R4 has no `Task.performer` (seed 001 describes R5): the coordination crate records previous owners with the R5 cross-version extension when ownership is handed over (`coordination::ownership`).");
    s.note("The multi-focus extension `http://hl7.org/fhir/4.0/StructureDefinition/extension-Task.focus` carries the second grouped order (seed 001, \"Coordinating related requests\").");
    s.note("Updates carry `If-Match` with the version read (R4 http.html, managing resource contention).");
    Ok(s)
}
