//! `GET /healthz` (liveness: always 200 while the process serves) and `GET /readyz` (200 only
//! while the database answers). Both report the same checks: the database, and the background
//! jobs and watchers (a stalled one makes the report `degraded`, naming it). Errors are said in
//! plain words; the database's own message goes to the log only.

use super::jobs::Supervisor;
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
    Supervisor: FromRef<S>,
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

/// Whether the database answered, how fast, and if not, why in plain words.
#[derive(Serialize)]
pub struct Check {
    pub status: Status,
    pub response_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize)]
struct JobsCheck {
    status: Status,
    /// Names of the jobs and watchers that have not beaten when they should have.
    stalled: Vec<String>,
}

#[derive(Serialize)]
struct Checks {
    database: Check,
    jobs: JobsCheck,
}

#[derive(Serialize)]
struct Report {
    status: Status,
    version: &'static str,
    uptime_s: u64,
    checks: Checks,
}

pub async fn check_database(pool: &PgPool) -> Check {
    let started = Instant::now();
    let outcome = tokio::time::timeout(DATABASE_CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(pool)).await;
    let response_ms = started.elapsed().as_millis() as u64;
    let error = match outcome {
        Ok(Ok(_)) => None,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "database health check failed");
            Some(match err {
                sqlx::Error::PoolTimedOut => "no connection free within the acquire timeout".to_owned(),
                sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => "cannot connect".to_owned(),
                _ => "the check query failed".to_owned(),
            })
        }
        Err(_) => {
            tracing::warn!("database health check got no answer");
            Some(format!("no answer within {} ms", DATABASE_CHECK_TIMEOUT.as_millis()))
        }
    };
    Check { status: if error.is_some() { Status::Error } else { Status::Ok }, response_ms, error }
}

fn check_jobs(supervisor: &Supervisor) -> JobsCheck {
    let stalled: Vec<String> = supervisor.stalled().into_iter().map(|s| s.what.to_owned()).collect();
    for name in &stalled {
        tracing::warn!("{name} is stalled: no heartbeat when one was due");
    }
    JobsCheck { status: if stalled.is_empty() { Status::Ok } else { Status::Degraded }, stalled }
}

async fn report(pool: &PgPool, started_at: StartedAt, supervisor: &Supervisor, down_status: Status) -> Report {
    let database = check_database(pool).await;
    let jobs = check_jobs(supervisor);
    let status = match (database.status, jobs.status) {
        (Status::Ok, Status::Ok) => Status::Ok,
        (Status::Ok, _) => Status::Degraded,
        _ => down_status,
    };
    Report {
        status,
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: started_at.0.elapsed().as_secs(),
        checks: Checks { database, jobs },
    }
}

/// The process is alive; a database outage makes it `degraded`, not dead.
async fn healthz(
    State(pool): State<PgPool>,
    State(started_at): State<StartedAt>,
    State(supervisor): State<Supervisor>,
) -> Json<impl Serialize> {
    Json(report(&pool, started_at, &supervisor, Status::Degraded).await)
}

/// Ready to serve: 503 while the database is unreachable; a stalled job is `degraded` (200):
/// requests are still served, but someone should look.
async fn readyz(
    State(pool): State<PgPool>,
    State(started_at): State<StartedAt>,
    State(supervisor): State<Supervisor>,
) -> Response {
    let report = report(&pool, started_at, &supervisor, Status::Error).await;
    let code = if report.status == Status::Error { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    (code, Json(report)).into_response()
}
