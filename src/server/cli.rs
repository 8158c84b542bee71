//! What every domain's CLI commands share: how a command fails (refused input, exit 1, or an
//! infrastructure fault, exit 2) and how it prints machine-readable output.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Why a command failed, mapped to its exit code by the top-level parser.
#[derive(Debug)]
pub enum Failure {
    /// The input was refused; the message says why (exit 1).
    Refused(String),
    /// The database or the machine failed (exit 2).
    Infrastructure(String),
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Internal | AppError::Unavailable { .. } | AppError::Transport { .. } => {
                Failure::Infrastructure(err.to_string())
            }
            AppError::Validation { field, message } => {
                Failure::Refused(format!("--{}: {message}", field.replace('_', "-")))
            }
            other => Failure::Refused(other.to_string()),
        }
    }
}

/// Prints `value` as pretty JSON on standard output (`--json`).
pub fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Infrastructure(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// A time as commands print it.
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Resolves on Ctrl-C or SIGTERM: serving commands (the console, the gate) then drain and stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
