//! Reading a query (relative, absolute URL, or form body) into a [`Query`], validated against
//! the registry; every error names the parameter and its byte position.
//!
//! ```
//! use search_params::Query;
//!
//! let q = Query::parse("Task?owner:missing=true&status=requested")?;
//! assert_eq!(q.to_string(), "Task?owner:missing=true&status=requested");
//! let err = Query::parse("Task?owner:exact=Organization/1").unwrap_err();
//! assert_eq!(err.parameter.as_deref(), Some("owner:exact"));
//! assert_eq!(err.position, Some(5));
//! # Ok::<(), search_params::Error>(())
//! ```

use crate::date::SearchDate;
use crate::error::{Error, ErrorKind};
use crate::escape::{percent_decode, split_unescaped, unescape};
use crate::number::SearchNumber;
use crate::query::{resolve, Contained, ContainedType, Filter, Include, Item, Link, Query, SortKey, Summary, Total};
use crate::registry::{Modifier, ParamType, Prefix, SearchParamDef};
use crate::value::{
    is_resource_type, CompositePart, DateValue, NumberValue, OfTypeValue, QuantityValue, ReferenceMode, ReferenceValue,
    StringMode, Test, TokenMode, TokenValue, UriMode,
};

fn malformed(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Malformed(msg.into()))
}

impl Query {
    /// Parses a relative query (`Task?status=requested`) or an absolute search URL
    /// (`https://x.org/fhir/Task?status=requested`). In a URL `+` is a literal plus (RFC 3986);
    /// use [`Query::parse_form`] for form bodies.
    pub fn parse(text: &str) -> Result<Query, Error> {
        Ok(Query::parse_with_base(text)?.1)
    }

    /// Like [`Query::parse`], also returning the base of an absolute URL.
    pub fn parse_with_base(text: &str) -> Result<(Option<String>, Query), Error> {
        if let Some(i) = text.find('#') {
            return Err(malformed("a search URL has no fragment (`#`)").at("#", Some(i)));
        }
        let (path, params, params_at) = match text.find('?') {
            Some(i) => (&text[..i], &text[i + 1..], i + 1),
            None => (text, "", text.len()),
        };
        let (base, resource_type) = if path.contains("://") {
            let trimmed = path.trim_end_matches('/');
            match trimmed.rsplit_once('/') {
                Some((base, t)) if !base.ends_with(':') && !base.ends_with('/') => (Some(base.to_owned()), t),
                _ => return Err(malformed(format!("`{path}` has no resource type after the base"))),
            }
        } else {
            (None, path)
        };
        let query = Query::new(resource_type).map_err(|e| {
            let at = path.len() - resource_type.len();
            Error {
                position: Some(at),
                ..e
            }
        })?;
        Ok((base, parse_params(query, params, params_at, false)?))
    }

    /// Parses the `application/x-www-form-urlencoded` body of `POST [base]/[resource_type]/_search`
    /// (`+` is a space).
    pub fn parse_form(resource_type: &str, body: &str) -> Result<Query, Error> {
        parse_params(Query::new(resource_type)?, body, 0, true)
    }
}

fn parse_params(mut query: Query, params: &str, offset: usize, form: bool) -> Result<Query, Error> {
    let mut at = offset;
    for segment in params.split('&') {
        let position = at;
        at += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let (raw_name, raw_value) = segment
            .split_once('=')
            .ok_or_else(|| malformed("a parameter needs `=` and a value").at(segment, Some(position)))?;
        let name = percent_decode(raw_name, form).map_err(|e| e.at(raw_name, Some(position)))?;
        let value = percent_decode(raw_value, form).map_err(|e| e.at(&name, Some(position)))?;
        // search.html#errors: "Empty parameters are not an error - they are just ignored".
        if value.is_empty() {
            continue;
        }
        let item = parse_item(&query.resource_type, &name, &value).map_err(|e| e.at(&name, Some(position)))?;
        query = query.push(item).map_err(|e| e.at(&name, Some(position)))?;
    }
    Ok(query)
}

fn bad_result(msg: String) -> Error {
    Error::new(ErrorKind::BadResultParameter(msg))
}

fn parse_item(resource_type: &str, name: &str, value: &str) -> Result<Item, Error> {
    let one_of = |codes: &str| bad_result(format!("`{name}` must be one of {codes}, found `{value}`"));
    Ok(match name {
        "_include" | "_include:iterate" => Item::Include(parse_include(value, name.ends_with(":iterate"))?),
        "_revinclude" | "_revinclude:iterate" => Item::RevInclude(parse_include(value, name.ends_with(":iterate"))?),
        "_sort" => Item::Sort(
            value
                .split(',')
                .map(|k| match k.strip_prefix('-') {
                    Some(p) => SortKey {
                        param: p.to_owned(),
                        descending: true,
                    },
                    None => SortKey {
                        param: k.to_owned(),
                        descending: false,
                    },
                })
                .collect(),
        ),
        "_count" => Item::Count(
            value
                .parse()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| Error::invalid("a whole number", value))?,
        ),
        "_summary" => Item::Summary(Summary::from_code(value).ok_or_else(|| one_of("true, text, data, count, false"))?),
        "_total" => Item::Total(Total::from_code(value).ok_or_else(|| one_of("none, estimate, accurate"))?),
        "_contained" => Item::Contained(Contained::from_code(value).ok_or_else(|| one_of("true, false, both"))?),
        "_containedType" => {
            Item::ContainedType(ContainedType::from_code(value).ok_or_else(|| one_of("container, contained"))?)
        }
        "_elements" => Item::Elements(value.split(',').map(str::to_owned).collect()),
        _ => Item::Filter(parse_filter(resource_type, name, value)?),
    })
}

fn parse_include(value: &str, iterate: bool) -> Result<Include, Error> {
    let parts: Vec<&str> = value.split(':').collect();
    let (source, param, target) = match parts.as_slice() {
        [s, p] => (*s, *p, None),
        [s, p, t] => (*s, *p, Some((*t).to_owned())),
        _ => {
            return Err(Error::new(ErrorKind::BadInclude(format!(
                "expected SourceType:searchParam[:targetType], found `{value}`"
            ))))
        }
    };
    Ok(Include {
        source: source.to_owned(),
        param: param.to_owned(),
        target,
        iterate,
    })
}

/// Splits a parameter name into links, code and modifier text.
fn parse_name(name: &str) -> Result<(Vec<Link>, String, Option<String>), Error> {
    let bad = || malformed(format!("cannot read the parameter name `{name}`"));
    let mut links = Vec::new();
    let mut rest = name;
    loop {
        if let Some(r) = rest.strip_prefix("_has:") {
            let (t, r) = r.split_once(':').ok_or_else(bad)?;
            let (p, r) = r.split_once(':').ok_or_else(bad)?;
            if t.is_empty() || p.is_empty() {
                return Err(bad());
            }
            links.push(Link::has(t, p));
            rest = r;
            continue;
        }
        let end = rest.find([':', '.']).unwrap_or(rest.len());
        let code = &rest[..end];
        if code.is_empty() {
            return Err(bad());
        }
        match rest[end..].chars().next() {
            None => return Ok((links, code.to_owned(), None)),
            Some('.') => {
                links.push(Link::chain(code, None));
                rest = &rest[end + 1..];
            }
            _ => {
                let after = &rest[end + 1..];
                match after.find('.') {
                    Some(i) => {
                        links.push(Link::chain(code, Some(&after[..i])));
                        rest = &after[i + 1..];
                    }
                    None if after.is_empty() => return Err(bad()),
                    None => return Ok((links, code.to_owned(), Some(after.to_owned()))),
                }
            }
        }
    }
}

fn parse_filter(resource_type: &str, name: &str, value: &str) -> Result<Filter, Error> {
    let (links, code, modifier) = parse_name(name)?;
    let def = resolve(resource_type, &links, &code)?.def;
    let test = parse_test(def, modifier.as_deref(), value)?;
    Ok(Filter { links, code, test })
}

/// The OR values of an escaped value.
fn or_values(value: &str) -> Result<Vec<&str>, Error> {
    let parts = split_unescaped(value, ',');
    if parts.iter().any(|p| p.is_empty()) {
        return Err(Error::invalid("comma-separated values without empty ones", value));
    }
    Ok(parts)
}

fn each<T>(value: &str, f: impl Fn(&str) -> Result<T, Error>) -> Result<Vec<T>, Error> {
    or_values(value)?.into_iter().map(f).collect()
}

fn parse_test(def: &SearchParamDef, modifier: Option<&str>, value: &str) -> Result<Test, Error> {
    let t = def.type_;
    let modifier = match modifier {
        None => None,
        Some("missing") => {
            return match value {
                "true" => Ok(Test::Missing(true)),
                "false" => Ok(Test::Missing(false)),
                _ => Err(Error::invalid("true or false", value)),
            }
        }
        Some(m) if t == ParamType::Reference && is_resource_type(m) => {
            let values = each(value, parse_reference)?;
            return Ok(Test::Reference {
                mode: ReferenceMode::Type(m.to_owned()),
                values,
            });
        }
        Some(m) => Some(Modifier::from_code(m).ok_or_else(|| {
            Error::new(ErrorKind::ModifierNotAllowed {
                modifier: m.to_owned(),
                param_type: t,
            })
        })?),
    };
    let unescaped = |raw: &str| unescape(raw);
    Ok(match (t, modifier) {
        (ParamType::Number, None) => Test::Number(each(value, parse_number)?),
        (ParamType::Date, None) => Test::Date(each(value, parse_date)?),
        (ParamType::String, None | Some(Modifier::Exact | Modifier::Contains | Modifier::Text)) => Test::String {
            mode: match modifier {
                Some(Modifier::Exact) => StringMode::Exact,
                Some(Modifier::Contains) => StringMode::Contains,
                Some(Modifier::Text) => StringMode::Text,
                _ => StringMode::StartsWith,
            },
            values: each(value, unescaped)?,
        },
        (ParamType::Token, None | Some(Modifier::Not | Modifier::Above | Modifier::Below)) => Test::Token {
            mode: match modifier {
                Some(Modifier::Not) => TokenMode::Not,
                Some(Modifier::Above) => TokenMode::Above,
                Some(Modifier::Below) => TokenMode::Below,
                _ => TokenMode::Equals,
            },
            values: each(value, parse_token)?,
        },
        (ParamType::Token, Some(Modifier::Text)) => Test::TokenText(each(value, unescaped)?),
        (ParamType::Token, Some(m @ (Modifier::In | Modifier::NotIn))) => Test::ValueSet {
            negate: m == Modifier::NotIn,
            urls: each(value, unescaped)?,
        },
        (ParamType::Token, Some(Modifier::OfType)) => Test::OfType(each(value, parse_of_type)?),
        (ParamType::Reference, None | Some(Modifier::Above | Modifier::Below)) => Test::Reference {
            mode: match modifier {
                Some(Modifier::Above) => ReferenceMode::Above,
                Some(Modifier::Below) => ReferenceMode::Below,
                _ => ReferenceMode::Equals,
            },
            values: each(value, parse_reference)?,
        },
        (ParamType::Reference, Some(Modifier::Identifier)) => Test::Identifier(each(value, parse_token)?),
        (ParamType::Quantity, None) => Test::Quantity(each(value, parse_quantity)?),
        (ParamType::Uri, None | Some(Modifier::Above | Modifier::Below)) => Test::Uri {
            mode: match modifier {
                Some(Modifier::Above) => UriMode::Above,
                Some(Modifier::Below) => UriMode::Below,
                _ => UriMode::Equals,
            },
            values: each(value, unescaped)?,
        },
        (ParamType::Composite, None) => Test::Composite(each(value, |raw| parse_composite(def, raw))?),
        (ParamType::Special, None) => Test::Special(each(value, unescaped)?),
        (_, Some(m)) => return Err(Error::modifier(m, t)),
    })
}

fn parse_token(raw: &str) -> Result<TokenValue, Error> {
    let parts = split_unescaped(raw, '|');
    Ok(match parts.as_slice() {
        [code] => TokenValue::Code(unescape(code)?),
        ["", ""] => return Err(Error::invalid("[system]|[code], |[code] or [system]|", raw)),
        ["", code] => TokenValue::NoSystem(unescape(code)?),
        [system, ""] => TokenValue::System(unescape(system)?),
        [system, code] => TokenValue::SystemCode {
            system: unescape(system)?,
            code: unescape(code)?,
        },
        _ => {
            return Err(Error::invalid(
                "a token: [code], [system]|[code], |[code] or [system]|",
                raw,
            ))
        }
    })
}

fn parse_of_type(raw: &str) -> Result<OfTypeValue, Error> {
    match split_unescaped(raw, '|').as_slice() {
        [s, c, v] if !s.is_empty() && !c.is_empty() && !v.is_empty() => Ok(OfTypeValue {
            system: unescape(s)?,
            code: unescape(c)?,
            value: unescape(v)?,
        }),
        _ => Err(Error::invalid("[system]|[code]|[value] with all three parts", raw)),
    }
}

fn parse_reference(raw: &str) -> Result<ReferenceValue, Error> {
    match split_unescaped(raw, '|').as_slice() {
        [one] => ReferenceValue::parse(&unescape(one)?),
        [url, version] if !version.is_empty() => match ReferenceValue::parse(&unescape(url)?)? {
            ReferenceValue::Url { url, .. } => Ok(ReferenceValue::Url {
                url,
                version: Some(unescape(version)?),
            }),
            _ => Err(Error::invalid("a canonical URL before `|version`", raw)),
        },
        _ => Err(Error::invalid(
            "a reference: [id], [type]/[id], [url] or [url]|[version]",
            raw,
        )),
    }
}

/// Splits a known prefix off a number or date value.
fn split_prefix(text: &str) -> (Option<Prefix>, &str) {
    if text.len() > 2 && text.is_char_boundary(2) {
        if let Some(p) = Prefix::from_code(&text[..2]) {
            return (Some(p), &text[2..]);
        }
    }
    (None, text)
}

fn parse_date(raw: &str) -> Result<DateValue, Error> {
    let text = unescape(raw)?;
    let (prefix, date) = split_prefix(&text);
    Ok(DateValue {
        prefix,
        date: SearchDate::parse(date)?,
    })
}

fn parse_number(raw: &str) -> Result<NumberValue, Error> {
    let text = unescape(raw)?;
    let (prefix, number) = split_prefix(&text);
    Ok(NumberValue {
        prefix,
        number: SearchNumber::parse(number)?,
    })
}

fn parse_quantity(raw: &str) -> Result<QuantityValue, Error> {
    let parts = split_unescaped(raw, '|');
    let (number, unit) = match parts.as_slice() {
        [n] => (*n, None),
        [n, system, code] if !code.is_empty() => (*n, Some((unescape(system)?, unescape(code)?))),
        _ => {
            return Err(Error::invalid(
                "[prefix][number]|[system]|[code] or [prefix][number]",
                raw,
            ))
        }
    };
    let n = parse_number(number)?;
    Ok(QuantityValue {
        prefix: n.prefix,
        number: n.number,
        unit,
    })
}

fn parse_composite(def: &SearchParamDef, raw: &str) -> Result<Vec<CompositePart>, Error> {
    let parts = split_unescaped(raw, '$');
    if parts.len() != def.components.len() {
        return Err(Error::invalid(
            format!("{} values joined with $", def.components.len()),
            raw,
        ));
    }
    parts
        .iter()
        .zip(def.components)
        .map(|(p, c)| {
            Ok(match c.type_ {
                ParamType::Token => CompositePart::Token(parse_token(p)?),
                ParamType::Reference => CompositePart::Reference(parse_reference(p)?),
                ParamType::Date => CompositePart::Date(parse_date(p)?),
                ParamType::Number => CompositePart::Number(parse_number(p)?),
                ParamType::Quantity => CompositePart::Quantity(parse_quantity(p)?),
                ParamType::String => CompositePart::String(unescape(p)?),
                ParamType::Uri => CompositePart::Uri(unescape(p)?),
                other => {
                    return Err(Error::invalid(
                        format!("a component of a supported type, not {other}"),
                        *p,
                    ))
                }
            })
        })
        .collect()
}
