//! `cargo xtask bench ndjson`: reading a generated NDJSON file of Claims and Patients (1 GB by
//! default; `NDJSON_BENCH_MB` sets another size) with the streaming `fhir_model::ndjson` reader
//! into typed resources, against `serde_json::Value` per line, in one run; and the reader's peak
//! resident memory.
//!
//! Each reading runs in its own child process (this executable again, told which side by an
//! environment variable), so the peak RSS (`VmHWM` of `/proc/self/status`) of the reader is
//! not polluted by the baseline, the generator or the parent. The file lives in a temporary
//! directory that is removed afterwards, whatever happens.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use fhir_model::ndjson::{NdjsonReader, NdjsonWriter};
use fhir_model::*;

use crate::gen_corpus::Rng;

const CHILD_ENV: &str = "XTASK_NDJSON_CHILD";
const FILE_ENV: &str = "XTASK_NDJSON_FILE";

/// What one child measured.
struct Reading {
    bytes: u64,
    resources: u64,
    seconds: f64,
    peak_rss_kb: u64,
}

/// Runs the benchmark (or, in a child, one side of it).
pub fn run() -> Result<(), String> {
    if let Ok(side) = std::env::var(CHILD_ENV) {
        let path = PathBuf::from(std::env::var(FILE_ENV).map_err(|_| format!("{FILE_ENV} not set"))?);
        return child(&side, &path);
    }
    let megabytes: u64 = match std::env::var("NDJSON_BENCH_MB") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("NDJSON_BENCH_MB={v:?} is not a number"))?,
        Err(_) => 1000,
    };
    let dir = std::env::temp_dir().join(format!("xtask-bench-ndjson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let result = measure(&dir.join("claims-and-patients.ndjson"), megabytes * 1_000_000);
    let removed = std::fs::remove_dir_all(&dir);
    let line = result?;
    removed.map_err(|e| format!("removing {}: {e}", dir.display()))?;
    println!("{line}");
    Ok(())
}

fn measure(path: &Path, target_bytes: u64) -> Result<String, String> {
    let t = Instant::now();
    let (bytes, resources) = generate(path, target_bytes)?;
    println!(
        "generated {:.0} MB, {resources} resources (Claims and Patients) in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let reader = spawn("reader", path)?;
    let value = spawn("value", path)?;
    if reader.resources != resources || value.resources != resources {
        return Err(format!(
            "read {} (reader) and {} (Value) resources, wrote {resources}",
            reader.resources, value.resources
        ));
    }
    let mb_s = |r: &Reading| r.bytes as f64 / 1e6 / r.seconds;
    println!(
        "reader (typed resources): {:.0} MB/s, peak RSS {} MB; serde_json::Value per line: {:.0} MB/s, peak RSS {} MB",
        mb_s(&reader),
        reader.peak_rss_kb / 1024,
        mb_s(&value),
        value.peak_rss_kb / 1024
    );
    Ok(format!(
        "ndjson: read_vs_value={:.2} peak_rss_MB={}",
        mb_s(&reader) / mb_s(&value),
        reader.peak_rss_kb.div_ceil(1024)
    ))
}

fn spawn(side: &str, path: &Path) -> Result<Reading, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this executable: {e}"))?;
    let out = Command::new(exe)
        .args(["bench", "ndjson"])
        .env(CHILD_ENV, side)
        .env(FILE_ENV, path)
        .output()
        .map_err(|e| format!("starting the {side} child: {e}"))?;
    if !out.status.success() {
        return Err(format!("{side} child failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [bytes, resources, seconds, peak] = fields[..] else {
        return Err(format!("{side} child printed {text:?}"));
    };
    let num = |s: &str| s.parse::<u64>().map_err(|_| format!("{side} child printed {text:?}"));
    Ok(Reading {
        bytes: num(bytes)?,
        resources: num(resources)?,
        seconds: seconds.parse().map_err(|_| format!("{side} child printed {text:?}"))?,
        peak_rss_kb: num(peak)?,
    })
}

/// One side of the measurement; prints `bytes resources seconds peak_rss_kb`.
fn child(side: &str, path: &Path) -> Result<(), String> {
    let bytes = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    let file = File::open(path).map_err(|e| format!("opening {}: {e}", path.display()))?;
    let input = BufReader::with_capacity(1 << 16, file);
    let t = Instant::now();
    let resources = match side {
        "reader" => {
            let mut n = 0u64;
            for line in NdjsonReader::<_, Resource>::new(input) {
                let line = line.map_err(|e| e.to_string())?;
                std::hint::black_box(&line.resource);
                n += 1;
            }
            n
        }
        "value" => {
            let mut n = 0u64;
            let mut input = input;
            let mut buf = String::new();
            loop {
                buf.clear();
                if input.read_line(&mut buf).map_err(|e| e.to_string())? == 0 {
                    break;
                }
                if buf.trim().is_empty() {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(&buf).map_err(|e| e.to_string())?;
                std::hint::black_box(&v);
                n += 1;
            }
            n
        }
        other => return Err(format!("unknown side {other:?}")),
    };
    let seconds = t.elapsed().as_secs_f64();
    println!("{bytes} {resources} {seconds} {}", peak_rss_kb()?);
    Ok(())
}

/// `VmHWM` (peak resident set size) of this process, in kB.
fn peak_rss_kb() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("reading /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".to_owned())
}

/// Writes Claims and Patients (one Patient, then two or three of its Claims) until the file
/// reaches `target_bytes`; returns the bytes and resources written.
fn generate(path: &Path, target_bytes: u64) -> Result<(u64, u64), String> {
    let file = File::create(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    let mut writer = NdjsonWriter::new(CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        bytes: 0,
    });
    let mut rng = Rng::new(11);
    let mut patient_no = 0u64;
    while writer.get_ref().bytes < target_bytes {
        patient_no += 1;
        let pid = format!("p{patient_no}");
        writer.write(&patient(&pid, &mut rng)).map_err(|e| e.to_string())?;
        for c in 0..2 + rng.below(2) {
            writer
                .write(&claim(&format!("{pid}-c{c}"), &pid, &mut rng))
                .map_err(|e| e.to_string())?;
        }
    }
    let resources = writer.count();
    let out = writer.finish().map_err(|e| e.to_string())?;
    Ok((out.bytes, resources))
}

/// Counts the bytes written, to stop at the target size.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

const GIVEN: &[&str] = &["Ana", "Bo", "Chidi", "Dana", "Emeka", "Farah", "Gustavo", "Hana"];
const FAMILY: &[&str] = &["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Kowalski"];
const CODES: &[&str] = &["99213", "99214", "80053", "85025", "93000", "71046"];

fn patient(id: &str, rng: &mut Rng) -> Patient {
    Patient {
        id: Some(Primitive::from(id)),
        identifier: vec![Identifier {
            system: Some(Primitive::from("http://payer.example/member-id")),
            value: Some(Primitive::from(format!("M{:08}", rng.below(100_000_000)).as_str())),
            ..Default::default()
        }],
        active: Some(Primitive::new(true)),
        name: vec![HumanName {
            family: Some(Primitive::from(rng.pick(FAMILY))),
            given: vec![Primitive::from(rng.pick(GIVEN))],
            ..Default::default()
        }],
        gender: Some(
            rng.pick(&[AdministrativeGender::Female, AdministrativeGender::Male])
                .into(),
        ),
        birth_date: Some(Primitive::new(
            format!(
                "{}-{:02}-{:02}",
                1940 + rng.below(70),
                1 + rng.below(12),
                1 + rng.below(28)
            )
            .parse()
            .expect("a valid date"),
        )),
        ..Default::default()
    }
}

fn claim(id: &str, patient: &str, rng: &mut Rng) -> Claim {
    let mut c = Claim::new(
        FinancialResourceStatusCodes::Active,
        CodeableConcept {
            coding: vec![Coding {
                system: Some(Primitive::from("http://terminology.hl7.org/CodeSystem/claim-type")),
                code: Some(Primitive::from("professional")),
                ..Default::default()
            }],
            ..Default::default()
        },
        Use::Claim,
        Reference::to_type_id("Patient", patient),
        Primitive::new(
            format!("2024-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))
                .parse()
                .expect("a valid date"),
        ),
        Reference::to_type_id("Organization", "clinic-1"),
        CodeableConcept {
            coding: vec![Coding {
                system: Some(Primitive::from("http://terminology.hl7.org/CodeSystem/processpriority")),
                code: Some(Primitive::from("normal")),
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    c.id = Some(Primitive::from(id));
    c.insurance = vec![ClaimInsurance::new(
        1u32,
        true,
        Reference::to_type_id("Coverage", &format!("cov-{patient}")),
    )];
    c.item = (1..=1 + rng.below(3) as u32)
        .map(|seq| {
            let mut item = ClaimItem::new(
                seq,
                CodeableConcept {
                    coding: vec![Coding {
                        system: Some(Primitive::from("http://www.ama-assn.org/go/cpt")),
                        code: Some(Primitive::from(rng.pick(CODES))),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            );
            item.net = Some(Money {
                value: Some(Primitive::new(
                    format!("{}.{:02}", 20 + rng.below(480), rng.below(100))
                        .parse()
                        .expect("a valid decimal"),
                )),
                currency: Some(Primitive::from("USD")),
                ..Default::default()
            });
            item
        })
        .collect();
    c
}
