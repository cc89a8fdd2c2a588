//! Integration tests: the real server over HTTP, on SQLite by default and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (the test command runs both).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly at the first surprise"
)]

mod at_rest;
mod audit;
mod auth;
mod break_glass;
mod cli;
mod cli_support;
mod durability;
mod enrollment;
mod helpers;
mod matrix;
mod messaging;
mod notifications;
mod pages;
mod passkeys;
mod phi;
mod security;
mod sessions;
mod sinks;
mod social;
mod social_settings;
mod testimonials;
mod vendors;
