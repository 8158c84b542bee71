//! `GET /api/v1/audit`: the audit log for machines (SIEM export), newest first.

use super::model::{AuditPage, AuditQuery};
use super::store;
use crate::auth::tokens::{AuditRead, TokenAuth};
use crate::error::AppError;
use axum::extract::{FromRef, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::PgPool;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Deserialize)]
struct AuditParams {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: i64,
}

async fn list(
    _token: TokenAuth<AuditRead>,
    State(pool): State<PgPool>,
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPage>, AppError> {
    let query = AuditQuery::parse(&params.actor, &params.entity_type, &params.from, &params.to, params.page)?;
    Ok(Json(store::list(&pool, &query).await?))
}
