//! Server side: subscription topics as data, whether a change notifies a subscription, and the
//! notifications with their event numbers.
//!
//! Topic semantics are R5 `SubscriptionTopic.resourceTrigger` (which the backport pre-adopts):
//! `methodCriteria` (create | update | delete), `queryCriteria.previous/current` tested on the
//! resource before and after the change, `resultForCreate` standing in for `previous` on a
//! create and `resultForDelete` for `current` on a delete, `requireBoth` (both tests must pass;
//! otherwise either). Filters (`backport-filter-criteria`) are ANDed and limited to the topic's
//! `canFilterBy`. A criterion the matcher answers `Unsupported` is an error, never a match (the
//! Backport IG: a server SHALL reject filters it cannot evaluate). Event numbers count every
//! event of the subscription from 1; handshakes and heartbeats do not increment them
//! (`events-since-subscription-start` definition, `BackportNotificationR4.fsh`).

use fhir_model::{ExtensionValue, Resource, Subscription};
use search_params::{CompiledQuery, Outcome, Query};

use super::notification::{Notification, NotificationEvent, NotificationType};
use super::subscription::PayloadContent;
use super::{urls, MonitoringError};

/// The interaction that changed a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// create
    Create,
    /// update
    Update,
    /// delete
    Delete,
}

/// `resultForCreate` / `resultForDelete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CriteriaResult {
    /// `test-passes`
    TestPasses,
    /// `test-fails`
    TestFails,
}

/// `resourceTrigger.queryCriteria`. Criteria are written without the resource type
/// (`status:not=draft&intent=order`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryCriteria {
    /// Test on the resource before the change.
    pub previous: Option<String>,
    /// Test on the resource after the change.
    pub current: Option<String>,
    /// What `previous` counts as on a create (absent: not evaluated).
    pub result_for_create: Option<CriteriaResult>,
    /// What `current` counts as on a delete (absent: not evaluated).
    pub result_for_delete: Option<CriteriaResult>,
    /// Both tests must pass (otherwise either).
    pub require_both: bool,
}

/// A subscription topic (one resource trigger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// Canonical URL.
    pub url: String,
    /// `resourceTrigger.resource`.
    pub resource_type: String,
    /// `resourceTrigger.supportedInteraction` / seed's methodCriteria.
    pub methods: Vec<Method>,
    /// `resourceTrigger.queryCriteria`.
    pub query_criteria: Option<QueryCriteria>,
    /// Search parameters a subscription may filter by.
    pub can_filter_by: Vec<String>,
}

impl Topic {
    /// Seed 004's Task topic: create, update, delete; current `status:not=draft&intent=order`;
    /// resultForDelete test-passes; filters `_lastUpdated`, `code`, `owner`, `requester`,
    /// `status`. The seed gives no `previous` (its table lists `current` twice) and no
    /// `requireBoth` (so false).
    pub fn sdoh_task() -> Topic {
        Topic {
            url: urls::SDOH_TASK_TOPIC.to_owned(),
            resource_type: "Task".to_owned(),
            methods: vec![Method::Create, Method::Update, Method::Delete],
            query_criteria: Some(QueryCriteria {
                previous: None,
                current: Some("status:not=draft&intent=order".to_owned()),
                result_for_create: None,
                result_for_delete: Some(CriteriaResult::TestPasses),
                require_both: false,
            }),
            can_filter_by: ["_lastUpdated", "code", "owner", "requester", "status"]
                .map(String::from)
                .to_vec(),
        }
    }

    /// Seed 004's ServiceRequest topic: update, delete; filters `_lastUpdated`, `_id`.
    pub fn sdoh_service_request() -> Topic {
        Topic {
            url: urls::SDOH_SERVICE_REQUEST_TOPIC.to_owned(),
            resource_type: "ServiceRequest".to_owned(),
            methods: vec![Method::Update, Method::Delete],
            query_criteria: None,
            can_filter_by: ["_lastUpdated", "_id"].map(String::from).to_vec(),
        }
    }

    /// Refuses a filter on another resource type, on a parameter outside `canFilterBy`, through
    /// a chain, or with criteria the matcher cannot evaluate.
    pub fn check_filter(&self, filter: &Query) -> Result<(), MonitoringError> {
        if filter.resource_type() != self.resource_type {
            return Err(MonitoringError::FilterResourceType {
                expected: self.resource_type.clone(),
                found: filter.resource_type().to_owned(),
            });
        }
        if filter.items().len() != filter.filters().count() {
            return Err(MonitoringError::invalid(
                "Subscription.criteria.extension[filterCriteria]",
                "search parameters only (no _include, _sort, _count …)",
                filter.to_string(),
            ));
        }
        for f in filter.filters() {
            if !f.links.is_empty() || !self.can_filter_by.contains(&f.code) {
                return Err(MonitoringError::FilterNotAllowed {
                    topic: self.url.clone(),
                    parameter: f.code.clone(),
                    allowed: self.can_filter_by.join(", "),
                });
            }
        }
        if let Some(reason) = filter.compile().unsupported().into_iter().next() {
            return Err(MonitoringError::Unsupported {
                element: format!("Subscription.criteria.extension[filterCriteria] {filter}"),
                reason,
            });
        }
        Ok(())
    }

    /// Whether a change triggers this topic (before filters). `before` is absent on a create,
    /// `after` on a delete.
    pub fn triggers(
        &self,
        method: Method,
        before: Option<&Resource>,
        after: Option<&Resource>,
    ) -> Result<bool, MonitoringError> {
        if !self.methods.contains(&method) {
            return Ok(false);
        }
        let subject = after
            .or(before)
            .ok_or_else(|| MonitoringError::missing("change (neither before nor after)"))?;
        if subject.resource_type() != self.resource_type {
            return Ok(false);
        }
        let Some(criteria) = &self.query_criteria else {
            return Ok(true);
        };
        let previous = match (&criteria.previous, method) {
            (None, _) => None,
            (Some(_), Method::Create) => criteria.result_for_create.map(|r| r == CriteriaResult::TestPasses),
            (Some(test), _) => Some(self.test(test, before, "queryCriteria.previous")?),
        };
        let current = match (&criteria.current, method) {
            (None, _) => None,
            (Some(_), Method::Delete) => criteria.result_for_delete.map(|r| r == CriteriaResult::TestPasses),
            (Some(test), _) => Some(self.test(test, after, "queryCriteria.current")?),
        };
        let evaluated: Vec<bool> = [previous, current].into_iter().flatten().collect();
        Ok(match (evaluated.is_empty(), criteria.require_both) {
            (true, _) => true,
            (false, true) => evaluated.iter().all(|b| *b),
            (false, false) => evaluated.iter().any(|b| *b),
        })
    }

    fn test(&self, criterion: &str, resource: Option<&Resource>, element: &str) -> Result<bool, MonitoringError> {
        let element = format!("SubscriptionTopic.resourceTrigger.{element}");
        let Some(resource) = resource else {
            return Err(MonitoringError::missing(format!(
                "{element} (no resource version to test)"
            )));
        };
        let query = Query::parse(&format!("{}?{criterion}", self.resource_type))
            .map_err(|e| MonitoringError::query(element.clone(), e))?;
        outcome(query.compile().matches(resource), &element)
    }
}

fn outcome(outcome: Outcome, element: &str) -> Result<bool, MonitoringError> {
    match outcome {
        Outcome::Match => Ok(true),
        Outcome::NoMatch => Ok(false),
        Outcome::Unsupported(reason) => Err(MonitoringError::Unsupported {
            element: element.to_owned(),
            reason,
        }),
    }
}

/// A subscription as the server keeps it: topic, compiled filters, content level and the
/// event counter.
#[derive(Debug, Clone)]
pub struct ServerSubscription {
    /// The Subscription's URL (`[base]/Subscription/[id]`), used in notifications.
    pub url: String,
    topic: Topic,
    filters: Vec<(Query, CompiledQuery)>,
    /// Content level of notifications.
    pub content: PayloadContent,
    /// Subscription status code sent in notifications.
    pub status: String,
    /// `backport-max-count`: most focus resources per notification.
    pub max_count: Option<u32>,
    /// `backport-heartbeat-period` in seconds: how often to send a heartbeat when idle.
    pub heartbeat_period: Option<u32>,
    events_since_start: u64,
}

impl ServerSubscription {
    /// Accepts a backport Subscription for one of `topics`: the topic from `criteria` (or the
    /// legacy `backport-topic-canonical` extension), filters from `backport-filter-criteria`,
    /// content from `backport-payload-content` (absent: the backport's 1..1 is violated → error).
    pub fn accept(
        url: &str,
        subscription: &Subscription,
        topics: &[Topic],
    ) -> Result<ServerSubscription, MonitoringError> {
        let legacy = subscription
            .extension
            .iter()
            .find(|e| e.url == urls::TOPIC_CANONICAL_LEGACY);
        let criteria = subscription.criteria.value.clone().unwrap_or_default();
        let (topic_url, mut filter_texts) = match legacy.and_then(|e| e.value.as_ref()) {
            Some(ExtensionValue::Uri(u)) | Some(ExtensionValue::Canonical(u)) => {
                (u.value.clone().unwrap_or_default(), vec![criteria])
            }
            Some(_) => {
                return Err(MonitoringError::invalid(
                    "Subscription.extension[backport-topic-canonical]",
                    "valueUri",
                    "another value type",
                ))
            }
            None => (criteria, Vec::new()),
        };
        for (index, ext) in subscription
            .criteria
            .extension()
            .iter()
            .filter(|e| e.url == urls::FILTER_CRITERIA)
            .enumerate()
        {
            match &ext.value {
                Some(ExtensionValue::String(s)) => filter_texts.push(s.value.clone().unwrap_or_default()),
                _ => {
                    return Err(MonitoringError::invalid(
                        format!("Subscription.criteria.extension[filterCriteria][{index}]"),
                        "valueString",
                        "another value type or none",
                    ))
                }
            }
        }
        let topic = topics.iter().find(|t| t.url == topic_url).cloned().ok_or_else(|| {
            MonitoringError::invalid("Subscription.criteria", "a supported topic canonical", topic_url)
        })?;
        let payload = subscription
            .channel
            .payload
            .as_ref()
            .ok_or_else(|| MonitoringError::missing("Subscription.channel.payload"))?;
        let content = match payload
            .extension()
            .iter()
            .find(|e| e.url == urls::PAYLOAD_CONTENT)
            .and_then(|e| e.value.as_ref())
        {
            Some(ExtensionValue::Code(c)) => {
                let code = c.value.clone().unwrap_or_default();
                PayloadContent::from_code(&code).ok_or_else(|| {
                    MonitoringError::invalid(
                        "Subscription.channel.payload.extension[content].valueCode",
                        "empty | id-only | full-resource",
                        code,
                    )
                })?
            }
            _ => {
                return Err(MonitoringError::missing(
                    "Subscription.channel.payload.extension[content]",
                ))
            }
        };
        let channel_value = |url: &str, element: &str| -> Result<Option<u32>, MonitoringError> {
            match subscription
                .channel
                .extension
                .iter()
                .find(|e| e.url == url)
                .and_then(|e| e.value.as_ref())
            {
                None => Ok(None),
                Some(ExtensionValue::UnsignedInt(n)) | Some(ExtensionValue::PositiveInt(n)) => Ok(n.value),
                Some(_) => Err(MonitoringError::invalid(
                    element,
                    "an unsignedInt or positiveInt",
                    "another value type",
                )),
            }
        };
        let max_count = channel_value(urls::MAX_COUNT, "Subscription.channel.extension[maxCount]")?;
        if max_count == Some(0) {
            return Err(MonitoringError::invalid(
                "Subscription.channel.extension[maxCount].valuePositiveInt",
                "a positive integer",
                "0",
            ));
        }
        let heartbeat_period = channel_value(
            urls::HEARTBEAT_PERIOD,
            "Subscription.channel.extension[heartbeatPeriod]",
        )?;
        let mut filters = Vec::new();
        for text in filter_texts {
            let query = Query::parse(&text)
                .map_err(|e| MonitoringError::query("Subscription.criteria.extension[filterCriteria]", e))?;
            filters.push(query);
        }
        let mut accepted = ServerSubscription::new(url, topic, filters, content)?;
        accepted.max_count = max_count;
        accepted.heartbeat_period = heartbeat_period;
        Ok(accepted)
    }

    /// A subscription on `topic` with `filters` (each checked against `canFilterBy`).
    pub fn new(
        url: &str,
        topic: Topic,
        filters: Vec<Query>,
        content: PayloadContent,
    ) -> Result<ServerSubscription, MonitoringError> {
        let mut compiled = Vec::new();
        for query in filters {
            topic.check_filter(&query)?;
            let c = query.compile();
            compiled.push((query, c));
        }
        Ok(ServerSubscription {
            url: url.to_owned(),
            topic,
            filters: compiled,
            content,
            status: "active".to_owned(),
            max_count: None,
            heartbeat_period: None,
            events_since_start: 0,
        })
    }

    /// Applies an update (PUT) of the Subscription: new filters and content on the same topic;
    /// the event count goes on, since it counts the events of this subscription.
    pub fn update(&mut self, subscription: &Subscription, topics: &[Topic]) -> Result<(), MonitoringError> {
        let next = ServerSubscription::accept(&self.url, subscription, topics)?;
        if next.topic.url != self.topic.url {
            return Err(MonitoringError::invalid(
                "Subscription.criteria",
                "the topic of the existing subscription",
                next.topic.url,
            ));
        }
        self.filters = next.filters;
        self.content = next.content;
        self.max_count = next.max_count;
        self.heartbeat_period = next.heartbeat_period;
        Ok(())
    }

    /// The topic.
    pub fn topic(&self) -> &Topic {
        &self.topic
    }

    /// Events generated so far (`events-since-subscription-start`).
    pub fn events_since_start(&self) -> u64 {
        self.events_since_start
    }

    /// Offers a change: when the topic triggers and every filter matches (the version after the
    /// change; the one before for a delete), the event gets the next number, returned.
    pub fn offer(
        &mut self,
        method: Method,
        before: Option<&Resource>,
        after: Option<&Resource>,
    ) -> Result<Option<u64>, MonitoringError> {
        if !self.topic.triggers(method, before, after)? {
            return Ok(None);
        }
        let subject = if method == Method::Delete { before } else { after };
        let Some(subject) = subject else { return Ok(None) };
        for (query, compiled) in &self.filters {
            let element = format!("Subscription.criteria.extension[filterCriteria] {query}");
            if !outcome(compiled.matches(subject), &element)? {
                return Ok(None);
            }
        }
        self.events_since_start += 1;
        Ok(Some(self.events_since_start))
    }

    /// The handshake notification (no events; current count).
    pub fn handshake(&self) -> Notification {
        self.status_only(NotificationType::Handshake)
    }

    /// A heartbeat notification (no events; current count).
    pub fn heartbeat(&self) -> Notification {
        self.status_only(NotificationType::Heartbeat)
    }

    /// The answer to `$status`.
    pub fn query_status(&self) -> Notification {
        self.status_only(NotificationType::QueryStatus)
    }

    /// An event notification (or, with `query_event`, an `$events` answer) for numbered
    /// events: `(number, timestamp, focus resource)`. The focus is referenced for id-only and
    /// full-resource, and included as an entry for full-resource; empty carries neither
    /// (backport `payloads.md`). The topic is omitted for empty payloads (SHOULD NOT).
    pub fn notification(&self, events: &[(u64, String, &Resource)], query_event: bool) -> Notification {
        let base = self.url.split("/Subscription/").next().unwrap_or_default();
        let events_out = events
            .iter()
            .map(|(number, timestamp, resource)| NotificationEvent {
                number: *number,
                timestamp: Some(timestamp.clone()),
                focus: (self.content != PayloadContent::Empty).then(|| {
                    format!(
                        "{base}/{}/{}",
                        resource.resource_type(),
                        resource.id().unwrap_or_default()
                    )
                }),
                additional_context: Vec::new(),
            })
            .collect();
        let resources = if self.content == PayloadContent::FullResource {
            events.iter().map(|(_, _, r)| (*r).clone()).collect()
        } else {
            Vec::new()
        };
        let mut notification = self.status_only(if query_event {
            NotificationType::QueryEvent
        } else {
            NotificationType::EventNotification
        });
        notification.events = events_out;
        notification.resources = resources;
        notification
    }

    /// Event notifications for `events`, at most `max_count` events each (backport
    /// `backport-max-count`: "the maximum number of triggering resources that will be included
    /// in a notification bundle").
    pub fn notifications(&self, events: &[(u64, String, &Resource)]) -> Vec<Notification> {
        let size = self.max_count.map_or(usize::MAX, |n| n as usize).max(1);
        events
            .chunks(size)
            .map(|chunk| self.notification(chunk, false))
            .collect()
    }

    fn status_only(&self, kind: NotificationType) -> Notification {
        Notification {
            subscription: self.url.clone(),
            topic: (self.content != PayloadContent::Empty).then(|| self.topic.url.clone()),
            status: self.status.clone(),
            kind,
            events_since_start: Some(self.events_since_start),
            events: Vec::new(),
            resources: Vec::new(),
        }
    }
}
