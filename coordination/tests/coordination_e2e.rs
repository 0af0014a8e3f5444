//! End to end: a placer asks a lab to fulfil two grouped orders with one Coordination Task; the
//! lab accepts, splits the work into sub-tasks, hands one over, and the roll-up completes the
//! Coordination Task with the sub-tasks' outputs. Both parties are played in memory; every
//! exchanged resource is in the snapshot and every Task version passes task-fsm's checks.

mod coord_support;

use coord_support::{at, History, Transcript};
use coordination::rollup::{self, Overall, RollupRule};
use coordination::{
    codes, coordination_machine, focus, ownership, transport, CoordinationTask, StatusChange, SubTask, TaskTree,
};
use fhir_model::{
    Primitive, Reference, RequestIntent, RequestStatus, ServiceRequest, TaskInputValue, TaskOutput, TaskOutputValue,
    TaskStatus,
};
use task_fsm::{Actor, Event};

const PLACER: &str = "https://placer.example.org/fhir";
const LAB: &str = "https://lab.example.org/fhir";

fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

/// A reference to a resource on the placer's server (the Request stays there: COW-CMR).
fn at_placer(path: &str) -> Reference {
    Reference {
        reference: Some(Primitive::new(format!("{PLACER}/{path}"))),
        ..Default::default()
    }
}

fn service_request(id: &str, loinc: &str) -> ServiceRequest {
    let mut sr = ServiceRequest::new(
        RequestStatus::Active,
        RequestIntent::Order,
        Reference::to_type_id("Patient", "p1"),
    );
    sr.id = Some(Primitive::from(id));
    sr.code = Some(codes::concept("http://loinc.org", loinc));
    sr
}

fn output(type_text: &str, reference: Reference) -> TaskOutput {
    TaskOutput::new(codes::text(type_text), TaskOutputValue::Reference(Box::new(reference)))
}

#[test]
fn grouped_lab_orders_with_sub_tasks_roll_up_to_a_completed_coordination_task() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();

    // Placer: two grouped orders, one Coordination Task (multi-focus), POSTed to the lab.
    let glucose = service_request("glucose", "2345-7");
    let hba1c = service_request("hba1c", "4548-4");
    log.step("placer: the grouped Requests (kept on the placer's server)");
    log.resource("ServiceRequest/glucose", &glucose);
    log.resource("ServiceRequest/hba1c", &hba1c);
    let coord = CoordinationTask::new(
        at_placer("ServiceRequest/glucose"),
        at_placer("PractitionerRole/dr-placer"),
        at("2024-05-01T09:00:00Z"),
    )
    .id("coord-1")
    .identifier("https://placer.example.org/cpoe", "f085e001")
    .also_focus(at_placer("ServiceRequest/hba1c"))
    .patient(at_placer("Patient/p1"))
    .owner(org("lab"))
    .input(
        codes::text("Specimen collection instructions"),
        TaskInputValue::String(Primitive::from("Fasting sample")),
    )
    .build()
    .unwrap();
    let focuses: Vec<_> = focus::focuses(&coord)
        .unwrap()
        .iter()
        .filter_map(|r| r.reference_str())
        .collect();
    assert_eq!(
        focuses,
        [
            "https://placer.example.org/fhir/ServiceRequest/glucose",
            "https://placer.example.org/fhir/ServiceRequest/hba1c"
        ]
    );
    log.step("placer -> lab: create the Coordination Task");
    log.request(&transport::create(LAB, &coord).unwrap());
    let mut coord_history = History::new(machine, &coord);
    let mut coord = coord;

    // Lab accepts and starts; sub-tasks for the phlebotomist and the analyser.
    coordination::change_status(
        &mut coord,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:05:00Z"),
        StatusChange::new(Event::Accept),
    )
    .unwrap();
    coord_history.record(Actor::OWNER, &coord);
    let mut draw = SubTask::of(
        &coord,
        codes::text("Collect specimen"),
        org("lab"),
        at("2024-05-01T09:06:00Z"),
    )
    .unwrap()
    .id("draw")
    .owner(Reference::to_type_id("Practitioner", "phlebotomist"))
    .build()
    .unwrap();
    let mut analyse = SubTask::of(
        &coord,
        codes::text("Run analysis"),
        org("lab"),
        at("2024-05-01T09:06:00Z"),
    )
    .unwrap()
    .id("analyse")
    .owner(Reference::to_type_id("Device", "analyser-1"))
    .build()
    .unwrap();
    assert_eq!(
        draw.based_on,
        vec![at_placer("ServiceRequest/glucose"), at_placer("ServiceRequest/hba1c")]
    );
    assert_eq!(draw.for_, Some(at_placer("Patient/p1")));
    let mut draw_history = History::new(machine, &draw);
    let mut analyse_history = History::new(machine, &analyse);
    log.step("lab: accept the Coordination Task, create two sub-tasks");
    log.request(&transport::update(LAB, &coord).unwrap());
    log.request(&transport::create(LAB, &draw).unwrap());
    log.request(&transport::create(LAB, &analyse).unwrap());

    let tasks = vec![coord.clone(), draw.clone(), analyse.clone()];
    let tree = TaskTree::build(&tasks).unwrap();
    assert_eq!(tree.roots().len(), 1);
    assert_eq!(tree.children("coord-1").len(), 2);
    assert_eq!(tree.depth("analyse"), Some(1));
    let subs = tree.children("coord-1");
    assert_eq!(
        rollup::roll_up(&subs, &RollupRule::default()).overall,
        Overall::NotStarted
    );

    // The phlebotomist collects the specimen.
    for (event, time) in [(Event::Accept, "09:10"), (Event::Start, "09:20")] {
        coordination::change_status(
            &mut draw,
            machine,
            &Actor::OWNER,
            &at(&format!("2024-05-01T{time}:00Z")),
            event.into(),
        )
        .unwrap();
        draw_history.record(Actor::OWNER, &draw);
    }
    let sub_refs = [&draw, &analyse];
    let roll = rollup::roll_up(&sub_refs, &RollupRule::default());
    assert_eq!(roll.overall, Overall::InProgress);
    let applied = rollup::apply(&mut coord, &roll, machine, &Actor::OWNER, &at("2024-05-01T09:21:00Z")).unwrap();
    assert_eq!(applied.status, Some((TaskStatus::Accepted, TaskStatus::InProgress)));
    coord_history.record(Actor::OWNER, &coord);
    coordination::change_status(
        &mut draw,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:30:00Z"),
        StatusChange::new(Event::complete([output(
            "Specimen",
            Reference::to_type_id("Specimen", "s1"),
        )]))
        .with_business_status(codes::concept(
            "http://hl7.org/fhir/uv/cow/CodeSystem/temp",
            "specimen-collected",
        )),
    )
    .unwrap();
    draw_history.record(Actor::OWNER, &draw);
    log.step("lab: specimen collected; the Coordination Task is in progress");
    log.request(&transport::update(LAB, &draw).unwrap());
    log.request(&transport::update(LAB, &coord).unwrap());

    // The analyser breaks down: the step is handed over, the previous owner becomes a performer.
    coordination::change_status(
        &mut analyse,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T10:00:00Z"),
        Event::Accept.into(),
    )
    .unwrap();
    analyse_history.record(Actor::OWNER, &analyse);
    let handed = ownership::hand_over(
        &mut analyse,
        machine,
        &Actor::REQUESTER,
        Reference::to_type_id("Device", "analyser-2"),
        Some(codes::text("prepared the run")),
        &at("2024-05-01T10:05:00Z"),
    )
    .unwrap();
    assert!(handed.recorded);
    analyse_history.record(Actor::REQUESTER, &analyse);
    let performers = ownership::performers(&analyse).unwrap();
    assert_eq!(performers.len(), 1);
    assert_eq!(performers[0].actor, Reference::to_type_id("Device", "analyser-1"));
    assert_eq!(analyse.owner, Some(Reference::to_type_id("Device", "analyser-2")));
    for (event, time) in [
        (Event::Start, "10:10:00Z"),
        (
            Event::complete([
                output("DiagnosticReport", Reference::to_type_id("DiagnosticReport", "dr1")),
                output("Observation", Reference::to_type_id("Observation", "glucose-result")),
            ]),
            "11:00:00Z",
        ),
    ] {
        coordination::change_status(
            &mut analyse,
            machine,
            &Actor::OWNER,
            &at(&format!("2024-05-01T{time}")),
            event.into(),
        )
        .unwrap();
        analyse_history.record(Actor::OWNER, &analyse);
    }
    log.step("lab: analysis handed over from analyser-1 to analyser-2, then completed");
    log.request(&transport::update(LAB, &analyse).unwrap());

    // Roll-up: all sub-tasks done -> the Coordination Task completes with the linked outputs.
    let sub_refs = [&draw, &analyse];
    let roll = rollup::roll_up(&sub_refs, &RollupRule::default());
    assert_eq!(roll.overall, Overall::Completable);
    assert_eq!(roll.outputs.len(), 3);
    let applied = rollup::apply(&mut coord, &roll, machine, &Actor::OWNER, &at("2024-05-01T11:05:00Z")).unwrap();
    assert_eq!(applied.linked, 3);
    assert_eq!(applied.status, Some((TaskStatus::InProgress, TaskStatus::Completed)));
    coord_history.record(Actor::OWNER, &coord);
    let linked: Vec<_> = coord
        .output
        .iter()
        .filter_map(|o| match &o.value {
            TaskOutputValue::Reference(r) => r.reference_str(),
            _ => None,
        })
        .collect();
    assert_eq!(
        linked,
        ["Specimen/s1", "DiagnosticReport/dr1", "Observation/glucose-result"]
    );
    // Applying again links nothing and changes nothing.
    let again = rollup::apply(&mut coord, &roll, machine, &Actor::OWNER, &at("2024-05-01T11:06:00Z")).unwrap();
    assert_eq!((again.linked, again.status), (0, None));
    log.step("lab: the Coordination Task is completed with the sub-tasks' outputs; the placer reads it");
    log.request(&transport::update(LAB, &coord).unwrap());
    log.request(&transport::read(LAB, "Task", "coord-1").unwrap());
    log.resource("Task/coord-1 as read by the placer", &coord);

    coord_history.assert_valid();
    draw_history.assert_valid();
    analyse_history.assert_valid();
    insta::assert_snapshot!(log.finish());
}

#[test]
fn the_placer_cannot_cancel_after_work_began_but_can_before() {
    let machine = coordination_machine().unwrap();
    let mut task = CoordinationTask::new(
        Reference::to_type_id("ServiceRequest", "sr"),
        org("placer"),
        at("2024-05-01T09:00:00Z"),
    )
    .id("c")
    .identifier("urn:ietf:rfc:3986", "urn:uuid:5")
    .owner(org("lab"))
    .build()
    .unwrap();
    let before_start = task.clone();
    coordination::change_status(
        &mut task,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:01:00Z"),
        Event::Accept.into(),
    )
    .unwrap();
    coordination::change_status(
        &mut task,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:02:00Z"),
        Event::Start.into(),
    )
    .unwrap();
    let started = task.clone();
    let err = coordination::change_status(
        &mut task,
        machine,
        &Actor::REQUESTER,
        &at("2024-05-01T09:03:00Z"),
        Event::cancel("changed my mind").into(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("in-progress -> cancelled may be made by owner, not by requester"),
        "{err}"
    );
    assert_eq!(task, started, "a refused change leaves the Task as it was");
    let mut early = before_start;
    coordination::change_status(
        &mut early,
        machine,
        &Actor::REQUESTER,
        &at("2024-05-01T09:03:00Z"),
        Event::cancel("changed my mind").into(),
    )
    .unwrap();
    assert_eq!(early.status, TaskStatus::Cancelled);
}
