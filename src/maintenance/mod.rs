//! Maintenance: windows (one-off and recurring), the scheduler that runs them, the gate in front
//! of the site, and the console, CLI and API that drive them.

pub mod api;
pub mod components;
pub mod console;
pub mod model;
pub mod pages;
pub mod recurrence;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod gate;
#[cfg(feature = "ssr")]
mod guess_limit;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod visitor_page;

#[cfg(feature = "ssr")]
pub use http::routes;

/// The domain's background jobs, started once per process (the gate starts them too).
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool) {
    scheduler::spawn(supervisor, pool.clone());
}
