//! What the public page is built from. Incidents are read only with their public updates, and
//! only once one exists; post-mortems only when published; maintenance windows unless cancelled.

use crate::error::AppError;
use crate::status::model::{
    ComponentStatus, Impact, IncidentStatus, MaintenanceStatus, PublicIncident, PublicMaintenance, PublicUpdate,
    StatusSpan,
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

/// Each component's statuses since `since`, oldest first, starting with the one it had then.
pub async fn history(pool: &PgPool, since: DateTime<Utc>) -> Result<HashMap<i64, Vec<StatusSpan>>, AppError> {
    let before = sqlx::query!(
        r#"SELECT DISTINCT ON (component_id) component_id, status, at AS "at: DateTime<Utc>"
           FROM status_component_history WHERE at < $1 ORDER BY component_id, at DESC, id DESC"#,
        since as _
    )
    .fetch_all(pool)
    .await?;
    let after = sqlx::query!(
        r#"SELECT component_id, status, at AS "at: DateTime<Utc>"
           FROM status_component_history WHERE at >= $1 ORDER BY component_id, at, id"#,
        since as _
    )
    .fetch_all(pool)
    .await?;
    let mut spans: HashMap<i64, Vec<StatusSpan>> = HashMap::new();
    let rows = before
        .into_iter()
        .map(|r| (r.component_id, r.status, r.at))
        .chain(after.into_iter().map(|r| (r.component_id, r.status, r.at)));
    for (component, status, at) in rows {
        spans
            .entry(component)
            .or_default()
            .push(StatusSpan { from: at, status: ComponentStatus::from_stored(&status) });
    }
    Ok(spans)
}

/// Which incidents or maintenance windows to read.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    /// Those still open, or ended at or after this.
    pub ended_since: DateTime<Utc>,
    /// Those that started (or were planned to start) in `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Bounds Postgres takes for "any time" (chrono's own extremes are beyond its range).
fn ever() -> (DateTime<Utc>, DateTime<Utc>) {
    use chrono::TimeZone;
    (Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap())
}

impl Span {
    /// The live page's: open, or ended since `since`, whenever they started.
    pub fn since(since: DateTime<Utc>) -> Self {
        let (from, to) = ever();
        Self { ended_since: since, from, to }
    }

    /// The history's: started in `[from, to)`, open or not.
    pub fn started(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self { ended_since: ever().0, from, to }
    }
}

/// Incidents with a public update in `span`, newest first.
pub async fn incidents(pool: &PgPool, span: Span) -> Result<Vec<PublicIncident>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT i.id, i.title, i.status, i.impact, i.started_at AS "started_at: DateTime<Utc>",
                  i.declared_at AS "declared_at: DateTime<Utc>", i.updated_at AS "updated_at: DateTime<Utc>",
                  i.mitigated_at AS "mitigated_at: DateTime<Utc>", i.resolved_at AS "resolved_at: DateTime<Utc>",
                  ARRAY(SELECT c.id FROM status_components c
                        WHERE lower(c.name) IN (SELECT lower(n) FROM unnest(i.components) n)
                        ORDER BY c.position, c.id) AS "component_ids!",
                  (SELECT p.summary FROM postmortems p WHERE p.incident_id = i.id AND p.status = 'published')
                      AS postmortem_summary
           FROM incidents i
           WHERE EXISTS (SELECT 1 FROM incident_events e WHERE e.incident_id = i.id AND e.public)
             AND (i.resolved_at IS NULL OR i.resolved_at >= $1) AND i.started_at >= $2 AND i.started_at < $3
           ORDER BY i.started_at DESC, i.id DESC"#,
        span.ended_since as _,
        span.from as _,
        span.to as _,
    )
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let updates = sqlx::query!(
        r#"SELECT id, incident_id, status, body, created_at AS "created_at: DateTime<Utc>",
                  occurred_at AS "occurred_at: DateTime<Utc>"
           FROM incident_events WHERE public AND incident_id = ANY($1)
           ORDER BY occurred_at DESC, id DESC"#,
        &ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let published = r.postmortem_summary.is_some();
            let status = match IncidentStatus::from_stored(&r.status) {
                IncidentStatus::Resolved if published => IncidentStatus::Postmortem,
                other => other,
            };
            let latest_update = updates.iter().filter(|u| u.incident_id == r.id).map(|u| u.created_at).max();
            PublicIncident {
                id: r.id,
                name: r.title,
                status,
                impact: Impact::from_stored(&r.impact),
                component_ids: r.component_ids,
                started_at: r.started_at,
                created_at: r.declared_at,
                updated_at: latest_update.map_or(r.updated_at, |u| u.max(r.updated_at)),
                monitoring_at: r.mitigated_at,
                resolved_at: r.resolved_at,
                updates: updates
                    .iter()
                    .filter(|u| u.incident_id == r.id)
                    .map(|u| PublicUpdate {
                        id: u.id,
                        status: IncidentStatus::from_stored(&u.status),
                        body: u.body.clone(),
                        created_at: u.created_at,
                        display_at: u.occurred_at,
                    })
                    .collect(),
                postmortem_summary: r.postmortem_summary.filter(|s| !s.trim().is_empty()),
            }
        })
        .collect())
}

/// Maintenance windows in `span` (to come and in progress count as not ended; cancelled ones
/// never), latest first.
pub async fn maintenances(pool: &PgPool, span: Span) -> Result<Vec<PublicMaintenance>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, reason, message, state, planned_start AS "planned_start: DateTime<Utc>",
                  planned_end AS "planned_end: DateTime<Utc>", actual_start AS "actual_start: DateTime<Utc>",
                  actual_end AS "actual_end: DateTime<Utc>", created_at AS "created_at: DateTime<Utc>"
           FROM maintenance_windows
           WHERE state <> 'cancelled'
             AND (state IN ('scheduled', 'in_progress') OR COALESCE(actual_end, planned_end, planned_start) >= $1)
             AND planned_start >= $2 AND planned_start < $3
           ORDER BY planned_start DESC, id DESC
           LIMIT 500"#,
        span.ended_since as _,
        span.from as _,
        span.to as _,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let status = match r.state.as_str() {
                "in_progress" => MaintenanceStatus::InProgress,
                "completed" => MaintenanceStatus::Completed,
                _ => MaintenanceStatus::Scheduled,
            };
            let updated_at = [Some(r.created_at), r.actual_start, r.actual_end].into_iter().flatten().max();
            PublicMaintenance {
                id: r.id,
                name: if r.reason.trim().is_empty() { "Scheduled maintenance".into() } else { r.reason },
                message: r.message,
                status,
                scheduled_for: r.planned_start,
                scheduled_until: r.planned_end,
                started_at: r.actual_start,
                completed_at: r.actual_end,
                created_at: r.created_at,
                updated_at: updated_at.unwrap_or(r.created_at),
            }
        })
        .collect())
}
