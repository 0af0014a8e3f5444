//! Unit tests of each helper: multi-focus, coordination and sub-task builders, status changes
//! with business status, inputs, ownership, roll-up rules, the COW machine, request descriptions.

mod coord_support;

use coord_support::at;
use coordination::rollup::{self, Overall, RollupRule};
use coordination::{
    codes, coordination_machine, focus, ownership, transport, CoordinationTask, Error, StatusChange, SubTask,
};
use fhir_model::{
    Extension, ExtensionValue, Meta, Primitive, Reference, Task, TaskInputValue, TaskIntent, TaskOutput,
    TaskOutputValue, TaskStatus,
};
use task_fsm::{builtin, Actor, Event, RuleKind};

fn sr(id: &str) -> Reference {
    Reference::to_type_id("ServiceRequest", id)
}

fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

fn task_in(status: TaskStatus) -> Task {
    Task::new(status, TaskIntent::Order)
}

// --- multi-focus -------------------------------------------------------------------------------

#[test]
fn focuses_read_the_element_then_the_extensions_and_keep_other_extensions() {
    let mut task = task_in(TaskStatus::Requested);
    assert!(focus::focuses(&task).unwrap().is_empty());
    task.extension.push(Extension {
        value: Some(ExtensionValue::String(Primitive::from("unrelated"))),
        ..Extension::new("http://example.org/other")
    });
    assert!(focus::add_focus(&mut task, sr("a")));
    assert_eq!(task.focus, Some(sr("a")));
    assert!(focus::add_focus(&mut task, sr("b")));
    assert!(
        !focus::add_focus(&mut task, sr("b")),
        "a focus already present is not added twice"
    );
    assert!(!focus::add_focus(&mut task, sr("a")));
    let all: Vec<_> = focus::focuses(&task).unwrap().into_iter().cloned().collect();
    assert_eq!(all, [sr("a"), sr("b")]);
    focus::set_focuses(&mut task, vec![sr("x"), sr("y"), sr("z")]);
    let all: Vec<_> = focus::focuses(&task).unwrap().into_iter().cloned().collect();
    assert_eq!(all, [sr("x"), sr("y"), sr("z")]);
    assert_eq!(
        task.extension[0].url, "http://example.org/other",
        "other extensions are kept first"
    );
    assert_eq!(task.extension.len(), 3);
    focus::set_focuses(&mut task, vec![]);
    assert!(task.focus.is_none());
    assert_eq!(task.extension.len(), 1);
}

#[test]
fn a_focus_extension_without_a_reference_is_an_error_naming_it() {
    let mut task = task_in(TaskStatus::Requested);
    task.focus = Some(sr("a"));
    task.extension.push(Extension {
        value: Some(ExtensionValue::String(Primitive::from("ServiceRequest/b"))),
        ..Extension::new(focus::FOCUS_EXTENSION)
    });
    assert_eq!(
        focus::focuses(&task).unwrap_err().to_string(),
        "Task.extension[0] (http://hl7.org/fhir/4.0/StructureDefinition/extension-Task.focus): expected valueReference, \
         found a value of another type"
    );
    task.extension[0].value = None;
    assert!(focus::focuses(&task)
        .unwrap_err()
        .to_string()
        .ends_with("found no value"));
}

// --- builders ----------------------------------------------------------------------------------

#[test]
fn coordination_task_builder_checks_the_cow_profile_and_the_machine() {
    let base = || CoordinationTask::new(sr("a"), org("placer"), at("2024-05-01T09:00:00Z"));
    assert_eq!(
        base().build().unwrap_err().to_string(),
        "Task.identifier: expected at least one business identifier (COW coordination-task: identifier 1..*), found none"
    );
    let err = CoordinationTask::new(Reference::to_type_id("Patient", "p"), org("placer"), at("2024-05-01"))
        .identifier("s", "v")
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Task.focus (focus #1): expected a reference to one of ServiceRequest"),
        "{err}"
    );
    let err = base()
        .identifier("s", "v")
        .also_focus(Reference::to_identifier("urn:sys", "x"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("found a reference without a resource type"),
        "{err}"
    );
    // An initial state the machine does not have is refused by task-fsm's check_create.
    match base().identifier("s", "v").status(TaskStatus::InProgress).build() {
        Err(Error::Refused { violations, .. }) => assert_eq!(violations[0].rule, RuleKind::NotInitial),
        other => panic!("{other:?}"),
    }
    let draft = base().identifier("s", "v").status(TaskStatus::Draft).build().unwrap();
    assert_eq!(draft.status, TaskStatus::Draft);
    let full = base()
        .id("c")
        .identifier("s", "v")
        .based_on(Reference::to_type_id("CarePlan", "cp"))
        .code(codes::text("Consult"))
        .priority(fhir_model::RequestPriority::Urgent)
        .group_identifier("urn:sys", "g1")
        .build()
        .unwrap();
    assert_eq!(full.based_on, vec![Reference::to_type_id("CarePlan", "cp")]);
    assert_eq!(full.code, Some(codes::text("Consult")));
    assert_eq!(
        full.meta.as_ref().map(|m| m.profile[0].value.clone()),
        Some(Some(codes::COORDINATION_TASK_PROFILE.to_owned()))
    );
}

#[test]
fn sub_tasks_need_a_parent_id_and_can_be_checked_against_another_machine() {
    let parent = task_in(TaskStatus::InProgress);
    assert_eq!(
        SubTask::of(&parent, codes::text("step"), org("lab"), at("2024-05-01"))
            .unwrap_err()
            .to_string(),
        "parent Task.id: expected an id to refer to with partOf, found none"
    );
    let mut parent = parent;
    parent.id = Some(Primitive::from("p"));
    parent.focus = Some(sr("a"));
    let sub = SubTask::of(&parent, codes::text("step"), org("lab"), at("2024-05-01"))
        .unwrap()
        .identifier("s", "1")
        .focus(Reference::to_type_id("Specimen", "s1"))
        .description("Label the tubes")
        .input(
            codes::text("Tube type"),
            TaskInputValue::String(Primitive::from("red top")),
        )
        .status(TaskStatus::Draft)
        .build()
        .unwrap();
    assert_eq!(sub.part_of, vec![Reference::to_type_id("Task", "p")]);
    assert_eq!(sub.based_on, vec![sr("a")]);
    // The SDOH referral machine starts in draft or requested, never in ready.
    let referral = builtin("sdoh-referral").unwrap();
    let err = SubTask::of(&parent, codes::text("step"), org("lab"), at("2024-05-01"))
        .unwrap()
        .status(TaskStatus::Ready)
        .build_for(referral)
        .unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
}

// --- status changes and inputs -----------------------------------------------------------------

#[test]
fn status_changes_set_the_business_status_in_the_same_checked_update() {
    let machine = coordination_machine().unwrap();
    let mut task = task_in(TaskStatus::Requested);
    let applied = coordination::change_status(
        &mut task,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:00:00Z"),
        StatusChange::new(Event::Accept).with_business_status(codes::text("awaiting information")),
    )
    .unwrap();
    assert_eq!(
        (applied.from, applied.to),
        (TaskStatus::Requested, TaskStatus::Accepted)
    );
    assert_eq!(task.business_status, Some(codes::text("awaiting information")));
    assert_eq!(task.last_modified, Some(Primitive::new(at("2024-05-01T09:00:00Z"))));
    // A refused event changes nothing, business status included.
    let before = task.clone();
    let err = coordination::change_status(
        &mut task,
        machine,
        &Actor::OWNER,
        &at("2024-05-01T09:01:00Z"),
        StatusChange::new(Event::complete([])).with_business_status(codes::text("done")),
    )
    .unwrap_err();
    assert!(err.to_string().contains("accepted -> completed"), "{err}");
    assert_eq!(task, before);
    // lastModified may not go back.
    let err = coordination::change_status(
        &mut task,
        machine,
        &Actor::OWNER,
        &at("2024-04-01T00:00:00Z"),
        Event::Start.into(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("lastModified"), "{err}");
}

#[test]
fn inputs_are_added_as_an_actor_allowed_to_change_them() {
    let mut task = task_in(TaskStatus::Ready);
    let patient = builtin("sdoh-patient").unwrap();
    let err = coordination::add_input(
        &mut task,
        patient,
        &Actor::PATIENT_APP,
        &at("2024-05-01T09:00:00Z"),
        codes::text("note"),
        TaskInputValue::String(Primitive::from("x")),
    )
    .unwrap_err();
    match err {
        Error::Refused { violations, .. } => {
            assert_eq!(violations[0].path, "Task.input");
            assert_eq!(violations[0].rule, RuleKind::OutsideEditScope);
        }
        other => panic!("{other:?}"),
    }
    assert!(task.input.is_empty());
    coordination::add_input(
        &mut task,
        patient,
        &Actor::REQUESTER,
        &at("2024-05-01T09:00:00Z"),
        codes::text("Specimen"),
        TaskInputValue::Reference(Box::new(Reference::to_type_id("Specimen", "s1"))),
    )
    .unwrap();
    assert_eq!(task.input.len(), 1);
}

// --- ownership ---------------------------------------------------------------------------------

#[test]
fn hand_over_records_each_previous_owner_once_and_keeps_owner_distinct() {
    let machine = coordination_machine().unwrap();
    let mut task = task_in(TaskStatus::InProgress);
    // No owner yet: nothing to record.
    let h = ownership::hand_over(
        &mut task,
        machine,
        &Actor::REQUESTER,
        org("a"),
        None,
        &at("2024-05-01T09:00:00Z"),
    )
    .unwrap();
    assert_eq!((h.previous, h.recorded), (None, false));
    assert!(ownership::performers(&task).unwrap().is_empty());
    ownership::hand_over(
        &mut task,
        machine,
        &Actor::REQUESTER,
        org("b"),
        None,
        &at("2024-05-01T10:00:00Z"),
    )
    .unwrap();
    let h = ownership::hand_over(
        &mut task,
        machine,
        &Actor::REQUESTER,
        org("a"),
        None,
        &at("2024-05-01T11:00:00Z"),
    )
    .unwrap();
    assert!(h.recorded, "b is recorded");
    let h = ownership::hand_over(
        &mut task,
        machine,
        &Actor::REQUESTER,
        org("b"),
        None,
        &at("2024-05-01T12:00:00Z"),
    )
    .unwrap();
    assert!(!h.recorded, "a was recorded already");
    let actors: Vec<_> = ownership::performers(&task)
        .unwrap()
        .into_iter()
        .map(|p| p.actor)
        .collect();
    assert_eq!(actors, [org("a"), org("b")]);
    assert_eq!(task.owner, Some(org("b")));
    let err = ownership::hand_over(
        &mut task,
        machine,
        &Actor::REQUESTER,
        org("b"),
        None,
        &at("2024-05-01T13:00:00Z"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Task.owner: expected a new owner to hand over to"),
        "{err}"
    );
    // The SDOH patient application may not change the owner (SDOH-P-intro edit scope).
    let mut patient_task = task_in(TaskStatus::Ready);
    patient_task.owner = Some(Reference::to_type_id("Patient", "p"));
    let err = ownership::hand_over(
        &mut patient_task,
        builtin("sdoh-patient").unwrap(),
        &Actor::PATIENT_APP,
        Reference::to_type_id("RelatedPerson", "rp"),
        None,
        &at("2024-05-01T09:00:00Z"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    assert_eq!(patient_task.owner, Some(Reference::to_type_id("Patient", "p")));
}

#[test]
fn malformed_performer_extensions_are_errors() {
    let mut task = task_in(TaskStatus::InProgress);
    let mut ext = Extension::new(ownership::PERFORMER_EXTENSION);
    ext.extension.push(Extension {
        value: Some(ExtensionValue::String(Primitive::from("not a reference"))),
        ..Extension::new("actor")
    });
    task.extension.push(ext);
    assert!(ownership::performers(&task)
        .unwrap_err()
        .to_string()
        .contains("extension:actor"));
    task.extension[0].extension.clear();
    assert!(ownership::performers(&task)
        .unwrap_err()
        .to_string()
        .contains("expected exactly one actor (1..1), found 0"));
}

// --- roll-up -----------------------------------------------------------------------------------

#[test]
fn rollup_rule_table() {
    use TaskStatus::*;
    let rule = RollupRule::default();
    let table: &[(&[TaskStatus], Overall)] = &[
        (&[], Overall::NoActiveSubTasks),
        (&[Cancelled, EnteredInError], Overall::NoActiveSubTasks),
        (&[Completed, Completed], Overall::Completable),
        (&[Completed, Cancelled], Overall::Completable),
        (&[Completed, Failed], Overall::Attention),
        (&[Requested, Rejected], Overall::Attention),
        (&[Requested, Accepted, Draft], Overall::NotStarted),
        (&[Requested, InProgress], Overall::InProgress),
        (&[Completed, Requested], Overall::InProgress),
        (&[OnHold], Overall::InProgress),
    ];
    for (statuses, expected) in table {
        let tasks: Vec<Task> = statuses.iter().map(|s| task_in(*s)).collect();
        let refs: Vec<&Task> = tasks.iter().collect();
        assert_eq!(rollup::roll_up(&refs, &rule).overall, *expected, "{statuses:?}");
    }
    // A status that is not an R4 code needs attention.
    let mut odd = task_in(Requested);
    odd.status = Primitive::new(fhir_model::Coded::Unknown("paused".into()));
    assert_eq!(rollup::roll_up(&[&odd], &rule).overall, Overall::Attention);
    // The rule is configurable: treat rejected sub-tasks as ignorable.
    let lenient = RollupRule {
        ignored: [Cancelled, EnteredInError, Rejected].into_iter().collect(),
        attention: [Failed].into_iter().collect(),
        ..RollupRule::default()
    };
    let tasks = [task_in(Rejected), task_in(Completed)];
    assert_eq!(
        rollup::roll_up(&[&tasks[0], &tasks[1]], &lenient).overall,
        Overall::Completable
    );
    assert_eq!(Overall::Completable.suggested_status(), Some(Completed));
    assert_eq!(Overall::Attention.suggested_status(), None);
}

#[test]
fn rollup_links_reference_outputs_once_and_reports_contained_ones() {
    let out = |r: &str| {
        TaskOutput::new(
            codes::text("result"),
            TaskOutputValue::Reference(Box::new(Reference {
                reference: Some(Primitive::from(r)),
                ..Default::default()
            })),
        )
    };
    let mut a = task_in(TaskStatus::Completed);
    a.id = Some(Primitive::from("a"));
    a.output = vec![
        out("DiagnosticReport/1"),
        out("#local"),
        TaskOutput::new(codes::text("note"), TaskOutputValue::String(Primitive::from("text"))),
    ];
    let mut b = task_in(TaskStatus::Completed);
    b.output = vec![out("DiagnosticReport/1"), out("Procedure/2")];
    let mut cancelled = task_in(TaskStatus::Cancelled);
    cancelled.output = vec![out("Procedure/ignored")];
    let roll = rollup::roll_up(&[&a, &b, &cancelled], &RollupRule::default());
    let linked: Vec<_> = roll
        .outputs
        .iter()
        .filter_map(|o| match &o.value {
            TaskOutputValue::Reference(r) => r.reference_str(),
            _ => None,
        })
        .collect();
    assert_eq!(linked, ["DiagnosticReport/1", "Procedure/2"]);
    assert_eq!(roll.unlinkable, vec![("Task/a".to_owned(), "#local".to_owned())]);

    // Applied to a coordination Task that is only requested: outputs are linked, status kept.
    let machine = coordination_machine().unwrap();
    let mut coord = task_in(TaskStatus::Requested);
    let applied = rollup::apply(&mut coord, &roll, machine, &Actor::OWNER, &at("2024-05-01T09:00:00Z")).unwrap();
    assert_eq!((applied.linked, applied.status), (2, None));
    assert_eq!(coord.status, TaskStatus::Requested);
    // On hold: the coordinator paused it deliberately; completing is not suggested from there.
    let mut held = task_in(TaskStatus::OnHold);
    let applied = rollup::apply(&mut held, &roll, machine, &Actor::OWNER, &at("2024-05-01T09:00:00Z")).unwrap();
    assert_eq!(applied.status, None);
}

// --- the COW machine ---------------------------------------------------------------------------

#[test]
fn the_cow_machine_is_the_r4_diagram_plus_its_documented_rows() {
    let cow = coordination_machine().unwrap();
    let r4 = builtin("r4-diagram").unwrap();
    let cow_edges = cow.edges();
    let r4_edges = r4.edges();
    let extra: Vec<_> = cow_edges.iter().filter(|e| !r4_edges.contains(e)).collect();
    assert_eq!(
        extra,
        [
            &(TaskStatus::InProgress, TaskStatus::Cancelled, Actor::OWNER),
            &(TaskStatus::OnHold, TaskStatus::Cancelled, Actor::OWNER)
        ]
    );
    assert!(r4_edges.iter().all(|e| cow_edges.contains(e)));
    assert_eq!(
        cow.initial().iter().collect::<Vec<_>>(),
        [TaskStatus::Draft, TaskStatus::Requested]
    );
    assert_eq!(cow.terminal(), r4.terminal());
    assert_eq!(cow.immutable_rules().len(), r4.immutable_rules().len());
}

// --- request descriptions ----------------------------------------------------------------------

#[test]
fn request_descriptions_use_http_types_and_refuse_bad_urls() {
    let mut task = task_in(TaskStatus::Requested);
    task.id = Some(Primitive::from("t1"));
    task.meta = Some(Meta {
        version_id: Some(Primitive::from("3")),
        ..Default::default()
    });
    let put = transport::update("https://x.example.org/fhir/", &task).unwrap();
    assert_eq!(put.method, http::Method::PUT);
    assert_eq!(put.uri, "https://x.example.org/fhir/Task/t1");
    assert_eq!(put.headers["if-match"], "W/\"3\"");
    let http_request = put.clone().into_http();
    assert_eq!(http_request.method(), http::Method::PUT);
    assert_eq!(http_request.headers()["content-type"], "application/fhir+json");
    assert_eq!(http_request.body().as_deref(), put.body.as_deref());
    let get = transport::read("https://x.example.org/fhir", "Task", "t1").unwrap();
    assert!(get.body.is_none());
    assert!(!get.headers.contains_key("content-type"));
    assert_eq!(
        get.to_text(),
        "GET https://x.example.org/fhir/Task/t1\naccept: application/fhir+json\n"
    );
    for bad in ["not a url", "/relative/fhir", "https://exa mple.org"] {
        let err = transport::read(bad, "Task", "t1").unwrap_err();
        assert!(
            err.to_string().starts_with("request URL: expected an absolute URL"),
            "{bad}: {err}"
        );
    }
    task.id = None;
    assert_eq!(
        transport::update("https://x.example.org/fhir", &task)
            .unwrap_err()
            .to_string(),
        "Task.id: expected an id to update, found none"
    );
    let query = search_params::Query::parse("Task?owner:missing=true&status=requested").unwrap();
    assert_eq!(
        transport::search("https://x.example.org/fhir", &query).unwrap().uri,
        "https://x.example.org/fhir/Task?owner:missing=true&status=requested"
    );
}

// --- data request reading ------------------------------------------------------------------------

#[test]
fn a_malformed_signature_flag_is_never_read_as_unsigned() {
    use coordination::data_request::{self, DataRequest, Requested};
    let mut task = DataRequest::new(
        Requested::Code(codes::text("progress note")),
        Reference::to_type_id("Patient", "p"),
        org("payer"),
        org("provider"),
        at("2024-05-01T09:00:00Z"),
    )
    .signature_required(true)
    .build()
    .unwrap();
    data_request::accept(&mut task, &at("2024-05-01T09:01:00Z")).unwrap();
    data_request::start(&mut task, None, &at("2024-05-01T09:02:00Z")).unwrap();
    data_request::complete_with_references(
        &mut task,
        vec![Reference::to_type_id("DocumentReference", "d")],
        &at("2024-05-01T09:03:00Z"),
    )
    .unwrap();
    // Two requested inputs break cdex-9.
    let mut two = task.clone();
    two.input.push(two.input[0].clone());
    assert!(data_request::read_request(&two)
        .unwrap_err()
        .to_string()
        .contains("cdex-9"));
    task.input[1].value = TaskInputValue::String(Primitive::from("true"));
    let err =
        data_request::interpret(&task, &at("2024-05-01T09:04:00Z"), &coordination::PollSchedule::cdex()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Task.input[1] (signature): expected valueBoolean, found another type"
    );
}
