//! Noticing missed notifications and saying what to do.
//!
//! Backport IG (`errors.md` "Detecting Errors as a Client" / "Recovering from Errors"): event numbers
//! are sequential per subscription; `events-since-subscription-start` counts every event
//! generated (not handshakes or heartbeats). A client that sees a number jump, a count above
//! the last number it received, or no heartbeat within the heartbeat period has missed
//! something: it can ask `$status`, fetch the missing events with `$events`
//! (`eventsSinceNumber` / `eventsUntilNumber`) where the server supports it, or fall back to a
//! search — here one catch-up poll with the polling cursor. A count that goes *down* means the
//! server lost or reset the subscription: ask `$status` and catch up by polling. The IG's client
//! "waited an amount of time to ensure that event 22 was indeed missing (and not … still being
//! processed)": a missing number that arrives later is still taken as new, so acting at once
//! costs at most one redundant search.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::notification::{Notification, NotificationType};
use super::UnixSeconds;

/// What to do after a notification or a heartbeat check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecoveryAction {
    /// `GET [Subscription url]/$status`.
    QueryStatus,
    /// `GET [Subscription url]/$events?eventsSinceNumber=from&eventsUntilNumber=to`.
    QueryEvents {
        /// First missing event number.
        from: u64,
        /// Last missing event number.
        to: u64,
    },
    /// One poll with the polling cursor (`_lastUpdated=ge…`), when `$events` is not supported,
    /// the numbering cannot be trusted, or the notification names no resource (`empty` payload).
    CatchUpPoll,
}

impl RecoveryAction {
    /// The request for the operations, relative to the Subscription's URL; `None` for a poll.
    pub fn request(&self, subscription_url: &str) -> Option<String> {
        match self {
            RecoveryAction::QueryStatus => Some(format!("{subscription_url}/$status")),
            RecoveryAction::QueryEvents { from, to } => Some(format!(
                "{subscription_url}/$events?eventsSinceNumber={from}&eventsUntilNumber={to}"
            )),
            RecoveryAction::CatchUpPoll => None,
        }
    }
}

/// Gaps of this many events or more are not remembered number by number.
const MAX_TRACKED_GAP: u64 = 1000;

/// Per-subscription state on the client (serde, to persist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTracker {
    last_event: u64,
    /// Numbers known to be missing and not yet recovered.
    missing: BTreeSet<u64>,
    last_heard: Option<UnixSeconds>,
    heartbeat_period: Option<i64>,
    events_supported: bool,
}

/// What one notification means for the client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// Event numbers seen for the first time (including missing ones now recovered), in order:
    /// process their focus.
    pub new_events: Vec<u64>,
    /// Event numbers already processed (redelivery): ignore.
    pub duplicates: Vec<u64>,
    /// Recovery to do, in order.
    pub actions: Vec<RecoveryAction>,
}

impl EventTracker {
    /// A tracker for a new subscription; `heartbeat_period` in seconds as requested;
    /// `events_supported`: whether the server offers `$events`.
    pub fn new(heartbeat_period: Option<u32>, events_supported: bool) -> EventTracker {
        EventTracker {
            last_event: 0,
            missing: BTreeSet::new(),
            last_heard: None,
            heartbeat_period: heartbeat_period.map(i64::from),
            events_supported,
        }
    }

    /// The highest event number accounted for.
    pub fn last_event(&self) -> u64 {
        self.last_event
    }

    /// Event numbers known to be missing.
    pub fn missing(&self) -> impl Iterator<Item = u64> + '_ {
        self.missing.iter().copied()
    }

    /// A catch-up poll has covered everything up to now: the missing numbers no longer matter.
    pub fn caught_up(&mut self) {
        self.missing.clear();
    }

    /// Accounts for a notification received at `received_at`.
    pub fn observe(&mut self, notification: &Notification, received_at: UnixSeconds) -> Assessment {
        self.last_heard = Some(self.last_heard.map_or(received_at, |t| t.max(received_at)));
        let mut out = Assessment::default();
        if notification.status == "error" || notification.status == "off" {
            out.actions.push(RecoveryAction::QueryStatus);
            out.actions.push(RecoveryAction::CatchUpPoll);
        }
        // Gaps as inclusive ranges: a bad event number must not make us enumerate billions.
        let mut gaps: Vec<(u64, u64)> = Vec::new();
        if matches!(
            notification.kind,
            NotificationType::EventNotification | NotificationType::QueryEvent
        ) {
            let mut numbers: Vec<u64> = notification.events.iter().map(|e| e.number).collect();
            numbers.sort_unstable();
            numbers.dedup();
            for number in numbers {
                if self.missing.remove(&number) {
                    out.new_events.push(number);
                } else if number <= self.last_event {
                    out.duplicates.push(number);
                } else {
                    if number > self.last_event + 1 {
                        gaps.push((self.last_event + 1, number - 1));
                    }
                    self.last_event = number;
                    out.new_events.push(number);
                }
            }
        }
        // The count of a `$events` answer is the server's current one, which may include events
        // whose notifications are still on their way; a handshake starts the count.
        match (notification.kind, notification.events_since_start) {
            (NotificationType::QueryEvent, _) | (_, None) => {}
            (NotificationType::Handshake, Some(count)) => self.last_event = self.last_event.max(count),
            (_, Some(count)) if count > self.last_event => {
                gaps.push((self.last_event + 1, count));
                self.last_event = count;
            }
            (_, Some(count)) if count < self.last_event => {
                self.last_event = count;
                self.missing.retain(|n| *n <= count);
                if !out.actions.contains(&RecoveryAction::QueryStatus) {
                    out.actions.push(RecoveryAction::QueryStatus);
                    out.actions.push(RecoveryAction::CatchUpPoll);
                }
            }
            _ => {}
        }
        // An `empty` payload names no resource (backport payloads.md): the client searches itself.
        let unnamed = notification
            .events
            .iter()
            .any(|e| e.focus.is_none() && out.new_events.contains(&e.number));
        if unnamed && !out.actions.contains(&RecoveryAction::CatchUpPoll) {
            out.actions.push(RecoveryAction::CatchUpPoll);
        }
        for (from, to) in gaps {
            if to - from >= MAX_TRACKED_GAP {
                // Too many to fetch one by one or remember: the numbering cannot be trusted.
                for action in [RecoveryAction::QueryStatus, RecoveryAction::CatchUpPoll] {
                    if !out.actions.contains(&action) {
                        out.actions.push(action);
                    }
                }
                continue;
            }
            self.missing.extend(from..=to);
            if self.events_supported {
                out.actions.push(RecoveryAction::QueryEvents { from, to });
            } else if !out.actions.contains(&RecoveryAction::CatchUpPoll) {
                out.actions.push(RecoveryAction::CatchUpPoll);
            }
        }
        out
    }

    /// Whether a heartbeat is overdue at `now`: nothing heard for longer than the heartbeat
    /// period. Then ask `$status` and catch up by polling.
    pub fn overdue(&self, now: UnixSeconds) -> Vec<RecoveryAction> {
        match (self.heartbeat_period, self.last_heard) {
            (Some(period), Some(heard)) if now.0.saturating_sub(heard.0) > period => {
                vec![RecoveryAction::QueryStatus, RecoveryAction::CatchUpPoll]
            }
            _ => Vec::new(),
        }
    }
}
