//! Walking the paths given on the command line.

use std::path::{Path, PathBuf};

/// Every file under `paths` (files as given, directories recursively) whose extension is `ext`,
/// sorted for stable output.
pub fn collect(paths: &[String], ext: &str) -> Result<Vec<PathBuf>, String> {
    fn walk(p: &Path, ext: &str, out: &mut Vec<PathBuf>) -> Result<(), String> {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| format!("{}: {e}", p.display()))?;
            for e in rd {
                let e = e.map_err(|e| format!("{}: {e}", p.display()))?;
                walk(&e.path(), ext, out)?;
            }
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p.to_path_buf());
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if !p.exists() {
            return Err(format!("{path}: no such file or directory"));
        }
        if p.is_file() {
            out.push(p.to_path_buf());
        } else {
            walk(p, ext, &mut out)?;
        }
    }
    out.sort();
    Ok(out)
}

/// Every file under `paths` whose extension is one of `exts` (files named on the command line
/// are taken whatever their extension), sorted for stable output.
pub fn collect_any(paths: &[String], exts: &[&str]) -> Result<Vec<PathBuf>, String> {
    fn walk(p: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> Result<(), String> {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| format!("{}: {e}", p.display()))?;
            for e in rd {
                let e = e.map_err(|e| format!("{}: {e}", p.display()))?;
                walk(&e.path(), exts, out)?;
            }
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| exts.contains(&x))
        {
            out.push(p.to_path_buf());
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if !p.exists() {
            return Err(format!("{path}: no such file or directory"));
        }
        if p.is_file() {
            out.push(p.to_path_buf());
        } else {
            walk(p, exts, &mut out)?;
        }
    }
    out.sort();
    Ok(out)
}
