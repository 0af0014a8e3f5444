//! Machines as text: TSV (one line per allowed transition and actor, readable back), Mermaid
//! and Graphviz DOT.

use fhir_model::{CodeEnum, TaskStatus};
use std::fmt::Write;

use crate::{parse_status, Actor, Error, Machine};

impl Machine {
    /// The transitions as TSV: a header of `#` comment lines (name, title, states, initial,
    /// terminal, actors), then one `from<TAB>to<TAB>actor` line per allowed transition and
    /// actor, sorted as text. Initial states are header data, not rows.
    ///
    /// ```
    /// let tsv = task_fsm::builtin("cdex-data-request")?.to_tsv();
    /// assert!(tsv.lines().any(|l| l == "requested\taccepted\towner"));
    /// # Ok::<(), task_fsm::Error>(())
    /// ```
    pub fn to_tsv(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# machine: {}", self.name);
        if !self.title.is_empty() {
            let _ = writeln!(out, "# title: {}", self.title);
        }
        let _ = writeln!(out, "# states: {}", self.states.codes());
        let _ = writeln!(out, "# initial: {}", self.initial.codes());
        let _ = writeln!(out, "# terminal: {}", self.terminal.codes());
        let actors: Vec<&str> = self.actors.iter().map(Actor::name).collect();
        let _ = writeln!(out, "# actors: {}", actors.join(" "));
        let _ = writeln!(out, "# columns: from to actor");
        let mut rows: Vec<String> = self
            .edges()
            .into_iter()
            .map(|(from, to, actor)| format!("{}\t{}\t{}", from.code(), to.code(), actor))
            .collect();
        rows.sort();
        for r in rows {
            out.push_str(&r);
            out.push('\n');
        }
        out
    }

    /// Reads a machine written by [`Machine::to_tsv`] (transitions only: the element rules are
    /// not part of the TSV). The definition is checked as [`crate::MachineBuilder::build`] does.
    pub fn from_tsv(text: &str) -> Result<Machine, Error> {
        let mut builder = Machine::builder("");
        let mut named = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let tsv_error = |expected: &str, found: &str| Error::Tsv {
                line,
                expected: expected.to_owned(),
                found: found.to_owned(),
            };
            if raw.trim().is_empty() {
                continue;
            }
            if let Some(comment) = raw.strip_prefix('#') {
                let (key, value) = comment
                    .split_once(':')
                    .ok_or_else(|| tsv_error("`# key: value`", raw))?;
                let value = value.trim();
                let statuses = || -> Result<Vec<TaskStatus>, Error> {
                    value
                        .split_whitespace()
                        .map(|c| parse_status(c).map_err(|_| tsv_error("Task status codes separated by spaces", c)))
                        .collect()
                };
                builder = match key.trim() {
                    "machine" => {
                        named = true;
                        builder.renamed(value)
                    }
                    "title" => builder.title(value),
                    "states" => builder.states(statuses()?),
                    "initial" => builder.initial(statuses()?),
                    "terminal" => builder.terminal(statuses()?),
                    "actors" => builder.actors(value.split_whitespace().map(Actor::from)),
                    "columns" if value.split_whitespace().eq(["from", "to", "actor"]) => builder,
                    _ => {
                        return Err(tsv_error(
                            "a header `# machine|title|states|initial|terminal|actors|columns: ...`",
                            raw,
                        ))
                    }
                };
                continue;
            }
            let cells: Vec<&str> = raw.split('\t').collect();
            let [from, to, actor] = cells[..] else {
                return Err(tsv_error("from<TAB>to<TAB>actor", raw));
            };
            let status = |c: &str| parse_status(c).map_err(|_| tsv_error("a Task status code", c));
            builder = builder.transition(status(from)?, status(to)?, [Actor::from(actor)], "TSV");
        }
        if !named {
            return Err(Error::Tsv {
                line: 1,
                expected: "a `# machine: <name>` header".into(),
                found: text.lines().next().unwrap_or("").into(),
            });
        }
        builder.build()
    }

    /// A Mermaid `stateDiagram-v2`: one edge per (from, to) labelled with the actors (`any`
    /// when every declared actor may), a start marker into each initial state and an end marker
    /// out of each terminal state.
    pub fn to_mermaid(&self) -> String {
        let id = |s: TaskStatus| s.code().replace('-', "_");
        let mut out = String::new();
        let _ = writeln!(out, "---\ntitle: {}\n---", self.name);
        out.push_str("stateDiagram-v2\n");
        for s in self.states.iter() {
            let _ = writeln!(out, "    state \"{}\" as {}", s.code(), id(s));
        }
        for s in self.initial.iter() {
            let _ = writeln!(out, "    [*] --> {}", id(s));
        }
        for (from, to, label) in self.edge_labels() {
            let _ = writeln!(out, "    {} --> {}: {}", id(from), id(to), label);
        }
        for s in self.terminal.iter() {
            let _ = writeln!(out, "    {} --> [*]", id(s));
        }
        out
    }

    /// A Graphviz `digraph`: rounded boxes, terminal states with a double border, a point as the
    /// start, one edge per (from, to) labelled with the actors.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph \"{}\" {{", self.name);
        if !self.title.is_empty() {
            let _ = writeln!(out, "  label=\"{}\";\n  labelloc=t;", self.title.replace('"', "\\\""));
        }
        out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
        out.push_str("  start [shape=point, label=\"\"];\n");
        for s in self.states.iter() {
            let extra = if self.terminal.contains(s) {
                ", peripheries=2"
            } else {
                ""
            };
            let _ = writeln!(out, "  \"{}\" [label=\"{}\"{}];", s.code(), s.code(), extra);
        }
        for s in self.initial.iter() {
            let _ = writeln!(out, "  start -> \"{}\";", s.code());
        }
        for (from, to, label) in self.edge_labels() {
            let _ = writeln!(out, "  \"{}\" -> \"{}\" [label=\"{}\"];", from.code(), to.code(), label);
        }
        out.push_str("}\n");
        out
    }

    fn edge_labels(&self) -> Vec<(TaskStatus, TaskStatus, String)> {
        let mut out = Vec::new();
        for from in self.states.iter() {
            for to in self.states.iter() {
                let actors = self.actors_for(from, to);
                if actors.is_empty() {
                    continue;
                }
                let label = if actors.len() == self.actors.len() {
                    "any".to_owned()
                } else {
                    actors.iter().map(Actor::name).collect::<Vec<_>>().join(", ")
                };
                out.push((from, to, label));
            }
        }
        out
    }
}

/// The files `cargo xtask fsm --write-docs` writes under `docs/state-machines/` for the built-in
/// machines: `<name>.tsv`, `<name>.mmd`, `<name>.dot` and a `README.md` index, as (file name,
/// contents) pairs.
pub fn doc_files() -> Result<Vec<(String, String)>, Error> {
    let mut files = Vec::new();
    let mut index = String::from(
        "# Task state machines (generated)\n\n\
         Written by `cargo xtask fsm --write-docs` from the built-in machines of `task-fsm`; do not edit.\n\
         Sources, interpretations and disagreements: [`../spec/task-state-machines.md`](../spec/task-state-machines.md).\n\n\
         | machine | description | states | initial | terminal | TSV rows | files |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for name in crate::builtin::NAMES {
        let m = crate::builtin(name)?;
        let rows = m.edges().len();
        let _ = writeln!(
            index,
            "| `{n}` | {t} | {s} | {i} | {te} | {rows} | [tsv]({n}.tsv) · [mermaid]({n}.mmd) · [dot]({n}.dot) |",
            n = m.name(),
            t = m.title(),
            s = m.states().len(),
            i = m.initial().codes(),
            te = m.terminal().codes(),
        );
        files.push((format!("{name}.tsv"), m.to_tsv()));
        files.push((format!("{name}.mmd"), m.to_mermaid()));
        files.push((format!("{name}.dot"), m.to_dot()));
    }
    files.insert(0, ("README.md".to_owned(), index));
    Ok(files)
}
