//! Integration tests: the real app, over HTTP, against a real Postgres.

mod alerts;
mod audit;
mod auth;
mod caches;
mod cli;
mod connections;
mod embedded;
mod flags;
mod from_memory;
mod gate;
mod hardening;
mod health;
mod incidents;
mod maintenance;
mod maintenance_cli;
mod monitors;
mod roles;
mod status;
mod status_clients;
mod status_subscribers;
mod support;
mod tokens;
mod unleash_import;
