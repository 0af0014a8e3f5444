//! Clinical Order Workflows (COW) 1.0.0-ballot: `coordination-task`,
//! `cancellation-request-task`, `cow-subscription-status` and `cow-subscription-notification`, from `clinical-order-workflows/fsh/profiles/all.fsh` (lines cited
//! per rule). The COW `businessStatus` binding is `example` strength and is not checked; the
//! obligations (`SHALL:populate`, `SHALL:handle`) bind systems, not instances.

use super::rules::{Match, Rule, Slice, Sourced};
use super::Profile;

/// Canonical URL of the Coordination Task profile.
pub(crate) const COORDINATION_URL: &str = "http://hl7.org/fhir/uv/cow/StructureDefinition/coordination-task";
/// Canonical URL of the Cancellation Request Task profile.
pub(crate) const CANCELLATION_URL: &str = "http://hl7.org/fhir/uv/cow/StructureDefinition/cancellation-request-task";

/// A line of `all.fsh` and what it says.
macro_rules! fsh {
    ($line:literal, $text:literal) => {
        concat!(
            "clinical-order-workflows/fsh/profiles/all.fsh:",
            $line,
            " (",
            $text,
            ")"
        )
    };
}

/// The Request resource types a COW Task may focus on.
const REQUESTS: &[&str] = &[
    "ServiceRequest",
    "DeviceRequest",
    "MedicationRequest",
    "NutritionOrder",
    "SupplyRequest",
    "VisionPrescription",
];

/// The same, or a (Coordination) Task.
const REQUESTS_OR_TASK: &[&str] = &[
    "ServiceRequest",
    "DeviceRequest",
    "MedicationRequest",
    "NutritionOrder",
    "SupplyRequest",
    "VisionPrescription",
    "Task",
];

pub(crate) static COORDINATION: Profile = Profile {
    url: COORDINATION_URL,
    id: "coordination-task",
    title: "Coordination Task",
    resource_type: "Task",
    rules: &[
        Sourced {
            rule: Rule::Card {
                path: "identifier",
                min: 1,
                max: None,
            },
            source: fsh!(93, "identifier 1.. MS"),
        },
        Sourced {
            rule: Rule::Card {
                path: "code",
                min: 1,
                max: Some(1),
            },
            source: fsh!(126, "code 1.. MS"),
        },
        Sourced {
            rule: Rule::Card {
                path: "focus",
                min: 1,
                max: Some(1),
            },
            source: fsh!(127, "focus 1.. MS"),
        },
        Sourced {
            rule: Rule::Targets {
                path: "focus",
                types: REQUESTS,
            },
            source: fsh!(130, "focus only Reference(ServiceRequest or DeviceRequest or MedicationRequest or NutritionOrder or SupplyRequest or VisionPrescription)"),
        },
    ],
};

pub(crate) static CANCELLATION: Profile = Profile {
    url: CANCELLATION_URL,
    id: "cancellation-request-task",
    title: "Cancellation Request Task",
    resource_type: "Task",
    rules: &[
        Sourced {
            rule: Rule::Pattern {
                path: "code",
                system: "http://hl7.org/fhir/CodeSystem/task-code",
                code: "abort",
            },
            source: fsh!(141, "code = http://hl7.org/fhir/CodeSystem/task-code#abort"),
        },
        Sourced {
            rule: Rule::Card {
                path: "focus",
                min: 1,
                max: Some(1),
            },
            source: fsh!(143, "focus 1..1 MS"),
        },
        Sourced {
            rule: Rule::Targets {
                path: "focus",
                types: REQUESTS_OR_TASK,
            },
            source: fsh!(
                146,
                "focus only Reference(ServiceRequest or … or VisionPrescription or CoordinationTask)"
            ),
        },
    ],
};

/// Canonical URL of the COW Subscription Status profile (on the backport's SubscriptionStatus).
pub(crate) const STATUS_URL: &str = "http://hl7.org/fhir/uv/cow/StructureDefinition/cow-subscription-status";
/// Canonical URL of the COW Subscription Notification profile (on the backport's notification).
pub(crate) const NOTIFICATION_URL: &str =
    "http://hl7.org/fhir/uv/cow/StructureDefinition/cow-subscription-notification";

pub(crate) static STATUS: Profile = Profile {
    url: STATUS_URL,
    id: "cow-subscription-status",
    title: "COW Subscription Status",
    resource_type: "Parameters",
    rules: &[
        Sourced {
            rule: Rule::Conforms {
                path: "",
                profile: &super::backport::STATUS,
            },
            source: fsh!(4, "Parent: $backport-subscription-status-r4"),
        },
        Sourced {
            rule: Rule::Slice(Slice {
                path: "parameter",
                name: "subscription",
                matches: &[Match::Value {
                    path: "name",
                    value: "subscription",
                }],
                min: 0,
                max: None,
                rules: &[Sourced {
                    rule: Rule::Card {
                        path: "value.identifier",
                        min: 1,
                        max: Some(1),
                    },
                    source: fsh!(10, "parameter[subscription].valueReference.identifier 1..1 MS SU"),
                }],
            }),
            source: fsh!(10, "parameter[subscription] (name = \"subscription\")"),
        },
        Sourced {
            rule: Rule::Slice(Slice {
                path: "parameter",
                name: "notificationEvent",
                matches: &[Match::Value {
                    path: "name",
                    value: "notification-event",
                }],
                min: 0,
                max: None,
                rules: &[Sourced {
                    rule: Rule::Slice(Slice {
                        path: "part",
                        name: "eventFocus",
                        matches: &[Match::Value {
                            path: "name",
                            value: "focus",
                        }],
                        min: 0,
                        max: None,
                        rules: &[
                            Sourced {
                                rule: Rule::Card {
                                    path: "value",
                                    min: 1,
                                    max: Some(1),
                                },
                                source: fsh!(20, "parameter[notificationEvent].part[eventFocus].value[x] 1..1 MS"),
                            },
                            Sourced {
                                rule: Rule::Types {
                                    path: "value",
                                    types: &["Reference"],
                                },
                                source: fsh!(21, "part[eventFocus].value[x] only Reference (CoordinationTask)"),
                            },
                            Sourced {
                                rule: Rule::Targets {
                                    path: "value",
                                    types: &["Task"],
                                },
                                source: fsh!(21, "part[eventFocus].value[x] only Reference (CoordinationTask)"),
                            },
                        ],
                    }),
                    source: fsh!(18, "part[eventFocus].name = \"focus\" (exactly)"),
                }],
            }),
            source: fsh!(17, "parameter[notificationEvent].part[eventFocus]"),
        },
        Sourced {
            rule: Rule::Slice(Slice {
                path: "parameter",
                name: "type",
                matches: &[Match::Value {
                    path: "name",
                    value: "type",
                }],
                min: 0,
                max: None,
                rules: &[Sourced {
                    rule: Rule::Codes {
                        path: "value",
                        value_set: "http://hl7.org/fhir/uv/cow/ValueSet/order-notification-status-type",
                        codes: &[
                            "handshake",
                            "heartbeat",
                            "event-notification",
                            "query-status",
                            "query-event",
                        ],
                    },
                    source: fsh!(
                        22,
                        "parameter[type].valueCode from OrderNotificationStatusType; codes: lines 36-40, 51"
                    ),
                }],
            }),
            source: fsh!(22, "parameter[type]"),
        },
    ],
};

pub(crate) static NOTIFICATION: Profile = Profile {
    url: NOTIFICATION_URL,
    id: "cow-subscription-notification",
    title: "COW Subscription Notification",
    resource_type: "Bundle",
    rules: &[
        Sourced {
            rule: Rule::Conforms {
                path: "",
                profile: &super::backport::NOTIFICATION,
            },
            source: fsh!(58, "Parent: $backport-subscription-notification-r4"),
        },
        Sourced {
            rule: Rule::Slice(Slice {
                path: "entry",
                name: "subscriptionStatus",
                matches: &[Match::Type {
                    path: "resource",
                    types: &["Parameters"],
                }],
                min: 0,
                max: None,
                rules: &[Sourced {
                    rule: Rule::Conforms {
                        path: "resource",
                        profile: &STATUS,
                    },
                    source: fsh!(62, "entry[subscriptionStatus].resource only COWSubscriptionStatus"),
                }],
            }),
            source: fsh!(62, "entry[subscriptionStatus]"),
        },
    ],
};
