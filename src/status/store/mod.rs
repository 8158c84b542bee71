//! All SQL of the status page: components and groups (each change audited in its transaction),
//! overrides, branding, the status recorder, and (in `public`) what the public page is built from.
//! Monitors, incidents and maintenance windows are read here, never written.

pub mod public;
pub mod subscribers;

use super::model::{
    derive, group_status, ComponentSpec, ComponentStatus, ComponentView, Drivers, Impact, LinkedMonitor, MonitorRule,
    Override, OverrideSpec, StatusBranding,
};
use crate::error::AppError;
use crate::server::audit_trail::{self, Caller, Change};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

/// A component row with everything that drives its status.
struct Row {
    id: i64,
    name: String,
    description: String,
    is_group: bool,
    group_id: Option<i64>,
    position: i32,
    only_show_if_degraded: bool,
    hidden: bool,
    covered_by_maintenance: bool,
    down_status: String,
    degraded_status: String,
    override_status: Option<String>,
    override_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    monitor_names: Vec<String>,
    monitor_states: Vec<String>,
    incident_impacts: Vec<String>,
}

impl Row {
    fn rule(&self) -> MonitorRule {
        MonitorRule {
            down: ComponentStatus::from_stored(&self.down_status),
            degraded: ComponentStatus::from_stored(&self.degraded_status),
        }
    }

    fn override_(&self) -> Option<Override> {
        self.override_status
            .as_deref()
            .map(|s| Override { status: ComponentStatus::from_stored(s), until: self.override_until })
    }

    fn drivers(&self, maintenance: bool) -> Drivers {
        Drivers {
            monitors: self.monitor_states.iter().map(|s| LinkedMonitor::from_state(s)).collect(),
            incidents: self.incident_impacts.iter().map(|i| Impact::from_stored(i)).collect(),
            maintenance: maintenance && self.covered_by_maintenance,
            override_: self.override_(),
        }
    }
}

/// Every component and group with its status now, in page order: each top-level entry by
/// position, a group's members right after it.
pub(super) async fn read_components(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<ComponentView>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT c.id, c.name, c.description, c.is_group, c.group_id, c.position, c.only_show_if_degraded, c.hidden,
                  c.covered_by_maintenance, c.down_status, c.degraded_status, c.override_status,
                  c.override_until AS "override_until: DateTime<Utc>",
                  c.created_at AS "created_at: DateTime<Utc>", c.updated_at AS "updated_at: DateTime<Utc>",
                  ARRAY(SELECT m.name FROM status_component_monitors l JOIN monitors m ON m.id = l.monitor_id
                        WHERE l.component_id = c.id ORDER BY m.name) AS "monitor_names!",
                  ARRAY(SELECT m.state FROM status_component_monitors l JOIN monitors m ON m.id = l.monitor_id
                        WHERE l.component_id = c.id ORDER BY m.name) AS "monitor_states!",
                  ARRAY(SELECT i.impact FROM incidents i
                        WHERE i.status <> 'resolved'
                          AND EXISTS (SELECT 1 FROM unnest(i.components) n WHERE lower(n) = lower(c.name)))
                      AS "incident_impacts!"
           FROM status_components c
           ORDER BY c.position, c.id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let maintenance = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM maintenance_windows WHERE state = 'in_progress') AS "in_progress!""#
    )
    .fetch_one(&mut *conn)
    .await?;

    let mut views: Vec<ComponentView> = rows
        .iter()
        .map(|row| ComponentView {
            id: row.id,
            name: row.name.clone(),
            description: row.description.clone(),
            is_group: row.is_group,
            group_id: row.group_id,
            group: row.group_id.and_then(|g| rows.iter().find(|r| r.id == g)).map(|g| g.name.clone()),
            position: row.position,
            only_show_if_degraded: row.only_show_if_degraded,
            hidden: row.hidden,
            covered_by_maintenance: row.covered_by_maintenance,
            rule: row.rule(),
            monitors: row.monitor_names.clone(),
            override_: row.override_(),
            status: derive(row.rule(), &row.drivers(maintenance), now),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect();
    // A group is as bad as its worst visible member, unless it is overridden itself.
    let group_statuses: Vec<(i64, ComponentStatus)> = views
        .iter()
        .filter(|v| v.is_group)
        .map(|g| {
            let members = views.iter().filter(|m| m.group_id == Some(g.id) && !m.hidden).map(|m| m.status);
            let status = match g.override_.filter(|o| o.in_force(now)) {
                Some(manual) => manual.status,
                None => group_status(members),
            };
            (g.id, status)
        })
        .collect();
    for (id, status) in group_statuses {
        if let Some(group) = views.iter_mut().find(|v| v.id == id) {
            group.status = status;
        }
    }
    Ok(page_order(views))
}

/// Top-level entries by position, each group followed by its members by position.
fn page_order(views: Vec<ComponentView>) -> Vec<ComponentView> {
    let (members, top): (Vec<_>, Vec<_>) = views.into_iter().partition(|v| v.group_id.is_some());
    let mut ordered = Vec::with_capacity(members.len() + top.len());
    for entry in top {
        let id = entry.id;
        ordered.push(entry);
        ordered.extend(members.iter().filter(|m| m.group_id == Some(id)).cloned());
    }
    ordered
}

pub async fn components(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<ComponentView>, AppError> {
    let mut conn = pool.acquire().await?;
    read_components(&mut conn, now).await
}

/// A component by id (digits) or name (any case).
pub async fn find(pool: &PgPool, id_or_name: &str) -> Result<i64, AppError> {
    let wanted = id_or_name.trim();
    sqlx::query_scalar!(
        "SELECT id FROM status_components WHERE id::text = $1 OR lower(name) = lower($1) ORDER BY id LIMIT 1",
        wanted
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found(format!("Component {wanted:?}")))
}

fn audit_view(view: &ComponentView) -> serde_json::Value {
    json!({
        "name": view.name, "description": view.description, "is_group": view.is_group, "group": view.group,
        "monitors": view.monitors, "rule": view.rule, "only_show_if_degraded": view.only_show_if_degraded,
        "hidden": view.hidden, "covered_by_maintenance": view.covered_by_maintenance, "override": view.override_,
    })
}

fn unique_name(err: sqlx::Error, name: &str) -> AppError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::validation("name", format!("A component or group named {name:?} already exists."))
        }
        _ => err.into(),
    }
}

/// The group's id, the group made first (audited) when none of that name exists yet.
async fn group_id(conn: &mut PgConnection, caller: &Caller, name: &str) -> Result<i64, AppError> {
    let found = sqlx::query!("SELECT id, is_group FROM status_components WHERE lower(name) = lower($1)", name)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(row) if row.is_group => Ok(row.id),
        Some(_) => Err(AppError::validation("group", format!("{name:?} is a component, not a group."))),
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO status_components (name, is_group, position)
                 VALUES ($1, TRUE, (SELECT COALESCE(max(position), 0) + 1 FROM status_components))
                 RETURNING id",
                name
            )
            .fetch_one(&mut *conn)
            .await?;
            let change = Change::created(
                "status.component.create",
                "status_component",
                id,
                json!({"name": name, "is_group": true}),
            );
            audit_trail::record(conn, caller, change).await?;
            Ok(id)
        }
    }
}

/// The monitors' ids, every name known (any case), or a refusal naming the first unknown one.
async fn monitor_ids(conn: &mut PgConnection, names: &[String]) -> Result<Vec<i64>, AppError> {
    let lowered: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let found = sqlx::query!("SELECT id, lower(name) AS \"name!\" FROM monitors WHERE lower(name) = ANY($1)", &lowered)
        .fetch_all(&mut *conn)
        .await?;
    names
        .iter()
        .map(|name| {
            found
                .iter()
                .find(|m| m.name == name.to_lowercase())
                .map(|m| m.id)
                .ok_or_else(|| AppError::validation("monitors", format!("There is no monitor named {name:?}.")))
        })
        .collect()
}

async fn link_monitors(conn: &mut PgConnection, id: i64, monitors: &[i64]) -> Result<(), AppError> {
    sqlx::query!("DELETE FROM status_component_monitors WHERE component_id = $1", id).execute(&mut *conn).await?;
    sqlx::query!(
        "INSERT INTO status_component_monitors (component_id, monitor_id) SELECT $1, unnest($2::BIGINT[])",
        id,
        monitors
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn create(pool: &PgPool, caller: &Caller, spec: &ComponentSpec) -> Result<ComponentView, AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let monitors = monitor_ids(&mut tx, &spec.monitors).await?;
    let group = match &spec.group {
        Some(name) => Some(group_id(&mut tx, caller, name).await?),
        None => None,
    };
    let id = sqlx::query_scalar!(
        "INSERT INTO status_components (name, description, is_group, group_id, position, only_show_if_degraded,
                                        hidden, covered_by_maintenance, down_status, degraded_status)
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(max(position), 0) + 1 FROM status_components), $5, $6, $7, $8, $9)
         RETURNING id",
        spec.name,
        spec.description,
        spec.is_group,
        group,
        spec.only_show_if_degraded,
        spec.hidden,
        spec.covered_by_maintenance,
        spec.rule.down.as_str(),
        spec.rule.degraded.as_str(),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| unique_name(e, &spec.name))?;
    link_monitors(&mut tx, id, &monitors).await?;
    let view = find_view(&mut tx, id, now).await?;
    audit_trail::record(
        &mut tx,
        caller,
        Change::created("status.component.create", "status_component", id, audit_view(&view)),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

async fn find_view(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> Result<ComponentView, AppError> {
    read_components(conn, now)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::not_found(format!("Component #{id}")))
}

/// Locks the component's row for the rest of the transaction; 404 when it is gone.
async fn lock(conn: &mut PgConnection, id: i64) -> Result<(), AppError> {
    sqlx::query_scalar!("SELECT id FROM status_components WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found(format!("Component #{id}")))
}

pub async fn update(pool: &PgPool, caller: &Caller, id: i64, spec: &ComponentSpec) -> Result<ComponentView, AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    lock(&mut tx, id).await?;
    let before = find_view(&mut tx, id, now).await?;
    if before.is_group != spec.is_group {
        return Err(AppError::validation("is_group", "A group stays a group and a component a component."));
    }
    let monitors = monitor_ids(&mut tx, &spec.monitors).await?;
    let group = match &spec.group {
        Some(name) => Some(group_id(&mut tx, caller, name).await?),
        None => None,
    };
    if group == Some(id) {
        return Err(AppError::validation("group", "A component cannot be its own group."));
    }
    sqlx::query!(
        "UPDATE status_components SET name = $2, description = $3, group_id = $4, only_show_if_degraded = $5,
                hidden = $6, covered_by_maintenance = $7, down_status = $8, degraded_status = $9, updated_at = now()
         WHERE id = $1",
        id,
        spec.name,
        spec.description,
        group,
        spec.only_show_if_degraded,
        spec.hidden,
        spec.covered_by_maintenance,
        spec.rule.down.as_str(),
        spec.rule.degraded.as_str(),
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| unique_name(e, &spec.name))?;
    link_monitors(&mut tx, id, &monitors).await?;
    let after = find_view(&mut tx, id, now).await?;
    let change =
        Change::updated("status.component.update", "status_component", id, audit_view(&before), audit_view(&after));
    audit_trail::record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn remove(pool: &PgPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    lock(&mut tx, id).await?;
    let before = find_view(&mut tx, id, now).await?;
    sqlx::query!("DELETE FROM status_components WHERE id = $1", id).execute(&mut *tx).await?;
    audit_trail::record(
        &mut tx,
        caller,
        Change::removed("status.component.remove", "status_component", id, audit_view(&before)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Swaps the component with its previous (`up`) or next sibling: same group, or both top level.
pub async fn move_component(pool: &PgPool, caller: &Caller, id: i64, up: bool) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    // Every position may change hands: one order of locks for all movers.
    sqlx::query!("SELECT id FROM status_components ORDER BY id FOR UPDATE").fetch_all(&mut *tx).await?;
    let me = sqlx::query!("SELECT group_id, position FROM status_components WHERE id = $1", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Component #{id}")))?;
    let neighbour = sqlx::query!(
        "SELECT id, position FROM status_components
         WHERE group_id IS NOT DISTINCT FROM $1 AND id <> $2
           AND CASE WHEN $3 THEN (position, id) < ($4, $2) ELSE (position, id) > ($4, $2) END
         ORDER BY CASE WHEN $3 THEN -position ELSE position END, CASE WHEN $3 THEN -id ELSE id END
         LIMIT 1",
        me.group_id,
        id,
        up,
        me.position,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(other) = neighbour else {
        return Err(AppError::conflict(if up { "It is first already." } else { "It is last already." }));
    };
    sqlx::query!("UPDATE status_components SET position = $2, updated_at = now() WHERE id = $1", id, other.position)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("UPDATE status_components SET position = $2, updated_at = now() WHERE id = $1", other.id, me.position)
        .execute(&mut *tx)
        .await?;
    let change = Change::updated(
        "status.component.move",
        "status_component",
        id,
        json!({"position": me.position}),
        json!({"position": other.position}),
    );
    audit_trail::record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_override(
    pool: &PgPool,
    caller: &Caller,
    id: i64,
    spec: OverrideSpec,
) -> Result<ComponentView, AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    lock(&mut tx, id).await?;
    let before = find_view(&mut tx, id, now).await?;
    let (status, until) = match spec {
        OverrideSpec::Set(o) => (Some(o.status.as_str()), o.until),
        OverrideSpec::Clear => (None, None),
    };
    sqlx::query!(
        "UPDATE status_components SET override_status = $2, override_until = $3, updated_at = now() WHERE id = $1",
        id,
        status,
        until as _,
    )
    .execute(&mut *tx)
    .await?;
    let after = find_view(&mut tx, id, now).await?;
    let change = Change::updated(
        "status.component.override",
        "status_component",
        id,
        json!({"override": before.override_, "status": before.status}),
        json!({"override": after.override_, "status": after.status}),
    );
    audit_trail::record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// The page's id, branding and when it last changed.
pub async fn branding(pool: &PgPool) -> Result<(String, StatusBranding), AppError> {
    let row = sqlx::query!(
        "SELECT page_id, page_name, logo_url, accent, support_url, time_zone FROM status_settings WHERE id"
    )
    .fetch_one(pool)
    .await?;
    let branding = StatusBranding {
        page_name: row.page_name,
        logo_url: row.logo_url,
        accent: row.accent,
        support_url: row.support_url,
        time_zone: row.time_zone,
    };
    Ok((row.page_id, branding))
}

pub async fn save_branding(pool: &PgPool, caller: &Caller, branding: &StatusBranding) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!(
        "SELECT page_name, logo_url, accent, support_url, time_zone FROM status_settings WHERE id FOR UPDATE"
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE status_settings SET page_name = $1, logo_url = $2, accent = $3, support_url = $4, time_zone = $5,
                updated_at = now() WHERE id",
        branding.page_name,
        branding.logo_url,
        branding.accent,
        branding.support_url,
        branding.time_zone,
    )
    .execute(&mut *tx)
    .await?;
    let change = Change::updated(
        "status.settings.update",
        "status_settings",
        "page",
        json!({"page_name": before.page_name, "logo_url": before.logo_url, "accent": before.accent,
               "support_url": before.support_url, "time_zone": before.time_zone}),
        serde_json::to_value(branding).map_err(|_| AppError::Internal)?,
    );
    audit_trail::record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes each component whose status changed since the last record into its history. Rows are
/// locked first, so two processes never record one change twice; returns how many changed.
pub async fn record_statuses(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT id FROM status_components ORDER BY id FOR UPDATE").fetch_all(&mut *tx).await?;
    let recorded = sqlx::query!(
        r#"SELECT c.id, c.status,
                  EXISTS (SELECT 1 FROM status_component_history h WHERE h.component_id = c.id) AS "has_history!"
           FROM status_components c"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let now_views = read_components(&mut tx, now).await?;
    let mut changed = 0;
    for view in &now_views {
        let Some(was) = recorded.iter().find(|r| r.id == view.id) else { continue };
        let first = !was.has_history;
        if was.status == view.status.as_str() && !first {
            continue;
        }
        // The first record starts when the component was made: its bars begin there.
        let at = if first { view.created_at.min(now) } else { now };
        sqlx::query!(
            "UPDATE status_components SET status = $2, status_since = $3 WHERE id = $1",
            view.id,
            view.status.as_str(),
            at as _
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO status_component_history (component_id, status, at) VALUES ($1, $2, $3)",
            view.id,
            view.status.as_str(),
            at as _
        )
        .execute(&mut *tx)
        .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Every monitor's name, for linking components to them.
pub async fn monitor_names(pool: &PgPool) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!("SELECT name FROM monitors ORDER BY lower(name)").fetch_all(pool).await?)
}
