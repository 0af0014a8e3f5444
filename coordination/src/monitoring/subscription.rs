//! The R4 backport `Subscription` a client POSTs for seed 004's Task and ServiceRequest topics.
//!
//! Encoding (Subscriptions Backport IG `BackportSubscription.fsh`, v1.1.0 and master):
//! the topic canonical in `Subscription.criteria` (1..1); filters as `backport-filter-criteria`
//! extensions on `criteria` (ANDed); `channel.type` `rest-hook` (SDOH: SHALL support rest-hook);
//! `channel.payload` the MIME type, with `backport-payload-content` (`empty` | `id-only` |
//! `full-resource`, 1..1); `backport-heartbeat-period`, `backport-timeout` (unsignedInt seconds)
//! and `backport-max-count` (positiveInt) on `channel`. The pre-STU1 form puts the topic in a
//! `backport-topic-canonical` extension instead (seed 004 still says so; removed from the IG on
//! 2021-07-26): [`TopicPlacement::LegacyExtension`].

use fhir_model::{
    Coded, Extension, ExtensionValue, Meta, Primitive, Subscription, SubscriptionChannel, SubscriptionChannelType,
    SubscriptionStatus,
};
use search_params::{Query, Test};

use super::topic::Topic;
use super::{urls, MonitoringError};

/// Where the topic canonical goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TopicPlacement {
    /// `Subscription.criteria` = topic URL (backport STU1 1.0 and later; the default).
    #[default]
    Criteria,
    /// `Subscription.extension[backport-topic-canonical].valueUri` = topic URL and
    /// `Subscription.criteria` = the first filter (pre-STU1 builds, as seed 004 describes).
    LegacyExtension,
}

/// How much of each resource a notification carries (`backport-content-code-system`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PayloadContent {
    /// No resource ids: the client searches itself.
    Empty,
    /// `notification-event.focus` references only (SDOH: client and server SHALL support).
    #[default]
    IdOnly,
    /// The focus resources as Bundle entries.
    FullResource,
}

impl PayloadContent {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            PayloadContent::Empty => "empty",
            PayloadContent::IdOnly => "id-only",
            PayloadContent::FullResource => "full-resource",
        }
    }

    /// Reads a code.
    pub fn from_code(code: &str) -> Option<PayloadContent> {
        match code {
            "empty" => Some(PayloadContent::Empty),
            "id-only" => Some(PayloadContent::IdOnly),
            "full-resource" => Some(PayloadContent::FullResource),
            _ => None,
        }
    }
}

/// Notification format (`Subscription.channel.payload`; SDOH: servers SHALL support both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PayloadFormat {
    /// `application/fhir+json`
    #[default]
    Json,
    /// `application/fhir+xml`
    Xml,
}

impl PayloadFormat {
    /// The MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            PayloadFormat::Json => "application/fhir+json",
            PayloadFormat::Xml => "application/fhir+xml",
        }
    }
}

/// What to subscribe to and how notifications are delivered; [`SubscriptionRequest::build`]
/// gives the `Subscription` to POST.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRequest {
    /// The topic (its URL, resource type and `canFilterBy` are used).
    pub topic: Topic,
    /// Filters, each `Type?param=value…` on the topic's resource type (ANDed).
    pub filters: Vec<Query>,
    /// The rest-hook endpoint.
    pub endpoint: String,
    /// Headers to send with each notification (`Name: value`).
    pub headers: Vec<String>,
    /// Content level.
    pub content: PayloadContent,
    /// Payload format.
    pub format: PayloadFormat,
    /// Heartbeat period in seconds.
    pub heartbeat_period: Option<u32>,
    /// Delivery timeout in seconds.
    pub timeout: Option<u32>,
    /// Most focus resources per notification (positiveInt, so at least 1).
    pub max_count: Option<u32>,
    /// `Subscription.reason`.
    pub reason: String,
    /// Where the topic URL goes.
    pub placement: TopicPlacement,
    /// `Subscription.end`, a FHIR instant.
    pub end: Option<String>,
}

impl SubscriptionRequest {
    /// A request for `topic` delivered to `endpoint` with id-only JSON payloads and no filter.
    pub fn new(topic: Topic, endpoint: &str) -> SubscriptionRequest {
        SubscriptionRequest {
            reason: format!("Monitor {} changes", topic.resource_type),
            topic,
            filters: Vec::new(),
            endpoint: endpoint.to_owned(),
            headers: Vec::new(),
            content: PayloadContent::IdOnly,
            format: PayloadFormat::Json,
            heartbeat_period: None,
            timeout: None,
            max_count: None,
            placement: TopicPlacement::Criteria,
            end: None,
        }
    }

    /// Adds a filter, checked against the topic's `canFilterBy` (e.g. `Task?owner=Organization/123`).
    pub fn filter(mut self, filter: &str) -> Result<SubscriptionRequest, MonitoringError> {
        let query = Query::parse(filter)
            .map_err(|e| MonitoringError::query("Subscription.criteria.extension[filterCriteria]", e))?;
        self.topic.check_filter(&query)?;
        self.filters.push(query);
        Ok(self)
    }

    /// Replaces the `_id` filter of a ServiceRequest-topic subscription with the requests still
    /// being fulfilled (seed 004: "the filter criteria will be updated regularly to refer to the
    /// specific ServiceRequest ids the organization is fulfilling"). With no id left there is
    /// nothing to watch: `Ok(None)`, the caller sets the Subscription `off` or deletes it.
    pub fn with_requests<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        ids: I,
    ) -> Result<Option<SubscriptionRequest>, MonitoringError> {
        let mut ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        ids.sort();
        ids.dedup();
        self.filters.retain(|q| !q.filters().any(|f| f.code == "_id"));
        if ids.is_empty() {
            return Ok(None);
        }
        let query = Query::new(&self.topic.resource_type)
            .and_then(|q| q.and("_id", Test::codes(ids)))
            .map_err(|e| MonitoringError::query("Subscription.criteria.extension[filterCriteria]", e))?;
        self.topic.check_filter(&query)?;
        self.filters.push(query);
        Ok(Some(self))
    }

    /// The `Subscription` resource (status `requested`, as a client creates it).
    pub fn build(&self) -> Result<Subscription, MonitoringError> {
        if self.max_count == Some(0) {
            return Err(MonitoringError::invalid(
                "Subscription.channel.extension[maxCount].valuePositiveInt",
                "a positive integer",
                "0",
            ));
        }
        let filter_extensions: Vec<Extension> = self
            .filters
            .iter()
            .map(|q| {
                extension(
                    urls::FILTER_CRITERIA,
                    ExtensionValue::String(Primitive::new(q.to_string())),
                )
            })
            .collect();
        let mut criteria: Primitive<String>;
        let mut root_extensions = Vec::new();
        match self.placement {
            TopicPlacement::Criteria => {
                criteria = Primitive::new(self.topic.url.clone());
                criteria.extension_mut().extend(filter_extensions);
            }
            TopicPlacement::LegacyExtension => {
                let mut filters = filter_extensions.into_iter();
                let first = self
                    .filters
                    .first()
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| self.topic.resource_type.clone());
                filters.next();
                criteria = Primitive::new(first);
                criteria.extension_mut().extend(filters);
                root_extensions.push(extension(
                    urls::TOPIC_CANONICAL_LEGACY,
                    ExtensionValue::Uri(Primitive::new(self.topic.url.clone())),
                ));
            }
        }
        let mut payload = Primitive::new(self.format.mime_type().to_owned());
        payload.extension_mut().push(extension(
            urls::PAYLOAD_CONTENT,
            ExtensionValue::Code(Primitive::new(self.content.code().to_owned())),
        ));
        let mut channel = SubscriptionChannel {
            type_: Primitive::new(Coded::Known(SubscriptionChannelType::RestHook)),
            endpoint: Some(Primitive::new(self.endpoint.clone())),
            payload: Some(payload),
            header: self.headers.iter().map(|h| Primitive::new(h.clone())).collect(),
            ..Default::default()
        };
        if let Some(seconds) = self.heartbeat_period {
            channel.extension.push(extension(
                urls::HEARTBEAT_PERIOD,
                ExtensionValue::UnsignedInt(Primitive::new(seconds)),
            ));
        }
        if let Some(seconds) = self.timeout {
            channel.extension.push(extension(
                urls::TIMEOUT,
                ExtensionValue::UnsignedInt(Primitive::new(seconds)),
            ));
        }
        if let Some(count) = self.max_count {
            channel.extension.push(extension(
                urls::MAX_COUNT,
                ExtensionValue::PositiveInt(Primitive::new(count)),
            ));
        }
        let mut subscription = Subscription::new(
            Primitive::new(Coded::Known(SubscriptionStatus::Requested)),
            self.reason.clone(),
            criteria,
            channel,
        );
        subscription.extension = root_extensions;
        subscription.meta = Some(Meta {
            profile: vec![Primitive::new(urls::SUBSCRIPTION_PROFILE.to_owned())],
            ..Default::default()
        });
        if let Some(end) = &self.end {
            let instant = end
                .parse()
                .map_err(|_| MonitoringError::invalid("Subscription.end", "a FHIR instant", end.clone()))?;
            subscription.end = Some(Primitive::new(instant));
        }
        Ok(subscription)
    }
}

pub(crate) fn extension(url: &str, value: ExtensionValue) -> Extension {
    Extension {
        url: url.to_owned(),
        value: Some(value),
        ..Default::default()
    }
}
