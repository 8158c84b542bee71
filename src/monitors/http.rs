//! The monitors' machine API (`monitors:read` / `monitors:write` tokens) and the push endpoint
//! cron jobs and backup scripts call (`monitors:push`).

use super::model::{CheckResult, MonitorDraft, MonitorEvent, MonitorKind, MonitorSpec, MonitorView, Outcome};
use super::store;
use crate::auth::tokens::{self, MonitorsPush, MonitorsRead, MonitorsWrite, TokenAuth};
use crate::error::AppError;
use crate::server::api_json::ApiJson;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgPool;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    Router::new()
        .route("/api/v1/monitors", get(list).post(create))
        .route("/api/v1/monitors/{id}", get(read).patch(patch).delete(remove))
        .route("/api/v1/monitors/{id}/results", get(results))
        .route("/api/v1/monitors/{id}/events", get(events))
        .route("/api/v1/monitors/{id}/push", post(push))
}

fn monitor_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::not_found(format!("Monitor {raw:?}")))
}

/// `GET /api/v1/monitors`: the worst first.
async fn list(_token: TokenAuth<MonitorsRead>, State(pool): State<PgPool>) -> Result<Json<Vec<MonitorView>>, AppError> {
    Ok(Json(store::list(&pool).await?))
}

/// `POST /api/v1/monitors`: a draft as in the console's form (conditions and headers as lists).
async fn create(
    token: TokenAuth<MonitorsWrite>,
    State(pool): State<PgPool>,
    ApiJson(draft): ApiJson<MonitorDraft>,
) -> Result<(StatusCode, Json<MonitorView>), AppError> {
    let spec = MonitorSpec::parse(&draft)?;
    let push_key = (spec.kind == MonitorKind::Push).then(tokens::random_hex);
    Ok((StatusCode::CREATED, Json(store::create(&pool, &token.caller, &spec, push_key.as_deref()).await?)))
}

async fn read(
    _token: TokenAuth<MonitorsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<Json<MonitorView>, AppError> {
    Ok(Json(store::get(&pool, monitor_id(&id)?).await?))
}

/// `PATCH /api/v1/monitors/{id}`: any fields of the draft, laid over the current definition;
/// `{"paused": true|false}` pauses or resumes.
async fn patch(
    token: TokenAuth<MonitorsWrite>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Json<MonitorView>, AppError> {
    let id = monitor_id(&id)?;
    let Value::Object(mut fields) = patch else {
        return Err(AppError::validation("body", "Send a JSON object of the fields to change."));
    };
    let paused = match fields.remove("paused") {
        None => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => return Err(AppError::validation("paused", "paused is true or false.")),
    };
    let mut view = store::get(&pool, id).await?;
    if !fields.is_empty() {
        let mut merged = serde_json::to_value(store::spec(&pool, id).await?.to_draft()).unwrap_or_default();
        if let Value::Object(current) = &mut merged {
            current.extend(fields);
        }
        let draft: MonitorDraft =
            serde_json::from_value(merged).map_err(|e| AppError::validation("body", e.to_string()))?;
        view = store::update(&pool, &token.caller, id, &MonitorSpec::parse(&draft)?).await?;
    }
    if let Some(paused) = paused {
        view = store::set_paused(&pool, &token.caller, id, paused).await?;
    }
    Ok(Json(view))
}

async fn remove(
    token: TokenAuth<MonitorsWrite>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    store::delete(&pool, &token.caller, monitor_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Limit {
    #[serde(default)]
    limit: Option<String>,
}

fn limit(raw: Option<String>) -> Result<i64, AppError> {
    match raw.as_deref() {
        None | Some("") => Ok(100),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| AppError::validation("limit", format!("{raw:?} is not a number from 1 to 1000."))),
    }
}

/// `GET /api/v1/monitors/{id}/results[?limit=100]`: newest first.
async fn results(
    _token: TokenAuth<MonitorsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<CheckResult>>, AppError> {
    let id = monitor_id(&id)?;
    store::get(&pool, id).await?;
    Ok(Json(store::results(&pool, id, limit(q.limit)?).await?))
}

/// `GET /api/v1/monitors/{id}/events`: state changes, newest first.
async fn events(
    _token: TokenAuth<MonitorsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<MonitorEvent>>, AppError> {
    let id = monitor_id(&id)?;
    store::get(&pool, id).await?;
    Ok(Json(store::events(&pool, id, limit(q.limit)?).await?))
}

#[derive(Deserialize)]
struct PushParams {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    msg: String,
}

/// `POST /api/v1/monitors/{key}/push?status=up|down&msg=…`: a heartbeat (status defaults to up).
async fn push(
    _token: TokenAuth<MonitorsPush>,
    State(pool): State<PgPool>,
    Path(key): Path<String>,
    Query(params): Query<PushParams>,
) -> Result<Json<MonitorView>, AppError> {
    let outcome = match params.status.as_deref().map(str::trim) {
        None | Some("") => Outcome::Up,
        Some(raw) => match Outcome::parse("status", raw)? {
            Outcome::Degraded => return Err(AppError::validation("status", "A push says up or down.")),
            outcome => outcome,
        },
    };
    if params.msg.chars().count() > 500 || params.msg.chars().any(char::is_control) {
        return Err(AppError::validation("msg", "The message is one line of at most 500 characters."));
    }
    Ok(Json(store::push(&pool, &key, outcome, params.msg.trim()).await?))
}
