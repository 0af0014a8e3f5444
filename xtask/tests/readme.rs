//! The Rust example of the workspace README, kept compiling and true.

use fhir_model::{json, Reference, Resource, Task, TaskIntent, TaskStatus};
use task_fsm::{builtin, Actor, Event};

#[test]
fn build_and_parse_a_task() -> Result<(), Box<dyn std::error::Error>> {
    let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
    task.for_ = Some(Reference::to_type_id("Patient", "123"));
    task.owner = Some(Reference::to_type_id("Organization", "cbo-1"));

    // The owner accepts; the referral machine checks that this party may make this change.
    let referral = builtin("sdoh-referral")?;
    referral.apply(
        &mut task,
        Event::Accept,
        &Actor::OWNER,
        &"2024-05-01T09:30:00Z".parse()?,
    )?;

    let text = json::to_string(&task);
    let back: Resource = json::from_str(&text)?;
    assert_eq!(back, Resource::from(task));
    Ok(())
}
