//! `GET /healthz` (liveness: always 200 while the process serves) and `GET /readyz` (200 only
//! while the database answers). Both report the same checks.

use super::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::Serialize;
use std::time::{Duration, Instant};

/// How long the database may take to answer before it counts as unreachable.
const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Degraded,
    Error,
}

#[derive(Serialize)]
struct Check {
    status: Status,
    response_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Checks {
    database: Check,
}

#[derive(Serialize)]
struct Report {
    status: Status,
    version: &'static str,
    uptime_s: u64,
    checks: Checks,
}

async fn check_database(state: &AppState) -> Check {
    let started = Instant::now();
    let outcome = tokio::time::timeout(DATABASE_CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(&state.pool)).await;
    let response_ms = started.elapsed().as_millis() as u64;
    let error = match outcome {
        Ok(Ok(_)) => None,
        Ok(Err(err)) => Some(err.to_string()),
        Err(_) => Some(format!("no answer within {} ms", DATABASE_CHECK_TIMEOUT.as_millis())),
    };
    if let Some(err) = &error {
        tracing::warn!(error = %err, "database health check failed");
    }
    Check { status: if error.is_some() { Status::Error } else { Status::Ok }, response_ms, error }
}

async fn report(state: &AppState, down_status: Status) -> Report {
    let database = check_database(state).await;
    let status = if database.status == Status::Ok { Status::Ok } else { down_status };
    Report {
        status,
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: state.started_at.elapsed().as_secs(),
        checks: Checks { database },
    }
}

/// The process is alive; a database outage makes it `degraded`, not dead.
pub async fn healthz(State(state): State<AppState>) -> Json<impl Serialize> {
    Json(report(&state, Status::Degraded).await)
}

/// Ready to serve: 503 while the database is unreachable.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let report = report(&state, Status::Error).await;
    let code = if report.status == Status::Ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(report)).into_response()
}
