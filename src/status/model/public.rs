//! What the public may read of incidents and maintenance: only what was marked public.

use super::Impact;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// An incident's status as Statuspage says it (`postmortem` once its post-mortem is published).
    IncidentStatus("incident status") {
        Investigating = "investigating" / "Investigating",
        Identified = "identified" / "Identified",
        Monitoring = "monitoring" / "Monitoring",
        Resolved = "resolved" / "Resolved",
        Postmortem = "postmortem" / "Postmortem",
    }
);

crate::text_enum!(
    /// A scheduled maintenance's status, Statuspage's.
    MaintenanceStatus("maintenance status") {
        Scheduled = "scheduled" / "Scheduled",
        InProgress = "in_progress" / "In progress",
        Verifying = "verifying" / "Verifying",
        Completed = "completed" / "Completed",
    }
);

/// One public update of an incident (internal notes never get here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUpdate {
    pub id: i64,
    /// The incident's status when the update was written.
    pub status: IncidentStatus,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// When it is said to have happened (may be earlier than written).
    pub display_at: DateTime<Utc>,
}

/// An incident the public may see: one with at least one public update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicIncident {
    pub id: i64,
    pub name: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    /// The status page components it names (by id).
    pub component_ids: Vec<i64>,
    pub started_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub monitoring_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Newest first.
    pub updates: Vec<PublicUpdate>,
    /// The published post-mortem's summary (drafts are never read).
    pub postmortem_summary: Option<String>,
}

impl PublicIncident {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

impl PublicMaintenance {
    /// What was announced, oldest first: scheduled, then started and completed once they happened.
    pub fn steps(&self) -> Vec<(MaintenanceStatus, DateTime<Utc>)> {
        let mut steps = vec![(MaintenanceStatus::Scheduled, self.created_at)];
        steps.extend(self.started_at.map(|at| (MaintenanceStatus::InProgress, at)));
        steps.extend(self.completed_at.map(|at| (MaintenanceStatus::Completed, at)));
        steps
    }
}

/// A maintenance window as announced: reason as its name, message as its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicMaintenance {
    pub id: i64,
    pub name: String,
    pub message: String,
    pub status: MaintenanceStatus,
    pub scheduled_for: DateTime<Utc>,
    pub scheduled_until: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
