//! `cargo xtask gen-corpus --tasks N --seed S --out DIR`: a deterministic, realistic corpus of
//! coordination Tasks with sub-tasks, packed as searchset Bundles of 100 entries.
//!
//! Every Task is built with the fhir-model API (never hand-typed JSON): coordination Tasks
//! focus a ServiceRequest and carry the multi-focus extension
//! `http://hl7.org/fhir/4.0/StructureDefinition/extension-Task.focus` for grouped requests;
//! sub-tasks point at their coordination Task through `partOf`.

use std::path::{Path, PathBuf};

use fhir_model::*;

/// xorshift64*: small, deterministic across platforms, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const ORGS: &[&str] = &[
    "payer-a",
    "provider-c",
    "cbo-food-bank",
    "lab-1",
    "imaging-2",
    "pharmacy-3",
];
const STATUSES: &[TaskStatus] = &[
    TaskStatus::Requested,
    TaskStatus::Accepted,
    TaskStatus::InProgress,
    TaskStatus::OnHold,
    TaskStatus::Completed,
    TaskStatus::Rejected,
    TaskStatus::Cancelled,
    TaskStatus::Failed,
];

fn cc(system: &str, code: &str, display: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(Primitive::from(system)),
            code: Some(Primitive::from(code)),
            display: Some(Primitive::from(display)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn instant(rng: &mut Rng, day: u64) -> Instant {
    let (h, m, s, ms) = (rng.below(24), rng.below(60), rng.below(60), rng.below(1000));
    format!(
        "2024-{:02}-{:02}T{h:02}:{m:02}:{s:02}.{ms:03}-04:00",
        1 + day / 28 % 12,
        1 + day % 28
    )
    .parse()
    .expect("generated instants are valid")
}

/// One Task: a coordination Task when `parent` is `None`, else a sub-task of it.
pub fn task(rng: &mut Rng, n: usize, parent: Option<&str>) -> Task {
    let status = rng.pick(STATUSES);
    let mut t = Task::new(status, TaskIntent::Order);
    let id = format!("task-{n:06}");
    let day = rng.below(300);
    t.id = Some(Primitive::new(id.clone()));
    t.meta = Some(Meta {
        version_id: Some(Primitive::new((1 + rng.below(5)).to_string())),
        last_updated: Some(Primitive::new(instant(rng, day + 1))),
        profile: vec![Primitive::from(
            "http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task",
        )],
        ..Default::default()
    });
    t.identifier.push(Identifier {
        system: Some(Primitive::from("http://example.org/fhir/task-id")),
        value: Some(Primitive::new(format!("T{n:08}"))),
        ..Default::default()
    });
    let sr = format!("ServiceRequest/sr-{}", n / 3);
    t.focus = Some(Reference {
        reference: Some(Primitive::new(sr.clone())),
        ..Default::default()
    });
    t.based_on.push(Reference {
        reference: Some(Primitive::new(sr)),
        ..Default::default()
    });
    if rng.below(3) == 0 {
        for k in 1..=1 + rng.below(3) {
            t.extension.push(Extension {
                url: "http://hl7.org/fhir/4.0/StructureDefinition/extension-Task.focus".into(),
                value: Some(ExtensionValue::Reference(Box::new(Reference::to_type_id(
                    "ServiceRequest",
                    &format!("sr-{}-{k}", n / 3),
                )))),
                ..Default::default()
            });
        }
    }
    if let Some(p) = parent {
        t.part_of.push(Reference::to_type_id("Task", p));
    }
    t.code = Some(cc(
        "http://hl7.org/fhir/CodeSystem/task-code",
        "fulfill",
        "Fulfill the focal request",
    ));
    t.for_ = Some(Reference::to_type_id("Patient", &format!("pat-{}", rng.below(5000))));
    t.requester = Some(Reference::to_type_id("Organization", rng.pick(ORGS)));
    t.owner = Some(Reference::to_type_id("Organization", rng.pick(ORGS)));
    t.authored_on = Some(Primitive::new(instant(rng, day).into()));
    t.last_modified = Some(Primitive::new(instant(rng, day + 1).into()));
    if matches!(
        status,
        TaskStatus::Rejected | TaskStatus::Cancelled | TaskStatus::Failed | TaskStatus::OnHold
    ) {
        t.status_reason = Some(CodeableConcept {
            text: Some(Primitive::from("Patient could not be reached after three attempts")),
            ..Default::default()
        });
    }
    t.business_status = Some(cc(
        "http://hl7.org/fhir/uv/cow/CodeSystem/temp",
        "scheduled",
        "Scheduled",
    ));
    t.input.push(TaskInput::new(
        cc(
            "http://hl7.org/fhir/us/davinci-hrex/CodeSystem/hrex-temp",
            "data-query",
            "Data query",
        ),
        TaskInputValue::String(Primitive::new(format!(
            "Condition?patient=pat-{}&clinical-status=active",
            n % 977
        ))),
    ));
    t.input.push(TaskInput::new(
        CodeableConcept {
            text: Some(Primitive::from("priority score")),
            ..Default::default()
        },
        TaskInputValue::Decimal(Primitive::new(
            format!("{}.{:02}", rng.below(10), rng.below(100))
                .parse()
                .expect("decimal"),
        )),
    ));
    if status == TaskStatus::Completed {
        t.output.push(TaskOutput::new(
            CodeableConcept {
                text: Some(Primitive::from("result")),
                ..Default::default()
            },
            TaskOutputValue::Reference(Box::new(Reference::to_type_id("DiagnosticReport", &format!("dr-{n}")))),
        ));
        t.output.push(TaskOutput::new(
            CodeableConcept {
                text: Some(Primitive::from("completed at")),
                ..Default::default()
            },
            TaskOutputValue::DateTime(Primitive::new(instant(rng, day + 2).into())),
        ));
        t.output.push(TaskOutput::new(
            CodeableConcept {
                text: Some(Primitive::from("complete")),
                ..Default::default()
            },
            TaskOutputValue::Boolean(Primitive::new(true)),
        ));
    }
    t
}

/// `n` Tasks: every coordination Task is followed by zero to three sub-tasks.
pub fn tasks(n: usize, seed: u64) -> Vec<Task> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    let mut parent: Option<String> = None;
    let mut children_left = 0;
    for i in 0..n {
        let t = if children_left > 0 {
            children_left -= 1;
            task(&mut rng, i, parent.as_deref())
        } else {
            children_left = rng.below(4);
            let t = task(&mut rng, i, None);
            parent = t.id.as_ref().and_then(|p| p.value.clone());
            t
        };
        out.push(t);
    }
    out
}

/// Packs Tasks into searchset Bundles of (at most) 100 entries.
pub fn bundles(tasks: Vec<Task>) -> Vec<Bundle> {
    let mut out = Vec::new();
    let mut it = tasks.into_iter().peekable();
    let mut page = 0;
    while it.peek().is_some() {
        let entries: Vec<BundleEntry> = it
            .by_ref()
            .take(100)
            .map(|t| BundleEntry {
                full_url: t
                    .id
                    .as_ref()
                    .and_then(|p| p.value.as_ref())
                    .map(|id| Primitive::new(format!("http://example.org/fhir/Task/{id}"))),
                resource: Some(t.into()),
                search: Some(BundleEntrySearch {
                    mode: Some(SearchEntryMode::Match.into()),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect();
        out.push(Bundle {
            id: Some(Primitive::new(format!("page-{page:05}"))),
            meta: Some(Meta {
                last_updated: Some(Primitive::new("2024-12-31T23:59:59.999Z".parse().expect("instant"))),
                ..Default::default()
            }),
            type_: BundleType::Searchset.into(),
            total: Some(Primitive::new(entries.len() as u32)),
            link: vec![BundleLink::new(
                "self",
                Primitive::new(format!("http://example.org/fhir/Task?_count=100&page={page}")),
            )],
            entry: entries,
            ..Default::default()
        });
        page += 1;
    }
    out
}

/// The corpus as JSON documents (file name, text).
pub fn json_corpus(n: usize, seed: u64) -> Vec<(String, String)> {
    bundles(tasks(n, seed))
        .iter()
        .enumerate()
        .map(|(i, b)| (format!("bundle-{i:05}.json"), json::to_string_pretty(b)))
        .collect()
}

fn write(out: &Path, docs: &[(String, String)]) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (name, text) in docs {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// Runs the task.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut n = 10_000usize;
    let mut seed = 1u64;
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--tasks" => n = value()?.parse().map_err(|e| format!("--tasks: {e}"))?,
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            other => {
                return Err(format!(
                    "unknown option {other:?}; usage: gen-corpus --tasks N --seed S --out DIR"
                ))
            }
        }
    }
    let out = out.ok_or("gen-corpus needs --out DIR")?;
    let docs = json_corpus(n, seed);
    write(&out, &docs)?;
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    println!(
        "gen-corpus: {n} tasks in {} bundles, {bytes} bytes, written to {}",
        docs.len(),
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_parseable() {
        let a = json_corpus(250, 7);
        assert_eq!(a, json_corpus(250, 7));
        assert_ne!(a, json_corpus(250, 8));
        assert_eq!(a.len(), 3);
        for (_, text) in &a {
            let b: Bundle = json::from_str(text).expect("generated bundles parse strictly");
            assert!(b.entry.len() <= 100);
        }
        let all = tasks(250, 7);
        assert!(all.iter().any(|t| !t.part_of.is_empty()), "sub-tasks are present");
        assert!(all
            .iter()
            .any(|t| t.extension.iter().any(|e| e.url.ends_with("extension-Task.focus"))));
    }
}
