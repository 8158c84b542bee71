//! An incident as one Markdown document.

use super::*;

/// The incident as one Markdown document: facts, timeline, and the post-mortem if there is one.
pub fn export_markdown(incident: &Incident, events: &[TimelineEvent], postmortem: Option<&Postmortem>) -> String {
    let mut out = format!("# Incident #{}: {}\n\n", incident.id, incident.title);
    let facts = [
        ("Severity", incident.severity.label()),
        ("Status", incident.status.label().to_owned()),
        ("Impact", incident.impact.label().to_owned()),
        ("Components", list_or_none(&incident.components)),
        ("Commander", person_label(&incident.commander)),
        ("Assignee", person_label(&incident.assignee)),
        ("Started", shown(incident.times.started_at)),
        ("Declared", shown(incident.times.declared_at)),
        ("First response", time_label(incident.times.acknowledged_at)),
        ("Mitigated", time_label(incident.times.mitigated_at)),
        ("Resolved", time_label(incident.times.resolved_at)),
        ("Response SLA", clock_summary(&incident.sla.response)),
        ("Resolution SLA", clock_summary(&incident.sla.resolution)),
    ];
    for (label, value) in facts {
        out.push_str(&format!("- **{label}:** {value}\n"));
    }
    out.push_str("\n## Timeline\n\n");
    for e in events {
        let visibility = if e.public { " (public)" } else { "" };
        out.push_str(&format!(
            "- {} — {}{visibility} — {}: {}\n",
            shown(e.occurred_at),
            e.kind.label(),
            e.author,
            e.body.replace('\n', "\n  ")
        ));
    }
    if let Some(pm) = postmortem {
        out.push_str(&format!("\n## Post-mortem ({})\n", pm.status.label()));
        for (key, heading) in PostmortemSections::HEADINGS {
            out.push_str(&format!("\n### {heading}\n\n{}\n", pm.sections.get(key).trim()));
        }
        if !pm.action_items.is_empty() {
            out.push_str("\n### Action items\n\n");
            for item in &pm.action_items {
                let done = if item.status == ActionStatus::Done { "x" } else { " " };
                let due = item.due_on.map(|d| format!(", due {d}")).unwrap_or_default();
                out.push_str(&format!(
                    "- [{done}] {} ({}, owner {}{due})\n",
                    item.title,
                    item.kind.label(),
                    person_label(&item.owner)
                ));
            }
        }
    }
    out
}

pub(super) fn clock_summary(clock: &Clock) -> String {
    format!("{} (target {} s, due {})", clock.state.label(), clock.target_s, shown(clock.due_at))
}
