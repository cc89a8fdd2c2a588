//! The `portico` binary's library: configuration, wiring, the server's start and graceful
//! stop, and the command-line commands. Integration tests start the server through [`start`]
//! with a fake clock, exactly as `portico serve` does with the system clock.

pub mod cli;
pub mod config;
pub mod demo;
pub mod phi;

use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::sync::Arc;

use anyhow::Context;
use portico_app::{App, Settings};
use portico_crypto::Kek;
use portico_domain::Clock;
use portico_store::{ConnectOptions, Store};
use portico_web::{AppState, WebConfig};
use tokio::net::TcpListener;

use crate::config::Config;

/// Opens (creating on first run) the data directory, the key file and the database.
/// Returns the app and whether the key file was created now.
pub async fn open_app(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<(App, bool)> {
    if config.is_sqlite() && !config.data_dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&config.data_dir)
            .with_context(|| format!("data_dir: cannot create {}", config.data_dir.display()))?;
    }
    let (kek, created) = Kek::load_or_create(&config.key_file).context("key_file")?;
    let opts = ConnectOptions {
        url: config.database_url.clone(),
        max_connections: if config.is_sqlite() { 8 } else { 16 },
        notify_window_ms: i64::try_from(config.notify_window.as_millis()).unwrap_or(i64::MAX),
    };
    let store = Store::connect(&opts, kek, clock.now())
        .await
        .with_context(|| format!("database {}", config::redact_url(&config.database_url)))?;
    let settings = Settings {
        sessions: config.sessions,
        require_staff_mfa: config.require_staff_mfa,
        totp_issuer: config.clinic_name.clone(),
        break_glass: config.break_glass,
        alert_rules: config.alert_rules,
        clinic_name: config.clinic_name.clone(),
        public_url: config.public_url.clone(),
        time_zone: config.time_zone.clone(),
        providers: config.providers.clone(),
        social: config.social.clone(),
        ..Settings::default()
    };
    Ok((App::new(store, clock, settings)?, created))
}

/// A started server.
pub struct Running {
    /// The bound address (port 0 resolves here).
    pub addr: SocketAddr,
    /// The public address in force (without `clinic.public_url`, the bound one).
    pub public_url: String,
    /// The application, for tests to reach use cases and the store directly.
    pub app: App,
    /// Whether the key file was created by this start.
    pub key_created: bool,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.task.await.context("server task")?
    }

    /// Waits until the server stops (after SIGINT/SIGTERM when started by [`serve_until_signal`]).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task")?
    }
}

/// Opens everything and starts serving on `config.listen`.
pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let listener =
        TcpListener::bind(config.listen).await.with_context(|| format!("listen: cannot bind {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Without `clinic.public_url` the address is the listening one: with port 0, the port bound.
    let bound;
    let config = if config.public_url == format!("http://{}", config.listen) && config.listen.port() == 0 {
        bound = Config { public_url: format!("http://{addr}"), ..config.clone() };
        &bound
    } else {
        config
    };
    let (app, key_created) = open_app(config, clock).await?;
    let web = WebConfig {
        secure_cookies: config.is_https(),
        metrics_token: config.metrics_token.clone(),
        body_limit: config.body_limit,
        trust_forwarded_for: config.trust_forwarded_for,
        public_url: config.public_url.clone(),
        sms_auth_token: config.notify_sms.as_ref().map(|s| s.auth_token.clone()),
    };
    let state = AppState { app: Arc::new(app.clone()), config: Arc::new(web) };
    let router = portico_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let checkpointer = tokio::spawn(checkpoint_loop(
        app.clone(),
        config.checkpoint_dir.clone(),
        config.checkpoint_interval,
        tx.subscribe(),
    ));
    let mut delivery = portico_app::notify::Delivery::new(config.notify_email.clone(), config.notify_sms.clone())?;
    delivery.lease = config.notify_lease;
    let notifier = delivery.is_configured().then(|| tokio::spawn(delivery_loop(app.clone(), delivery, tx.subscribe())));
    refresh_social_settings(&app).await;
    let bridge = tokio::spawn(social_loop(app.clone(), tx.subscribe()));
    let (final_app, dir) = (app.clone(), config.checkpoint_dir.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await
            .context("http server")?;
        let _ = checkpointer.await;
        if let Some(n) = notifier {
            let _ = n.await;
        }
        let _ = bridge.await;
        // The last checkpoint covers every event committed before shutdown.
        final_app.checkpoint_audit(&dir, std::time::Duration::ZERO).await.context("final audit checkpoint")?;
        final_app.store().close().await;
        Ok(())
    });
    let public_url = config.public_url.clone();
    Ok(Running { addr, public_url, app, key_created, shutdown: tx, task })
}

/// `portico serve`: starts, prints where to go, and stops gracefully on SIGINT or SIGTERM.
pub async fn serve_until_signal(config: &Config, clock: Arc<dyn Clock>, demo: bool) -> anyhow::Result<()> {
    let running = start(config, clock).await?;
    if demo {
        demo::seed(&running.app).await.context("demo data")?;
    }
    print_banner(config, &running, demo).await?;
    let stop = running.shutdown.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop.send(true);
    });
    running.wait().await
}

/// Seals the audit log every few seconds and writes a signed checkpoint at every interval
/// until shutdown.
async fn checkpoint_loop(
    app: App,
    dir: std::path::PathBuf,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Between checkpoints, events are sealed as soon as they settle: small passes often rather
    // than a minute's worth at once, which would hold up message sends for its inserts.
    let mut seal_ticks = tokio::time::interval(portico_app::audit::SETTLE);
    seal_ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = seal_ticks.tick() => {
                if let Err(e) = app.seal_audit(portico_app::audit::SETTLE).await {
                    tracing::error!(error = %e, "audit sealing failed");
                }
            }
            _ = ticks.tick() => {
                match app.checkpoint_audit(&dir, portico_app::audit::SETTLE).await {
                    Ok(Some(cp)) => tracing::info!(audit.position = cp.position, audit.seq = cp.seq, "audit checkpoint written"),
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Delivers due notifications every quarter of a second until shutdown.
async fn delivery_loop(
    app: App,
    delivery: portico_app::notify::Delivery,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_millis(250));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                if let Err(e) = app.deliver_due(&delivery, 64).await {
                    tracing::error!(error = %e, "notification delivery failed");
                }
                if let Err(e) = app.deliver_staff_notices(&delivery, 64).await {
                    tracing::error!(error = %e, "staff notice delivery failed");
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// The social bridge's worker. When webhooks arrive at a human pace it wakes as soon as one
/// queues something, so the answer leaves within milliseconds. During a burst (more than
/// [`HOT`] events accepted in a quarter second) SQLite's single writer is kept for the webhooks:
/// the worker then answers only a small slice each quarter second and drains the rest when
/// the burst is over, so Meta gets its 200 quickly and nothing is lost. Items past their
/// retention are purged every hour, and settings an administrator saved on any node are picked
/// up every few seconds.
async fn social_loop(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let tick = std::time::Duration::from_millis(250);
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let refresh_every =
        u32::try_from(portico_app::social::settings::REFRESH.as_millis() / tick.as_millis()).unwrap_or(1);
    let (mut since_purge, mut seen, mut hot) = (0u32, app.social_accepted(), false);
    loop {
        tokio::select! {
            _ = app.social_queued(), if !hot => {}
            _ = ticks.tick() => {
                since_purge += 1;
                if since_purge % refresh_every == 0 {
                    refresh_social_settings(&app).await;
                }
                let now = app.social_accepted();
                hot = now - seen > HOT;
                seen = now;
            }
            _ = stop.changed() => return,
        }
        let budget = if hot { 64 } else { 512 };
        match app.process_social(budget).await {
            Ok(decided) if decided.len() == budget as usize => app.social_wake_again(),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "social processing failed"),
        }
        if let Some(g) = app.social_graph() {
            match app.deliver_social(&g, budget).await {
                Ok(n) if n == budget as usize => app.social_wake_again(),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "social delivery failed"),
            }
        }
        if since_purge >= 4 * 3600 {
            since_purge = 0;
            match app.purge_social().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(social.purged = n, "social items past retention deleted"),
                Err(e) => tracing::error!(error = %e, "social purge failed"),
            }
        }
    }
}

/// Picks up the bridge's settings if an administrator saved new ones. A stored copy that cannot
/// be used is logged (without its content) and the settings in force stay.
async fn refresh_social_settings(app: &App) {
    match app.refresh_social_settings().await {
        Ok(Some(version)) => tracing::info!(version, "social bridge settings loaded from the database"),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "social bridge settings in the database could not be used"),
    }
}

/// Events accepted in a quarter second above which the social worker yields to the webhooks.
const HOT: u64 = 100;

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}

async fn print_banner(config: &Config, running: &Running, demo: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let url = format!("http://{}", running.addr);
    writeln!(out, "Portico is running at {url}")?;
    writeln!(out, "  database: {}", config::redact_url(&config.database_url))?;
    writeln!(out, "  audit checkpoints: {} (keep on other storage and back up)", config.checkpoint_dir.display())?;
    if running.key_created {
        writeln!(
            out,
            "  created key file {} (mode 0600). Back it up separately from the data: without it the data cannot be read.",
            config.key_file.display()
        )?;
    }
    writeln!(out, "  patients sign in at {url}/portal/sign-in, staff at {url}/staff/sign-in")?;
    if demo {
        writeln!(out, "{}", demo::BANNER)?;
    } else if !running.app.has_admin().await? {
        let flags = cli_flags(config);
        writeln!(out, "\nNo administrator yet. Create the first one (you will be asked for a password on stdin):")?;
        writeln!(
            out,
            "  portico admin create-staff --email you@your-clinic.org --name \"Your Name\" --role admin --password-stdin{flags}"
        )?;
        writeln!(
            out,
            "Scan the printed otpauth:// link with an authenticator app, then sign in at {url}/staff/sign-in."
        )?;
        writeln!(out, "To look around with sample data first: portico serve --demo")?;
    }
    writeln!(out, "Press Ctrl-C to stop.")?;
    Ok(())
}

/// The connection flags to repeat in a suggested command, when they differ from the defaults.
fn cli_flags(config: &Config) -> String {
    let mut s = String::new();
    if config.data_dir != std::path::Path::new("portico-data") {
        s.push_str(&format!(" --data-dir {}", config.data_dir.display()));
    }
    if config.key_file != std::path::Path::new("portico.key") {
        s.push_str(&format!(" --key-file {}", config.key_file.display()));
    }
    if !config.is_sqlite() {
        s.push_str(" --database-url \"$PORTICO_DATABASE_URL\"");
    }
    s
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Log lines never carry PHI: fields
/// are ids, route patterns and fixed words.
pub fn init_telemetry(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{default_level},sqlx=warn")));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .try_init();
}
