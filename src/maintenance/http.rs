//! The machine API: the public state for apps that check for themselves, and start/end for
//! deploy scripts holding a `maintenance:write` token.

use super::live::LiveState;
use super::model::{parse_start, NewWindow, PublicState, Start, WindowView};
use super::store;
use crate::auth::tokens::{MaintenanceWrite, TokenAuth};
use crate::error::AppError;
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::PgPool;

/// Maintenance's machine API. `GET /api/v1/maintenance` is public and answered from memory (apps
/// may poll it on every request of theirs); start and end take a `maintenance:write` token.
pub fn routes<S>() -> (Router<S>, Router<S>)
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    LiveState: FromRef<S>,
{
    let public = Router::new().route("/api/v1/maintenance", get(public_state));
    let api =
        Router::new().route("/api/v1/maintenance/windows", post(start)).route("/api/v1/maintenance/end", post(end));
    (public, api)
}

/// `GET /api/v1/maintenance`: public, answered from the process's live view (no query per call).
async fn public_state(State(live): State<LiveState>) -> Response {
    let snapshot = live.current();
    let mut response = Json(PublicState::of(&snapshot.now_and_next)).into_response();
    // The site's own pages may ask from the browser: the answer is public.
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

#[derive(Deserialize)]
pub struct StartRequest {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
    /// `15m`, `2h`; absent for "until ended".
    #[serde(default)]
    duration: String,
    /// Absent: now. An RFC 3339 time, or a delay such as `30m`.
    #[serde(default)]
    starts_at: String,
}

/// `POST /api/v1/maintenance/windows`: start now, or schedule.
async fn start(
    token: TokenAuth<MaintenanceWrite>,
    State(pool): State<PgPool>,
    Json(body): Json<StartRequest>,
) -> Result<(StatusCode, Json<WindowView>), AppError> {
    let now = chrono::Utc::now();
    let start = parse_start("starts_at", &body.starts_at, now)?;
    let new = NewWindow::parse(&body.reason, &body.message, start, &body.duration, now)?;
    let window = match start {
        Start::Now => store::start_now(&pool, &token.caller, &new).await?,
        Start::At(_) => store::schedule(&pool, &token.caller, &new).await?,
    };
    Ok((StatusCode::CREATED, Json(window)))
}

/// `POST /api/v1/maintenance/end`: ends the maintenance in progress.
async fn end(token: TokenAuth<MaintenanceWrite>, State(pool): State<PgPool>) -> Result<Json<WindowView>, AppError> {
    store::end_current(&pool, &token.caller)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::conflict("Maintenance is not on."))
}
