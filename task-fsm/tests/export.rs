//! Mermaid / DOT / TSV exports: snapshots of what people read, the committed files under
//! `docs/state-machines/` kept fresh, and bad TSV refused with the line.

mod common;

use task_fsm::{builtin, doc_files, Error, Machine};

#[test]
fn mermaid_and_dot_snapshots() {
    for name in task_fsm::builtin::NAMES {
        let m = builtin(name).unwrap();
        insta::assert_snapshot!(format!("{name}.mmd"), m.to_mermaid());
        insta::assert_snapshot!(format!("{name}.dot"), m.to_dot());
    }
}

#[test]
fn tsv_snapshots() {
    for name in task_fsm::builtin::NAMES {
        insta::assert_snapshot!(format!("{name}.tsv"), builtin(name).unwrap().to_tsv());
    }
}

/// The committed exports are what the built-in machines produce now; if this fails, run
/// `cargo xtask fsm --write-docs` and review the diff.
#[test]
fn docs_state_machines_are_fresh() {
    let dir = common::docs_dir().join("state-machines");
    let files = doc_files().unwrap();
    assert_eq!(files.len(), 1 + 3 * task_fsm::builtin::NAMES.len());
    let mut stale = Vec::new();
    for (name, contents) in &files {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(text) if text == *contents => {}
            _ => stale.push(name.clone()),
        }
    }
    assert!(
        stale.is_empty(),
        "stale files under docs/state-machines: {stale:?}; run `cargo xtask fsm --write-docs`"
    );
    // and nothing else lingers there
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    let mut expected: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    expected.sort();
    assert_eq!(present, expected);
}

#[test]
fn the_committed_tsv_reads_back_into_the_builtin_machine() {
    let dir = common::docs_dir().join("state-machines");
    for name in task_fsm::builtin::NAMES {
        let text = std::fs::read_to_string(dir.join(format!("{name}.tsv"))).unwrap();
        let m = Machine::from_tsv(&text).unwrap();
        let b = builtin(name).unwrap();
        assert_eq!(m.edges(), b.edges(), "{name}");
        assert_eq!(
            (m.states(), m.initial(), m.terminal()),
            (b.states(), b.initial(), b.terminal())
        );
    }
}

#[test]
fn tsv_rows_are_sorted_and_initial_states_are_not_rows() {
    for m in task_fsm::builtin::all().unwrap() {
        let text = m.to_tsv();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted, "{}", m.name());
        assert_eq!(lines.len(), m.edges().len());
        assert!(lines.iter().all(|l| l.split('\t').count() == 3));
        let initial = format!("# initial: {}", m.initial().codes());
        assert!(text.lines().any(|l| l == initial), "{}", m.name());
    }
}

const GOOD: &str = "# machine: tiny\n# states: requested completed\n# initial: requested\n# terminal: completed\n\
                    # actors: requester owner\nrequested\tcompleted\towner\n";

#[test]
fn bad_tsv_is_refused_with_the_line() {
    assert!(Machine::from_tsv(GOOD).is_ok());
    let cases: &[(&str, Error)] = &[
        (
            "# machine: tiny\n# states: requested done\n",
            Error::Tsv {
                line: 2,
                expected: "Task status codes separated by spaces".into(),
                found: "done".into(),
            },
        ),
        (
            "requested\tcompleted\towner\n",
            Error::Tsv {
                line: 1,
                expected: "a `# machine: <name>` header".into(),
                found: "requested\tcompleted\towner".into(),
            },
        ),
        (
            &format!("{GOOD}requested completed owner\n"),
            Error::Tsv {
                line: 7,
                expected: "from<TAB>to<TAB>actor".into(),
                found: "requested completed owner".into(),
            },
        ),
        (
            &format!("{GOOD}requested\tfinished\towner\n"),
            Error::Tsv {
                line: 7,
                expected: "a Task status code".into(),
                found: "finished".into(),
            },
        ),
        (
            "# machine: tiny\n# colour: blue\n",
            Error::Tsv {
                line: 2,
                expected: "a header `# machine|title|states|initial|terminal|actors|columns: ...`".into(),
                found: "# colour: blue".into(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(&Machine::from_tsv(text).unwrap_err(), expected, "{text:?}");
    }
    // a row naming a state the header does not declare is refused when the machine is built
    let err = Machine::from_tsv(&format!("{GOOD}requested\tcancelled\towner\n")).unwrap_err();
    assert!(matches!(err, Error::UndeclaredState { ref state, .. } if *state == fhir_model::TaskStatus::Cancelled));
    // no initial state
    let err = Machine::from_tsv(&GOOD.replace("# initial: requested\n", "")).unwrap_err();
    assert_eq!(err, Error::NoInitialState { machine: "tiny".into() });
}
