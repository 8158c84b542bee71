//! `GET /healthz` (liveness: always 200 while the process serves) and `GET /readyz` (200 only
//! while the database answers). Both report the same checks.

use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use axum::Router;
use http::StatusCode;
use serde::Serialize;
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// How long the database may take to answer before it counts as unreachable.
const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// When this process started, for the uptime it reports.
#[derive(Debug, Clone, Copy)]
pub struct StartedAt(pub Instant);

/// `/healthz` and `/readyz`, for any app state that has the pool and the start time.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    StartedAt: FromRef<S>,
{
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

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

async fn check_database(pool: &PgPool) -> Check {
    let started = Instant::now();
    let outcome = tokio::time::timeout(DATABASE_CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(pool)).await;
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

async fn report(pool: &PgPool, started_at: StartedAt, down_status: Status) -> Report {
    let database = check_database(pool).await;
    let status = if database.status == Status::Ok { Status::Ok } else { down_status };
    Report {
        status,
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: started_at.0.elapsed().as_secs(),
        checks: Checks { database },
    }
}

/// The process is alive; a database outage makes it `degraded`, not dead.
async fn healthz(State(pool): State<PgPool>, State(started_at): State<StartedAt>) -> Json<impl Serialize> {
    Json(report(&pool, started_at, Status::Degraded).await)
}

/// Ready to serve: 503 while the database is unreachable.
async fn readyz(State(pool): State<PgPool>, State(started_at): State<StartedAt>) -> Response {
    let report = report(&pool, started_at, Status::Error).await;
    let code = if report.status == Status::Ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(report)).into_response()
}
