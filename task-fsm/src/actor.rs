//! The parties that change a Task.
//!
//! The vocabulary of the built-in machines follows the digest's "who" columns
//! (`docs/spec/task-state-machines.md`, "Actors"): the requester (author of the Task), the owner
//! (the party asked to perform it), the patient application (acting for a patient who owns a
//! patient Task) and any other party. A machine may declare further actors of its own, such as a
//! coordination platform.

use std::borrow::Cow;
use std::fmt;

/// A party, by role name (`requester`, `owner`, `patient-app`, `other`, or a name a machine
/// declares).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Actor(Cow<'static, str>);

impl Actor {
    /// The author of the Task (placer, referral source, CDex Data Consumer): `Task.requester`.
    pub const REQUESTER: Actor = Actor(Cow::Borrowed("requester"));
    /// The party asked to perform the Task (referral target, fulfiller, CDex Data Source): `Task.owner`.
    pub const OWNER: Actor = Actor(Cow::Borrowed("owner"));
    /// An application acting for the patient who owns a patient Task (SDOH Clinical Care).
    pub const PATIENT_APP: Actor = Actor(Cow::Borrowed("patient-app"));
    /// Any party that is none of the above.
    pub const OTHER: Actor = Actor(Cow::Borrowed("other"));
    /// In a machine definition only: every actor the machine declares (a source that names no
    /// actor). Never stored in a built machine.
    pub const ANY: Actor = Actor(Cow::Borrowed("any"));

    /// The four actors every built-in machine declares, in this order.
    pub const STANDARD: [Actor; 4] = [Actor::REQUESTER, Actor::OWNER, Actor::PATIENT_APP, Actor::OTHER];

    /// An actor with a name of your own.
    ///
    /// ```
    /// let cp = task_fsm::Actor::new("coordination-platform");
    /// assert_eq!(cp.name(), "coordination-platform");
    /// ```
    pub fn new(name: impl Into<String>) -> Actor {
        Actor(Cow::Owned(name.into()))
    }

    /// The role name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Actor({})", self.0)
    }
}

impl From<&str> for Actor {
    fn from(name: &str) -> Self {
        Actor::new(name)
    }
}
