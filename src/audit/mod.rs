//! The audit log: reading back the trail every change writes (`server::audit_trail`), in the
//! console and for machines.

pub mod api;
pub mod components;
pub mod console;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub use http::routes;
