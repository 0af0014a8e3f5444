//! All the focuses of a Task: the `focus` element (R4 0..1) and the multi-focus extension
//! [`FOCUS_EXTENSION`] (0..*), which COW tells R4/R5 implementers to use so that one
//! Coordination Task can coordinate several grouped Requests (COW-RET "Coordinating related
//! requests"; SEED-001: the extension "imports" `Task.focus` "as an additional extension on
//! Task"). The element holds the first focus (COW's coordination-task profile requires it,
//! `focus 1..1`), the extensions the others, in order.
//!
//! Caveat (profiles digest §4): no StructureDefinition with this URL is published; a validator
//! will report the extension as unknown.

use fhir_model::{Extension, ExtensionValue, Reference, Task};

pub use crate::codes::FOCUS_EXTENSION;
use crate::Error;

/// Every focus of `task`: `Task.focus` first, then each multi-focus extension in order. An
/// extension with this URL whose value is not a `valueReference` is an error naming its index.
///
/// ```
/// use fhir_model::{Reference, Task, TaskIntent, TaskStatus};
/// use coordination::focus;
///
/// let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
/// focus::set_focuses(&mut task, vec![
///     Reference::to_type_id("MedicationRequest", "m1"),
///     Reference::to_type_id("MedicationRequest", "m2"),
/// ]);
/// assert!(focus::add_focus(&mut task, Reference::to_type_id("MedicationRequest", "m3")));
/// let all: Vec<_> = focus::focuses(&task)?.iter().filter_map(|r| r.reference_str()).collect();
/// assert_eq!(all, ["MedicationRequest/m1", "MedicationRequest/m2", "MedicationRequest/m3"]);
/// assert_eq!(task.extension.len(), 2);
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn focuses(task: &Task) -> Result<Vec<&Reference>, Error> {
    let mut out: Vec<&Reference> = task.focus.iter().collect();
    for (i, ext) in task.extension.iter().enumerate() {
        if ext.url != FOCUS_EXTENSION {
            continue;
        }
        match &ext.value {
            Some(ExtensionValue::Reference(r)) => out.push(r),
            other => {
                return Err(Error::invalid(
                    format!("Task.extension[{i}] ({FOCUS_EXTENSION})"),
                    "valueReference",
                    match other {
                        None => "no value".to_owned(),
                        Some(_) => "a value of another type".to_owned(),
                    },
                ))
            }
        }
    }
    Ok(out)
}

/// Replaces every focus of `task`: the first goes to `Task.focus`, the others to multi-focus
/// extensions (placed after the Task's other extensions, which are kept). An empty list clears
/// them all.
pub fn set_focuses(task: &mut Task, focuses: Vec<Reference>) {
    task.extension.retain(|e| e.url != FOCUS_EXTENSION);
    let mut it = focuses.into_iter();
    task.focus = it.next();
    task.extension.extend(it.map(focus_extension));
}

/// Adds one focus: to `Task.focus` when it is empty, else as a multi-focus extension. Returns
/// `false` (and changes nothing) when an equal reference is already a focus.
pub fn add_focus(task: &mut Task, focus: Reference) -> bool {
    let present = task.focus.as_ref() == Some(&focus)
        || task.extension.iter().any(|e| {
            e.url == FOCUS_EXTENSION && matches!(&e.value, Some(ExtensionValue::Reference(r)) if **r == focus)
        });
    if present {
        return false;
    }
    if task.focus.is_none() {
        task.focus = Some(focus);
    } else {
        task.extension.push(focus_extension(focus));
    }
    true
}

fn focus_extension(focus: Reference) -> Extension {
    Extension {
        value: Some(ExtensionValue::Reference(Box::new(focus))),
        ..Extension::new(FOCUS_EXTENSION)
    }
}
