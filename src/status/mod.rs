//! The public status page: components (in groups) whose status follows their monitors, the
//! incidents that name them and maintenance, with a manual override; their history as 90-day
//! uptime bars; the page itself as plain HTML and Atlassian Statuspage's API, both served from
//! an in-memory snapshot in every process.

pub mod api;
pub mod components;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
mod badges;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod feeds;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod notifier;
#[cfg(feature = "ssr")]
mod page;
#[cfg(feature = "ssr")]
pub mod recorder;
#[cfg(feature = "ssr")]
pub mod snapshot;
#[cfg(feature = "ssr")]
mod statuspage;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
mod subscribe;

#[cfg(feature = "ssr")]
pub use http::routes;

/// The domain's background jobs: the status recorder and the subscribers' notifier (whose links
/// start with where the public reads the page, `page_url` without its `/status`).
#[cfg(feature = "ssr")]
pub fn spawn_jobs(supervisor: &crate::server::jobs::Supervisor, pool: &sqlx::PgPool, page_url: &str) {
    recorder::spawn(supervisor, pool.clone());
    notifier::spawn(supervisor, pool.clone(), public_base(page_url));
}

/// The origin of the public page's links: `page_url` without its `/status` (empty when relative).
#[cfg(feature = "ssr")]
pub fn public_base(page_url: &str) -> String {
    page_url.strip_suffix("/status").unwrap_or(page_url).to_owned()
}
