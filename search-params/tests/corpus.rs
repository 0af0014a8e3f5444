//! Every compiled parameter path over the official R4 examples: `:missing=true` and
//! `:missing=false` always disagree (or both are unsupported), `_id` finds each example, and no
//! evaluation panics. Skipped when the shared data is absent.

use std::path::PathBuf;

use fhir_model::Resource;
use search_params::{registry, Outcome, ParamType, Query, Test};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("FHIR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
        .join("corpus/r4");
    dir.is_dir().then_some(dir)
}

#[test]
fn every_parameter_path_over_the_official_examples() {
    let Some(dir) = corpus() else {
        eprintln!("shared corpus not found (set FHIR_SHARED): skipped");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut resources, mut evaluated, mut with_value) = (0, 0, 0);
    let mut seen_with_value = std::collections::BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(resource) = fhir_model::json::from_str::<Resource>(&text) else {
            continue;
        };
        let rt = resource.resource_type().to_owned();
        if !registry::is_known_resource(&rt) {
            continue;
        }
        resources += 1;
        if let Some(id) = resource.id() {
            let q = Query::parse(&format!("{rt}?_id={id}")).unwrap().compile();
            assert_eq!(q.matches(&resource), Outcome::Match, "{}", path.display());
            let q = Query::parse(&format!("{rt}?_id={id}x")).unwrap().compile();
            assert_eq!(q.matches(&resource), Outcome::NoMatch, "{}", path.display());
        }
        for def in registry::parameters_of(&rt) {
            if matches!(def.type_, ParamType::Composite | ParamType::Special) || def.paths.is_err() {
                continue;
            }
            if !def.allows(search_params::Modifier::Missing) {
                continue;
            }
            let missing = |b| {
                Query::new(&rt)
                    .unwrap()
                    .and(def.code, Test::Missing(b))
                    .unwrap()
                    .compile()
                    .matches(&resource)
            };
            let (yes, no) = (missing(true), missing(false));
            evaluated += 1;
            match (&yes, &no) {
                (Outcome::Match, Outcome::NoMatch) => {}
                (Outcome::NoMatch, Outcome::Match) => {
                    with_value += 1;
                    seen_with_value.insert((def.base, def.code));
                }
                (Outcome::Unsupported(_), Outcome::Unsupported(_)) => {}
                _ => panic!("{}: {}:missing gave {yes:?} / {no:?}", path.display(), def.code),
            }
        }
    }
    let never: Vec<String> = registry::all()
        .iter()
        .filter(|d| d.paths.is_ok() && d.base != "Resource" && d.base != "DomainResource")
        .filter(|d| !matches!(d.type_, ParamType::Composite | ParamType::Special))
        .filter(|d| !seen_with_value.contains(&(d.base, d.code)))
        .map(|d| format!("{}:{}", d.base, d.code))
        .collect();
    eprintln!("parameters without a value in any example: {}", never.join(" "));
    eprintln!("{resources} examples, {evaluated} parameter evaluations, {with_value} with a value");
    assert!(resources > 100 && with_value > 500, "{resources} {with_value}");
}
