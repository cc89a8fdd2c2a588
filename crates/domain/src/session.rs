//! Session lifetimes: idle and absolute expiry, decided from stored times and "now".

use std::time::Duration;

use crate::Timestamp;

/// Which kind of account a session belongs to (they have different idle limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    /// Staff account.
    Staff,
    /// Patient portal account.
    Patient,
}

impl AccountKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Staff => "staff",
            AccountKind::Patient => "patient",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "staff" => Some(AccountKind::Staff),
            "patient" => Some(AccountKind::Patient),
            _ => None,
        }
    }
}

/// How long sessions live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Idle limit for staff (default 15 minutes).
    pub staff_idle: Duration,
    /// Idle limit for patients (default 30 minutes).
    pub patient_idle: Duration,
    /// Absolute limit for everyone (default 12 hours).
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            staff_idle: Duration::from_secs(15 * 60),
            patient_idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

/// Why a session is no longer valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// No request for longer than the idle limit.
    Idle,
    /// Older than the absolute limit.
    Absolute,
}

impl SessionPolicy {
    /// The idle limit for a kind of account.
    pub fn idle_for(&self, kind: AccountKind) -> Duration {
        match kind {
            AccountKind::Staff => self.staff_idle,
            AccountKind::Patient => self.patient_idle,
        }
    }

    /// Whether a session created at `created` and last used at `last_seen` has expired at `now`.
    pub fn expiry(
        &self,
        kind: AccountKind,
        created: Timestamp,
        last_seen: Timestamp,
        now: Timestamp,
    ) -> Option<Expiry> {
        if now.since(created) >= self.absolute {
            Some(Expiry::Absolute)
        } else if now.since(last_seen) >= self.idle_for(kind) {
            Some(Expiry::Idle)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_on_idle_per_kind_and_absolutely() {
        let p = SessionPolicy::default();
        let t0 = Timestamp::from_unix_millis(0);
        let min = |m: u64| t0.plus(Duration::from_secs(m * 60));
        assert_eq!(p.expiry(AccountKind::Staff, t0, t0, min(14)), None);
        assert_eq!(p.expiry(AccountKind::Staff, t0, t0, min(15)), Some(Expiry::Idle));
        assert_eq!(p.expiry(AccountKind::Patient, t0, t0, min(29)), None);
        assert_eq!(p.expiry(AccountKind::Patient, t0, t0, min(30)), Some(Expiry::Idle));
        assert_eq!(p.expiry(AccountKind::Staff, t0, min(719), min(720)), Some(Expiry::Absolute));
    }
}
