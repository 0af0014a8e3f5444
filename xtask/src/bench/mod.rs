//! `cargo xtask bench <what>`: throughput measurements, each against a baseline measured in
//! the same run (these machines are noisy, so only ratios are compared across runs).
//!
//! The benchmarks re-run themselves in the release profile: `cargo xtask bench json` builds and
//! runs `xtask` with `--release` when it was started from a debug build.

mod fsm;
mod json;
mod match_;
mod ndjson;
mod validate;
mod xml;

use std::time::{Duration, Instant};

/// Runs `f` repeatedly for at least `min` and returns the best time of one call (the least
/// disturbed by other load).
pub fn best_of<T>(min: Duration, mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 3 || start.elapsed() < min {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed());
        runs += 1;
    }
    best
}

/// The official R4 examples with extension `ext` (`json`, `xml`), sorted by name; `None` (with a
/// notice) when the shared data is absent.
pub fn official_corpus(ext: &str) -> Result<Option<Vec<Vec<u8>>>, String> {
    let Some(shared) = crate::shared::shared_dir() else {
        println!("notice: FHIR_SHARED not found; measuring the generated corpus only");
        return Ok(None);
    };
    let dir = shared.join("corpus/r4");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
        .iter()
        .map(std::fs::read)
        .collect::<Result<_, _>>()
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Megabytes per second for `bytes` processed in `d`.
pub fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1_000_000.0 / d.as_secs_f64()
}

const USAGE: &str = "usage: cargo xtask bench <json|xml|fsm|match|validate|ndjson>";

/// Dispatches to one benchmark.
pub fn run(args: &[String]) -> Result<(), String> {
    if cfg!(debug_assertions) {
        // Benchmarks are only meaningful in the release profile.
        let status = std::process::Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "-p", "xtask", "--", "bench"])
            .args(args)
            .status()
            .map_err(|e| format!("re-running in release: {e}"))?;
        return if status.success() {
            Ok(())
        } else {
            Err("benchmark failed".into())
        };
    }
    match args.first().map(String::as_str) {
        Some("json") => json::run(),
        Some("fsm") => fsm::run(),
        Some("match") => match_::run(),
        Some("ndjson") => ndjson::run(),
        Some("validate") => validate::run(),
        Some("xml") => xml::run(),
        _ => Err(USAGE.to_owned()),
    }
}
