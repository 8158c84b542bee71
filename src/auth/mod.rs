//! Accounts, sessions, roles and machine tokens; the one guard every request goes through.

pub mod access;
pub mod api;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
mod retention;
#[cfg(feature = "ssr")]
pub mod setup;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod tokens;

/// The domain's background jobs.
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool) {
    retention::spawn(supervisor, pool.clone());
}
