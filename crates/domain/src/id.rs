//! Typed identifiers. Every entity id is a UUIDv7 wrapped in its own type so that a patient id
//! can never be passed where a staff id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id whose timestamp comes from the caller's clock.
            pub fn generate(at: Timestamp) -> Self {
                Self(new_v7(at))
            }
            /// Wraps an existing UUID (from storage or a request path).
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

entity_id!(
    /// A staff member.
    StaffId
);
entity_id!(
    /// A team (care team or queue).
    TeamId
);
entity_id!(
    /// A patient record.
    PatientId
);
entity_id!(
    /// A patient portal account (a login), linked to one patient record and possibly acting for others.
    AccountId
);
entity_id!(
    /// A single-use enrollment invitation.
    InvitationId
);

entity_id!(
    /// A conversation between a patient and a team.
    ThreadId
);
entity_id!(
    /// One message (or internal note, or shared result) in a thread.
    MessageId
);
entity_id!(
    /// A file attached to a message.
    AttachmentId
);
entity_id!(
    /// A team's reusable reply text.
    SavedReplyId
);
entity_id!(
    /// A record of a recalled message that had been read (a possible breach to review).
    MisdirectedId
);

/// A UUIDv7 whose 48-bit timestamp is taken from `at` rather than the wall clock. Ids made in
/// one process are strictly increasing, even within one millisecond (a shared counter), so
/// "oldest first" by id is stable.
pub fn new_v7(at: Timestamp) -> Uuid {
    static CONTEXT: std::sync::Mutex<uuid::ContextV7> = std::sync::Mutex::new(uuid::ContextV7::new());
    let millis = u64::try_from(at.unix_millis()).unwrap_or(0);
    let context = CONTEXT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let ts =
        uuid::Timestamp::from_unix(&*context, millis / 1000, u32::try_from((millis % 1000) * 1_000_000).unwrap_or(0));
    Uuid::new_v7(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_ordered_by_the_given_time() {
        let a = PatientId::generate(Timestamp::from_unix_millis(1_000));
        let b = PatientId::generate(Timestamp::from_unix_millis(2_000));
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn ids_made_in_the_same_millisecond_still_increase() {
        let t = Timestamp::from_unix_millis(42);
        let ids: Vec<_> = (0..1000).map(|_| MessageId::generate(t)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ids_round_trip_through_text() {
        let a = TeamId::generate(Timestamp::from_unix_millis(5));
        let parsed: TeamId = a.to_string().parse().unwrap();
        assert_eq!(a, parsed);
    }
}
