//! Incidents: severities and their targets, the incident and its timeline, post-mortems, and the
//! SLA clock math that server and browser share (the browser re-evaluates clocks every second).

use crate::text_enum;

text_enum!(Status("status") {
    Investigating = "investigating" / "Investigating",
    Identified = "identified" / "Identified",
    Monitoring = "monitoring" / "Monitoring",
    Resolved = "resolved" / "Resolved",
});

text_enum!(Impact("impact") {
    None = "none" / "None",
    Minor = "minor" / "Minor",
    Major = "major" / "Major",
    Critical = "critical" / "Critical",
});

text_enum!(
    /// What a timeline entry records.
    EventKind("event kind") {
        Declared = "declared" / "Declared",
        Status = "status" / "Status",
        Severity = "severity" / "Severity",
        Assignment = "assignment" / "Assignment",
        Edit = "edit" / "Edit",
        Acknowledged = "acknowledged" / "Acknowledged",
        Note = "note" / "Internal note",
        Update = "update" / "Public update",
        Breach = "breach" / "SLA breach",
        Postmortem = "postmortem" / "Post-mortem",
    }
);

text_enum!(PostmortemStatus("post-mortem status") {
    Draft = "draft" / "Draft",
    InReview = "in_review" / "In review",
    Published = "published" / "Published",
});

text_enum!(ActionKind("action item type") {
    Mitigate = "mitigate" / "Mitigate",
    Prevent = "prevent" / "Prevent",
    Process = "process" / "Process",
});

text_enum!(ActionStatus("action item status") {
    Open = "open" / "Open",
    Done = "done" / "Done",
});

text_enum!(ClockState("clock state") {
    OnTrack = "on_track" / "On track",
    AtRisk = "at_risk" / "At risk",
    Breached = "breached" / "Breached",
    Met = "met" / "Met",
});

mod edit;
mod export;
mod incident;
mod kpis;
mod list;
mod postmortem;
mod severity;
mod sla;
mod templates;

pub use edit::*;
pub use export::*;
pub use incident::*;
pub use kpis::*;
pub use list::*;
pub use postmortem::*;
pub use severity::*;
pub use sla::*;
pub use templates::*;

#[cfg(test)]
mod tests;
