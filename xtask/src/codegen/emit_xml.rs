//! Emits the FHIR XML readers and writers of the model (`fhir-model/src/generated/xml/`), from the
//! same [`Model`] the types are emitted from, so that element order, attributes and choice names
//! come from the definitions.
//!
//! R4 XML (https://hl7.org/fhir/R4/xml.html): elements appear in the order of the definitions
//! (the order of the snapshot elements, which is the order of `StructDef::fields`); elements
//! with the `xmlAttr` representation (`Element.id`, `Extension.url`) are attributes; a `[x]`
//! element is named with its type suffix; a resource held by an element is wrapped in an
//! element named after its type.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::emit::HEADER;
use super::model::{
    missing_name, required_check, snake, ChoiceVariant, Field, FieldType, Model, StructDef, StructKind, Variant,
};

const IMPORTS: &str = "#![allow(unused_imports, unused_variables, unused_mut, clippy::large_enum_variant)]\n\nuse crate::coded::Coded;\nuse crate::decimal::Decimal;\nuse crate::formats::StrFormat;\nuse crate::generated::codes::*;\nuse crate::generated::datatypes::*;\nuse crate::generated::resources::*;\nuse crate::json::Fmt;\nuse crate::primitive::Primitive;\nuse crate::resource::Resource;\nuse crate::temporal::{Date, DateTime, Instant, Time};\nuse crate::xml::codec::{self as x, FromXml, RootXml, ToXml, XmlChoice};\nuse crate::xml::{Error, Start, XmlReader, XmlWriter};\n";

/// True for fields written as attributes of the element itself.
fn is_attr(f: &Field) -> bool {
    f.xml_attr && matches!(f.ty, FieldType::Plain { xhtml: false, .. })
}

fn choice_read(enum_name: &str, v: &ChoiceVariant) -> String {
    match &v.kind {
        Variant::Prim(p) => format!("|r, c| Ok({enum_name}::{}(x::primitive(r, c, {})?))", v.name, p.fmt),
        Variant::Complex(t) => format!("|r, c| Ok({enum_name}::{}(Box::new({t}::from_xml(r, c)?)))", v.name),
        Variant::Resource => format!("|r, c| Ok({enum_name}::{}(Resource::from_xml(r, c)?))", v.name),
    }
}

fn emit_read(out: &mut String, s: &StructDef, defaults: &BTreeSet<String>) {
    let _ = writeln!(
        out,
        "impl FromXml for {} {{\n    fn from_xml<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Self, Error> {{",
        s.name
    );
    let attrs: Vec<&Field> = s.fields.iter().filter(|f| is_attr(f)).collect();
    let names: Vec<String> = attrs.iter().map(|f| format!("{:?}", f.name)).collect();
    let vars: Vec<String> = attrs.iter().map(|f| format!("f_{}", f.rust_name)).collect();
    let _ = writeln!(
        out,
        "        let [{}] = x::attributes(r, e, [{}])?;",
        vars.join(", "),
        names.join(", ")
    );
    // Types are left to inference (from the struct built at the end), so that the reader does
    // not depend on which fields the model boxes.
    for f in s.fields.iter().filter(|f| !is_attr(f)) {
        let v = format!("f_{}", f.rust_name);
        let init = match &f.ty {
            FieldType::Choice { .. } => "x::ChoiceSlot::default()",
            _ if f.many => "Vec::new()",
            _ => "None",
        };
        let _ = writeln!(out, "        let mut {v} = {init};");
    }
    out.push_str("        let mut o = x::Order::default();\n        while let Some(c) = r.next_child(e)? {\n            match c.name() {\n");
    let mut index = 0u16;
    for f in s.fields.iter().filter(|f| !is_attr(f)) {
        index += 1;
        let v = format!("f_{}", f.rust_name);
        let n = &f.name;
        match &f.ty {
            FieldType::Plain { .. } => {
                let _ = writeln!(
                    out,
                    "                {n:?} => x::xhtml(r, &c, &mut o, {index}, &mut {v}, {n:?})?,"
                );
            }
            FieldType::Prim(p) => {
                let call = if f.many { "prim_many" } else { "prim" };
                let _ = writeln!(
                    out,
                    "                {n:?} => x::{call}(r, &c, &mut o, {index}, &mut {v}, {n:?}, {})?,",
                    p.fmt
                );
            }
            FieldType::Choice { enum_name, variants } => {
                for cv in variants {
                    let k = &cv.key;
                    let _ = writeln!(
                        out,
                        "                {k:?} => x::choice(r, &c, &mut o, {index}, &mut {v}, {k:?}, {})?,",
                        choice_read(enum_name, cv)
                    );
                }
            }
            _ => {
                let call = if f.many { "many" } else { "single" };
                let _ = writeln!(
                    out,
                    "                {n:?} => x::{call}(r, &c, &mut o, {index}, &mut {v}, {n:?})?,"
                );
            }
        }
    }
    out.push_str("                _ => r.unknown_element(&c)?,\n            }\n        }\n");
    let _ = writeln!(out, "        Ok({} {{", s.name);
    for f in &s.fields {
        let v = format!("f_{}", f.rust_name);
        let missing = missing_name(f);
        let value = match &f.ty {
            FieldType::Choice { .. } => format!("{v}.finish()"),
            _ => v.clone(),
        };
        let value = match required_check(f, defaults) {
            Some(check) => format!("x::{check}(r, {value}, {missing:?}, e)?"),
            None => value,
        };
        let _ = writeln!(out, "            {}: {value},", f.rust_name);
    }
    out.push_str("        })\n    }\n}\n\n");
}

fn emit_write(out: &mut String, s: &StructDef, defaults: &BTreeSet<String>) {
    let _ = writeln!(
        out,
        "impl ToXml for {} {{\n    fn write_xml(&self, w: &mut XmlWriter, name: &'static str) {{\n        w.start(name);",
        s.name
    );
    // Attributes first: they belong to the start tag.
    for f in s.fields.iter().filter(|f| is_attr(f)) {
        let line = if f.min >= 1 {
            format!("x::write_required_attr(w, {:?}, &self.{});", f.name, f.rust_name)
        } else {
            format!("x::write_attr(w, {:?}, &self.{});", f.name, f.rust_name)
        };
        let _ = writeln!(out, "        {line}");
    }
    for f in s.fields.iter().filter(|f| !is_attr(f)) {
        let n = &f.name;
        let x = format!("self.{}", f.rust_name);
        let line = match &f.ty {
            FieldType::Plain { .. } if f.min >= 1 => format!("x::write_xhtml(w, {n:?}, &{x});"),
            FieldType::Plain { .. } => format!("if let Some(v) = &{x} {{ x::write_xhtml(w, {n:?}, v); }}"),
            FieldType::Prim(_) if f.many => format!("x::write_vec_prim(w, {n:?}, &{x});"),
            FieldType::Prim(_) if f.min >= 1 => format!("x::write_prim(w, {n:?}, &{x});"),
            FieldType::Prim(_) => format!("x::write_opt_prim(w, {n:?}, &{x});"),
            FieldType::Choice { .. } if f.min >= 1 => format!("{x}.write_choice(w);"),
            FieldType::Choice { .. } => format!("x::write_choice(w, &{x});"),
            _ if f.many => format!("x::write_vec(w, {n:?}, &{x});"),
            FieldType::Complex { .. } if required_check(f, defaults) == Some("required_or_default") => {
                format!("if {x} != Default::default() {{ {x}.write_xml(w, {n:?}); }}")
            }
            _ if f.min >= 1 => format!("{x}.write_xml(w, {n:?});"),
            _ => format!("x::write_opt(w, {n:?}, &{x});"),
        };
        let _ = writeln!(out, "        {line}");
    }
    out.push_str("        w.end(name);\n    }\n}\n\n");
}

fn emit_choice(out: &mut String, enum_name: &str, variants: &[ChoiceVariant]) {
    let _ = writeln!(
        out,
        "impl XmlChoice for {enum_name} {{\n    fn write_choice(&self, w: &mut XmlWriter) {{\n        match self {{"
    );
    for v in variants {
        let call = match &v.kind {
            Variant::Prim(_) => format!("x::write_prim(w, {:?}, p)", v.key),
            _ => format!("p.write_xml(w, {:?})", v.key),
        };
        let _ = writeln!(out, "            Self::{}(p) => {call},", v.name);
    }
    out.push_str("        }\n    }\n}\n\n");
}

fn emit_root(out: &mut String, s: &StructDef) {
    let _ = writeln!(
        out,
        "impl RootXml for {n} {{\n    fn read_root<'a>(r: &mut XmlReader<'a>, root: &Start<'a>) -> Result<Self, Error> {{\n        x::root_as(r, root, {n:?}, Self::from_xml)\n    }}\n    fn write_root(&self, w: &mut XmlWriter) {{\n        self.write_xml(w, {n:?});\n    }}\n}}\n",
        n = s.name
    );
}

fn emit_group(out: &mut String, group: &[&StructDef], defaults: &BTreeSet<String>) {
    for s in group {
        for f in &s.fields {
            if let FieldType::Choice { enum_name, variants } = &f.ty {
                emit_choice(out, enum_name, variants);
            }
        }
        emit_read(out, s, defaults);
        emit_write(out, s, defaults);
        if s.kind == StructKind::Resource {
            emit_root(out, s);
        }
    }
}

fn emit_resource_enum(model: &Model) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "//! FHIR XML of the `Resource` enum: the element named after the type, wrapped inside another resource.\n\n",
    );
    out.push_str(IMPORTS);
    out.push_str("use crate::generated::resource::static_type_name;\n\n");
    out.push_str("fn read_typed<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Resource, Error> {\n    Ok(match e.name() {\n");
    for r in &model.modelled {
        let _ = writeln!(out, "        {r:?} => Resource::{r}(Box::new({r}::from_xml(r, e)?)),");
    }
    out.push_str("        _ => x::read_unknown(r, e)?,\n    })\n}\n\n");
    out.push_str("impl FromXml for Resource {\n    fn from_xml<'a>(r: &mut XmlReader<'a>, e: &Start<'a>) -> Result<Self, Error> {\n        x::wrapped(r, e, read_typed)\n    }\n}\n\n");
    out.push_str("impl ToXml for Resource {\n    fn write_xml(&self, w: &mut XmlWriter, name: &'static str) {\n        w.start(name);\n        self.write_root(w);\n        w.end(name);\n    }\n}\n\n");
    out.push_str("impl RootXml for Resource {\n    fn read_root<'a>(r: &mut XmlReader<'a>, root: &Start<'a>) -> Result<Self, Error> {\n        r.enter(static_type_name(root.name()).unwrap_or(\"Resource\"));\n        let v = read_typed(r, root)?;\n        r.leave();\n        Ok(v)\n    }\n\n    fn write_root(&self, w: &mut XmlWriter) {\n        match self {\n");
    for r in &model.modelled {
        let _ = writeln!(out, "            Resource::{r}(x) => x.write_xml(w, {r:?}),");
    }
    out.push_str("            Resource::Other(o) => o.write_xml(w, \"Resource\"),\n        }\n    }\n}\n");
    out
}

/// The generated XML files, relative to `fhir-model/src/generated/`: `xml/mod.rs`,
/// `xml/datatypes.rs`, `xml/resource.rs` and one file per modelled resource.
pub fn emit(model: &Model) -> BTreeMap<String, String> {
    let defaults = super::model::defaultable(model);
    let mut files = BTreeMap::new();
    let owner_of = |s: &StructDef| s.path.split('.').next().unwrap_or_default().to_owned();
    let mut groups: BTreeMap<String, Vec<&StructDef>> = BTreeMap::new();
    for s in &model.structs {
        groups.entry(owner_of(s)).or_default().push(s);
    }
    for g in groups.values_mut() {
        g.sort_by_key(|s| s.kind == StructKind::Backbone);
    }

    let mut dt = String::from(HEADER);
    dt.push_str("//! FHIR XML of the complex datatypes.\n\n");
    dt.push_str(IMPORTS);
    dt.push('\n');
    for name in &model.datatype_names {
        if let Some(g) = groups.get(name) {
            emit_group(&mut dt, g, &defaults);
        }
    }
    files.insert("xml/datatypes.rs".to_owned(), dt);

    let mut m = String::from(HEADER);
    m.push_str(
        "//! FHIR XML readers and writers of the model, one module per resource.\n\nmod datatypes;\nmod resource;\n",
    );
    for r in &model.modelled {
        let module = snake(r);
        let mut f = String::from(HEADER);
        let _ = writeln!(f, "//! FHIR XML of the `{r}` resource.\n");
        f.push_str(IMPORTS);
        f.push('\n');
        emit_group(&mut f, &groups[r], &defaults);
        files.insert(format!("xml/{module}.rs"), f);
        let _ = writeln!(m, "mod {module};");
    }
    files.insert("xml/mod.rs".to_owned(), m);
    files.insert("xml/resource.rs".to_owned(), emit_resource_enum(model));
    files
}
