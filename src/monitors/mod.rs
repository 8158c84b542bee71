//! Monitors: HTTP(S), TCP, Postgres, Redis and push checks with Gatus-style conditions and
//! health JSON read natively, thresholds before a state changes, and the scheduler that runs each
//! check once across processes.

pub mod api;
pub mod components;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub use http::routes;

/// The domain's background jobs, started once per process.
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool) {
    scheduler::spawn(supervisor, pool.clone());
}
