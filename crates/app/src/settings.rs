//! Settings the use cases need, built once from the server's configuration.

use std::time::Duration;

use portico_domain::session::SessionPolicy;

/// Limits for sign-in and enrollment attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed sign-ins per account within the window before it is throttled.
    pub per_account: u32,
    /// Failed sign-ins and enrollments per client IP within the window.
    pub per_ip: u32,
    /// The window.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self { per_account: 5, per_ip: 30, window: Duration::from_secs(15 * 60) }
    }
}

/// What the use cases are configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Session lifetimes.
    pub sessions: SessionPolicy,
    /// Whether staff must use a second factor (default true).
    pub require_staff_mfa: bool,
    /// How long an invitation code stays valid (default 14 days).
    pub invitation_ttl: Duration,
    /// Wrong dates of birth before an invitation is voided (default 5).
    pub enrollment_max_attempts: i64,
    /// Sign-in throttling.
    pub throttle: ThrottlePolicy,
    /// Issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// Largest accepted attachment, in bytes (default 20 MB).
    pub attachment_max_bytes: usize,
    /// How long a break-glass grant lasts (default 60 minutes).
    pub break_glass: Duration,
    /// Thresholds and working hours of the access alerts.
    pub alert_rules: portico_store::alerts::AlertRules,
    /// The clinic's display name in notifications (may be generic).
    pub clinic_name: String,
    /// The portal's public base address, for links in notifications.
    pub public_url: String,
    /// The clinic's IANA time zone: the default for patients' quiet hours.
    pub time_zone: String,
    /// The configured notification channels and the vendor named for each.
    pub providers: Vec<(String, Option<String>)>,
    /// The social bridge.
    pub social: crate::social::SocialSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sessions: SessionPolicy::default(),
            require_staff_mfa: true,
            invitation_ttl: Duration::from_secs(14 * 24 * 3600),
            enrollment_max_attempts: 5,
            throttle: ThrottlePolicy::default(),
            totp_issuer: "Portico".to_owned(),
            attachment_max_bytes: 20 * 1024 * 1024,
            break_glass: Duration::from_secs(60 * 60),
            alert_rules: portico_store::alerts::AlertRules {
                patients_per_hour: 20,
                denials_per_hour: 5,
                working_minutes: (7 * 60, 19 * 60),
                utc_offset_minutes: 0,
            },
            clinic_name: "Your clinic".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            time_zone: "UTC".to_owned(),
            providers: Vec::new(),
            social: crate::social::SocialSettings::default(),
        }
    }
}
