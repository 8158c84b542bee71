//! All SQL of the monitors: definitions (each change audited in its transaction), the
//! scheduler's leases, results and state changes (with their alerts queued in the same
//! transaction), pushes, and retention. Alerting's own tables are in `alerts`.

pub mod alerts;
pub mod caches;
pub mod outages;
pub mod rollups;

use super::alerts::Change as StateChange;
use super::check::Verdict;
use super::model::{
    redact_target, AlertKind, Alerting, CheckResult, Condition, HttpSettings, IncidentRule, MonitorEvent, MonitorKind,
    MonitorSpec, MonitorState, MonitorView, Outcome, Thresholds, Tracker,
};
use crate::error::AppError;
use crate::server::audit_trail::{self, Caller, Change};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};

/// Raw results older than this are deleted (rollups keep the long view).
pub const RESULTS_KEPT_HOURS: i32 = 48;
/// How many rows one retention statement deletes, so it never holds long locks.
const RETENTION_BATCH: i64 = 5_000;

fn unique_name(err: sqlx::Error, name: &str) -> AppError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::validation("name", format!("A monitor named {name:?} already exists."))
        }
        _ => err.into(),
    }
}

/// What a view shows beside the row: uptimes and the sparkline, read from results and rollups.
#[derive(Default)]
struct Figures {
    uptime_24h: Option<f64>,
    uptime_30d: Option<f64>,
    sparkline_24h: Vec<Option<f64>>,
}

/// A monitor row as the scheduler and the views read it.
struct Row {
    id: i64,
    name: String,
    kind: String,
    target: String,
    http: Value,
    interval_s: i32,
    timeout_s: i32,
    grace_s: i32,
    conditions: Vec<String>,
    failure_threshold: i32,
    success_threshold: i32,
    push_key: Option<String>,
    state: String,
    state_since: DateTime<Utc>,
    paused: bool,
    bad_streak: i32,
    good_streak: i32,
    last_checked_at: Option<DateTime<Utc>>,
    last_response_ms: Option<i32>,
    last_message: String,
    custom_routing: bool,
    /// The channels of a custom routing, by name.
    channels: Vec<String>,
    reminder_s: Option<i32>,
    incident_after_s: Option<i32>,
    incident_severity: Option<i16>,
    incident_id: Option<i64>,
}

impl Row {
    fn spec(&self) -> MonitorSpec {
        MonitorSpec {
            name: self.name.clone(),
            kind: MonitorKind::from_stored(&self.kind),
            target: self.target.clone(),
            http: serde_json::from_value(self.http.clone()).unwrap_or_default(),
            interval_s: self.interval_s as u32,
            timeout_s: self.timeout_s as u32,
            grace_s: self.grace_s as u32,
            // Stored conditions were parsed before they were stored.
            conditions: self.conditions.iter().filter_map(|c| Condition::parse(c).ok()).collect(),
            thresholds: Thresholds {
                failures: self.failure_threshold as u32,
                successes: self.success_threshold as u32,
            },
            alerting: self.alerting(),
        }
    }

    fn alerting(&self) -> Alerting {
        let incident = match (self.incident_after_s, self.incident_severity) {
            (Some(after_s), Some(level)) => crate::incidents::model::Severity::new("incident_severity", level.into())
                .ok()
                .map(|severity| IncidentRule { after_s: after_s as u32, severity }),
            _ => None,
        };
        Alerting {
            channels: self.custom_routing.then(|| self.channels.clone()),
            reminder_s: self.reminder_s.map(|s| s as u32),
            incident,
        }
    }

    fn tracker(&self) -> Tracker {
        Tracker {
            state: MonitorState::from_stored(&self.state),
            bad_streak: self.bad_streak as u32,
            good_streak: self.good_streak as u32,
        }
    }

    fn view(&self, figures: Figures) -> MonitorView {
        let spec = self.spec();
        MonitorView {
            id: self.id,
            name: self.name.clone(),
            kind: spec.kind,
            target: redact_target(&self.target),
            method: spec.http.method.clone(),
            header_names: spec.http.headers.iter().map(|(n, _)| n.clone()).collect(),
            interval_s: spec.interval_s,
            timeout_s: spec.timeout_s,
            grace_s: spec.grace_s,
            conditions: self.conditions.clone(),
            follow_redirects: spec.http.follow_redirects,
            verify_tls: spec.http.verify_tls,
            thresholds: spec.thresholds,
            state: MonitorState::from_stored(&self.state),
            state_since: self.state_since,
            paused: self.paused,
            last_checked_at: self.last_checked_at,
            last_response_ms: self.last_response_ms.map(|ms| ms.max(0) as u32),
            last_message: self.last_message.clone(),
            uptime_24h: figures.uptime_24h,
            uptime_30d: figures.uptime_30d,
            sparkline_24h: figures.sparkline_24h,
            push_path: self.push_key.as_ref().map(|key| format!("/api/v1/monitors/{key}/push")),
            alerting: spec.alerting,
            incident_id: self.incident_id,
        }
    }

    /// What the audit trail keeps of a definition: no secrets.
    fn audited(&self) -> Value {
        let view = self.view(Figures::default());
        json!({
            "name": view.name, "kind": view.kind, "target": view.target, "method": view.method,
            "headers": view.header_names, "interval_s": view.interval_s, "timeout_s": view.timeout_s,
            "grace_s": view.grace_s, "conditions": view.conditions, "thresholds": view.thresholds,
            "follow_redirects": view.follow_redirects, "verify_tls": view.verify_tls, "paused": view.paused,
            "alerting": view.alerting,
        })
    }
}

macro_rules! select_monitors {
    ($tail:literal $(, $arg:expr)*) => {
        sqlx::query_as!(
            Row,
            r#"SELECT id, name, kind, target, http, interval_s, timeout_s, grace_s, conditions, failure_threshold,
                    success_threshold, push_key, state, state_since AS "state_since: DateTime<Utc>", paused, bad_streak,
                    good_streak, last_checked_at AS "last_checked_at: DateTime<Utc>", last_response_ms, last_message,
                    custom_routing,
                    ARRAY(SELECT c.name FROM monitor_alert_channels r JOIN alert_channels c ON c.id = r.channel_id
                          WHERE r.monitor_id = monitors.id ORDER BY c.name) AS "channels!",
                    reminder_s, incident_after_s, incident_severity, incident_id
             FROM monitors "# + $tail
            $(, $arg)*
        )
    };
}

/// The share of the last 24 hours' checks that were up (degraded counts half), per monitor:
/// the minute rollups up to the last rollup's mark, the raw results after it (a few minutes'
/// worth), so a list never scans a day of raw results and still counts the latest check.
async fn uptimes_24h(pool: &PgPool, ids: &[i64]) -> Result<std::collections::HashMap<i64, f64>, AppError> {
    let rows = sqlx::query!(
        r#"WITH mark AS (
               SELECT GREATEST(COALESCE((SELECT date_trunc('minute', rolled_from, 'UTC') FROM monitor_rollup_marks
                                         WHERE size = 'minute'), now() - interval '24 hours'),
                               now() - interval '24 hours') AS since),
           counts AS (
               SELECT monitor_id, up, degraded, down FROM monitor_rollups, mark
               WHERE monitor_id = ANY($1) AND size = 'minute' AND bucket >= now() - interval '24 hours' AND bucket < mark.since
               UNION ALL
               SELECT monitor_id, (outcome = 'up')::int, (outcome = 'degraded')::int, (outcome = 'down')::int
               FROM monitor_results, mark
               WHERE monitor_id = ANY($1) AND at >= mark.since AND NOT in_maintenance)
           SELECT monitor_id AS "monitor_id!",
                  (100.0 * (sum(up) + 0.5 * sum(degraded)) / NULLIF(sum(up) + sum(degraded) + sum(down), 0))::float8 AS uptime
           FROM counts GROUP BY monitor_id"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.monitor_id, r.uptime?))).collect())
}

async fn views(pool: &PgPool, rows: Vec<Row>) -> Result<Vec<MonitorView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let day = uptimes_24h(pool, &ids).await?;
    let month = rollups::uptimes(pool, &ids, 30).await?;
    let mut sparklines = rollups::sparklines(pool, &ids).await?;
    Ok(rows
        .iter()
        .map(|r| {
            r.view(Figures {
                uptime_24h: day.get(&r.id).copied(),
                uptime_30d: month.get(&r.id).copied(),
                sparkline_24h: sparklines.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect())
}

/// Every monitor, the worst state first, then by name.
pub async fn list(pool: &PgPool) -> Result<Vec<MonitorView>, AppError> {
    let rows = select_monitors!(
        "ORDER BY CASE state WHEN 'down' THEN 0 WHEN 'degraded' THEN 1 WHEN 'pending' THEN 2 WHEN 'up' THEN 3 ELSE 4 END, name"
    )
    .fetch_all(pool)
    .await?;
    views(pool, rows).await
}

async fn row(pool: &PgPool, id: i64) -> Result<Row, AppError> {
    select_monitors!("WHERE id = $1", id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Monitor {id}")))
}

/// The monitor's row, locked for the rest of the transaction.
async fn locked_row(conn: &mut PgConnection, id: i64) -> Result<Row, AppError> {
    select_monitors!("WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Monitor {id}")))
}

pub async fn get(pool: &PgPool, id: i64) -> Result<MonitorView, AppError> {
    let row = row(pool, id).await?;
    Ok(views(pool, vec![row]).await?.remove(0))
}

/// The monitor named `name` (the CLI's handle), or the one with that id.
pub async fn find(pool: &PgPool, name_or_id: &str) -> Result<i64, AppError> {
    let id = sqlx::query_scalar!(
        "SELECT id FROM monitors WHERE name = $1 OR id::text = $1 ORDER BY name = $1 DESC LIMIT 1",
        name_or_id
    )
    .fetch_optional(pool)
    .await?;
    id.ok_or_else(|| AppError::not_found(format!("Monitor {name_or_id:?}")))
}

/// The full definition, secrets included, for checks run on request.
pub async fn spec(pool: &PgPool, id: i64) -> Result<MonitorSpec, AppError> {
    Ok(row(pool, id).await?.spec())
}

fn http_json(http: &HttpSettings) -> Value {
    serde_json::to_value(http).unwrap_or_default()
}

/// The first check comes within half a minute, spread by id so monitors created together do not
/// all fire together; after that each keeps its own cadence.
fn first_check_offset_ms(id: i64, interval_s: u32) -> f64 {
    const GOLDEN: f64 = 0.618_033_988_75;
    let spread_ms = f64::from(interval_s.min(30)) * 1000.0;
    ((id as f64) * GOLDEN).fract() * spread_ms
}

pub async fn create(
    pool: &PgPool,
    caller: &Caller,
    spec: &MonitorSpec,
    push_key: Option<&str>,
) -> Result<MonitorView, AppError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO monitors (name, kind, target, http, interval_s, timeout_s, grace_s, conditions,
                               failure_threshold, success_threshold, push_key, reminder_s, incident_after_s,
                               incident_severity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        spec.name,
        spec.kind.as_str(),
        spec.target,
        http_json(&spec.http),
        spec.interval_s as i32,
        spec.timeout_s as i32,
        spec.grace_s as i32,
        &spec.condition_texts(),
        spec.thresholds.failures as i32,
        spec.thresholds.successes as i32,
        push_key,
        spec.alerting.reminder_s.map(|s| s as i32),
        spec.alerting.incident.map(|rule| rule.after_s as i32),
        spec.alerting.incident.map(|rule| i16::from(rule.severity.level())),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| unique_name(err, &spec.name))?;
    alerts::set_routing(&mut tx, id, spec.alerting.channels.as_deref()).await?;
    // Push monitors are due when their silence runs out: one interval and the grace from now.
    let first_s = if spec.kind == MonitorKind::Push {
        f64::from(spec.interval_s + spec.grace_s)
    } else {
        first_check_offset_ms(id, spec.interval_s) / 1000.0
    };
    sqlx::query!("UPDATE monitors SET next_check_at = now() + make_interval(secs => $2) WHERE id = $1", id, first_s)
        .execute(&mut *tx)
        .await?;
    let created = select_monitors!("WHERE id = $1", id).fetch_one(&mut *tx).await?;
    audit_trail::record(&mut tx, caller, Change::created("monitor.create", "monitor", id, created.audited())).await?;
    tx.commit().await?;
    get(pool, id).await
}

/// Replaces a monitor's definition; its state, streaks and history stay.
pub async fn update(pool: &PgPool, caller: &Caller, id: i64, spec: &MonitorSpec) -> Result<MonitorView, AppError> {
    let mut tx = pool.begin().await?;
    let before = locked_row(&mut tx, id).await?;
    if MonitorKind::from_stored(&before.kind) != spec.kind {
        return Err(AppError::validation("kind", "A monitor's kind cannot change: add a new monitor instead."));
    }
    sqlx::query!(
        "UPDATE monitors SET name = $2, target = $3, http = $4, interval_s = $5, timeout_s = $6, grace_s = $7,
                conditions = $8, failure_threshold = $9, success_threshold = $10, reminder_s = $11,
                incident_after_s = $12, incident_severity = $13, updated_at = now()
         WHERE id = $1",
        id,
        spec.name,
        spec.target,
        http_json(&spec.http),
        spec.interval_s as i32,
        spec.timeout_s as i32,
        spec.grace_s as i32,
        &spec.condition_texts(),
        spec.thresholds.failures as i32,
        spec.thresholds.successes as i32,
        spec.alerting.reminder_s.map(|s| s as i32),
        spec.alerting.incident.map(|rule| rule.after_s as i32),
        spec.alerting.incident.map(|rule| i16::from(rule.severity.level())),
    )
    .execute(&mut *tx)
    .await
    .map_err(|err| unique_name(err, &spec.name))?;
    alerts::set_routing(&mut tx, id, spec.alerting.channels.as_deref()).await?;
    let after = select_monitors!("WHERE id = $1", id).fetch_one(&mut *tx).await?;
    audit_trail::record(
        &mut tx,
        caller,
        Change::updated("monitor.update", "monitor", id, before.audited(), after.audited()),
    )
    .await?;
    tx.commit().await?;
    get(pool, id).await
}

pub async fn delete(pool: &PgPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let gone = locked_row(&mut tx, id).await?;
    sqlx::query!("DELETE FROM monitors WHERE id = $1", id).execute(&mut *tx).await?;
    audit_trail::record(&mut tx, caller, Change::removed("monitor.delete", "monitor", id, gone.audited())).await?;
    tx.commit().await?;
    Ok(())
}

/// Pauses (no checks, state `paused`) or resumes (checked at once, `pending` until its verdict).
pub async fn set_paused(pool: &PgPool, caller: &Caller, id: i64, paused: bool) -> Result<MonitorView, AppError> {
    let mut tx = pool.begin().await?;
    let before = locked_row(&mut tx, id).await?;
    if before.paused != paused {
        let state = if paused { "paused" } else { "pending" };
        sqlx::query!(
            "UPDATE monitors SET paused = $2, state = $3, state_since = now(), bad_streak = 0, good_streak = 0,
                    next_check_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()
             WHERE id = $1",
            id,
            paused,
            state
        )
        .execute(&mut *tx)
        .await?;
        let cause = if paused { "paused by hand" } else { "resumed by hand" };
        let muted = in_maintenance(&mut tx).await?;
        add_event(&mut tx, id, (&before.state, state), cause, muted).await?;
        let action = if paused { "monitor.pause" } else { "monitor.resume" };
        audit_trail::record(
            &mut tx,
            caller,
            Change::updated(action, "monitor", id, json!({"paused": before.paused}), json!({"paused": paused})),
        )
        .await?;
    }
    tx.commit().await?;
    get(pool, id).await
}

/// Whether a maintenance window is in progress: results are marked, alerts muted.
async fn in_maintenance(conn: &mut PgConnection) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM maintenance_windows WHERE state = 'in_progress') AS "active!""#
    )
    .fetch_one(conn)
    .await?)
}

async fn add_event(
    conn: &mut PgConnection,
    id: i64,
    (from, to): (&str, &str),
    cause: &str,
    in_maintenance: bool,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO monitor_events (monitor_id, at, from_state, to_state, cause, in_maintenance)
         VALUES ($1, now(), $2, $3, $4, $5)",
        id,
        from,
        to,
        cause,
        in_maintenance
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A check this process leased: what to check, when it was last checked (push silence), and how
/// late after its planned time the lease came.
pub struct Leased {
    pub id: i64,
    pub spec: MonitorSpec,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub late_ms: i32,
}

/// Leases up to `limit` due checks for `owner`. A lease outlives the check's timeout by half a
/// minute; a process that dies mid-check lets it run out and another process takes the check.
pub async fn lease_due(pool: &PgPool, owner: &str, limit: i64) -> Result<Vec<Leased>, AppError> {
    let rows = sqlx::query!(
        r#"UPDATE monitors m SET lease_owner = $1, lease_until = now() + make_interval(secs => m.timeout_s + 30)
           FROM (SELECT id FROM monitors
                 WHERE NOT paused AND next_check_at <= now() AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
           WHERE m.id = due.id
           RETURNING m.id AS "id!", m.last_checked_at AS "last_checked_at: DateTime<Utc>",
                     LEAST(extract(epoch FROM now() - m.next_check_at) * 1000, 2e9)::int AS "late_ms!""#,
        owner,
        limit
    )
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let specs = select_monitors!("WHERE id = ANY($1)", &ids).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let spec = specs.iter().find(|s| s.id == r.id)?.spec();
            Some(Leased { id: r.id, spec, last_checked_at: r.last_checked_at, late_ms: r.late_ms })
        })
        .collect())
}

/// Records a leased check's verdict and moves the monitor's state, in one transaction: the
/// result, the streaks, the state change with its cause, the next planned time; the lease ends.
/// Nothing is written when `owner` no longer holds the lease (it ran out and another process
/// took the check). Returns the state change, if any.
pub async fn record_verdict(
    pool: &PgPool,
    owner: &str,
    leased: &Leased,
    verdict: &Verdict,
) -> Result<Option<(MonitorState, MonitorState)>, AppError> {
    let mut tx = pool.begin().await?;
    let Some(current) = select_monitors!("WHERE id = $1 AND lease_owner = $2 FOR UPDATE", leased.id, owner)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let change = write_verdict(&mut tx, &current, verdict, Some(leased.late_ms)).await?;
    // Keep the cadence from the planned time (the lease left `next_check_at` as it was); a check
    // that fell far behind starts again from now.
    sqlx::query!(
        "UPDATE monitors SET next_check_at = GREATEST(next_check_at + make_interval(secs => interval_s), now()),
                lease_owner = NULL, lease_until = NULL
         WHERE id = $1",
        leased.id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(change)
}

async fn write_verdict(
    conn: &mut PgConnection,
    current: &Row,
    verdict: &Verdict,
    late_ms: Option<i32>,
) -> Result<Option<(MonitorState, MonitorState)>, AppError> {
    let mut tracker = current.tracker();
    let before = tracker.state;
    let thresholds = current.spec().thresholds;
    let changed = tracker.record(verdict.outcome, thresholds);
    let muted = in_maintenance(conn).await?;
    sqlx::query!(
        "INSERT INTO monitor_results (monitor_id, at, outcome, response_ms, status_code, message, conditions, services,
                                      in_maintenance, late_ms)
         VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9)",
        current.id,
        verdict.outcome.as_str(),
        verdict.response_ms.map(|ms| ms.min(i32::MAX as u32) as i32),
        verdict.status_code.map(i32::from),
        verdict.message,
        serde_json::to_value(&verdict.conditions).unwrap_or_default(),
        serde_json::to_value(&verdict.services).unwrap_or_default(),
        muted,
        late_ms,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE monitors SET state = $2, bad_streak = $3, good_streak = $4, last_checked_at = now(),
                last_response_ms = $5, last_message = $6,
                state_since = CASE WHEN state = $2 THEN state_since ELSE now() END,
                reminded_at = CASE WHEN state = $2 THEN reminded_at END
         WHERE id = $1",
        current.id,
        tracker.state.as_str(),
        tracker.bad_streak as i32,
        tracker.good_streak as i32,
        verdict.response_ms.map(|ms| ms.min(i32::MAX as u32) as i32),
        verdict.message,
    )
    .execute(&mut *conn)
    .await?;
    let Some(after) = changed else { return Ok(None) };
    add_event(conn, current.id, (before.as_str(), after.as_str()), &verdict.message, muted).await?;
    // During maintenance the change is recorded (and marked) but nobody is paged.
    let target = redact_target(&current.target);
    let change = StateChange {
        monitor_id: current.id,
        monitor: &current.name,
        kind: &current.kind,
        target: &target,
        from: before,
        to: after,
        cause: &verdict.message,
        at: Utc::now(),
        since: current.state_since,
    };
    if let (false, Some(message)) = (muted, change.message()) {
        if message.kind == AlertKind::Recovery {
            alerts::enqueue_recovery(conn, current.id, &message).await?;
        } else {
            // Down, and a change away from down, go to every channel; degraded to those taking it.
            let degraded_only = before != MonitorState::Down && after != MonitorState::Down;
            alerts::enqueue_change(conn, Some(current.id), &message, degraded_only).await?;
        }
    }
    if let (MonitorState::Down, MonitorState::Up, Some(incident)) = (before, after, current.incident_id) {
        outages::note_recovery(conn, incident, &change).await?;
    }
    Ok(Some((before, after)))
}

/// A heartbeat from a push monitor's job: records it as a check and moves the silence deadline.
pub async fn push(pool: &PgPool, key: &str, outcome: Outcome, message: &str) -> Result<MonitorView, AppError> {
    let mut tx = pool.begin().await?;
    let current = select_monitors!("WHERE push_key = $1 FOR UPDATE", key)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Push monitor"))?;
    if current.paused {
        return Err(AppError::conflict(format!("{} is paused; resume it to record pushes.", current.name)));
    }
    let message = if message.is_empty() { format!("pushed {outcome}") } else { format!("pushed {outcome}: {message}") };
    let verdict = Verdict {
        outcome,
        response_ms: None,
        status_code: None,
        message,
        conditions: Vec::new(),
        services: Vec::new(),
    };
    write_verdict(&mut tx, &current, &verdict, None).await?;
    sqlx::query!(
        "UPDATE monitors SET next_check_at = now() + make_interval(secs => interval_s + grace_s) WHERE id = $1",
        current.id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    get(pool, current.id).await
}

/// The latest results, newest first.
pub async fn results(pool: &PgPool, id: i64, limit: i64) -> Result<Vec<CheckResult>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT at AS "at: DateTime<Utc>", outcome, response_ms, status_code, message, conditions, services, in_maintenance
         FROM monitor_results WHERE monitor_id = $1 ORDER BY at DESC, id DESC LIMIT $2"#,
        id,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CheckResult {
            at: r.at,
            outcome: Outcome::from_stored(&r.outcome),
            response_ms: r.response_ms.map(|ms| ms.max(0) as u32),
            status_code: r.status_code.and_then(|s| u16::try_from(s).ok()),
            message: r.message,
            conditions: serde_json::from_value(r.conditions).unwrap_or_default(),
            services: serde_json::from_value(r.services).unwrap_or_default(),
            in_maintenance: r.in_maintenance,
        })
        .collect())
}

/// State changes, newest first.
pub async fn events(pool: &PgPool, id: i64, limit: i64) -> Result<Vec<MonitorEvent>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, at AS "at: DateTime<Utc>", from_state, to_state, cause, in_maintenance FROM monitor_events
         WHERE monitor_id = $1 ORDER BY at DESC, id DESC LIMIT $2"#,
        id,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MonitorEvent {
            id: r.id,
            at: r.at,
            from_state: MonitorState::from_stored(&r.from_state),
            to_state: MonitorState::from_stored(&r.to_state),
            cause: r.cause,
            in_maintenance: r.in_maintenance,
        })
        .collect())
}

/// Deletes expired raw results in small batches; returns how many went.
pub async fn delete_expired_results(pool: &PgPool) -> Result<u64, AppError> {
    let mut deleted = 0;
    loop {
        let batch = sqlx::query!(
            "DELETE FROM monitor_results WHERE id IN (
                 SELECT id FROM monitor_results WHERE at < now() - make_interval(hours => $1) LIMIT $2)",
            RESULTS_KEPT_HOURS,
            RETENTION_BATCH
        )
        .execute(pool)
        .await?
        .rows_affected();
        deleted += batch;
        if batch < RETENTION_BATCH as u64 {
            return Ok(deleted);
        }
    }
}
