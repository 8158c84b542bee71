//! Feature flags: Unleash's model and engine, edited by the PM in the console, served to apps
//! over OFREP and the Unleash client API.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod store;
