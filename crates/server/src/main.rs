//! `portico`: the one binary.

use clap::Parser;

/// mimalloc rather than glibc's malloc: a request allocates and frees many small buffers, from
/// several threads, and glibc's allocator cost about a tenth of the server's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = portico::cli::Cli::parse();
    if let portico::cli::Command::Phi { command } = cli.command {
        std::process::exit(portico::phi::run(command)); // plain text in and out: no runtime, no logs
    }
    let default_level = if matches!(cli.command, portico::cli::Command::Serve { .. }) { "info" } else { "warn" };
    portico::init_telemetry(default_level);
    let code = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(portico::cli::run(cli)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            1
        }
    };
    std::process::exit(code);
}
