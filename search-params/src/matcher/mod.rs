//! Evaluating a query against resources in memory, following the R4 search semantics, with
//! three answers: match, no match, or unsupported with the reason. A parameter the matcher cannot
//! evaluate is never taken as a match (the Subscriptions Backport IG requires servers to reject
//! criteria they cannot evaluate; see `docs/spec/search.md`).
//!
//! AND (separate parameters) and OR (comma-separated values) combine three-valued: `no match`
//! wins an AND and `match` wins an OR even when another part is unsupported.
//!
//! ```
//! use fhir_model::{Task, TaskIntent, TaskStatus};
//! use search_params::{Outcome, Query};
//!
//! let topic = Query::parse("Task?status:not=draft&intent=order")?.compile();
//! let task = Task::new(TaskStatus::Requested, TaskIntent::Order);
//! assert_eq!(topic.matches(&task), Outcome::Match);
//! let draft = Task::new(TaskStatus::Draft, TaskIntent::Order);
//! assert_eq!(topic.matches(&draft), Outcome::NoMatch);
//! // `_text` has no expression to evaluate: unsupported, not a match.
//! let text = Query::parse("Task?_text=cardiology")?.compile();
//! assert!(matches!(text.matches(&task), Outcome::Unsupported(_)));
//! # Ok::<(), search_params::Error>(())
//! ```

mod nodes;
mod text;

use std::collections::{HashMap, HashSet};

use fhir_model::navigate::{Navigable, Node, PrimitiveRef};
use fhir_model::Resource;

use crate::number::Dec;
use crate::query::{resolve, Filter, Include, Item, Link, Query};
use crate::registry::{self, Component, ParamType, Prefix, SearchParamDef, Step};
use crate::render::filter_name;
use crate::value::{
    CompositePart, OfTypeValue, QuantityValue, ReferenceMode, ReferenceValue, StringMode, Test, TokenMode, TokenValue,
    UriMode,
};
use nodes::{classify, local_key, Pool, RefKind};
use text::{normalize, normalize_into};

/// The answer of the matcher for one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The resource meets every criterion.
    Match,
    /// The resource fails a criterion.
    NoMatch,
    /// A criterion could not be evaluated, and the others do not settle the answer.
    Unsupported(String),
}

impl Outcome {
    /// Whether the answer is [`Outcome::Match`].
    pub fn is_match(&self) -> bool {
        *self == Outcome::Match
    }

    fn from_bool(b: bool) -> Outcome {
        if b {
            Outcome::Match
        } else {
            Outcome::NoMatch
        }
    }

    /// Three-valued OR.
    fn or(self, other: impl FnOnce() -> Outcome) -> Outcome {
        match self {
            Outcome::Match => Outcome::Match,
            Outcome::NoMatch => other(),
            Outcome::Unsupported(why) => match other() {
                Outcome::Match => Outcome::Match,
                _ => Outcome::Unsupported(why),
            },
        }
    }

    /// Three-valued AND.
    fn and(self, other: impl FnOnce() -> Outcome) -> Outcome {
        match self {
            Outcome::NoMatch => Outcome::NoMatch,
            Outcome::Match => other(),
            Outcome::Unsupported(why) => match other() {
                Outcome::NoMatch => Outcome::NoMatch,
                _ => Outcome::Unsupported(why),
            },
        }
    }

    fn not(self) -> Outcome {
        match self {
            Outcome::Match => Outcome::NoMatch,
            Outcome::NoMatch => Outcome::Match,
            u => u,
        }
    }
}

fn unsupported(why: impl Into<String>) -> Outcome {
    Outcome::Unsupported(why.into())
}

/// Any of `items` satisfies `f` (three-valued).
fn any<T>(items: impl IntoIterator<Item = T>, mut f: impl FnMut(T) -> Outcome) -> Outcome {
    let mut acc = Outcome::NoMatch;
    for item in items {
        acc = acc.or(|| f(item));
        if acc == Outcome::Match {
            break;
        }
    }
    acc
}

/// Resources the matcher may follow references into (chains, `_has`, `_include`).
pub struct ResourceSet<'r> {
    all: Vec<&'r Resource>,
    by_key: HashMap<(&'r str, &'r str), &'r Resource>,
}

impl<'r> ResourceSet<'r> {
    /// Indexes `resources` by type and id.
    pub fn new(resources: impl IntoIterator<Item = &'r Resource>) -> Self {
        let all: Vec<&'r Resource> = resources.into_iter().collect();
        let by_key = all
            .iter()
            .filter_map(|r| r.id().map(|id| ((r.resource_type(), id), *r)))
            .collect();
        ResourceSet { all, by_key }
    }

    /// The resource `resource_type/id`.
    pub fn get(&self, resource_type: &str, id: &str) -> Option<&'r Resource> {
        self.by_key.get(&(resource_type, id)).copied()
    }

    fn of_type<'s>(&'s self, resource_type: &'s str) -> impl Iterator<Item = &'r Resource> + 's {
        self.all
            .iter()
            .copied()
            .filter(move |r| r.resource_type() == resource_type)
    }
}

/// Which system a token requires.
#[derive(Debug, Clone)]
enum Sys {
    Any,
    Absent,
    Is(String),
}

#[derive(Debug, Clone)]
struct CToken {
    system: Sys,
    code: Option<String>,
}

impl CToken {
    fn new(t: &TokenValue) -> CToken {
        match t {
            TokenValue::Code(c) => CToken {
                system: Sys::Any,
                code: Some(c.clone()),
            },
            TokenValue::SystemCode { system, code } => CToken {
                system: Sys::Is(system.clone()),
                code: Some(code.clone()),
            },
            TokenValue::NoSystem(c) => CToken {
                system: Sys::Absent,
                code: Some(c.clone()),
            },
            TokenValue::System(s) => CToken {
                system: Sys::Is(s.clone()),
                code: None,
            },
        }
    }

    fn system_ok(&self, system: Option<&str>) -> bool {
        match &self.system {
            Sys::Any => true,
            Sys::Absent => system.is_none(),
            Sys::Is(s) => system == Some(s.as_str()),
        }
    }

    fn code_ok(&self, code: Option<&str>) -> bool {
        match &self.code {
            None => true,
            Some(c) => code == Some(c.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
struct CQuantity {
    prefix: Prefix,
    value: Dec,
    unit: Option<(String, String)>,
}

/// A test with its values prepared for matching.
#[derive(Debug, Clone)]
enum CTest {
    Missing(bool),
    Token {
        not: bool,
        values: Vec<CToken>,
        /// The system of `code` elements, when the registry knows it.
        implicit: Option<&'static str>,
    },
    TokenText(Vec<String>),
    OfType(Vec<OfTypeValue>),
    Reference {
        type_: Option<String>,
        values: Vec<ReferenceValue>,
    },
    Identifier(Vec<CToken>),
    Date(Vec<(Prefix, i64, i64)>),
    Number(Vec<(Prefix, Dec)>),
    Quantity(Vec<CQuantity>),
    String {
        mode: StringMode,
        values: Vec<String>,
    },
    Uri {
        mode: UriMode,
        values: Vec<String>,
    },
    Composite {
        components: &'static [Component],
        values: Vec<Vec<CTest>>,
    },
    Unsupported(String),
}

impl CTest {
    /// Whether more matching nodes can only turn a no-match into a match (so nodes the path
    /// could not judge do not matter once the test matched).
    fn monotone(&self) -> bool {
        !matches!(self, CTest::Missing(true) | CTest::Token { not: true, .. })
    }
}

fn quantity(q: &QuantityValue) -> CQuantity {
    CQuantity {
        prefix: q.prefix.unwrap_or(Prefix::Eq),
        value: q.number.value(),
        unit: q.unit.clone(),
    }
}

fn compile_part(p: &CompositePart) -> CTest {
    match p {
        CompositePart::Token(t) => CTest::Token {
            not: false,
            values: vec![CToken::new(t)],
            implicit: None,
        },
        CompositePart::Reference(r) => CTest::Reference {
            type_: None,
            values: vec![r.clone()],
        },
        CompositePart::Date(d) => {
            let (s, e) = d.date.range();
            CTest::Date(vec![(d.prefix.unwrap_or(Prefix::Eq), s, e)])
        }
        CompositePart::Number(n) => CTest::Number(vec![(n.prefix.unwrap_or(Prefix::Eq), n.number.value())]),
        CompositePart::Quantity(q) => CTest::Quantity(vec![quantity(q)]),
        CompositePart::String(s) => CTest::String {
            mode: StringMode::StartsWith,
            values: vec![normalize(s)],
        },
        CompositePart::Uri(u) => CTest::Uri {
            mode: UriMode::Equals,
            values: vec![u.clone()],
        },
    }
}

fn compile_test(def: &'static SearchParamDef, test: &Test) -> CTest {
    let name = def.code;
    match test {
        Test::Missing(b) => CTest::Missing(*b),
        Test::Token { mode, values } => match mode {
            TokenMode::Equals | TokenMode::Not => CTest::Token {
                not: *mode == TokenMode::Not,
                values: values.iter().map(CToken::new).collect(),
                implicit: def.code_system,
            },
            TokenMode::Above | TokenMode::Below => CTest::Unsupported(format!(
                "`{name}`: :above and :below need code system subsumption, which the matcher does not have"
            )),
        },
        Test::TokenText(values) => CTest::TokenText(values.iter().map(|v| normalize(v)).collect()),
        Test::ValueSet { .. } => CTest::Unsupported(format!(
            "`{name}`: :in and :not-in need value set expansion, which the matcher does not have"
        )),
        Test::OfType(v) => CTest::OfType(v.clone()),
        Test::Reference { mode, values } => match mode {
            ReferenceMode::Equals => CTest::Reference {
                type_: None,
                values: values.clone(),
            },
            ReferenceMode::Type(t) => CTest::Reference {
                type_: Some(t.clone()),
                values: values.clone(),
            },
            ReferenceMode::Above | ReferenceMode::Below => CTest::Unsupported(format!(
                "`{name}`: :above and :below on references need the hierarchy, which the matcher does not follow"
            )),
        },
        Test::Identifier(values) => CTest::Identifier(values.iter().map(CToken::new).collect()),
        Test::Date(values) => CTest::Date(
            values
                .iter()
                .map(|d| {
                    let (s, e) = d.date.range();
                    (d.prefix.unwrap_or(Prefix::Eq), s, e)
                })
                .collect(),
        ),
        Test::Number(values) => CTest::Number(
            values
                .iter()
                .map(|n| (n.prefix.unwrap_or(Prefix::Eq), n.number.value()))
                .collect(),
        ),
        Test::Quantity(values) => CTest::Quantity(values.iter().map(quantity).collect()),
        Test::String { mode, values } => match mode {
            StringMode::Text => CTest::Unsupported(format!(
                "`{name}`: :text (advanced text search) is not supported by the matcher"
            )),
            StringMode::Exact => CTest::String {
                mode: *mode,
                values: values.clone(),
            },
            _ => CTest::String {
                mode: *mode,
                values: values.iter().map(|v| normalize(v)).collect(),
            },
        },
        Test::Uri { mode, values } => CTest::Uri {
            mode: *mode,
            values: values.clone(),
        },
        Test::Composite(values) => CTest::Composite {
            components: def.components,
            values: values.iter().map(|v| v.iter().map(compile_part).collect()).collect(),
        },
        Test::Special(_) => {
            CTest::Unsupported(format!("`{name}` is a special parameter the matcher does not evaluate"))
        }
    }
}

/// A parameter without chains, ready to evaluate.
#[derive(Debug, Clone)]
struct Direct {
    name: String,
    paths: Result<&'static [&'static [Step]], String>,
    test: CTest,
}

impl Direct {
    fn new(def: &'static SearchParamDef, name: String, test: &Test) -> Direct {
        let paths = def.paths.map_err(|why| format!("`{name}` cannot be evaluated: {why}"));
        Direct {
            test: compile_test(def, test),
            paths,
            name,
        }
    }

    fn unsupported_reason(&self) -> Option<String> {
        match (&self.paths, &self.test) {
            (Err(why), _) => Some(why.clone()),
            (_, CTest::Unsupported(why)) => Some(why.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
enum CFilter {
    Direct(Direct),
    Chained(Filter),
}

impl CFilter {
    /// A rough evaluation cost, to order the ANDed criteria.
    fn cost(&self) -> u8 {
        match self {
            CFilter::Direct(d) if d.paths.is_err() => 10,
            CFilter::Direct(d) => match d.test {
                CTest::Missing(_) | CTest::Token { .. } => 1,
                CTest::Reference { .. } | CTest::Identifier(_) | CTest::Uri { .. } => 2,
                CTest::Date(_) | CTest::Number(_) => 3,
                CTest::Quantity(_) | CTest::OfType(_) => 4,
                CTest::String { .. } | CTest::TokenText(_) => 5,
                CTest::Composite { .. } => 6,
                CTest::Unsupported(_) => 10,
            },
            CFilter::Chained(_) => 9,
        }
    }
}

/// A query prepared for matching many resources: every parameter is resolved to its compiled
/// path and its values parsed once.
#[derive(Debug, Clone)]
pub struct CompiledQuery {
    resource_type: String,
    filters: Vec<CFilter>,
    includes: Vec<Include>,
    revincludes: Vec<Include>,
    base: Option<String>,
}

impl Query {
    /// Prepares the query for matching.
    pub fn compile(&self) -> CompiledQuery {
        let mut filters = Vec::new();
        let mut includes = Vec::new();
        let mut revincludes = Vec::new();
        for item in &self.items {
            match item {
                Item::Filter(f) if f.links.is_empty() => {
                    // Validated when added to the query, so the parameter exists.
                    if let Ok(r) = resolve(&self.resource_type, &[], &f.code) {
                        filters.push(CFilter::Direct(Direct::new(r.def, filter_name(f), &f.test)));
                    }
                }
                Item::Filter(f) => filters.push(CFilter::Chained(f.clone())),
                Item::Include(i) => includes.push(i.clone()),
                Item::RevInclude(i) => revincludes.push(i.clone()),
                // Sorting, paging and shaping do not select resources.
                _ => {}
            }
        }
        // AND is commutative (also three-valued), so evaluate the cheap, selective criteria
        // first: a no-match there spares reading dates and strings (often behind a pointer).
        filters.sort_by_key(CFilter::cost);
        CompiledQuery {
            resource_type: self.resource_type.clone(),
            filters,
            includes,
            revincludes,
            base: None,
        }
    }
}

struct Ctx<'c, 'r> {
    set: Option<&'c ResourceSet<'r>>,
    base: Option<&'c str>,
}

impl CompiledQuery {
    /// The resource type searched.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The server base URL: absolute references on it count as local ones
    /// ([R4 search, reference](https://hl7.org/fhir/R4/search.html#reference)).
    pub fn with_base(mut self, base: &str) -> Self {
        self.base = Some(base.trim_end_matches('/').to_owned());
        self
    }

    /// The parameters that can never be evaluated, with the reason (known without looking at a
    /// resource). A subscription server should refuse such criteria.
    pub fn unsupported(&self) -> Vec<String> {
        self.filters
            .iter()
            .filter_map(|f| match f {
                CFilter::Direct(d) => d.unsupported_reason(),
                CFilter::Chained(_) => None,
            })
            .collect()
    }

    /// Matches one resource; chained parameters and `_has` are unsupported here (they need
    /// [`CompiledQuery::matches_in`]).
    pub fn matches(&self, resource: &dyn Navigable) -> Outcome {
        self.matcher().matches(resource)
    }

    /// Matches one resource, resolving chains and `_has` through `set`.
    pub fn matches_in(&self, resource: &dyn Navigable, set: &ResourceSet<'_>) -> Outcome {
        self.matcher().matches_in(resource, set)
    }

    /// A matcher that reuses its buffers across resources that live as long as each other (a
    /// slice, a bundle): after the first few, a match allocates nothing (unless a parameter is
    /// unsupported, whose reason is a `String`).
    pub fn matcher<'a>(&self) -> Matcher<'_, 'a> {
        Matcher {
            query: self,
            pool: Pool::default(),
        }
    }

    /// The resources `_include` and `_revinclude` add to `matches`, taken from `set` (each once,
    /// in the order found; `:iterate` ones are followed from included resources until nothing
    /// new is found).
    pub fn included<'r>(&self, matches: &[&'r Resource], set: &ResourceSet<'r>) -> Vec<&'r Resource> {
        let base = self.base.as_deref();
        let key = |r: &Resource| r.id().map(|id| (r.resource_type().to_owned(), id.to_owned()));
        let mut seen: HashSet<(String, String)> = matches.iter().filter_map(|r| key(r)).collect();
        let mut out: Vec<&'r Resource> = Vec::new();
        let mut frontier: Vec<&'r Resource> = matches.to_vec();
        let mut first = true;
        // Servers "are expected to limit the number of iterations" (search.html#include).
        for _ in 0..64 {
            let mut found = Vec::new();
            for inc in self.includes.iter().filter(|i| first || i.iterate) {
                for r in frontier.iter().filter(|r| r.resource_type() == inc.source) {
                    for (t, id) in reference_keys(r, &inc.source, &inc.param, base) {
                        if inc.target.as_ref().is_some_and(|want| *want != t) {
                            continue;
                        }
                        if let Some(target) = set.get(&t, &id) {
                            found.push(target);
                        }
                    }
                }
            }
            for inc in self.revincludes.iter().filter(|i| first || i.iterate) {
                let targets: HashSet<(String, String)> = frontier.iter().filter_map(|r| key(r)).collect();
                for x in set.of_type(&inc.source) {
                    let points = reference_keys(x, &inc.source, &inc.param, base)
                        .into_iter()
                        .any(|k| targets.contains(&k) && inc.target.as_ref().is_none_or(|want| *want == k.0));
                    if points {
                        found.push(x);
                    }
                }
            }
            first = false;
            frontier.clear();
            for r in found {
                if let Some(k) = key(r) {
                    if seen.insert(k) {
                        out.push(r);
                        frontier.push(r);
                    }
                }
            }
            if frontier.is_empty() {
                break;
            }
        }
        out
    }
}

/// The local `(type, id)` keys of the references of `param` (`*`: every reference parameter)
/// in `r`.
fn reference_keys(r: &Resource, source: &str, param: &str, base: Option<&str>) -> Vec<(String, String)> {
    let defs: Vec<&'static SearchParamDef> = if param == "*" {
        registry::parameters_of(source)
            .filter(|d| d.type_ == ParamType::Reference)
            .collect()
    } else {
        registry::lookup(source, param).into_iter().collect()
    };
    let mut pool = Pool::default();
    let mut keys = Vec::new();
    let mut nodes = pool.get();
    for def in defs {
        let Ok(paths) = def.paths else { continue };
        for path in paths {
            nodes.clear();
            let _ = pool.collect(Node::Complex(r), path, &mut nodes);
            for node in nodes.iter() {
                if let Node::Complex(c) = node {
                    if c.fhir_type() == "Reference" {
                        if let Some((t, id)) = pool.child_str(*c, "reference").and_then(|s| local_key(s, base)) {
                            keys.push((t.to_owned(), id.to_owned()));
                        }
                    }
                }
            }
        }
    }
    pool.put(nodes);
    keys
}

/// Matches resources against one [`CompiledQuery`], reusing its buffers.
///
/// ```
/// use fhir_model::{Task, TaskIntent, TaskStatus};
/// use search_params::{Outcome, Query};
///
/// let query = Query::parse("Task?status=requested")?.compile();
/// let tasks = vec![Task::new(TaskStatus::Requested, TaskIntent::Order), Task::new(TaskStatus::Draft, TaskIntent::Order)];
/// let mut matcher = query.matcher();
/// let found = tasks.iter().filter(|t| matcher.matches(*t) == Outcome::Match).count();
/// assert_eq!(found, 1);
/// # Ok::<(), search_params::Error>(())
/// ```
pub struct Matcher<'q, 'a> {
    query: &'q CompiledQuery,
    pool: Pool<'a>,
}

impl<'a> Matcher<'_, 'a> {
    /// See [`CompiledQuery::matches`].
    pub fn matches(&mut self, resource: &'a dyn Navigable) -> Outcome {
        self.run(resource, None)
    }

    /// See [`CompiledQuery::matches_in`].
    pub fn matches_in(&mut self, resource: &'a dyn Navigable, set: &ResourceSet<'_>) -> Outcome {
        self.run(resource, Some(set))
    }

    fn run(&mut self, resource: &'a dyn Navigable, set: Option<&ResourceSet<'_>>) -> Outcome {
        let query = self.query;
        if resource.fhir_type() != query.resource_type {
            return Outcome::NoMatch;
        }
        let ctx = Ctx {
            set,
            base: query.base.as_deref(),
        };
        let mut acc = Outcome::Match;
        for f in &query.filters {
            let r = match f {
                CFilter::Direct(d) => eval_direct(d, Node::Complex(resource), &mut self.pool, &ctx),
                CFilter::Chained(f) => eval_chain(resource, &f.links, f, &mut self.pool, &ctx),
            };
            acc = acc.and(|| r);
            if acc == Outcome::NoMatch {
                break;
            }
        }
        acc
    }
}

fn eval_direct<'a>(d: &Direct, root: Node<'a>, pool: &mut Pool<'a>, ctx: &Ctx<'_, '_>) -> Outcome {
    let paths = match &d.paths {
        Ok(p) => *p,
        Err(why) => return unsupported(why.clone()),
    };
    if let CTest::Unsupported(why) = &d.test {
        return unsupported(why.clone());
    }
    let mut nodes = pool.get();
    let mut uncertain = None;
    for path in paths {
        if let Some(why) = pool.collect(root, path, &mut nodes) {
            uncertain = Some(why);
        }
    }
    let r = eval_test(&d.test, &nodes, pool, ctx);
    pool.put(nodes);
    match uncertain {
        // Nodes that could not be judged may still match (monotone tests) or still spoil a
        // match (`:missing=true`, `:not`): only the answer they cannot change stands.
        Some(why) => settled(r, d.test.monotone()).unwrap_or_else(|| unsupported(format!("`{}`: {why}", d.name))),
        None => r,
    }
}

/// Evaluates the rest of a chained filter on `root` (the resource reached so far).
fn eval_chain<'a>(
    root: &'a dyn Navigable,
    links: &[Link],
    f: &Filter,
    pool: &mut Pool<'a>,
    ctx: &Ctx<'_, '_>,
) -> Outcome {
    let name = filter_name(f);
    let root_type = root.fhir_type();
    let Some(link) = links.first() else {
        return match resolve(root_type, &[], &f.code) {
            Ok(r) => eval_direct(&Direct::new(r.def, name, &f.test), Node::Complex(root), pool, ctx),
            // An untyped chain can reach a type without this parameter: no match there.
            Err(_) => Outcome::NoMatch,
        };
    };
    let Some(set) = ctx.set else {
        return unsupported(format!(
            "`{name}` follows references: match it with a resource set (matches_in)"
        ));
    };
    match link {
        Link::Chain { param, target } => {
            let Some(def) = registry::lookup(root_type, param) else {
                return Outcome::NoMatch;
            };
            let Ok(paths) = def.paths else {
                return unsupported(format!("`{name}`: `{param}` has no evaluable expression"));
            };
            let mut nodes = pool.get();
            for path in paths {
                let _ = pool.collect(Node::Complex(root), path, &mut nodes);
            }
            let mut targets = Vec::new();
            for node in nodes.iter() {
                if let Node::Complex(c) = node {
                    if let Some((t, id)) = pool.child_str(*c, "reference").and_then(|s| local_key(s, ctx.base)) {
                        if target.as_ref().is_none_or(|want| want == t) {
                            if let Some(r) = set.get(t, id) {
                                targets.push(r);
                            }
                        }
                    }
                }
            }
            pool.put(nodes);
            any(targets, |r| eval_chain(r, &links[1..], f, &mut Pool::default(), ctx))
        }
        Link::Has {
            resource_type: source,
            param,
        } => {
            let Some(id) = pool.child_str(root, "id") else {
                return Outcome::NoMatch;
            };
            any(set.of_type(source), |x| {
                let refers = reference_keys(x, source, param, ctx.base)
                    .iter()
                    .any(|(t, i)| t == root_type && i == id);
                if !refers {
                    return Outcome::NoMatch;
                }
                eval_chain(x, &links[1..], f, &mut Pool::default(), ctx)
            })
        }
    }
}

/// The answer that nodes left out of a test cannot change: a match of a monotone test, a
/// no-match of another one.
fn settled(r: Outcome, monotone: bool) -> Option<Outcome> {
    match (&r, monotone) {
        (Outcome::Match, true) | (Outcome::NoMatch, false) => Some(r),
        _ => None,
    }
}

fn has_value(node: &Node<'_>) -> bool {
    match node {
        Node::Primitive(p) => p.value.is_some(),
        Node::Complex(_) => true,
    }
}

fn eval_test<'a>(test: &CTest, nodes: &[Node<'a>], pool: &mut Pool<'a>, ctx: &Ctx<'_, '_>) -> Outcome {
    match test {
        // search.html#modifiers: ":missing=true will match on all elements where either the
        // underlying element is omitted or where the element is present with extensions but no
        // @value is specified".
        CTest::Missing(missing) => Outcome::from_bool(nodes.iter().any(has_value) != *missing),
        CTest::Token { not, values, implicit } => {
            let r = any(nodes.iter(), |n| any(values, |v| token_node(*n, v, *implicit, pool)));
            if *not {
                r.not()
            } else {
                r
            }
        }
        CTest::Identifier(values) => any(nodes.iter(), |n| match n {
            Node::Complex(c) if c.fhir_type() == "Reference" => {
                let mut ids = pool.get();
                c.children("identifier", &mut ids);
                let r = any(ids.iter(), |i| any(values, |v| token_node(*i, v, None, pool)));
                pool.put(ids);
                r
            }
            other => unsupported(format!(":identifier on a {} element", other.fhir_type())),
        }),
        CTest::TokenText(values) => any(nodes.iter(), |n| token_text(*n, values, pool)),
        CTest::OfType(values) => any(nodes.iter(), |n| of_type(*n, values, pool)),
        CTest::Reference { type_, values } => any(nodes.iter(), |n| {
            any(values, |v| reference_node(*n, v, type_.as_deref(), pool, ctx))
        }),
        CTest::Date(values) => any(nodes.iter(), |n| match date_range(*n, pool) {
            Ok(Some((t0, t1))) => Outcome::from_bool(values.iter().any(|&(p, s0, s1)| date_cmp(p, s0, s1, t0, t1))),
            Ok(None) => Outcome::NoMatch,
            Err(why) => unsupported(why),
        }),
        CTest::Number(values) => any(nodes.iter(), |n| match number_of(*n) {
            Ok(Some(t)) => Outcome::from_bool(values.iter().any(|&(p, v)| number_cmp(p, v, t))),
            Ok(None) => Outcome::NoMatch,
            Err(why) => unsupported(why),
        }),
        CTest::Quantity(values) => any(nodes.iter(), |n| any(values, |q| quantity_node(*n, q, pool))),
        CTest::String { mode, values } => any(nodes.iter(), |n| string_node(*n, *mode, values, pool)),
        CTest::Uri { mode, values } => any(nodes.iter(), |n| match n {
            Node::Primitive(p) => match p.value {
                Some(PrimitiveRef::String(s)) => Outcome::from_bool(values.iter().any(|v| match mode {
                    UriMode::Equals => s == v,
                    UriMode::Below => s.starts_with(v.as_str()),
                    UriMode::Above => v.starts_with(s),
                })),
                _ => Outcome::NoMatch,
            },
            Node::Complex(c) => unsupported(format!("uri search on a {} element", c.fhir_type())),
        }),
        CTest::Composite { components, values } => any(nodes.iter(), |n| {
            any(values, |parts| {
                let mut acc = Outcome::Match;
                for (component, part) in components.iter().zip(parts) {
                    let paths = match component.paths {
                        Ok(p) => p,
                        Err(why) => return unsupported(format!("component `{}`: {why}", component.code)),
                    };
                    let mut sub = pool.get();
                    let mut uncertain = None;
                    for steps in paths {
                        if let Some(why) = pool.collect(*n, steps, &mut sub) {
                            uncertain = Some(why);
                        }
                    }
                    let r = eval_test(part, &sub, pool, ctx);
                    pool.put(sub);
                    let r = match uncertain {
                        Some(why) => settled(r, part.monotone()).unwrap_or_else(|| unsupported(why)),
                        None => r,
                    };
                    acc = acc.and(|| r);
                }
                acc
            })
        }),
        CTest::Unsupported(why) => unsupported(why.clone()),
    }
}

fn token_node<'a>(node: Node<'a>, t: &CToken, implicit: Option<&str>, pool: &mut Pool<'a>) -> Outcome {
    match node {
        Node::Primitive(p) => {
            let text = match p.value {
                None => return Outcome::NoMatch,
                Some(PrimitiveRef::String(s)) => s,
                Some(PrimitiveRef::Boolean(b)) => {
                    if b {
                        "true"
                    } else {
                        "false"
                    }
                }
                Some(_) => return unsupported(format!("token search on a {} element", p.fhir_type)),
            };
            let implied = implicit.filter(|_| p.fhir_type == "code");
            if implied.is_some() && !matches!(t.system, Sys::Any) {
                return Outcome::from_bool(t.system_ok(implied) && t.code_ok(Some(text)));
            }
            if !matches!(t.system, Sys::Any) {
                // search.html#token: for code the system is implicit in the value set; for
                // uri, boolean and string elements "the presence of the pipe symbol SHALL NOT
                // be used".
                return unsupported(format!(
                    "a token with a system on a {} element (its system is implicit)",
                    p.fhir_type
                ));
            }
            Outcome::from_bool(match &t.code {
                None => true,
                // "If the underlying data type is string then the search is not case sensitive."
                Some(c) if p.fhir_type == "string" => c.to_lowercase() == text.to_lowercase(),
                Some(c) => c == text,
            })
        }
        Node::Complex(c) => match c.fhir_type() {
            "Coding" => {
                let system = pool.child_str(c, "system");
                let code = pool.child_str(c, "code");
                Outcome::from_bool(t.system_ok(system) && t.code_ok(code))
            }
            "CodeableConcept" => {
                let mut codings = pool.get();
                c.children("coding", &mut codings);
                let r = any(codings.iter(), |coding| token_node(*coding, t, None, pool));
                pool.put(codings);
                r
            }
            "Identifier" => {
                let system = pool.child_str(c, "system");
                let value = pool.child_str(c, "value");
                Outcome::from_bool(t.system_ok(system) && t.code_ok(value))
            }
            "ContactPoint" if matches!(t.system, Sys::Any) => Outcome::from_bool(t.code_ok(pool.child_str(c, "value"))),
            other => unsupported(format!("token search on a {other} element")),
        },
    }
}

fn starts_with_norm(text: &str, value: &str) -> bool {
    let mut norm = String::with_capacity(text.len());
    normalize_into(text, &mut norm);
    norm.starts_with(value)
}

fn token_text<'a>(node: Node<'a>, values: &[String], pool: &mut Pool<'a>) -> Outcome {
    let Node::Complex(c) = node else {
        return Outcome::NoMatch;
    };
    let mut texts: Vec<&'a str> = Vec::new();
    match c.fhir_type() {
        "Coding" => texts.extend(pool.child_str(c, "display")),
        "CodeableConcept" => {
            texts.extend(pool.child_str(c, "text"));
            let mut codings = pool.get();
            c.children("coding", &mut codings);
            for coding in codings.iter() {
                if let Node::Complex(cc) = coding {
                    texts.extend(pool.child_str(*cc, "display"));
                }
            }
            pool.put(codings);
        }
        "Identifier" => {
            let mut types = pool.get();
            c.children("type", &mut types);
            for ty in types.iter() {
                if let Node::Complex(t) = ty {
                    texts.extend(pool.child_str(*t, "text"));
                }
            }
            pool.put(types);
        }
        other => return unsupported(format!(":text on a {other} element")),
    }
    Outcome::from_bool(texts.iter().any(|t| values.iter().any(|v| starts_with_norm(t, v))))
}

fn of_type<'a>(node: Node<'a>, values: &[OfTypeValue], pool: &mut Pool<'a>) -> Outcome {
    let Node::Complex(c) = node else {
        return Outcome::NoMatch;
    };
    if c.fhir_type() != "Identifier" {
        return unsupported(format!(":of-type on a {} element", c.fhir_type()));
    }
    let value = pool.child_str(c, "value");
    let mut types = pool.get();
    c.children("type", &mut types);
    let mut codings = pool.get();
    for ty in types.iter() {
        if let Node::Complex(t) = ty {
            t.children("coding", &mut codings);
        }
    }
    let mut found = false;
    for coding in codings.iter() {
        if let Node::Complex(cc) = coding {
            let (s, k) = (pool.child_str(*cc, "system"), pool.child_str(*cc, "code"));
            found |= values
                .iter()
                .any(|v| s == Some(v.system.as_str()) && k == Some(v.code.as_str()) && value == Some(v.value.as_str()));
        }
    }
    pool.put(codings);
    pool.put(types);
    Outcome::from_bool(found)
}

fn reference_node<'a>(
    node: Node<'a>,
    v: &ReferenceValue,
    type_: Option<&str>,
    pool: &mut Pool<'a>,
    ctx: &Ctx<'_, '_>,
) -> Outcome {
    match node {
        Node::Complex(c) if c.fhir_type() == "Reference" => {
            let Some(text) = pool.child_str(c, "reference") else {
                // Identifier-only or display-only references have no literal reference to
                // compare (search.html#reference: chaining and includes need `reference`).
                return Outcome::NoMatch;
            };
            // Fast path for the common `Type/id` form: a text that does not even end with the
            // id (and has no version suffix) cannot denote it.
            if let ReferenceValue::Typed { id, .. } | ReferenceValue::Id(id) = v {
                // Ids and type names have no `_`, so without one there is no `/_history/`.
                if !text.ends_with(id.as_str()) && !text.as_bytes().contains(&b'_') {
                    return Outcome::NoMatch;
                }
            }
            let local = local_key(text, ctx.base);
            if let (Some(want), Some((t, _))) = (type_, local) {
                if want != t {
                    return Outcome::NoMatch;
                }
            }
            Outcome::from_bool(match v {
                ReferenceValue::Id(id) => local.is_some_and(|(_, i)| i == id),
                ReferenceValue::Typed { resource_type, id } => local == Some((resource_type.as_str(), id.as_str())),
                ReferenceValue::Url { url, version: None } => {
                    text == url
                        || match (classify(url), local) {
                            (
                                RefKind::Absolute {
                                    base,
                                    resource_type,
                                    id,
                                },
                                Some(l),
                            ) => ctx.base == Some(base) && l == (resource_type, id),
                            _ => false,
                        }
                }
                ReferenceValue::Url { .. } => false,
            })
        }
        Node::Primitive(p) if matches!(p.fhir_type, "canonical" | "uri" | "url") => {
            let Some(PrimitiveRef::String(text)) = p.value else {
                return Outcome::NoMatch;
            };
            // search.html#versions: a canonical may carry `|version`; without a version in the
            // search, any version matches.
            let (url, version) = match text.split_once('|') {
                Some((u, ver)) => (u, Some(ver)),
                None => (text, None),
            };
            Outcome::from_bool(match v {
                ReferenceValue::Url { url: u, version: None } => url == u,
                ReferenceValue::Url {
                    url: u,
                    version: Some(w),
                } => url == u && version == Some(w.as_str()),
                _ => false,
            })
        }
        other => unsupported(format!("reference search on a {} element", other.fhir_type())),
    }
}

/// The `[start, end)` range of a date, dateTime, instant or Period element (missing Period
/// bounds are unbounded: search.html#date "a missing lower boundary is 'less than' any actual
/// date").
fn date_range<'a>(node: Node<'a>, pool: &mut Pool<'a>) -> Result<Option<(i64, i64)>, String> {
    fn prim(value: Option<PrimitiveRef<'_>>) -> Result<Option<(i64, i64)>, String> {
        Ok(match value {
            None => None,
            Some(PrimitiveRef::Date(d)) => Some(d.parts().range_micros()),
            Some(PrimitiveRef::DateTime(d)) => Some(d.parts().range_micros()),
            Some(PrimitiveRef::Instant(d)) => Some(d.parts().range_micros()),
            Some(other) => return Err(format!("date search on a {other:?} value")),
        })
    }
    match node {
        Node::Primitive(p) => prim(p.value),
        Node::Complex(c) if c.fhir_type() == "Period" => {
            let mut v = pool.get();
            c.children("start", &mut v);
            let start = match v.first() {
                Some(Node::Primitive(p)) => prim(p.value)?.map(|r| r.0),
                _ => None,
            };
            v.clear();
            c.children("end", &mut v);
            let end = match v.first() {
                Some(Node::Primitive(p)) => prim(p.value)?.map(|r| r.1),
                _ => None,
            };
            pool.put(v);
            Ok(Some((start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX))))
        }
        Node::Complex(c) => Err(format!("date search on a {} element", c.fhir_type())),
    }
}

/// The prefixes on ranges: search `[s0, s1)`, target `[t0, t1)`
/// ([R4 search, prefix](https://hl7.org/fhir/R4/search.html#prefix), range column). The range
/// above the value starts at its end `s1` and the range below ends at its start `s0` (`ge` adds
/// "or the range of the search value fully contains the range of the target value", which
/// would be redundant if the range above included the value's own range).
pub(crate) fn date_cmp(p: Prefix, s0: i64, s1: i64, t0: i64, t1: i64) -> bool {
    let contains = s0 <= t0 && t1 <= s1;
    match p {
        Prefix::Eq => contains,
        Prefix::Ne => !contains,
        Prefix::Gt => t1 > s1,
        Prefix::Lt => t0 < s0,
        Prefix::Ge => t1 > s1 || contains,
        Prefix::Le => t0 < s0 || contains,
        Prefix::Sa => t0 >= s1,
        Prefix::Eb => t1 <= s0,
        // The range column: "the range of the search value overlaps with the range of the
        // target value" (the 10% widening is only recommended, and depends on the clock).
        Prefix::Ap => t0 < s1 && s0 < t1,
    }
}

fn number_of(node: Node<'_>) -> Result<Option<Dec>, String> {
    match node {
        Node::Primitive(p) => match p.value {
            None => Ok(None),
            Some(PrimitiveRef::Decimal(d)) => Ok(Dec::parse(d.as_str())),
            Some(PrimitiveRef::Integer(i)) => Ok(Dec::parse(&i.to_string())),
            Some(_) => Err(format!("number search on a {} element", p.fhir_type)),
        },
        Node::Complex(c) => Err(format!("number search on a {} element", c.fhir_type())),
    }
}

/// Number prefixes ([R4 search, number](https://hl7.org/fhir/R4/search.html#number)): `eq`
/// and `ne` use the implicit range of the search value's significant figures; the other
/// prefixes compare with the exact value ("the implicit precision of the number is ignored").
pub(crate) fn number_cmp(p: Prefix, v: Dec, t: Dec) -> bool {
    let (lo, hi) = v.range();
    match p {
        Prefix::Eq => lo <= t && t < hi,
        Prefix::Ne => !(lo <= t && t < hi),
        Prefix::Gt | Prefix::Sa => t > v,
        Prefix::Lt | Prefix::Eb => t < v,
        Prefix::Ge => t >= v,
        Prefix::Le => t <= v,
        // "the recommended value for the approximation is 10% of the stated value".
        Prefix::Ap => (t.to_f64() - v.to_f64()).abs() <= v.to_f64().abs() * 0.1,
    }
}

const QUANTITY_TYPES: &[&str] = &[
    "Quantity",
    "Age",
    "Count",
    "Distance",
    "Duration",
    "MoneyQuantity",
    "SimpleQuantity",
];

fn quantity_node<'a>(node: Node<'a>, q: &CQuantity, pool: &mut Pool<'a>) -> Outcome {
    let Node::Complex(c) = node else {
        return unsupported(format!("quantity search on a {} element", node.fhir_type()));
    };
    if !QUANTITY_TYPES.contains(&c.fhir_type()) {
        return unsupported(format!("quantity search on a {} element", c.fhir_type()));
    }
    let mut v = pool.get();
    c.children("value", &mut v);
    let value = match v.first() {
        Some(n) => number_of(*n),
        None => Ok(None),
    };
    pool.put(v);
    let value = match value {
        Ok(Some(value)) => value,
        Ok(None) => return Outcome::NoMatch,
        Err(why) => return unsupported(why),
    };
    let unit_ok = match &q.unit {
        None => true,
        // search.html#quantity: `5.4||mg` matches the code or the stated unit.
        Some((system, code)) if system.is_empty() => {
            pool.child_str(c, "code") == Some(code.as_str()) || pool.child_str(c, "unit") == Some(code.as_str())
        }
        Some((system, code)) => {
            pool.child_str(c, "system") == Some(system.as_str()) && pool.child_str(c, "code") == Some(code.as_str())
        }
    };
    Outcome::from_bool(unit_ok && number_cmp(q.prefix, q.value, value))
}

const HUMAN_NAME_PARTS: &[&str] = &["family", "given", "prefix", "suffix", "text"];
const ADDRESS_PARTS: &[&str] = &["line", "city", "district", "state", "postalCode", "country", "text"];

fn string_node<'a>(node: Node<'a>, mode: StringMode, values: &[String], pool: &mut Pool<'a>) -> Outcome {
    let test = |text: &str| {
        values.iter().any(|v| match mode {
            StringMode::Exact => text == v,
            StringMode::Contains => normalize(text).contains(v.as_str()),
            _ => starts_with_norm(text, v),
        })
    };
    match node {
        Node::Primitive(p) => match p.value {
            None => Outcome::NoMatch,
            Some(PrimitiveRef::String(s)) => Outcome::from_bool(test(s)),
            Some(_) => unsupported(format!("string search on a {} element", p.fhir_type)),
        },
        Node::Complex(c) => {
            // search.html#string: on HumanName and Address "the search covers the elements of
            // type string".
            let parts = match c.fhir_type() {
                "HumanName" => HUMAN_NAME_PARTS,
                "Address" => ADDRESS_PARTS,
                other => return unsupported(format!("string search on a {other} element")),
            };
            let mut v = pool.get();
            for part in parts {
                c.children(part, &mut v);
            }
            let found = v.iter().any(|n| match n {
                Node::Primitive(p) => matches!(p.value, Some(PrimitiveRef::String(s)) if test(s)),
                Node::Complex(_) => false,
            });
            pool.put(v);
            Outcome::from_bool(found)
        }
    }
}
