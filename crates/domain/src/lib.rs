//! Portico's domain: pure types and rules.
//!
//! Ids, the clock, staff roles, patient demographics as parsed types, the acting party, the
//! authorization policy (one pure function), session lifetimes and audit records. This crate
//! does no I/O: no database, no HTTP, no async runtime, no reading of the wall clock except
//! through [`time::SystemClock`]. Everything here can be tested with plain values.

pub mod actor;
pub mod audit;
pub mod authz;
pub mod credentials;
pub mod id;
pub mod messaging;
pub mod notify;
pub mod patient;
pub mod phi_text;
pub mod role;
pub mod session;
pub mod social;
pub mod testimonial;
pub mod time;
pub mod vendor;

pub use actor::Actor;
pub use id::{
    AccountId, AttachmentId, InvitationId, MessageId, MisdirectedId, PatientId, SavedReplyId, StaffId, TeamId, ThreadId,
};
pub use phi_text::PhiText;
pub use role::StaffRole;
pub use time::{Clock, Timestamp};
