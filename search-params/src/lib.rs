//! Typed FHIR R4 search strings: a builder, a parser, a registry generated from the official
//! search parameter definitions, and an in-memory matcher that never fails open.
//!
//! The rules encoded here, with their sources in the R4 search page, are listed in
//! `docs/spec/search.md`.
//!
//! ```
//! use search_params::Query;
//!
//! let query = Query::parse("Task?_id=1234,5678&_include=Task:focus")?;
//! assert_eq!(query.to_string(), "Task?_id=1234,5678&_include=Task:focus");
//! assert_eq!(query.to_url("https://x.org/fhir/"), "https://x.org/fhir/Task?_id=1234,5678&_include=Task:focus");
//! assert_eq!(query.to_form_body(), "_id=1234%2C5678&_include=Task%3Afocus");
//! # Ok::<(), search_params::Error>(())
//! ```

#![warn(missing_docs)]

mod date;
mod error;
mod escape;
mod generated;
mod matcher;
mod number;
mod parse;
mod query;
pub mod registry;
mod render;
mod value;

pub use date::{DatePrecision, SearchDate};
pub use error::{Error, ErrorKind};
pub use escape::{escape, unescape};
pub use matcher::{CompiledQuery, Matcher, Outcome, ResourceSet};
pub use number::SearchNumber;
pub use query::{Contained, ContainedType, Filter, Include, Item, Link, Query, SortKey, Summary, Total};
pub use registry::{Modifier, ParamType, Prefix};
pub use value::{
    CompositePart, DateValue, NumberValue, OfTypeValue, QuantityValue, ReferenceMode, ReferenceValue, StringMode, Test,
    TokenMode, TokenValue, UriMode,
};
