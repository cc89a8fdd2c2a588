//! The command line: `serve`, `admin ...`, `keys ...`. Administrative commands act as the
//! operator (the holder of the key file), accept the same connection flags as `serve`, work
//! while the server runs, and print one JSON object on the last line of stdout.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portico_app::admin::{AdminError, StaffInput};
use portico_app::{App, cli_context};
use portico_crypto::Kek;
use portico_domain::credentials::Password;
use portico_domain::patient::NewPatient;
use portico_domain::time::SystemClock;
use portico_domain::{AccountId, Actor, PatientId, StaffRole, TeamId};
use serde_json::json;

use crate::config::{Config, ConnArgs};

/// Portico: a self-hosted secure message center between a clinic and its patients.
#[derive(Parser, Debug)]
#[command(name = "portico", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Connection settings.
        #[command(flatten)]
        conn: ConnArgs,
        /// Start a demo clinic with fictional staff and patients (own data dir, key file and
        /// audit dir unless given; staff second factor off). Never with real patients.
        #[arg(long)]
        demo: bool,
    },
    /// Accounts, teams and patients.
    Admin {
        /// Connection settings.
        #[command(flatten)]
        conn: ConnArgs,
        /// Which.
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        /// Connection settings.
        #[command(flatten)]
        conn: ConnArgs,
        /// Which.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The PHI scanner: finds identifiers and health terms in text (no database needed).
    Phi {
        /// Which.
        #[command(subcommand)]
        command: crate::phi::PhiCommand,
    },
    /// Key management.
    Keys {
        /// Connection settings.
        #[command(flatten)]
        conn: ConnArgs,
        /// Which.
        #[command(subcommand)]
        command: KeysCommand,
    },
}

/// `portico admin ...`.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a team (a care team or a queue).
    CreateTeam {
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// Create a staff account; the password is read from stdin.
    CreateStaff {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, privacy_officer, clinician, nurse, front_desk or billing.
        #[arg(long)]
        role: String,
        /// Team id to join (repeatable).
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Read the password from the first line of stdin (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Register a patient and issue an invitation code.
    CreatePatient {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long)]
        dob: String,
        /// Medical record number.
        #[arg(long)]
        mrn: String,
        /// Email on file.
        #[arg(long)]
        email: Option<String>,
        /// Phone on file, international form (+1...).
        #[arg(long)]
        phone: Option<String>,
        /// Preferred language tag (default en).
        #[arg(long)]
        language: Option<String>,
    },
    /// Deactivate a staff account: sign-in stops and its sessions end.
    DeactivateStaff {
        /// Login email.
        #[arg(long)]
        email: String,
    },
    /// Give a staff member a new second factor (lost phone); prints the new otpauth URI.
    ResetMfa {
        /// Login email.
        #[arg(long)]
        email: String,
    },
    /// Issue a new invitation code for a patient (voids any unused one).
    InvitePatient {
        /// Patient id.
        #[arg(long)]
        patient: String,
    },
    /// Let a patient account act for another patient (parent, guardian, caregiver).
    LinkProxy {
        /// The proxy's account id.
        #[arg(long)]
        account: String,
        /// The patient acted for.
        #[arg(long)]
        patient: String,
        /// parent, guardian or caregiver.
        #[arg(long)]
        relationship: String,
        /// Last day of the link, YYYY-MM-DD (none: until removed).
        #[arg(long)]
        until: Option<String>,
    },
}

/// `portico audit ...`.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every audit event against the hash chain and the signed checkpoints. Exits 0 when
    /// intact, 1 naming the first bad sequence number otherwise.
    Verify,
    /// Seal committed events into the chain and write a signed checkpoint now.
    Checkpoint,
}

/// `portico keys ...`.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Re-wrap every data key under a new key-encryption key. F is created if missing. After
    /// it succeeds, point --key-file at F and store the old key file offline or destroy it.
    Rotate {
        /// The new key file.
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Destroy a patient's data key: their encrypted data becomes unreadable, forever.
    ShredPatient {
        /// Patient id.
        #[arg(long)]
        patient: String,
        /// Confirm that this cannot be undone.
        #[arg(long, required = true)]
        yes_destroy_forever: bool,
    },
}

/// Runs a command; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Serve { conn, demo } => serve(conn, demo).await.map(|()| None),
        Command::Admin { conn, command } => admin(&conn, command).await.map(Some),
        Command::Keys { conn, command } => keys(&conn, command).await.map(Some),
        Command::Audit { conn, command } => return audit(&conn, command).await,
        Command::Phi { command } => return crate::phi::run(command),
    };
    let mut out = std::io::stdout().lock();
    match result {
        Ok(None) => 0,
        Ok(Some(value)) => {
            let _ = writeln!(out, "{value}");
            0
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            let _ = writeln!(out, "{}", json!({"error": {"message": format!("{e:#}")}}));
            1
        }
    }
}

async fn serve(mut conn: ConnArgs, demo: bool) -> anyhow::Result<()> {
    if demo {
        conn.data_dir.get_or_insert_with(|| "portico-demo-data".into());
        conn.key_file.get_or_insert_with(|| "portico-demo.key".into());
        conn.audit_dir.get_or_insert_with(|| "portico-demo-audit".into());
    }
    let mut config = Config::load(&conn)?;
    if demo {
        config.require_staff_mfa = false;
    }
    crate::serve_until_signal(&config, Arc::new(SystemClock), demo).await
}

async fn open(conn: &ConnArgs) -> anyhow::Result<App> {
    let config = Config::load(conn)?;
    Ok(crate::open_app(&config, Arc::new(SystemClock)).await?.0)
}

fn admin_error(e: AdminError) -> anyhow::Error {
    match e {
        AdminError::Unexpected(inner) => anyhow::Error::new(inner),
        other => anyhow::anyhow!("{other}"),
    }
}

fn parse_id<T: std::str::FromStr>(field: &str, s: &str) -> anyhow::Result<T> {
    s.trim().parse().map_err(|_| anyhow::anyhow!("{field}: '{s}' is not an id"))
}

async fn admin(conn: &ConnArgs, command: AdminCommand) -> anyhow::Result<serde_json::Value> {
    let app = open(conn).await?;
    let (sys, ctx) = (Actor::System, cli_context());
    match command {
        AdminCommand::CreateTeam { name } => {
            let id = app.create_team(&sys, &name, &ctx).await.map_err(admin_error)?;
            Ok(json!({"id": id}))
        }
        AdminCommand::CreateStaff { email, name, role, teams, password_stdin: _ } => {
            let role = StaffRole::parse(&role).map_err(|e| anyhow::anyhow!("role: {e}"))?;
            let teams = teams.iter().map(|t| parse_id::<TeamId>("team", t)).collect::<anyhow::Result<Vec<_>>>()?;
            let password = Password::parse(&read_password()?).map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let created = app
                .create_staff(&sys, StaffInput { email, name, role, teams, password }, &ctx)
                .await
                .map_err(admin_error)?;
            Ok(json!({"id": created.id, "totp_uri": created.totp_uri}))
        }
        AdminCommand::CreatePatient { name, dob, mrn, email, phone, language } => {
            let new = new_patient(&app, &name, &dob, &mrn, email.as_deref(), phone.as_deref(), language.as_deref())?;
            let created = app.create_patient(&sys, &new, &ctx).await.map_err(admin_error)?;
            Ok(json!({"id": created.id, "invite_code": created.invite_code, "invite_expires_at": created.expires_at}))
        }
        AdminCommand::DeactivateStaff { email } => {
            let id = app.deactivate_staff(&sys, &email, &ctx).await.map_err(admin_error)?;
            Ok(json!({"id": id, "deactivated": true}))
        }
        AdminCommand::ResetMfa { email } => {
            let uri = app.reset_staff_mfa(&sys, &email, &ctx).await.map_err(admin_error)?;
            Ok(json!({"totp_uri": uri}))
        }
        AdminCommand::InvitePatient { patient } => {
            let created = app
                .reissue_invitation(&sys, parse_id::<PatientId>("patient", &patient)?, &ctx)
                .await
                .map_err(admin_error)?;
            Ok(json!({"id": created.id, "invite_code": created.invite_code, "invite_expires_at": created.expires_at}))
        }
        AdminCommand::LinkProxy { account, patient, relationship, until } => {
            let account: AccountId = parse_id("account", &account)?;
            let ends_at = until.map(|d| end_of_day(&app, &d)).transpose()?;
            let link = portico_store::ProxyLink { patient_id: parse_id("patient", &patient)?, relationship, ends_at };
            app.link_proxy(&sys, account, &link, &ctx).await.map_err(admin_error)?;
            Ok(json!({"account_id": account, "patient_id": link.patient_id, "relationship": link.relationship}))
        }
    }
}

fn new_patient(
    app: &App,
    name: &str,
    dob: &str,
    mrn: &str,
    email: Option<&str>,
    phone: Option<&str>,
    language: Option<&str>,
) -> anyhow::Result<NewPatient> {
    let today = app.now().utc_date().context("clock out of range")?;
    NewPatient::parse(name, dob, mrn, email, phone, language, today).map_err(|e| match e.field {
        // The command line spells it --dob.
        "date_of_birth" => anyhow::anyhow!("dob: {}", e.reason),
        _ => anyhow::anyhow!("{e}"),
    })
}

/// The end (exclusive) of a calendar day, in Unix milliseconds UTC.
fn end_of_day(app: &App, date: &str) -> anyhow::Result<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(date, &fmt).map_err(|_| anyhow::anyhow!("until: must be a date YYYY-MM-DD"))?;
    let next = d.next_day().context("until: out of range")?;
    let ms = next.midnight().assume_utc().unix_timestamp() * 1000;
    if ms <= app.now().unix_millis() {
        anyhow::bail!("until: must be today or later");
    }
    Ok(ms)
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("password: cannot read stdin")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_owned();
    if pw.is_empty() {
        anyhow::bail!("password: nothing on stdin (pipe it in, e.g. from a password manager)");
    }
    Ok(pw)
}

/// Runs an audit command; prints one JSON object on the last line of stdout.
async fn audit(conn: &ConnArgs, command: AuditCommand) -> i32 {
    let (code, value) = match audit_inner(conn, command).await {
        Ok(done) => done,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            (1, json!({"ok": false, "error": {"message": format!("{e:#}")}}))
        }
    };
    let _ = writeln!(std::io::stdout().lock(), "{value}");
    code
}

async fn audit_inner(conn: &ConnArgs, command: AuditCommand) -> anyhow::Result<(i32, serde_json::Value)> {
    use portico_app::audit::Verification;
    let config = Config::load(conn)?;
    let (app, _) = crate::open_app(&config, Arc::new(SystemClock)).await?;
    match command {
        AuditCommand::Checkpoint => {
            let cp = app.checkpoint_audit(&config.checkpoint_dir, std::time::Duration::ZERO).await?;
            Ok((0, json!({"ok": true, "checkpoint": cp})))
        }
        AuditCommand::Verify => {
            let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let progress = move |done: u64, total: u64| {
                if terminal {
                    let pct = (done * 100).checked_div(total).unwrap_or(100);
                    let _ = write!(std::io::stderr(), "\rverifying audit events: {done}/{total} ({pct}%)");
                }
            };
            let outcome = app.verify_audit(&config.checkpoint_dir, progress).await?;
            if terminal {
                let _ = writeln!(std::io::stderr());
            }
            Ok(match outcome {
                Verification::Intact(v) => (
                    0,
                    json!({"ok": true, "events": v.events, "sealed": v.sealed, "checkpoints": v.checkpoints, "unsealed_tail": v.unsealed_tail}),
                ),
                Verification::Tampered(t) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "audit log tampered: first bad sequence number {}: {}",
                        t.seq,
                        t.reason
                    );
                    (1, json!({"ok": false, "first_bad_seq": t.seq, "reason": t.reason}))
                }
            })
        }
    }
}

async fn keys(conn: &ConnArgs, command: KeysCommand) -> anyhow::Result<serde_json::Value> {
    let app = open(conn).await?;
    let (sys, ctx) = (Actor::System, cli_context());
    match command {
        KeysCommand::Rotate { new_key_file } => {
            let current = Kek::load(&Config::load(conn)?.key_file).context("key_file")?;
            let (new_kek, created) = if new_key_file.exists() {
                (Kek::load(&new_key_file).context("new_key_file")?, false)
            } else {
                (current.create_successor(&new_key_file).context("new_key_file")?, true)
            };
            if !new_kek.same_audit_key(&current) {
                anyhow::bail!(
                    "new_key_file: it holds a different audit signing key; let rotation create the file so earlier checkpoints still verify"
                );
            }
            let report = app.rotate_keys(&sys, &new_kek, &ctx).await.map_err(admin_error)?;
            Ok(json!({
                "rewrapped_patient_keys": report.patient_keys,
                "rewrapped_system_keys": report.system_keys,
                "new_key_id": report.new_kek_id,
                "new_key_file": new_key_file,
                "new_key_file_created": created,
                "next": "restart Portico with --key-file pointing at the new key file",
            }))
        }
        KeysCommand::ShredPatient { patient, yes_destroy_forever: _ } => {
            let id: PatientId = parse_id("patient", &patient)?;
            app.shred_patient(&sys, id, &ctx).await.map_err(admin_error)?;
            Ok(json!({"patient_id": id, "shredded": true}))
        }
    }
}
