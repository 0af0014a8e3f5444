//! Noticing, promptly and without missing anything, when Tasks and their ServiceRequests change
//! (SDOH Clinical Care "Checking Task Status", seed 004): by **polling** with a server-side
//! cursor, or by **topic-based subscriptions** of the R4 Subscriptions Backport IG, on both the
//! client and the server side. The rules and their sources are in `docs/spec/monitoring.md`.
//!
//! * [`poll`]: the seed's queries ([`PollPlan`]), a cursor that only moves on the server's clock
//!   and after the last page ([`PollCursor`], [`PollRun`]), and the polling frequency as data
//!   ([`IntervalPolicy`]).
//! * [`events`]: typed changes ([`ChangeEvent`]) from what was seen versus what was known.
//! * [`subscription`]: the backport `Subscription` for the seed's two topics.
//! * [`notification`]: reading and building notification Bundles, the id-only follow-up search.
//! * [`gaps`]: missed events and overdue heartbeats, with what to do about them.
//! * [`topic`]: server side topics, trigger and filter evaluation, event numbering.
//!
//! ```
//! use coordination::monitoring::{PollCursor, PollPlan, PartyRef};
//!
//! let plan = PollPlan::new(PartyRef::reference("Organization", "123"));
//! let cursor = PollCursor::start_at("2021-05-03T17:23:18.1732-04:00")?;
//! let query = plan.owned_by_us().with_cursor(&cursor)?;
//! assert_eq!(query.to_string(), "Task?owner=Organization/123&_lastUpdated=ge2021-05-03T17:23:18.1732-04:00");
//! # Ok::<(), coordination::monitoring::MonitoringError>(())
//! ```
//!
//! Subscribing: the Subscription to POST, the server's handshake and event notification, and
//! the follow-up search of an id-only notification.
//!
//! ```
//! use coordination::monitoring::{Method, Notification, ServerSubscription, SubscriptionRequest, Topic};
//! use fhir_model::{Primitive, Resource, Task, TaskIntent, TaskStatus};
//!
//! let subscription = SubscriptionRequest::new(Topic::sdoh_task(), "https://ehr.example.org/hook")
//!     .filter("Task?owner=Organization/123")?
//!     .build()?;
//! // Server side: accept it, send the handshake, then notify a change.
//! let mut server = ServerSubscription::accept(
//!     "https://cbo.example.org/fhir/Subscription/s1",
//!     &subscription,
//!     &[Topic::sdoh_task()],
//! )?;
//! let handshake = server.handshake().to_bundle("h1", &server.url);
//! let mut task = Task::new(TaskStatus::Requested, TaskIntent::Order);
//! task.id = Some(Primitive::from("1234"));
//! task.owner = Some(fhir_model::Reference::to_type_id("Organization", "123"));
//! let task = Resource::from(task);
//! let number = server.offer(Method::Create, None, Some(&task))?.expect("matches the filter");
//! let bundle = server
//!     .notification(&[(number, "2024-01-01T10:00:00Z".into(), &task)], false)
//!     .to_bundle("n1", &server.url);
//! // Client side: read it and search for what changed.
//! let notification = Notification::from_bundle(&bundle)?;
//! let follow_up = notification.follow_up_queries()?;
//! assert_eq!(follow_up[0].to_string(), "Task?_id=1234&_include=Task:focus");
//! # let _ = handshake;
//! # Ok::<(), coordination::monitoring::MonitoringError>(())
//! ```

pub mod events;
pub mod gaps;
pub mod notification;
pub mod poll;
pub mod subscription;
pub mod topic;

mod error;
mod time;

pub use error::MonitoringError;
pub use events::{ChangeDetector, ChangeEvent};
pub use gaps::{Assessment, EventTracker, RecoveryAction};
pub use notification::{Notification, NotificationEvent, NotificationType};
pub use poll::{IntervalPolicy, PageOutcome, PartyRef, PollCursor, PollPlan, PollQuery, PollRun, PolledVersion};
pub use subscription::{PayloadContent, PayloadFormat, SubscriptionRequest, TopicPlacement};
pub use time::UnixSeconds;
pub use topic::{CriteriaResult, Method, QueryCriteria, ServerSubscription, Topic};

/// Backport IG extension and code system URLs (`BackportSubscription.fsh`, v1.1.0 and master).
pub mod urls {
    /// Base of the backport StructureDefinitions.
    pub const BACKPORT_SD: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
    /// `backport-filter-criteria` (on `Subscription.criteria`, valueString, 0..*).
    pub const FILTER_CRITERIA: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria";
    /// `backport-payload-content` (on `Subscription.channel.payload`, valueCode).
    pub const PAYLOAD_CONTENT: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
    /// `backport-heartbeat-period` (on `Subscription.channel`, valueUnsignedInt seconds).
    pub const HEARTBEAT_PERIOD: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period";
    /// `backport-timeout` (on `Subscription.channel`, valueUnsignedInt seconds).
    pub const TIMEOUT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout";
    /// `backport-max-count` (on `Subscription.channel`, valuePositiveInt).
    pub const MAX_COUNT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count";
    /// `backport-topic-canonical`: the pre-STU1 place of the topic URL (removed 2021-07-26,
    /// still listed as deprecated); SDOH's page still names it.
    pub const TOPIC_CANONICAL_LEGACY: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-topic-canonical";
    /// Profile of the R4 topic-based Subscription.
    pub const SUBSCRIPTION_PROFILE: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription";
    /// Profile of the R4 notification Bundle.
    pub const NOTIFICATION_PROFILE: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4";
    /// Profile of the R4 SubscriptionStatus `Parameters`.
    pub const STATUS_PROFILE: &str =
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";
    /// SDOH Clinical Care Task topic (seed 004).
    pub const SDOH_TASK_TOPIC: &str = "http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task";
    /// SDOH Clinical Care ServiceRequest topic, spelled as the seed writes it (lower-case `r`).
    pub const SDOH_SERVICE_REQUEST_TOPIC: &str =
        "http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Servicerequest";
}
