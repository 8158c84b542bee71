//! Post-mortems: their sections, status and action items.

use super::*;
use crate::error::AppError;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;

/// The post-mortem's sections, as edited (Markdown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemSections {
    pub summary: String,
    pub impact: String,
    pub detection: String,
    pub root_cause: String,
    pub trigger: String,
    pub resolution: String,
    pub went_well: String,
    pub went_wrong: String,
    pub got_lucky: String,
    pub timeline: String,
}

impl PostmortemSections {
    /// Each section's key and heading, in the order the document reads.
    pub const HEADINGS: [(&'static str, &'static str); 10] = [
        ("summary", "Summary"),
        ("impact", "Impact"),
        ("detection", "Detection"),
        ("root_cause", "Root cause"),
        ("trigger", "Trigger"),
        ("resolution", "Resolution"),
        ("went_well", "What went well"),
        ("went_wrong", "What went wrong"),
        ("got_lucky", "Where we got lucky"),
        ("timeline", "Timeline"),
    ];

    pub fn get(&self, key: &str) -> &str {
        match key {
            "summary" => &self.summary,
            "impact" => &self.impact,
            "detection" => &self.detection,
            "root_cause" => &self.root_cause,
            "trigger" => &self.trigger,
            "resolution" => &self.resolution,
            "went_well" => &self.went_well,
            "went_wrong" => &self.went_wrong,
            "got_lucky" => &self.got_lucky,
            _ => &self.timeline,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> &mut String {
        match key {
            "summary" => &mut self.summary,
            "impact" => &mut self.impact,
            "detection" => &mut self.detection,
            "root_cause" => &mut self.root_cause,
            "trigger" => &mut self.trigger,
            "resolution" => &mut self.resolution,
            "went_well" => &mut self.went_well,
            "went_wrong" => &mut self.went_wrong,
            "got_lucky" => &mut self.got_lucky,
            _ => &mut self.timeline,
        }
    }

    /// The template: prompts in each section, the timeline pre-filled from the incident's events.
    pub fn template(incident: &Incident, events: &[TimelineEvent]) -> Self {
        let timeline = events
            .iter()
            .map(|e| format!("- **{}** — {}: {}", e.occurred_at.format("%Y-%m-%d %H:%M UTC"), e.kind.label(), e.body))
            .collect::<Vec<_>>()
            .join("\n");
        Self {
            summary: format!("What happened in {}, in two or three sentences.", incident.title),
            impact: format!(
                "Who was affected, how, and for how long ({} impact; components: {}).",
                incident.impact.label(),
                list_or_none(&incident.components)
            ),
            detection: "How we found out, and how long that took.".into(),
            root_cause: "The underlying cause (ask why until it is not a person).".into(),
            trigger: "The change or event that set it off.".into(),
            resolution: "What we did to stop the impact.".into(),
            went_well: "- ".into(),
            went_wrong: "- ".into(),
            got_lucky: "- ".into(),
            timeline,
        }
    }

    /// Keeps each section within 50,000 characters.
    pub fn parse(self) -> Result<Self, AppError> {
        for (key, _) in Self::HEADINGS {
            let chars = self.get(key).chars().count();
            if chars > 50_000 {
                return Err(AppError::validation(key, format!("Use at most 50000 characters ({chars} given).")));
            }
        }
        Ok(self)
    }
}

/// A post-mortem with its sections rendered to safe HTML (by the server) and its action items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Postmortem {
    pub incident_id: i64,
    pub status: PostmortemStatus,
    pub sections: PostmortemSections,
    /// Sanitised HTML of each section, in [`PostmortemSections::HEADINGS`] order.
    pub rendered: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub action_items: Vec<ActionItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: i64,
    pub incident_id: i64,
    pub incident_title: String,
    pub title: String,
    pub owner: Option<Person>,
    pub due_on: Option<NaiveDate>,
    pub kind: ActionKind,
    pub status: ActionStatus,
}

impl ActionItem {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == ActionStatus::Open && self.due_on.is_some_and(|due| due < today)
    }
}

/// A new action item, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActionItem {
    title: Title,
    owner_id: Option<i64>,
    due_on: Option<NaiveDate>,
    kind: ActionKind,
}

impl NewActionItem {
    pub fn parse(title: &str, owner_id: &str, due_on: &str, kind: &str) -> Result<Self, AppError> {
        let owner_id = match owner_id.trim() {
            "" => None,
            raw => Some(raw.parse().map_err(|_| AppError::validation("owner_id", "Choose an owner from the list."))?),
        };
        let due_on = match due_on.trim() {
            "" => None,
            raw => Some(
                NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("due_on", format!("{raw:?} is not a date like 2026-12-01.")))?,
            ),
        };
        Ok(Self { title: Title::parse("title", title)?, owner_id, due_on, kind: ActionKind::parse("kind", kind)? })
    }

    pub fn title(&self) -> &str {
        self.title.as_str()
    }
    pub fn owner_id(&self) -> Option<i64> {
        self.owner_id
    }
    pub fn due_on(&self) -> Option<NaiveDate> {
        self.due_on
    }
    pub fn kind(&self) -> ActionKind {
        self.kind
    }
}
