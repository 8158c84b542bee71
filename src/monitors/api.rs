//! Server fns of the monitors: authorize → parse → store (or check, for "Check now").

#[cfg(feature = "ssr")]
use super::check::{self, HttpClients};
#[cfg(feature = "ssr")]
use super::model::{parse_cache_name, CacheRules, MonitorKind, MonitorSpec, NewChannel, SmtpSettings};
use super::model::{
    CacheEvent, CacheRulesDraft, CacheView, ChannelDraft, ChannelView, ChartSummary, CheckResult, ConditionOutcome,
    DayUptime, DeliveryView, MonitorDraft, MonitorEvent, MonitorView, Outcome, ServiceHealth, ServiceSummary,
    SmtpDraft, SmtpView,
};
#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
#[cfg(feature = "ssr")]
use crate::auth::tokens;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// A monitor's page: the monitor, its latest results and its state changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorPageData {
    pub monitor: MonitorView,
    pub results: Vec<CheckResult>,
    pub events: Vec<MonitorEvent>,
    /// The definition to edit from (header values included), for those who may edit.
    pub draft: Option<MonitorDraft>,
    /// Every alert channel's name, for the form's routing (empty for those who may not edit).
    pub channel_names: Vec<String>,
    /// The last 24 hours in numbers, beside the chart.
    pub summary_24h: ChartSummary,
    /// The last 30 days, oldest first: the uptime bars' table.
    pub days: Vec<DayUptime>,
    /// Each health-document service over the last 24 hours (empty: the target reports none).
    pub services_24h: Vec<ServiceSummary>,
}

/// What "Check now" found, before anything is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckPreview {
    pub outcome: Outcome,
    pub message: String,
    pub response_ms: Option<u32>,
    pub conditions: Vec<ConditionOutcome>,
    pub services: Vec<ServiceHealth>,
}

#[server(endpoint = "monitors/list", input = Json)]
pub async fn list_monitors() -> Result<Vec<MonitorView>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    super::store::list(&auth.pool).await
}

#[server(endpoint = "monitors/detail", input = Json)]
pub async fn monitor_detail(id: i64) -> Result<MonitorPageData, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let monitor = super::store::get(&auth.pool, id).await?;
    let (draft, channel_names) = match auth.user.role.can(Permission::ManageMonitors) {
        true => (
            Some(super::store::spec(&auth.pool, id).await?.to_draft()),
            super::store::alerts::channels(&auth.pool).await?.into_iter().map(|c| c.name).collect(),
        ),
        false => (None, Vec::new()),
    };
    use super::store::rollups::{self, BucketSize};
    let now = chrono::Utc::now();
    let minutes = rollups::series(&auth.pool, id, BucketSize::Minute, now - chrono::Duration::hours(24)).await?;
    let days = rollups::series(&auth.pool, id, BucketSize::Day, now - chrono::Duration::days(30)).await?;
    let services =
        rollups::service_series(&auth.pool, id, BucketSize::Minute, now - chrono::Duration::hours(24)).await?;
    Ok(MonitorPageData {
        monitor,
        results: super::store::results(&auth.pool, id, 50).await?,
        events: super::store::events(&auth.pool, id, 50).await?,
        draft,
        channel_names,
        summary_24h: super::charts::summarise(&minutes),
        services_24h: super::charts::summarise_services(&services),
        days: days
            .iter()
            .map(|d| DayUptime {
                day: d.at.date_naive(),
                checks: d.checks,
                uptime: d.uptime(),
                down: d.down,
                in_maintenance: d.in_maintenance,
            })
            .collect(),
    })
}

/// Adds a monitor (`id` none) or replaces one's definition.
#[server(endpoint = "monitors/save", input = Json)]
pub async fn save_monitor(id: Option<i64>, draft: MonitorDraft) -> Result<MonitorView, AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    let spec = MonitorSpec::parse(&draft)?;
    match id {
        Some(id) => super::store::update(&auth.pool, &auth.caller, id, &spec).await,
        None => {
            let push_key = (spec.kind == MonitorKind::Push).then(tokens::random_hex);
            super::store::create(&auth.pool, &auth.caller, &spec, push_key.as_deref()).await
        }
    }
}

/// Runs the check a draft describes, once, without saving it.
#[server(endpoint = "monitors/check-now", input = Json)]
pub async fn check_now(draft: MonitorDraft) -> Result<CheckPreview, AppError> {
    let supervisor = crate::server::context::expect::<crate::server::jobs::Supervisor>()?;
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    let spec = MonitorSpec::parse(&draft)?;
    if spec.kind == MonitorKind::Push {
        return Err(AppError::validation("kind", "A push monitor is not checked: its job reports to Pitwall."));
    }
    let verdict = check::run_here(&spec, &HttpClients::new(), &auth.pool, &supervisor).await;
    Ok(CheckPreview {
        outcome: verdict.outcome,
        message: verdict.message,
        response_ms: verdict.response_ms,
        conditions: verdict.conditions,
        services: verdict.services,
    })
}

#[server(endpoint = "monitors/pause", input = Json)]
pub async fn pause_monitor(id: i64, paused: bool) -> Result<MonitorView, AppError> {
    let auth = guard::authorize(Permission::PauseMonitors).await?;
    super::store::set_paused(&auth.pool, &auth.caller, id, paused).await
}

#[server(endpoint = "monitors/delete", input = Json)]
pub async fn delete_monitor(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    super::store::delete(&auth.pool, &auth.caller, id).await
}

/// `/settings/alerts`: the channels, the SMTP server and the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsPageData {
    pub channels: Vec<ChannelView>,
    pub smtp: Option<SmtpView>,
    pub deliveries: Vec<DeliveryView>,
}

#[server(endpoint = "alerts/settings", input = Json)]
pub async fn alert_settings() -> Result<AlertsPageData, AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    Ok(AlertsPageData {
        channels: super::store::alerts::channels(&auth.pool).await?,
        smtp: super::store::alerts::smtp(&auth.pool).await?,
        deliveries: super::store::alerts::deliveries(&auth.pool, 50).await?,
    })
}

/// Every channel's name, for a monitor's own routing.
#[server(endpoint = "alerts/channel-names", input = Json)]
pub async fn channel_names() -> Result<Vec<String>, AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    Ok(super::store::alerts::channels(&auth.pool).await?.into_iter().map(|c| c.name).collect())
}

/// The names of the channels whose deliveries keep failing, for the dashboard.
#[server(endpoint = "alerts/failing", input = Json)]
pub async fn failing_channels() -> Result<Vec<String>, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    let channels = super::store::alerts::channels(&auth.pool).await?;
    Ok(channels.into_iter().filter(|c| c.failing_since.is_some()).map(|c| c.name).collect())
}

#[server(endpoint = "alerts/add-channel", input = Json)]
pub async fn add_channel(draft: ChannelDraft) -> Result<ChannelView, AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    let new = NewChannel::parse(&draft)?;
    super::store::alerts::create_channel(&auth.pool, &auth.caller, &new).await
}

#[server(endpoint = "alerts/remove-channel", input = Json)]
pub async fn remove_channel(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    super::store::alerts::delete_channel(&auth.pool, &auth.caller, id).await
}

/// Queues a test message to a channel; the delivery log shows how it went.
#[server(endpoint = "alerts/test", input = Json)]
pub async fn send_test_alert(id: i64) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    let (_, name) = super::store::alerts::find_channel(&auth.pool, &id.to_string()).await?;
    let message = super::alerts::test_message(&name, chrono::Utc::now());
    super::store::alerts::enqueue_test(&auth.pool, &auth.caller, id, &message).await
}

#[server(endpoint = "alerts/smtp", input = Json)]
pub async fn save_smtp(draft: SmtpDraft) -> Result<SmtpView, AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    let settings = SmtpSettings::parse(&draft)?;
    super::store::alerts::save_smtp(&auth.pool, &auth.caller, &settings).await
}

/// `/caches`: every cache with its current window and rules, and the rules' latest events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachesPageData {
    pub caches: Vec<CacheView>,
    pub events: Vec<CacheEvent>,
}

#[server(endpoint = "caches/list", input = Json)]
pub async fn caches_page() -> Result<CachesPageData, AppError> {
    let auth = guard::authorize(Permission::UseConsole).await?;
    Ok(CachesPageData {
        caches: super::store::caches::list(&auth.pool).await?,
        events: super::store::caches::events(&auth.pool, 50).await?,
    })
}

#[server(endpoint = "caches/rules", input = Json)]
pub async fn save_cache_rules(name: String, draft: CacheRulesDraft) -> Result<(), AppError> {
    let auth = guard::authorize(Permission::ManageMonitors).await?;
    let name = parse_cache_name("name", &name)?;
    let rules = CacheRules::parse(&draft)?;
    super::store::caches::save_rules(&auth.pool, &auth.caller, &name, &rules).await
}
