//! Every row of every built-in machine against the digest (`shared/spec/task-state-machines.md`,
//! kept in the project as `docs/spec/task-state-machines.md`): first against tables transcribed
//! here, then — when the shared data is present — against the digest's own tables, parsed.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{edges, expand, shared_dir, Edge};
use fhir_model::TaskStatus::{self, *};
use fhir_model::{CodeEnum, Coded};
use task_fsm::{builtin, parse_status, Actor, Machine};

const ALL: &[TaskStatus] = TaskStatus::ALL;

/// Digest §(a) "Transitions drawn in the diagram (R4-diag)".
const R4_DIAGRAM: &str = "
    draft requested any
    draft ready any
    draft cancelled any
    requested received owner
    requested accepted owner
    requested rejected owner
    received accepted owner
    received rejected owner
    accepted in-progress owner
    ready in-progress owner
    in-progress on-hold any
    on-hold in-progress any
    in-progress completed any
    in-progress failed any
    // the box edge: ready, requested, received, accepted (rejected is terminal: see DEVIATIONS)
    ready cancelled any
    requested cancelled any
    received cancelled any
    accepted cancelled any
    // interpretation (R4-CS): correction to entered-in-error from every other state
    * entered-in-error any
";

/// Digest §(a) "Transitions stated only in the text (R4-notes)", the rows the crate adopts.
const R4_TEXT_ONLY: &str = "
    in-progress cancelled any
    on-hold cancelled any
    draft on-hold any
    ready on-hold any
    on-hold draft any
    on-hold ready any
    in-progress ready any
";

/// Digest §(b) "Transitions (SDOH-RM-diag, current ...)".
const SDOH_REFERRAL: &str = "
    draft requested requester
    requested accepted owner
    requested rejected owner
    requested cancelled requester,owner
    accepted in-progress owner
    accepted on-hold owner
    accepted cancelled requester,owner
    accepted completed owner
    accepted failed owner
    in-progress on-hold owner
    on-hold in-progress owner
    in-progress cancelled requester,owner
    in-progress completed owner
    in-progress failed owner
    on-hold cancelled requester,owner
    on-hold completed owner
    on-hold failed owner
    * entered-in-error requester
";

/// Digest §(c) "Transitions (SDOH-P-diag ...)".
const SDOH_PATIENT: &str = "
    ready in-progress patient-app
    ready on-hold patient-app
    ready cancelled requester,patient-app
    ready completed patient-app
    ready failed patient-app
    in-progress on-hold patient-app
    on-hold in-progress patient-app
    in-progress cancelled requester,patient-app
    in-progress completed patient-app
    in-progress failed patient-app
    on-hold cancelled requester,patient-app
    on-hold completed patient-app
    on-hold failed patient-app
    * entered-in-error requester
";

/// Digest §(d) "Transitions (CDEX-SM ...)", without the optional MAY row (see DEVIATIONS).
const CDEX: &str = "
    requested accepted owner
    requested rejected owner
    accepted in-progress owner
    in-progress on-hold owner
    on-hold in-progress owner
    in-progress completed owner
    in-progress failed owner
";

const REFERRAL_STATES: &[TaskStatus] = &[
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
const PATIENT_STATES: &[TaskStatus] = &[Ready, InProgress, Completed, Cancelled, OnHold, Failed, EnteredInError];
const CDEX_STATES: &[TaskStatus] = &[Requested, Accepted, Rejected, InProgress, Failed, Completed, OnHold];

struct Expected {
    name: &'static str,
    states: &'static [TaskStatus],
    initial: &'static [TaskStatus],
    terminal: &'static [TaskStatus],
    rows: BTreeSet<Edge>,
}

fn expected() -> Vec<Expected> {
    let r4_terminal: &[TaskStatus] = &[Completed, Failed, Cancelled, Rejected, EnteredInError];
    let diagram = expand(R4_DIAGRAM, ALL);
    let mut text = diagram.clone();
    text.extend(expand(R4_TEXT_ONLY, ALL));
    vec![
        Expected {
            name: "r4-diagram",
            states: ALL,
            initial: &[Draft],
            terminal: r4_terminal,
            rows: diagram,
        },
        Expected {
            name: "r4-text",
            states: ALL,
            initial: &[Draft],
            terminal: r4_terminal,
            rows: text,
        },
        Expected {
            name: "sdoh-referral",
            states: REFERRAL_STATES,
            initial: &[Draft, Requested],
            terminal: &[Rejected, Cancelled, Completed, Failed, EnteredInError],
            rows: expand(SDOH_REFERRAL, REFERRAL_STATES),
        },
        Expected {
            name: "sdoh-patient",
            states: PATIENT_STATES,
            initial: &[Ready],
            terminal: &[Completed, Failed, Cancelled, EnteredInError],
            rows: expand(SDOH_PATIENT, PATIENT_STATES),
        },
        Expected {
            name: "cdex-data-request",
            states: CDEX_STATES,
            initial: &[Requested],
            terminal: &[Completed, Failed, Rejected],
            rows: expand(CDEX, CDEX_STATES),
        },
    ]
}

#[test]
fn every_builtin_machine_has_exactly_the_digest_rows() {
    let expected = expected();
    assert_eq!(
        expected.iter().map(|e| e.name).collect::<Vec<_>>(),
        task_fsm::builtin::NAMES,
        "one expected table per built-in machine"
    );
    for e in expected {
        let m = builtin(e.name).unwrap();
        let actual = edges(m);
        let missing: Vec<_> = e.rows.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&e.rows).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{}: missing {missing:?}, extra {extra:?}",
            e.name
        );
        assert_eq!(m.states(), e.states.iter().copied().collect(), "{} states", e.name);
        assert_eq!(m.initial(), e.initial.iter().copied().collect(), "{} initial", e.name);
        assert_eq!(
            m.terminal(),
            e.terminal.iter().copied().collect(),
            "{} terminal",
            e.name
        );
    }
}

#[test]
fn tsv_row_counts() {
    let counts: Vec<(&str, usize)> = task_fsm::builtin::NAMES
        .iter()
        .map(|n| {
            (
                *n,
                builtin(n)
                    .unwrap()
                    .to_tsv()
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .count(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("r4-diagram", 95),
            ("r4-text", 123),
            ("sdoh-referral", 30),
            ("sdoh-patient", 22),
            ("cdex-data-request", 7)
        ]
    );
}

/// The SDOH profile pages give the party that sets each status ("Set By"); every edge into a
/// status is made by exactly that party (digest §(b), §(c) status tables).
#[test]
fn sdoh_edges_are_made_by_the_set_by_party_of_their_target() {
    let referral: &[(TaskStatus, &[&str])] = &[
        (Draft, &["requester"]),
        (Requested, &["requester"]),
        (Accepted, &["owner"]),
        (Rejected, &["owner"]),
        (Cancelled, &["requester", "owner"]),
        (InProgress, &["owner"]),
        (OnHold, &["owner"]),
        (Failed, &["owner"]),
        (Completed, &["owner"]),
        (EnteredInError, &["requester"]),
    ];
    let patient: &[(TaskStatus, &[&str])] = &[
        (Ready, &["requester"]),
        (InProgress, &["patient-app"]),
        (Completed, &["patient-app"]),
        (Cancelled, &["requester", "patient-app"]),
        (OnHold, &["patient-app"]),
        (Failed, &["patient-app"]),
        (EnteredInError, &["requester"]),
    ];
    for (name, set_by) in [("sdoh-referral", referral), ("sdoh-patient", patient)] {
        let m = builtin(name).unwrap();
        let set_by: BTreeMap<TaskStatus, &[&str]> = set_by.iter().copied().collect();
        assert_eq!(set_by.keys().copied().collect::<task_fsm::StatusSet>(), m.states());
        for (from, to, _) in m.edges() {
            let actors: Vec<String> = m.actors_for(from, to).iter().map(|a| a.name().to_owned()).collect();
            assert_eq!(actors, set_by[&to], "{name}: {from} -> {to}");
        }
    }
}

/// Where the crate departs from a digest row, and why (also in docs/spec/task-state-machines.md).
const DEVIATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "r4",
        "rejected",
        "cancelled",
        "drop: rejected is inside the diagram's box but is terminal (edge to the end marker)",
    ),
    (
        "r4-text",
        "failed",
        "in-progress",
        "drop: optional (\"some workflows may support\"), not part of the machine",
    ),
    (
        "r4-text",
        "completed",
        "in-progress",
        "drop: optional (\"some workflows may support\"), not part of the machine",
    ),
    (
        "cdex",
        "failed",
        "in-progress",
        "drop: optional (CONF-060 MAY), not part of the machine",
    ),
    (
        "cdex",
        "completed",
        "in-progress",
        "drop: optional (CONF-060 MAY), not part of the machine",
    ),
];

/// Rows read from one transition table of the digest.
#[derive(Default, Debug)]
struct DigestTable {
    initial: BTreeSet<String>,
    rows: BTreeSet<Edge>,
    unread: Vec<String>,
}

fn strip_parentheticals(cell: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.replace('`', "").trim().to_owned()
}

fn codes(text: &str) -> Option<Vec<TaskStatus>> {
    let parts: Vec<&str> = text
        .split([',', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    parts
        .iter()
        .map(|p| parse_status(p).ok())
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty())
}

fn who(cell: &str, states_machine: &Machine) -> Option<Vec<String>> {
    let head = strip_parentheticals(cell);
    let head = head.split(',').next().unwrap_or("").trim();
    if head == "any" {
        return Some(states_machine.actors().iter().map(|a| a.name().to_owned()).collect());
    }
    let names: Vec<String> = head.split(" or ").map(|s| s.trim().to_owned()).collect();
    names
        .iter()
        .all(|n| Actor::STANDARD.iter().any(|a| a.name() == n))
        .then_some(names)
}

/// Reads the `| from | to | who | ...` table that follows `heading` in `section`.
fn read_table(digest: &str, section: &str, heading: &str, machine: &Machine) -> DigestTable {
    let mut table = DigestTable::default();
    let mut in_section = false;
    let mut in_heading = false;
    let mut in_table = false;
    let all_states: Vec<TaskStatus> = machine.states().iter().collect();
    for line in digest.lines() {
        if line.starts_with("## ") {
            in_section = line.starts_with(section);
            in_heading = false;
        } else if line.starts_with("### ") {
            in_heading = in_section && line.starts_with(heading);
            in_table = false;
        } else if in_heading && line.starts_with("| from | to | who |") {
            in_table = true;
        } else if in_table && line.starts_with("| ---") {
        } else if in_table && line.starts_with('|') {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let (from, to, actor) = (cells[0], strip_parentheticals(cells[1]), cells[2]);
            let Some(actors) = who(actor, machine) else {
                table.unread.push(line.to_owned());
                continue;
            };
            let targets: Vec<TaskStatus> = match codes(&to) {
                Some(t) => t,
                // "the state it was in before suspension": the states the text lets suspend
                None if to.starts_with("the state it was in") => vec![Draft, Ready, InProgress],
                None => {
                    table.unread.push(line.to_owned());
                    continue;
                }
            };
            if from == "(start)" {
                table.initial.extend(targets.iter().map(|t| t.code().to_owned()));
                continue;
            }
            for to in targets {
                let sources: Vec<TaskStatus> = if from.starts_with("any other status") {
                    all_states.iter().copied().filter(|s| *s != to).collect()
                } else if from.starts_with("any non-terminal") {
                    all_states
                        .iter()
                        .copied()
                        .filter(|s| !machine.is_terminal(*s))
                        .collect()
                } else if let Some(c) = codes(&strip_parentheticals(from)) {
                    c
                } else {
                    table.unread.push(line.to_owned());
                    continue;
                };
                for f in sources.into_iter().filter(|f| *f != to) {
                    for a in &actors {
                        table
                            .rows
                            .insert((f.code().to_owned(), to.code().to_owned(), a.clone()));
                    }
                }
            }
        } else if in_table {
            in_table = false;
        }
    }
    table
}

fn apply_deviations(rows: &mut BTreeSet<Edge>, group: &str) {
    for (g, from, to, _why) in DEVIATIONS {
        if *g == group {
            rows.retain(|(f, t, _)| !(f == from && t == to));
        }
    }
}

fn correction_rows(m: &Machine) -> BTreeSet<Edge> {
    let mut out = BTreeSet::new();
    for s in m.states().iter().filter(|s| *s != EnteredInError) {
        for a in m.actors() {
            out.insert((s.code().to_owned(), "entered-in-error".to_owned(), a.name().to_owned()));
        }
    }
    out
}

#[test]
fn the_machines_match_the_tables_of_the_shared_digest() {
    let Some(shared) = shared_dir() else {
        eprintln!("notice: shared data not found (set FHIR_SHARED); digest cross-check skipped");
        return;
    };
    let path = shared.join("spec/task-state-machines.md");
    let Ok(digest) = std::fs::read_to_string(&path) else {
        eprintln!("notice: {} not found; digest cross-check skipped", path.display());
        return;
    };
    let r4d = builtin("r4-diagram").unwrap();
    let r4t = builtin("r4-text").unwrap();

    let mut diagram = read_table(&digest, "## (a)", "### Transitions drawn in the diagram", r4d);
    let text = read_table(&digest, "## (a)", "### Transitions stated only in the text", r4t);
    // the R4 tables have no entered-in-error rows; the crate adds them (interpretation, R4-CS)
    apply_deviations(&mut diagram.rows, "r4");
    diagram.rows.extend(correction_rows(r4d));
    let mut text_rows: BTreeSet<Edge> = diagram.rows.union(&text.rows).cloned().collect();
    apply_deviations(&mut text_rows, "r4-text");
    apply_deviations(&mut text_rows, "r4");

    let referral = read_table(
        &digest,
        "## (b)",
        "### Transitions (SDOH-RM-diag",
        builtin("sdoh-referral").unwrap(),
    );
    let patient = read_table(
        &digest,
        "## (c)",
        "### Transitions (SDOH-P-diag",
        builtin("sdoh-patient").unwrap(),
    );
    let mut cdex = read_table(
        &digest,
        "## (d)",
        "### Transitions (CDEX-SM",
        builtin("cdex-data-request").unwrap(),
    );
    apply_deviations(&mut cdex.rows, "cdex");

    // the only rows of the digest tables that are not transitions
    assert!(diagram.unread.is_empty(), "{:?}", diagram.unread);
    assert_eq!(
        text.unread.len(),
        1,
        "only the `(cancel) | —` remark is not a row: {:?}",
        text.unread
    );
    for t in [&referral, &patient, &cdex] {
        assert!(t.unread.is_empty(), "{:?}", t.unread);
    }

    // the parse found every row (counts as in `tsv_row_counts`)
    let sizes = [
        diagram.rows.len(),
        text_rows.len(),
        referral.rows.len(),
        patient.rows.len(),
        cdex.rows.len(),
    ];
    assert_eq!(sizes, [95, 123, 30, 22, 7]);

    let checks: [(&str, &BTreeSet<Edge>, &BTreeSet<String>); 5] = [
        ("r4-diagram", &diagram.rows, &diagram.initial),
        ("r4-text", &text_rows, &diagram.initial),
        ("sdoh-referral", &referral.rows, &referral.initial),
        ("sdoh-patient", &patient.rows, &patient.initial),
        ("cdex-data-request", &cdex.rows, &cdex.initial),
    ];
    for (name, rows, initial) in checks {
        let m = builtin(name).unwrap();
        let actual = edges(m);
        let missing: Vec<_> = rows.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(rows).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: missing {missing:?}, extra {extra:?}"
        );
        let actual_initial: BTreeSet<String> = m.initial().iter().map(|s| s.code().to_owned()).collect();
        assert_eq!(&actual_initial, initial, "{name} initial states");
    }
}

/// The states of each profile machine are the codes of the value set its profile binds
/// `Task.status` to, read from the copied IG sources.
#[test]
fn profile_states_match_the_bound_value_sets() {
    let Some(shared) = shared_dir() else {
        eprintln!("notice: shared data not found; value-set check skipped");
        return;
    };
    let ig = shared.join("fhir-definitions/ig");
    let read = |p: &str| std::fs::read_to_string(ig.join(p)).ok();
    let (Some(rts), Some(ts), Some(hrex)) = (
        read("sdoh-clinicalcare/fsh/valuesets/SDOHCCValueSetReferralTaskStatus.fsh"),
        read("sdoh-clinicalcare/fsh/valuesets/SDOHCCValueSetTaskStatus.fsh"),
        read("davinci-hrex/fsh/valuesets/HRexTaskStatus.fsh"),
    ) else {
        eprintln!("notice: IG value sets not found; skipped");
        return;
    };
    let listed = |fsh: &str, prefix: &str| -> BTreeSet<TaskStatus> {
        fsh.lines()
            .filter_map(|l| l.trim().strip_prefix(prefix))
            .map(|rest| {
                let code = rest.split_whitespace().next().unwrap_or("");
                match Coded::<TaskStatus>::from_code_lenient(code) {
                    Coded::Known(s) => s,
                    Coded::Unknown(c) => panic!("unknown code {c} in value set"),
                }
            })
            .collect()
    };
    let set = |m: &str| builtin(m).unwrap().states().iter().collect::<BTreeSet<_>>();
    // "include codes from valueset TaskStatus" minus the excluded codes
    let excluded = listed(&rts, "* exclude TaskStatus#");
    assert!(rts.contains("include codes from valueset TaskStatus"));
    let referral: BTreeSet<TaskStatus> = ALL.iter().copied().filter(|s| !excluded.contains(s)).collect();
    assert_eq!(excluded, [Ready, Received].into_iter().collect());
    assert_eq!(set("sdoh-referral"), referral);
    assert_eq!(set("sdoh-patient"), listed(&ts, "* TaskStatus#"));
    assert_eq!(set("cdex-data-request"), listed(&hrex, "* TaskStatus#"));
}
