//! `validate [--profile URL] [--format text|json] PATH...`: every FHIR file under PATH (`.json`
//! and `.xml`; a file named on the command line is read whatever its name) checked against the
//! base definitions, the profile asked for and the profiles it declares.
//!
//! * `--format text` (default): `ok PATH` or `invalid PATH`, each followed by its issues, one
//!   per line: severity, code, FHIRPath, diagnostics, and line/column when known.
//! * `--format json`: one `OperationOutcome` per file, one per line (NDJSON), each naming its
//!   file in the extension `http://hl7.org/fhir/StructureDefinition/operationoutcome-file`
//!   (FHIR Extensions Pack).
//!
//! `--allow-list FILE` names files known to break a rule (one per line: file name, a tab, the
//! reason; `#` starts a comment): such a file is reported as `allowed PATH (reason)` with its
//! issues and counted neither valid nor invalid; the line before the last names them.
//!
//! The last line is `N valid, M invalid`; the exit code is 1 when any file is invalid (a file
//! that cannot be read or parsed is invalid), 2 on a usage error.

use std::path::Path;

use conformance::{Format, Validator};
use fhir_model::{json, Extension, ExtensionValue, IssueSeverity, OperationOutcome, Primitive};

use super::files;

const USAGE: &str = "usage: conformance validate [--profile URL] [--format text|json] [--allow-list FILE] PATH...";

/// Extension naming the file an OperationOutcome is about (FHIR Extensions Pack).
const FILE_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/operationoutcome-file";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Text,
    Json,
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: &[String]) -> u8 {
    let mut validator = Validator::new();
    let mut output = Output::Text;
    let mut allowed: Vec<(String, String)> = Vec::new();
    let mut paths = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--profile" => {
                let Some(url) = it.next() else {
                    eprintln!("{USAGE}\nerror: --profile needs a URL");
                    return 2;
                };
                validator = match validator.with_profile(url) {
                    Ok(v) => v,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return 2;
                    }
                };
            }
            "--format" => match it.next().map(String::as_str) {
                Some("text") => output = Output::Text,
                Some("json") => output = Output::Json,
                other => {
                    eprintln!("{USAGE}\nerror: --format expects text or json, found {other:?}");
                    return 2;
                }
            },
            "--allow-list" => {
                let Some(file) = it.next() else {
                    eprintln!("{USAGE}\nerror: --allow-list needs a file");
                    return 2;
                };
                match read_allow_list(file) {
                    Ok(list) => allowed.extend(list),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return 2;
                    }
                }
            }
            flag if flag.starts_with("--") => {
                eprintln!("{USAGE}\nerror: unknown option {flag}");
                return 2;
            }
            _ => paths.push(arg.clone()),
        }
    }
    if paths.is_empty() {
        eprintln!("{USAGE}");
        return 2;
    }
    let files = match files::collect_any(&paths, &["json", "xml"]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut allowed_seen = Vec::new();
    for path in &files {
        let outcome = validate_file(&validator, path);
        let ok = conformance::is_valid(&outcome);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let reason = allowed.iter().find(|(n, _)| n == name).map(|(_, r)| r.as_str());
        let verdict = match (ok, reason) {
            (true, _) => {
                valid += 1;
                Verdict::Ok
            }
            (false, Some(reason)) => {
                allowed_seen.push(format!("{name} ({reason})"));
                Verdict::Allowed(reason)
            }
            (false, None) => {
                invalid += 1;
                Verdict::Invalid
            }
        };
        match output {
            Output::Text => print_text(path, verdict, &outcome),
            Output::Json => print_json(path, outcome),
        }
    }
    if !allowed_seen.is_empty() {
        super::out!("{} allow-listed: {}", allowed_seen.len(), allowed_seen.join("; "));
    }
    super::out!("{valid} valid, {invalid} invalid");
    u8::from(invalid > 0)
}

fn validate_file(validator: &Validator, path: &Path) -> OperationOutcome {
    match std::fs::read(path) {
        Ok(bytes) => {
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("xml") => Format::Xml,
                Some("json") => Format::Json,
                _ => Format::sniff(&bytes),
            };
            validator.validate_document(&bytes, format)
        }
        Err(e) => {
            let mut issue =
                fhir_model::OperationOutcomeIssue::new(IssueSeverity::Fatal, fhir_model::IssueType::Exception);
            issue.diagnostics = Some(Primitive::new(format!("the file could not be read: {e}")));
            OperationOutcome {
                issue: vec![issue],
                ..Default::default()
            }
        }
    }
}

/// How a file is reported.
#[derive(Clone, Copy)]
enum Verdict<'a> {
    Ok,
    Invalid,
    /// Invalid, and on the allow-list with this reason.
    Allowed(&'a str),
}

/// Reads an allow-list: file name, a tab, the reason; `#` comments and blank lines skipped.
fn read_allow_list(file: &str) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line
            .split_once('\t')
            .ok_or_else(|| format!("{file}:{}: expected `file name<TAB>reason`, found {line:?}", i + 1))?;
        out.push((name.trim().to_owned(), reason.trim().to_owned()));
    }
    Ok(out)
}

fn print_text(path: &Path, verdict: Verdict<'_>, outcome: &OperationOutcome) {
    match verdict {
        Verdict::Ok => super::out!("ok {}", path.display()),
        Verdict::Invalid => super::out!("invalid {}", path.display()),
        Verdict::Allowed(reason) => super::out!("allowed {} ({reason})", path.display()),
    }
    for issue in &outcome.issue {
        let code = issue.code.value.as_ref().map_or("?", |c| c.code());
        if code == "informational" {
            continue;
        }
        let severity = issue.severity.value.as_ref().map_or("?", |s| s.code());
        let expression = issue
            .expression
            .first()
            .and_then(|e| e.value.as_deref())
            .unwrap_or("(document)");
        let diagnostics = issue
            .diagnostics
            .as_ref()
            .and_then(|d| d.value.as_deref())
            .unwrap_or_default();
        let position = conformance::position(issue)
            .map(|(line, column)| format!(" (line {line}, column {column})"))
            .unwrap_or_default();
        super::out!("  {severity} {code} {expression}: {diagnostics}{position}");
    }
}

fn print_json(path: &Path, mut outcome: OperationOutcome) {
    outcome.extension.push(Extension {
        url: FILE_EXTENSION.into(),
        value: Some(ExtensionValue::String(Primitive::new(path.display().to_string()))),
        ..Default::default()
    });
    super::out!("{}", json::to_string(&outcome));
}
