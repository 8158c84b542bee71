//! SQL of incidents and their timeline: declare, edit, notes and updates, backfilled times, breaches.

use super::*;

pub(super) struct IncidentRow {
    id: i64,
    title: String,
    severity: i16,
    response_target_s: i32,
    resolution_target_s: i32,
    update_cadence_s: Option<i32>,
    status: String,
    impact: String,
    components: Vec<String>,
    commander_id: Option<i64>,
    commander_email: Option<String>,
    assignee_id: Option<i64>,
    assignee_email: Option<String>,
    started_at: DateTime<Utc>,
    declared_at: DateTime<Utc>,
    acknowledged_at: Option<DateTime<Utc>>,
    mitigated_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    last_public_update_at: Option<DateTime<Utc>>,
    created_by: String,
}

pub(super) fn person(id: Option<i64>, email: Option<String>) -> Option<Person> {
    id.zip(email).map(|(id, email)| Person { id, email })
}

impl IncidentRow {
    fn into_incident(self, now: DateTime<Utc>) -> Incident {
        let targets = targets(self.response_target_s, self.resolution_target_s, self.update_cadence_s);
        let times = Timestamps {
            started_at: self.started_at,
            declared_at: self.declared_at,
            acknowledged_at: self.acknowledged_at,
            mitigated_at: self.mitigated_at,
            resolved_at: self.resolved_at,
        };
        let sla = Sla::of(&times, &targets, self.last_public_update_at, now);
        Incident {
            id: self.id,
            title: self.title,
            severity: severity(self.severity),
            status: Status::from_stored(&self.status),
            impact: Impact::from_stored(&self.impact),
            components: self.components,
            commander: person(self.commander_id, self.commander_email),
            assignee: person(self.assignee_id, self.assignee_email),
            times,
            targets,
            last_public_update_at: self.last_public_update_at,
            created_by: self.created_by,
            sla,
        }
    }
}

/// Incidents matching `query` (or the one with `id`), newest declaration first.
pub(super) async fn read_incidents(
    conn: &mut PgConnection,
    id: Option<i64>,
    query: &ListQuery,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Incident>, AppError> {
    let rows = sqlx::query_as!(
        IncidentRow,
        r#"SELECT i.id, i.title, i.severity, i.response_target_s, i.resolution_target_s, i.update_cadence_s,
                  i.status, i.impact, i.components, i.commander_id, c.email AS "commander_email?",
                  i.assignee_id, a.email AS "assignee_email?",
                  i.started_at AS "started_at: DateTime<Utc>", i.declared_at AS "declared_at: DateTime<Utc>",
                  i.acknowledged_at AS "acknowledged_at: DateTime<Utc>", i.mitigated_at AS "mitigated_at: DateTime<Utc>",
                  i.resolved_at AS "resolved_at: DateTime<Utc>",
                  (SELECT max(e.occurred_at) FROM incident_events e WHERE e.incident_id = i.id AND e.public)
                      AS "last_public_update_at: DateTime<Utc>",
                  i.created_by
           FROM incidents i
           LEFT JOIN users c ON c.id = i.commander_id
           LEFT JOIN users a ON a.id = i.assignee_id
           WHERE ($1::bigint IS NULL OR i.id = $1)
             AND ($2::text IS NULL OR ($2 = 'open' AND i.status <> 'resolved') OR i.status = $2)
             AND ($3::smallint IS NULL OR i.severity = $3)
             AND ($4::timestamptz IS NULL OR i.declared_at >= $4)
             AND ($5::timestamptz IS NULL OR i.declared_at < $5)
             AND ($6::text IS NULL OR i.title ILIKE '%' || $6 || '%'
                  OR EXISTS (SELECT 1 FROM unnest(i.components) AS n WHERE n ILIKE '%' || $6 || '%'))
           ORDER BY i.declared_at DESC, i.id DESC
           LIMIT $7"#,
        id,
        query.status(),
        query.severity(),
        query.from() as _,
        query.until() as _,
        query.search(),
        limit,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.into_incident(now)).collect())
}

pub(super) async fn read_incident(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> Result<Incident, AppError> {
    read_incidents(conn, Some(id), &ListQuery::default(), 1, now)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found(format!("Incident #{id}")))
}

pub async fn incident(pool: &PgPool, id: i64, now: DateTime<Utc>) -> Result<Incident, AppError> {
    read_incident(&mut *pool.acquire().await?, id, now).await
}

/// The incidents a list shows, most urgent first. `user_id` is who "mine" means.
pub async fn list(
    pool: &PgPool,
    query: &ListQuery,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<Incident>, AppError> {
    let mut list = read_incidents(&mut *pool.acquire().await?, None, query, 500, now).await?;
    list.retain(|i| query.keep(i, user_id));
    crate::incidents::model::sort_by_urgency(&mut list);
    Ok(list)
}

/// Active users, for the pickers and to check the users an edit names.
pub async fn people(pool: &PgPool) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as!(Person, "SELECT id, email FROM users WHERE active ORDER BY email").fetch_all(pool).await?)
}

pub(super) async fn people_among(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as!(Person, "SELECT id, email FROM users WHERE active AND id = ANY($1)", ids)
        .fetch_all(conn)
        .await?)
}

pub(super) async fn insert_event(
    conn: &mut PgConnection,
    incident_id: i64,
    kind: EventKind,
    body: &str,
    public: bool,
    author: &str,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO incident_events (incident_id, kind, body, public, author) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        incident_id,
        kind.as_str(),
        body,
        public,
        author,
    )
    .fetch_one(conn)
    .await?)
}

pub(super) fn audit_view(incident: &Incident) -> serde_json::Value {
    json!({
        "title": incident.title, "severity": incident.severity, "status": incident.status, "impact": incident.impact,
        "components": incident.components,
        "commander_id": incident.commander.as_ref().map(|p| p.id), "assignee_id": incident.assignee.as_ref().map(|p| p.id),
        "started_at": incident.times.started_at, "acknowledged_at": incident.times.acknowledged_at,
        "mitigated_at": incident.times.mitigated_at, "resolved_at": incident.times.resolved_at,
    })
}

pub async fn declare(
    pool: &PgPool,
    caller: &Caller,
    new: &NewIncident,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    let mut tx = pool.begin().await?;
    let incident = declare_in(&mut tx, caller, new, now).await?;
    tx.commit().await?;
    Ok(incident)
}

/// Declares an incident inside the caller's transaction (a monitor down too long declares its
/// own, linked in the same transaction).
pub async fn declare_in(
    tx: &mut PgConnection,
    caller: &Caller,
    new: &NewIncident,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    let named: Vec<i64> = [new.commander_id(), new.assignee_id()].into_iter().flatten().collect();
    let known = people_among(&mut *tx, &named).await?;
    for (field, id) in [("commander_id", new.commander_id()), ("assignee_id", new.assignee_id())] {
        if let Some(id) = id.filter(|id| !known.iter().any(|p| p.id == *id)) {
            return Err(AppError::validation(field, format!("There is no active user #{id}.")));
        }
    }
    let author = caller.actor.label();
    let id = sqlx::query_scalar!(
        "INSERT INTO incidents (title, severity, response_target_s, resolution_target_s, update_cadence_s, status, impact,
                                components, commander_id, assignee_id, started_at, declared_at, created_by)
         SELECT $1::text, level, response_target_s, resolution_target_s, update_cadence_s, $3::text, $4::text,
                $5::text[], $6::bigint, $7::bigint, COALESCE($8::timestamptz, $9::timestamptz), $9::timestamptz, $10::text
         FROM incident_severities WHERE level = $2
         RETURNING id",
        new.title(),
        i16::from(new.severity().level()),
        new.status().as_str(),
        new.impact().as_str(),
        new.components(),
        new.commander_id(),
        new.assignee_id(),
        new.started_at() as _,
        now as _,
        author,
    )
    .fetch_one(&mut *tx)
    .await?;
    let incident = read_incident(&mut *tx, id, now).await?;
    let body = format!(
        "Declared {} ({}): respond by {}, resolve by {}.",
        incident.severity.label(),
        incident.impact.label(),
        incident.sla.response.due_at.format("%Y-%m-%d %H:%M UTC"),
        incident.sla.resolution.due_at.format("%Y-%m-%d %H:%M UTC"),
    );
    insert_event(&mut *tx, id, EventKind::Declared, &body, false, &author).await?;
    let change = Change::created("incident.declare", "incident", id, audit_view(&incident));
    record(&mut *tx, caller, change).await?;
    Ok(incident)
}

/// An internal note written inside the caller's transaction, when the incident is still open
/// (e.g. "the monitor is up again"); returns whether it was written.
pub async fn note_if_open(
    tx: &mut PgConnection,
    caller: &Caller,
    incident_id: i64,
    body: &str,
) -> Result<bool, AppError> {
    let open = sqlx::query_scalar!(
        r#"SELECT status <> 'resolved' AS "open!" FROM incidents WHERE id = $1 FOR UPDATE"#,
        incident_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if open != Some(true) {
        return Ok(false);
    }
    let id = insert_event(&mut *tx, incident_id, EventKind::Note, body, false, &caller.actor.label()).await?;
    let change = Change::created(
        "incident.note",
        "incident",
        incident_id,
        json!({"event_id": id, "body": body, "public": false}),
    );
    record(&mut *tx, caller, change).await?;
    Ok(true)
}

pub async fn edit(
    pool: &PgPool,
    caller: &Caller,
    id: i64,
    edit: &Edit,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!("SELECT id FROM incidents WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Incident #{id}")))?;
    let current = read_incident(&mut tx, id, now).await?;
    let new_targets = match edit.severity() {
        Some(level) if level != current.severity => Some(policy_targets(&mut tx, level).await?),
        _ => None,
    };
    let people = people_among(&mut tx, &edit.named_users()).await?;
    let edited = edit.apply(&current, new_targets, &people, now)?;
    let next = &edited.incident;
    sqlx::query!(
        "UPDATE incidents SET title = $2, severity = $3, response_target_s = $4, resolution_target_s = $5,
                update_cadence_s = $6, status = $7, impact = $8, components = $9, commander_id = $10, assignee_id = $11,
                started_at = $12, acknowledged_at = $13, mitigated_at = $14, resolved_at = $15,
                response_breach_recorded = response_breach_recorded AND NOT $16,
                resolution_breach_recorded = resolution_breach_recorded AND NOT $17,
                updated_at = now()
         WHERE id = $1",
        id,
        next.title,
        i16::from(next.severity.level()),
        seconds(next.targets.response_s),
        seconds(next.targets.resolution_s),
        next.targets.update_cadence_s.map(seconds),
        next.status.as_str(),
        next.impact.as_str(),
        &next.components,
        next.commander.as_ref().map(|p| p.id),
        next.assignee.as_ref().map(|p| p.id),
        next.times.started_at as _,
        next.times.acknowledged_at as _,
        next.times.mitigated_at as _,
        next.times.resolved_at as _,
        edited.rearm_response,
        edited.rearm_resolution,
    )
    .execute(&mut *tx)
    .await?;
    let author = caller.actor.label();
    for event in &edited.events {
        insert_event(&mut tx, id, event.kind, &event.body, false, &author).await?;
    }
    let change = Change::updated("incident.update", "incident", id, audit_view(&current), audit_view(next));
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(edited.incident)
}

/// An internal note or a public update (which also resets the public update clock).
pub async fn add_event(
    pool: &PgPool,
    caller: &Caller,
    incident_id: i64,
    body: &EventBody,
    public: bool,
) -> Result<TimelineEvent, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!("SELECT id FROM incidents WHERE id = $1", incident_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Incident #{incident_id}")))?;
    let kind = if public { EventKind::Update } else { EventKind::Note };
    let id = insert_event(&mut tx, incident_id, kind, body.as_str(), public, &caller.actor.label()).await?;
    let change = Change::created(
        if public { "incident.public_update" } else { "incident.note" },
        "incident",
        incident_id,
        json!({"event_id": id, "body": body.as_str(), "public": public}),
    );
    record(&mut tx, caller, change).await?;
    let event = read_event(&mut tx, id).await?;
    tx.commit().await?;
    Ok(event)
}

pub(super) struct EventRow {
    id: i64,
    kind: String,
    body: String,
    public: bool,
    author: String,
    created_at: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
}

impl From<EventRow> for TimelineEvent {
    fn from(r: EventRow) -> Self {
        TimelineEvent {
            id: r.id,
            kind: EventKind::from_stored(&r.kind),
            body: r.body,
            public: r.public,
            author: r.author,
            created_at: r.created_at,
            occurred_at: r.occurred_at,
        }
    }
}

pub(super) async fn read_event(conn: &mut PgConnection, id: i64) -> Result<TimelineEvent, AppError> {
    sqlx::query_as!(
        EventRow,
        r#"SELECT id, kind, body, public, author, created_at AS "created_at: DateTime<Utc>",
                  occurred_at AS "occurred_at: DateTime<Utc>"
           FROM incident_events WHERE id = $1"#,
        id,
    )
    .fetch_optional(conn)
    .await?
    .map(TimelineEvent::from)
    .ok_or_else(|| AppError::not_found(format!("Timeline entry #{id}")))
}

pub async fn timeline(pool: &PgPool, incident_id: i64) -> Result<Vec<TimelineEvent>, AppError> {
    let rows = sqlx::query_as!(
        EventRow,
        r#"SELECT id, kind, body, public, author, created_at AS "created_at: DateTime<Utc>",
                  occurred_at AS "occurred_at: DateTime<Utc>"
           FROM incident_events WHERE incident_id = $1 ORDER BY occurred_at, id"#,
        incident_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(TimelineEvent::from).collect())
}

/// Moves a timeline entry to when it really happened (backfilling); not before the incident started.
pub async fn set_event_time(
    pool: &PgPool,
    caller: &Caller,
    event_id: i64,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<TimelineEvent, AppError> {
    let mut tx = pool.begin().await?;
    let before = read_event(&mut tx, event_id).await?;
    let started = sqlx::query_scalar!(
        r#"SELECT i.started_at AS "started_at: DateTime<Utc>" FROM incidents i
           JOIN incident_events e ON e.incident_id = i.id WHERE e.id = $1 FOR UPDATE OF e"#,
        event_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    if occurred_at > now + chrono::Duration::minutes(1) {
        return Err(AppError::validation("occurred_at", "That time is in the future."));
    }
    if occurred_at < started {
        return Err(AppError::validation(
            "occurred_at",
            format!("That is before the incident started ({}).", started.format("%Y-%m-%d %H:%M:%S UTC")),
        ));
    }
    let incident_id = sqlx::query_scalar!(
        "UPDATE incident_events SET occurred_at = $2 WHERE id = $1 RETURNING incident_id",
        event_id,
        occurred_at as _
    )
    .fetch_one(&mut *tx)
    .await?;
    let change = Change::updated(
        "incident.event_time",
        "incident",
        incident_id,
        json!({"event_id": event_id, "occurred_at": before.occurred_at}),
        json!({"event_id": event_id, "occurred_at": occurred_at}),
    );
    record(&mut tx, caller, change).await?;
    let event = read_event(&mut tx, event_id).await?;
    tx.commit().await?;
    Ok(event)
}

/// Records each clock that has run past its due time. The conditional UPDATE claims the breach:
/// with several processes, the first one's commit makes the others' row no longer match.
pub async fn record_breaches(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<(i64, &'static str)>, AppError> {
    let mut tx = pool.begin().await?;
    let response = sqlx::query!(
        r#"UPDATE incidents SET response_breach_recorded = TRUE
           WHERE NOT response_breach_recorded AND acknowledged_at IS NULL AND resolved_at IS NULL
             AND declared_at + make_interval(secs => response_target_s) <= $1
           RETURNING id, severity, response_target_s AS target_s"#,
        now as _,
    )
    .fetch_all(&mut *tx)
    .await?;
    let resolution = sqlx::query!(
        r#"UPDATE incidents SET resolution_breach_recorded = TRUE
           WHERE NOT resolution_breach_recorded AND resolved_at IS NULL
             AND declared_at + make_interval(secs => resolution_target_s) <= $1
           RETURNING id, severity, resolution_target_s AS target_s"#,
        now as _,
    )
    .fetch_all(&mut *tx)
    .await?;
    let breaches = response
        .into_iter()
        .map(|r| (r.id, r.severity, r.target_s, "response"))
        .chain(resolution.into_iter().map(|r| (r.id, r.severity, r.target_s, "resolution")));
    let mut recorded = Vec::new();
    let system = Caller::system();
    for (id, level, target_s, clock) in breaches {
        let (name, missing) =
            if clock == "response" { ("Response", "a first response") } else { ("Resolution", "a resolution") };
        let body = format!(
            "{name} SLA breached: the {} target of {} passed without {missing}.",
            severity(level).label(),
            crate::ui::human_duration(target_s as u64),
        );
        insert_event(&mut tx, id, EventKind::Breach, &body, false, &system.actor.label()).await?;
        let change =
            Change::created("incident.breach", "incident", id, json!({"clock": clock, "state": ClockState::Breached}));
        record(&mut tx, &system, change).await?;
        recorded.push((id, clock));
    }
    tx.commit().await?;
    Ok(recorded)
}
