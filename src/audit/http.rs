//! `GET /api/v1/audit`: the audit log for machines (SIEM export), newest first.

use super::model::{AuditPage, AuditQuery};
use super::store;
use crate::auth::tokens::{AuditRead, TokenAuth};
use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AuditParams {
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

pub async fn list(
    _token: TokenAuth<AuditRead>,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPage>, AppError> {
    let query = AuditQuery::parse(&params.actor, &params.entity_type, &params.from, &params.to, params.page)?;
    Ok(Json(store::list(&state.pool, &query).await?))
}
