//! The machine API: the public state for apps that check for themselves, and start/end for
//! deploy scripts holding a `maintenance:write` token.

use super::model::{parse_start, NewWindow, PublicState, Start, WindowView};
use super::store;
use crate::auth::tokens::{MaintenanceWrite, TokenAuth};
use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

/// `GET /api/v1/maintenance`: public, answered from the process's live view (no query per call).
pub async fn public_state(State(state): State<AppState>) -> Response {
    let snapshot = state.maintenance.current();
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
pub async fn start(
    token: TokenAuth<MaintenanceWrite>,
    State(state): State<AppState>,
    Json(body): Json<StartRequest>,
) -> Result<(StatusCode, Json<WindowView>), AppError> {
    let now = chrono::Utc::now();
    let start = parse_start("starts_at", &body.starts_at, now)?;
    let new = NewWindow::parse(&body.reason, &body.message, start, &body.duration, now)?;
    let window = match start {
        Start::Now => store::start_now(&state.pool, &token.caller, &new).await?,
        Start::At(_) => store::schedule(&state.pool, &token.caller, &new).await?,
    };
    Ok((StatusCode::CREATED, Json(window)))
}

/// `POST /api/v1/maintenance/end`: ends the maintenance in progress.
pub async fn end(
    token: TokenAuth<MaintenanceWrite>,
    State(state): State<AppState>,
) -> Result<Json<WindowView>, AppError> {
    store::end_current(&state.pool, &token.caller)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::conflict("Maintenance is not on."))
}
