//! The machine API for monitors and deploy tooling: declare, list, read, edit and post updates,
//! with `incidents:read` / `incidents:write` tokens.

use super::model::{
    Edit, EventBody, Incident, IncidentDraft, IncidentFilter, IncidentPatch, ListQuery, NewIncident, TimelineEvent,
};
use super::store;
use crate::auth::tokens::{IncidentsRead, IncidentsWrite, TokenAuth};
use crate::error::AppError;
use crate::server::api_json::ApiJson;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    Router::new()
        .route("/api/v1/incidents", get(list).post(declare))
        .route("/api/v1/incidents/{id}", get(read).patch(patch))
        .route("/api/v1/incidents/{id}/updates", post(post_update))
        .route("/api/v1/incidents/{id}/export.md", get(export))
}

fn incident_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::not_found(format!("Incident {raw:?}")))
}

/// `POST /api/v1/incidents`
async fn declare(
    token: TokenAuth<IncidentsWrite>,
    State(pool): State<PgPool>,
    ApiJson(draft): ApiJson<IncidentDraft>,
) -> Result<(StatusCode, Json<Incident>), AppError> {
    let now = Utc::now();
    let new = NewIncident::parse(&draft, now)?;
    Ok((StatusCode::CREATED, Json(store::declare(&pool, &token.caller, &new, now).await?)))
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/incidents[?open=true&status=&severity=&from=&to=&q=]`: most urgent first.
async fn list(
    _token: TokenAuth<IncidentsRead>,
    State(pool): State<PgPool>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<Incident>>, AppError> {
    let open = match params.open.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") | Some("1") => true,
        Some(other) => return Err(AppError::validation("open", format!("{other:?} is not true or false."))),
    };
    let filter = IncidentFilter {
        status: if open { "open".into() } else { params.status },
        severity: params.severity,
        from: params.from,
        to: params.to,
        q: params.q,
        ..IncidentFilter::default()
    };
    let query = ListQuery::parse(&filter)?;
    Ok(Json(store::list(&pool, &query, None, Utc::now()).await?))
}

#[derive(Serialize)]
pub struct IncidentWithTimeline {
    #[serde(flatten)]
    incident: Incident,
    timeline: Vec<TimelineEvent>,
}

/// `GET /api/v1/incidents/{id}`: the incident and its timeline.
async fn read(
    _token: TokenAuth<IncidentsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<Json<IncidentWithTimeline>, AppError> {
    let id = incident_id(&id)?;
    let incident = store::incident(&pool, id, Utc::now()).await?;
    Ok(Json(IncidentWithTimeline { incident, timeline: store::timeline(&pool, id).await? }))
}

/// `PATCH /api/v1/incidents/{id}`: any editable field; `{"acknowledge": true}` for a first response now.
async fn patch(
    token: TokenAuth<IncidentsWrite>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<IncidentPatch>,
) -> Result<Json<Incident>, AppError> {
    let id = incident_id(&id)?;
    let edit = Edit::parse(&patch)?;
    Ok(Json(store::edit(&pool, &token.caller, id, &edit, Utc::now()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    #[serde(default)]
    body: String,
    #[serde(default)]
    public: bool,
}

/// `POST /api/v1/incidents/{id}/updates`: `{"body", "public"}`; public ones go to the status page.
async fn post_update(
    token: TokenAuth<IncidentsWrite>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<UpdateRequest>,
) -> Result<(StatusCode, Json<TimelineEvent>), AppError> {
    let id = incident_id(&id)?;
    let body = EventBody::parse("body", &update.body)?;
    Ok((StatusCode::CREATED, Json(store::add_event(&pool, &token.caller, id, &body, update.public).await?)))
}

/// `GET /api/v1/incidents/{id}/export.md`
async fn export(
    _token: TokenAuth<IncidentsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = incident_id(&id)?;
    let markdown = store::export(&pool, id, Utc::now()).await?;
    Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], markdown))
}
