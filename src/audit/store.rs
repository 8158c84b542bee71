//! All SQL of the audit trail.

use super::model::{AuditEntry, AuditPage, AuditQuery, AUDIT_PAGE_SIZE};
use crate::error::AppError;
use sqlx::PgPool;

pub async fn list(pool: &PgPool, query: &AuditQuery) -> Result<AuditPage, AppError> {
    // One row more than a page tells whether there is a next page.
    let mut entries = sqlx::query_as!(
        AuditEntry,
        r#"SELECT id, at AS "at: chrono::DateTime<chrono::Utc>", actor, action, entity_type, entity_id, before, after, client_ip
           FROM audit_log
           WHERE ($1::text IS NULL OR actor = $1 OR actor = 'user:' || $1 OR actor = 'token:' || $1)
             AND ($2::text IS NULL OR entity_type = $2)
             AND ($3::timestamptz IS NULL OR at >= $3)
             AND ($4::timestamptz IS NULL OR at < $4)
           ORDER BY at DESC, id DESC
           LIMIT $5 OFFSET $6"#,
        query.actor(),
        query.entity_type(),
        // `as _`: sqlx would check these against the `time` crate, which the session store enables.
        query.from() as _,
        query.until() as _,
        AUDIT_PAGE_SIZE + 1,
        query.page() * AUDIT_PAGE_SIZE,
    )
    .fetch_all(pool)
    .await?;
    let has_more = entries.len() as i64 > AUDIT_PAGE_SIZE;
    entries.truncate(AUDIT_PAGE_SIZE as usize);
    Ok(AuditPage { entries, page: query.page(), has_more })
}

/// The entity types present, for the filter's choices.
pub async fn entity_types(pool: &PgPool) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!("SELECT DISTINCT entity_type FROM audit_log ORDER BY entity_type").fetch_all(pool).await?)
}
