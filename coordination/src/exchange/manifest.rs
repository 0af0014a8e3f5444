//! The Bulk Data completion manifest (BULK-COMPLETE, v2 export.md "Response - Complete
//! Status"): parsed, validated, and turned into a download plan.
//!
//! Required: `transactionTime` (FHIR instant), `request` (string), `requiresAccessToken`
//! (boolean), `output` (array of `{type, url, count?}`). Optional: `deleted` (same items;
//! each file holds transaction Bundles), `error` (same items, type `OperationOutcome` only:
//! "Only the OperationOutcome resource type is currently supported"), `extension` (a JSON
//! object: "The value of an extension element SHALL be a pre-coordinated JSON object", also
//! allowed inside items). `link` (paged manifests, `{relation, url}`) is not in v2; it comes
//! from the Bulk Data 3.0 ballot (`BulkDataManifest.fsh`) and is accepted when present.

use std::fmt;

use fhir_model::{Instant, R4_RESOURCE_TYPES};
use serde_json::{Map, Value};

use super::FHIR_NDJSON;

/// A validated completion manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The server's time when the query ran (keep it for the next `_since`).
    pub transaction_time: Instant,
    /// The kick-off request URL.
    pub request: String,
    /// Whether file downloads need the access token.
    pub requires_access_token: bool,
    /// Data files.
    pub output: Vec<OutputFile>,
    /// Files of transaction Bundles naming deleted resources.
    pub deleted: Vec<OutputFile>,
    /// Files of OperationOutcomes.
    pub error: Vec<OutputFile>,
    /// Links of a paged manifest (Bulk Data 3.0 ballot).
    pub link: Vec<ManifestLink>,
    /// The root `extension` object, kept as sent.
    pub extension: Option<Map<String, Value>>,
}

/// One file item.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// The resource type in the file.
    pub resource_type: String,
    /// The absolute URL.
    pub url: String,
    /// The number of resources, when given.
    pub count: Option<u64>,
    /// The item's `extension` object.
    pub extension: Option<Map<String, Value>>,
}

/// One `link` of a paged manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLink {
    /// `next`, ...
    pub relation: String,
    /// The URL of the other page.
    pub url: String,
}

/// Why a manifest is invalid: the field (JSON path), what was expected, what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: expected {expected}, found {found}")]
pub struct ManifestError {
    /// The JSON path (`output[2].url`).
    pub path: String,
    /// What the IG requires.
    pub expected: String,
    /// What the manifest holds.
    pub found: String,
}

fn err(path: impl Into<String>, expected: impl Into<String>, found: impl Into<String>) -> ManifestError {
    ManifestError {
        path: path.into(),
        expected: expected.into(),
        found: found.into(),
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn is_absolute_url(url: &str) -> bool {
    url.parse::<http::Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some())
}

fn extension(obj: &Map<String, Value>, path: &str) -> Result<Option<Map<String, Value>>, ManifestError> {
    match obj.get("extension") {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(other) => Err(err(format!("{path}extension"), "a JSON object", kind(other))),
    }
}

fn files(root: &Map<String, Value>, key: &str, required: bool) -> Result<Vec<OutputFile>, ManifestError> {
    let items = match root.get(key) {
        None if required => return Err(err(key, "an array of file items", "nothing")),
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(err(key, "an array of file items", kind(other))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("{key}[{i}]");
            let Value::Object(o) = item else {
                return Err(err(path, "a file item object", kind(item)));
            };
            let resource_type = match o.get("type") {
                Some(Value::String(t)) if R4_RESOURCE_TYPES.binary_search(&t.as_str()).is_ok() => t.clone(),
                Some(other) => return Err(err(format!("{path}.type"), "an R4 resource type", kind(other))),
                None => return Err(err(format!("{path}.type"), "an R4 resource type", "nothing")),
            };
            if key == "error" && resource_type != "OperationOutcome" {
                return Err(err(
                    format!("{path}.type"),
                    "OperationOutcome",
                    format!("{resource_type:?}"),
                ));
            }
            let url = match o.get("url") {
                Some(Value::String(u)) if is_absolute_url(u) => u.clone(),
                Some(other) => return Err(err(format!("{path}.url"), "an absolute http(s) URL", kind(other))),
                None => return Err(err(format!("{path}.url"), "an absolute http(s) URL", "nothing")),
            };
            let count = match o.get("count") {
                None => None,
                Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
                Some(other) => return Err(err(format!("{path}.count"), "a non-negative integer", kind(other))),
            };
            Ok(OutputFile {
                resource_type,
                url,
                count,
                extension: extension(o, &format!("{path}."))?,
            })
        })
        .collect()
}

impl Manifest {
    /// Parses and validates a manifest.
    pub fn parse(body: &[u8]) -> Result<Manifest, ManifestError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| err("$", "a JSON object", format!("invalid JSON ({e})")))?;
        let Value::Object(root) = value else {
            return Err(err("$", "a JSON object", kind(&value)));
        };
        let transaction_time = match root.get("transactionTime") {
            Some(Value::String(t)) => t
                .parse::<Instant>()
                .map_err(|e| err("transactionTime", "a FHIR instant", format!("{t:?} ({e})")))?,
            Some(other) => return Err(err("transactionTime", "a FHIR instant", kind(other))),
            None => return Err(err("transactionTime", "a FHIR instant (required)", "nothing")),
        };
        let request = match root.get("request") {
            Some(Value::String(r)) if !r.is_empty() => r.clone(),
            Some(other) => return Err(err("request", "the kick-off request URL", kind(other))),
            None => return Err(err("request", "the kick-off request URL (required)", "nothing")),
        };
        let requires_access_token = match root.get("requiresAccessToken") {
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(err("requiresAccessToken", "a boolean", kind(other))),
            None => return Err(err("requiresAccessToken", "a boolean (required)", "nothing")),
        };
        let link = match root.get("link") {
            None => Vec::new(),
            Some(Value::Array(links)) => links
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let path = format!("link[{i}]");
                    match (l.get("relation"), l.get("url")) {
                        (Some(Value::String(r)), Some(Value::String(u))) if is_absolute_url(u) => Ok(ManifestLink {
                            relation: r.clone(),
                            url: u.clone(),
                        }),
                        _ => Err(err(path, "{relation, url} with an absolute URL", kind(l))),
                    }
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(err("link", "an array of links", kind(other))),
        };
        Ok(Manifest {
            transaction_time,
            request,
            requires_access_token,
            output: files(&root, "output", true)?,
            deleted: files(&root, "deleted", false)?,
            error: files(&root, "error", false)?,
            link,
            extension: extension(&root, "")?,
        })
    }

    /// The URL of the next page of a paged manifest, if any.
    pub fn next_page(&self) -> Option<&str> {
        self.link.iter().find(|l| l.relation == "next").map(|l| l.url.as_str())
    }

    /// The downloads to make: output files first (in manifest order), then deleted, then error
    /// files. Each request asks for `application/fhir+ndjson` (BULK-FILE: `Accept` "defaults to
    /// application/fhir+ndjson"); when `requires_token` is set the caller SHALL add its
    /// access token.
    pub fn download_plan(&self) -> Vec<Download> {
        let item = |kind: FileKind, f: &OutputFile| Download {
            kind,
            resource_type: f.resource_type.clone(),
            url: f.url.clone(),
            expected_count: f.count,
            requires_token: self.requires_access_token,
        };
        self.output
            .iter()
            .map(|f| item(FileKind::Output, f))
            .chain(self.deleted.iter().map(|f| item(FileKind::Deleted, f)))
            .chain(self.error.iter().map(|f| item(FileKind::Error, f)))
            .collect()
    }
}

/// Which manifest array a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `output`: data.
    Output,
    /// `deleted`: transaction Bundles of DELETE entries.
    Deleted,
    /// `error`: OperationOutcomes.
    Error,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Output => "output",
            FileKind::Deleted => "deleted",
            FileKind::Error => "error",
        })
    }
}

/// One file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Which array it came from.
    pub kind: FileKind,
    /// The resource type in the file.
    pub resource_type: String,
    /// The URL.
    pub url: String,
    /// The `count` the manifest announced, to check against what is read.
    pub expected_count: Option<u64>,
    /// Whether the access token must be sent.
    pub requires_token: bool,
}

impl Download {
    /// The GET request for the file (without the `Authorization` header, which the caller
    /// adds when [`Download::requires_token`] is set). Fails only when `url` was changed to
    /// something that is not a URI after the manifest was parsed.
    pub fn request(&self) -> Result<http::Request<Vec<u8>>, http::uri::InvalidUri> {
        let uri: http::Uri = self.url.parse()?;
        let mut r = http::Request::new(Vec::new());
        *r.uri_mut() = uri;
        r.headers_mut()
            .insert(http::header::ACCEPT, http::HeaderValue::from_static(FHIR_NDJSON));
        Ok(r)
    }
}
