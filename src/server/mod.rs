//! Cross-cutting server infrastructure.

pub mod api_json;
pub mod assets;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod csrf;
pub mod db;
pub mod embedded_pg;
pub mod health;
pub mod jobs;
pub mod live;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
