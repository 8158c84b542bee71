//! Server fns of feature flags: authorize → parse → store. Everyone reads; owner and PM edit.

#[cfg(feature = "ssr")]
use super::live::LiveFlags;
#[cfg(feature = "ssr")]
use super::model::parse_flag_name;
#[cfg(feature = "ssr")]
use super::model::parse_tags;
#[cfg(feature = "ssr")]
use super::model::EnvironmentName;
#[cfg(feature = "ssr")]
use super::model::FlagDefinition;
#[cfg(feature = "ssr")]
use super::model::FlagKey;
#[cfg(feature = "ssr")]
use super::model::FlagKind;
#[cfg(feature = "ssr")]
use super::model::NewSchedule;
#[cfg(feature = "ssr")]
use super::model::RolloutChange;
use super::model::{
    ConstraintForm, Evaluations, Flag, FlagFilter, FlagVersion, ImportPlan, PlaygroundContext, PlaygroundResult,
    RolloutForm, Schedule, ScheduleForm, Segment,
};
#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::context;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
#[cfg(feature = "ssr")]
use unleash_types::client_features::Context;

/// A flag in the list, with what SDKs reported about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagSummary {
    pub flag: Flag,
    pub evaluations: BTreeMap<String, Evaluations>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagList {
    pub flags: Vec<FlagSummary>,
    pub environments: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagDetail {
    pub flag: Flag,
    pub environments: Vec<String>,
    pub history: Vec<FlagVersion>,
    pub schedules: Vec<Schedule>,
    pub segments: Vec<Segment>,
    pub evaluations: BTreeMap<String, Evaluations>,
    pub server_now: DateTime<Utc>,
}

#[server(endpoint = "flags/list", input = Json)]
pub async fn list_flags(filter: FlagFilter) -> Result<FlagList, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let pool = &auth.pool;
    let now = Utc::now();
    let all = super::store::list_flags(pool, now).await?;
    let mut tags: Vec<String> = all.iter().flat_map(|f| f.definition.tags.iter().cloned()).collect();
    tags.sort();
    tags.dedup();
    let mut evaluations = super::store::evaluations_last_hour(pool, now).await?;
    let flags = all
        .into_iter()
        .filter(|f| filter.matches(f))
        .map(|flag| FlagSummary { evaluations: evaluations.remove(&flag.key).unwrap_or_default(), flag })
        .collect();
    Ok(FlagList { flags, environments: super::store::environments(pool).await?, tags })
}

#[server(endpoint = "flags/get")]
pub async fn get_flag(key: String) -> Result<FlagDetail, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let pool = &auth.pool;
    let now = Utc::now();
    let flag = super::store::flag(pool, &key, now).await?;
    Ok(FlagDetail {
        environments: super::store::environments(pool).await?,
        history: super::store::history(pool, &key).await?,
        schedules: super::store::schedules(pool, &key).await?,
        segments: super::store::segments(pool).await?,
        evaluations: super::store::evaluations_last_hour(pool, now).await?.remove(&key).unwrap_or_default(),
        flag,
        server_now: now,
    })
}

#[server(endpoint = "flags/create")]
pub async fn create_flag(
    key: String,
    name: String,
    kind: String,
    description: String,
    tags: String,
) -> Result<Flag, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let key = FlagKey::parse("key", &key)?;
    let details = FlagDefinition {
        name: parse_flag_name(&name)?,
        kind: FlagKind::parse("kind", &kind)?,
        description: description.trim().to_owned(),
        tags: parse_tags(&tags)?,
        ..FlagDefinition::default()
    };
    super::store::create_flag(&auth.pool, &auth.caller, &key, details).await
}

#[server(endpoint = "flags/toggle")]
pub async fn set_enabled(key: String, environment: String, enabled: bool, version: i32) -> Result<Flag, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let env = EnvironmentName::parse("environment", &environment)?;
    let action = if enabled { "flag.enable" } else { "flag.disable" };
    super::store::edit(&auth.pool, &auth.caller, &key, Some(version), action, |definition, _| {
        definition.environments.entry(env.as_str().to_owned()).or_default().enabled = enabled;
        Ok(())
    })
    .await
}

#[server(endpoint = "flags/rollout", input = Json)]
pub async fn save_rollout(key: String, environment: String, version: i32, form: RolloutForm) -> Result<Flag, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let env = EnvironmentName::parse("environment", &environment)?;
    let flag_key = FlagKey::parse("key", &key)?;
    let change = RolloutChange::parse(&form)?;
    super::store::edit(&auth.pool, &auth.caller, &key, Some(version), "flag.rollout", |definition, _| {
        change.apply(&flag_key, definition.environments.entry(env.as_str().to_owned()).or_default());
        Ok(())
    })
    .await
}

#[server(endpoint = "flags/details")]
pub async fn save_details(
    key: String,
    version: i32,
    name: String,
    kind: String,
    description: String,
    tags: String,
) -> Result<Flag, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let name = parse_flag_name(&name)?;
    let kind = FlagKind::parse("kind", &kind)?;
    let tags = parse_tags(&tags)?;
    super::store::edit(&auth.pool, &auth.caller, &key, Some(version), "flag.update", |definition, _| {
        definition.name = name;
        definition.kind = kind;
        definition.description = description.trim().to_owned();
        definition.tags = tags;
        Ok(())
    })
    .await
}

#[server(endpoint = "flags/archive")]
pub async fn set_archived(key: String, version: i32, archived: bool) -> Result<Flag, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let action = if archived { "flag.archive" } else { "flag.unarchive" };
    super::store::edit(&auth.pool, &auth.caller, &key, Some(version), action, |_, is_archived| {
        *is_archived = archived;
        Ok(())
    })
    .await
}

#[server(endpoint = "flags/revert")]
pub async fn revert_flag(key: String, version: i32, to: i32) -> Result<Flag, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    super::store::revert(&auth.pool, &auth.caller, &key, version, to).await
}

#[server(endpoint = "flags/schedule", input = Json)]
pub async fn schedule_change(key: String, form: ScheduleForm) -> Result<i64, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let new = NewSchedule::parse(&form, Utc::now())?;
    super::store::create_schedule(&auth.pool, &auth.caller, &key, &new).await
}

#[server(endpoint = "flags/cancel-schedule")]
pub async fn cancel_schedule(key: String, id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    super::store::cancel_schedule(&auth.pool, &auth.caller, &key, id).await
}

/// Evaluates every flag of an environment for a typed-in context, from the same compiled
/// snapshot apps are served from.
#[server(endpoint = "flags/playground", input = Json)]
pub async fn playground(context: PlaygroundContext) -> Result<Vec<PlaygroundResult>, AppError> {
    let flags = context::expect::<LiveFlags>()?;
    guard::authorize(Permission::UseConsole).await?;
    let properties = context.properties()?;
    let snapshot = flags.current();
    let env = snapshot
        .environments
        .get(context.environment.trim())
        .ok_or_else(|| AppError::validation("environment", "Choose an environment."))?
        .clone();
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let unleash = Context {
        user_id: non_empty(&context.user_id),
        session_id: non_empty(&context.session_id),
        remote_address: non_empty(&context.remote_address),
        properties: Some(properties).filter(|p| !p.is_empty()),
        ..Context::default()
    };
    Ok(env.keys().iter().filter_map(|key| env.explain(key, &unleash)).collect())
}

#[server(endpoint = "flags/import", input = Json)]
pub async fn import_flags(environment: String, document: String, apply: bool) -> Result<ImportPlan, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let env = EnvironmentName::parse("environment", &environment)?;
    let features = super::unleash::parse_client_features(&document)?;
    super::store::import(&auth.pool, &auth.caller, &env, features, apply).await
}

#[server(endpoint = "flags/export")]
pub async fn export_flags(environment: String) -> Result<String, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let env = EnvironmentName::parse("environment", &environment)?;
    let features = super::store::export(&auth.pool, &env).await?;
    serde_json::to_string_pretty(&features).map_err(|_| AppError::Internal)
}

#[server(endpoint = "flags/environments")]
pub async fn list_environments() -> Result<Vec<String>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::environments(&auth.pool).await
}

#[server(endpoint = "flags/add-environment")]
pub async fn add_environment(name: String) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageEnvironments).await?;
    let name = EnvironmentName::parse("name", &name)?;
    super::store::add_environment(&auth.pool, &auth.caller, &name).await
}

#[server(endpoint = "flags/segments")]
pub async fn list_segments() -> Result<Vec<Segment>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::segments(&auth.pool).await
}

#[server(endpoint = "flags/add-segment", input = Json)]
pub async fn add_segment(name: String, description: String, constraints: Vec<ConstraintForm>) -> Result<i32, AppError> {
    let auth = guard::authorize(Permission::ManageFlags).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation("name", "Name the segment (1–100 characters)."));
    }
    if constraints.is_empty() {
        return Err(AppError::validation("constraints", "A segment needs at least one constraint."));
    }
    let parsed = constraints
        .iter()
        .enumerate()
        .map(|(i, c)| c.parse(&format!("constraints.{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    super::store::create_segment(&auth.pool, &auth.caller, name, description.trim(), &parsed).await
}

/// The dashboard card: what changed in the last day, and flags past their expected lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagsOverview {
    pub changed: Vec<FlagVersion>,
    pub stale: Vec<String>,
}

#[server(endpoint = "flags/digest")]
pub async fn flags_digest() -> Result<FlagsOverview, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let pool = &auth.pool;
    let now = Utc::now();
    let changed = super::store::changed_since(pool, now - chrono::TimeDelta::hours(24)).await?;
    let stale = super::store::list_flags(pool, now).await?.into_iter().filter(|f| f.stale).map(|f| f.key).collect();
    Ok(FlagsOverview { changed, stale })
}
