//! Monitors: HTTP(S), TCP, Postgres, Redis and push checks with Gatus-style conditions and
//! health JSON read natively, thresholds before a state changes, the scheduler that runs each
//! check once across processes, and the alerts (email, Slack, signed webhooks) sent through an
//! outbox when a state changes.

pub mod api;
pub mod components;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod charts;
#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod self_watch;
#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub use http::routes;

/// The domain's background jobs, started once per process: the scheduler, the alert sender and
/// the watch on Pitwall's own database (whose links start with `public_url` when it is set).
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool, public_url: Option<String>) {
    scheduler::spawn(supervisor, pool.clone());
    self_watch::spawn(supervisor, pool.clone(), public_url.clone());
    delivery::spawn(supervisor, pool.clone(), public_url);
}
