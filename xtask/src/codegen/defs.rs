//! Loading the R4 definitions: StructureDefinitions, ValueSets, CodeSystems.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// All definitions read from `fhir-definitions/r4/`.
pub struct Definitions {
    /// StructureDefinitions by type name (`Task`, `Quantity`, `string`).
    pub structures: BTreeMap<String, Value>,
    /// ValueSets by canonical URL (no version).
    pub value_sets: BTreeMap<String, Value>,
    /// CodeSystems by canonical URL.
    pub code_systems: BTreeMap<String, Value>,
}

fn read_dir_json(dir: &Path) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for p in entries {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    Ok(out)
}

impl Definitions {
    /// Reads `<shared>/fhir-definitions/r4`.
    pub fn load(shared: &Path) -> Result<Self, String> {
        let root = shared.join("fhir-definitions/r4");
        let mut structures = BTreeMap::new();
        for sd in read_dir_json(&root.join("structuredefinitions"))? {
            let id = sd["id"].as_str().unwrap_or_default().to_owned();
            structures.insert(id, sd);
        }
        let mut value_sets = BTreeMap::new();
        for vs in read_dir_json(&root.join("valuesets"))? {
            if let Some(url) = vs["url"].as_str() {
                value_sets.insert(url.to_owned(), vs);
            }
        }
        let mut code_systems = BTreeMap::new();
        for cs in read_dir_json(&root.join("codesystems"))? {
            if let Some(url) = cs["url"].as_str() {
                code_systems.insert(url.to_owned(), cs);
            }
        }
        Ok(Definitions {
            structures,
            value_sets,
            code_systems,
        })
    }

    /// Names of all concrete R4 resource types, sorted.
    pub fn resource_type_names(&self) -> Vec<String> {
        self.structures
            .values()
            .filter(|sd| sd["kind"] == "resource" && sd["abstract"] == false)
            .filter_map(|sd| sd["type"].as_str().map(str::to_owned))
            .collect()
    }
}

/// One code of an enumerated value set.
#[derive(Clone, Debug)]
pub struct Concept {
    pub system: String,
    pub code: String,
    pub display: String,
    pub definition: String,
}

fn flatten(concepts: &Value, system: &str, out: &mut Vec<Concept>) {
    for c in concepts.as_array().into_iter().flatten() {
        out.push(Concept {
            system: system.to_owned(),
            code: c["code"].as_str().unwrap_or_default().to_owned(),
            display: c["display"].as_str().unwrap_or_default().to_owned(),
            definition: c["definition"].as_str().unwrap_or_default().to_owned(),
        });
        flatten(&c["concept"], system, out);
    }
}

impl Definitions {
    /// Every code of a value set, when it can be enumerated from the definitions alone
    /// (includes of whole complete code systems, explicit concept lists, or other such value
    /// sets; no filters, no excludes, no duplicate codes).
    pub fn expand(&self, url: &str) -> Option<Vec<Concept>> {
        let url = url.split('|').next().unwrap_or(url);
        let vs = self.value_sets.get(url)?;
        let compose = vs.get("compose")?;
        if compose.get("exclude").is_some() {
            return None;
        }
        let mut out: Vec<Concept> = Vec::new();
        for inc in compose["include"].as_array()? {
            if inc.get("filter").is_some() {
                return None;
            }
            if let Some(sets) = inc["valueSet"].as_array() {
                for s in sets {
                    out.extend(self.expand(s.as_str()?)?);
                }
                continue;
            }
            let system = inc["system"].as_str()?;
            if let Some(concepts) = inc["concept"].as_array() {
                let cs = self.code_systems.get(system);
                for c in concepts {
                    let code = c["code"].as_str()?.to_owned();
                    let mut found = None;
                    if let Some(cs) = cs {
                        let mut all = Vec::new();
                        flatten(&cs["concept"], system, &mut all);
                        found = all.into_iter().find(|x| x.code == code);
                    }
                    out.push(Concept {
                        system: system.to_owned(),
                        display: c["display"]
                            .as_str()
                            .map(str::to_owned)
                            .or_else(|| found.as_ref().map(|f| f.display.clone()))
                            .unwrap_or_default(),
                        definition: found.map(|f| f.definition).unwrap_or_default(),
                        code,
                    });
                }
                continue;
            }
            let cs = self.code_systems.get(system)?;
            if cs["content"] != "complete" {
                return None;
            }
            flatten(&cs["concept"], system, &mut out);
        }
        let mut seen = std::collections::BTreeSet::new();
        if out.is_empty() || !out.iter().all(|c| seen.insert(c.code.clone())) {
            return None;
        }
        Some(out)
    }
}
