//! Typed changes, from what a poll or a notification follow-up returned versus what was known.
//!
//! The kinds are seed 004's lists ("Checking Task Status"): for service delivery organizations
//! a new Task assigned to them, a new unassigned Task in their purview, a focus ServiceRequest
//! modified or cancelled; for EHRs a Task accepted or rejected, an unassigned Task now assigned,
//! outputs added, a Task completed; plus any other status change. The detector works on
//! resource *versions*, so the same version seen twice (overlapping polls, a notification and a
//! catch-up poll) gives its events once, and polling and subscribing clients that see the same
//! versions report the same events.

use std::collections::BTreeMap;

use fhir_model::{Reference, Resource, ServiceRequest, Task};
use serde::{Deserialize, Serialize};

use super::poll::{version_key, PartyRef};
use super::MonitoringError;

/// One change worth acting on. Resources are named `Type/id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChangeEvent {
    /// A Task now owned by us (new, or reassigned to us).
    AssignedToUs {
        /// `Task/id`
        task: String,
    },
    /// A new Task with no owner, status `requested`: open to be claimed.
    UnassignedAvailable {
        /// `Task/id`
        task: String,
    },
    /// A first-seen Task that is neither ours to perform nor open (e.g. one we requested).
    NewTask {
        /// `Task/id`
        task: String,
        /// Its status code.
        status: String,
    },
    /// A Task's owner was set or changed to another party than us (seed: "An unassigned Task
    /// has now been assigned").
    Assigned {
        /// `Task/id`
        task: String,
        /// The new owner (`reference`, or `identifier system|value`).
        owner: String,
    },
    /// Status became `accepted`.
    Accepted {
        /// `Task/id`
        task: String,
    },
    /// Status became `rejected`.
    Rejected {
        /// `Task/id`
        task: String,
    },
    /// Status became `completed`.
    Completed {
        /// `Task/id`
        task: String,
    },
    /// Any other status change.
    StatusChanged {
        /// `Task/id`
        task: String,
        /// Previous status code.
        from: String,
        /// New status code.
        to: String,
    },
    /// `Task.output` grew.
    OutputsAdded {
        /// `Task/id`
        task: String,
        /// How many outputs were added.
        added: usize,
    },
    /// A new version of a known ServiceRequest that is not a cancellation.
    FocusModified {
        /// `ServiceRequest/id`
        request: String,
    },
    /// A known ServiceRequest became `revoked` (R4 request-status: "The request (and any
    /// implicit authorization to act) has been terminated prior to the known full completion";
    /// R4 has no `cancelled` request status).
    FocusCancelled {
        /// `ServiceRequest/id`
        request: String,
    },
}

impl ChangeEvent {
    /// The resource the event is about (`Type/id`).
    pub fn subject(&self) -> &str {
        match self {
            ChangeEvent::AssignedToUs { task }
            | ChangeEvent::UnassignedAvailable { task }
            | ChangeEvent::NewTask { task, .. }
            | ChangeEvent::Assigned { task, .. }
            | ChangeEvent::Accepted { task }
            | ChangeEvent::Rejected { task }
            | ChangeEvent::Completed { task }
            | ChangeEvent::StatusChanged { task, .. }
            | ChangeEvent::OutputsAdded { task, .. } => task,
            ChangeEvent::FocusModified { request } | ChangeEvent::FocusCancelled { request } => request,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Known {
    Task {
        version: String,
        updated: i64,
        status: String,
        owner: Option<String>,
        outputs: usize,
        #[serde(default)]
        ours: bool,
        #[serde(default)]
        focus: Option<String>,
    },
    Request {
        version: String,
        updated: i64,
        status: String,
    },
}

/// What is known about each Task and ServiceRequest, for one party (serde, to persist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDetector {
    us: PartyRef,
    known: BTreeMap<String, Known>,
}

impl ChangeDetector {
    /// Nothing known yet; `us` decides which Tasks are "assigned to us".
    pub fn new(us: PartyRef) -> ChangeDetector {
        ChangeDetector {
            us,
            known: BTreeMap::new(),
        }
    }

    /// Records a version as the starting point, without events, unless the resource is already
    /// known (then nothing changes, so no change is swallowed). Used for the focus
    /// ServiceRequests returned by `_include=Task:focus`, which are watched from then on.
    pub fn prime(&mut self, resource: &Resource) -> Result<(), MonitoringError> {
        if let Some((key, known)) = snapshot(resource, &self.us)? {
            self.known.entry(key).or_insert(known);
        }
        Ok(())
    }

    /// The events of a newly returned version. The same or an older version gives none.
    /// Resource types other than Task and ServiceRequest are ignored.
    pub fn observe(&mut self, resource: &Resource) -> Result<Vec<ChangeEvent>, MonitoringError> {
        let Some((key, now)) = snapshot(resource, &self.us)? else {
            return Ok(Vec::new());
        };
        let before = self.known.get(&key);
        if let Some(before) = before {
            if version_of(before) == version_of(&now) || updated_of(before) > updated_of(&now) {
                return Ok(Vec::new());
            }
        }
        let events = match (before, &now) {
            (None, Known::Task { status, owner, .. }) => {
                let task = key.clone();
                let ours = resource_owner(resource).is_some_and(|o| self.us.is(o));
                vec![if ours {
                    ChangeEvent::AssignedToUs { task }
                } else if owner.is_none() && status == "requested" {
                    ChangeEvent::UnassignedAvailable { task }
                } else {
                    ChangeEvent::NewTask {
                        task,
                        status: status.clone(),
                    }
                }]
            }
            (
                Some(Known::Task {
                    status: was,
                    owner: owner_was,
                    outputs: outputs_were,
                    ..
                }),
                Known::Task {
                    status, owner, outputs, ..
                },
            ) => {
                let task = key.clone();
                let mut events = Vec::new();
                if owner != owner_was {
                    if let Some(owner) = owner {
                        if resource_owner(resource).is_some_and(|o| self.us.is(o)) {
                            events.push(ChangeEvent::AssignedToUs { task: task.clone() });
                        } else {
                            events.push(ChangeEvent::Assigned {
                                task: task.clone(),
                                owner: owner.clone(),
                            });
                        }
                    }
                }
                if status != was {
                    events.push(match status.as_str() {
                        "accepted" => ChangeEvent::Accepted { task: task.clone() },
                        "rejected" => ChangeEvent::Rejected { task: task.clone() },
                        "completed" => ChangeEvent::Completed { task: task.clone() },
                        _ => ChangeEvent::StatusChanged {
                            task: task.clone(),
                            from: was.clone(),
                            to: status.clone(),
                        },
                    });
                }
                if outputs > outputs_were {
                    events.push(ChangeEvent::OutputsAdded {
                        task,
                        added: outputs - outputs_were,
                    });
                }
                events
            }
            // A request seen for the first time is the starting point: seed 004 watches
            // requests "associated with a Task assigned to the organization" for changes.
            (None, Known::Request { .. }) => Vec::new(),
            (Some(Known::Request { status: was, .. }), Known::Request { status, .. }) => {
                let request = key.clone();
                vec![if status == "revoked" && was != "revoked" {
                    ChangeEvent::FocusCancelled { request }
                } else {
                    ChangeEvent::FocusModified { request }
                }]
            }
            // A key is `Type/id`, so a Task entry never meets a request entry.
            _ => Vec::new(),
        };
        self.known.insert(key, now);
        Ok(events)
    }

    /// Stops tracking a resource (e.g. a ServiceRequest whose fulfilment is complete).
    pub fn forget(&mut self, resource: &str) {
        self.known.remove(resource);
    }

    /// The ids of the ServiceRequests that known Tasks owned by us focus on while those Tasks
    /// are not in a terminal status (completed, cancelled, failed, rejected, entered-in-error):
    /// the requests "the organization is fulfilling" (seed 004), sorted, for the
    /// `ServiceRequest?_id=…` filter or poll.
    pub fn requests_in_fulfilment(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .known
            .values()
            .filter_map(|k| match k {
                Known::Task {
                    ours: true,
                    focus: Some(focus),
                    status,
                    ..
                } if !["completed", "cancelled", "failed", "rejected", "entered-in-error"]
                    .contains(&status.as_str()) =>
                {
                    let reference = Reference {
                        reference: Some(fhir_model::Primitive::from(focus.as_str())),
                        ..Default::default()
                    };
                    (reference.target_type() == Some("ServiceRequest"))
                        .then(|| reference.target_id().map(str::to_owned))
                        .flatten()
                }
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Whether a resource (`Type/id`) is known.
    pub fn is_known(&self, resource: &str) -> bool {
        self.known.contains_key(resource)
    }
}

fn version_of(known: &Known) -> &str {
    match known {
        Known::Task { version, .. } | Known::Request { version, .. } => version,
    }
}

fn updated_of(known: &Known) -> i64 {
    match known {
        Known::Task { updated, .. } | Known::Request { updated, .. } => *updated,
    }
}

fn resource_owner(resource: &Resource) -> Option<&Reference> {
    match resource {
        Resource::Task(task) => task.owner.as_ref(),
        _ => None,
    }
}

fn snapshot(resource: &Resource, us: &PartyRef) -> Result<Option<(String, Known)>, MonitoringError> {
    let element = resource.resource_type().to_owned();
    let (version, updated) = match resource {
        Resource::Task(_) | Resource::ServiceRequest(_) => version_key(resource, &element)?,
        _ => return Ok(None),
    };
    let id = resource.id().unwrap_or_default();
    let key = format!("{}/{id}", resource.resource_type());
    Ok(Some(match resource {
        Resource::Task(task) => (key, task_snapshot(task, version, updated, us)),
        Resource::ServiceRequest(request) => (key, request_snapshot(request, version, updated)),
        _ => return Ok(None),
    }))
}

fn task_snapshot(task: &Task, version: String, updated: i64, us: &PartyRef) -> Known {
    Known::Task {
        ours: task.owner.as_ref().is_some_and(|o| us.is(o)),
        focus: task.focus.as_ref().and_then(|f| f.reference_str()).map(str::to_owned),
        version,
        updated,
        status: task
            .status
            .value
            .as_ref()
            .map(|c| c.code().to_owned())
            .unwrap_or_default(),
        owner: task.owner.as_ref().map(owner_text),
        outputs: task.output.len(),
    }
}

fn request_snapshot(request: &ServiceRequest, version: String, updated: i64) -> Known {
    Known::Request {
        version,
        updated,
        status: request
            .status
            .value
            .as_ref()
            .map(|c| c.code().to_owned())
            .unwrap_or_default(),
    }
}

fn owner_text(owner: &Reference) -> String {
    if let Some(reference) = owner.reference_str() {
        return reference.to_owned();
    }
    let identifier = owner.identifier.as_ref();
    let system = identifier
        .and_then(|i| i.system.as_ref())
        .and_then(|s| s.value.as_deref());
    let value = identifier
        .and_then(|i| i.value.as_ref())
        .and_then(|v| v.value.as_deref());
    format!("identifier {}|{}", system.unwrap_or(""), value.unwrap_or(""))
}
