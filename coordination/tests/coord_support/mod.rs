//! Shared test support: an in-memory record of the exchanges two parties make, with every
//! version of every Task checked against its task-fsm machine.

#![allow(dead_code)]

use coordination::FhirRequest;
use fhir_model::{json, DateTime, Task};
use task_fsm::{check_create, check_update, Actor, Machine};

pub fn at(text: &str) -> DateTime {
    text.parse().expect("test dateTime")
}

/// The shared data folder, or `None` (with a notice) when it is absent.
pub fn shared() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("FHIR_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: shared data not found at {}; test skipped", dir.display());
        None
    }
}

/// A transcript of an exchange: each step with the request made and/or the resources exchanged,
/// as FHIR JSON, for an insta snapshot.
#[derive(Default)]
pub struct Transcript {
    text: String,
}

impl Transcript {
    pub fn step(&mut self, title: &str) {
        self.text.push_str(&format!("\n=== {title}\n"));
    }

    pub fn request(&mut self, request: &FhirRequest) {
        self.text.push_str(&request.to_text());
    }

    pub fn resource<T: json::ToJson + ?Sized>(&mut self, label: &str, resource: &T) {
        self.text
            .push_str(&format!("--- {label}\n{}\n", json::to_string_pretty(resource)));
    }

    pub fn note(&mut self, note: &str) {
        self.text.push_str(&format!("{note}\n"));
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// Every version of one Task with the actor who made each change, checked at the end.
pub struct History {
    machine: &'static Machine,
    versions: Vec<(Actor, Task)>,
}

impl History {
    pub fn new(machine: &'static Machine, created: &Task) -> History {
        History {
            machine,
            versions: vec![(Actor::REQUESTER, created.clone())],
        }
    }

    pub fn record(&mut self, actor: Actor, task: &Task) {
        self.versions.push((actor, task.clone()));
    }

    pub fn last(&self) -> &Task {
        &self.versions.last().expect("a version").1
    }

    /// task-fsm's `check_create` on the first version and `check_update` on each change: no
    /// error-strength violation anywhere.
    pub fn assert_valid(&self) {
        let first = &self.versions[0].1;
        let errors: Vec<_> = check_create(first, self.machine)
            .into_iter()
            .filter(|v| v.is_error())
            .collect();
        assert!(errors.is_empty(), "check_create on {}: {errors:?}", self.machine.name());
        for pair in self.versions.windows(2) {
            let (_, before) = &pair[0];
            let (actor, after) = &pair[1];
            let errors: Vec<_> = check_update(before, after, actor, self.machine)
                .into_iter()
                .filter(|v| v.is_error())
                .collect();
            assert!(
                errors.is_empty(),
                "check_update by {actor} on {} ({:?} -> {:?}): {errors:?}",
                self.machine.name(),
                before.status.value,
                after.status.value
            );
        }
    }
}
