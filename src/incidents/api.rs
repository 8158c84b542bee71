//! Server fns of incidents: authorize → parse → store.

use super::model::{
    ActionItem, Incident, IncidentDraft, IncidentFilter, IncidentPatch, Kpis, Person, Postmortem, PostmortemSections,
    SeverityPolicy, TemplateDraft, TimelineEvent, UpdateTemplate,
};
#[cfg(feature = "ssr")]
use super::model::{Severity, TemplateSpec};
#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The list page: incidents most urgent first, and the server's clock (browsers correct theirs by it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentList {
    pub incidents: Vec<Incident>,
    pub server_now: DateTime<Utc>,
}

/// Everything the incident page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentDetail {
    pub incident: Incident,
    pub timeline: Vec<TimelineEvent>,
    pub postmortem: Option<Postmortem>,
    pub people: Vec<Person>,
    pub policies: Vec<SeverityPolicy>,
    pub server_now: DateTime<Utc>,
    /// The public update templates, to start an update from.
    pub templates: Vec<UpdateTemplate>,
    /// Where the public reads the status page (a template's `{status_page}`).
    pub status_page_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItemList {
    pub items: Vec<ActionItem>,
    pub today: NaiveDate,
}

#[server(endpoint = "incidents/list", input = Json)]
pub async fn list_incidents(filter: IncidentFilter) -> Result<IncidentList, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let query = super::model::ListQuery::parse(&filter)?;
    let now = Utc::now();
    let incidents = super::store::list(&auth.pool, &query, Some(auth.user.id), now).await?;
    Ok(IncidentList { incidents, server_now: now })
}

#[server(endpoint = "incidents/get")]
pub async fn get_incident(id: i64) -> Result<IncidentDetail, AppError> {
    let config = crate::server::context::expect::<std::sync::Arc<crate::server::config::Config>>()?;
    let auth = guard::authorize(Permission::UseConsole).await?;
    let pool = &auth.pool;
    let now = Utc::now();
    Ok(IncidentDetail {
        templates: super::store::templates(pool).await?,
        status_page_url: config.status_page_url(),
        incident: super::store::incident(pool, id, now).await?,
        timeline: super::store::timeline(pool, id).await?,
        postmortem: super::store::postmortem(pool, id).await?,
        people: super::store::people(pool).await?,
        policies: super::store::policies(pool).await?,
        server_now: now,
    })
}

#[server(endpoint = "incidents/declare", input = Json)]
pub async fn declare_incident(draft: IncidentDraft) -> Result<Incident, AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let now = Utc::now();
    let new = super::model::NewIncident::parse(&draft, now)?;
    super::store::declare(&auth.pool, &auth.caller, &new, now).await
}

#[server(endpoint = "incidents/edit", input = Json)]
pub async fn edit_incident(id: i64, patch: IncidentPatch) -> Result<Incident, AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let edit = super::model::Edit::parse(&patch)?;
    super::store::edit(&auth.pool, &auth.caller, id, &edit, Utc::now()).await
}

#[server(endpoint = "incidents/acknowledge")]
pub async fn acknowledge_incident(id: i64) -> Result<Incident, AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    super::store::edit(&auth.pool, &auth.caller, id, &super::model::Edit::acknowledge(), Utc::now()).await
}

/// `visibility`: `note` (internal) or `public` (a public update).
#[server(endpoint = "incidents/post")]
pub async fn post_incident_event(id: i64, body: String, visibility: String) -> Result<TimelineEvent, AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let body = super::model::EventBody::parse("body", &body)?;
    let public = match visibility.as_str() {
        "public" => true,
        "note" => false,
        _ => return Err(AppError::validation("visibility", "Choose an internal note or a public update.")),
    };
    super::store::add_event(&auth.pool, &auth.caller, id, &body, public).await
}

/// `occurred_at` is RFC 3339 (the page converts the viewer's local time before sending).
#[server(endpoint = "incidents/event_time")]
pub async fn set_event_time(event_id: i64, occurred_at: String) -> Result<TimelineEvent, AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let at = super::model::parse_time("occurred_at", &occurred_at)?
        .ok_or_else(|| AppError::validation("occurred_at", "Pick when it happened."))?;
    super::store::set_event_time(&auth.pool, &auth.caller, event_id, at, Utc::now()).await
}

#[server(endpoint = "incidents/severities")]
pub async fn severity_policies() -> Result<Vec<SeverityPolicy>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::policies(&auth.pool).await
}

#[server(endpoint = "incidents/templates", input = Json)]
pub async fn update_templates() -> Result<Vec<UpdateTemplate>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::templates(&auth.pool).await
}

/// Adds a public update template (`id` absent) or changes one; the owner keeps the set.
#[server(endpoint = "incidents/templates/save", input = Json)]
pub async fn save_update_template(id: Option<i64>, draft: TemplateDraft) -> Result<i64, AppError> {
    let auth = guard::authorize(Permission::DefineSeverities).await?;
    let spec = TemplateSpec::parse(&draft)?;
    super::store::save_template(&auth.pool, &auth.caller, id, &spec).await
}

#[server(endpoint = "incidents/templates/remove")]
pub async fn remove_update_template(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::DefineSeverities).await?;
    super::store::remove_template(&auth.pool, &auth.caller, id).await
}

#[server(endpoint = "incidents/severities/save")]
pub async fn save_severity(
    level: i64,
    name: String,
    description: String,
    examples: String,
    response: String,
    resolution: String,
    cadence: String,
) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::DefineSeverities).await?;
    let severity = Severity::new("level", level)?;
    let policy = SeverityPolicy::parse(severity, &name, &description, &examples, &response, &resolution, &cadence)?;
    super::store::save_policy(&auth.pool, &auth.caller, &policy).await
}

#[server(endpoint = "incidents/postmortem/start")]
pub async fn start_postmortem(id: i64) -> Result<Postmortem, AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    super::store::start_postmortem(&auth.pool, &auth.caller, id, Utc::now()).await
}

#[server(endpoint = "incidents/postmortem/save", input = Json)]
pub async fn save_postmortem(id: i64, sections: PostmortemSections) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let sections = sections.parse()?;
    super::store::save_postmortem(&auth.pool, &auth.caller, id, &sections).await
}

#[server(endpoint = "incidents/postmortem/status")]
pub async fn set_postmortem_status(id: i64, status: String) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let status = super::model::PostmortemStatus::parse("status", &status)?;
    super::store::set_postmortem_status(&auth.pool, &auth.caller, id, status).await
}

#[server(endpoint = "incidents/action_items/add")]
pub async fn add_action_item(
    id: i64,
    title: String,
    owner_id: String,
    due_on: String,
    kind: String,
) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let item = super::model::NewActionItem::parse(&title, &owner_id, &due_on, &kind)?;
    super::store::add_action_item(&auth.pool, &auth.caller, id, &item).await.map(|_| ())
}

#[server(endpoint = "incidents/action_items/status")]
pub async fn set_action_item_status(item_id: i64, status: String) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageIncidents).await?;
    let status = super::model::ActionStatus::parse("status", &status)?;
    super::store::set_action_item_status(&auth.pool, &auth.caller, item_id, status).await
}

/// Open action items of every incident, due first.
#[server(endpoint = "incidents/action_items")]
pub async fn open_action_items() -> Result<ActionItemList, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let items = super::store::action_items(&auth.pool, None, true).await?;
    Ok(ActionItemList { items, today: Utc::now().date_naive() })
}

/// KPIs over the last 30 and 90 days.
#[server(endpoint = "incidents/metrics")]
pub async fn incident_metrics() -> Result<Vec<Kpis>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let now = Utc::now();
    let facts = super::store::facts_since(&auth.pool, now - chrono::Duration::days(90)).await?;
    Ok([30, 90]
        .into_iter()
        .map(|days| {
            let since = now - chrono::Duration::days(days);
            let period: Vec<_> = facts.iter().copied().filter(|f| f.times.declared_at >= since).collect();
            Kpis::compute(days, &period, now)
        })
        .collect())
}

/// The incident, its timeline and post-mortem as one Markdown document.
#[server(endpoint = "incidents/export")]
pub async fn export_incident(id: i64) -> Result<String, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::export(&auth.pool, id, Utc::now()).await
}
