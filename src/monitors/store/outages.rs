//! All SQL of a long outage: reminders while a monitor stays down, and the incident declared
//! once it has been down long enough (linked to the monitor, noted when the monitor is back).
//! Each runs once across processes: the rows are taken with `FOR UPDATE SKIP LOCKED` and
//! re-checked under the lock. Both wait while a maintenance window is in progress.

use super::alerts;
use super::in_maintenance;
use crate::error::AppError;
use crate::incidents::model::{IncidentDraft, NewIncident};
use crate::monitors::alerts::Change as StateChange;
use crate::monitors::model::{redact_target, MonitorState};
use crate::server::audit_trail::Caller;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// Queues a reminder for every monitor down longer than its reminder interval since it went
/// down (or since the last reminder), to the channels its down alert went to. Returns how many.
pub async fn send_reminders(pool: &PgPool) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    if in_maintenance(&mut tx).await? {
        return Ok(0);
    }
    let due = sqlx::query!(
        r#"UPDATE monitors m SET reminded_at = now()
           FROM (SELECT id FROM monitors
                 WHERE state = 'down' AND NOT paused AND reminder_s IS NOT NULL
                   AND COALESCE(reminded_at, state_since) + make_interval(secs => reminder_s) <= now()
                 FOR UPDATE SKIP LOCKED) due
           WHERE m.id = due.id
           RETURNING m.id, m.name, m.kind, m.target, m.last_message, m.state_since AS "state_since: DateTime<Utc>""#
    )
    .fetch_all(&mut *tx)
    .await?;
    let now = Utc::now();
    for monitor in &due {
        let target = redact_target(&monitor.target);
        let still_down = StateChange {
            monitor_id: monitor.id,
            monitor: &monitor.name,
            kind: &monitor.kind,
            target: &target,
            from: MonitorState::Down,
            to: MonitorState::Down,
            cause: &monitor.last_message,
            at: now,
            since: monitor.state_since,
        };
        alerts::enqueue_change(&mut tx, Some(monitor.id), &still_down.reminder(), false).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Declares an incident for every monitor down longer than its rule allows, unless one was
/// already declared for this outage or a linked incident is still open. Returns how many.
pub async fn declare_incidents(pool: &PgPool) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    if in_maintenance(&mut tx).await? {
        return Ok(0);
    }
    let due = sqlx::query!(
        r#"SELECT m.id, m.name, m.last_message, m.state_since AS "state_since: DateTime<Utc>",
                  m.incident_severity AS "incident_severity!"
           FROM monitors m
           WHERE m.state = 'down' AND NOT m.paused AND m.incident_after_s IS NOT NULL
             AND m.state_since + make_interval(secs => m.incident_after_s) <= now()
             AND m.incident_for IS DISTINCT FROM m.state_since
             AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = m.incident_id AND i.status <> 'resolved')
           FOR UPDATE OF m SKIP LOCKED"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let now = Utc::now();
    let system = Caller::system();
    for monitor in &due {
        let draft = IncidentDraft {
            title: format!("{} is down", monitor.name),
            severity: Some(monitor.incident_severity.into()),
            started_at: Some(monitor.state_since.to_rfc3339()),
            ..IncidentDraft::default()
        };
        let incident =
            crate::incidents::store::declare_in(&mut tx, &system, &NewIncident::parse(&draft, now)?, now).await?;
        let lasted = crate::ui::human_duration((now - monitor.state_since).num_seconds().max(0) as u64);
        let note = format!(
            "Declared by the monitor {:?} (/monitors/{}), down for {lasted}: {}",
            monitor.name, monitor.id, monitor.last_message
        );
        crate::incidents::store::note_if_open(&mut tx, &system, incident.id, &note).await?;
        sqlx::query!(
            "UPDATE monitors SET incident_id = $2, incident_for = state_since WHERE id = $1",
            monitor.id,
            incident.id
        )
        .execute(&mut *tx)
        .await?;
        tracing::info!(monitor = %monitor.name, incident = incident.id, "declared an incident for a monitor down too long");
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Notes on the monitor's open incident that it is up again; resolving stays with the people.
pub(super) async fn note_recovery(
    conn: &mut PgConnection,
    incident_id: i64,
    change: &StateChange<'_>,
) -> Result<(), AppError> {
    let lasted = crate::ui::human_duration((change.at - change.since).num_seconds().max(0) as u64);
    let note = format!("The monitor {:?} is up again after {lasted} down: {}", change.monitor, change.cause);
    crate::incidents::store::note_if_open(conn, &Caller::system(), incident_id, &note).await?;
    Ok(())
}
