//! The audit trail: every change, who made it, before and after.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod store;
