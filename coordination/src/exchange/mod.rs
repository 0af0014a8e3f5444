//! FAST exchanges between providers and payers: every request is declared synchronous or
//! asynchronous; asynchronous ones follow the FHIR Bulk Data Access IG v2 request pattern
//! (kick-off, status polls, completion manifest, NDJSON files, cancel), and every failure is
//! one [`ExchangeFailure`] that says what to do next.
//!
//! The rules encoded here, each with its source in Bulk Data Access v2 (`HL7/bulk-data`) or
//! Da Vinci ATR (`HL7/davinci-atr`), are listed in `docs/spec/bulk.md`.
//!
//! * [`Mode`] and [`ExchangeRequest`]: the declared interaction style; [`read_sync_response`].
//! * [`AsyncExchange`]: a pure state machine over responses → the next [`Action`]; the caller
//!   sends the `http` requests it returns and passes `now`.
//! * [`ExportRequest`]: `$export` kick-off (system, all patients, group; GET or POST) and the
//!   ATR `$davinci-data-export`.
//! * [`Manifest`]: the completion manifest, validated; [`Manifest::download_plan`].
//! * [`Roster`]: an attributed-members Group read into a roster; [`Roster::diff`].
//! * [`record`]: `Patient/[id]/$everything` and section searches as sync exchanges.
//! * [`simulated`]: an in-memory Bulk Data server for tests and demonstrations.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use coordination::exchange::{Action, AsyncExchange, ExportRequest, PollPolicy};
//!
//! let kickoff = ExportRequest::group("panel-1").types(["Patient", "Coverage"])?.get("https://payer.example/fhir")?;
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let (mut exchange, first) = AsyncExchange::start(kickoff, PollPolicy::default(), now);
//! let Action::Send(request) = first else { unreachable!() };
//! assert_eq!(request.headers()["prefer"], "respond-async");
//!
//! let accepted = http::Response::builder()
//!     .status(202)
//!     .header("content-location", "https://payer.example/status/42")
//!     .body(Vec::new())?;
//! match exchange.on_response(&accepted, now) {
//!     Action::Wait { request, .. } => assert_eq!(request.uri(), "https://payer.example/status/42"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod async_machine;
mod body;
mod kickoff;
mod manifest;
mod mode;
mod outcome;
pub mod record;
mod retry_after;
mod roster;
pub mod simulated;

pub use async_machine::{Action, AsyncExchange, Completion, PollPolicy, WaitReason};
pub use kickoff::{ExportLevel, ExportOperation, ExportRequest, KickoffError, ATR_EXPORT_TYPE};
pub use manifest::{Download, FileKind, Manifest, ManifestError, ManifestLink, OutputFile};
pub use mode::{read_sync_response, ExchangeRequest, Mode};
pub use outcome::{ExchangeFailure, FailureKind, NextStep};
pub use retry_after::{format_http_date, parse_http_date, RetryAfter};
pub use roster::{
    Roster, RosterChange, RosterDiff, RosterError, RosterMember, ATTRIBUTED_PROVIDER, CHANGE_TYPE, COVERAGE_REFERENCE,
};

/// `application/fhir+json` (R4 http.html#mime-type).
pub const FHIR_JSON: &str = "application/fhir+json";
/// `application/fhir+ndjson`: the Bulk Data output format (BULK-EXPORT `_outputFormat`).
pub const FHIR_NDJSON: &str = "application/fhir+ndjson";
