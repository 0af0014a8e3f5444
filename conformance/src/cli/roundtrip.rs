//! `roundtrip`: parse → serialize → compare, file by file.
//!
//! JSON is compared semantically: object key order is ignored and every primitive is compared
//! exactly as text, so a decimal `1.50` must come back as `1.50`.

use std::path::Path;

use fhir_model::json::{self, JsonValue};
use fhir_model::Resource;

use super::files;

/// Round-trips one JSON document. The parse is lenient so that a document that breaks a
/// validation rule (a missing required element, an unknown code) is still checked for loss;
/// what the lenient parser stepped over is returned. `Err` says why it failed.
pub fn json_file(path: &Path) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let original: JsonValue = json::value_from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    let parsed =
        json::from_slice_with::<Resource>(&bytes, json::Options::lenient()).map_err(|e| format!("parse: {e}"))?;
    let resource = &parsed.value;
    let written = json::to_string(resource);
    let again: JsonValue =
        json::value_from_slice(written.as_bytes()).map_err(|e| format!("output is not JSON: {e}"))?;
    match original.first_difference(&again) {
        None => Ok(parsed.warnings.iter().map(ToString::to_string).collect()),
        Some(diff) => Err(format!("differs at {diff}")),
    }
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: &[String]) -> u8 {
    let mut format = "json".to_owned();
    let mut paths = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--format" => match it.next() {
                Some(f) => format = f.clone(),
                None => {
                    eprintln!("error: --format needs a value");
                    return 2;
                }
            },
            _ => paths.push(a.clone()),
        }
    }
    if format != "json" {
        eprintln!("error: unknown format {format:?} (expected json)");
        return 2;
    }
    if paths.is_empty() {
        eprintln!("error: roundtrip needs at least one PATH");
        return 2;
    }
    let files = match files::collect(&paths, "json") {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for f in &files {
        match json_file(f) {
            Ok(warnings) if warnings.is_empty() => {
                passed += 1;
                println!("ok {}", f.display());
            }
            Ok(warnings) => {
                passed += 1;
                println!("ok {} (lenient: {})", f.display(), warnings.join("; "));
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {}: {e}", f.display());
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    u8::from(failed > 0)
}
