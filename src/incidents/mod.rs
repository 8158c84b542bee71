//! Incidents: severities with SLA targets, the live timeline support works in, post-mortems with
//! action items, KPIs, and the console, CLI and API around them.

pub mod api;
pub mod components;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod markdown;
#[cfg(feature = "ssr")]
pub mod sla_watch;
#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub use http::routes;

/// The domain's background jobs, started once per process.
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool) {
    sla_watch::spawn(supervisor, pool.clone());
}
