//! The landing page: a card per domain.

pub mod api;
pub mod pages;
