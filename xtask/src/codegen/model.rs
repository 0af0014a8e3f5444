//! From StructureDefinition snapshots to the type model that `emit` turns into Rust.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::defs::{Concept, Definitions};

/// The resources the crate models (issue: foundation). Everything else is kept losslessly as
/// `Resource::Other`.
pub const MODELLED_RESOURCES: &[&str] = &[
    "Task",
    "ServiceRequest",
    "CommunicationRequest",
    "Communication",
    "Bundle",
    "Parameters",
    "OperationOutcome",
    "Subscription",
    "Condition",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Group",
    "Coverage",
    "Claim",
    "ExplanationOfBenefit",
    "DocumentReference",
    "Binary",
    "Questionnaire",
    "QuestionnaireResponse",
    "Consent",
    "Provenance",
    "CapabilityStatement",
    "Endpoint",
    "Basic",
    "Observation",
    "Procedure",
    "Goal",
    "Location",
    "HealthcareService",
    "Encounter",
    "Device",
    "RelatedPerson",
];

/// What kind of Rust type a struct is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StructKind {
    Datatype,
    Resource,
    Backbone,
}

/// A primitive's Rust value type and its lexical rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimInfo {
    /// FHIR type code (`string`, `code`, ...).
    pub fhir: String,
    /// Rust value type inside `Primitive<..>`.
    pub rust: String,
    /// `Fmt` expression.
    pub fmt: String,
}

#[derive(Clone, Debug)]
pub enum Variant {
    Prim(PrimInfo),
    Complex(String),
    Resource,
}

#[derive(Clone, Debug)]
pub struct ChoiceVariant {
    /// Enum variant name (`Boolean`, `Reference`).
    pub name: String,
    /// JSON/XML element name (`valueBoolean`).
    pub key: String,
    pub kind: Variant,
}

#[derive(Clone, Debug)]
pub enum FieldType {
    /// A plain string attribute (`Element.id`, `Extension.url`) or `xhtml` (`Narrative.div`).
    Plain {
        xhtml: bool,
    },
    Prim(PrimInfo),
    Complex {
        name: String,
        boxed: bool,
    },
    Resource,
    Choice {
        enum_name: String,
        variants: Vec<ChoiceVariant>,
    },
}

#[derive(Clone, Debug)]
pub struct Field {
    /// Element name (`status`, or `value` for `value[x]`).
    pub name: String,
    pub rust_name: String,
    pub path: String,
    pub short: String,
    pub min: u32,
    pub many: bool,
    pub ty: FieldType,
    /// Value set of a required binding (for docs).
    pub binding: Option<String>,
    /// `representation` xmlAttr.
    pub xml_attr: bool,
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub path: String,
    pub kind: StructKind,
    pub short: String,
    pub definition: String,
    pub fields: Vec<Field>,
    /// True for a datatype and the elements nested in it (their FHIR type is `Element`).
    pub datatype_owner: bool,
}

/// A generated enum for a required value set.
#[derive(Clone, Debug)]
pub struct CodeEnumDef {
    pub name: String,
    pub url: String,
    pub title: String,
    pub description: String,
    pub concepts: Vec<(String, Concept)>,
}

pub struct Model {
    pub structs: Vec<StructDef>,
    /// Quantity specialisations generated as aliases (`Age` = `Quantity`).
    pub aliases: Vec<(String, String, String)>,
    pub enums: BTreeMap<String, CodeEnumDef>,
    pub resource_types: Vec<String>,
    pub modelled: Vec<String>,
    pub datatype_names: BTreeSet<String>,
}

pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
                up = false;
            } else {
                out.push(c);
            }
        } else {
            up = true;
        }
    }
    out
}

pub fn snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl",
        "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct",
        "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract",
        "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    ];
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

pub fn prim_info(code: &str) -> Option<PrimInfo> {
    let (rust, fmt) = match code {
        "boolean" => ("bool", "Fmt::Fixed"),
        "integer" => ("i32", "Fmt::Integer"),
        "positiveInt" => ("u32", "Fmt::PositiveInt"),
        "unsignedInt" => ("u32", "Fmt::UnsignedInt"),
        "decimal" => ("Decimal", "Fmt::Fixed"),
        "date" => ("Date", "Fmt::Fixed"),
        "dateTime" => ("DateTime", "Fmt::Fixed"),
        "instant" => ("Instant", "Fmt::Fixed"),
        "time" => ("Time", "Fmt::Fixed"),
        "string" => ("String", "Fmt::Str(StrFormat::String)"),
        "markdown" => ("String", "Fmt::Str(StrFormat::Markdown)"),
        "code" => ("String", "Fmt::Str(StrFormat::Code)"),
        "id" => ("String", "Fmt::Str(StrFormat::Id)"),
        "uri" => ("String", "Fmt::Str(StrFormat::Uri)"),
        "url" => ("String", "Fmt::Str(StrFormat::Url)"),
        "canonical" => ("String", "Fmt::Str(StrFormat::Canonical)"),
        "oid" => ("String", "Fmt::Str(StrFormat::Oid)"),
        "uuid" => ("String", "Fmt::Str(StrFormat::Uuid)"),
        "base64Binary" => ("String", "Fmt::Str(StrFormat::Base64Binary)"),
        _ => return None,
    };
    Some(PrimInfo {
        fhir: code.to_owned(),
        rust: rust.to_owned(),
        fmt: fmt.to_owned(),
    })
}

fn fhir_type_ext(t: &Value) -> Option<&str> {
    t["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"] == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type")
        .and_then(|e| e["valueUrl"].as_str())
}

struct Builder<'a> {
    defs: &'a Definitions,
    structs: Vec<StructDef>,
    enums: BTreeMap<String, CodeEnumDef>,
    /// value set url -> enum name
    enum_by_url: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    reserved: BTreeSet<String>,
    current_is_datatype: bool,
}

impl Builder<'_> {
    fn code_enum(&mut self, url: &str) -> Option<String> {
        let url = url.split('|').next().unwrap_or(url).to_owned();
        if let Some(name) = self.enum_by_url.get(&url) {
            return Some(name.clone());
        }
        let concepts = self.defs.expand(&url)?;
        let vs = &self.defs.value_sets[&url];
        let mut name = pascal(vs["name"].as_str().unwrap_or("Codes"));
        if self.reserved.contains(&name) || self.enums.contains_key(&name) {
            name.push_str("Code");
        }
        let mut used = BTreeSet::new();
        let mut variants = Vec::new();
        for c in concepts {
            let mut v = variant_name(&c);
            while !used.insert(v.clone()) {
                v.push('_');
                v.push('2');
                v = v.replace("_2_2", "_3");
            }
            variants.push((v, c));
        }
        self.enums.insert(
            name.clone(),
            CodeEnumDef {
                name: name.clone(),
                url: url.clone(),
                title: vs["title"]
                    .as_str()
                    .or(vs["name"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                description: vs["description"].as_str().unwrap_or_default().to_owned(),
                concepts: variants,
            },
        );
        self.enum_by_url.insert(url, name.clone());
        Some(name)
    }

    fn build_type(&mut self, sd: &Value, kind: StructKind) -> Result<(), String> {
        let elements = sd["snapshot"]["element"].as_array().ok_or("no snapshot")?;
        let root = elements[0]["path"].as_str().ok_or("no root path")?.to_owned();
        let mut children: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        for e in &elements[1..] {
            let path = e["path"].as_str().ok_or("element without path")?;
            let parent = path.rsplit_once('.').map(|(p, _)| p.to_owned()).ok_or("bad path")?;
            children.entry(parent).or_default().push(e);
        }
        let type_name = pascal(&root);
        self.current_is_datatype = kind == StructKind::Datatype;
        self.build_struct(&root, &type_name, kind, &elements[0], &children)
    }

    fn struct_name_for(&self, path: &str) -> String {
        pascal(&path.replace('.', " "))
    }

    fn build_struct(
        &mut self,
        path: &str,
        name: &str,
        kind: StructKind,
        root_el: &Value,
        children: &BTreeMap<String, Vec<&Value>>,
    ) -> Result<(), String> {
        let mut fields = Vec::new();
        for e in children.get(path).into_iter().flatten() {
            let epath = e["path"].as_str().unwrap_or_default();
            let last = epath.rsplit('.').next().unwrap_or_default();
            if e["max"] == "0" {
                continue;
            }
            let choice = last.ends_with("[x]");
            let fname = last.trim_end_matches("[x]").to_owned();
            let many = e["max"] != "1";
            let min = e["min"].as_u64().unwrap_or(0) as u32;
            let xml_attr = e["representation"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == "xmlAttr"));
            let types: Vec<&Value> = e["type"].as_array().map(|t| t.iter().collect()).unwrap_or_default();
            let binding = (e["binding"]["strength"] == "required")
                .then(|| e["binding"]["valueSet"].as_str().map(str::to_owned))
                .flatten();
            let ty = if let Some(cref) = e["contentReference"].as_str() {
                let target = cref.trim_start_matches('#');
                FieldType::Complex {
                    name: self.struct_name_for(target),
                    boxed: false,
                }
            } else if choice {
                let enum_name = format!("{name}{}", pascal(&fname));
                let mut variants = Vec::new();
                for t in &types {
                    let code = t["code"].as_str().unwrap_or_default();
                    let vname = pascal(code);
                    let key = format!("{fname}{vname}");
                    let kind = if let Some(p) = prim_info(code) {
                        Variant::Prim(p)
                    } else if code == "Resource" {
                        Variant::Resource
                    } else {
                        Variant::Complex(self.aliases.get(code).cloned().unwrap_or_else(|| code.to_owned()))
                    };
                    variants.push(ChoiceVariant { name: vname, key, kind });
                }
                FieldType::Choice { enum_name, variants }
            } else {
                let t = types.first().ok_or_else(|| format!("{epath}: no type"))?;
                let code = t["code"].as_str().unwrap_or_default();
                let has_children = children.contains_key(epath);
                if code.starts_with("http://hl7.org/fhirpath/System.String") {
                    let ft = fhir_type_ext(t).unwrap_or("string");
                    if xml_attr {
                        FieldType::Plain { xhtml: false }
                    } else if let Some(p) = prim_info(if ft == "string" && fname == "id" { "id" } else { ft }) {
                        FieldType::Prim(p)
                    } else {
                        return Err(format!("{epath}: unhandled System.String type {ft}"));
                    }
                } else if code == "xhtml" {
                    FieldType::Plain { xhtml: true }
                } else if let Some(mut p) = prim_info(code) {
                    if code == "code" {
                        if let Some(vs) = &binding {
                            if let Some(en) = self.code_enum(vs) {
                                p.rust = format!("Coded<{en}>");
                                p.fmt = "Fmt::Fixed".into();
                            }
                        }
                    }
                    FieldType::Prim(p)
                } else if code == "Resource" {
                    FieldType::Resource
                } else if (code == "BackboneElement" || code == "Element") && has_children {
                    let sub = self.struct_name_for(epath);
                    self.build_struct(epath, &sub, StructKind::Backbone, e, children)?;
                    FieldType::Complex {
                        name: sub,
                        boxed: false,
                    }
                } else {
                    FieldType::Complex {
                        name: self.aliases.get(code).cloned().unwrap_or_else(|| code.to_owned()),
                        boxed: false,
                    }
                }
            };
            fields.push(Field {
                rust_name: snake(&fname),
                name: fname,
                path: epath.to_owned(),
                short: e["short"].as_str().unwrap_or_default().to_owned(),
                min,
                many,
                ty,
                binding,
                xml_attr,
            });
        }
        self.structs.push(StructDef {
            name: name.to_owned(),
            path: path.to_owned(),
            kind,
            short: root_el["short"].as_str().unwrap_or_default().to_owned(),
            definition: root_el["definition"].as_str().unwrap_or_default().to_owned(),
            fields,
            datatype_owner: self.current_is_datatype,
        });
        Ok(())
    }
}

fn variant_name(c: &Concept) -> String {
    let code = &c.code;
    let symbols = [
        ("<=", "LessOrEqual"),
        (">=", "GreaterOrEqual"),
        ("<", "LessThan"),
        (">", "GreaterThan"),
        ("=", "Equal"),
        ("!=", "NotEqual"),
    ];
    if let Some((_, n)) = symbols.iter().find(|(s, _)| s == code) {
        return (*n).to_owned();
    }
    let name = if code.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("V{}", code.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
    } else {
        pascal(code)
    };
    let name = if name.is_empty() { pascal(&c.display) } else { name };
    if name == "Self" {
        "SelfValue".into()
    } else {
        name
    }
}

/// Builds the model from the definitions.
pub fn build(defs: &Definitions) -> Result<Model, String> {
    let mut b = Builder {
        defs,
        structs: Vec::new(),
        enums: BTreeMap::new(),
        enum_by_url: BTreeMap::new(),
        aliases: BTreeMap::new(),
        reserved: BTreeSet::new(),
        current_is_datatype: false,
    };
    // Complex datatypes: every non-abstract complex type. Age, Count, Distance, Duration are
    // specialisations of Quantity with Quantity's elements; they become aliases.
    let mut datatypes = Vec::new();
    for (id, sd) in &defs.structures {
        if sd["kind"] == "complex-type" && sd["abstract"] == false {
            let base = sd["baseDefinition"].as_str().unwrap_or_default();
            if base.ends_with("/Quantity") {
                b.aliases.insert(id.clone(), id.clone());
            } else {
                datatypes.push(id.clone());
            }
        }
    }
    for r in MODELLED_RESOURCES {
        if !defs.structures.contains_key(*r) {
            return Err(format!("no StructureDefinition for resource {r}"));
        }
    }
    b.reserved.extend(datatypes.iter().cloned());
    b.reserved.extend(MODELLED_RESOURCES.iter().map(|s| s.to_string()));
    b.reserved.insert("Resource".into());
    for d in &datatypes {
        b.build_type(&defs.structures[d], StructKind::Datatype)
            .map_err(|e| format!("{d}: {e}"))?;
    }
    for r in MODELLED_RESOURCES {
        b.build_type(&defs.structures[*r], StructKind::Resource)
            .map_err(|e| format!("{r}: {e}"))?;
    }
    let mut structs = b.structs;
    mark_boxes(&mut structs);
    let aliases = b
        .aliases
        .keys()
        .map(|a| {
            let sd = &defs.structures[a];
            (
                a.clone(),
                "Quantity".to_owned(),
                sd["description"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    Ok(Model {
        structs,
        aliases,
        enums: b.enums,
        resource_types: defs.resource_type_names(),
        modelled: MODELLED_RESOURCES.iter().map(|s| s.to_string()).collect(),
        datatype_names: datatypes.into_iter().collect(),
    })
}

/// Boxes single-valued fields that would make a type contain itself (e.g. `Identifier.assigner`
/// → `Reference.identifier` → `Identifier`).
fn mark_boxes(structs: &mut [StructDef]) {
    let index: BTreeMap<String, usize> = structs.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
    let edges = |structs: &[StructDef], i: usize| -> Vec<usize> {
        structs[i]
            .fields
            .iter()
            .filter(|f| !f.many)
            .filter_map(|f| match &f.ty {
                FieldType::Complex { name, boxed: false } => index.get(name).copied(),
                _ => None,
            })
            .collect()
    };
    // Cycles are broken inside the most used types first (those most often embedded by other
    // types, such as Reference): boxing their back-edges keeps them small, and with them every
    // type that embeds them (an unboxed Identifier inside every Reference made each one ~900 bytes).
    let mut fan_in = vec![0usize; structs.len()];
    for s in structs.iter() {
        for f in &s.fields {
            if let FieldType::Complex { name, .. } = &f.ty {
                if let Some(&t) = index.get(name) {
                    fan_in[t] += 1;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..structs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(fan_in[i]));
    for i in order {
        for fi in 0..structs[i].fields.len() {
            let target = match &structs[i].fields[fi].ty {
                FieldType::Complex { name, .. } if !structs[i].fields[fi].many => index.get(name).copied(),
                _ => None,
            };
            let Some(t) = target else { continue };
            // Does t reach i through unboxed single fields?
            let mut stack = vec![t];
            let mut seen = BTreeSet::new();
            let mut cyclic = false;
            while let Some(n) = stack.pop() {
                if n == i {
                    cyclic = true;
                    break;
                }
                if seen.insert(n) {
                    stack.extend(edges(structs, n));
                }
            }
            if cyclic {
                if let FieldType::Complex { boxed, .. } = &mut structs[i].fields[fi].ty {
                    *boxed = true;
                }
            }
        }
    }
}

/// Which structs can derive `Default` (no required choice or resource, transitively), so that
/// a lenient read can leave a missing required element empty.
pub fn defaultable(model: &Model) -> BTreeSet<String> {
    let mut ok: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = ok.len();
        for s in &model.structs {
            if ok.contains(&s.name) {
                continue;
            }
            let all = s.fields.iter().all(|f| {
                f.many
                    || f.min == 0
                    || match &f.ty {
                        FieldType::Plain { .. } | FieldType::Prim(_) => true,
                        FieldType::Complex { name, .. } => {
                            ok.contains(name)
                                || model.aliases.iter().any(|(a, _, _)| a == name) && ok.contains("Quantity")
                        }
                        FieldType::Resource | FieldType::Choice { .. } => false,
                    }
            });
            if all {
                ok.insert(s.name.clone());
            }
        }
        if ok.len() == before {
            return ok;
        }
    }
}

/// How a reader checks a required element once the object is read (the runtime helper of the
/// same name in `json::fields` / `xml::codec`), or `None` for an optional element.
pub fn required_check(f: &Field, defaults: &BTreeSet<String>) -> Option<&'static str> {
    let defaultable = match &f.ty {
        FieldType::Plain { .. } | FieldType::Prim(_) => true,
        FieldType::Complex { name, .. } => defaults.contains(name),
        FieldType::Resource | FieldType::Choice { .. } => false,
    };
    match (f.min >= 1, f.many) {
        (false, _) => None,
        (true, true) => Some("required_vec"),
        // A lenient read leaves a missing element empty when its type can be.
        (true, false) if defaultable => Some("required_or_default"),
        (true, false) => Some("required"),
    }
}

/// The name a missing required element is reported by (`value[x]` for a choice).
pub fn missing_name(f: &Field) -> String {
    if matches!(f.ty, FieldType::Choice { .. }) {
        format!("{}[x]", f.name)
    } else {
        f.name.clone()
    }
}
