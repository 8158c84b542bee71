//! The status page's model: Statuspage's component statuses and page indicator, how a
//! component's status is derived from what drives it, the uptime bars, and the drafts the
//! console, the API and the CLI send.

mod bars;
mod drafts;
mod public;
mod subscribers;

pub use bars::{day_bars, day_start, seconds_between, uptime_of, DayBar, DayIncident, StatusSpan};
pub use drafts::{BrandingDraft, ComponentDraft, ComponentSpec, OverrideSpec, StatusBranding};
pub use public::{IncidentStatus, MaintenanceStatus, PublicIncident, PublicMaintenance, PublicUpdate};
pub use subscribers::{
    confirmation_message, parse_email, parse_webhook_url, SubscriberKind, SubscriberView, CONFIRMATION_VALID_H,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// A component's status, exactly Statuspage's.
    ComponentStatus("component status") {
        Operational = "operational" / "Operational",
        DegradedPerformance = "degraded_performance" / "Degraded performance",
        PartialOutage = "partial_outage" / "Partial outage",
        MajorOutage = "major_outage" / "Major outage",
        UnderMaintenance = "under_maintenance" / "Under maintenance",
    }
);

impl ComponentStatus {
    /// How bad it is for users, for "the worst of": maintenance is planned, so it ranks below
    /// any degradation.
    pub fn rank(self) -> u8 {
        match self {
            ComponentStatus::Operational => 0,
            ComponentStatus::UnderMaintenance => 1,
            ComponentStatus::DegradedPerformance => 2,
            ComponentStatus::PartialOutage => 3,
            ComponentStatus::MajorOutage => 4,
        }
    }

    pub fn worst(statuses: impl IntoIterator<Item = ComponentStatus>) -> ComponentStatus {
        statuses.into_iter().max_by_key(|s| s.rank()).unwrap_or(ComponentStatus::Operational)
    }

    /// The statuses a monitor rule may give (an outage of some size).
    pub fn is_outage(self) -> bool {
        matches!(self, Self::DegradedPerformance | Self::PartialOutage | Self::MajorOutage)
    }

    /// The part of a minute that counts as downtime: a major outage wholly, a partial one at
    /// 30 % (Statuspage's weighting); degraded performance and maintenance not at all.
    pub fn downtime_weight(self) -> f64 {
        match self {
            ComponentStatus::MajorOutage => 1.0,
            ComponentStatus::PartialOutage => 0.3,
            _ => 0.0,
        }
    }
}

crate::text_enum!(
    /// An incident's impact, Statuspage's words (and Pitwall's incidents').
    Impact("impact") {
        None = "none" / "None",
        Minor = "minor" / "Minor",
        Major = "major" / "Major",
        Critical = "critical" / "Critical",
    }
);

impl Impact {
    /// What an open incident of this impact makes of a component it names.
    pub fn component_status(self) -> ComponentStatus {
        match self {
            Impact::None => ComponentStatus::Operational,
            Impact::Minor => ComponentStatus::DegradedPerformance,
            Impact::Major => ComponentStatus::PartialOutage,
            Impact::Critical => ComponentStatus::MajorOutage,
        }
    }
}

crate::text_enum!(
    /// The page's overall indicator, Statuspage's.
    Indicator("indicator") {
        None = "none" / "All Systems Operational",
        Minor = "minor" / "Minor Service Outage",
        Major = "major" / "Partial System Outage",
        Critical = "critical" / "Major System Outage",
        Maintenance = "maintenance" / "Service Under Maintenance",
    }
);

impl Indicator {
    /// From the shown components' statuses and the open public incidents' impacts: the worst
    /// of both; maintenance only when nothing is worse.
    pub fn of(statuses: impl IntoIterator<Item = ComponentStatus>, impacts: impl IntoIterator<Item = Impact>) -> Self {
        let mut maintenance = false;
        let mut worst = 0u8;
        for status in statuses {
            match status {
                ComponentStatus::UnderMaintenance => maintenance = true,
                other => worst = worst.max(other.rank().saturating_sub(1)),
            }
        }
        for impact in impacts {
            worst = worst.max(match impact {
                Impact::None => 0,
                Impact::Minor => 1,
                Impact::Major => 2,
                Impact::Critical => 3,
            });
        }
        match worst {
            0 if maintenance => Indicator::Maintenance,
            0 => Indicator::None,
            1 => Indicator::Minor,
            2 => Indicator::Major,
            _ => Indicator::Critical,
        }
    }

    pub fn description(self) -> &'static str {
        self.label()
    }
}

/// The state of a monitor linked to a component, as the component's rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedMonitor {
    Down,
    Degraded,
    /// Up, pending or paused: nothing to report.
    Fine,
}

impl LinkedMonitor {
    pub fn from_state(stored: &str) -> Self {
        match stored {
            "down" => LinkedMonitor::Down,
            "degraded" => LinkedMonitor::Degraded,
            _ => LinkedMonitor::Fine,
        }
    }
}

/// A component's own rule: what its linked monitors' states become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorRule {
    pub down: ComponentStatus,
    pub degraded: ComponentStatus,
}

impl Default for MonitorRule {
    fn default() -> Self {
        Self { down: ComponentStatus::MajorOutage, degraded: ComponentStatus::DegradedPerformance }
    }
}

/// A manual status, until a time or until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub status: ComponentStatus,
    pub until: Option<DateTime<Utc>>,
}

impl Override {
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// Everything that drives one component's status right now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drivers {
    pub monitors: Vec<LinkedMonitor>,
    /// The impacts of the open incidents that name the component.
    pub incidents: Vec<Impact>,
    /// A maintenance window is in progress and covers the component.
    pub maintenance: bool,
    pub override_: Option<Override>,
}

/// A component's status: an override in force wins; then maintenance (monitors fail during it
/// by design, and the page says "maintenance", not "outage"); then the worst of what its linked
/// monitors (through its rule) and the open incidents naming it say.
pub fn derive(rule: MonitorRule, drivers: &Drivers, now: DateTime<Utc>) -> ComponentStatus {
    if let Some(manual) = drivers.override_.filter(|o| o.in_force(now)) {
        return manual.status;
    }
    if drivers.maintenance {
        return ComponentStatus::UnderMaintenance;
    }
    let from_monitors = drivers.monitors.iter().map(|m| match m {
        LinkedMonitor::Down => rule.down,
        LinkedMonitor::Degraded => rule.degraded,
        LinkedMonitor::Fine => ComponentStatus::Operational,
    });
    let from_incidents = drivers.incidents.iter().map(|i| i.component_status());
    ComponentStatus::worst(from_monitors.chain(from_incidents))
}

/// A group's status: the worst of its members' (Operational when it has none).
pub fn group_status(members: impl IntoIterator<Item = ComponentStatus>) -> ComponentStatus {
    ComponentStatus::worst(members)
}

/// A component as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub is_group: bool,
    pub group_id: Option<i64>,
    pub group: Option<String>,
    pub position: i32,
    pub only_show_if_degraded: bool,
    pub hidden: bool,
    pub covered_by_maintenance: bool,
    pub rule: MonitorRule,
    /// Linked monitors' names.
    pub monitors: Vec<String>,
    pub override_: Option<Override>,
    /// The status now (derived from its drivers).
    pub status: ComponentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests;
