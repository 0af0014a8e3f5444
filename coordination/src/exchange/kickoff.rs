//! Bulk Data kick-off requests (BULK-KICKOFF): `[base]/$export`, `[base]/Patient/$export`,
//! `[base]/Group/[id]/$export`, and ATR's `[base]/Group/[id]/$davinci-data-export`, as GET
//! (query parameters) or POST (a `Parameters` resource).
//!
//! Parameters (v2 OperationDefinitions `export`, `patient-export`, `group-export`):
//! `_outputFormat` 0..1 string, `_since` 0..1 instant, `_type` 0..* string, `_elements` 0..*
//! string, `patient` 0..* Reference (Patient and Group level only; "POST requests only" in
//! export.md), `includeAssociatedData` 0..* code, `_typeFilter` 0..* string.
//! ATR `davinci-data-export` (Group instance only) adds `exportType` 0..1 canonical and
//! `_until` 0..1 instant.

use std::fmt;

use fhir_model::json;
use fhir_model::{
    Instant, Parameters, ParametersParameter, ParametersParameterValue, Primitive, Reference, R4_RESOURCE_TYPES,
};
use http::header::CONTENT_TYPE;
use http::{Method, Request};
use search_params::{Item, Query};

use super::FHIR_JSON;

/// ATR's export type for Member Attribution Lists (ATR spec.md: "Producer systems SHALL support
/// the exportType of hl7.fhir.us.davinci-atr").
pub const ATR_EXPORT_TYPE: &str = "hl7.fhir.us.davinci-atr";

/// The resource types ATR requires in `_type` for its export type (ATR spec.md: "SHALL reject
/// requests that do not contain the minimum resource types of Group,Patient,Coverage").
const ATR_MINIMUM_TYPES: [&str; 3] = ["Group", "Patient", "Coverage"];

/// Which data the export covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportLevel {
    /// `[base]/$export`: everything.
    System,
    /// `[base]/Patient/$export`: all patients.
    AllPatients,
    /// `[base]/Group/[id]/$export`: the members of a group.
    Group(String),
}

/// Which operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOperation {
    /// Bulk Data `$export`.
    Export,
    /// ATR `$davinci-data-export` with its `exportType`.
    DavinciDataExport {
        /// The `exportType` (e.g. [`ATR_EXPORT_TYPE`]).
        export_type: String,
    },
}

/// Why a kick-off cannot be built: the parameter, what was expected, what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: expected {expected}, found {found}")]
pub struct KickoffError {
    /// The parameter (`_type`, `_typeFilter`, ...).
    pub parameter: String,
    /// What the IG allows.
    pub expected: String,
    /// What was given.
    pub found: String,
}

fn bad(parameter: &str, expected: impl Into<String>, found: impl fmt::Display) -> KickoffError {
    KickoffError {
        parameter: parameter.to_owned(),
        expected: expected.into(),
        found: found.to_string(),
    }
}

/// A kick-off request under construction; [`ExportRequest::get`] or [`ExportRequest::post`]
/// checks the whole and builds the HTTP request.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    level: ExportLevel,
    operation: ExportOperation,
    output_format: Option<String>,
    since: Option<Instant>,
    until: Option<Instant>,
    types: Vec<String>,
    elements: Vec<String>,
    type_filters: Vec<Query>,
    patients: Vec<Reference>,
    include_associated_data: Vec<String>,
}

impl ExportRequest {
    fn at(level: ExportLevel, operation: ExportOperation) -> ExportRequest {
        ExportRequest {
            level,
            operation,
            output_format: None,
            since: None,
            until: None,
            types: Vec::new(),
            elements: Vec::new(),
            type_filters: Vec::new(),
            patients: Vec::new(),
            include_associated_data: Vec::new(),
        }
    }

    /// `[base]/$export`.
    pub fn system() -> ExportRequest {
        Self::at(ExportLevel::System, ExportOperation::Export)
    }

    /// `[base]/Patient/$export`.
    pub fn all_patients() -> ExportRequest {
        Self::at(ExportLevel::AllPatients, ExportOperation::Export)
    }

    /// `[base]/Group/[id]/$export`.
    pub fn group(id: impl Into<String>) -> ExportRequest {
        Self::at(ExportLevel::Group(id.into()), ExportOperation::Export)
    }

    /// ATR: `[base]/Group/[id]/$davinci-data-export?exportType=hl7.fhir.us.davinci-atr` with
    /// `_type` set to the resource types the Member Attribution List is made of (ATR spec.md
    /// example: Group, Patient, Practitioner, PractitionerRole, Organization, Location,
    /// Coverage, RelatedPerson).
    pub fn attribution_list(group_id: impl Into<String>) -> ExportRequest {
        let mut r = Self::at(
            ExportLevel::Group(group_id.into()),
            ExportOperation::DavinciDataExport {
                export_type: ATR_EXPORT_TYPE.to_owned(),
            },
        );
        r.types = [
            "Group",
            "Patient",
            "Practitioner",
            "PractitionerRole",
            "Organization",
            "Location",
            "Coverage",
            "RelatedPerson",
        ]
        .map(str::to_owned)
        .to_vec();
        r
    }

    /// The level.
    pub fn level(&self) -> &ExportLevel {
        &self.level
    }

    /// `_type`: R4 resource types (replaces earlier ones).
    pub fn types<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, types: I) -> Result<ExportRequest, KickoffError> {
        let mut out = Vec::new();
        for t in types {
            let t = t.as_ref();
            if R4_RESOURCE_TYPES.binary_search(&t).is_err() {
                return Err(bad("_type", "an R4 resource type", format!("{t:?}")));
            }
            if !out.iter().any(|o: &String| o == t) {
                out.push(t.to_owned());
            }
        }
        self.types = out;
        Ok(self)
    }

    /// `_since`: a FHIR instant.
    pub fn since(mut self, instant: &str) -> Result<ExportRequest, KickoffError> {
        self.since = Some(
            instant
                .parse()
                .map_err(|e| bad("_since", "a FHIR instant", format!("{instant:?} ({e})")))?,
        );
        Ok(self)
    }

    /// `_until` (ATR `$davinci-data-export` only).
    pub fn until(mut self, instant: &str) -> Result<ExportRequest, KickoffError> {
        self.until = Some(
            instant
                .parse()
                .map_err(|e| bad("_until", "a FHIR instant", format!("{instant:?} ({e})")))?,
        );
        Ok(self)
    }

    /// `_outputFormat`; `application/fhir+ndjson` (the default), `application/ndjson` and
    /// `ndjson` are the forms every server SHALL accept.
    pub fn output_format(mut self, format: &str) -> Result<ExportRequest, KickoffError> {
        if format.trim().is_empty() || format.contains(',') {
            return Err(bad("_outputFormat", "one media type", format!("{format:?}")));
        }
        self.output_format = Some(format.to_owned());
        Ok(self)
    }

    /// `_elements`: `[type].[element]` or `[element]` (BULK-KICKOFF: "a string of comma-delimited
    /// FHIR Elements").
    pub fn elements<I: IntoIterator<Item = S>, S: AsRef<str>>(
        mut self,
        elements: I,
    ) -> Result<ExportRequest, KickoffError> {
        for e in elements {
            let e = e.as_ref();
            let (ty, name) = match e.split_once('.') {
                Some((ty, name)) => (Some(ty), name),
                None => (None, e),
            };
            let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric());
            let type_ok = ty.is_none_or(|t| R4_RESOURCE_TYPES.binary_search(&t).is_ok());
            if !name_ok || !type_ok {
                return Err(bad(
                    "_elements",
                    "[resource type].[element] or [element]",
                    format!("{e:?}"),
                ));
            }
            self.elements.push(e.to_owned());
        }
        Ok(self)
    }

    /// `_typeFilter`: one FHIR search (`MedicationRequest?status=active`), parsed and checked by
    /// `search-params`; result parameters (`_include`, `_sort`, ...) are refused (BULK-KICKOFF:
    /// "FHIR search response parameters such as _include and _sort SHALL NOT be used").
    pub fn type_filter(mut self, query: &str) -> Result<ExportRequest, KickoffError> {
        let parsed =
            Query::parse(query).map_err(|e| bad("_typeFilter", "a FHIR search query", format!("{query:?} ({e})")))?;
        if let Some(item) = parsed.items().iter().find(|i| !matches!(i, Item::Filter(_))) {
            return Err(bad(
                "_typeFilter",
                "search filters only (no _include, _sort, _count, _summary, _elements, _total, _contained)",
                format!("{query:?} ({})", result_parameter(item)),
            ));
        }
        if parsed.items().is_empty() {
            return Err(bad(
                "_typeFilter",
                "a query with at least one filter",
                format!("{query:?}"),
            ));
        }
        self.type_filters.push(parsed);
        Ok(self)
    }

    /// `patient`: restrict to these patients (POST only; not at system level).
    pub fn patient(mut self, reference: Reference) -> Result<ExportRequest, KickoffError> {
        if self.level == ExportLevel::System {
            return Err(bad(
                "patient",
                "a Patient- or Group-level export",
                "a system-level export",
            ));
        }
        if reference.target_type() != Some("Patient") {
            return Err(bad(
                "patient",
                "a reference to a Patient",
                format!("{:?}", reference.reference_str().unwrap_or("")),
            ));
        }
        self.patients.push(reference);
        Ok(self)
    }

    /// `includeAssociatedData`: `LatestProvenanceResources`, `RelevantProvenanceResources`, or a
    /// custom value starting with `_`.
    pub fn include_associated_data(mut self, value: &str) -> Result<ExportRequest, KickoffError> {
        let ok = matches!(value, "LatestProvenanceResources" | "RelevantProvenanceResources")
            || (value.len() > 1 && value.starts_with('_'));
        if !ok {
            return Err(bad(
                "includeAssociatedData",
                "LatestProvenanceResources, RelevantProvenanceResources or _custom",
                format!("{value:?}"),
            ));
        }
        self.include_associated_data.push(value.to_owned());
        Ok(self)
    }

    /// Checks the rules that involve several parameters.
    fn check(&self) -> Result<(), KickoffError> {
        if !self.types.is_empty() {
            for f in &self.type_filters {
                if !self.types.iter().any(|t| t == f.resource_type()) {
                    return Err(bad(
                        "_typeFilter",
                        format!("a query on one of the _type resource types ({})", self.types.join(",")),
                        f.to_relative(),
                    ));
                }
            }
        }
        match &self.operation {
            ExportOperation::Export => {
                if self.until.is_some() {
                    return Err(bad("_until", "only with $davinci-data-export", "$export"));
                }
            }
            ExportOperation::DavinciDataExport { export_type } => {
                if !matches!(self.level, ExportLevel::Group(_)) {
                    return Err(bad(
                        "level",
                        "a Group instance ($davinci-data-export is Group-only)",
                        "another level",
                    ));
                }
                if export_type == ATR_EXPORT_TYPE {
                    if let Some(missing) = ATR_MINIMUM_TYPES.iter().find(|m| !self.types.iter().any(|t| t == *m)) {
                        return Err(bad(
                            "_type",
                            "at least Group, Patient and Coverage for hl7.fhir.us.davinci-atr",
                            format!("no {missing}"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn path(&self, base: &str) -> String {
        let base = base.trim_end_matches('/');
        let op = match &self.operation {
            ExportOperation::Export => "$export",
            ExportOperation::DavinciDataExport { .. } => "$davinci-data-export",
        };
        match &self.level {
            ExportLevel::System => format!("{base}/{op}"),
            ExportLevel::AllPatients => format!("{base}/Patient/{op}"),
            ExportLevel::Group(id) => format!("{base}/Group/{}/{op}", encode(id)),
        }
    }

    /// The parameters as (name, value) pairs, in a stable order; multi-valued ones joined with
    /// commas for GET.
    fn pairs(&self, joined: bool) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let ExportOperation::DavinciDataExport { export_type } = &self.operation {
            out.push(("exportType", export_type.clone()));
        }
        if let Some(f) = &self.output_format {
            out.push(("_outputFormat", f.clone()));
        }
        if let Some(s) = &self.since {
            out.push(("_since", s.to_string()));
        }
        if let Some(u) = &self.until {
            out.push(("_until", u.to_string()));
        }
        let mut multi = |name: &'static str, values: Vec<String>| {
            if values.is_empty() {
            } else if joined {
                out.push((name, values.join(",")));
            } else {
                out.extend(values.into_iter().map(|v| (name, v)));
            }
        };
        multi("_type", self.types.clone());
        multi("_elements", self.elements.clone());
        multi("includeAssociatedData", self.include_associated_data.clone());
        if joined {
            // Each query is URL-encoded on its own, then joined with `,` (BULK-KICKOFF
            // `_typeFilter` example).
            let filters: Vec<String> = self.type_filters.iter().map(|q| encode(&q.to_relative())).collect();
            if !filters.is_empty() {
                out.push(("_typeFilter", filters.join(",")));
            }
        } else {
            out.extend(self.type_filters.iter().map(|q| ("_typeFilter", q.to_relative())));
        }
        out
    }

    /// The GET kick-off (`patient` is refused: POST only).
    pub fn get(&self, base: &str) -> Result<Request<Vec<u8>>, KickoffError> {
        self.check()?;
        if !self.patients.is_empty() {
            return Err(bad(
                "patient",
                "a POST kick-off (patient is POST only)",
                "a GET kick-off",
            ));
        }
        let query: Vec<String> = self
            .pairs(true)
            .into_iter()
            .map(|(name, value)| {
                if name == "_typeFilter" {
                    format!("{name}={value}")
                } else {
                    format!("{name}={}", encode_keeping_commas(&value))
                }
            })
            .collect();
        let mut url = self.path(base);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        build(Method::GET, &url, Vec::new())
    }

    /// The `Parameters` body of a POST kick-off.
    pub fn parameters(&self) -> Result<Parameters, KickoffError> {
        self.check()?;
        let mut parameters = Parameters::default();
        for (name, value) in self.pairs(false) {
            let value = match name {
                "_since" | "_until" => ParametersParameterValue::Instant(Primitive::new(
                    value.parse().map_err(|e| bad(name, "a FHIR instant", e))?,
                )),
                "exportType" => ParametersParameterValue::Canonical(Primitive::from(value.as_str())),
                "includeAssociatedData" => ParametersParameterValue::Code(Primitive::from(value.as_str())),
                _ => ParametersParameterValue::String(Primitive::from(value.as_str())),
            };
            let mut p = ParametersParameter::new(name);
            p.value = Some(value);
            parameters.parameter.push(p);
        }
        for r in &self.patients {
            let mut p = ParametersParameter::new("patient");
            p.value = Some(ParametersParameterValue::Reference(Box::new(r.clone())));
            parameters.parameter.push(p);
        }
        Ok(parameters)
    }

    /// The POST kick-off: `Parameters` in FHIR JSON (BULK-KICKOFF: servers "MAY support POST
    /// requests that supply parameters using the FHIR Parameters Resource").
    pub fn post(&self, base: &str) -> Result<Request<Vec<u8>>, KickoffError> {
        let body = json::to_string(&self.parameters()?).into_bytes();
        let mut r = build(Method::POST, &self.path(base), body)?;
        r.headers_mut()
            .insert(CONTENT_TYPE, http::HeaderValue::from_static(FHIR_JSON));
        Ok(r)
    }
}

/// The name of a search result parameter.
fn result_parameter(item: &Item) -> &'static str {
    match item {
        Item::Filter(_) => "a filter",
        Item::Include(_) => "_include",
        Item::RevInclude(_) => "_revinclude",
        Item::Sort(_) => "_sort",
        Item::Count(_) => "_count",
        Item::Summary(_) => "_summary",
        Item::Elements(_) => "_elements",
        Item::Total(_) => "_total",
        Item::Contained(_) => "_contained",
        Item::ContainedType(_) => "_containedType",
    }
}

fn build(method: Method, url: &str, body: Vec<u8>) -> Result<Request<Vec<u8>>, KickoffError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| bad("base", "an absolute URL", format!("{url:?} ({e})")))?;
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(bad("base", "an absolute URL", format!("{url:?}")));
    }
    let mut r = Request::new(body);
    *r.method_mut() = method;
    *r.uri_mut() = uri;
    Ok(r)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Like [`encode`] but keeps the commas that separate values.
fn encode_keeping_commas(text: &str) -> String {
    text.split(',').map(encode).collect::<Vec<_>>().join(",")
}
