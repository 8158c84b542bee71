//! The incident pages: the list, one incident's live page, its post-mortem, action items, KPIs
//! and the severity definitions. Everyone reads; support and owner get the controls.

use super::api::*;
use super::components::{SeverityBadge, SlaClocks, StatusBadge};
use super::model::{
    ActionStatus, Impact, Incident, IncidentDraft, IncidentFilter, IncidentPatch, Kpis, Person, Postmortem,
    PostmortemSections, PostmortemStatus, Severity, SeverityPolicy, Status, TemplateDraft, TemplateFacts,
    TimelineEvent, UpdateTemplate, PLACEHOLDERS,
};
use crate::auth::access::can;
use crate::auth::model::Permission;
use crate::error::AppError;
use crate::ui::{
    field_message, human_duration, last_error, local_input_to_rfc3339, percent_encode, reload_on_success, title_text,
    to_local_input, use_ticking_clock, ErrorPanel, FieldError, FormError, FormField, PageHeader, Timestamp,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

fn can_manage() -> bool {
    can(Permission::ManageIncidents)
}

#[component]
fn IncidentsNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Incidents">
            <a href="/incidents">"All incidents"</a>
            <a href="/incidents/action-items">"Action items"</a>
            <a href="/incidents/metrics">"Metrics"</a>
            <a href="/incidents/severities">"Severities & SLAs"</a>
        </nav>
    }
}

mod action_items;
mod incident;
mod list;
mod metrics;
mod postmortem;
mod severities;
mod templates;

pub use action_items::*;
pub use incident::*;
pub use list::*;
pub use metrics::*;
pub use postmortem::*;
pub use severities::*;
