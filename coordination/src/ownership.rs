//! `owner` (who has the baton now) versus performers (who were involved), kept distinct.
//!
//! COW-RET/SEED-001: "The `Task.owner` element represents the party who currently has the baton
//! for the Task. `Task.performer` represents parties who were previously involved"; `performer`
//! exists from R5 on. R4 Task has no `performer` element (R4-SD: only `performerType`, "the kind
//! of participant that should perform the task", and `owner`). COW-RET: the performer "in R4 …
//! would be a pre-adopted extension". This crate records a performer in R4 with the cross-version
//! extension [`PERFORMER_EXTENSION`] (package `hl7.fhir.uv.xver-r5.r4`, `ext-R5-Task.performer`:
//! 0..*, sub-extensions `function` valueCodeableConcept 0..1 and `actor` valueReference 1..1).

use fhir_model::{CodeableConcept, DateTime, Extension, ExtensionValue, Primitive, Reference, Task};
use task_fsm::{Actor, Machine};

pub use crate::codes::PERFORMER_EXTENSION;
use crate::status_change::{checked_update, task_label};
use crate::Error;

/// One performer of a Task (R5 `Task.performer`).
#[derive(Debug, Clone, PartialEq)]
pub struct Performer {
    /// Who performed (`actor`, 1..1).
    pub actor: Reference,
    /// The type of performance (`function`, 0..1).
    pub function: Option<CodeableConcept>,
}

impl Performer {
    fn to_extension(&self) -> Extension {
        let mut ext = Extension::new(PERFORMER_EXTENSION);
        if let Some(f) = &self.function {
            ext.extension.push(Extension {
                value: Some(ExtensionValue::CodeableConcept(Box::new(f.clone()))),
                ..Extension::new("function")
            });
        }
        ext.extension.push(Extension {
            value: Some(ExtensionValue::Reference(Box::new(self.actor.clone()))),
            ..Extension::new("actor")
        });
        ext
    }
}

/// The performers recorded on `task`, in order. A performer extension without exactly one
/// `actor` reference, or with a `function` that is not a CodeableConcept, is an error naming
/// its index.
pub fn performers(task: &Task) -> Result<Vec<Performer>, Error> {
    let mut out = Vec::new();
    for (i, ext) in task.extension.iter().enumerate() {
        if ext.url != PERFORMER_EXTENSION {
            continue;
        }
        let path = |sub: &str| format!("Task.extension[{i}].extension:{sub} ({PERFORMER_EXTENSION})");
        let mut actor = None;
        let mut function = None;
        let mut actors = 0;
        for sub in &ext.extension {
            match (sub.url.as_str(), &sub.value) {
                ("actor", Some(ExtensionValue::Reference(r))) => {
                    actors += 1;
                    actor = Some((**r).clone());
                }
                ("actor", _) => return Err(Error::invalid(path("actor"), "valueReference", "another value or none")),
                ("function", Some(ExtensionValue::CodeableConcept(c))) => function = Some((**c).clone()),
                ("function", _) => {
                    return Err(Error::invalid(
                        path("function"),
                        "valueCodeableConcept",
                        "another value or none",
                    ))
                }
                _ => {}
            }
        }
        match (actor, actors) {
            (Some(actor), 1) => out.push(Performer { actor, function }),
            (_, n) => {
                return Err(Error::invalid(
                    path("actor"),
                    "exactly one actor (1..1)",
                    format!("{n}"),
                ))
            }
        }
    }
    Ok(out)
}

/// What [`hand_over`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct HandOver {
    /// The owner before, now recorded as a performer (unless it already was); `None` when the
    /// Task had no owner.
    pub previous: Option<Reference>,
    /// Whether a performer extension was added.
    pub recorded: bool,
}

/// Gives the baton to `new_owner`: the previous owner is recorded as a performer (with
/// `function`, if given) unless an equal actor is already recorded, `owner` is replaced and
/// `lastModified` set to `at`. The edit is checked with task-fsm's `check_update` as `actor`
/// (an actor whose edit scope excludes `owner` or `extension` is refused); handing over to the
/// current owner is an error.
///
/// ```
/// use fhir_model::{Reference, Task, TaskIntent, TaskStatus};
/// use coordination::{coordination_machine, ownership};
/// use task_fsm::Actor;
///
/// let mut task = Task::new(TaskStatus::InProgress, TaskIntent::Order);
/// task.owner = Some(Reference::to_type_id("Organization", "lab-a"));
/// let at = "2024-05-02T08:00:00Z".parse().unwrap();
/// ownership::hand_over(&mut task, coordination_machine()?, &Actor::OWNER, Reference::to_type_id("Organization", "lab-b"), None, &at)?;
/// assert_eq!(task.owner.as_ref().and_then(|r| r.reference_str()), Some("Organization/lab-b"));
/// assert_eq!(ownership::performers(&task)?[0].actor.reference_str(), Some("Organization/lab-a"));
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn hand_over(
    task: &mut Task,
    machine: &Machine,
    actor: &Actor,
    new_owner: Reference,
    function: Option<CodeableConcept>,
    at: &DateTime,
) -> Result<HandOver, Error> {
    if task.owner.as_ref() == Some(&new_owner) {
        return Err(Error::invalid(
            "Task.owner",
            "a new owner to hand over to",
            format!(
                "{} already owns {}",
                new_owner.reference_str().unwrap_or("the reference"),
                task_label(task)
            ),
        ));
    }
    let known = performers(task)?;
    let mut after = task.clone();
    let previous = after.owner.replace(new_owner);
    let mut recorded = false;
    if let Some(prev) = &previous {
        if !known.iter().any(|p| p.actor == *prev) {
            after.extension.push(
                Performer {
                    actor: prev.clone(),
                    function,
                }
                .to_extension(),
            );
            recorded = true;
        }
    }
    after.last_modified = Some(Primitive::new(at.clone()));
    *task = checked_update(task, after, actor, machine, &format!("hand over {}", task_label(task)))?;
    Ok(HandOver { previous, recorded })
}
