//! HTTP messages of the example exchanges, written as `.http` files (request line or status
//! line, headers, blank line, body).

use fhir_model::{json, xml, Resource};

/// The wire format of one rendering of an exchange.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn dir(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/fhir+json",
            Format::Xml => "application/fhir+xml",
        }
    }
}

/// A message body.
#[derive(Clone, Debug)]
pub enum Body {
    /// A FHIR resource, rendered in the file's format.
    Resource(Box<Resource>),
    /// JSON that is not a FHIR resource (a Bulk Data completion manifest), written as is.
    Json(String),
    /// NDJSON (one FHIR resource per line, `application/fhir+ndjson`), written as is.
    Ndjson(String),
}

/// A request or a response.
#[derive(Clone, Debug)]
pub struct Message {
    /// `POST https://provider.example.org/fhir/Task HTTP/1.1` or `HTTP/1.1 201 Created`.
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

/// `content-type` → `Content-Type` (the `http` crate stores names in lower case).
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Placeholder header value replaced by the format's FHIR media type.
pub const FHIR_MIME: &str = "{fhir}";

impl Message {
    pub fn request(method: &str, url: &str) -> Self {
        Message {
            start: format!("{method} {url} HTTP/1.1"),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn response(status: u16, reason: &str) -> Self {
        Message {
            start: format!("HTTP/1.1 {status} {reason}"),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A request as the coordination crate describes it (`http` types), with its resource.
    pub fn from_fhir_request(req: &coordination::FhirRequest, body: Option<Resource>) -> Self {
        let mut m = Message::request(req.method.as_str(), &req.uri.to_string());
        for (name, value) in &req.headers {
            let value = value.to_str().unwrap_or_default();
            // The same exchange is written in both formats: the media type follows the file's.
            let value = value.replace("application/fhir+json", FHIR_MIME);
            if name.as_str() != "content-type" || body.is_some() {
                m = m.header(&canonical_header(name.as_str()), value);
            }
        }
        m.body = body.map(|b| Body::Resource(Box::new(b)));
        m
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Accept: the format's FHIR media type.
    pub fn accept_fhir(self) -> Self {
        self.header("Accept", FHIR_MIME)
    }

    pub fn resource(mut self, r: impl Into<Resource>) -> Self {
        self.body = Some(Body::Resource(Box::new(r.into())));
        self.header("Content-Type", format!("{FHIR_MIME};charset=utf-8"))
    }

    /// True when the message carries FHIR content that exists in both formats.
    pub fn is_fhir(&self) -> bool {
        matches!(self.body, Some(Body::Resource(_))) || self.headers.iter().any(|(_, v)| v.contains(FHIR_MIME))
    }

    /// The message as text in `format`.
    pub fn render(&self, format: Format) -> Result<String, String> {
        let mut out = String::new();
        out.push_str(&self.start);
        out.push('\n');
        for (name, value) in &self.headers {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(&value.replace(FHIR_MIME, format.mime()));
            out.push('\n');
        }
        out.push('\n');
        match &self.body {
            None => {}
            Some(Body::Resource(r)) => {
                let text = match format {
                    Format::Json => json::to_string_pretty(r.as_ref()),
                    Format::Xml => xml::to_string_pretty(r.as_ref()).map_err(|e| e.to_string())?,
                };
                out.push_str(&text);
                out.push('\n');
            }
            Some(Body::Json(text)) | Some(Body::Ndjson(text)) => {
                out.push_str(text);
                if !text.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        Ok(out)
    }
}
