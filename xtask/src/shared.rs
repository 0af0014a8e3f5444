//! Locating the shared FHIR data (`FHIR_SHARED`, default `../shared` beside the workspace).

use std::path::PathBuf;

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
