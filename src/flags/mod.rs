//! Feature flags: Unleash's model and engine, edited by the PM in the console, served to apps
//! over OFREP and the Unleash client API.

pub mod api;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
mod retention;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod unleash;

#[cfg(feature = "ssr")]
pub use http::routes;

/// The domain's background jobs, started once per process.
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool) {
    scheduler::spawn(supervisor, pool.clone());
    retention::spawn(supervisor, pool.clone());
}
