//! SQL of the public update templates.

use super::*;

pub async fn templates(pool: &PgPool) -> Result<Vec<UpdateTemplate>, AppError> {
    let rows = sqlx::query!(
        "SELECT id, name, status, severity, body FROM incident_update_templates
         ORDER BY array_position(ARRAY['investigating', 'identified', 'monitoring', 'resolved'], status),
                  severity NULLS FIRST, lower(name)"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| UpdateTemplate {
            id: r.id,
            name: r.name,
            status: Status::from_stored(&r.status),
            severity: r.severity.map(severity),
            body: r.body,
        })
        .collect())
}

fn audit_view(spec: &TemplateSpec) -> serde_json::Value {
    json!({"name": spec.name, "status": spec.status, "severity": spec.severity.map(|s| s.level()), "body": spec.body})
}

fn unique_name(err: sqlx::Error, name: &str) -> AppError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::validation("name", format!("A template named {name:?} already exists."))
        }
        _ => err.into(),
    }
}

/// Adds a template (`id` absent) or replaces one.
pub async fn save_template(
    pool: &PgPool,
    caller: &Caller,
    id: Option<i64>,
    spec: &TemplateSpec,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let level = spec.severity.map(|s| i16::from(s.level()));
    let (id, change) = match id {
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO incident_update_templates (name, status, severity, body) VALUES ($1, $2, $3, $4) RETURNING id",
                spec.name,
                spec.status.as_str(),
                level,
                spec.body,
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| unique_name(e, &spec.name))?;
            (id, Change::created("incident_template.create", "incident_template", id, audit_view(spec)))
        }
        Some(id) => {
            let before = sqlx::query!(
                "SELECT name, status, severity, body FROM incident_update_templates WHERE id = $1 FOR UPDATE",
                id
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Template #{id}")))?;
            sqlx::query!(
                "UPDATE incident_update_templates SET name = $2, status = $3, severity = $4, body = $5, updated_at = now()
                 WHERE id = $1",
                id,
                spec.name,
                spec.status.as_str(),
                level,
                spec.body,
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_name(e, &spec.name))?;
            let before =
                json!({"name": before.name, "status": before.status, "severity": before.severity, "body": before.body});
            (id, Change::updated("incident_template.update", "incident_template", id, before, audit_view(spec)))
        }
    };
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_template(pool: &PgPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!("DELETE FROM incident_update_templates WHERE id = $1 RETURNING name, body", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Template #{id}")))?;
    let change = Change::removed(
        "incident_template.remove",
        "incident_template",
        id,
        json!({"name": before.name, "body": before.body}),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}
