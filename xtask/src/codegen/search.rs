//! The search parameter registry of `search-params`, generated from
//! `$FHIR_SHARED/fhir-definitions/r4/search-parameters.json` (the R4 4.0.1 definitions bundle).
//!
//! For every modelled resource (and the parameters common to all resources) it emits the name,
//! type, FHIRPath expression, reference targets, allowed modifiers and comparators, and a
//! pre-compiled path program: the expression reduced to the few FHIRPath forms the definitions of
//! the modelled resources use (`a.b`, `x as T`, `.as(T)`, `.ofType(T)`,
//! `.where(resolve() is T)`, `.where(e='v')`, `[0]`). An expression outside those forms is kept
//! with the reason, so the matcher can answer "unsupported" instead of guessing.
//!
//! The R4 bundle carries no `modifier` elements, so the allowed modifiers per parameter type come
//! from the R4 search page (https://hl7.org/fhir/R4/search.html#modifiers and the sections of
//! each type); `docs/spec/search.md` lists them with their sources.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::model::MODELLED_RESOURCES;
use super::Definitions;

/// One step of a compiled path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Child(String),
    OfType(String),
    ResolveIs(String),
    WhereEq(String, String),
    First,
}

#[derive(Clone, Debug)]
struct Param {
    base: String,
    code: String,
    url: String,
    type_: String,
    expression: Option<String>,
    paths: Result<Vec<Vec<Step>>, String>,
    targets: Vec<String>,
    modifiers: Vec<&'static str>,
    comparators: Vec<String>,
    components: Vec<Component>,
    origin: &'static str,
    code_system: Option<String>,
}

#[derive(Clone, Debug)]
struct Component {
    code: String,
    type_: String,
    expression: String,
    paths: Result<Vec<Vec<Step>>, String>,
}

/// Splits `text` on `sep` at parenthesis depth 0 and outside quotes.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 && !quoted {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_owned()).collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Compiles one union branch of a FHIRPath expression into steps. `root` is the name the
/// expression must start with (the resource type, or `None` for a component expression that is
/// relative to the composite's element).
fn compile_path(expr: &str, root: Option<&str>) -> Result<Vec<Step>, String> {
    let expr = expr.trim();
    // `(X as T)` and `(X as T).rest`
    if let Some(inner_end) = expr.starts_with('(').then(|| matching_paren(expr, 0)).flatten() {
        let inner = &expr[1..inner_end];
        let rest = expr[inner_end + 1..].trim();
        let mut steps = match inner.rsplit_once(" as ") {
            Some((path, ty)) if is_name(ty.trim()) => {
                let mut s = compile_path(path, root)?;
                s.push(Step::OfType(ty.trim().to_owned()));
                s
            }
            _ => compile_path(inner, root)?,
        };
        if !rest.is_empty() {
            let rest = rest
                .strip_prefix('.')
                .ok_or_else(|| format!("unsupported FHIRPath `{expr}`"))?;
            steps.extend(compile_path(rest, None)?);
        }
        return Ok(steps);
    }
    let parts = split_top(expr, '.');
    let mut steps = Vec::new();
    let mut parts = parts.iter().map(String::as_str);
    if let Some(root) = root {
        match parts.next() {
            Some(first) if first == root => {}
            other => return Err(format!("`{expr}` does not start with {root} (found {other:?})")),
        }
    }
    for part in parts {
        if let Some(ty) = call_arg(part, "as").or_else(|| call_arg(part, "ofType")) {
            if !is_name(ty) {
                return Err(format!("unsupported type test `{part}`"));
            }
            steps.push(Step::OfType(ty.to_owned()));
        } else if let Some(cond) = call_arg(part, "where") {
            if let Some(ty) = cond.strip_prefix("resolve() is ") {
                if !is_name(ty.trim()) {
                    return Err(format!("unsupported condition `{cond}`"));
                }
                steps.push(Step::ResolveIs(ty.trim().to_owned()));
            } else if let Some((lhs, rhs)) = cond.split_once('=') {
                let (lhs, rhs) = (lhs.trim(), rhs.trim());
                let value = rhs.strip_prefix('\'').and_then(|r| r.strip_suffix('\''));
                match value {
                    Some(v) if is_name(lhs) && !v.contains('\'') => {
                        steps.push(Step::WhereEq(lhs.to_owned(), v.to_owned()))
                    }
                    _ => return Err(format!("unsupported condition `{cond}`")),
                }
            } else {
                return Err(format!("unsupported condition `{cond}`"));
            }
        } else if let Some(name) = part.strip_suffix("[0]") {
            if !is_name(name) {
                return Err(format!("unsupported element `{part}`"));
            }
            steps.push(Step::Child(name.to_owned()));
            steps.push(Step::First);
        } else if is_name(part) {
            steps.push(Step::Child(part.to_owned()));
        } else {
            return Err(format!("unsupported FHIRPath `{part}` in `{expr}`"));
        }
    }
    Ok(steps)
}

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `name(arg)` -> `arg`.
fn call_arg<'a>(part: &'a str, name: &str) -> Option<&'a str> {
    part.strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')
        .map(str::trim)
}

/// The branches of `expression` that apply to `base`, compiled.
fn compile_for_base(expression: &str, base: &str) -> Result<Vec<Vec<Step>>, String> {
    let mut out = Vec::new();
    for branch in split_top(expression, '|') {
        let head = branch.trim_start_matches('(');
        let first = head.split(['.', ' ']).next().unwrap_or_default();
        if first != base {
            continue;
        }
        out.push(compile_path(&branch, Some(base))?);
    }
    if out.is_empty() {
        return Err(format!("no branch of `{expression}` applies to {base}"));
    }
    Ok(out)
}

/// Modifiers the R4 search page allows for a parameter type (search.html#modifiers and the
/// type sections); `:[type]` on references is represented separately.
fn modifiers_for(type_: &str, circular_reference: bool) -> Vec<&'static str> {
    match type_ {
        // "For string: :exact ... or :contains"; "An additional modifier :text" (#string).
        "string" => vec!["Missing", "Exact", "Contains", "Text"],
        // #token Modifiers table.
        "token" => vec!["Missing", "Text", "Not", "Above", "Below", "In", "NotIn", "OfType"],
        // "For reference: :[type] ..., :identifier, and, for some parameters, :above and
        // :below" -- the hierarchies of #recursive: references to the parameter's own type.
        "reference" if circular_reference => vec!["Missing", "Identifier", "Above", "Below"],
        "reference" => vec!["Missing", "Identifier"],
        // "For uri: :below, :above".
        "uri" => vec!["Missing", "Above", "Below"],
        // "For all parameters (except combination): :missing".
        "number" | "date" | "quantity" => vec!["Missing"],
        // "Modifiers are not used on composite parameters" (#composite); special parameters
        // define their own (#special).
        _ => vec![],
    }
}

/// The code system of a token parameter whose every branch is a resource element of type `code`
/// with a required binding to a value set of one system (R4 search.html#token: for `code`, "the
/// system is defined in the value set").
fn implicit_system(defs: &Definitions, base: &str, paths: &Result<Vec<Vec<Step>>, String>) -> Option<String> {
    let paths = paths.as_ref().ok()?;
    let elements = defs.structures.get(base)?["snapshot"]["element"].as_array()?;
    let mut system: Option<String> = None;
    for steps in paths {
        let mut path = base.to_owned();
        for step in steps {
            match step {
                Step::Child(name) => {
                    path.push('.');
                    path.push_str(name);
                }
                _ => return None,
            }
        }
        let e = elements.iter().find(|e| e["path"] == path.as_str())?;
        let types = e["type"].as_array()?;
        if types.len() != 1 || types[0]["code"] != "code" || e["binding"]["strength"] != "required" {
            return None;
        }
        let concepts = defs.expand(e["binding"]["valueSet"].as_str()?)?;
        let first = concepts.first()?.system.clone();
        if !concepts.iter().all(|c| c.system == first) {
            return None;
        }
        match &system {
            Some(s) if *s != first => return None,
            _ => system = Some(first),
        }
    }
    system
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

fn load(shared: &Path, defs: &Definitions) -> Result<Vec<Param>, String> {
    let path = shared.join("fhir-definitions/r4/search-parameters.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bundle: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let entries = bundle["entry"]
        .as_array()
        .ok_or("search-parameters.json: no entry array")?;
    let by_url: BTreeMap<String, &Value> = entries
        .iter()
        .map(|e| &e["resource"])
        .filter_map(|r| r["url"].as_str().map(|u| (u.to_owned(), r)))
        .collect();
    let modelled: BTreeSet<&str> = MODELLED_RESOURCES.iter().copied().collect();
    let mut out = Vec::new();
    for r in entries.iter().map(|e| &e["resource"]) {
        let code = r["code"].as_str().unwrap_or_default();
        let url = r["url"].as_str().unwrap_or_default();
        let type_ = r["type"].as_str().unwrap_or_default();
        let expression = r["expression"].as_str();
        let targets = str_list(&r["target"]);
        let comparators = str_list(&r["comparator"]);
        for base in str_list(&r["base"]) {
            let common = base == "Resource" || base == "DomainResource";
            if !common && !modelled.contains(base.as_str()) {
                continue;
            }
            let paths = match expression {
                None => Err("the definition has no expression".to_owned()),
                Some(e) => compile_for_base(e, &base),
            };
            let mut components = Vec::new();
            for c in r["component"].as_array().into_iter().flatten() {
                let def_url = c["definition"].as_str().unwrap_or_default();
                let def = by_url
                    .get(def_url)
                    .ok_or_else(|| format!("{url}: component definition {def_url} not found"))?;
                let expr = c["expression"].as_str().unwrap_or_default();
                components.push(Component {
                    code: def["code"].as_str().unwrap_or_default().to_owned(),
                    type_: def["type"].as_str().unwrap_or_default().to_owned(),
                    expression: expr.to_owned(),
                    paths: split_top(expr, '|').iter().map(|b| compile_path(b, None)).collect(),
                });
            }
            let code_system = if type_ == "token" {
                implicit_system(defs, &base, &paths)
            } else {
                None
            };
            out.push(Param {
                code_system,
                modifiers: modifiers_for(type_, targets.contains(&base)),
                base: base.clone(),
                code: code.to_owned(),
                url: url.to_owned(),
                type_: type_.to_owned(),
                expression: expression.map(str::to_owned),
                paths,
                targets: targets.clone(),
                comparators: comparators.clone(),
                components,
                origin: "Definitions",
            });
        }
    }
    // Defined only in the prose of the R4 search page (search.html#list, #has, #type); the
    // summary table (search.html#table) gives `_list` the type string; #type: "the _type
    // parameter is a token parameter"; `_has` is written as a reverse chain (#has).
    for (code, type_, why) in [
        ("_list", "string", "search.html#list"),
        ("_has", "special", "search.html#has"),
        ("_type", "token", "search.html#type"),
    ] {
        out.push(Param {
            base: "Resource".into(),
            code: code.into(),
            url: format!("https://hl7.org/fhir/R4/{why}"),
            type_: type_.into(),
            expression: None,
            paths: Err(format!("defined in prose only ({why})")),
            targets: vec![],
            modifiers: vec![],
            comparators: vec![],
            components: vec![],
            origin: "SearchPage",
            code_system: None,
        });
    }
    out.sort_by(|a, b| (&a.base, &a.code).cmp(&(&b.base, &b.code)));
    for w in out.windows(2) {
        if w[0].base == w[1].base && w[0].code == w[1].code {
            return Err(format!("duplicate search parameter {}:{}", w[0].base, w[0].code));
        }
    }
    Ok(out)
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn type_variant(t: &str) -> Result<&'static str, String> {
    Ok(match t {
        "number" => "Number",
        "date" => "Date",
        "string" => "String",
        "token" => "Token",
        "reference" => "Reference",
        "composite" => "Composite",
        "quantity" => "Quantity",
        "uri" => "Uri",
        "special" => "Special",
        other => return Err(format!("unknown search parameter type {other}")),
    })
}

fn prefix_variant(p: &str) -> Result<&'static str, String> {
    Ok(match p {
        "eq" => "Eq",
        "ne" => "Ne",
        "gt" => "Gt",
        "lt" => "Lt",
        "ge" => "Ge",
        "le" => "Le",
        "sa" => "Sa",
        "eb" => "Eb",
        "ap" => "Ap",
        other => return Err(format!("unknown comparator {other}")),
    })
}

fn emit_steps(steps: &[Step]) -> String {
    let items: Vec<String> = steps
        .iter()
        .map(|s| match s {
            Step::Child(n) => format!("Step::Child({})", lit(n)),
            Step::OfType(t) => format!("Step::OfType({})", lit(t)),
            Step::ResolveIs(t) => format!("Step::ResolveIs({})", lit(t)),
            Step::WhereEq(e, v) => format!("Step::WhereEq({}, {})", lit(e), lit(v)),
            Step::First => "Step::First".to_owned(),
        })
        .collect();
    format!("&[{}]", items.join(", "))
}

fn emit_compiled(paths: &Result<Vec<Vec<Step>>, String>) -> String {
    match paths {
        Ok(p) => {
            let items: Vec<String> = p.iter().map(|s| emit_steps(s)).collect();
            format!("Ok(&[{}])", items.join(", "))
        }
        Err(e) => format!("Err({})", lit(e)),
    }
}

fn emit(params: &[Param]) -> Result<String, String> {
    let mut s = String::new();
    s.push_str(
        "// @generated by `cargo xtask codegen` from fhir-definitions/r4/search-parameters.json.\n\
         // Do not edit: change xtask/src/codegen/search.rs and regenerate.\n\n\
         use crate::registry::{Component, Modifier, Origin, ParamType, Prefix, SearchParamDef, Step};\n\n",
    );
    let _ = writeln!(
        s,
        "/// Every search parameter of the modelled resources and of all resources, sorted by \
         (base, code).\npub(crate) static PARAMETERS: &[SearchParamDef] = &["
    );
    for p in params {
        let modifiers: Vec<String> = p.modifiers.iter().map(|m| format!("Modifier::{m}")).collect();
        let comparators = p
            .comparators
            .iter()
            .map(|c| prefix_variant(c).map(|v| format!("Prefix::{v}")))
            .collect::<Result<Vec<_>, _>>()?;
        let targets: Vec<String> = p.targets.iter().map(|t| lit(t)).collect();
        let components = p
            .components
            .iter()
            .map(|c| {
                let paths = emit_compiled(&c.paths);
                type_variant(&c.type_).map(|t| {
                    format!(
                        "Component {{ code: {}, type_: ParamType::{t}, expression: {}, paths: {paths} }}",
                        lit(&c.code),
                        lit(&c.expression)
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let _ = writeln!(
            s,
            "SearchParamDef {{ base: {}, code: {}, type_: ParamType::{}, url: {}, expression: {}, paths: {}, \
             targets: &[{}], modifiers: &[{}], comparators: &[{}], components: &[{}], origin: Origin::{}, code_system: {} }},",
            lit(&p.base),
            lit(&p.code),
            type_variant(&p.type_)?,
            lit(&p.url),
            match &p.expression {
                Some(e) => format!("Some({})", lit(e)),
                None => "None".to_owned(),
            },
            emit_compiled(&p.paths),
            targets.join(", "),
            modifiers.join(", "),
            comparators.join(", "),
            components.join(", "),
            p.origin,
            match &p.code_system {
                Some(c) => format!("Some({})", lit(c)),
                None => "None".to_owned(),
            },
        );
    }
    s.push_str("];\n\n");
    let mut modelled: Vec<&str> = MODELLED_RESOURCES.to_vec();
    modelled.sort_unstable();
    let names: Vec<String> = modelled.iter().map(|m| lit(m)).collect();
    let _ = writeln!(
        s,
        "/// The resource types fhir-model models, sorted.\npub(crate) static MODELLED_RESOURCES: &[&str] = &[{}];",
        names.join(", ")
    );
    Ok(s)
}

/// The generated files of `search-params/src/generated`.
pub fn files(shared: &Path) -> Result<BTreeMap<String, String>, String> {
    let defs = Definitions::load(shared)?;
    let params = load(shared, &defs)?;
    let mut files = BTreeMap::new();
    files.insert(
        "mod.rs".to_owned(),
        "// @generated by `cargo xtask codegen`. Do not edit.\n\n//! The search parameter registry generated \
         from the R4 definitions.\n\npub(crate) mod registry;\n"
            .to_owned(),
    );
    files.insert("registry.rs".to_owned(), emit(&params)?);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_the_forms_the_definitions_use() {
        let c = |e: &str, b: &str| compile_for_base(e, b);
        assert_eq!(
            c("Task.owner", "Task").unwrap(),
            vec![vec![Step::Child("owner".into())]]
        );
        assert_eq!(
            c("Task.for.where(resolve() is Patient)", "Task").unwrap(),
            vec![vec![Step::Child("for".into()), Step::ResolveIs("Patient".into())]]
        );
        assert_eq!(
            c("(Observation.value as CodeableConcept).text", "Observation").unwrap(),
            vec![vec![
                Step::Child("value".into()),
                Step::OfType("CodeableConcept".into()),
                Step::Child("text".into())
            ]]
        );
        assert_eq!(
            c("Patient.telecom.where(system='email') | Person.telecom", "Patient").unwrap(),
            vec![vec![
                Step::Child("telecom".into()),
                Step::WhereEq("system".into(), "email".into())
            ]]
        );
        assert_eq!(
            c("Condition.onset.as(dateTime) | Condition.onset.as(Period)", "Condition").unwrap(),
            vec![
                vec![Step::Child("onset".into()), Step::OfType("dateTime".into())],
                vec![Step::Child("onset".into()), Step::OfType("Period".into())]
            ]
        );
        assert_eq!(
            c("Bundle.entry[0].resource", "Bundle").unwrap(),
            vec![vec![
                Step::Child("entry".into()),
                Step::First,
                Step::Child("resource".into())
            ]]
        );
        assert!(c("Patient.deceased.exists() and Patient.deceased != false", "Patient").is_err());
        assert!(c("Account.owner", "Task").is_err());
    }
}
