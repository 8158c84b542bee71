//! All SQL of maintenance: windows and their history, recurrences, the gate's settings, and the
//! scheduler's transitions.
//!
//! Every write takes one transaction-scoped advisory lock, so overlap checks, scheduler ticks and
//! edits from any process are serialised, and ends with a NOTIFY that reaches every process's
//! watcher when the transaction commits.

use super::model::{
    AccessView, AllowedNetwork, AllowedNetworkView, ExcludedPaths, NewWindow, NowAndNext, Overview, RecurrenceView,
    SiteSettings, WindowEvent, WindowState, WindowView,
};
use super::recurrence::RecurrenceRule;
use crate::error::AppError;
use crate::server::audit_trail::Caller;
use crate::server::audit_trail::{record, Change};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ipnet::IpNet;
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// The channel every process's watcher listens on.
pub const CHANNEL: &str = "pitwall_maintenance";
/// Key of the advisory lock that serialises maintenance writes ("PWMAINT" in ASCII).
const WRITE_LOCK: i64 = 0x0050_574d_4149_4e54;
/// How far ahead recurrences are turned into scheduled windows.
pub const MATERIALISE_AHEAD: Duration = Duration::days(8);

struct WindowRow {
    id: i64,
    reason: String,
    message: String,
    planned_start: DateTime<Utc>,
    planned_end: Option<DateTime<Utc>>,
    actual_start: Option<DateTime<Utc>>,
    actual_end: Option<DateTime<Utc>>,
    state: String,
    missed: bool,
    recurrence_id: Option<i64>,
    created_by: String,
}

impl From<WindowRow> for WindowView {
    fn from(r: WindowRow) -> Self {
        WindowView {
            id: r.id,
            reason: r.reason,
            message: r.message,
            planned_start: r.planned_start,
            planned_end: r.planned_end,
            actual_start: r.actual_start,
            actual_end: r.actual_end,
            state: WindowState::from_stored(&r.state),
            missed: r.missed,
            recurrence_id: r.recurrence_id,
            created_by: r.created_by,
            history: Vec::new(),
        }
    }
}

/// Windows in the given states: oldest planned start first, or most recent first.
async fn windows(
    conn: &mut PgConnection,
    states: &[&str],
    newest_first: bool,
    limit: i64,
) -> Result<Vec<WindowView>, AppError> {
    let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
    let rows = sqlx::query_as!(
        WindowRow,
        r#"SELECT id, reason, message, planned_start AS "planned_start: DateTime<Utc>",
                  planned_end AS "planned_end: DateTime<Utc>", actual_start AS "actual_start: DateTime<Utc>",
                  actual_end AS "actual_end: DateTime<Utc>", state, missed, recurrence_id, created_by
           FROM maintenance_windows
           WHERE state = ANY($1)
           ORDER BY CASE WHEN $2 THEN NULL ELSE planned_start END ASC,
                    COALESCE(actual_end, planned_end, planned_start) DESC, id DESC
           LIMIT $3"#,
        &states,
        newest_first,
        limit,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(WindowView::from).collect())
}

async fn window_for_update(conn: &mut PgConnection, id: i64) -> Result<WindowView, AppError> {
    sqlx::query_as!(
        WindowRow,
        r#"SELECT id, reason, message, planned_start AS "planned_start: DateTime<Utc>",
                  planned_end AS "planned_end: DateTime<Utc>", actual_start AS "actual_start: DateTime<Utc>",
                  actual_end AS "actual_end: DateTime<Utc>", state, missed, recurrence_id, created_by
           FROM maintenance_windows WHERE id = $1 FOR UPDATE"#,
        id,
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(WindowView::from)
    .ok_or_else(|| AppError::not_found(format!("Maintenance window #{id}")))
}

async fn attach_history(conn: &mut PgConnection, list: &mut [WindowView]) -> Result<(), AppError> {
    let ids: Vec<i64> = list.iter().map(|w| w.id).collect();
    let rows = sqlx::query!(
        r#"SELECT window_id, at AS "at: DateTime<Utc>", kind, actor, detail
           FROM maintenance_events WHERE window_id = ANY($1) ORDER BY at, id"#,
        &ids,
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        if let Some(w) = list.iter_mut().find(|w| w.id == row.window_id) {
            w.history.push(WindowEvent { at: row.at, kind: row.kind, actor: row.actor, detail: row.detail });
        }
    }
    Ok(())
}

pub async fn now_and_next(pool: &PgPool) -> Result<NowAndNext, AppError> {
    let mut conn = pool.acquire().await?;
    let current = windows(&mut conn, &["in_progress"], false, 1).await?.pop();
    let next = windows(&mut conn, &["scheduled"], false, 1).await?.pop();
    Ok(NowAndNext { current, next })
}

pub async fn overview(pool: &PgPool, now: DateTime<Utc>) -> Result<Overview, AppError> {
    let mut conn = pool.acquire().await?;
    let mut current = windows(&mut conn, &["in_progress"], false, 1).await?;
    let mut upcoming = windows(&mut conn, &["scheduled"], false, 50).await?;
    let mut past = windows(&mut conn, &["completed", "cancelled"], true, 30).await?;
    attach_history(&mut conn, &mut current).await?;
    attach_history(&mut conn, &mut upcoming).await?;
    attach_history(&mut conn, &mut past).await?;
    let recurrences = recurrences(&mut conn)
        .await?
        .into_iter()
        .map(|(id, reason, active, rule)| RecurrenceView {
            id,
            reason,
            summary: rule.as_ref().map(RecurrenceRule::summary).unwrap_or_else(|| "(no longer valid)".into()),
            active,
            next: rule.filter(|_| active).map(|r| r.preview(now)).unwrap_or_default(),
        })
        .collect();
    Ok(Overview { current: current.pop(), upcoming, past, recurrences })
}

async fn recurrences(conn: &mut PgConnection) -> Result<Vec<(i64, String, bool, Option<RecurrenceRule>)>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, reason, weekdays, local_time, timezone, duration_s, active,
                  active_from AS "active_from: NaiveDate", active_until AS "active_until: NaiveDate"
           FROM maintenance_recurrences ORDER BY active DESC, id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let rule = RecurrenceRule::from_stored(
                &r.weekdays,
                &r.local_time,
                &r.timezone,
                r.duration_s,
                r.active_from,
                r.active_until,
            );
            (r.id, r.reason, r.active, rule)
        })
        .collect())
}

/// A write transaction: serialised with every other maintenance write.
async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT FROM pg_advisory_xact_lock($1)", WRITE_LOCK).execute(&mut *tx).await?;
    Ok(tx)
}

/// Commits; the tables' triggers tell every process's watcher to re-read.
async fn commit(tx: Transaction<'static, Postgres>) -> Result<(), AppError> {
    tx.commit().await?;
    Ok(())
}

async fn event(conn: &mut PgConnection, window_id: i64, kind: &str, actor: &str, detail: &str) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO maintenance_events (window_id, kind, actor, detail) VALUES ($1, $2, $3, $4)",
        window_id,
        kind,
        actor,
        detail
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn audit_window(
    conn: &mut PgConnection,
    caller: &Caller,
    action: &str,
    before: Option<&WindowView>,
    after: &WindowView,
) -> Result<(), AppError> {
    let snapshot = |w: &WindowView| {
        json!({
            "reason": w.reason, "message": w.message, "state": w.state.as_str(),
            "planned_start": w.planned_start, "planned_end": w.planned_end,
            "actual_start": w.actual_start, "actual_end": w.actual_end, "missed": w.missed,
        })
    };
    let change = Change::between(action, "maintenance_window", after.id, before.map(snapshot), Some(snapshot(after)));
    record(conn, caller, change).await
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Refuses a span that overlaps a scheduled or running window, naming it.
async fn refuse_overlap(
    conn: &mut PgConnection,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    except: Option<i64>,
) -> Result<(), AppError> {
    let other = sqlx::query!(
        r#"SELECT id, reason, planned_start AS "planned_start: DateTime<Utc>", planned_end AS "planned_end: DateTime<Utc>", state
           FROM maintenance_windows
           WHERE state IN ('scheduled', 'in_progress') AND ($3::bigint IS NULL OR id <> $3)
             AND tstzrange(planned_start, planned_end) && tstzrange($1, $2)
           ORDER BY planned_start LIMIT 1"#,
        start as _,
        end as _,
        except,
    )
    .fetch_optional(&mut *conn)
    .await?;
    match other {
        None => Ok(()),
        Some(o) => {
            let until = o.planned_end.map(utc).unwrap_or_else(|| "until ended by hand".into());
            let what = if o.state == "in_progress" { "the maintenance in progress" } else { "scheduled window" };
            Err(AppError::conflict(format!(
                "This overlaps {what} #{} \u{201c}{}\u{201d} ({} \u{2013} {until}). End or move that one first.",
                o.id,
                o.reason,
                utc(o.planned_start)
            )))
        }
    }
}

async fn insert_window(
    conn: &mut PgConnection,
    new: &NewWindow,
    state: WindowState,
    recurrence_id: Option<i64>,
    created_by: &str,
) -> Result<WindowView, AppError> {
    let started = (state == WindowState::InProgress).then_some(new.starts_at());
    let row = sqlx::query_as!(
        WindowRow,
        r#"INSERT INTO maintenance_windows (reason, message, planned_start, planned_end, actual_start, state, recurrence_id, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING id, reason, message, planned_start AS "planned_start: DateTime<Utc>",
                     planned_end AS "planned_end: DateTime<Utc>", actual_start AS "actual_start: DateTime<Utc>",
                     actual_end AS "actual_end: DateTime<Utc>", state, missed, recurrence_id, created_by"#,
        new.reason(),
        new.message(),
        new.starts_at() as _,
        new.ends_at() as _,
        started as _,
        state.as_str(),
        recurrence_id,
        created_by,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.into())
}

/// "Start now": a window that is in progress from this moment.
pub async fn start_now(pool: &PgPool, caller: &Caller, new: &NewWindow) -> Result<WindowView, AppError> {
    let mut tx = begin(pool).await?;
    refuse_overlap(&mut tx, new.starts_at(), new.ends_at(), None).await?;
    let actor = caller.actor.label();
    let window = insert_window(&mut tx, new, WindowState::InProgress, None, &actor).await?;
    event(&mut tx, window.id, "started", &actor, "started by hand").await?;
    audit_window(&mut tx, caller, "maintenance.start", None, &window).await?;
    commit(tx).await?;
    Ok(window)
}

pub async fn schedule(pool: &PgPool, caller: &Caller, new: &NewWindow) -> Result<WindowView, AppError> {
    let mut tx = begin(pool).await?;
    refuse_overlap(&mut tx, new.starts_at(), new.ends_at(), None).await?;
    let actor = caller.actor.label();
    let window = insert_window(&mut tx, new, WindowState::Scheduled, None, &actor).await?;
    event(&mut tx, window.id, "scheduled", &actor, "").await?;
    audit_window(&mut tx, caller, "maintenance.schedule", None, &window).await?;
    commit(tx).await?;
    Ok(window)
}

/// Ends a window in progress now (the "end early" edit).
pub async fn end(pool: &PgPool, caller: &Caller, id: i64) -> Result<WindowView, AppError> {
    let mut tx = begin(pool).await?;
    let before = window_for_update(&mut tx, id).await?;
    if before.state != WindowState::InProgress {
        return Err(AppError::conflict(format!("Window #{id} is {}, not in progress.", before.state.label())));
    }
    let after = finish(&mut tx, &before, "ended", &caller.actor.label(), "ended by hand").await?;
    audit_window(&mut tx, caller, "maintenance.end", Some(&before), &after).await?;
    commit(tx).await?;
    Ok(after)
}

/// Ends whatever maintenance is in progress (`pitwall maintenance disable`); `None` when none is.
pub async fn end_current(pool: &PgPool, caller: &Caller) -> Result<Option<WindowView>, AppError> {
    let current = windows(&mut *pool.acquire().await?, &["in_progress"], false, 1).await?.pop();
    let Some(current) = current else {
        return Ok(None);
    };
    end(pool, caller, current.id).await.map(Some)
}

async fn finish(
    conn: &mut PgConnection,
    before: &WindowView,
    kind: &str,
    actor: &str,
    detail: &str,
) -> Result<WindowView, AppError> {
    let actual_end = sqlx::query_scalar!(
        r#"UPDATE maintenance_windows SET state = 'completed', actual_end = now() WHERE id = $1
           RETURNING actual_end AS "actual_end!: DateTime<Utc>""#,
        before.id,
    )
    .fetch_one(&mut *conn)
    .await?;
    event(conn, before.id, kind, actor, detail).await?;
    Ok(WindowView { state: WindowState::Completed, actual_end: Some(actual_end), ..before.clone() })
}

pub async fn cancel(pool: &PgPool, caller: &Caller, id: i64) -> Result<WindowView, AppError> {
    let mut tx = begin(pool).await?;
    let before = window_for_update(&mut tx, id).await?;
    if before.state != WindowState::Scheduled {
        return Err(AppError::conflict(format!(
            "Window #{id} is {}: only scheduled windows can be cancelled.",
            before.state.label()
        )));
    }
    sqlx::query!("UPDATE maintenance_windows SET state = 'cancelled' WHERE id = $1", id).execute(&mut *tx).await?;
    event(&mut tx, id, "cancelled", &caller.actor.label(), "").await?;
    let after = WindowView { state: WindowState::Cancelled, ..before.clone() };
    audit_window(&mut tx, caller, "maintenance.cancel", Some(&before), &after).await?;
    commit(tx).await?;
    Ok(after)
}

/// Moves a scheduled or running window's planned end later (or gives an open-ended one an end).
pub async fn extend(pool: &PgPool, caller: &Caller, id: i64, by: Duration) -> Result<WindowView, AppError> {
    let mut tx = begin(pool).await?;
    let before = window_for_update(&mut tx, id).await?;
    if !matches!(before.state, WindowState::Scheduled | WindowState::InProgress) {
        return Err(AppError::conflict(format!("Window #{id} is {}: it can no longer change.", before.state.label())));
    }
    let Some(end) = before.planned_end else {
        return Err(AppError::validation("by", "This window has no planned end: it lasts until it is ended."));
    };
    let new_end = end + by;
    refuse_overlap(&mut tx, before.planned_start, Some(new_end), Some(id)).await?;
    sqlx::query!("UPDATE maintenance_windows SET planned_end = $2 WHERE id = $1", id, new_end as _)
        .execute(&mut *tx)
        .await?;
    let detail = format!("planned end {} \u{2192} {}", utc(end), utc(new_end));
    event(&mut tx, id, "extended", &caller.actor.label(), &detail).await?;
    let after = WindowView { planned_end: Some(new_end), ..before.clone() };
    audit_window(&mut tx, caller, "maintenance.extend", Some(&before), &after).await?;
    commit(tx).await?;
    Ok(after)
}

pub async fn create_recurrence(
    pool: &PgPool,
    caller: &Caller,
    reason: &str,
    message: &str,
    rule: &RecurrenceRule,
    now: DateTime<Utc>,
) -> Result<RecurrenceView, AppError> {
    let mut tx = begin(pool).await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO maintenance_recurrences
             (reason, message, weekdays, local_time, timezone, duration_s, active_from, active_until, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        reason,
        message,
        &rule.weekdays_iso(),
        rule.local_time_text(),
        rule.timezone_name(),
        rule.duration().num_seconds() as i32,
        rule.active_from() as _,
        rule.active_until() as _,
        caller.actor.label(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let view = RecurrenceView {
        id,
        reason: reason.to_owned(),
        summary: rule.summary(),
        active: true,
        next: rule.preview(now),
    };
    record(
        &mut tx,
        caller,
        Change::created(
            "maintenance.recurrence.create",
            "maintenance_recurrence",
            id,
            json!({ "reason": reason, "message": message, "rule": view.summary }),
        ),
    )
    .await?;
    materialise(&mut tx, now).await?;
    commit(tx).await?;
    Ok(view)
}

/// Stops a recurrence and cancels its windows that have not started.
pub async fn stop_recurrence(pool: &PgPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let mut tx = begin(pool).await?;
    let stopped = sqlx::query_scalar!(
        "UPDATE maintenance_recurrences SET active = FALSE WHERE id = $1 AND active RETURNING reason",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found(format!("Active recurrence #{id}")))?;
    let cancelled = sqlx::query_scalar!(
        "UPDATE maintenance_windows SET state = 'cancelled' WHERE recurrence_id = $1 AND state = 'scheduled' RETURNING id",
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    for window_id in &cancelled {
        event(&mut tx, *window_id, "cancelled", &caller.actor.label(), "its recurrence was stopped").await?;
    }
    record(
        &mut tx,
        caller,
        Change::updated(
            "maintenance.recurrence.stop",
            "maintenance_recurrence",
            id,
            json!({ "reason": stopped, "active": true }),
            json!({ "reason": stopped, "active": false, "cancelled_windows": cancelled }),
        ),
    )
    .await?;
    commit(tx).await
}

/// Turns active recurrences' next occurrences into scheduled windows. An occurrence that would
/// overlap another window is skipped (the other window wins) and logged.
async fn materialise(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, reason, message, weekdays, local_time, timezone, duration_s,
                  active_from AS "active_from: NaiveDate", active_until AS "active_until: NaiveDate"
           FROM maintenance_recurrences WHERE active"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut created = 0;
    for r in rows {
        let Some(rule) = RecurrenceRule::from_stored(
            &r.weekdays,
            &r.local_time,
            &r.timezone,
            r.duration_s,
            r.active_from,
            r.active_until,
        ) else {
            tracing::warn!(recurrence = r.id, "recurrence no longer parses; skipped");
            continue;
        };
        for start in rule.occurrences(now, now + MATERIALISE_AHEAD, 64) {
            let exists = sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM maintenance_windows WHERE recurrence_id = $1 AND planned_start = $2) AS "exists!""#,
                r.id,
                start as _,
            )
            .fetch_one(&mut *conn)
            .await?;
            if exists {
                continue;
            }
            let new = NewWindow::parse(&r.reason, &r.message, super::model::Start::At(start), "", now)?;
            let new = new.with_end(start + rule.duration());
            if let Err(err) = refuse_overlap(conn, start, new.ends_at(), None).await {
                tracing::warn!(recurrence = r.id, %start, %err, "occurrence skipped");
                continue;
            }
            let window = insert_window(conn, &new, WindowState::Scheduled, Some(r.id), "system").await?;
            event(conn, window.id, "scheduled", "system", &format!("from recurrence #{}", r.id)).await?;
            audit_window(conn, &Caller::system(), "maintenance.schedule", None, &window).await?;
            created += 1;
        }
    }
    Ok(created)
}

/// What one scheduler tick did to a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Started,
    Completed,
    Missed,
}

/// Applies every transition that is due, exactly once across processes: the tick runs only in the
/// process holding the write lock, and re-reads the states under it. Returns what it did.
pub async fn run_due(pool: &PgPool, materialise_too: bool) -> Result<Vec<(i64, Transition)>, AppError> {
    let mut tx = pool.begin().await?;
    let locked = sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock($1) AS "locked!""#, WRITE_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        return Ok(Vec::new());
    }
    let now = sqlx::query_scalar!(r#"SELECT now() AS "now!: DateTime<Utc>""#).fetch_one(&mut *tx).await?;
    let due = sqlx::query_as!(
        WindowRow,
        r#"SELECT id, reason, message, planned_start AS "planned_start: DateTime<Utc>",
                  planned_end AS "planned_end: DateTime<Utc>", actual_start AS "actual_start: DateTime<Utc>",
                  actual_end AS "actual_end: DateTime<Utc>", state, missed, recurrence_id, created_by
           FROM maintenance_windows
           WHERE (state = 'scheduled' AND planned_start <= now()) OR (state = 'in_progress' AND planned_end <= now())
           ORDER BY planned_start"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let system = Caller::system();
    let mut done = Vec::new();
    for row in due {
        let before = WindowView::from(row);
        let transition = match before.state {
            WindowState::InProgress => {
                let after = finish(&mut tx, &before, "completed", "system", "planned end reached").await?;
                audit_window(&mut tx, &system, "maintenance.complete", Some(&before), &after).await?;
                Transition::Completed
            }
            _ if before.planned_end.is_some_and(|end| end <= now) => {
                let after = mark_missed(&mut tx, &before).await?;
                audit_window(&mut tx, &system, "maintenance.missed", Some(&before), &after).await?;
                Transition::Missed
            }
            _ => {
                let after = begin_window(&mut tx, &before, now).await?;
                audit_window(&mut tx, &system, "maintenance.start", Some(&before), &after).await?;
                Transition::Started
            }
        };
        done.push((before.id, transition));
    }
    if materialise_too {
        materialise(&mut tx, now).await?;
    }
    commit(tx).await?;
    Ok(done)
}

async fn begin_window(
    conn: &mut PgConnection,
    before: &WindowView,
    now: DateTime<Utc>,
) -> Result<WindowView, AppError> {
    let actual_start = sqlx::query_scalar!(
        r#"UPDATE maintenance_windows SET state = 'in_progress', actual_start = now() WHERE id = $1
           RETURNING actual_start AS "actual_start!: DateTime<Utc>""#,
        before.id,
    )
    .fetch_one(&mut *conn)
    .await?;
    let late = (now - before.planned_start).num_seconds();
    let detail = if late > 5 {
        format!("started {late} s late: no Pitwall process was running at {}", utc(before.planned_start))
    } else {
        "planned start reached".to_owned()
    };
    event(conn, before.id, "started", "system", &detail).await?;
    Ok(WindowView { state: WindowState::InProgress, actual_start: Some(actual_start), ..before.clone() })
}

async fn mark_missed(conn: &mut PgConnection, before: &WindowView) -> Result<WindowView, AppError> {
    sqlx::query!("UPDATE maintenance_windows SET state = 'completed', missed = TRUE WHERE id = $1", before.id)
        .execute(&mut *conn)
        .await?;
    let detail = format!(
        "no Pitwall process was running between {} and {}",
        utc(before.planned_start),
        before.planned_end.map(utc).unwrap_or_default()
    );
    event(conn, before.id, "missed", "system", &detail).await?;
    Ok(WindowView { state: WindowState::Completed, missed: true, ..before.clone() })
}

/// Everything the gate decides with, read in one go (and kept on disk by the gate).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GateSettings {
    pub site: SiteSettings,
    pub excluded_paths: Vec<String>,
    pub allowlist: Vec<IpNet>,
    pub bypass_key: String,
    pub cookie_secret: String,
}

pub async fn gate_settings(pool: &PgPool) -> Result<GateSettings, AppError> {
    Ok(read_settings(pool).await?.0)
}

pub async fn access(pool: &PgPool) -> Result<AccessView, AppError> {
    let (settings, allowlist) = read_settings(pool).await?;
    Ok(AccessView {
        allowlist,
        excluded_paths: settings.excluded_paths,
        bypass_key: settings.bypass_key,
        site: settings.site,
    })
}

/// The settings row and the allowlist, each read once: as the gate uses them and as listed.
async fn read_settings(pool: &PgPool) -> Result<(GateSettings, Vec<AllowedNetworkView>), AppError> {
    let mut conn = pool.acquire().await?;
    let s = sqlx::query!(
        "SELECT site_name, site_url, status_url, support_contact, excluded_paths, bypass_key, cookie_secret
         FROM maintenance_settings"
    )
    .fetch_one(&mut *conn)
    .await?;
    let listed = sqlx::query_as!(
        AllowedNetworkView,
        "SELECT network, label FROM maintenance_allowlist ORDER BY created_at, network"
    )
    .fetch_all(&mut *conn)
    .await?;
    let settings = GateSettings {
        site: SiteSettings {
            site_name: s.site_name,
            site_url: s.site_url,
            status_url: s.status_url,
            support_contact: s.support_contact,
        },
        excluded_paths: s.excluded_paths,
        allowlist: listed.iter().filter_map(|a| a.network.parse().ok()).collect(),
        bypass_key: s.bypass_key,
        cookie_secret: s.cookie_secret,
    };
    Ok((settings, listed))
}

async fn audit_settings(
    conn: &mut PgConnection,
    caller: &Caller,
    action: &str,
    entity_id: String,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), AppError> {
    record(conn, caller, Change::between(action, "maintenance_settings", entity_id, before, after)).await
}

pub async fn allow(pool: &PgPool, caller: &Caller, entry: &AllowedNetwork) -> Result<AllowedNetworkView, AppError> {
    let mut tx = begin(pool).await?;
    let network = entry.network().to_string();
    let inserted = sqlx::query!(
        "INSERT INTO maintenance_allowlist (network, label) VALUES ($1, $2) ON CONFLICT (network) DO NOTHING",
        network,
        entry.label()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(AppError::validation("network", format!("{network} is already on the allowlist.")));
    }
    let view = AllowedNetworkView { network: network.clone(), label: entry.label().to_owned() };
    audit_settings(&mut tx, caller, "maintenance.allow.add", network, None, Some(json!(view))).await?;
    commit(tx).await?;
    Ok(view)
}

pub async fn disallow(pool: &PgPool, caller: &Caller, network: IpNet) -> Result<(), AppError> {
    let mut tx = begin(pool).await?;
    let network = network.to_string();
    let label = sqlx::query_scalar!("DELETE FROM maintenance_allowlist WHERE network = $1 RETURNING label", network)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::validation("network", format!("{network} is not on the allowlist.")))?;
    let before = json!({ "network": network, "label": label });
    audit_settings(&mut tx, caller, "maintenance.allow.remove", network, Some(before), None).await?;
    commit(tx).await
}

pub async fn set_excluded_paths(pool: &PgPool, caller: &Caller, paths: &ExcludedPaths) -> Result<(), AppError> {
    let mut tx = begin(pool).await?;
    let before =
        sqlx::query_scalar!("SELECT excluded_paths FROM maintenance_settings FOR UPDATE").fetch_one(&mut *tx).await?;
    sqlx::query!("UPDATE maintenance_settings SET excluded_paths = $1, updated_at = now()", paths.as_slice())
        .execute(&mut *tx)
        .await?;
    let after = Some(json!(paths.as_slice()));
    audit_settings(&mut tx, caller, "maintenance.paths.update", "excluded_paths".into(), Some(json!(before)), after)
        .await?;
    commit(tx).await
}

pub async fn set_site(pool: &PgPool, caller: &Caller, site: &SiteSettings) -> Result<(), AppError> {
    let mut tx = begin(pool).await?;
    let before = sqlx::query_as!(
        SiteSettings,
        "SELECT site_name, site_url, status_url, support_contact FROM maintenance_settings FOR UPDATE"
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE maintenance_settings SET site_name = $1, site_url = $2, status_url = $3, support_contact = $4, updated_at = now()",
        site.site_name,
        site.site_url,
        site.status_url,
        site.support_contact
    )
    .execute(&mut *tx)
    .await?;
    audit_settings(&mut tx, caller, "maintenance.site.update", "site".into(), Some(json!(before)), Some(json!(site)))
        .await?;
    commit(tx).await
}

/// A new bypass key: every link and bypass cookie issued under the old one stops working.
pub async fn rotate_bypass_key(pool: &PgPool, caller: &Caller, new_key: &str) -> Result<(), AppError> {
    let mut tx = begin(pool).await?;
    sqlx::query!("UPDATE maintenance_settings SET bypass_key = $1, updated_at = now()", new_key)
        .execute(&mut *tx)
        .await?;
    // The key itself is a secret: the audit row records that it changed, not what to.
    let after = Some(json!({ "rotated": true }));
    audit_settings(&mut tx, caller, "maintenance.bypass_key.rotate", "bypass_key".into(), None, after).await?;
    commit(tx).await
}
