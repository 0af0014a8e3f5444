//! `cargo xtask bench xml`: fhir-model XML parse and serialize throughput against a raw
//! quick-xml event scan of the same bytes (the floor: tokenizing only, no attribute parsing,
//! no unescaping, no model), on the generated corpus written as XML and on the official R4 XML
//! examples, in one run.

use std::time::Duration;

use fhir_model::xml::{self, Options};
use fhir_model::Resource;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::{best_of, mb_per_s};
use crate::gen_corpus;

struct Timing {
    bytes: usize,
    written_bytes: usize,
    parse: Duration,
    scan: Duration,
    write: Duration,
}

/// Counts the events of one document with quick-xml alone.
fn scan(doc: &[u8]) -> usize {
    let mut reader = Reader::from_reader(doc);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return events,
            Ok(_) => events += 1,
        }
    }
}

fn measure(docs: &[Vec<u8>]) -> Result<Timing, String> {
    let bytes = docs.iter().map(Vec::len).sum();
    // Lenient like the JSON benchmark (the same reader code runs in both modes).
    let parse_all = || -> Result<Vec<Resource>, String> {
        docs.iter()
            .map(|d| {
                xml::from_slice_with::<Resource>(d, Options::lenient())
                    .map(|p| p.value)
                    .map_err(|e| e.to_string())
            })
            .collect()
    };
    let models = parse_all()?;
    let written: Vec<String> = models
        .iter()
        .map(|m| xml::to_string(m).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let written_bytes = written.iter().map(String::len).sum();
    let min = Duration::from_secs(2);
    let parse = best_of(min, || parse_all().map(|v| v.len()));
    let scan = best_of(min, || docs.iter().map(|d| scan(d)).sum::<usize>());
    let write = best_of(min, || {
        models
            .iter()
            .map(|m| xml::to_string(m).map_or(0, |s| s.len()))
            .sum::<usize>()
    });
    Ok(Timing {
        bytes,
        written_bytes,
        parse,
        scan,
        write,
    })
}

fn report(name: &str, t: &Timing) {
    println!(
        "{name}: {:.1} MB; parse MB/s model={:.0} scan={:.0}; serialize MB/s model={:.0} ({:.1} MB written)",
        t.bytes as f64 / 1e6,
        mb_per_s(t.bytes, t.parse),
        mb_per_s(t.bytes, t.scan),
        mb_per_s(t.written_bytes, t.write),
        t.written_bytes as f64 / 1e6,
    );
}

/// Runs the benchmark.
pub fn run() -> Result<(), String> {
    let generated: Vec<Vec<u8>> = gen_corpus::bundles(gen_corpus::tasks(10_000, 1))
        .iter()
        .map(|b| {
            xml::to_string_pretty(b)
                .map(String::into_bytes)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let mut sets = vec![("generated 10,000 tasks as XML", measure(&generated)?)];
    if let Some(docs) = super::official_corpus("xml")? {
        sets.push(("official R4 XML examples", measure(&docs)?));
    }
    for (name, t) in &sets {
        report(name, t);
    }
    // Ratios of throughput over everything measured (total bytes / total time).
    let sum = |f: fn(&Timing) -> Duration| sets.iter().map(|(_, t)| f(t)).sum::<Duration>().as_secs_f64();
    let written: usize = sets.iter().map(|(_, t)| t.written_bytes).sum();
    println!(
        "xml: parse_vs_scan={:.2} serialize_MBps={:.0}",
        sum(|t| t.scan) / sum(|t| t.parse),
        written as f64 / 1e6 / sum(|t| t.write),
    );
    Ok(())
}
