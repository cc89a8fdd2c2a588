//! What the benchmarks share: a Portico on SQLite in a temporary directory.

use std::sync::Arc;

use portico::config::{Config, ConnArgs};
use portico_domain::time::SystemClock;

/// Opens Portico (SQLite, `synchronous=FULL`) with its files in `dir`, on the system clock.
pub async fn open_in(dir: &std::path::Path) -> portico_app::App {
    let args = ConnArgs {
        data_dir: Some(dir.join("data")),
        key_file: Some(dir.join("k.key")),
        audit_dir: Some(dir.join("audit")),
        ..ConnArgs::default()
    };
    let config = Config::load(&args).unwrap();
    portico::open_app(&config, Arc::new(SystemClock)).await.unwrap().0
}
