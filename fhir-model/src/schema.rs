//! JSON Schema (draft-07, with [schemars]' schema types) of FHIR JSON as this crate reads and
//! writes it, built from the generated [`meta`](crate::meta) tables: primitives with their
//! patterns and `_name` sidecars, `[x]` elements under each suffixed key, repeating elements as
//! non-empty arrays, required bindings as enums, and `resourceType` fixed per resource.
//!
//! ```
//! let root = fhir_model::schema::definitions();
//! let task = &root.definitions["Task"];
//! let text = serde_json::to_string(task).unwrap();
//! assert!(text.contains("\"_status\""));
//! ```

use schemars::schema::{
    ArrayValidation, InstanceType, Metadata, ObjectValidation, RootSchema, Schema, SchemaObject, SingleOrVec,
    StringValidation, SubschemaValidation,
};

use crate::formats::StrFormat;
use crate::meta::{ElementMeta, ElementType, Target, TypeKind, TypeMeta, TYPES};

fn reference(name: &str) -> Schema {
    Schema::Object(SchemaObject {
        reference: Some(format!("#/definitions/{name}")),
        ..Default::default()
    })
}

fn typed(t: InstanceType) -> SchemaObject {
    SchemaObject {
        instance_type: Some(SingleOrVec::Single(Box::new(t))),
        ..Default::default()
    }
}

fn string_with(pattern: Option<&str>) -> Schema {
    let mut s = typed(InstanceType::String);
    s.string = Some(Box::new(StringValidation {
        min_length: Some(1),
        pattern: pattern.map(|p| format!("^({p})$")),
        ..Default::default()
    }));
    Schema::Object(s)
}

/// The JSON value of a primitive of FHIR type `code` (`string`, `dateTime`, ...).
fn primitive(code: &str, codes: Option<&'static [&'static str]>) -> Schema {
    if let Some(codes) = codes {
        let mut s = typed(InstanceType::String);
        s.enum_values = Some(
            codes
                .iter()
                .map(|c| serde_json::Value::String((*c).to_owned()))
                .collect(),
        );
        return Schema::Object(s);
    }
    let format = match code {
        "boolean" => return Schema::Object(typed(InstanceType::Boolean)),
        "integer" | "positiveInt" | "unsignedInt" => {
            let mut s = typed(InstanceType::Integer);
            let min = match code {
                "positiveInt" => 1.0,
                "unsignedInt" => 0.0,
                _ => -2_147_483_648.0,
            };
            s.number = Some(Box::new(schemars::schema::NumberValidation {
                minimum: Some(min),
                maximum: Some(2_147_483_647.0),
                ..Default::default()
            }));
            return Schema::Object(s);
        }
        "decimal" => return Schema::Object(typed(InstanceType::Number)),
        "date" => {
            return string_with(Some(
                r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?",
            ))
        }
        "dateTime" => {
            return string_with(Some(
                r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?",
            ))
        }
        "instant" => {
            return string_with(Some(
                r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
            ))
        }
        "time" => return string_with(Some(r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?")),
        "code" => StrFormat::Code,
        "id" => StrFormat::Id,
        "uri" => StrFormat::Uri,
        "url" => StrFormat::Url,
        "canonical" => StrFormat::Canonical,
        "oid" => StrFormat::Oid,
        "uuid" => StrFormat::Uuid,
        "base64Binary" => StrFormat::Base64Binary,
        "markdown" => StrFormat::Markdown,
        _ => StrFormat::String,
    };
    string_with(Some(format.pattern()))
}

fn array_of(item: Schema, nullable: bool) -> Schema {
    let item = if nullable {
        Schema::Object(SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![item, Schema::Object(typed(InstanceType::Null))]),
                ..Default::default()
            })),
            ..Default::default()
        })
    } else {
        item
    };
    let mut s = typed(InstanceType::Array);
    s.array = Some(Box::new(ArrayValidation {
        items: Some(SingleOrVec::Single(Box::new(item))),
        min_items: Some(1),
        ..Default::default()
    }));
    Schema::Object(s)
}

fn json_key(e: &ElementMeta, t: &ElementType) -> String {
    if !e.choice {
        return e.name.to_owned();
    }
    let mut chars = t.code.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
    format!("{}{}", e.name, first.chain(chars).collect::<String>())
}

fn type_schema(t: &TypeMeta) -> Schema {
    let mut props = schemars::Map::new();
    let mut required = std::collections::BTreeSet::new();
    if t.kind == TypeKind::Resource {
        let mut rt = typed(InstanceType::String);
        rt.const_value = Some(serde_json::Value::String(t.name.to_owned()));
        props.insert("resourceType".to_owned(), Schema::Object(rt));
        required.insert("resourceType".to_owned());
    }
    for e in t.elements {
        for ty in e.types {
            let key = json_key(e, ty);
            let value = match ty.target {
                Target::Primitive => primitive(ty.code, e.codes),
                Target::Attribute => string_with(None),
                Target::Struct(name) => reference(name),
                Target::Resource => reference("Resource"),
            };
            let many = e.many;
            if ty.target == Target::Primitive {
                props.insert(
                    format!("_{key}"),
                    if many {
                        array_of(reference("Element"), true)
                    } else {
                        reference("Element")
                    },
                );
                props.insert(key.clone(), if many { array_of(value, true) } else { value });
            } else {
                props.insert(key.clone(), if many { array_of(value, false) } else { value });
                if e.min >= 1 && !e.choice {
                    required.insert(key);
                }
            }
        }
    }
    let mut s = typed(InstanceType::Object);
    s.metadata = Some(Box::new(Metadata {
        title: Some(t.path.to_owned()),
        ..Default::default()
    }));
    s.object = Some(Box::new(ObjectValidation {
        properties: props,
        required,
        min_properties: Some(1),
        additional_properties: Some(Box::new(Schema::Bool(false))),
        ..Default::default()
    }));
    Schema::Object(s)
}

/// Every modelled type as a definition, plus `Element` (the `_name` sidecar of primitives) and
/// `Resource` (any resource: an object with a `resourceType`).
pub fn definitions() -> RootSchema {
    let mut root = RootSchema {
        meta_schema: Some("http://json-schema.org/draft-07/schema#".to_owned()),
        ..Default::default()
    };
    for t in TYPES {
        root.definitions.insert(t.name.to_owned(), type_schema(t));
    }
    let mut element = typed(InstanceType::Object);
    let mut props = schemars::Map::new();
    props.insert("id".to_owned(), string_with(None));
    props.insert("extension".to_owned(), array_of(reference("Extension"), false));
    element.object = Some(Box::new(ObjectValidation {
        properties: props,
        min_properties: Some(1),
        additional_properties: Some(Box::new(Schema::Bool(false))),
        ..Default::default()
    }));
    root.definitions.insert("Element".to_owned(), Schema::Object(element));
    let mut any = typed(InstanceType::Object);
    any.object = Some(Box::new(ObjectValidation {
        required: ["resourceType".to_owned()].into_iter().collect(),
        ..Default::default()
    }));
    root.definitions.insert("Resource".to_owned(), Schema::Object(any));
    root
}

/// The schema of one resource type, referring to the shared definitions in `definitions_file`
/// (a relative URL such as `fhir-r4.schema.json`).
pub fn resource_schema(resource_type: &str, definitions_file: &str) -> Option<RootSchema> {
    let t = crate::meta::type_meta(resource_type).filter(|t| t.kind == TypeKind::Resource)?;
    let mut root = RootSchema {
        meta_schema: Some("http://json-schema.org/draft-07/schema#".to_owned()),
        ..Default::default()
    };
    root.schema.metadata = Some(Box::new(Metadata {
        title: Some(format!("FHIR R4 {} (JSON)", t.name)),
        ..Default::default()
    }));
    root.schema.reference = Some(format!("{definitions_file}#/definitions/{}", t.name));
    Some(root)
}
