//! Server fns of the audit trail.

use super::model::AuditPage;
#[cfg(feature = "ssr")]
use super::model::AuditQuery;
#[cfg(feature = "ssr")]
use super::store;
#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "audit/list")]
pub async fn list_audit(
    actor: String,
    entity_type: String,
    from: String,
    to: String,
    page: i64,
) -> Result<AuditPage, AppError> {
    let auth = guard::authorize(Permission::ReadAudit).await?;
    let query = AuditQuery::parse(&actor, &entity_type, &from, &to, page)?;
    store::list(&auth.pool, &query).await
}

#[server(endpoint = "audit/entity_types")]
pub async fn audit_entity_types() -> Result<Vec<String>, AppError> {
    let auth = guard::authorize(Permission::ReadAudit).await?;
    store::entity_types(&auth.pool).await
}
