//! `cargo xtask bench json`: fhir-model JSON against `serde_json::Value` and against the
//! syntax-only floor (`serde_json` into `IgnoredAny`), on the generated corpus and on the
//! official one, in one run.

use std::time::Duration;

use fhir_model::json::{self, Options};
use fhir_model::Resource;
use serde::de::IgnoredAny;

use super::{best_of, mb_per_s};
use crate::gen_corpus;

struct Timing {
    bytes: usize,
    model_parse: Duration,
    value_parse: Duration,
    floor_parse: Duration,
    model_write: Duration,
    value_write: Duration,
}

fn measure(docs: &[Vec<u8>]) -> Result<Timing, String> {
    let bytes = docs.iter().map(Vec::len).sum();
    // Lenient so that the one official example breaking a cardinality rule is read too.
    let parse_all = || -> Result<Vec<Resource>, String> {
        docs.iter()
            .map(|d| {
                json::from_slice_with::<Resource>(d, Options::lenient())
                    .map(|p| p.value)
                    .map_err(|e| e.to_string())
            })
            .collect()
    };
    let models = parse_all()?;
    let values: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| serde_json::from_slice(d).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let min = Duration::from_secs(2);
    let model_parse = best_of(min, || parse_all().map(|v| v.len()));
    let value_parse = best_of(min, || {
        docs.iter()
            .filter(|d| serde_json::from_slice::<serde_json::Value>(d).is_ok())
            .count()
    });
    let floor_parse = best_of(min, || {
        docs.iter()
            .filter(|d| serde_json::from_slice::<IgnoredAny>(d).is_ok())
            .count()
    });
    let model_write = best_of(min, || models.iter().map(|m| json::to_string(m).len()).sum::<usize>());
    let value_write = best_of(min, || {
        values
            .iter()
            .map(|v| serde_json::to_string(v).map_or(0, |s| s.len()))
            .sum::<usize>()
    });
    Ok(Timing {
        bytes,
        model_parse,
        value_parse,
        floor_parse,
        model_write,
        value_write,
    })
}

fn report(name: &str, t: &Timing) {
    println!(
        "{name}: {:.1} MB; parse MB/s model={:.0} value={:.0} floor={:.0}; serialize MB/s model={:.0} value={:.0}",
        t.bytes as f64 / 1e6,
        mb_per_s(t.bytes, t.model_parse),
        mb_per_s(t.bytes, t.value_parse),
        mb_per_s(t.bytes, t.floor_parse),
        mb_per_s(t.bytes, t.model_write),
        mb_per_s(t.bytes, t.value_write),
    );
}

/// Runs the benchmark.
pub fn run() -> Result<(), String> {
    let generated: Vec<Vec<u8>> = gen_corpus::json_corpus(10_000, 1)
        .into_iter()
        .map(|(_, t)| t.into_bytes())
        .collect();
    let mut sets = vec![("generated 10,000 tasks", measure(&generated)?)];
    if let Some(docs) = super::official_corpus("json")? {
        sets.push(("official R4 examples", measure(&docs)?));
    }
    for (name, t) in &sets {
        report(name, t);
    }
    // Ratios of throughput over everything measured (total bytes / total time).
    let sum = |f: fn(&Timing) -> Duration| sets.iter().map(|(_, t)| f(t)).sum::<Duration>().as_secs_f64();
    let model_parse = sum(|t| t.model_parse);
    println!(
        "json: parse_vs_value={:.2} serialize_vs_value={:.2} parse_vs_floor={:.2}",
        sum(|t| t.value_parse) / model_parse,
        sum(|t| t.value_write) / sum(|t| t.model_write),
        sum(|t| t.floor_parse) / model_parse,
    );
    Ok(())
}
