//! Time as a parameter. Code that needs "now" takes a [`Clock`]; tests pass a [`FakeClock`] and
//! move it forward instead of sleeping. [`SystemClock`] is the only reader of the wall clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Serialize, Serializer};

/// A UTC instant with millisecond precision, stored as milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    pub const fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }
    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }
    /// This instant moved forward by `d` (saturating).
    pub fn plus(self, d: std::time::Duration) -> Self {
        Self(self.0.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
    }
    /// How long after `earlier` this instant is (zero when it is not after).
    pub fn since(self, earlier: Timestamp) -> std::time::Duration {
        std::time::Duration::from_millis(u64::try_from(self.0 - earlier.0).unwrap_or(0))
    }
    /// RFC 3339 text in UTC, e.g. `2026-11-24T01:02:03.456Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default()
    }
    /// This instant on the clocks of `time_zone` (IANA name), for people to read:
    /// `Nov 24, 2026, 9:08 AM PST`. An unknown zone reads as UTC.
    pub fn local_display(self, time_zone: &str) -> String {
        let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        match jiff::Timestamp::from_millisecond(self.0) {
            Ok(t) => t.to_zoned(tz).strftime("%b %-d, %Y, %-I:%M %p %Z").to_string(),
            Err(_) => String::new(),
        }
    }
    /// The same as [`local_display`](Self::local_display) in numbers, day first (`18/11/2026
    /// 03:06 PST`), for readers of languages other than English.
    pub fn local_display_numeric(self, time_zone: &str) -> String {
        let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        match jiff::Timestamp::from_millisecond(self.0) {
            Ok(t) => t.to_zoned(tz).strftime("%d/%m/%Y %H:%M %Z").to_string(),
            Err(_) => String::new(),
        }
    }
    /// A wall-clock time as a form's `datetime-local` gives it (`2026-11-24T14:30`), on the
    /// clocks of `time_zone`; `None` if it is not one.
    pub fn parse_local(text: &str, time_zone: &str) -> Option<Self> {
        let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
        let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
        let zoned = civil.to_zoned(tz).ok()?;
        Some(Self(zoned.timestamp().as_millisecond()))
    }
    /// The calendar date (UTC) of this instant.
    pub fn utc_date(self) -> Option<time::Date> {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).ok().map(|t| t.date())
    }
}

#[cfg(test)]
mod display_tests {
    use super::Timestamp;

    #[test]
    fn local_display_reads_in_the_clinic_time_zone() {
        let t = Timestamp::from_unix_millis(1_795_000_000_000); // 2026-11-18T11:06:40Z
        assert_eq!(t.local_display("America/Los_Angeles"), "Nov 18, 2026, 3:06 AM PST");
        assert_eq!(t.local_display("Nowhere/Else"), "Nov 18, 2026, 11:06 AM UTC");
        assert_eq!(t.local_display_numeric("America/Los_Angeles"), "18/11/2026 03:06 PST");
        let back = Timestamp::parse_local("2026-11-18T03:06:40", "America/Los_Angeles");
        assert_eq!(back, Some(t));
        assert_eq!(Timestamp::parse_local("tomorrow", "UTC"), None);
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

/// The source of "now".
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "the one place that reads the wall clock")]
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(ms)
    }
}

/// A clock that only moves when told to. Cloning shares the same instant.
#[derive(Clone, Debug)]
pub struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    /// A fake clock set to `start`.
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(start.0)))
    }
    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: std::time::Duration) {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_fake_clock_moves_only_when_advanced_and_clones_share_it() {
        let c = FakeClock::new(Timestamp::from_unix_millis(1_000));
        let other = c.clone();
        assert_eq!(c.now(), Timestamp::from_unix_millis(1_000));
        other.advance(Duration::from_secs(2));
        assert_eq!(c.now(), Timestamp::from_unix_millis(3_000));
    }

    #[test]
    fn timestamps_format_as_utc_rfc3339() {
        let t = Timestamp::from_unix_millis(1_795_000_000_123);
        assert_eq!(t.to_rfc3339(), "2026-11-18T11:06:40.123Z");
    }
}
