//! `docs/spec/task-state-machines.md` lists every transition of every built-in machine with
//! its source; the lists must be the machines.

mod common;

use std::collections::BTreeSet;

use common::{edges, Edge};
use fhir_model::{CodeEnum, TaskStatus};
use task_fsm::{builtin, parse_status, Machine};

/// The rows of the `#### \`name\` transitions` table: expanded edges, and (from, to, source).
fn spec_table(spec: &str, m: &Machine) -> (BTreeSet<Edge>, BTreeSet<(String, String, String)>) {
    let heading = format!("#### `{}` transitions", m.name());
    let mut lines = spec.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "no table {heading}");
    let mut rows = BTreeSet::new();
    let mut sources = BTreeSet::new();
    for line in lines
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells[0] == "from" || cells[0].starts_with("---") {
            continue;
        }
        let to = parse_status(cells[1]).unwrap();
        let froms: Vec<TaskStatus> = if cells[0].starts_with("every other state") {
            m.states().iter().filter(|s| *s != to).collect()
        } else {
            vec![parse_status(cells[0]).unwrap()]
        };
        let actors: Vec<String> = if cells[2] == "any" {
            m.actors().iter().map(|a| a.name().to_owned()).collect()
        } else {
            cells[2].split(" or ").map(str::to_owned).collect()
        };
        for f in froms {
            sources.insert((f.code().to_owned(), to.code().to_owned(), cells[3].to_owned()));
            for a in &actors {
                rows.insert((f.code().to_owned(), to.code().to_owned(), a.clone()));
            }
        }
    }
    (rows, sources)
}

#[test]
fn spec_tables_match_the_machines() {
    let path = common::docs_dir().join("spec/task-state-machines.md");
    let spec = std::fs::read_to_string(&path).unwrap();
    for m in task_fsm::builtin::all().unwrap() {
        let (rows, sources) = spec_table(&spec, m);
        assert_eq!(rows, edges(m), "{}: the spec table differs from the machine", m.name());
        let machine_sources: BTreeSet<(String, String, String)> = m
            .transitions()
            .iter()
            .map(|t| (t.from.code().to_owned(), t.to.code().to_owned(), t.source.clone()))
            .collect();
        assert_eq!(sources, machine_sources, "{}: sources differ", m.name());
    }
}

#[test]
fn spec_summary_gives_the_tsv_row_counts() {
    let spec = std::fs::read_to_string(common::docs_dir().join("spec/task-state-machines.md")).unwrap();
    for name in task_fsm::builtin::NAMES {
        let m = builtin(name).unwrap();
        let row = spec
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("no summary row for {name}"));
        assert!(row.ends_with(&format!("| {} |", m.edges().len())), "{row}");
    }
}
