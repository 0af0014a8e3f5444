//! Checks of FHIR resources against the base R4 definitions and the profiles of the workflow
//! guides, answered with an `OperationOutcome`; and the `conformance` command line.

#![warn(missing_docs)]
