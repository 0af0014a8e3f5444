//! `inv-1` on Task.

use fhir_model::{DateTime, Primitive, Task};

use super::INV_1;
use crate::location::Location;
use crate::outcome::Issues;

/// `inv-1`: `lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn`.
///
/// FHIRPath compares date-times of different precision only when the answer is certain
/// (FHIRPath §6.1 "Comparison": otherwise the result is empty and the constraint does not fail),
/// so the Task breaks `inv-1` only when every instant `lastModified` may denote lies before every
/// instant `authoredOn` may denote; the same reading as `task-fsm`'s update checks.
pub(crate) fn inv_1(task: &Task, at: &Location, issues: &mut Issues) {
    fn value(p: &Option<Primitive<DateTime>>) -> Option<&DateTime> {
        p.as_ref().and_then(|p| p.value.as_ref())
    }
    let (Some(authored), Some(modified)) = (value(&task.authored_on), value(&task.last_modified)) else {
        return;
    };
    let (_, modified_end) = modified.parts().range_micros();
    let (authored_start, _) = authored.parts().range_micros();
    if modified_end <= authored_start {
        INV_1.report(
            issues,
            at.child("lastModified"),
            &format!("lastModified {modified} is before authoredOn {authored}"),
        );
    }
}
