//! All SQL of incidents: severities, incidents and their timeline, breaches, post-mortems and
//! action items. Every change writes its timeline entry and audit row in its own transaction.

use super::markdown;
use super::model::{
    ActionItem, ActionKind, ActionStatus, ClockState, Edit, EventBody, EventKind, Impact, Incident, IncidentFacts,
    ListQuery, NewActionItem, NewIncident, Person, Postmortem, PostmortemSections, PostmortemStatus, Severity,
    SeverityPolicy, Sla, Status, Targets, TemplateSpec, TimelineEvent, Timestamps, UpdateTemplate,
};
use crate::error::AppError;
use crate::server::audit_trail::Caller;
use crate::server::audit_trail::{record, Change};
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

/// The incident as Markdown: facts, timeline, post-mortem.
pub async fn export(pool: &PgPool, id: i64, now: DateTime<Utc>) -> Result<String, AppError> {
    let incident = incident(pool, id, now).await?;
    let events = timeline(pool, id).await?;
    let postmortem = postmortem(pool, id).await?;
    Ok(super::model::export_markdown(&incident, &events, postmortem.as_ref()))
}

mod incidents;
mod postmortems;
mod severities;
mod templates;

pub use incidents::*;
pub use postmortems::*;
pub use severities::*;
pub use templates::*;
