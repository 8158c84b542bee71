//! Server fns of maintenance: authorize → parse → store.

#[cfg(feature = "ssr")]
use super::model::parse_network;
#[cfg(feature = "ssr")]
use super::model::parse_required_length;
#[cfg(feature = "ssr")]
use super::model::AllowedNetwork;
#[cfg(feature = "ssr")]
use super::model::ExcludedPaths;
#[cfg(feature = "ssr")]
use super::model::NewWindow;
#[cfg(feature = "ssr")]
use super::model::SiteSettings;
#[cfg(feature = "ssr")]
use super::model::Start;
use super::model::{AccessView, NowAndNext, Overview, RecurrenceView, WindowView};
#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
#[cfg(feature = "ssr")]
use crate::auth::tokens;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "maintenance/now")]
pub async fn maintenance_now() -> Result<NowAndNext, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::now_and_next(&auth.pool).await
}

#[server(endpoint = "maintenance/overview")]
pub async fn maintenance_overview() -> Result<Overview, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::overview(&auth.pool, Utc::now()).await
}

#[server(endpoint = "maintenance/start")]
pub async fn start_maintenance(reason: String, message: String, duration: String) -> Result<WindowView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let new = NewWindow::parse(&reason, &message, Start::Now, &duration, Utc::now())?;
    super::store::start_now(&auth.pool, &auth.caller, &new).await
}

/// `starts_at` is RFC 3339 (the page converts the viewer's local time before sending).
#[server(endpoint = "maintenance/schedule")]
pub async fn schedule_maintenance(
    reason: String,
    message: String,
    starts_at: String,
    duration: String,
) -> Result<WindowView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let at = DateTime::parse_from_rfc3339(starts_at.trim())
        .map_err(|_| AppError::validation("starts_at", "Pick the date and time it starts."))?;
    let new = NewWindow::parse(&reason, &message, Start::At(at.with_timezone(&Utc)), &duration, Utc::now())?;
    super::store::schedule(&auth.pool, &auth.caller, &new).await
}

#[server(endpoint = "maintenance/end")]
pub async fn end_maintenance(id: i64) -> Result<WindowView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    super::store::end(&auth.pool, &auth.caller, id).await
}

#[server(endpoint = "maintenance/cancel")]
pub async fn cancel_maintenance(id: i64) -> Result<WindowView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    super::store::cancel(&auth.pool, &auth.caller, id).await
}

#[server(endpoint = "maintenance/extend")]
pub async fn extend_maintenance(id: i64, by: String) -> Result<WindowView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let by = parse_required_length("by", &by)?;
    super::store::extend(&auth.pool, &auth.caller, id, by).await
}

/// A recurring window as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RecurrenceForm {
    pub reason: String,
    pub message: String,
    pub weekdays: Vec<String>,
    pub time: String,
    pub timezone: String,
    pub duration: String,
    pub active_from: String,
    pub active_until: String,
}

impl RecurrenceForm {
    pub fn rule(&self) -> Result<super::recurrence::RecurrenceRule, AppError> {
        super::recurrence::RecurrenceRule::parse(
            &self.weekdays,
            &self.time,
            &self.timezone,
            &self.duration,
            &self.active_from,
            &self.active_until,
        )
    }
}

#[server(endpoint = "maintenance/recurring", input = Json)]
pub async fn create_recurrence(form: RecurrenceForm) -> Result<RecurrenceView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let now = Utc::now();
    let texts = NewWindow::parse(&form.reason, &form.message, Start::Now, "", now)?;
    let rule = form.rule()?;
    super::store::create_recurrence(&auth.pool, &auth.caller, texts.reason(), texts.message(), &rule, now).await
}

/// The next occurrences of a rule not yet saved, for the form's preview.
#[server(endpoint = "maintenance/preview", input = Json)]
pub async fn preview_recurrence(form: RecurrenceForm) -> Result<Vec<DateTime<Utc>>, AppError> {
    guard::authorize(Permission::UseConsole).await?;
    Ok(form.rule()?.preview(Utc::now()))
}

#[server(endpoint = "maintenance/recurrence/stop")]
pub async fn stop_recurrence(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    super::store::stop_recurrence(&auth.pool, &auth.caller, id).await
}

#[server(endpoint = "maintenance/access")]
pub async fn maintenance_access() -> Result<AccessView, AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    super::store::access(&auth.pool).await
}

#[server(endpoint = "maintenance/allow/add")]
pub async fn allow_network(network: String, label: String) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let entry = AllowedNetwork::parse(&network, &label)?;
    super::store::allow(&auth.pool, &auth.caller, &entry).await.map(|_| ())
}

#[server(endpoint = "maintenance/allow/remove")]
pub async fn disallow_network(network: String) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let network = parse_network("network", &network)?;
    super::store::disallow(&auth.pool, &auth.caller, network).await
}

#[server(endpoint = "maintenance/paths")]
pub async fn set_excluded_paths(paths: String) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let paths = ExcludedPaths::parse("paths", &paths)?;
    super::store::set_excluded_paths(&auth.pool, &auth.caller, &paths).await
}

#[server(endpoint = "maintenance/site")]
pub async fn set_site(
    site_name: String,
    site_url: String,
    status_url: String,
    support_contact: String,
) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    let site = SiteSettings::parse(&site_name, &site_url, &status_url, &support_contact)?;
    super::store::set_site(&auth.pool, &auth.caller, &site).await
}

#[server(endpoint = "maintenance/rotate")]
pub async fn rotate_bypass_key() -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMaintenance).await?;
    super::store::rotate_bypass_key(&auth.pool, &auth.caller, &tokens::random_hex()).await
}
