//! Notification Bundles of the R4 backport (`backport-subscription-notification-r4`): a
//! `history` Bundle whose first entry is the SubscriptionStatus as R4 `Parameters`
//! (`backport-subscription-status-r4`; invariant backport-notification-bundle-r4-1).
//! Read with [`Notification::from_bundle`], written with [`Notification::to_bundle`].
//! Sources: backport `BackportNotificationR4.fsh` (v1.1.0, master), `payloads.md`; seed 004
//! for the id-only follow-up search `Task?_id=1234,5678&_include=Task:focus`.

use std::collections::BTreeMap;

use fhir_model::{
    Bundle, BundleEntry, BundleEntryRequest, BundleEntryResponse, BundleType, CodeEnum, Coded, HTTPVerb, Meta,
    Parameters, ParametersParameter, ParametersParameterValue, Primitive, Reference, Resource,
};
use search_params::{Include, Query, Test};

use super::subscription::PayloadContent;
use super::{urls, MonitoringError};

/// The kind of notification (R5 `subscription-notification-type`, used by the backport).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationType {
    /// Sent when the subscription is activated.
    Handshake,
    /// Keep-alive with no events.
    Heartbeat,
    /// One or more events.
    EventNotification,
    /// The answer to `$status`.
    QueryStatus,
    /// The answer to `$events`.
    QueryEvent,
}

impl NotificationType {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            NotificationType::Handshake => "handshake",
            NotificationType::Heartbeat => "heartbeat",
            NotificationType::EventNotification => "event-notification",
            NotificationType::QueryStatus => "query-status",
            NotificationType::QueryEvent => "query-event",
        }
    }

    /// Reads a code.
    pub fn from_code(code: &str) -> Option<NotificationType> {
        Some(match code {
            "handshake" => NotificationType::Handshake,
            "heartbeat" => NotificationType::Heartbeat,
            "event-notification" => NotificationType::EventNotification,
            "query-status" => NotificationType::QueryStatus,
            "query-event" => NotificationType::QueryEvent,
            _ => return None,
        })
    }
}

/// One `notification-event` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationEvent {
    /// `event-number` (a string in R4; it must hold a non-negative integer here).
    pub number: u64,
    /// `timestamp` (instant text).
    pub timestamp: Option<String>,
    /// `focus` reference text (id-only and full-resource: SHALL be present).
    pub focus: Option<String>,
    /// `additional-context` reference texts.
    pub additional_context: Vec<String>,
}

/// A notification, as read from or written to a notification Bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `subscription` reference text.
    pub subscription: String,
    /// `topic` canonical.
    pub topic: Option<String>,
    /// `status` code of the Subscription (requested | active | error | off).
    pub status: String,
    /// `type`.
    pub kind: NotificationType,
    /// `events-since-subscription-start` (not incremented by handshakes and heartbeats).
    pub events_since_start: Option<u64>,
    /// `notification-event` parameters in order.
    pub events: Vec<NotificationEvent>,
    /// Resources of the Bundle after the status entry (full-resource payloads).
    pub resources: Vec<Resource>,
}

impl Notification {
    /// Reads a notification Bundle. Refuses a Bundle that is not `history`, whose first entry
    /// is not `Parameters`, or whose parameters are missing or malformed, naming the element.
    pub fn from_bundle(bundle: &Bundle) -> Result<Notification, MonitoringError> {
        match bundle.type_.value.as_ref().and_then(|c| c.known()) {
            Some(BundleType::History) => {}
            _ => {
                let found = bundle
                    .type_
                    .value
                    .as_ref()
                    .map(|c| c.code().to_owned())
                    .unwrap_or_default();
                return Err(MonitoringError::invalid("Bundle.type", "history", found));
            }
        }
        let status = match bundle.entry.first().map(|e| e.resource.as_ref()) {
            Some(Some(Resource::Parameters(p))) => p,
            Some(Some(other)) => {
                return Err(MonitoringError::StatusNotFirst {
                    found: other.resource_type().to_owned(),
                })
            }
            Some(None) => {
                return Err(MonitoringError::StatusNotFirst {
                    found: "an entry without resource".to_owned(),
                })
            }
            None => {
                return Err(MonitoringError::StatusNotFirst {
                    found: "no entry".to_owned(),
                })
            }
        };
        let at = |name: &str| format!("Bundle.entry[0].resource.parameter[{name}]");
        let single = |name: &str| -> Result<Option<&ParametersParameter>, MonitoringError> {
            let mut found = status
                .parameter
                .iter()
                .filter(|p| p.name.value.as_deref() == Some(name));
            let first = found.next();
            if found.next().is_some() {
                return Err(MonitoringError::invalid(at(name), "at most one parameter", "several"));
            }
            Ok(first)
        };
        let subscription = match single("subscription")?.and_then(|p| p.value.as_ref()) {
            Some(ParametersParameterValue::Reference(r)) => r
                .reference_str()
                .map(str::to_owned)
                .ok_or_else(|| MonitoringError::missing(format!("{}.valueReference.reference", at("subscription"))))?,
            Some(_) => {
                return Err(MonitoringError::invalid(
                    at("subscription"),
                    "valueReference",
                    "another value type",
                ))
            }
            None => return Err(MonitoringError::missing(at("subscription"))),
        };
        let topic = match single("topic")?.and_then(|p| p.value.as_ref()) {
            Some(ParametersParameterValue::Canonical(c)) | Some(ParametersParameterValue::Uri(c)) => c.value.clone(),
            Some(_) => {
                return Err(MonitoringError::invalid(
                    at("topic"),
                    "valueCanonical",
                    "another value type",
                ))
            }
            None => None,
        };
        let code = |name: &str| -> Result<String, MonitoringError> {
            match single(name)?.and_then(|p| p.value.as_ref()) {
                Some(ParametersParameterValue::Code(c)) => c
                    .value
                    .clone()
                    .ok_or_else(|| MonitoringError::missing(format!("{}.valueCode", at(name)))),
                Some(_) => Err(MonitoringError::invalid(at(name), "valueCode", "another value type")),
                None => Err(MonitoringError::missing(at(name))),
            }
        };
        let status_code = code("status")?;
        if !["requested", "active", "error", "off"].contains(&status_code.as_str()) {
            return Err(MonitoringError::invalid(
                format!("{}.valueCode", at("status")),
                "requested | active | error | off",
                status_code,
            ));
        }
        let type_code = code("type")?;
        let kind = NotificationType::from_code(&type_code)
            .ok_or(MonitoringError::UnknownNotificationType { found: type_code })?;
        let events_since_start = match single("events-since-subscription-start")?.and_then(|p| p.value.as_ref()) {
            Some(ParametersParameterValue::String(s)) => Some(number(
                s.value.as_deref(),
                &format!("{}.valueString", at("events-since-subscription-start")),
            )?),
            Some(_) => {
                return Err(MonitoringError::invalid(
                    at("events-since-subscription-start"),
                    "valueString",
                    "another value type",
                ))
            }
            None => None,
        };
        let mut events = Vec::new();
        for (index, parameter) in status
            .parameter
            .iter()
            .filter(|p| p.name.value.as_deref() == Some("notification-event"))
            .enumerate()
        {
            events.push(read_event(
                parameter,
                &format!("{}[{index}]", at("notification-event")),
            )?);
        }
        let resources = bundle.entry.iter().skip(1).filter_map(|e| e.resource.clone()).collect();
        Ok(Notification {
            subscription,
            topic,
            status: status_code,
            kind,
            events_since_start,
            events,
            resources,
        })
    }

    /// Reads a notification and checks it against the content level the Subscription asked
    /// for (backport `payloads.md`): `empty` SHALL NOT reference resources nor carry entries
    /// besides the status; `id-only` and `full-resource` SHALL reference the focus of each
    /// event; `full-resource` SHALL carry an entry with each focus resource.
    pub fn from_bundle_with_content(bundle: &Bundle, content: PayloadContent) -> Result<Notification, MonitoringError> {
        let notification = Notification::from_bundle(bundle)?;
        let at = |index: usize, part: &str| {
            format!("Bundle.entry[0].resource.parameter[notification-event][{index}].part[{part}]")
        };
        match content {
            PayloadContent::Empty => {
                for (index, event) in notification.events.iter().enumerate() {
                    if event.focus.is_some() || !event.additional_context.is_empty() {
                        return Err(MonitoringError::invalid(
                            at(
                                index,
                                if event.focus.is_some() {
                                    "focus"
                                } else {
                                    "additional-context"
                                },
                            ),
                            "no resource reference in an empty payload",
                            "a reference",
                        ));
                    }
                }
                if bundle.entry.len() > 1 {
                    return Err(MonitoringError::invalid(
                        "Bundle.entry[1]",
                        "only the SubscriptionStatus entry in an empty payload",
                        "another entry",
                    ));
                }
            }
            PayloadContent::IdOnly | PayloadContent::FullResource => {
                for (index, event) in notification.events.iter().enumerate() {
                    let Some(focus) = &event.focus else {
                        return Err(MonitoringError::missing(at(index, "focus")));
                    };
                    let found = notification
                        .resources
                        .iter()
                        .any(|r| focus.ends_with(&format!("{}/{}", r.resource_type(), r.id().unwrap_or_default())));
                    if content == PayloadContent::FullResource && !found {
                        return Err(MonitoringError::missing(format!(
                            "Bundle.entry for {focus} (full-resource payload)"
                        )));
                    }
                }
            }
        }
        Ok(notification)
    }

    /// The follow-up searches for id-only (or full-resource) events, one per focus resource type:
    /// `Task?_id=1234,5678&_include=Task:focus` (seed 004) and `ServiceRequest?_id=…`.
    pub fn follow_up_queries(&self) -> Result<Vec<Query>, MonitoringError> {
        let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (index, event) in self.events.iter().enumerate() {
            let Some(focus) = &event.focus else { continue };
            let reference = Reference {
                reference: Some(Primitive::from(focus.as_str())),
                ..Default::default()
            };
            let (Some(resource_type), Some(id)) = (reference.target_type(), reference.target_id()) else {
                return Err(MonitoringError::invalid(
                    format!("Bundle.entry[0].resource.parameter[notification-event][{index}].part[focus]"),
                    "a reference Type/id",
                    focus.clone(),
                ));
            };
            let ids = by_type.entry(resource_type.to_owned()).or_default();
            if !ids.iter().any(|i| i == id) {
                ids.push(id.to_owned());
            }
        }
        by_type
            .into_iter()
            .map(|(resource_type, ids)| {
                let query = Query::new(&resource_type).and_then(|q| q.and("_id", Test::codes(ids)));
                let query = if resource_type == "Task" {
                    query.and_then(|q| q.include(Include::new("Task", "focus")))
                } else {
                    query
                };
                query.map_err(|e| MonitoringError::query("notification-event.focus", e))
            })
            .collect()
    }

    /// The notification Bundle. `status_id` names the status `Parameters` (the backport examples
    /// use a UUID, also as `urn:uuid:` fullUrl); `subscription_url` is where `$status` is read.
    pub fn to_bundle(&self, status_id: &str, subscription_url: &str) -> Bundle {
        let mut parameters = vec![value_parameter(
            "subscription",
            ParametersParameterValue::Reference(Box::new(Reference {
                reference: Some(Primitive::from(self.subscription.as_str())),
                ..Default::default()
            })),
        )];
        if let Some(topic) = &self.topic {
            parameters.push(value_parameter(
                "topic",
                ParametersParameterValue::Canonical(Primitive::from(topic.as_str())),
            ));
        }
        parameters.push(value_parameter(
            "status",
            ParametersParameterValue::Code(Primitive::from(self.status.as_str())),
        ));
        parameters.push(value_parameter(
            "type",
            ParametersParameterValue::Code(Primitive::from(self.kind.code())),
        ));
        if let Some(count) = self.events_since_start {
            parameters.push(value_parameter(
                "events-since-subscription-start",
                ParametersParameterValue::String(Primitive::new(count.to_string())),
            ));
        }
        for event in &self.events {
            let mut parts = vec![value_parameter(
                "event-number",
                ParametersParameterValue::String(Primitive::new(event.number.to_string())),
            )];
            if let Some(ts) = event.timestamp.as_ref().and_then(|t| t.parse().ok()) {
                parts.push(value_parameter(
                    "timestamp",
                    ParametersParameterValue::Instant(Primitive::new(ts)),
                ));
            }
            if let Some(focus) = &event.focus {
                parts.push(value_parameter("focus", reference_value(focus)));
            }
            for context in &event.additional_context {
                parts.push(value_parameter("additional-context", reference_value(context)));
            }
            parameters.push(ParametersParameter {
                name: Primitive::from("notification-event"),
                part: parts,
                ..Default::default()
            });
        }
        let status = Parameters {
            id: Some(Primitive::from(status_id)),
            meta: Some(Meta {
                profile: vec![Primitive::from(urls::STATUS_PROFILE)],
                ..Default::default()
            }),
            parameter: parameters,
            ..Default::default()
        };
        let mut entries = vec![BundleEntry {
            full_url: Some(Primitive::new(format!("urn:uuid:{status_id}"))),
            resource: Some(Resource::from(status)),
            request: Some(BundleEntryRequest {
                method: Primitive::new(verb("GET")),
                url: Primitive::new(format!("{subscription_url}/$status")),
                ..Default::default()
            }),
            response: Some(BundleEntryResponse {
                status: Primitive::from("200"),
                ..Default::default()
            }),
            ..Default::default()
        }];
        for resource in &self.resources {
            let local = format!("{}/{}", resource.resource_type(), resource.id().unwrap_or_default());
            let base = subscription_url.split("/Subscription/").next().unwrap_or_default();
            entries.push(BundleEntry {
                full_url: Some(Primitive::new(format!("{base}/{local}"))),
                resource: Some(resource.clone()),
                request: Some(BundleEntryRequest {
                    method: Primitive::new(verb("PUT")),
                    url: Primitive::new(local),
                    ..Default::default()
                }),
                response: Some(BundleEntryResponse {
                    status: Primitive::from("200"),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        Bundle {
            meta: Some(Meta {
                profile: vec![Primitive::from(urls::NOTIFICATION_PROFILE)],
                ..Default::default()
            }),
            type_: Primitive::new(Coded::Known(BundleType::History)),
            entry: entries,
            ..Default::default()
        }
    }
}

fn read_event(parameter: &ParametersParameter, at: &str) -> Result<NotificationEvent, MonitoringError> {
    let mut number_text = None;
    let mut timestamp = None;
    let mut focus = None;
    let mut additional_context = Vec::new();
    for part in &parameter.part {
        let name = part.name.value.as_deref().unwrap_or_default();
        let element = format!("{at}.part[{name}]");
        match (name, part.value.as_ref()) {
            ("event-number", Some(ParametersParameterValue::String(s))) => number_text = Some(s.value.clone()),
            ("timestamp", Some(ParametersParameterValue::Instant(i))) => {
                timestamp = i.value.as_ref().map(|v| v.as_str().to_owned())
            }
            ("focus", Some(ParametersParameterValue::Reference(r))) => focus = r.reference_str().map(str::to_owned),
            ("additional-context", Some(ParametersParameterValue::Reference(r))) => {
                additional_context.extend(r.reference_str().map(str::to_owned))
            }
            ("event-number" | "timestamp" | "focus" | "additional-context", _) => {
                return Err(MonitoringError::invalid(
                    element,
                    match name {
                        "event-number" => "valueString",
                        "timestamp" => "valueInstant",
                        _ => "valueReference",
                    },
                    "another value type or none",
                ))
            }
            // Parts added by later backport versions (related-query, authorization-*) are kept out.
            _ => {}
        }
    }
    let number = match number_text {
        Some(text) => number(text.as_deref(), &format!("{at}.part[event-number].valueString"))?,
        None => return Err(MonitoringError::missing(format!("{at}.part[event-number]"))),
    };
    Ok(NotificationEvent {
        number,
        timestamp,
        focus,
        additional_context,
    })
}

fn number(text: Option<&str>, element: &str) -> Result<u64, MonitoringError> {
    let text = text.ok_or_else(|| MonitoringError::missing(element.to_owned()))?;
    text.parse()
        .map_err(|_| MonitoringError::invalid(element, "a non-negative integer in a string", text))
}

/// The code through `CodeEnum`, so the generated variant names do not matter.
fn verb(code: &str) -> Coded<HTTPVerb> {
    HTTPVerb::from_code(code).map_or_else(|| Coded::Unknown(code.to_owned()), Coded::Known)
}

fn value_parameter(name: &str, value: ParametersParameterValue) -> ParametersParameter {
    ParametersParameter {
        name: Primitive::from(name),
        value: Some(value),
        ..Default::default()
    }
}

fn reference_value(text: &str) -> ParametersParameterValue {
    ParametersParameterValue::Reference(Box::new(Reference {
        reference: Some(Primitive::from(text)),
        ..Default::default()
    }))
}
