//! Locating the shared FHIR data (`FHIR_SHARED`, default `../shared` beside the workspace).

use std::path::{Path, PathBuf};

/// The workspace root (the parent of the xtask crate).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The shared data folder, if it exists.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("FHIR_SHARED") {
        Some(v) => {
            let p = PathBuf::from(v);
            if p.is_absolute() {
                p
            } else {
                std::env::current_dir().ok()?.join(p)
            }
        }
        None => workspace_root().join("../shared"),
    };
    dir.is_dir().then_some(dir)
}

/// The shared data folder or an explanation of how to provide it.
pub fn require_shared() -> Result<PathBuf, String> {
    shared_dir().ok_or_else(|| {
        "the shared FHIR data was not found: set FHIR_SHARED to the folder holding fhir-definitions/ and corpus/ \
         (default: ../shared beside the workspace)"
            .to_owned()
    })
}

/// Every file below `dir`, as `/`-separated paths relative to `base` (which contains `dir`),
/// sorted. A missing folder has no files.
pub fn files_below(base: &Path, dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(base, &p, out);
                } else if let Ok(rel) = p.strip_prefix(base) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(base, dir, &mut out);
    out.sort();
    out
}
