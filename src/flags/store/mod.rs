//! All SQL of feature flags. Every change bumps the flag's version, keeps the whole definition in
//! its history and writes its audit row, all in one transaction.

use super::model::{
    to_unleash_json, ConstraintForm, EnvironmentName, EnvironmentSettings, Flag, FlagDefinition, FlagKey, FlagKind,
    FlagVersion, ImportPlan, NewSchedule, Schedule, ScheduledAction, Segment,
};
use super::unleash::client_features;
use crate::error::AppError;
use crate::server::audit_trail::Caller;
use crate::server::audit_trail::{record, Change};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use unleash_types::client_features::{ClientFeatures, Constraint, Segment as UnleashSegment};

mod sdk;
pub use sdk::*;

pub const CHANNEL: &str = "pitwall_flags";

pub async fn environments(pool: &PgPool) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!("SELECT name FROM flag_environments ORDER BY position, name").fetch_all(pool).await?)
}

pub async fn add_environment(pool: &PgPool, caller: &Caller, name: &EnvironmentName) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        "INSERT INTO flag_environments (name, position)
         SELECT $1, COALESCE(max(position), 0) + 10 FROM flag_environments
         ON CONFLICT (name) DO NOTHING",
        name.as_str()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(AppError::validation("name", format!("There already is an environment {:?}.", name.as_str())));
    }
    let change = Change::created(
        "flag_environment.create",
        "flag_environment",
        name.as_str().to_owned(),
        serde_json::json!({ "name": name.as_str() }),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses an environment that does not exist, with the field it came from.
pub async fn require_environment(pool: &PgPool, field: &str, name: &EnvironmentName) -> Result<(), AppError> {
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM flag_environments WHERE name = $1) AS "exists!""#,
        name.as_str()
    )
    .fetch_one(pool)
    .await?;
    if exists {
        Ok(())
    } else {
        Err(AppError::validation(
            field,
            format!("There is no environment {:?} (add it with `pitwall env add {}`).", name.as_str(), name.as_str()),
        ))
    }
}

struct FlagRow {
    id: i64,
    key: String,
    definition: Json<FlagDefinition>,
    archived: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

impl FlagRow {
    fn into_flag(self, now: DateTime<Utc>) -> Flag {
        let stale = !self.archived && self.definition.kind.is_stale(self.created_at, now);
        Flag {
            key: self.key,
            definition: self.definition.0,
            archived: self.archived,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            stale,
        }
    }
}

pub async fn list_flags(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<Flag>, AppError> {
    let rows = sqlx::query_as!(
        FlagRow,
        r#"SELECT id, key, definition AS "definition: Json<FlagDefinition>", archived, version,
                  created_at AS "created_at: DateTime<Utc>", updated_at AS "updated_at: DateTime<Utc>", updated_by
           FROM flags ORDER BY key"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.into_flag(now)).collect())
}

async fn flag_row(conn: &mut PgConnection, key: &str, lock: bool) -> Result<FlagRow, AppError> {
    let row = if lock {
        sqlx::query_as!(
            FlagRow,
            r#"SELECT id, key, definition AS "definition: Json<FlagDefinition>", archived, version,
                      created_at AS "created_at: DateTime<Utc>", updated_at AS "updated_at: DateTime<Utc>", updated_by
               FROM flags WHERE key = $1 FOR UPDATE"#,
            key
        )
        .fetch_optional(conn)
        .await?
    } else {
        sqlx::query_as!(
            FlagRow,
            r#"SELECT id, key, definition AS "definition: Json<FlagDefinition>", archived, version,
                      created_at AS "created_at: DateTime<Utc>", updated_at AS "updated_at: DateTime<Utc>", updated_by
               FROM flags WHERE key = $1"#,
            key
        )
        .fetch_optional(conn)
        .await?
    };
    row.ok_or_else(|| AppError::not_found(format!("Flag {key:?}")))
}

pub async fn flag(pool: &PgPool, key: &str, now: DateTime<Utc>) -> Result<Flag, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(flag_row(&mut conn, key, false).await?.into_flag(now))
}

async fn insert_flag(
    conn: &mut PgConnection,
    caller: &Caller,
    key: &FlagKey,
    definition: &FlagDefinition,
    action: &str,
) -> Result<(), AppError> {
    let author = caller.actor.label();
    let id = sqlx::query_scalar!(
        "INSERT INTO flags (key, definition, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO NOTHING RETURNING id",
        key.as_str(),
        Json(definition) as _,
        author
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::validation("key", format!("There already is a flag {:?}.", key.as_str())))?;
    let version =
        Version { flag_id: id, key: key.as_str(), number: 1, definition, archived: false, summary: "created" };
    record_version(conn, caller, action, &version, None).await
}

/// One state of a flag, as history keeps it.
struct Version<'a> {
    flag_id: i64,
    key: &'a str,
    number: i32,
    definition: &'a FlagDefinition,
    archived: bool,
    summary: &'a str,
}

/// Every change to a flag ends here: its history entry and its audit row.
async fn record_version(
    conn: &mut PgConnection,
    caller: &Caller,
    action: &str,
    version: &Version<'_>,
    before: Option<serde_json::Value>,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO flag_versions (flag_id, version, definition, archived, summary, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
        version.flag_id,
        version.number,
        Json(version.definition) as _,
        version.archived,
        version.summary,
        caller.actor.label()
    )
    .execute(&mut *conn)
    .await?;
    let after = serde_json::json!({
        "version": version.number, "archived": version.archived, "definition": version.definition, "summary": version.summary
    });
    let change = Change::between(action, "flag", version.key.to_owned(), before, Some(after));
    record(conn, caller, change).await
}

/// Creates a flag with `details` (name, type, description, tags), off in every environment.
pub async fn create_flag(
    pool: &PgPool,
    caller: &Caller,
    key: &FlagKey,
    details: FlagDefinition,
) -> Result<Flag, AppError> {
    let mut tx = pool.begin().await?;
    let envs = sqlx::query_scalar!("SELECT name FROM flag_environments ORDER BY position").fetch_all(&mut *tx).await?;
    let definition = FlagDefinition {
        environments: FlagDefinition::new(key, details.kind, String::new(), &envs).environments,
        ..details
    };
    insert_flag(&mut tx, caller, key, &definition, "flag.create").await?;
    let flag = flag_row(&mut tx, key.as_str(), false).await?.into_flag(Utc::now());
    tx.commit().await?;
    Ok(flag)
}

/// What an edit did: the flag after it, or nothing to do.
pub enum Edited {
    Changed(Flag),
    Unchanged(Flag),
}

impl Edited {
    pub fn flag(self) -> Flag {
        match self {
            Edited::Changed(flag) | Edited::Unchanged(flag) => flag,
        }
    }
}

/// The one way a flag changes. `base_version` is the version the editor saw: `None` for
/// machine-made changes (scheduler, import) that apply to whatever is current.
pub async fn edit_flag(
    conn: &mut PgConnection,
    caller: &Caller,
    key: &str,
    base_version: Option<i32>,
    action: &str,
    apply: impl FnOnce(&mut FlagDefinition, &mut bool) -> Result<(), AppError>,
) -> Result<Edited, AppError> {
    let row = flag_row(conn, key, true).await?;
    if let Some(base) = base_version.filter(|base| *base != row.version) {
        return Err(AppError::conflict(format!(
            "This flag was changed by {} at {} (version {} → {}): reload to see the change, then edit again.",
            row.updated_by,
            row.updated_at.format("%Y-%m-%d %H:%M:%S UTC"),
            base,
            row.version
        )));
    }
    let before = row.definition.0.clone();
    let mut after = before.clone();
    let mut archived = row.archived;
    apply(&mut after, &mut archived)?;
    let mut lines = after.describe_changes(&before);
    if archived != row.archived {
        lines.push(if archived { "archived".into() } else { "unarchived".into() });
    }
    if lines.is_empty() {
        return Ok(Edited::Unchanged(row.into_flag(Utc::now())));
    }
    let summary = lines.join("; ");
    let author = caller.actor.label();
    let version = row.version + 1;
    sqlx::query!(
        "UPDATE flags SET definition = $2, archived = $3, version = $4, updated_at = now(), updated_by = $5 WHERE id = $1",
        row.id,
        Json(&after) as _,
        archived,
        version,
        author
    )
    .execute(&mut *conn)
    .await?;
    let before = serde_json::json!({ "version": row.version, "archived": row.archived, "definition": before });
    let version = Version { flag_id: row.id, key, number: version, definition: &after, archived, summary: &summary };
    record_version(conn, caller, action, &version, Some(before)).await?;
    Ok(Edited::Changed(flag_row(conn, key, false).await?.into_flag(Utc::now())))
}

/// `edit_flag` in its own transaction.
pub async fn edit(
    pool: &PgPool,
    caller: &Caller,
    key: &str,
    base_version: Option<i32>,
    action: &str,
    apply: impl FnOnce(&mut FlagDefinition, &mut bool) -> Result<(), AppError>,
) -> Result<Flag, AppError> {
    let mut tx = pool.begin().await?;
    let edited = edit_flag(&mut tx, caller, key, base_version, action, apply).await?;
    tx.commit().await?;
    Ok(edited.flag())
}

pub async fn history(pool: &PgPool, key: &str) -> Result<Vec<FlagVersion>, AppError> {
    Ok(sqlx::query_as!(
        FlagVersion,
        r#"SELECT v.version, v.summary, v.changed_by, v.changed_at AS "changed_at: DateTime<Utc>"
           FROM flag_versions v JOIN flags f ON f.id = v.flag_id
           WHERE f.key = $1 ORDER BY v.version DESC"#,
        key
    )
    .fetch_all(pool)
    .await?)
}

/// Restores version `to` as a new version.
pub async fn revert(pool: &PgPool, caller: &Caller, key: &str, base_version: i32, to: i32) -> Result<Flag, AppError> {
    let mut tx = pool.begin().await?;
    let old = sqlx::query!(
        r#"SELECT v.definition AS "definition: Json<FlagDefinition>", v.archived
           FROM flag_versions v JOIN flags f ON f.id = v.flag_id WHERE f.key = $1 AND v.version = $2"#,
        key,
        to
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found(format!("Version {to} of flag {key:?}")))?;
    let edited = edit_flag(&mut tx, caller, key, Some(base_version), "flag.revert", |definition, archived| {
        *definition = old.definition.0;
        *archived = old.archived;
        Ok(())
    })
    .await?;
    tx.commit().await?;
    Ok(edited.flag())
}

pub async fn segments(pool: &PgPool) -> Result<Vec<Segment>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, name, description, constraints AS "constraints: Json<Vec<Constraint>>"
           FROM flag_segments ORDER BY name"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Segment {
            id: r.id,
            name: r.name,
            description: r.description,
            constraints: r.constraints.0.iter().map(ConstraintForm::of).collect(),
        })
        .collect())
}

pub async fn create_segment(
    pool: &PgPool,
    caller: &Caller,
    name: &str,
    description: &str,
    constraints: &[Constraint],
) -> Result<i32, AppError> {
    let mut tx = pool.begin().await?;
    let id = insert_segment(&mut tx, caller, name, description, constraints).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_segment(
    conn: &mut PgConnection,
    caller: &Caller,
    name: &str,
    description: &str,
    constraints: &[Constraint],
) -> Result<i32, AppError> {
    let id = sqlx::query_scalar!(
        "INSERT INTO flag_segments (name, description, constraints) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING RETURNING id",
        name,
        description,
        to_unleash_json(&constraints)
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::validation("name", format!("There already is a segment {name:?}.")))?;
    let change = Change::created(
        "flag_segment.create",
        "flag_segment",
        id,
        serde_json::json!({ "name": name, "description": description, "constraints": to_unleash_json(&constraints) }),
    );
    record(conn, caller, change).await?;
    Ok(id)
}

async fn unleash_segments(conn: &mut PgConnection) -> Result<Vec<UnleashSegment>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, constraints AS "constraints: Json<Vec<Constraint>>" FROM flag_segments ORDER BY id"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| UnleashSegment { id: r.id, constraints: r.constraints.0 }).collect())
}

/// Everything the in-memory snapshots are built from, read in one transaction.
pub struct FlagState {
    pub environments: Vec<String>,
    pub flags: Vec<Flag>,
    pub segments: Vec<UnleashSegment>,
    pub tokens: Vec<TokenRow>,
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub flags_read: bool,
    pub flags_evaluate: bool,
    pub environment: Option<String>,
}

pub async fn state(pool: &PgPool, now: DateTime<Utc>) -> Result<FlagState, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    let environments =
        sqlx::query_scalar!("SELECT name FROM flag_environments ORDER BY position, name").fetch_all(&mut *tx).await?;
    let flags = sqlx::query_as!(
        FlagRow,
        r#"SELECT id, key, definition AS "definition: Json<FlagDefinition>", archived, version,
                  created_at AS "created_at: DateTime<Utc>", updated_at AS "updated_at: DateTime<Utc>", updated_by
           FROM flags WHERE NOT archived ORDER BY key"#
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| r.into_flag(now))
    .collect();
    let segments = unleash_segments(&mut tx).await?;
    let tokens = sqlx::query_as!(
        TokenRow,
        r#"SELECT id, name, token_hash, 'flags:read' = ANY(scopes) AS "flags_read!",
                  'flags:evaluate' = ANY(scopes) AS "flags_evaluate!", environment
           FROM api_tokens t
           WHERE revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.created_by AND NOT u.active)"#
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(FlagState { environments, flags, segments, tokens })
}

/// An environment as an Unleash client-features document (JSON as Unleash writes it).
pub async fn export(pool: &PgPool, env: &EnvironmentName) -> Result<serde_json::Value, AppError> {
    require_environment(pool, "environment", env).await?;
    let flags = list_flags(pool, Utc::now()).await?;
    let mut conn = pool.acquire().await?;
    Ok(to_unleash_json(&client_features(&flags, unleash_segments(&mut conn).await?, env.as_str())))
}

/// Imports `features` into `env`, or with `apply = false` only says what would change.
/// Segment ids belong to the exporting server: each segment is matched to one with the same
/// constraints here, or created, and strategies are pointed at the local ids. A segment the
/// document references but lacks keeps a reference no local segment can answer (a negative id),
/// so the flag evaluates as Unleash evaluates it: off.
pub async fn import(
    pool: &PgPool,
    caller: &Caller,
    env: &EnvironmentName,
    features: ClientFeatures,
    apply: bool,
) -> Result<ImportPlan, AppError> {
    require_environment(pool, "environment", env).await?;
    let mut tx = pool.begin().await?;
    let mut plan = ImportPlan { oddities: super::unleash::oddities(&features), ..ImportPlan::default() };
    let existing = unleash_segments(&mut tx).await?;
    let mut segment_ids: HashMap<i32, i32> = HashMap::new();
    for segment in features.segments.iter().flatten() {
        let local = match existing.iter().find(|s| s.constraints == segment.constraints) {
            Some(found) => found.id,
            None => {
                plan.new_segments += 1;
                let name =
                    format!("{} #{} (imported {})", env.as_str(), segment.id, Utc::now().format("%Y-%m-%d %H:%M:%S"));
                if apply {
                    insert_segment(&mut tx, caller, &name, "Imported with flags.", &segment.constraints).await?
                } else {
                    -segment.id
                }
            }
        };
        segment_ids.insert(segment.id, local);
    }
    let envs = sqlx::query_scalar!("SELECT name FROM flag_environments").fetch_all(&mut *tx).await?;
    for feature in features.features {
        let key = FlagKey::parse("file", &feature.name)?;
        let mut strategies = feature.strategies.unwrap_or_default();
        for strategy in &mut strategies {
            if let Some(ids) = strategy.segments.as_mut() {
                for id in ids.iter_mut() {
                    *id = segment_ids.get(id).copied().unwrap_or_else(|| unresolvable_segment(*id));
                }
            }
        }
        let settings = EnvironmentSettings {
            enabled: feature.enabled,
            strategies,
            variants: feature.variants.unwrap_or_default(),
        };
        let kind = feature.feature_type.as_deref().and_then(|t| FlagKind::parse("type", t).ok());
        let import_into = |definition: &mut FlagDefinition| {
            if let Some(kind) = kind {
                definition.kind = kind;
            }
            if let Some(description) = &feature.description {
                definition.description.clone_from(description);
            }
            definition.impression_data = feature.impression_data.unwrap_or(false);
            definition.dependencies = feature.dependencies.clone().unwrap_or_default();
            definition.environments.insert(env.as_str().to_owned(), settings.clone());
        };
        let known =
            sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM flags WHERE key = $1) AS "exists!""#, key.as_str())
                .fetch_one(&mut *tx)
                .await?;
        if !known {
            plan.created.push(key.as_str().to_owned());
            if apply {
                let mut definition = FlagDefinition::new(&key, kind.unwrap_or_default(), String::new(), &envs);
                import_into(&mut definition);
                insert_flag(&mut tx, caller, &key, &definition, "flag.import").await?;
            }
            continue;
        }
        let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
        let edited = edit_flag(&mut savepoint, caller, key.as_str(), None, "flag.import", |definition, archived| {
            import_into(definition);
            *archived = false;
            Ok(())
        })
        .await?;
        match edited {
            Edited::Changed(flag) => {
                let summary = history_summary(&mut savepoint, key.as_str(), flag.version).await?;
                plan.changed.push((key.as_str().to_owned(), summary));
            }
            Edited::Unchanged(_) => plan.unchanged += 1,
        }
        if apply {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
        }
    }
    if apply {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(plan)
}

/// Local segment ids are positive (a serial), so a negative one never resolves.
fn unresolvable_segment(id: i32) -> i32 {
    -id.saturating_abs().max(1)
}

async fn history_summary(conn: &mut PgConnection, key: &str, version: i32) -> Result<String, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT v.summary FROM flag_versions v JOIN flags f ON f.id = v.flag_id WHERE f.key = $1 AND v.version = $2",
        key,
        version
    )
    .fetch_one(conn)
    .await?)
}

pub async fn schedules(pool: &PgPool, key: &str) -> Result<Vec<Schedule>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT s.id, s.environment, s.run_at AS "run_at: DateTime<Utc>", s.action, s.rollout, s.created_by,
                  s.applied_at AS "applied_at: DateTime<Utc>", s.cancelled_at AS "cancelled_at: DateTime<Utc>", s.outcome
           FROM flag_schedules s JOIN flags f ON f.id = s.flag_id
           WHERE f.key = $1 ORDER BY s.run_at DESC, s.id DESC"#,
        key
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Schedule {
            id: r.id,
            environment: r.environment,
            run_at: r.run_at,
            description: ScheduledAction::from_row(&r.action, r.rollout).map(|a| a.describe()).unwrap_or(r.action),
            created_by: r.created_by,
            applied_at: r.applied_at,
            cancelled_at: r.cancelled_at,
            outcome: r.outcome,
        })
        .collect())
}

pub async fn create_schedule(pool: &PgPool, caller: &Caller, key: &str, new: &NewSchedule) -> Result<i64, AppError> {
    require_environment(pool, "environment", &new.environment).await?;
    let mut tx = pool.begin().await?;
    let flag_id = flag_row(&mut tx, key, false).await?.id;
    let id = sqlx::query_scalar!(
        "INSERT INTO flag_schedules (flag_id, environment, run_at, action, rollout, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        flag_id,
        new.environment.as_str(),
        new.run_at as _,
        new.action.name(),
        new.action.rollout(),
        caller.actor.label()
    )
    .fetch_one(&mut *tx)
    .await?;
    let change = Change::created(
        "flag_schedule.create",
        "flag",
        key.to_owned(),
        serde_json::json!({ "schedule": id, "environment": new.environment.as_str(), "run_at": new.run_at, "action": new.action.describe() }),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn cancel_schedule(pool: &PgPool, caller: &Caller, key: &str, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let cancelled = sqlx::query_scalar!(
        "UPDATE flag_schedules s SET cancelled_at = now() FROM flags f
         WHERE s.id = $1 AND f.id = s.flag_id AND f.key = $2 AND s.applied_at IS NULL AND s.cancelled_at IS NULL
         RETURNING s.id",
        id,
        key
    )
    .fetch_optional(&mut *tx)
    .await?;
    if cancelled.is_none() {
        return Err(AppError::conflict("That change has already been applied or cancelled."));
    }
    let change = Change::removed("flag_schedule.cancel", "flag", key.to_owned(), serde_json::json!({ "schedule": id }));
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies every due scheduled change once: each is claimed with a row lock that other
/// processes skip, and marked applied in the transaction that makes the change.
pub async fn apply_due_schedules(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut applied = 0;
    loop {
        let mut tx = pool.begin().await?;
        let Some(due) = sqlx::query!(
            r#"SELECT s.id, f.key, s.environment, s.action, s.rollout
               FROM flag_schedules s JOIN flags f ON f.id = s.flag_id
               WHERE s.applied_at IS NULL AND s.cancelled_at IS NULL AND s.run_at <= $1
               ORDER BY s.run_at, s.id LIMIT 1 FOR UPDATE OF s SKIP LOCKED"#,
            now as _
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(applied);
        };
        let action = ScheduledAction::from_row(&due.action, due.rollout);
        let caller = Caller::system();
        let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
        let env = due.environment.clone();
        let result = edit_flag(&mut savepoint, &caller, &due.key, None, "flag.scheduled_change", |definition, _| {
            let settings = definition.environments.entry(env).or_default();
            match action {
                Some(ScheduledAction::Enable) => settings.enabled = true,
                Some(ScheduledAction::Disable) => settings.enabled = false,
                Some(ScheduledAction::Rollout(rollout)) => {
                    let mut found = false;
                    for strategy in settings.strategies.iter_mut().filter(|s| s.name == super::model::ROLLOUT_STRATEGY)
                    {
                        strategy
                            .parameters
                            .get_or_insert_with(HashMap::new)
                            .insert("rollout".into(), rollout.percent().to_string());
                        found = true;
                    }
                    if !found {
                        return Err(AppError::conflict("the environment has no rollout strategy"));
                    }
                }
                None => return Err(AppError::conflict("unknown action")),
            }
            Ok(())
        })
        .await;
        let outcome = match result {
            Ok(Edited::Changed(flag)) => {
                savepoint.commit().await?;
                format!("applied as version {}", flag.version)
            }
            Ok(Edited::Unchanged(_)) => {
                savepoint.rollback().await?;
                "nothing to change".to_owned()
            }
            Err(err) => {
                savepoint.rollback().await?;
                format!("not applied: {err}")
            }
        };
        sqlx::query!(
            "UPDATE flag_schedules SET applied_at = $2, outcome = $3 WHERE id = $1",
            due.id,
            now as _,
            outcome
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        applied += 1;
    }
}

/// For the dashboard: flags changed since `since`.
pub async fn changed_since(pool: &PgPool, since: DateTime<Utc>) -> Result<Vec<FlagVersion>, AppError> {
    Ok(sqlx::query_as!(
        FlagVersion,
        r#"SELECT v.version, f.key || ': ' || v.summary AS "summary!", v.changed_by, v.changed_at AS "changed_at: DateTime<Utc>"
           FROM flag_versions v JOIN flags f ON f.id = v.flag_id
           WHERE v.changed_at >= $1 ORDER BY v.changed_at DESC LIMIT 20"#,
        since as _
    )
    .fetch_all(pool)
    .await?)
}
