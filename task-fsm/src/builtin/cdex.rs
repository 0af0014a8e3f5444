//! Da Vinci CDex task-based data request (`cdex-task-data-request`, HL7/davinci-ecdx
//! @a1221242f4d2; spec §(d)).
//!
//! The states are the HRex Task Status value set the profile binds `Task.status` to (HREX-VS);
//! the edges are those of the CDex Task state diagram source (CDEX-SM), which the "Task Based
//! Approach" page calls "typical" (CDEX-TBA). The Data Source MAY support more transitions,
//! including out of terminal states (CONF-060); those are not part of this machine.

use fhir_model::TaskStatus::*;

use super::{common, row, OWNER};
use crate::{Error, Machine, Row, Severity};

pub(super) const ROWS: &[Row] = &[
    row(
        Requested,
        Accepted,
        OWNER,
        "CDEX-SM; CDEX-TBA (\"The Data Source updates the status\")",
    ),
    row(Requested, Rejected, OWNER, "CDEX-SM; CDEX-TBA"),
    row(Accepted, InProgress, OWNER, "CDEX-SM; CDEX-TBA"),
    row(InProgress, OnHold, OWNER, "CDEX-SM; CDEX-TBA"),
    row(OnHold, InProgress, OWNER, "CDEX-SM; CDEX-TBA"),
    row(InProgress, Completed, OWNER, "CDEX-SM; CDEX-TBA \"Fetching the Data\""),
    row(
        InProgress,
        Failed,
        OWNER,
        "CDEX-SM; CDEX-TBA \"When The Task Cannot Be Completed\"",
    ),
];

pub(super) fn data_request() -> Result<Machine, Error> {
    common(Machine::builder("cdex-data-request"))
        .title("Da Vinci CDex task-based data request (cdex-task-data-request)")
        .states([Requested, Accepted, Rejected, InProgress, Failed, Completed, OnHold])
        .initial([Requested])
        .terminal([Completed, Failed, Rejected])
        .rows(ROWS)
        .require_on_entry(
            [Rejected, Failed],
            "Task.statusReason",
            Severity::Error,
            "CDEX-SD tdr-2 (\"statusReason SHALL be populated if status is 'rejected' or 'failed'\")",
        )
        .require_on_entry(
            [Completed],
            "Task.output",
            Severity::Error,
            "CDEX-SD tdr-3 (\"output SHALL be populated if status is 'completed'\")",
        )
        .forbid_on_entry(
            [Failed],
            "Task.output",
            Severity::Warning,
            "CDEX-TBA \"When The Task Cannot Be Completed\" (\"The Task.output is absent\")",
        )
        .build()
}
