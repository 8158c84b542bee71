//! SQL of post-mortems, their action items, and the facts the KPIs are computed from.

use super::*;

/// Starts the post-mortem from the template, its timeline taken from the incident's.
pub async fn start_postmortem(
    pool: &PgPool,
    caller: &Caller,
    incident_id: i64,
    now: DateTime<Utc>,
) -> Result<Postmortem, AppError> {
    let incident = incident(pool, incident_id, now).await?;
    let events = timeline(pool, incident_id).await?;
    let sections = PostmortemSections::template(&incident, &events);
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO postmortems (incident_id, updated_by) VALUES ($1, $2)
         ON CONFLICT (incident_id) DO NOTHING RETURNING incident_id",
        incident_id,
        caller.actor.label(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        return Err(AppError::conflict("This incident already has a post-mortem."));
    }
    write_sections(&mut tx, caller, incident_id, &sections).await?;
    insert_event(&mut tx, incident_id, EventKind::Postmortem, "Post-mortem started.", false, &caller.actor.label())
        .await?;
    let change =
        Change::created("postmortem.create", "incident", incident_id, json!({"status": PostmortemStatus::Draft}));
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    postmortem(pool, incident_id).await?.ok_or(AppError::Internal)
}

pub async fn postmortem(pool: &PgPool, incident_id: i64) -> Result<Option<Postmortem>, AppError> {
    let Some(r) = sqlx::query!(
        r#"SELECT incident_id, status, summary, impact, detection, root_cause, trigger, resolution, went_well, went_wrong,
                  got_lucky, timeline, published_at AS "published_at: DateTime<Utc>",
                  updated_at AS "updated_at: DateTime<Utc>", updated_by
           FROM postmortems WHERE incident_id = $1"#,
        incident_id,
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let sections = PostmortemSections {
        summary: r.summary,
        impact: r.impact,
        detection: r.detection,
        root_cause: r.root_cause,
        trigger: r.trigger,
        resolution: r.resolution,
        went_well: r.went_well,
        went_wrong: r.went_wrong,
        got_lucky: r.got_lucky,
        timeline: r.timeline,
    };
    let rendered = PostmortemSections::HEADINGS.iter().map(|(key, _)| markdown::render(sections.get(key))).collect();
    Ok(Some(Postmortem {
        incident_id: r.incident_id,
        status: PostmortemStatus::from_stored(&r.status),
        sections,
        rendered,
        published_at: r.published_at,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
        action_items: action_items(pool, Some(incident_id), false).await?,
    }))
}

pub(super) async fn write_sections(
    conn: &mut PgConnection,
    caller: &Caller,
    incident_id: i64,
    sections: &PostmortemSections,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE postmortems SET summary = $2, impact = $3, detection = $4, root_cause = $5, trigger = $6, resolution = $7,
                went_well = $8, went_wrong = $9, got_lucky = $10, timeline = $11, updated_at = now(), updated_by = $12
         WHERE incident_id = $1",
        incident_id,
        sections.summary,
        sections.impact,
        sections.detection,
        sections.root_cause,
        sections.trigger,
        sections.resolution,
        sections.went_well,
        sections.went_wrong,
        sections.got_lucky,
        sections.timeline,
        caller.actor.label(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn save_postmortem(
    pool: &PgPool,
    caller: &Caller,
    incident_id: i64,
    sections: &PostmortemSections,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let status = sqlx::query_scalar!("SELECT status FROM postmortems WHERE incident_id = $1 FOR UPDATE", incident_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Post-mortem"))?;
    if status == PostmortemStatus::Published.as_str() {
        return Err(AppError::conflict("The post-mortem is published: move it back to review to edit it."));
    }
    write_sections(&mut tx, caller, incident_id, sections).await?;
    let change = Change::created(
        "postmortem.update",
        "incident",
        incident_id,
        serde_json::to_value(sections).unwrap_or_default(),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_postmortem_status(
    pool: &PgPool,
    caller: &Caller,
    incident_id: i64,
    status: PostmortemStatus,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!("SELECT status FROM postmortems WHERE incident_id = $1 FOR UPDATE", incident_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Post-mortem"))?;
    if before == status.as_str() {
        return Err(AppError::conflict(format!("The post-mortem is already {}.", status.label().to_lowercase())));
    }
    sqlx::query!(
        "UPDATE postmortems SET status = $2, published_at = CASE WHEN $2 = 'published' THEN now() END,
                updated_at = now(), updated_by = $3
         WHERE incident_id = $1",
        incident_id,
        status.as_str(),
        caller.actor.label(),
    )
    .execute(&mut *tx)
    .await?;
    let body = format!("Post-mortem {}.", status.label().to_lowercase());
    insert_event(&mut tx, incident_id, EventKind::Postmortem, &body, false, &caller.actor.label()).await?;
    let change = Change::updated(
        "postmortem.status",
        "incident",
        incident_id,
        json!({"status": before}),
        json!({"status": status}),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_action_item(
    pool: &PgPool,
    caller: &Caller,
    incident_id: i64,
    item: &NewActionItem,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!("SELECT incident_id FROM postmortems WHERE incident_id = $1", incident_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::conflict("Start the post-mortem first: action items belong to it."))?;
    if let Some(owner) = item.owner_id() {
        if people_among(&mut tx, &[owner]).await?.is_empty() {
            return Err(AppError::validation("owner_id", format!("There is no active user #{owner}.")));
        }
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO action_items (incident_id, title, owner_id, due_on, kind) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        incident_id,
        item.title(),
        item.owner_id(),
        item.due_on() as _,
        item.kind().as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let change = Change::created(
        "action_item.create",
        "action_item",
        id,
        json!({"incident_id": incident_id, "title": item.title(), "owner_id": item.owner_id(), "due_on": item.due_on(), "kind": item.kind()}),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn set_action_item_status(
    pool: &PgPool,
    caller: &Caller,
    id: i64,
    status: ActionStatus,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!("SELECT status FROM action_items WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Action item #{id}")))?;
    sqlx::query!(
        "UPDATE action_items SET status = $2, done_at = CASE WHEN $2 = 'done' THEN now() END WHERE id = $1",
        id,
        status.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    let change =
        Change::updated("action_item.status", "action_item", id, json!({"status": before}), json!({"status": status}));
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Action items of one incident, or of all; `open_only` keeps the open ones, due first.
pub async fn action_items(
    pool: &PgPool,
    incident_id: Option<i64>,
    open_only: bool,
) -> Result<Vec<ActionItem>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT t.id, t.incident_id, i.title AS incident_title, t.title, t.owner_id, u.email AS "owner_email?",
                  t.due_on AS "due_on: NaiveDate", t.kind, t.status
           FROM action_items t
           JOIN incidents i ON i.id = t.incident_id
           LEFT JOIN users u ON u.id = t.owner_id
           WHERE ($1::bigint IS NULL OR t.incident_id = $1) AND (NOT $2 OR t.status = 'open')
           ORDER BY t.status = 'done', t.due_on NULLS LAST, t.id"#,
        incident_id,
        open_only,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ActionItem {
            id: r.id,
            incident_id: r.incident_id,
            incident_title: r.incident_title,
            title: r.title,
            owner: person(r.owner_id, r.owner_email),
            due_on: r.due_on,
            kind: ActionKind::from_stored(&r.kind),
            status: ActionStatus::from_stored(&r.status),
        })
        .collect())
}

/// What the KPIs need of each incident declared since `since`.
pub async fn facts_since(pool: &PgPool, since: DateTime<Utc>) -> Result<Vec<IncidentFacts>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT severity, response_target_s, resolution_target_s, update_cadence_s,
                  started_at AS "started_at: DateTime<Utc>", declared_at AS "declared_at: DateTime<Utc>",
                  acknowledged_at AS "acknowledged_at: DateTime<Utc>", mitigated_at AS "mitigated_at: DateTime<Utc>",
                  resolved_at AS "resolved_at: DateTime<Utc>"
           FROM incidents WHERE declared_at >= $1"#,
        since as _,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| IncidentFacts {
            severity: severity(r.severity),
            times: Timestamps {
                started_at: r.started_at,
                declared_at: r.declared_at,
                acknowledged_at: r.acknowledged_at,
                mitigated_at: r.mitigated_at,
                resolved_at: r.resolved_at,
            },
            targets: targets(r.response_target_s, r.resolution_target_s, r.update_cadence_s),
        })
        .collect())
}
