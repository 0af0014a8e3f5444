//! Transport-agnostic descriptions of the RESTful exchanges the patterns imply (create, update,
//! read, search), built on the `http` crate's types so any client can send them.
//!
//! Headers follow the exchanges of seed 000 (`Accept: application/fhir+json`,
//! `Content-Type: application/fhir+json` on requests with a body) and R4 http.html (create is
//! `POST [base]/[type]`, update `PUT [base]/[type]/[id]`, read `GET [base]/[type]/[id]`, search
//! `GET [base]/[type]?…`; `If-Match` carries a version for a version-aware update).

use fhir_model::{json, FhirResource};
use http::header::{HeaderValue, ACCEPT, CONTENT_TYPE, IF_MATCH};
use http::{HeaderMap, Method, Uri};
use search_params::Query;

use crate::Error;

/// The FHIR JSON media type (R4 http.html#mime-type).
pub const FHIR_JSON: &str = "application/fhir+json";

/// One HTTP exchange to make: method, absolute URL, headers and body.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The FHIR JSON body, if any.
    pub body: Option<String>,
}

impl FhirRequest {
    fn new(method: Method, url: String, body: Option<String>) -> Result<FhirRequest, Error> {
        let uri: Uri = url.parse().map_err(|e: http::uri::InvalidUri| {
            Error::invalid("request URL", "an absolute URL", format!("{url:?} ({e})"))
        })?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(Error::invalid(
                "request URL",
                "an absolute URL with scheme and host",
                format!("{url:?}"),
            ));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(FHIR_JSON));
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
        }
        Ok(FhirRequest {
            method,
            uri,
            headers,
            body,
        })
    }

    /// The same request as an `http::Request`.
    pub fn into_http(self) -> http::Request<Option<String>> {
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        request
    }

    /// A readable rendering (`POST https://x/fhir/Task`, the headers in name order, a blank
    /// line and the body) for logs and snapshots.
    pub fn to_text(&self) -> String {
        let mut out = format!("{} {}\n", self.method, self.uri);
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("(binary)").to_owned()))
            .collect();
        headers.sort();
        for (k, v) in headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(body) = &self.body {
            out.push('\n');
            out.push_str(body);
            out.push('\n');
        }
        out
    }
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

/// `POST [base]/[type]` with the resource as body (R4 http.html#create).
///
/// ```
/// use fhir_model::{Task, TaskIntent, TaskStatus};
/// let request = coordination::transport::create("https://provider.example.org/fhir", &Task::new(TaskStatus::Requested, TaskIntent::Order))?;
/// assert_eq!(request.uri, "https://provider.example.org/fhir/Task");
/// assert_eq!(request.headers["content-type"], "application/fhir+json");
/// # Ok::<(), coordination::Error>(())
/// ```
pub fn create<R: FhirResource + json::ToJson>(base: &str, resource: &R) -> Result<FhirRequest, Error> {
    FhirRequest::new(
        Method::POST,
        join(base, R::TYPE),
        Some(json::to_string_pretty(resource)),
    )
}

/// `PUT [base]/[type]/[id]` with the resource as body; with `If-Match: W/"<versionId>"` when
/// `meta.versionId` is set (R4 http.html#update, #concurrency).
pub fn update<R: FhirResource + json::ToJson>(base: &str, resource: &R) -> Result<FhirRequest, Error> {
    let id = resource
        .id()
        .ok_or_else(|| Error::invalid(format!("{}.id", R::TYPE), "an id to update", "none"))?;
    let mut request = FhirRequest::new(
        Method::PUT,
        join(base, &format!("{}/{id}", R::TYPE)),
        Some(json::to_string_pretty(resource)),
    )?;
    if let Some(version) = resource
        .meta()
        .and_then(|m| m.version_id.as_ref())
        .and_then(|v| v.value.as_deref())
    {
        let value = HeaderValue::from_str(&format!("W/\"{version}\"")).map_err(|_| {
            Error::invalid(
                format!("{}.meta.versionId", R::TYPE),
                "a header-safe version id",
                version,
            )
        })?;
        request.headers.insert(IF_MATCH, value);
    }
    Ok(request)
}

/// `GET [base]/[type]/[id]` (R4 http.html#read).
pub fn read(base: &str, resource_type: &str, id: &str) -> Result<FhirRequest, Error> {
    FhirRequest::new(Method::GET, join(base, &format!("{resource_type}/{id}")), None)
}

/// `GET [base]/[type]?…` for a search built with search-params (R4 http.html#search).
pub fn search(base: &str, query: &Query) -> Result<FhirRequest, Error> {
    FhirRequest::new(Method::GET, query.to_url(base), None)
}
