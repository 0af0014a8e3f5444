//! A search query: the resource type and its parameters in order, each checked against the
//! registry when added, so every `Query` value is valid.
//!
//! ```
//! use search_params::{DateValue, Include, Prefix, Query, ReferenceValue, Test};
//!
//! let query = Query::new("Task")?
//!     .and("owner", Test::reference(ReferenceValue::typed("Organization", "123")))?
//!     .and("_lastUpdated", Test::date(DateValue::new(Prefix::Gt, "2021-05-03T17:23:18.1732-04:00")?))?
//!     .include(Include::new("Task", "focus"))?;
//! assert_eq!(
//!     query.to_string(),
//!     "Task?owner=Organization/123&_lastUpdated=gt2021-05-03T17:23:18.1732-04:00&_include=Task:focus"
//! );
//! // A date on a token parameter is refused.
//! assert!(Query::new("Task")?.and("status", Test::date(DateValue::on("2021")?)).is_err());
//! # Ok::<(), search_params::Error>(())
//! ```

use std::fmt;

use crate::error::{Error, ErrorKind};
use crate::registry::{self, Modifier, ParamType, SearchParamDef};
use crate::value::{CompositePart, ReferenceMode, ReferenceValue, Test};

/// A search on one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub(crate) resource_type: String,
    pub(crate) items: Vec<Item>,
}

/// One parameter of a query, in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    /// A search parameter (possibly chained); repeated parameters are ANDed.
    Filter(Filter),
    /// `_include`
    Include(Include),
    /// `_revinclude`
    RevInclude(Include),
    /// `_sort`
    Sort(Vec<SortKey>),
    /// `_count`
    Count(u32),
    /// `_summary`
    Summary(Summary),
    /// `_elements`
    Elements(Vec<String>),
    /// `_total`
    Total(Total),
    /// `_contained`
    Contained(Contained),
    /// `_containedType`
    ContainedType(ContainedType),
}

/// A search parameter with its criterion, possibly reached through chains.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Chains (`owner:Organization.`) and reverse chains (`_has:Task:focus:`) leading to `code`.
    pub links: Vec<Link>,
    /// The parameter name.
    pub code: String,
    /// The modifier and values.
    pub test: Test,
}

impl Filter {
    /// A parameter without chaining.
    pub fn new(code: impl Into<String>, test: Test) -> Self {
        Filter {
            links: Vec::new(),
            code: code.into(),
            test,
        }
    }

    /// Puts `link` in front of the links (so that calls read from the searched resource
    /// outwards when written right to left: `Filter::new("name", t).via(Link::chain("owner",
    /// Some("Organization")))` is `owner:Organization.name`).
    pub fn via(mut self, link: Link) -> Self {
        self.links.insert(0, link);
        self
    }
}

/// One step of a chain ([R4 search, chaining](https://hl7.org/fhir/R4/search.html#chaining) and
/// [reverse chaining](https://hl7.org/fhir/R4/search.html#has)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Link {
    /// `param[:Type].`: follow a reference parameter to its target.
    Chain {
        /// The reference parameter.
        param: String,
        /// The target type, needed when the parameter may point to several.
        target: Option<String>,
    },
    /// `_has:Type:param:`: resources of `Type` whose `param` points to this one.
    Has {
        /// The referring resource type.
        resource_type: String,
        /// Its reference parameter.
        param: String,
    },
}

impl Link {
    /// `param[:target].`
    pub fn chain(param: impl Into<String>, target: Option<&str>) -> Self {
        Link::Chain {
            param: param.into(),
            target: target.map(str::to_owned),
        }
    }

    /// `_has:resource_type:param:`
    pub fn has(resource_type: impl Into<String>, param: impl Into<String>) -> Self {
        Link::Has {
            resource_type: resource_type.into(),
            param: param.into(),
        }
    }
}

/// An `_include` or `_revinclude`: `Source:param[:Target]`, with `:iterate`
/// ([R4 search, include](https://hl7.org/fhir/R4/search.html#include)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Include {
    /// The resource type the reference is on.
    pub source: String,
    /// The reference parameter, or `*` for all.
    pub param: String,
    /// The target type, when given.
    pub target: Option<String>,
    /// `:iterate`: also follow from included resources.
    pub iterate: bool,
}

impl Include {
    /// `source:param`.
    pub fn new(source: impl Into<String>, param: impl Into<String>) -> Self {
        Include {
            source: source.into(),
            param: param.into(),
            target: None,
            iterate: false,
        }
    }

    /// With a target type.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// With `:iterate`.
    pub fn iterate(mut self) -> Self {
        self.iterate = true;
        self
    }
}

/// One key of `_sort` ([R4 search, sort](https://hl7.org/fhir/R4/search.html#sort)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The search parameter.
    pub param: String,
    /// `-param`: decreasing order.
    pub descending: bool,
}

/// `_summary` values ([R4 search, summary](https://hl7.org/fhir/R4/search.html#summary)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Summary {
    /// `true`
    True,
    /// `text`
    Text,
    /// `data`
    Data,
    /// `count`
    Count,
    /// `false`
    False,
}

/// `_total` values ([R4 search, total](https://hl7.org/fhir/R4/search.html#total)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Total {
    /// `none`
    None,
    /// `estimate`
    Estimate,
    /// `accurate`
    Accurate,
}

/// `_contained` values ([R4 search, contained](https://hl7.org/fhir/R4/search.html#contained)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contained {
    /// `false`
    False,
    /// `true`
    True,
    /// `both`
    Both,
}

/// `_containedType` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainedType {
    /// `container`
    Container,
    /// `contained`
    Contained,
}

macro_rules! codes {
    ($ty:ident { $($variant:ident = $code:literal),* $(,)? }) => {
        impl $ty {
            /// The code as written in a query.
            pub fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),* }
            }
            /// The value written as `code`.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($ty::$variant),)* _ => None }
            }
        }
    };
}
codes!(Summary { True = "true", Text = "text", Data = "data", Count = "count", False = "false" });
codes!(Total { None = "none", Estimate = "estimate", Accurate = "accurate" });
codes!(Contained { False = "false", True = "true", Both = "both" });
codes!(ContainedType { Container = "container", Contained = "contained" });

/// Where a filter ends up: the definition of its final parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved {
    pub(crate) def: &'static SearchParamDef,
}

fn chain_error(msg: String) -> Error {
    Error::new(ErrorKind::BadChain(msg))
}

fn modelled(t: &str) -> bool {
    registry::is_known_resource(t)
}

/// Resolves the links of a filter and the definition of its final parameter.
pub(crate) fn resolve(resource_type: &str, links: &[Link], code: &str) -> Result<Resolved, Error> {
    if code == "_has" {
        return Err(chain_error("`_has` is written `_has:Type:param:name`".into()));
    }
    let mut current: Vec<String> = vec![resource_type.to_owned()];
    for link in links {
        match link {
            Link::Chain { param, target } => {
                let defs: Vec<_> = current.iter().filter_map(|t| registry::lookup(t, param)).collect();
                let def = *defs.first().ok_or_else(|| {
                    Error::new(ErrorKind::UnknownParameter {
                        resource_type: current.join("|"),
                        code: param.clone(),
                    })
                })?;
                if def.type_ != ParamType::Reference {
                    return Err(chain_error(format!(
                        "`{param}` is a {} parameter, not a reference",
                        def.type_
                    )));
                }
                current = match target {
                    Some(t) => {
                        if !defs.iter().any(|d| d.targets(t)) {
                            return Err(chain_error(format!("`{param}` cannot point to {t}")));
                        }
                        if !modelled(t) {
                            return Err(chain_error(format!("{t} is not a modelled resource type")));
                        }
                        vec![t.clone()]
                    }
                    None => {
                        let mut set: Vec<String> = defs
                            .iter()
                            .flat_map(|d| d.targets.iter())
                            .filter(|t| modelled(t))
                            .map(|t| (*t).to_owned())
                            .collect();
                        set.sort();
                        set.dedup();
                        if set.is_empty() {
                            return Err(chain_error(format!("`{param}` points to no modelled resource type")));
                        }
                        set
                    }
                };
            }
            Link::Has {
                resource_type: source,
                param,
            } => {
                if !modelled(source) {
                    return Err(chain_error(format!("{source} is not a modelled resource type")));
                }
                let def = registry::lookup(source, param).ok_or_else(|| {
                    Error::new(ErrorKind::UnknownParameter {
                        resource_type: source.clone(),
                        code: param.clone(),
                    })
                })?;
                if def.type_ != ParamType::Reference {
                    return Err(chain_error(format!("`{source}:{param}` is not a reference parameter")));
                }
                if !current.iter().any(|t| def.targets(t)) {
                    return Err(chain_error(format!(
                        "`{source}:{param}` cannot point to {}",
                        current.join("|")
                    )));
                }
                current = vec![source.clone()];
            }
        }
    }
    let defs: Vec<_> = current.iter().filter_map(|t| registry::lookup(t, code)).collect();
    let def = *defs.first().ok_or_else(|| {
        Error::new(ErrorKind::UnknownParameter {
            resource_type: current.join("|"),
            code: code.to_owned(),
        })
    })?;
    if defs.iter().any(|d| d.type_ != def.type_) {
        return Err(chain_error(format!(
            "`{code}` has different types on {}; name the target type",
            current.join("|")
        )));
    }
    Ok(Resolved { def })
}

/// Checks that `test` may be used with `def`.
pub(crate) fn check_test(def: &SearchParamDef, test: &Test) -> Result<(), Error> {
    if test.len() == 0 {
        return Err(Error::invalid("at least one value", ""));
    }
    if test.has_empty_text() {
        return Err(Error::invalid("non-empty values", "an empty value"));
    }
    if let Some(m) = test.modifier() {
        if !def.allows(m) {
            return Err(Error::modifier(m, def.type_));
        }
    }
    match test.param_type() {
        None if matches!(def.type_, ParamType::Composite | ParamType::Special) => {
            return Err(Error::modifier(Modifier::Missing, def.type_))
        }
        Some(t) if t != def.type_ => {
            return Err(Error::new(ErrorKind::WrongCriterion {
                param_type: def.type_,
                criterion: test.kind_name(),
            }))
        }
        _ => {}
    }
    for p in test.prefixes() {
        if !def.comparators.contains(&p) {
            return Err(Error::new(ErrorKind::PrefixNotAllowed {
                prefix: p,
                param_type: def.type_,
            }));
        }
    }
    match test {
        Test::Reference { mode, values } => {
            if let ReferenceMode::Type(t) = mode {
                if !def.targets(t) {
                    return Err(Error::new(ErrorKind::ModifierNotAllowed {
                        modifier: t.clone(),
                        param_type: def.type_,
                    }));
                }
            }
            for v in values {
                if let ReferenceValue::Typed { resource_type, .. } = v {
                    if !def.targets(resource_type) {
                        return Err(Error::invalid(
                            format!("a reference to one of {}", def.targets.join(", ")),
                            format!("{resource_type}/…"),
                        ));
                    }
                    if matches!(mode, ReferenceMode::Type(t) if t != resource_type) {
                        return Err(Error::invalid(
                            "a reference of the modifier's type",
                            resource_type.clone(),
                        ));
                    }
                }
            }
        }
        Test::Composite(values) => {
            for v in values {
                if v.len() != def.components.len() {
                    return Err(Error::invalid(
                        format!("{} components joined with $", def.components.len()),
                        format!("{} components", v.len()),
                    ));
                }
                for (part, component) in v.iter().zip(def.components) {
                    let fits = matches!(
                        (part, component.type_),
                        (CompositePart::Token(_), ParamType::Token)
                            | (CompositePart::Reference(_), ParamType::Reference)
                            | (CompositePart::Date(_), ParamType::Date)
                            | (CompositePart::Number(_), ParamType::Number)
                            | (CompositePart::Quantity(_), ParamType::Quantity)
                            | (CompositePart::String(_), ParamType::String)
                            | (CompositePart::Uri(_), ParamType::Uri)
                    );
                    if !fits {
                        return Err(Error::invalid(
                            format!("a {} value for component `{}`", component.type_, component.code),
                            format!("{part:?}"),
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn include_error(msg: String) -> Error {
    Error::new(ErrorKind::BadInclude(msg))
}

/// Checks an `_include` (`reverse` false) or `_revinclude` of a search on `resource_type`.
pub(crate) fn check_include(resource_type: &str, inc: &Include, reverse: bool) -> Result<(), Error> {
    if !modelled(&inc.source) {
        return Err(include_error(format!("{} is not a modelled resource type", inc.source)));
    }
    if let Some(t) = &inc.target {
        if !crate::value::is_resource_type(t) {
            return Err(include_error(format!("{t} is not a resource type")));
        }
    }
    if inc.param != "*" {
        let def = registry::lookup(&inc.source, &inc.param)
            .ok_or_else(|| include_error(format!("{} has no search parameter `{}`", inc.source, inc.param)))?;
        if def.type_ != ParamType::Reference {
            return Err(include_error(format!(
                "`{}:{}` is a {} parameter, not a reference",
                inc.source, inc.param, def.type_
            )));
        }
        if let Some(t) = &inc.target {
            if !def.targets(t) {
                return Err(include_error(format!(
                    "`{}:{}` cannot point to {t}",
                    inc.source, inc.param
                )));
            }
        }
        if reverse && !inc.iterate && !def.targets(resource_type) {
            return Err(include_error(format!(
                "`{}:{}` cannot point to {resource_type}",
                inc.source, inc.param
            )));
        }
    }
    if !reverse && !inc.iterate && inc.source != resource_type {
        return Err(include_error(format!(
            "`_include={}:…` on a {resource_type} search needs `:iterate`",
            inc.source
        )));
    }
    Ok(())
}

fn result_error(msg: String) -> Error {
    Error::new(ErrorKind::BadResultParameter(msg))
}

impl Query {
    /// An empty search on `resource_type` (one fhir-model models).
    pub fn new(resource_type: &str) -> Result<Query, Error> {
        if !modelled(resource_type) {
            return Err(Error::new(ErrorKind::UnknownResourceType(resource_type.to_owned())));
        }
        Ok(Query {
            resource_type: resource_type.to_owned(),
            items: Vec::new(),
        })
    }

    /// The resource type searched.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The parameters in order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The search parameters (ANDed).
    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        self.items.iter().filter_map(|i| match i {
            Item::Filter(f) => Some(f),
            _ => None,
        })
    }

    /// Adds the parameter `code` with `test` (ANDed with the others).
    pub fn and(self, code: &str, test: Test) -> Result<Query, Error> {
        self.filter(Filter::new(code, test))
    }

    /// Adds a (possibly chained) parameter.
    pub fn filter(self, filter: Filter) -> Result<Query, Error> {
        self.push(Item::Filter(filter))
    }

    /// Adds an `_include`.
    pub fn include(self, include: Include) -> Result<Query, Error> {
        self.push(Item::Include(include))
    }

    /// Adds a `_revinclude`.
    pub fn revinclude(self, include: Include) -> Result<Query, Error> {
        self.push(Item::RevInclude(include))
    }

    /// Adds `_sort`.
    pub fn sort(self, keys: Vec<SortKey>) -> Result<Query, Error> {
        self.push(Item::Sort(keys))
    }

    /// Sets `_count`.
    pub fn count(self, count: u32) -> Result<Query, Error> {
        self.push(Item::Count(count))
    }

    /// Sets `_summary`.
    pub fn summary(self, summary: Summary) -> Result<Query, Error> {
        self.push(Item::Summary(summary))
    }

    /// Sets `_elements`.
    pub fn elements<I: IntoIterator<Item = S>, S: Into<String>>(self, elements: I) -> Result<Query, Error> {
        self.push(Item::Elements(elements.into_iter().map(Into::into).collect()))
    }

    /// Sets `_total`.
    pub fn total(self, total: Total) -> Result<Query, Error> {
        self.push(Item::Total(total))
    }

    /// Adds any item, checking it against the registry and the items already present.
    pub fn push(mut self, item: Item) -> Result<Query, Error> {
        self.check(&item)
            .map_err(|e| e.at(&crate::render::item_name(&item), None))?;
        self.items.push(item);
        Ok(self)
    }

    fn check(&self, item: &Item) -> Result<(), Error> {
        let once = |name: &str, same: fn(&Item) -> bool| {
            if self.items.iter().any(same) {
                Err(result_error(format!("`{name}` may appear only once")))
            } else {
                Ok(())
            }
        };
        let summary_text = |i: &Item| matches!(i, Item::Summary(Summary::Text));
        let includes = |i: &Item| matches!(i, Item::Include(_) | Item::RevInclude(_));
        match item {
            Item::Filter(f) => {
                let resolved = resolve(&self.resource_type, &f.links, &f.code)?;
                check_test(resolved.def, &f.test)
            }
            Item::Include(inc) | Item::RevInclude(inc) => {
                check_include(&self.resource_type, inc, matches!(item, Item::RevInclude(_)))?;
                if self.items.iter().any(summary_text) {
                    // search.html#summary: "_include and _revinclude parameters cannot be mixed
                    // with _summary=text".
                    return Err(result_error(
                        "`_include`/`_revinclude` cannot be used with `_summary=text`".into(),
                    ));
                }
                Ok(())
            }
            Item::Sort(keys) => {
                if keys.is_empty() {
                    return Err(result_error("`_sort` needs at least one parameter".into()));
                }
                for k in keys {
                    if registry::lookup(&self.resource_type, &k.param).is_none() {
                        return Err(Error::new(ErrorKind::UnknownParameter {
                            resource_type: self.resource_type.clone(),
                            code: k.param.clone(),
                        }));
                    }
                }
                Ok(())
            }
            Item::Count(_) => once("_count", |i| matches!(i, Item::Count(_))),
            Item::Summary(s) => {
                once("_summary", |i| matches!(i, Item::Summary(_)))?;
                if *s == Summary::Text && self.items.iter().any(includes) {
                    return Err(result_error(
                        "`_summary=text` cannot be used with `_include`/`_revinclude`".into(),
                    ));
                }
                Ok(())
            }
            Item::Elements(names) => {
                once("_elements", |i| matches!(i, Item::Elements(_)))?;
                let valid = |n: &String| {
                    n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                };
                match names.iter().find(|n| !valid(n)) {
                    _ if names.is_empty() => Err(result_error("`_elements` needs at least one element".into())),
                    Some(bad) => Err(Error::invalid("an element name", bad.clone())),
                    None => Ok(()),
                }
            }
            Item::Total(_) => once("_total", |i| matches!(i, Item::Total(_))),
            Item::Contained(_) => once("_contained", |i| matches!(i, Item::Contained(_))),
            Item::ContainedType(_) => once("_containedType", |i| matches!(i, Item::ContainedType(_))),
        }
    }
}

impl fmt::Display for Query {
    /// The relative query, e.g. `Task?status=requested`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_relative())
    }
}
