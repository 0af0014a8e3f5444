//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use fhir_model::{CodeEnum, TaskStatus};
use task_fsm::{parse_status, Actor, Machine};

/// One allowed (from, to, actor) as text.
pub type Edge = (String, String, String);

/// The machine's allowed transitions as text triples.
pub fn edges(m: &Machine) -> BTreeSet<Edge> {
    m.edges()
        .into_iter()
        .map(|(f, t, a)| (f.code().to_owned(), t.code().to_owned(), a.name().to_owned()))
        .collect()
}

/// Reads `from to actor[,actor...]` lines; `any` stands for the four standard actors and `*`
/// as `from` for every state of `states` except the target.
pub fn expand(table: &str, states: &[TaskStatus]) -> BTreeSet<Edge> {
    let mut out = BTreeSet::new();
    for line in table
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
    {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.len(), 3, "bad expected row {line:?}");
        let to = parse_status(cells[1]).unwrap();
        let froms: Vec<TaskStatus> = if cells[0] == "*" {
            states.iter().copied().filter(|s| *s != to).collect()
        } else {
            vec![parse_status(cells[0]).unwrap()]
        };
        let actors: Vec<String> = if cells[2] == "any" {
            Actor::STANDARD.iter().map(|a| a.name().to_owned()).collect()
        } else {
            cells[2].split(',').map(str::to_owned).collect()
        };
        for f in &froms {
            for a in &actors {
                out.insert((f.code().to_owned(), to.code().to_owned(), a.clone()));
            }
        }
    }
    out
}

/// The shared data folder (`FHIR_SHARED`, default `../../shared` from this crate), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("FHIR_SHARED") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")),
    };
    dir.is_dir().then_some(dir)
}

/// The workspace's `docs/` folder.
pub fn docs_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs"))
}
