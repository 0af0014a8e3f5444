//! The error messages people read, as a snapshot.

use search_params::Query;

#[test]
fn error_messages() {
    let queries = [
        "Account?status=active",
        "Task?nope=1",
        "Task?owner:exact=Organization/1",
        "Task?_lastUpdated=gt2021-02-30",
        "Task?_lastUpdated=gt2021-05-03T10",
        "Task?authored-on=xx2021",
        "Task?owner=Account/1",
        "Task?owner:missing=maybe",
        "Task?status=a\\b",
        "Task?status=%E0%A4",
        "Task?status=a,,b",
        "Task?status",
        "Task?_include=Task:status",
        "Task?_include=Patient:organization",
        "Task?_revinclude=Provenance:patient",
        "Task?_count=-1",
        "Task?_summary=short",
        "Task?_sort=nope",
        "Task?status.name=x",
        "Task?owner:Organization.nope=x",
        "Task?_has:Observation:patient:code=x",
        "Observation?code-value-quantity=http://loinc.org|8480-6",
        "Observation?value-quantity=5.4|mg",
        "Patient?identifier:of-type=MR|123",
        "Patient?_summary=text&_include=Patient:organization",
    ];
    let report: String = queries
        .iter()
        .map(|q| format!("{q}\n  {}\n", Query::parse(q).expect_err(q)))
        .collect();
    insta::assert_snapshot!(report);
}
