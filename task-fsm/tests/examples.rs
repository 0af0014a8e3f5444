//! The published CDex example Tasks meet the entry rules of their status in
//! `cdex-data-request` (tdr-2, tdr-3, and the guidance on failed Tasks).

mod common;

use fhir_model::{Resource, TaskStatus};
use task_fsm::{builtin, check_create, check_update, Actor};

/// A status the machine reaches the example's status from.
fn predecessor(status: TaskStatus) -> Option<TaskStatus> {
    match status {
        TaskStatus::Accepted | TaskStatus::Rejected => Some(TaskStatus::Requested),
        TaskStatus::InProgress => Some(TaskStatus::Accepted),
        TaskStatus::Completed | TaskStatus::Failed | TaskStatus::OnHold => Some(TaskStatus::InProgress),
        _ => None,
    }
}

#[test]
fn cdex_examples_satisfy_the_entry_rules_of_their_status() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("notice: shared data not found (set FHIR_SHARED); CDex examples skipped");
        return;
    };
    let dir = shared.join("fhir-definitions/ig/davinci-cdex/examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("notice: {} not found; skipped", dir.display());
        return;
    };
    let m = builtin("cdex-data-request").unwrap();
    let mut checked = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("cdex-task-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let resource: Resource = fhir_model::json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Resource::Task(task) = resource else { continue };
        let status = task.status.value.as_ref().and_then(|s| s.known()).unwrap();
        let violations = match predecessor(status) {
            None => check_create(&task, m),
            Some(from) => {
                let mut before = (*task).clone();
                before.status = from.into();
                before.status_reason = None;
                before.output.clear();
                check_update(&before, &task, &Actor::OWNER, m)
            }
        };
        assert_eq!(violations, [], "{name} ({status})");
        checked.push((name, status));
    }
    let count = |s: TaskStatus| checked.iter().filter(|(_, st)| *st == s).count();
    // 23 example Tasks and 10 "inline" ones (the others in the folder are not Tasks)
    assert_eq!(checked.len(), 33, "{checked:?}");
    assert!(
        count(TaskStatus::Completed) >= 10 && count(TaskStatus::Failed) == 1,
        "{checked:?}"
    );
}
