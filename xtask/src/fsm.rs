//! `cargo xtask fsm`: list the built-in Task state machines of `task-fsm`, print one as
//! Mermaid, Graphviz DOT or TSV, and (re)write or check the exports under `docs/state-machines/`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::shared::workspace_root;

const USAGE: &str = "usage: cargo xtask fsm --list
       cargo xtask fsm --machine NAME --format mermaid|dot|tsv
       cargo xtask fsm --write-docs     (re)write docs/state-machines/ from the built-in machines
       cargo xtask fsm --check-docs     fail when docs/state-machines/ is stale";

/// Runs the `fsm` task with the arguments after `fsm`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut machine = None;
    let mut format = None;
    let mut action = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--list" | "--write-docs" | "--check-docs" => action = Some(arg.as_str()),
            "--machine" => machine = Some(it.next().ok_or("--machine needs a NAME")?.clone()),
            "--format" => format = Some(it.next().ok_or("--format needs mermaid, dot or tsv")?.clone()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    match (action, machine) {
        (Some("--list"), None) => list(),
        (Some("--write-docs"), None) => write_docs(&docs_dir()),
        (Some("--check-docs"), None) => check_docs(&docs_dir()),
        (None, Some(name)) => print_machine(&name, format.as_deref()),
        _ => Err(USAGE.to_owned()),
    }
}

fn docs_dir() -> PathBuf {
    workspace_root().join("docs").join("state-machines")
}

fn list() -> Result<(), String> {
    for m in task_fsm::builtin::all().map_err(|e| e.to_string())? {
        println!("{:<18} {:>3} transitions  {}", m.name(), m.edges().len(), m.title());
    }
    Ok(())
}

fn print_machine(name: &str, format: Option<&str>) -> Result<(), String> {
    let m = task_fsm::builtin(name).map_err(|e| e.to_string())?;
    let text = match format {
        Some("mermaid") => m.to_mermaid(),
        Some("dot") => m.to_dot(),
        Some("tsv") => m.to_tsv(),
        Some(other) => return Err(format!("unknown format {other:?}: expected mermaid, dot or tsv")),
        None => return Err(format!("--format is required\n{USAGE}")),
    };
    print!("{text}");
    Ok(())
}

fn write_docs(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let files = task_fsm::doc_files().map_err(|e| e.to_string())?;
    for (name, contents) in &files {
        let path = dir.join(name);
        fs::write(&path, contents).map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    // Exports of machines that no longer exist would otherwise linger.
    for entry in fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if !files.iter().any(|(f, _)| *f == name) {
            fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
            println!("removed {}", path.display());
        }
    }
    Ok(())
}

fn check_docs(dir: &Path) -> Result<(), String> {
    let mut stale = Vec::new();
    for (name, contents) in task_fsm::doc_files().map_err(|e| e.to_string())? {
        let path = dir.join(&name);
        if fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            stale.push(name);
        }
    }
    if stale.is_empty() {
        println!("docs/state-machines is up to date");
        Ok(())
    } else {
        Err(format!(
            "docs/state-machines is stale ({}): run `cargo xtask fsm --write-docs`",
            stale.join(", ")
        ))
    }
}
