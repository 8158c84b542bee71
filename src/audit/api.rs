//! Server fns of the audit trail.

use super::model::AuditPage;
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
    use super::model::AuditQuery;
    use super::store;
    use crate::auth::guard;
    use crate::auth::model::Permission;
    let auth = guard::authorize(Permission::ReadAudit).await?;
    let query = AuditQuery::parse(&actor, &entity_type, &from, &to, page)?;
    store::list(&auth.state.pool, &query).await
}

#[server(endpoint = "audit/entity_types")]
pub async fn audit_entity_types() -> Result<Vec<String>, AppError> {
    use super::store;
    use crate::auth::guard;
    use crate::auth::model::Permission;
    let auth = guard::authorize(Permission::ReadAudit).await?;
    store::entity_types(&auth.state.pool).await
}
