//! All SQL of incidents: severities, incidents and their timeline, breaches, post-mortems and
//! action items. Every change writes its timeline entry and audit row in its own transaction.

use super::markdown;
use super::model::{
    ActionItem, ActionKind, ActionStatus, ClockState, Edit, EventBody, EventKind, Impact, Incident, IncidentFacts,
    ListQuery, NewActionItem, NewIncident, Person, Postmortem, PostmortemSections, PostmortemStatus, Severity,
    SeverityPolicy, Sla, Status, Targets, TimelineEvent, Timestamps,
};
use crate::audit::model::Caller;
use crate::audit::store::{record, Change};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

fn severity(level: i16) -> Severity {
    Severity::new("severity", i64::from(level)).unwrap_or(Severity::ALL[3])
}

fn targets(response_s: i32, resolution_s: i32, update_cadence_s: Option<i32>) -> Targets {
    Targets {
        response_s: i64::from(response_s),
        resolution_s: i64::from(resolution_s),
        update_cadence_s: update_cadence_s.map(i64::from),
    }
}

fn seconds(s: i64) -> i32 {
    i32::try_from(s).unwrap_or(i32::MAX)
}

pub async fn policies(pool: &PgPool) -> Result<Vec<SeverityPolicy>, AppError> {
    let rows = sqlx::query!(
        "SELECT level, name, description, examples, response_target_s, resolution_target_s, update_cadence_s
         FROM incident_severities ORDER BY level"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SeverityPolicy {
            severity: severity(r.level),
            name: r.name,
            description: r.description,
            examples: r.examples,
            targets: targets(r.response_target_s, r.resolution_target_s, r.update_cadence_s),
        })
        .collect())
}

async fn policy_targets(conn: &mut PgConnection, level: Severity) -> Result<Targets, AppError> {
    let r = sqlx::query!(
        "SELECT response_target_s, resolution_target_s, update_cadence_s FROM incident_severities WHERE level = $1",
        i16::from(level.level()),
    )
    .fetch_one(conn)
    .await?;
    Ok(targets(r.response_target_s, r.resolution_target_s, r.update_cadence_s))
}

/// Changes a severity's definition; open incidents keep the targets they were declared under.
pub async fn save_policy(pool: &PgPool, caller: &Caller, policy: &SeverityPolicy) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let level = i16::from(policy.severity.level());
    let before = sqlx::query!(
        "SELECT name, response_target_s, resolution_target_s, update_cadence_s FROM incident_severities WHERE level = $1 FOR UPDATE",
        level,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE incident_severities SET name = $2, description = $3, examples = $4, response_target_s = $5,
                resolution_target_s = $6, update_cadence_s = $7, updated_at = now()
         WHERE level = $1",
        level,
        policy.name,
        policy.description,
        policy.examples,
        seconds(policy.targets.response_s),
        seconds(policy.targets.resolution_s),
        policy.targets.update_cadence_s.map(seconds),
    )
    .execute(&mut *tx)
    .await?;
    let change = Change {
        action: "incident_severity.update",
        entity_type: "incident_severity",
        entity_id: level.to_string(),
        before: Some(json!({"name": before.name, "response_s": before.response_target_s,
            "resolution_s": before.resolution_target_s, "update_cadence_s": before.update_cadence_s})),
        after: Some(json!({"name": policy.name, "response_s": policy.targets.response_s,
            "resolution_s": policy.targets.resolution_s, "update_cadence_s": policy.targets.update_cadence_s})),
    };
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

struct IncidentRow {
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

fn person(id: Option<i64>, email: Option<String>) -> Option<Person> {
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
async fn read_incidents(
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

async fn read_incident(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> Result<Incident, AppError> {
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
    super::model::sort_by_urgency(&mut list);
    Ok(list)
}

/// Active users, for the pickers and to check the users an edit names.
pub async fn people(pool: &PgPool) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as!(Person, "SELECT id, email FROM users WHERE active ORDER BY email").fetch_all(pool).await?)
}

async fn people_among(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as!(Person, "SELECT id, email FROM users WHERE active AND id = ANY($1)", ids)
        .fetch_all(conn)
        .await?)
}

async fn insert_event(
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

fn audit_view(incident: &Incident) -> serde_json::Value {
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
    let named: Vec<i64> = [new.commander_id(), new.assignee_id()].into_iter().flatten().collect();
    let known = people_among(&mut tx, &named).await?;
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
    let incident = read_incident(&mut tx, id, now).await?;
    let body = format!(
        "Declared {} ({}): respond by {}, resolve by {}.",
        incident.severity.label(),
        incident.impact.label(),
        incident.sla.response.due_at.format("%Y-%m-%d %H:%M UTC"),
        incident.sla.resolution.due_at.format("%Y-%m-%d %H:%M UTC"),
    );
    insert_event(&mut tx, id, EventKind::Declared, &body, false, &author).await?;
    let change = Change {
        action: "incident.declare",
        entity_type: "incident",
        entity_id: id.to_string(),
        before: None,
        after: Some(audit_view(&incident)),
    };
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(incident)
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
    let change = Change {
        action: "incident.update",
        entity_type: "incident",
        entity_id: id.to_string(),
        before: Some(audit_view(&current)),
        after: Some(audit_view(next)),
    };
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
    let change = Change {
        action: if public { "incident.public_update" } else { "incident.note" },
        entity_type: "incident",
        entity_id: incident_id.to_string(),
        before: None,
        after: Some(json!({"event_id": id, "body": body.as_str(), "public": public})),
    };
    record(&mut tx, caller, change).await?;
    let event = read_event(&mut tx, id).await?;
    tx.commit().await?;
    Ok(event)
}

struct EventRow {
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

async fn read_event(conn: &mut PgConnection, id: i64) -> Result<TimelineEvent, AppError> {
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
    let change = Change {
        action: "incident.event_time",
        entity_type: "incident",
        entity_id: incident_id.to_string(),
        before: Some(json!({"event_id": event_id, "occurred_at": before.occurred_at})),
        after: Some(json!({"event_id": event_id, "occurred_at": occurred_at})),
    };
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
        let change = Change {
            action: "incident.breach",
            entity_type: "incident",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({"clock": clock, "state": ClockState::Breached})),
        };
        record(&mut tx, &system, change).await?;
        recorded.push((id, clock));
    }
    tx.commit().await?;
    Ok(recorded)
}

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
    let change = Change {
        action: "postmortem.create",
        entity_type: "incident",
        entity_id: incident_id.to_string(),
        before: None,
        after: Some(json!({"status": PostmortemStatus::Draft})),
    };
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

async fn write_sections(
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
    let change = Change {
        action: "postmortem.update",
        entity_type: "incident",
        entity_id: incident_id.to_string(),
        before: None,
        after: Some(serde_json::to_value(sections).unwrap_or_default()),
    };
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
    let change = Change {
        action: "postmortem.status",
        entity_type: "incident",
        entity_id: incident_id.to_string(),
        before: Some(json!({"status": before})),
        after: Some(json!({"status": status})),
    };
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
    let change = Change {
        action: "action_item.create",
        entity_type: "action_item",
        entity_id: id.to_string(),
        before: None,
        after: Some(json!({"incident_id": incident_id, "title": item.title(), "owner_id": item.owner_id(),
            "due_on": item.due_on(), "kind": item.kind()})),
    };
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
    let change = Change {
        action: "action_item.status",
        entity_type: "action_item",
        entity_id: id.to_string(),
        before: Some(json!({"status": before})),
        after: Some(json!({"status": status})),
    };
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

/// The incident as Markdown: facts, timeline, post-mortem.
pub async fn export(pool: &PgPool, id: i64, now: DateTime<Utc>) -> Result<String, AppError> {
    let incident = incident(pool, id, now).await?;
    let events = timeline(pool, id).await?;
    let postmortem = postmortem(pool, id).await?;
    Ok(super::model::export_markdown(&incident, &events, postmortem.as_ref()))
}
