//! The base FHIR R4 Task machine, in two readings (spec §(a)):
//!
//! * `r4-diagram`: the edges of the Task state-machine diagram (R4-diag), decoded from the draw.io
//!   model in `task-state-machine.svg`;
//! * `r4-text`: the diagram plus the transitions stated only in the text of the Task page
//!   (R4-notes): cancel from any non-terminal state, suspend/resume, stop back to ready.
//!
//! Both add the correction to `entered-in-error` from every other state: the diagram does not
//! draw `entered-in-error`, but it is one of the 12 codes of the required value set and its
//! definition (R4-CS) makes it the status of a Task that "should never have existed".

use fhir_model::CodeEnum;
use fhir_model::TaskStatus::{self, *};

use super::{common, row, ANY, OWNER};
use crate::{Error, Machine, Row};

const DIAGRAM: &str = "R4-diag";
/// The edge that leaves the box drawn around ready, requested, received, accepted (and
/// rejected, which is terminal and so excluded) and ends at cancelled.
const DIAGRAM_BOX: &str = "R4-diag (box around ready/requested/received/accepted -> cancelled)";

pub(super) const DIAGRAM_ROWS: &[Row] = &[
    row(Draft, Requested, ANY, DIAGRAM),
    row(Draft, Ready, ANY, DIAGRAM),
    row(Draft, Cancelled, ANY, DIAGRAM),
    row(
        Requested,
        Received,
        OWNER,
        "R4-diag; R4-CS (received: a potential performer claims it)",
    ),
    row(
        Requested,
        Accepted,
        OWNER,
        "R4-diag; R4-CS (accepted: the potential performer agreed)",
    ),
    row(
        Requested,
        Rejected,
        OWNER,
        "R4-diag; R4-CS (rejected: the potential performer declined)",
    ),
    row(
        Received,
        Accepted,
        OWNER,
        "R4-diag; R4-CS (accepted: the potential performer agreed)",
    ),
    row(
        Received,
        Rejected,
        OWNER,
        "R4-diag; R4-CS (rejected: the potential performer declined)",
    ),
    row(
        Accepted,
        InProgress,
        OWNER,
        "R4-diag; R4-SD Task.owner (who is expected to perform)",
    ),
    row(
        Ready,
        InProgress,
        OWNER,
        "R4-diag; R4-SD Task.owner (who is expected to perform)",
    ),
    row(InProgress, OnHold, ANY, DIAGRAM),
    row(OnHold, InProgress, ANY, DIAGRAM),
    row(InProgress, Completed, ANY, DIAGRAM),
    row(InProgress, Failed, ANY, DIAGRAM),
    row(Ready, Cancelled, ANY, DIAGRAM_BOX),
    row(Requested, Cancelled, ANY, DIAGRAM_BOX),
    row(Received, Cancelled, ANY, DIAGRAM_BOX),
    row(Accepted, Cancelled, ANY, DIAGRAM_BOX),
];

/// Text-only statements of the Task page (R4-notes; see the spec for the version question).
pub(super) const TEXT_ROWS: &[Row] = &[
    row(
        InProgress,
        Cancelled,
        ANY,
        "R4-notes (any non-terminal state may be cancelled)",
    ),
    row(
        OnHold,
        Cancelled,
        ANY,
        "R4-notes (any non-terminal state may be cancelled)",
    ),
    row(
        Draft,
        OnHold,
        ANY,
        "R4-notes (non-terminal Draft, Ready, In Progress can be suspended)",
    ),
    row(
        Ready,
        OnHold,
        ANY,
        "R4-notes (non-terminal Draft, Ready, In Progress can be suspended)",
    ),
    row(
        OnHold,
        Draft,
        ANY,
        "R4-notes (resumed in the state it was in when suspended)",
    ),
    row(
        OnHold,
        Ready,
        ANY,
        "R4-notes (resumed in the state it was in when suspended)",
    ),
    row(
        InProgress,
        Ready,
        ANY,
        "R4-notes (an in-progress task can be stopped, returning it to ready)",
    ),
];

const CORRECTION: &str = "R4-CS (entered-in-error definition); not drawn in R4-diag (interpretation)";

fn correction_rows() -> Vec<Row> {
    TaskStatus::ALL
        .iter()
        .filter(|s| **s != EnteredInError)
        .map(|s| row(*s, EnteredInError, ANY, CORRECTION))
        .collect()
}

fn base(name: &str, title: &str) -> crate::MachineBuilder {
    common(Machine::builder(name))
        .title(title)
        .states(TaskStatus::ALL.iter().copied())
        .initial([Draft])
        .terminal([Completed, Failed, Cancelled, Rejected, EnteredInError])
        .rows(DIAGRAM_ROWS)
        .rows(&correction_rows())
}

pub(super) fn diagram() -> Result<Machine, Error> {
    base(
        "r4-diagram",
        "FHIR R4 Task: the edges of the Task state-machine diagram (diagram-strict)",
    )
    .build()
}

pub(super) fn text() -> Result<Machine, Error> {
    base(
        "r4-text",
        "FHIR R4 Task: the diagram plus the transitions the Task page text allows (text-permissive)",
    )
    .rows(TEXT_ROWS)
    .build()
}
