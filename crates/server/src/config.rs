//! Configuration: one typed struct, loaded once in `main`, validated with messages that name
//! the bad field. Precedence: command-line flag, then `PORTICO_*` environment variable, then
//! the TOML file given by `--config`, then the default. Secrets never appear in `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// Connection settings shared by `serve` and every administrative command.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConnArgs {
    /// TOML configuration file.
    #[arg(long, global = true, env = "PORTICO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "PORTICO_LISTEN")]
    pub listen: Option<String>,
    /// Data directory (SQLite database) [default: ./portico-data].
    #[arg(long, global = true, env = "PORTICO_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Key file holding the key-encryption key; must be outside the data directory
    /// [default: ./portico.key].
    #[arg(long, global = true, env = "PORTICO_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// `sqlite://...` or `postgres://...` [default: SQLite in the data directory].
    #[arg(long, global = true, env = "PORTICO_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where signed audit checkpoints are written; outside the data directory, ideally on other
    /// storage [default: ./portico-audit].
    #[arg(long, global = true, env = "PORTICO_AUDIT_DIR")]
    pub audit_dir: Option<PathBuf>,
}

/// The TOML file's shape. Unknown keys are refused so a typo cannot silently weaken a setting.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    key_file: Option<PathBuf>,
    database_url: Option<String>,
    #[serde(default)]
    clinic: ClinicFile,
    #[serde(default)]
    security: SecurityFile,
    #[serde(default)]
    metrics: MetricsFile,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    audit: AuditFile,
    #[serde(default)]
    notify: NotifyFile,
    #[serde(default)]
    /// `[social]` and `[social.meta]`: the same fields, checks and messages as the admin API.
    social: portico_app::social::settings::SocialPatch,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct NotifyFile {
    email: Option<EmailFile>,
    sms: Option<SmsFile>,
    coalesce_minutes: Option<u64>,
    lease_seconds: Option<u64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct EmailFile {
    smtp_url: String,
    from: String,
    vendor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmsFile {
    provider: Option<String>,
    base_url: Option<String>,
    account_sid: String,
    auth_token: String,
    from: String,
    vendor: Option<String>,
}

impl std::fmt::Debug for SmsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmsFile { .. }")
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    checkpoint_dir: Option<PathBuf>,
    checkpoint_interval_secs: Option<u64>,
    alert_patients_per_hour: Option<i64>,
    alert_denials_per_hour: Option<i64>,
    working_hours: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct ClinicFile {
    name: Option<String>,
    public_url: Option<String>,
    utc_offset_minutes: Option<i64>,
    time_zone: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct SecurityFile {
    require_staff_mfa: Option<bool>,
    staff_idle_minutes: Option<u64>,
    patient_idle_minutes: Option<u64>,
    absolute_hours: Option<u64>,
    trust_forwarded_for: Option<bool>,
    break_glass_minutes: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MetricsFile {
    bearer_token: Option<String>,
}

impl std::fmt::Debug for MetricsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsFile { .. }")
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    body_bytes: Option<usize>,
}

/// The validated configuration.
#[derive(Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The key file.
    pub key_file: PathBuf,
    /// The database URL (may hold a password: never logged).
    pub database_url: String,
    /// The clinic's display name.
    pub clinic_name: String,
    /// The public base URL (decides `Secure` cookies and HSTS).
    pub public_url: String,
    /// Staff must use a second factor.
    pub require_staff_mfa: bool,
    /// Session lifetimes.
    pub sessions: portico_domain::session::SessionPolicy,
    /// Trust `X-Forwarded-For` from a reverse proxy.
    pub trust_forwarded_for: bool,
    /// How long a break-glass grant lasts.
    pub break_glass: std::time::Duration,
    /// Bearer token for `/metrics`.
    pub metrics_token: Option<String>,
    /// Largest request body.
    pub body_limit: usize,
    /// Where signed audit checkpoints go.
    pub checkpoint_dir: PathBuf,
    /// How often a checkpoint is written.
    pub checkpoint_interval: std::time::Duration,
    /// Access alert thresholds and working hours.
    pub alert_rules: portico_store::alerts::AlertRules,
    /// The clinic's IANA time zone (default for patients' quiet hours).
    pub time_zone: String,
    /// E-mail notifications (`[notify.email]`), when configured.
    pub notify_email: Option<portico_app::notify::EmailSettings>,
    /// SMS notifications (`[notify.sms]`), when configured.
    pub notify_sms: Option<portico_app::notify::SmsSettings>,
    /// Several messages of one thread within this window make one notification.
    pub notify_window: std::time::Duration,
    /// How long a delivery worker holds a notification it claimed; after a crash, another
    /// attempt follows once it lapses.
    pub notify_lease: std::time::Duration,
    /// The vendor (in the BAA registry) behind each configured channel: `("email", name)`.
    pub providers: Vec<(String, Option<String>)>,
    /// The social bridge (`[social]`, `[social.meta]`).
    pub social: portico_app::social::SocialSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("key_file", &self.key_file)
            .field("database", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("require_staff_mfa", &self.require_staff_mfa)
            .finish_non_exhaustive()
    }
}

/// The URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// Loads and validates: flags/env in `args`, then the file, then defaults.
    pub fn load(args: &ConnArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("config: cannot read {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| anyhow::anyhow!("config {}: {}", path.display(), e.message()))?
            }
            None => FileConfig::default(),
        };
        let listen_text = args.listen.clone().or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|_| anyhow::anyhow!("listen: '{listen_text}' is not an address like 127.0.0.1:8080"))?;
        let data_dir = args.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("portico-data"));
        let key_file = args.key_file.clone().or(file.key_file).unwrap_or_else(|| PathBuf::from("portico.key"));
        let database_url =
            args.database_url.clone().or(file.database_url).unwrap_or_else(|| default_sqlite_url(&data_dir));
        validate_database_url(&database_url)?;
        check_outside_data_dir("key_file", &key_file, &data_dir)?;
        let checkpoint_dir =
            args.audit_dir.clone().or(file.audit.checkpoint_dir).unwrap_or_else(|| PathBuf::from("portico-audit"));
        check_outside_data_dir("audit.checkpoint_dir", &checkpoint_dir, &data_dir)?;
        let interval = positive("audit.checkpoint_interval_secs", file.audit.checkpoint_interval_secs.unwrap_or(60))?;
        let public_url = file.clinic.public_url.unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            bail!("clinic.public_url: must start with https:// (or http:// for local use)");
        }
        let mut sessions = portico_domain::session::SessionPolicy::default();
        let minutes = |m: u64| std::time::Duration::from_secs(m * 60);
        if let Some(m) = file.security.staff_idle_minutes {
            sessions.staff_idle = minutes(positive("security.staff_idle_minutes", m)?);
        }
        if let Some(m) = file.security.patient_idle_minutes {
            sessions.patient_idle = minutes(positive("security.patient_idle_minutes", m)?);
        }
        if let Some(h) = file.security.absolute_hours {
            sessions.absolute = minutes(positive("security.absolute_hours", h)? * 60);
        }
        let sms_vendor = file.notify.sms.as_ref().and_then(|s| s.vendor.clone());
        let email_vendor = file.notify.email.as_ref().and_then(|e| e.vendor.clone());
        let notify_sms = match file.notify.sms {
            Some(sms) => {
                if sms.provider.as_deref().is_some_and(|p| p != "twilio") {
                    bail!(
                        "notify.sms.provider: only \"twilio\" (or a service with Twilio's Messages API) is supported"
                    );
                }
                if !sms.from.starts_with('+') || sms.from.len() < 8 {
                    bail!("notify.sms.from: must be a phone number in E.164 form, +15550009999");
                }
                Some(portico_app::notify::SmsSettings {
                    base_url: sms.base_url.unwrap_or_else(|| "https://api.twilio.com".to_owned()),
                    account_sid: sms.account_sid,
                    auth_token: sms.auth_token,
                    from: sms.from,
                })
            }
            None => None,
        };
        let notify_email =
            file.notify.email.map(|e| portico_app::notify::EmailSettings { smtp_url: e.smtp_url, from: e.from });
        // Build once here so that a bad URL or address stops start-up with the field named.
        portico_app::notify::Delivery::new(notify_email.clone(), notify_sms.clone())?;
        let time_zone = file.clinic.time_zone.unwrap_or_else(|| "UTC".to_owned());
        portico_domain::notify::Preferences::parse(&[], None, None, &time_zone)
            .map_err(|_| anyhow::anyhow!("clinic.time_zone: must be an IANA time zone, like America/Chicago"))?;
        let clinic_name = file.clinic.name.unwrap_or_else(|| "Portico".to_owned());
        let social = social_settings(&file.social, &public_url, &clinic_name)?;
        let metrics_token = file.metrics.bearer_token;
        if metrics_token.as_ref().is_some_and(|t| t.len() < 24) {
            bail!("metrics.bearer_token: must be at least 24 characters");
        }
        Ok(Self {
            listen,
            data_dir,
            key_file,
            database_url,
            clinic_name,
            public_url,
            require_staff_mfa: file.security.require_staff_mfa.unwrap_or(true),
            sessions,
            trust_forwarded_for: file.security.trust_forwarded_for.unwrap_or(false),
            break_glass: minutes(positive(
                "security.break_glass_minutes",
                file.security.break_glass_minutes.unwrap_or(60),
            )?),
            metrics_token,
            body_limit: file.limits.body_bytes.unwrap_or(1024 * 1024),
            checkpoint_dir,
            checkpoint_interval: std::time::Duration::from_secs(interval),
            alert_rules: portico_store::alerts::AlertRules {
                patients_per_hour: file.audit.alert_patients_per_hour.unwrap_or(20),
                denials_per_hour: file.audit.alert_denials_per_hour.unwrap_or(5),
                working_minutes: working_hours(file.audit.working_hours.as_deref().unwrap_or("07:00-19:00"))?,
                utc_offset_minutes: file.clinic.utc_offset_minutes.unwrap_or(0),
            },
            time_zone,
            notify_window: minutes(positive("notify.coalesce_minutes", file.notify.coalesce_minutes.unwrap_or(10))?),
            notify_lease: std::time::Duration::from_secs(positive(
                "notify.lease_seconds",
                file.notify.lease_seconds.unwrap_or(120),
            )?),
            providers: [("email", notify_email.is_some(), email_vendor), ("sms", notify_sms.is_some(), sms_vendor)]
                .into_iter()
                .filter(|(_, on, _)| *on)
                .map(|(ch, _, vendor)| (ch.to_owned(), vendor))
                .collect(),
            notify_email,
            notify_sms,
            social,
        })
    }

    /// Whether Portico is reached over HTTPS.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Whether the database is the embedded SQLite one.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Builds and checks `[social]` over the defaults (the portal and appointment pages of this
/// server, the clinic's name): the standard messages may use only known placeholders and must
/// carry no PHI (checked with the scanner), policies must be known words.
fn social_settings(
    file: &portico_app::social::settings::SocialPatch,
    public_url: &str,
    clinic: &str,
) -> anyhow::Result<portico_app::social::SocialSettings> {
    let base = public_url.trim_end_matches('/');
    let defaults = portico_app::social::SocialSettings {
        contact: portico_domain::social::ClinicContact {
            clinic: clinic.to_owned(),
            portal_url: format!("{base}/portal"),
            appointment_url: format!("{base}/appointments/request"),
            ..Default::default()
        },
        ..Default::default()
    };
    defaults.patched(file).map_err(|e| anyhow::anyhow!(e.in_file()))
}

/// Parses `HH:MM-HH:MM` into minutes after midnight.
fn working_hours(text: &str) -> anyhow::Result<(i64, i64)> {
    let bad = || anyhow::anyhow!("audit.working_hours: must look like 07:00-19:00");
    let minutes = |t: &str| -> anyhow::Result<i64> {
        let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(0..=24).contains(&h) || !(0..60).contains(&m) {
            return Err(bad());
        }
        Ok(h * 60 + m)
    };
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let (start, end) = (minutes(a)?, minutes(b)?);
    if start >= end {
        return Err(bad());
    }
    Ok((start, end))
}

fn positive(field: &str, v: u64) -> anyhow::Result<u64> {
    if v == 0 {
        bail!("{field}: must be greater than 0");
    }
    Ok(v)
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("portico.db").display())
}

fn validate_database_url(url: &str) -> anyhow::Result<()> {
    if portico_store::Backend::of_url(url).is_none() {
        let scheme = url.split("://").next().filter(|s| s.len() < url.len()).unwrap_or("(none)");
        bail!("database_url: must start with sqlite:// or postgres:// (the given URL's scheme is '{scheme}')");
    }
    Ok(())
}

/// Refuses a key file (or the audit checkpoints) inside the data directory: a backup of the
/// data must never carry the key that opens it, and whoever can rewrite the data must not be
/// able to rewrite the checkpoints that anchor the audit log.
fn check_outside_data_dir(field: &str, path: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let inside = absolute(path)?;
    let data = absolute(data_dir)?;
    if inside.starts_with(&data) {
        bail!(
            "{field}: {} lies inside the data directory {}; keep it outside, so a copy of the data never holds it",
            path.display(),
            data_dir.display()
        );
    }
    Ok(())
}

/// An absolute, symlink-resolved form of a path that may not exist yet.
fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    let abs = if p.is_absolute() { p.to_owned() } else { std::env::current_dir()?.join(p) };
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_owned());
                existing = parent.to_owned();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for part in rest.iter().rev() {
        out.push(part);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_other_than_sqlite_or_postgres_are_refused_by_name() {
        let args = ConnArgs { database_url: Some("mysql://root:hunter2@db/x".into()), ..ConnArgs::default() };
        let e = Config::load(&args).unwrap_err().to_string();
        assert!(e.starts_with("database_url:"), "{e}");
        assert!(!e.contains("hunter2"));
    }

    #[test]
    fn a_key_file_inside_the_data_directory_is_refused() {
        let args = ConnArgs {
            data_dir: Some("/tmp/pd".into()),
            key_file: Some("/tmp/pd/sub/k.key".into()),
            ..ConnArgs::default()
        };
        assert!(Config::load(&args).unwrap_err().to_string().starts_with("key_file:"));
        let args = ConnArgs {
            data_dir: Some("/tmp/pd".into()),
            key_file: Some("/tmp/k.key".into()),
            audit_dir: Some("/tmp/pd/audit".into()),
            ..ConnArgs::default()
        };
        assert!(Config::load(&args).unwrap_err().to_string().starts_with("audit.checkpoint_dir:"));
    }

    fn load_toml(dir: &std::path::Path, toml: &str) -> anyhow::Result<Config> {
        let path = dir.join("portico.toml");
        std::fs::write(&path, toml).unwrap();
        let args = ConnArgs {
            config: Some(path),
            data_dir: Some(dir.join("data")),
            key_file: Some(dir.join("k.key")),
            audit_dir: Some(dir.join("audit")),
            ..ConnArgs::default()
        };
        Config::load(&args)
    }

    #[test]
    fn standard_messages_with_phi_or_unknown_placeholders_are_refused_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let e = load_toml(dir.path(), "[social]\nredirect_message = \"Hi {name}, see {portal}\"\n").unwrap_err();
        assert!(e.to_string().starts_with("social.redirect_message: unknown placeholder {name}"), "{e}");
        let phi = "[social]\nphi_message = \"Sorry about your diabetes, call {phone}\"\n";
        let e = load_toml(dir.path(), phi).unwrap_err().to_string();
        assert!(e.starts_with("social.phi_message: must not contain") && e.contains("CONDITION"), "{e}");
        let e = load_toml(dir.path(), "[social]\nrelationship_comments = \"delete\"\n").unwrap_err();
        assert_eq!(e.to_string(), "social.relationship_comments: must be hide, review or leave");
        let e = load_toml(dir.path(), "[social.meta]\napp_secret = \"short\"\nverify_token = \"verify-me\"\npage_id = \"1\"\npage_access_token = \"t\"\n").unwrap_err();
        assert!(e.to_string().starts_with("social.meta.app_secret:"), "{e}");
        let ok = load_toml(dir.path(), "[social]\nphone = \"+1 503 555 0100\"\nretention_days = 7\n").unwrap();
        assert!(ok.social.messages.redirect.contains("{phone}"), "the default names the phone once one is given");
        assert_eq!(ok.social.retention, std::time::Duration::from_secs(7 * 24 * 3600));
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(redact_url("postgres://app:s3cret@h:5432/db"), "postgres://app:***@h:5432/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
