//! Atlassian Statuspage's public API (v2), field for field, so existing clients and widgets
//! read Pitwall: `summary.json`, `status.json`, `components.json`, `incidents*.json` and
//! `scheduled-maintenances*.json`. Ids are strings, as Statuspage's are.

use super::model::{ComponentView, Indicator, MaintenanceStatus, PublicIncident, PublicMaintenance};
use super::snapshot::PageFacts;
use serde_json::{json, Value};

/// How many incidents and maintenances the full lists hold (Statuspage: the last 50).
const LIST_LIMIT: usize = 50;

fn page(facts: &PageFacts) -> Value {
    json!({
        "id": facts.page_id,
        "name": facts.branding.page_name,
        "url": facts.page_url,
        "time_zone": facts.branding.time_zone,
        "updated_at": facts.updated_at,
    })
}

fn status(indicator: Indicator) -> Value {
    json!({"indicator": indicator.as_str(), "description": indicator.description()})
}

/// The components the API lists: all but hidden ones (clients apply `only_show_if_degraded`
/// themselves, as Statuspage's do).
fn listed(components: &[ComponentView]) -> impl Iterator<Item = &ComponentView> {
    components.iter().filter(|c| !c.hidden)
}

fn component(facts: &PageFacts, c: &ComponentView) -> Value {
    let mut value = json!({
        "id": c.id.to_string(),
        "name": c.name,
        "status": c.status.as_str(),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "position": c.position,
        "description": Some(c.description.as_str()).filter(|d| !d.is_empty()),
        "showcase": !c.is_group,
        "start_date": c.created_at.date_naive().to_string(),
        "group_id": c.group_id.map(|g| g.to_string()),
        "page_id": facts.page_id,
        "group": c.is_group,
        "only_show_if_degraded": c.only_show_if_degraded,
    });
    if c.is_group {
        let members: Vec<String> =
            listed(&facts.components).filter(|m| m.group_id == Some(c.id)).map(|m| m.id.to_string()).collect();
        value["components"] = json!(members);
    }
    value
}

fn components(facts: &PageFacts) -> Vec<Value> {
    listed(&facts.components).map(|c| component(facts, c)).collect()
}

fn shortlink(facts: &PageFacts, path: &str) -> String {
    format!("{}{path}", facts.base_url)
}

fn incident(facts: &PageFacts, i: &PublicIncident) -> Value {
    let affected: Vec<Value> = i
        .component_ids
        .iter()
        .filter_map(|id| facts.components.iter().find(|c| c.id == *id && !c.hidden))
        .map(|c| component(facts, c))
        .collect();
    let updates: Vec<Value> = i
        .updates
        .iter()
        .map(|u| {
            json!({
                "id": u.id.to_string(),
                "status": u.status.as_str(),
                "body": u.body,
                "incident_id": i.id.to_string(),
                "created_at": u.created_at,
                "updated_at": u.created_at,
                "display_at": u.display_at,
                "affected_components": null,
                "deliver_notifications": true,
            })
        })
        .collect();
    json!({
        "id": i.id.to_string(),
        "name": i.name,
        "status": i.status.as_str(),
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "monitoring_at": i.monitoring_at,
        "resolved_at": i.resolved_at,
        "impact": i.impact.as_str(),
        "shortlink": shortlink(facts, &format!("/status/incidents/{}", i.id)),
        "started_at": i.started_at,
        "page_id": facts.page_id,
        "incident_updates": updates,
        "components": affected,
    })
}

fn maintenance(facts: &PageFacts, m: &PublicMaintenance) -> Value {
    // The announcement and each step it took, newest first, as Statuspage's updates.
    let steps = m.steps();
    let updates: Vec<Value> = steps
        .iter()
        .rev()
        .enumerate()
        .map(|(n, (step, at))| {
            json!({
                "id": format!("m{}-{}", m.id, steps.len() - n),
                "status": step.as_str(),
                "body": maintenance_body(m, *step),
                "incident_id": format!("m{}", m.id),
                "created_at": at,
                "updated_at": at,
                "display_at": at,
                "affected_components": null,
                "deliver_notifications": true,
            })
        })
        .collect();
    let covered: Vec<Value> = facts
        .components
        .iter()
        .filter(|c| c.covered_by_maintenance && !c.hidden && !c.is_group)
        .map(|c| component(facts, c))
        .collect();
    json!({
        "id": format!("m{}", m.id),
        "name": m.name,
        "status": m.status.as_str(),
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "monitoring_at": null,
        "resolved_at": m.completed_at,
        "impact": "maintenance",
        "shortlink": shortlink(facts, "/status"),
        "started_at": m.started_at.unwrap_or(m.scheduled_for),
        "page_id": facts.page_id,
        "incident_updates": updates,
        "components": covered,
        "scheduled_for": m.scheduled_for,
        "scheduled_until": m.scheduled_until,
    })
}

/// What an announcement of each step says.
pub fn maintenance_body(m: &PublicMaintenance, step: MaintenanceStatus) -> String {
    match step {
        MaintenanceStatus::Scheduled if m.message.trim().is_empty() => "Maintenance is scheduled.".into(),
        MaintenanceStatus::Scheduled => m.message.clone(),
        MaintenanceStatus::InProgress => "Maintenance is in progress.".into(),
        MaintenanceStatus::Verifying => "The work is being verified.".into(),
        MaintenanceStatus::Completed => "Maintenance is complete.".into(),
    }
}

/// Every endpoint's body, by path under `/api/v2/`.
pub fn documents(facts: &PageFacts) -> Vec<(&'static str, Value)> {
    let page = page(facts);
    let status = status(facts.indicator);
    let components = components(facts);
    let all_incidents: Vec<Value> = facts.incidents.iter().take(LIST_LIMIT).map(|i| incident(facts, i)).collect();
    let unresolved: Vec<Value> = facts.incidents.iter().filter(|i| i.is_open()).map(|i| incident(facts, i)).collect();
    let maintenances = |keep: &dyn Fn(&PublicMaintenance) -> bool| -> Vec<Value> {
        facts.maintenances.iter().filter(|m| keep(m)).take(LIST_LIMIT).map(|m| maintenance(facts, m)).collect()
    };
    let upcoming = maintenances(&|m| m.status == MaintenanceStatus::Scheduled);
    let active = maintenances(&|m| matches!(m.status, MaintenanceStatus::InProgress | MaintenanceStatus::Verifying));
    let mut upcoming_and_active = active.clone();
    upcoming_and_active.extend(upcoming.iter().cloned());
    vec![
        (
            "summary.json",
            json!({
                "page": page, "components": components, "incidents": unresolved,
                "scheduled_maintenances": upcoming_and_active, "status": status,
            }),
        ),
        ("status.json", json!({"page": page, "status": status})),
        ("components.json", json!({"page": page, "components": components})),
        ("incidents.json", json!({"page": page, "incidents": all_incidents})),
        ("incidents/unresolved.json", json!({"page": page, "incidents": unresolved})),
        ("scheduled-maintenances.json", json!({"page": page, "scheduled_maintenances": maintenances(&|_| true)})),
        ("scheduled-maintenances/upcoming.json", json!({"page": page, "scheduled_maintenances": upcoming})),
        ("scheduled-maintenances/active.json", json!({"page": page, "scheduled_maintenances": active})),
    ]
}
