//! SDOH Clinical Care (STU 3, HL7/fhir-sdoh-clinicalcare @6604b7ac13b9): the referral Task and
//! the patient Task (spec §(b), §(c)).
//!
//! Edges come from the draw.io sources of the two state diagrams the profile pages embed
//! (SDOH-RM-diag, SDOH-P-diag); the actor of each edge is the "Set By" party of its target status
//! in the profile page tables (SDOH-RM-intro, SDOH-P-intro). A box "Completed or Failed" is read
//! as both states.

use fhir_model::TaskStatus::{self, *};

use super::{common, row, OWNER, PATIENT_APP, REQUESTER, REQUESTER_OR_OWNER, REQUESTER_OR_PATIENT_APP};
use crate::{Actor, Error, Machine, Row, Severity};

const RM: &str = "SDOH-RM-diag; SDOH-RM-intro";

pub(super) const REFERRAL_ROWS: &[Row] = &[
    row(Draft, Requested, REQUESTER, RM),
    row(
        Requested,
        Accepted,
        OWNER,
        "SDOH-RM-diag; SDOH-RM-intro; SDOH-PUML DetailedDirectReferral",
    ),
    row(
        Requested,
        Rejected,
        OWNER,
        "SDOH-RM-diag; SDOH-RM-intro; SDOH-RW step 7",
    ),
    row(Requested, Cancelled, REQUESTER_OR_OWNER, RM),
    row(
        Accepted,
        InProgress,
        OWNER,
        "SDOH-RM-diag; SDOH-RM-intro; SDOH-PUML DetailedDirectReferral",
    ),
    row(Accepted, OnHold, OWNER, RM),
    row(Accepted, Cancelled, REQUESTER_OR_OWNER, RM),
    row(
        Accepted,
        Completed,
        OWNER,
        "SDOH-RM-diag (box \"Completed or Failed\"); SDOH-RM-intro",
    ),
    row(
        Accepted,
        Failed,
        OWNER,
        "SDOH-RM-diag (box \"Completed or Failed\"); SDOH-RM-intro",
    ),
    row(
        InProgress,
        OnHold,
        OWNER,
        "SDOH-RM-diag (double-headed arrow); SDOH-RM-intro",
    ),
    row(
        OnHold,
        InProgress,
        OWNER,
        "SDOH-RM-diag (double-headed arrow); SDOH-RM-intro",
    ),
    row(
        InProgress,
        Cancelled,
        REQUESTER_OR_OWNER,
        "SDOH-RM-diag (arrowhead at Cancelled); SDOH-RM-intro",
    ),
    row(
        InProgress,
        Completed,
        OWNER,
        "SDOH-RM-diag; SDOH-RM-intro; SDOH-RW step 10",
    ),
    row(
        InProgress,
        Failed,
        OWNER,
        "SDOH-RM-diag (box \"Completed or Failed\"); SDOH-RM-intro",
    ),
    row(OnHold, Cancelled, REQUESTER_OR_OWNER, RM),
    row(
        OnHold,
        Completed,
        OWNER,
        "SDOH-RM-diag (box \"Completed or Failed\"); SDOH-RM-intro",
    ),
    row(
        OnHold,
        Failed,
        OWNER,
        "SDOH-RM-diag (box \"Completed or Failed\"); SDOH-RM-intro",
    ),
];

const P: &str = "SDOH-P-diag; SDOH-P-intro";

pub(super) const PATIENT_ROWS: &[Row] = &[
    row(
        Ready,
        InProgress,
        PATIENT_APP,
        "SDOH-P-diag; SDOH-P-intro; SDOH-PUML CompleteQuestionnaireRequest",
    ),
    row(Ready, OnHold, PATIENT_APP, P),
    row(Ready, Cancelled, REQUESTER_OR_PATIENT_APP, P),
    row(
        Ready,
        Completed,
        PATIENT_APP,
        "SDOH-P-diag (box \"Completed or Failed\"); SDOH-P-intro",
    ),
    row(
        Ready,
        Failed,
        PATIENT_APP,
        "SDOH-P-diag (box \"Completed or Failed\"); SDOH-P-intro",
    ),
    row(
        InProgress,
        OnHold,
        PATIENT_APP,
        "SDOH-P-diag (double-headed arrow); SDOH-P-intro",
    ),
    row(
        OnHold,
        InProgress,
        PATIENT_APP,
        "SDOH-P-diag (double-headed arrow); SDOH-P-intro",
    ),
    row(
        InProgress,
        Cancelled,
        REQUESTER_OR_PATIENT_APP,
        "SDOH-P-diag (arrowhead at Cancelled); SDOH-P-intro",
    ),
    row(
        InProgress,
        Completed,
        PATIENT_APP,
        "SDOH-P-diag; SDOH-P-intro; SDOH-PUML CompleteQuestionnaireRequest",
    ),
    row(
        InProgress,
        Failed,
        PATIENT_APP,
        "SDOH-P-diag (box \"Completed or Failed\"); SDOH-P-intro",
    ),
    row(OnHold, Cancelled, REQUESTER_OR_PATIENT_APP, P),
    row(
        OnHold,
        Completed,
        PATIENT_APP,
        "SDOH-P-diag (box \"Completed or Failed\"); SDOH-P-intro",
    ),
    row(
        OnHold,
        Failed,
        PATIENT_APP,
        "SDOH-P-diag (box \"Completed or Failed\"); SDOH-P-intro",
    ),
];

/// "Entered in Error — can be reached from any other status" (both diagrams); set by the
/// requester (both "Set By" tables).
fn correction_rows(states: &[TaskStatus], source: &'static str) -> Vec<Row> {
    states
        .iter()
        .filter(|s| **s != EnteredInError)
        .map(|s| row(*s, EnteredInError, REQUESTER, source))
        .collect()
}

/// `SDOHCC-ValueSetReferralTaskStatus`: every R4 code except ready and received (SDOH-VS-RTS).
const REFERRAL_STATES: [TaskStatus; 10] = [
    Draft,
    Requested,
    Accepted,
    Rejected,
    Cancelled,
    InProgress,
    OnHold,
    Failed,
    Completed,
    EnteredInError,
];

/// `SDOHCC-ValueSetTaskStatus` (SDOH-VS-TS).
const PATIENT_STATES: [TaskStatus; 7] = [Ready, InProgress, Completed, Cancelled, OnHold, Failed, EnteredInError];

pub(super) fn referral() -> Result<Machine, Error> {
    common(Machine::builder("sdoh-referral"))
        .title("SDOH Clinical Care referral Task (SDOHCC-TaskForReferralManagement, STU 3)")
        .states(REFERRAL_STATES)
        .initial([Draft, Requested])
        .terminal([Rejected, Cancelled, Completed, Failed, EnteredInError])
        .rows(REFERRAL_ROWS)
        .rows(&correction_rows(
            &REFERRAL_STATES,
            "SDOH-RM-diag (\"Can be reached from any other status\"); SDOH-RM-intro",
        ))
        .require_on_entry(
            [Rejected, Cancelled, OnHold, Failed],
            "Task.statusReason.text",
            Severity::Warning,
            "SDOH-RM-fsh statusReason ^comment (\"should be included\")",
        )
        .require_on_entry(
            [Completed],
            "Task.output",
            Severity::Warning,
            "SDOH-RW step 10 (\"includes information on what was completed\"); SDOH-RM-intro Purpose",
        )
        .edit_scope(
            Actor::PATIENT_APP,
            [],
            "SDOH-P-intro (the patient application cannot modify the referral Task); SDOH-RM-intro",
        )
        .edit_scope(
            Actor::OTHER,
            [],
            "SDOH-RM-intro (\"can be updated by either the service requester or the recipient\"; interpretation)",
        )
        .build()
}

pub(super) fn patient() -> Result<Machine, Error> {
    common(Machine::builder("sdoh-patient"))
        .title("SDOH Clinical Care patient Task (SDOHCC-TaskForPatient, STU 3)")
        .states(PATIENT_STATES)
        .initial([Ready])
        .terminal([Completed, Failed, Cancelled, EnteredInError])
        .rows(PATIENT_ROWS)
        .rows(&correction_rows(
            &PATIENT_STATES,
            "SDOH-P-diag (\"Can be reached from any other status\"); SDOH-P-intro",
        ))
        .require_on_entry(
            [Cancelled],
            "Task.statusReason.text",
            Severity::Warning,
            "SDOH-P-fsh statusReason ^comment (\"should be included\")",
        )
        .edit_scope(
            Actor::PATIENT_APP,
            ["Task.status", "Task.statusReason", "Task.output", "Task.meta", "Task.lastModified"],
            "SDOH-P-intro \"Modification of fields\" (status, statusReason, output); meta and lastModified: bookkeeping (interpretation)",
        )
        .build()
}
