//! Server fns of the status page's console: authorize → parse → store.

#[cfg(feature = "ssr")]
use super::model::{parse_webhook_url, ComponentSpec, OverrideSpec, StatusBranding};
use super::model::{BrandingDraft, ComponentDraft, ComponentView, Indicator, SubscriberView};
#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// `/status/settings`: the components in page order, the branding, and every monitor's name
/// (for linking).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusSettingsData {
    pub components: Vec<ComponentView>,
    pub branding: BrandingDraft,
    pub monitor_names: Vec<String>,
    /// Newest first.
    pub subscribers: Vec<SubscriberView>,
}

#[server(endpoint = "status/settings", input = Json)]
pub async fn status_settings() -> Result<StatusSettingsData, AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    let now = chrono::Utc::now();
    Ok(StatusSettingsData {
        components: super::store::components(&auth.pool, now).await?,
        branding: super::store::branding(&auth.pool).await?.1.to_draft(),
        monitor_names: super::store::monitor_names(&auth.pool).await?,
        subscribers: super::store::subscribers::list(&auth.pool).await?,
    })
}

/// Adds a component (`id` absent) or changes one.
#[server(endpoint = "status/components/save", input = Json)]
pub async fn save_component(id: Option<i64>, draft: ComponentDraft) -> Result<ComponentView, AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    let spec = ComponentSpec::parse(&draft)?;
    match id {
        Some(id) => super::store::update(&auth.pool, &auth.caller, id, &spec).await,
        None => super::store::create(&auth.pool, &auth.caller, &spec).await,
    }
}

#[server(endpoint = "status/components/move")]
pub async fn move_component(id: i64, up: bool) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    super::store::move_component(&auth.pool, &auth.caller, id, up).await
}

#[server(endpoint = "status/components/remove")]
pub async fn remove_component(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    super::store::remove(&auth.pool, &auth.caller, id).await
}

/// Sets a manual status for `for_` (`2h`; empty: until cleared), or `status = "clear"`.
#[server(endpoint = "status/components/override")]
pub async fn override_component(id: i64, status: String, for_: String) -> Result<ComponentView, AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    let spec = OverrideSpec::parse(&status, &for_, chrono::Utc::now())?;
    super::store::set_override(&auth.pool, &auth.caller, id, spec).await
}

#[server(endpoint = "status/branding/save", input = Json)]
pub async fn save_branding(draft: BrandingDraft) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    let branding = StatusBranding::parse(&draft)?;
    super::store::save_branding(&auth.pool, &auth.caller, &branding).await
}

/// The public page's indicator now, for the dashboard card.
#[server(endpoint = "status/indicator", input = Json)]
pub async fn page_indicator() -> Result<Indicator, AppError> {
    let live = crate::server::context::expect::<super::snapshot::LiveStatus>()?;
    guard::authorize(Permission::UseConsole).await?;
    live.current()
        .as_ref()
        .as_ref()
        .map(|snapshot| snapshot.facts.indicator)
        .ok_or_else(|| AppError::unavailable("The status page has not been read yet."))
}

#[server(endpoint = "status/subscribers/remove")]
pub async fn remove_subscriber(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    super::store::subscribers::remove(&auth.pool, &auth.caller, id).await
}

/// Adds a webhook subscriber; answers its signing secret, shown this once.
#[server(endpoint = "status/subscribers/webhook")]
pub async fn add_webhook_subscriber(url: String) -> Result<String, AppError> {
    let auth = guard::authorize(Permission::ManageStatusPage).await?;
    let url = parse_webhook_url("url", &url)?;
    super::store::subscribers::add_webhook(&auth.pool, &auth.caller, &url).await
}
