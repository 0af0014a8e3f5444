//! Subscriptions R5 Backport 1.1.0 (the version SDOH CC 3.0.0 and COW depend on), for R4:
//! `backport-subscription`, `backport-subscription-notification-r4` and
//! `backport-subscription-status-r4`, from `subscriptions-backport/v1.1.0/fsh/` (file and line
//! cited per rule; the extension value types from the extension definitions in the same files).
//!
//! `parameter[type]` is bound to `http://hl7.org/fhir/ValueSet/subscription-notification-type`,
//! an R5 value set that is not among the R4 definitions; its five codes are those COW restates
//! (`clinical-order-workflows/fsh/profiles/all.fsh:36-40`).

use fhir_model::{IssueSeverity, Resource};

use super::rules::{Invariant, Match, Rule, Slice, Sourced};
use super::Profile;

/// Canonical URL of `backport-subscription`.
pub(crate) const SUBSCRIPTION_URL: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription";
/// Canonical URL of `backport-subscription-notification-r4`.
pub(crate) const NOTIFICATION_URL: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4";
/// Canonical URL of `backport-subscription-status-r4`.
pub(crate) const STATUS_URL: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";

/// A line of a backport FSH file and what it says.
macro_rules! fsh {
    ($file:literal, $line:literal, $text:literal) => {
        concat!(
            "subscriptions-backport/v1.1.0/fsh/",
            $file,
            ":",
            $line,
            " (",
            $text,
            ")"
        )
    };
}

const fn card(path: &'static str, min: u32, max: Option<u32>, source: &'static str) -> Sourced {
    Sourced {
        rule: Rule::Card { path, min, max },
        source,
    }
}

const fn types(path: &'static str, types: &'static [&'static str], source: &'static str) -> Sourced {
    Sourced {
        rule: Rule::Types { path, types },
        source,
    }
}

/// An extension slice on `path` (`…extension`) by URL, with the value type of its definition.
macro_rules! extension_slice {
    ($path:expr, $name:expr, $url:expr, $min:expr, $max:expr, $rules:expr, $source:expr $(,)?) => {
        Sourced {
            rule: Rule::Slice(Slice {
                path: $path,
                name: $name,
                matches: &[Match::Value {
                    path: "url",
                    value: $url,
                }],
                min: $min,
                max: $max,
                rules: $rules,
            }),
            source: $source,
        }
    };
}

pub(crate) static SUBSCRIPTION: Profile = Profile {
    url: SUBSCRIPTION_URL,
    id: "backport-subscription",
    title: "R4/B Topic-Based Subscription",
    resource_type: "Subscription",
    rules: &[
        card(
            "criteria",
            1,
            Some(1),
            fsh!("BackportSubscription.fsh", 7, "criteria 1..1 MS"),
        ),
        extension_slice!(
            "criteria.extension",
            "filterCriteria",
            "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
            0,
            None,
            &[types(
                "value",
                &["string"],
                fsh!(
                    "BackportSubscription.fsh",
                    56,
                    "BackportFilterCriteria: value[x] only string"
                ),
            )],
            fsh!(
                "BackportSubscription.fsh",
                11,
                "criteria.extension contains BackportFilterCriteria named filterCriteria 0..*"
            ),
        ),
        card(
            "channel.payload",
            1,
            Some(1),
            fsh!("BackportSubscription.fsh", 16, "channel.payload 1..1"),
        ),
        extension_slice!(
            "channel.payload.extension",
            "content",
            "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content",
            1,
            Some(1),
            &[
                types(
                    "value",
                    &["code"],
                    fsh!(
                        "BackportSubscription.fsh",
                        87,
                        "BackportPayloadContent: value[x] only code"
                    ),
                ),
                Sourced {
                    rule: Rule::Codes {
                        path: "value",
                        value_set: "http://hl7.org/fhir/uv/subscriptions-backport/ValueSet/backport-content-value-set",
                        codes: &["empty", "id-only", "full-resource"],
                    },
                    source: fsh!(
                        "BackportSubscription.fsh",
                        88,
                        "valueCode from BackportContentValueSet (required); codes: lines 68-70"
                    ),
                },
            ],
            fsh!(
                "BackportSubscription.fsh",
                17,
                "channel.payload.extension contains BackportPayloadContent named content 1..1"
            ),
        ),
        extension_slice!(
            "channel.extension",
            "heartbeatPeriod",
            "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period",
            0,
            Some(1),
            &[types(
                "value",
                &["unsignedInt"],
                fsh!(
                    "BackportSubscription.fsh",
                    100,
                    "BackportHeartbeatPeriod: value[x] only unsignedInt"
                ),
            )],
            fsh!(
                "BackportSubscription.fsh",
                22,
                "channel.extension contains BackportHeartbeatPeriod named heartbeatPeriod 0..1"
            ),
        ),
        extension_slice!(
            "channel.extension",
            "timeout",
            "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout",
            0,
            Some(1),
            &[types(
                "value",
                &["unsignedInt"],
                fsh!(
                    "BackportSubscription.fsh",
                    111,
                    "BackportTimeout: value[x] only unsignedInt"
                ),
            )],
            fsh!(
                "BackportSubscription.fsh",
                25,
                "channel.extension contains BackportTimeout named timeout 0..1"
            ),
        ),
        extension_slice!(
            "channel.extension",
            "maxCount",
            "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count",
            0,
            Some(1),
            &[types(
                "value",
                &["positiveInt"],
                fsh!(
                    "BackportSubscription.fsh",
                    122,
                    "BackportMaxCount: value[x] only positiveInt"
                ),
            )],
            fsh!(
                "BackportSubscription.fsh",
                28,
                "channel.extension contains BackportMaxCount named maxCount 0..1"
            ),
        ),
        extension_slice!(
            "channel.type.extension",
            "customChannelType",
            "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-channel-type",
            0,
            Some(1),
            &[types(
                "value",
                &["Coding"],
                fsh!(
                    "BackportSubscription.fsh",
                    44,
                    "BackportChannelType: value[x] only Coding"
                ),
            )],
            fsh!(
                "BackportSubscription.fsh",
                31,
                "channel.type.extension contains BackportChannelType named customChannelType 0..1"
            ),
        ),
    ],
};

pub(crate) static NOTIFICATION: Profile = Profile {
    url: NOTIFICATION_URL,
    id: "backport-subscription-notification-r4",
    title: "R4 Topic-Based Subscription Notification Bundle",
    resource_type: "Bundle",
    rules: &[
        Sourced {
            rule: Rule::Fixed {
                path: "type",
                value: "history",
            },
            source: fsh!("BackportNotificationR4.fsh", 7, "type = #history"),
        },
        Sourced {
            rule: Rule::Slice(Slice {
                path: "entry",
                name: "subscriptionStatus",
                matches: &[Match::Type {
                    path: "resource",
                    types: &["Parameters"],
                }],
                min: 1,
                max: Some(1),
                rules: &[Sourced {
                    rule: Rule::Conforms {
                        path: "resource",
                        profile: &STATUS,
                    },
                    source: fsh!(
                        "BackportNotificationR4.fsh",
                        15,
                        "entry[subscriptionStatus].resource only BackportSubscriptionStatusR4"
                    ),
                }],
            }),
            source: fsh!(
                "BackportNotificationR4.fsh",
                13,
                "entry contains subscriptionStatus 1..1 MS (discriminator: type of resource)"
            ),
        },
        Sourced {
            rule: Rule::Invariant(Invariant {
                key: "backport-notification-bundle-r4-1",
                severity: IssueSeverity::Error,
                human: "A notification bundle MUST have a Parameters as the first entry",
                expression: "(entry.first().resource.is(Parameters))",
                check: first_entry_is_parameters,
            }),
            source: fsh!("BackportNotificationR4.fsh", 18, "Invariant, obeyed at line 16"),
        },
    ],
};

fn first_entry_is_parameters(resource: &Resource) -> Vec<(String, String)> {
    let Resource::Bundle(b) = resource else {
        return Vec::new();
    };
    let first = b.entry.first().and_then(|e| e.resource.as_ref());
    match first {
        Some(Resource::Parameters(_)) => Vec::new(),
        Some(other) => vec![(
            "entry[0].resource".to_owned(),
            format!("a first entry holding a {}", other.resource_type()),
        )],
        None if b.entry.is_empty() => vec![("entry".to_owned(), "no entries".to_owned())],
        None => vec![("entry[0]".to_owned(), "a first entry without a resource".to_owned())],
    }
}

/// A slice of `parameter` (or of a parameter's `part`) by name, with its rules.
macro_rules! named {
    ($element:literal, $name:expr, $value:expr, $min:expr, $max:expr, $rules:expr, $source:expr $(,)?) => {
        Sourced {
            rule: Rule::Slice(Slice {
                path: $element,
                name: $name,
                matches: &[Match::Value {
                    path: "name",
                    value: $value,
                }],
                min: $min,
                max: $max,
                rules: $rules,
            }),
            source: $source,
        }
    };
}

pub(crate) static STATUS: Profile = Profile {
    url: STATUS_URL,
    id: "backport-subscription-status-r4",
    title: "R4 Backported R5 SubscriptionStatus",
    resource_type: "Parameters",
    rules: &[
        named!(
            "parameter",
            "subscription",
            "subscription",
            1,
            Some(1),
            &[
                card("value", 1, Some(1), fsh!("BackportNotificationR4.fsh", 50, "parameter[subscription].value[x] 1..1 MS")),
                types("value", &["Reference"], fsh!("BackportNotificationR4.fsh", 51, "parameter[subscription].value[x] only Reference(Subscription)")),
                Sourced {
                    rule: Rule::Targets {
                        path: "value",
                        types: &["Subscription"],
                    },
                    source: fsh!("BackportNotificationR4.fsh", 51, "parameter[subscription].value[x] only Reference(Subscription)"),
                },
            ],
            fsh!("BackportNotificationR4.fsh", 40, "parameter contains subscription 1..1 MS; line 48: name = \"subscription\""),
        ),
        named!(
            "parameter",
            "topic",
            "topic",
            0,
            Some(1),
            &[types("value", &["canonical"], fsh!("BackportNotificationR4.fsh", 58, "parameter[topic].value[x] only canonical"))],
            fsh!("BackportNotificationR4.fsh", 41, "parameter contains topic 0..1 MS; line 55: name = \"topic\""),
        ),
        named!(
            "parameter",
            "status",
            "status",
            1,
            Some(1),
            &[
                card("value", 1, Some(1), fsh!("BackportNotificationR4.fsh", 65, "parameter[status].value[x] 1..1 MS")),
                types("value", &["code"], fsh!("BackportNotificationR4.fsh", 66, "parameter[status].value[x] only code")),
                Sourced {
                    rule: Rule::Codes {
                        path: "value",
                        value_set: "http://hl7.org/fhir/ValueSet/subscription-status",
                        codes: &["requested", "active", "error", "off"],
                    },
                    source: fsh!(
                        "BackportNotificationR4.fsh",
                        67,
                        "parameter[status].value[x] from http://hl7.org/fhir/ValueSet/subscription-status (required)"
                    ),
                },
            ],
            fsh!("BackportNotificationR4.fsh", 42, "parameter contains status 1..1 MS; line 63: name = \"status\""),
        ),
        named!(
            "parameter",
            "type",
            "type",
            1,
            Some(1),
            &[
                card("value", 1, Some(1), fsh!("BackportNotificationR4.fsh", 73, "parameter[type].value[x] 1..1 MS")),
                types("value", &["code"], fsh!("BackportNotificationR4.fsh", 74, "parameter[type].value[x] only code")),
                Sourced {
                    rule: Rule::Codes {
                        path: "value",
                        value_set: "http://hl7.org/fhir/ValueSet/subscription-notification-type",
                        codes: &["handshake", "heartbeat", "event-notification", "query-status", "query-event"],
                    },
                    source: fsh!(
                        "BackportNotificationR4.fsh",
                        75,
                        "parameter[type].value[x] from http://hl7.org/fhir/ValueSet/subscription-notification-type (required)"
                    ),
                },
            ],
            fsh!("BackportNotificationR4.fsh", 43, "parameter contains type 1..1 MS; line 71: name = \"type\""),
        ),
        named!(
            "parameter",
            "eventsSinceSubscriptionStart",
            "events-since-subscription-start",
            0,
            Some(1),
            &[types("value", &["string"], fsh!("BackportNotificationR4.fsh", 81, "parameter[eventsSinceSubscriptionStart].value[x] only string"))],
            fsh!(
                "BackportNotificationR4.fsh",
                44,
                "parameter contains eventsSinceSubscriptionStart 0..1 MS; line 78: name = \"events-since-subscription-start\""
            ),
        ),
        named!(
            "parameter",
            "notificationEvent",
            "notification-event",
            0,
            None,
            &[
                named!(
                    "part",
                    "eventNumber",
                    "event-number",
                    1,
                    Some(1),
                    &[
                        card("value", 1, Some(1), fsh!("BackportNotificationR4.fsh", 102, "part[eventNumber].value[x] 1..1 MS")),
                        types("value", &["string"], fsh!("BackportNotificationR4.fsh", 103, "part[eventNumber].value[x] only string")),
                    ],
                    fsh!("BackportNotificationR4.fsh", 95, "part contains eventNumber 1..1 MS; line 100: name = \"event-number\""),
                ),
                named!(
                    "part",
                    "eventTimestamp",
                    "timestamp",
                    0,
                    Some(1),
                    &[types("value", &["instant"], fsh!("BackportNotificationR4.fsh", 110, "part[eventTimestamp].value[x] only instant"))],
                    fsh!("BackportNotificationR4.fsh", 96, "part contains eventTimestamp 0..1 MS; line 107: name = \"timestamp\""),
                ),
                named!(
                    "part",
                    "eventFocus",
                    "focus",
                    0,
                    Some(1),
                    &[types("value", &["Reference"], fsh!("BackportNotificationR4.fsh", 117, "part[eventFocus].value[x] only Reference"))],
                    fsh!("BackportNotificationR4.fsh", 97, "part contains eventFocus 0..1 MS; line 114: name = \"focus\""),
                ),
                named!(
                    "part",
                    "eventAdditionalContext",
                    "additional-context",
                    0,
                    None,
                    &[types(
                        "value",
                        &["Reference"],
                        fsh!("BackportNotificationR4.fsh", 124, "part[eventAdditionalContext].value[x] only Reference"),
                    )],
                    fsh!(
                        "BackportNotificationR4.fsh",
                        98,
                        "part contains eventAdditionalContext 0..* MS; line 121: name = \"additional-context\""
                    ),
                ),
            ],
            fsh!(
                "BackportNotificationR4.fsh",
                45,
                "parameter contains notificationEvent 0..* MS; line 85: name = \"notification-event\""
            ),
        ),
        named!(
            "parameter",
            "error",
            "error",
            0,
            None,
            &[types("value", &["CodeableConcept"], fsh!("BackportNotificationR4.fsh", 131, "parameter[error].value[x] only CodeableConcept"))],
            fsh!("BackportNotificationR4.fsh", 46, "parameter contains error 0..* MS; line 128: name = \"error\""),
        ),
    ],
};
