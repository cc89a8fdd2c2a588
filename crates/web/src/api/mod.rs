//! JSON API handlers under `/api/v1`. Each is thin: typed input, one use case, mapped result.

pub mod audit;
pub mod auth;
pub mod break_glass;
pub mod enroll;
pub mod me;
pub mod passkeys;
pub mod preferences;
pub mod settings;
pub mod social;
pub mod teams;
pub mod testimonials;
pub mod threads;
pub mod vendors;
