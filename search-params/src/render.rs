//! Writing a query: relative (`Task?…`), absolute (`[base]/Task?…`) or as the
//! `application/x-www-form-urlencoded` body of `POST [base]/Task/_search`
//! ([R4 search, introduction](https://hl7.org/fhir/R4/search.html#Introduction)).

use crate::escape::{encode, encode_structural, escape, Part, Target};
use crate::query::{Filter, Include, Item, Link, Query};
use crate::value::{
    CompositePart, DateValue, NumberValue, OfTypeValue, QuantityValue, ReferenceMode, ReferenceValue, Test, TokenValue,
};

struct Writer {
    target: Target,
    out: String,
}

impl Writer {
    fn sep(&mut self, s: &str) {
        self.out.push_str(&encode_structural(s, self.target));
    }

    fn plain(&mut self, text: &str) {
        self.out.push_str(&encode(&escape(text), Part::Plain, self.target));
    }

    fn uri(&mut self, text: &str) {
        self.out.push_str(&encode(&escape(text), Part::Uri, self.target));
    }

    fn token(&mut self, t: &TokenValue) {
        match t {
            TokenValue::Code(c) => self.plain(c),
            TokenValue::SystemCode { system, code } => {
                self.uri(system);
                self.sep("|");
                self.plain(code);
            }
            TokenValue::NoSystem(c) => {
                self.sep("|");
                self.plain(c);
            }
            TokenValue::System(s) => {
                self.uri(s);
                self.sep("|");
            }
        }
    }

    fn of_type(&mut self, v: &OfTypeValue) {
        self.uri(&v.system);
        self.sep("|");
        self.plain(&v.code);
        self.sep("|");
        self.plain(&v.value);
    }

    fn reference(&mut self, r: &ReferenceValue) {
        match r {
            ReferenceValue::Id(id) => self.plain(id),
            ReferenceValue::Typed { resource_type, id } => self.plain(&format!("{resource_type}/{id}")),
            ReferenceValue::Url { url, version } => {
                self.uri(url);
                if let Some(v) = version {
                    self.sep("|");
                    self.plain(v);
                }
            }
        }
    }

    fn date(&mut self, d: &DateValue) {
        let prefix = d.prefix.map(|p| p.code()).unwrap_or_default();
        self.plain(&format!("{prefix}{}", d.date));
    }

    fn number(&mut self, n: &NumberValue) {
        let prefix = n.prefix.map(|p| p.code()).unwrap_or_default();
        self.plain(&format!("{prefix}{}", n.number));
    }

    fn quantity(&mut self, q: &QuantityValue) {
        let prefix = q.prefix.map(|p| p.code()).unwrap_or_default();
        self.plain(&format!("{prefix}{}", q.number));
        if let Some((system, code)) = &q.unit {
            self.sep("|");
            self.uri(system);
            self.sep("|");
            self.plain(code);
        }
    }

    fn part(&mut self, p: &CompositePart) {
        match p {
            CompositePart::Token(t) => self.token(t),
            CompositePart::Reference(r) => self.reference(r),
            CompositePart::Date(d) => self.date(d),
            CompositePart::Number(n) => self.number(n),
            CompositePart::Quantity(q) => self.quantity(q),
            CompositePart::String(s) => self.plain(s),
            CompositePart::Uri(u) => self.uri(u),
        }
    }

    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.sep(",");
            }
            each(self, item);
        }
    }

    fn test_values(&mut self, test: &Test) {
        match test {
            Test::Missing(b) => self.plain(if *b { "true" } else { "false" }),
            Test::Number(v) => self.list(v, |w, n| w.number(n)),
            Test::Date(v) => self.list(v, |w, d| w.date(d)),
            Test::String { values, .. } | Test::TokenText(values) | Test::Special(values) => {
                self.list(values, |w, s| w.plain(s))
            }
            Test::Uri { values, .. } | Test::ValueSet { urls: values, .. } => self.list(values, |w, s| w.uri(s)),
            Test::Token { values, .. } | Test::Identifier(values) => self.list(values, |w, t| w.token(t)),
            Test::OfType(v) => self.list(v, |w, o| w.of_type(o)),
            Test::Reference { values, .. } => self.list(values, |w, r| w.reference(r)),
            Test::Quantity(v) => self.list(v, |w, q| w.quantity(q)),
            Test::Composite(v) => self.list(v, |w, parts| {
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        w.sep("$");
                    }
                    w.part(p);
                }
            }),
        }
    }
}

/// The name of a filter as written: links, code and modifier.
pub(crate) fn filter_name(f: &Filter) -> String {
    let mut name = String::new();
    for link in &f.links {
        match link {
            Link::Chain { param, target } => {
                name.push_str(param);
                if let Some(t) = target {
                    name.push(':');
                    name.push_str(t);
                }
                name.push('.');
            }
            Link::Has { resource_type, param } => {
                name.push_str("_has:");
                name.push_str(resource_type);
                name.push(':');
                name.push_str(param);
                name.push(':');
            }
        }
    }
    name.push_str(&f.code);
    if let Test::Reference {
        mode: ReferenceMode::Type(t),
        ..
    } = &f.test
    {
        name.push(':');
        name.push_str(t);
    } else if let Some(m) = f.test.modifier() {
        name.push(':');
        name.push_str(m.code());
    }
    name
}

fn include_value(inc: &Include) -> String {
    let mut v = format!("{}:{}", inc.source, inc.param);
    if let Some(t) = &inc.target {
        v.push(':');
        v.push_str(t);
    }
    v
}

/// The name of an item as written (`owner:identifier`, `_include:iterate`, `_count`).
pub(crate) fn item_name(item: &Item) -> String {
    match item {
        Item::Filter(f) => filter_name(f),
        Item::Include(i) if i.iterate => "_include:iterate".into(),
        Item::Include(_) => "_include".into(),
        Item::RevInclude(i) if i.iterate => "_revinclude:iterate".into(),
        Item::RevInclude(_) => "_revinclude".into(),
        Item::Sort(_) => "_sort".into(),
        Item::Count(_) => "_count".into(),
        Item::Summary(_) => "_summary".into(),
        Item::Elements(_) => "_elements".into(),
        Item::Total(_) => "_total".into(),
        Item::Contained(_) => "_contained".into(),
        Item::ContainedType(_) => "_containedType".into(),
    }
}

fn write_params(query: &Query, target: Target) -> String {
    let mut w = Writer {
        target,
        out: String::new(),
    };
    for (i, item) in query.items.iter().enumerate() {
        if i > 0 {
            w.out.push('&');
        }
        w.sep(&item_name(item));
        w.out.push('=');
        match item {
            Item::Filter(f) => w.test_values(&f.test),
            Item::Include(inc) | Item::RevInclude(inc) => w.sep(&include_value(inc)),
            Item::Sort(keys) => w.list(keys, |w, k| {
                if k.descending {
                    w.sep("-");
                }
                w.sep(&k.param);
            }),
            Item::Count(n) => w.sep(&n.to_string()),
            Item::Summary(s) => w.sep(s.code()),
            Item::Elements(e) => w.list(e, |w, n| w.sep(n)),
            Item::Total(t) => w.sep(t.code()),
            Item::Contained(c) => w.sep(c.code()),
            Item::ContainedType(c) => w.sep(c.code()),
        }
    }
    w.out
}

impl Query {
    /// The relative query: `Task?owner=Organization/123&status=requested` (just `Task` without
    /// parameters).
    pub fn to_relative(&self) -> String {
        let params = write_params(self, Target::Url);
        if params.is_empty() {
            self.resource_type.clone()
        } else {
            format!("{}?{params}", self.resource_type)
        }
    }

    /// The absolute URL of a GET search on `base` (`https://x.org/fhir`, with or without a
    /// trailing `/`).
    pub fn to_url(&self, base: &str) -> String {
        format!("{}/{}", base.trim_end_matches('/'), self.to_relative())
    }

    /// The `application/x-www-form-urlencoded` body of `POST [base]/[type]/_search`.
    pub fn to_form_body(&self) -> String {
        write_params(self, Target::Form)
    }
}
