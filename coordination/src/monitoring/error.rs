use thiserror::Error;

/// What went wrong while monitoring; each variant names the element it is about.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum MonitoringError {
    /// A value of the wrong kind or form.
    #[error("{element}: expected {expected}, found {found:?}")]
    InvalidValue {
        /// Where (FHIR path or header name).
        element: String,
        /// What was expected.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// A required element is absent.
    #[error("{element}: required but absent")]
    Missing {
        /// Where.
        element: String,
    },
    /// A notification Bundle whose first entry is not the SubscriptionStatus `Parameters`
    /// (invariant backport-notification-bundle-r4-1).
    #[error("Bundle.entry[0].resource: the SubscriptionStatus Parameters must be the first entry, found {found}")]
    StatusNotFirst {
        /// What the first entry holds (`no entry`, or a resource type).
        found: String,
    },
    /// A notification `type` outside handshake | heartbeat | event-notification | query-status | query-event.
    #[error("Parameters.parameter[type].valueCode: unknown notification type {found:?}")]
    UnknownNotificationType {
        /// The code found.
        found: String,
    },
    /// A filter on a parameter the topic does not list in `canFilterBy`.
    #[error(
        "Subscription.criteria.extension[filterCriteria]: {topic} cannot filter by {parameter:?} (allowed: {allowed})"
    )]
    FilterNotAllowed {
        /// The topic URL.
        topic: String,
        /// The refused parameter.
        parameter: String,
        /// The allowed parameters, comma separated.
        allowed: String,
    },
    /// A filter for another resource type than the topic's.
    #[error("Subscription.criteria.extension[filterCriteria]: filter is on {found}, the topic triggers on {expected}")]
    FilterResourceType {
        /// The topic's resource type.
        expected: String,
        /// The filter's resource type.
        found: String,
    },
    /// A search string that search-params refused.
    #[error("{element}: {source}")]
    Query {
        /// Where the query came from.
        element: String,
        /// The parser's error.
        source: search_params::Error,
    },
    /// A criterion the matcher cannot evaluate: the Backport IG says a server SHALL refuse filters
    /// it cannot evaluate, so this is never treated as a match.
    #[error("{element}: cannot be evaluated: {reason}")]
    Unsupported {
        /// The criterion.
        element: String,
        /// The matcher's reason.
        reason: String,
    },
    /// The cursor would move although pages remain unread.
    #[error("Bundle.link[next]: page {next:?} not read yet; the cursor only moves after the last page")]
    PagesRemaining {
        /// The next page's URL.
        next: String,
    },
    /// Neither the searchset's `meta.lastUpdated` nor a `Date` header gives the server's time.
    #[error("Bundle.meta.lastUpdated: absent and no Date header; the cursor never takes the client's clock")]
    NoServerTime,
    /// A page after the last one, or a page on a finished run.
    #[error("{element}: {problem}")]
    Sequence {
        /// Where.
        element: String,
        /// What is out of order.
        problem: String,
    },
}

impl MonitoringError {
    pub(crate) fn invalid(element: impl Into<String>, expected: &'static str, found: impl Into<String>) -> Self {
        MonitoringError::InvalidValue {
            element: element.into(),
            expected,
            found: found.into(),
        }
    }

    pub(crate) fn missing(element: impl Into<String>) -> Self {
        MonitoringError::Missing {
            element: element.into(),
        }
    }

    pub(crate) fn query(element: impl Into<String>, source: search_params::Error) -> Self {
        MonitoringError::Query {
            element: element.into(),
            source,
        }
    }
}
