//! Integration tests: the real app, over HTTP, against a real Postgres.

mod audit;
mod auth;
mod cli;
mod embedded;
mod health;
mod roles;
mod support;
mod tokens;
