//! Server infrastructure shared by every domain: configuration, the database, the audit trail
//! writer, background jobs, live state, request plumbing. Nothing here imports a domain.

pub mod api_json;
pub mod assets;
pub mod audit_trail;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod context;
pub mod csrf;
pub mod db;
pub mod embedded_pg;
pub mod headers;
pub mod health;
pub mod jobs;
pub mod listen;
pub mod live;
pub mod sessions;
pub mod telemetry;
