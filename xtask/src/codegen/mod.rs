//! `cargo xtask codegen [--check]`: writes (or checks) the generated code of the workspace.

mod conformance;
mod defs;
mod emit;
mod emit_xml;
pub mod model;
mod search;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use defs::Definitions;

use crate::shared::{files_below, require_shared, workspace_root};

/// Formats Rust source with rustfmt, so that generated files read like hand-written ones and
/// `cargo fmt --check` accepts them.
pub fn rustfmt(src: &str) -> Result<String, String> {
    let root = workspace_root();
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .arg("--config-path")
        .arg(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt stdin")?;
    let input = src.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| format!("rustfmt: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// Generated files of one target folder.
pub struct Output {
    pub dir: PathBuf,
    pub files: BTreeMap<String, String>,
}

fn model_output(defs: &Definitions) -> Result<Output, String> {
    let model = model::build(defs)?;
    let mut files = emit::emit(&model);
    files.extend(emit_xml::emit(&model));
    Ok(Output {
        dir: workspace_root().join("fhir-model/src/generated"),
        files,
    })
}

/// Every generated output of the workspace.
pub fn outputs(shared: &Path) -> Result<Vec<Output>, String> {
    let defs = Definitions::load(shared)?;
    let mut outputs = vec![model_output(&defs)?];
    outputs.push(Output {
        dir: workspace_root().join("search-params/src/generated"),
        files: search::files(shared)?,
    });
    outputs.push(Output {
        dir: workspace_root().join("conformance/src/generated"),
        files: conformance::files(&defs)?,
    });
    Ok(outputs)
}

/// Runs the generator; with `check`, compares instead of writing and fails when stale.
pub fn run(check: bool) -> Result<(), String> {
    let shared = require_shared()?;
    let mut stale = Vec::new();
    for out in outputs(&shared)? {
        let mut formatted = BTreeMap::new();
        for (name, src) in &out.files {
            let text = if name.ends_with(".rs") {
                rustfmt(src).map_err(|e| format!("{name}: {e}"))?
            } else {
                src.clone()
            };
            formatted.insert(name.clone(), text);
        }
        for old in files_below(&out.dir, &out.dir) {
            if !formatted.contains_key(&old) {
                if check {
                    stale.push(format!("{} (no longer generated)", out.dir.join(&old).display()));
                } else {
                    std::fs::remove_file(out.dir.join(&old)).map_err(|e| e.to_string())?;
                }
            }
        }
        for (name, text) in &formatted {
            let path = out.dir.join(name);
            let current = std::fs::read_to_string(&path).ok();
            if current.as_deref() == Some(text.as_str()) {
                continue;
            }
            if check {
                stale.push(path.display().to_string());
            } else {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let n = formatted.len();
        if !check {
            println!("codegen: wrote {n} files under {}", out.dir.display());
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "generated code is stale; run `cargo xtask codegen`:\n  {}",
            stale.join("\n  ")
        ));
    }
    if check {
        println!("codegen: generated code is fresh");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The committed generated code must be what the generator produces from the definitions.
    #[test]
    fn generated_code_is_fresh() {
        if crate::shared::shared_dir().is_none() {
            eprintln!("notice: FHIR_SHARED not found; skipping the generated-code freshness check");
            return;
        }
        if let Err(e) = super::run(true) {
            panic!("{e}");
        }
    }
}
