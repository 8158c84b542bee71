//! The incident as read and as declared: its facts, timestamps in order, and its timeline entries.

use super::*;
use crate::error::AppError;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;

/// A user named on an incident or action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub email: String,
}

/// An incident's timestamps, checked for order as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamps {
    pub started_at: DateTime<Utc>,
    pub declared_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Clocks of machines that report times may run a little ahead of ours.
pub(super) const FUTURE_TOLERANCE: Duration = Duration::minutes(1);

pub(super) fn shown(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

impl Timestamps {
    /// The first timestamp out of order, named by its field.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let fields = [
            ("started_at", Some(self.started_at)),
            ("acknowledged_at", self.acknowledged_at),
            ("mitigated_at", self.mitigated_at),
            ("resolved_at", self.resolved_at),
        ];
        for (field, at) in fields {
            if at.is_some_and(|at| at > now + FUTURE_TOLERANCE) {
                return Err(AppError::validation(field, "That time is in the future."));
            }
        }
        if self.started_at > self.declared_at {
            return Err(AppError::validation(
                "started_at",
                format!("The start must be at or before the declaration ({}).", shown(self.declared_at)),
            ));
        }
        if let Some(at) = self.acknowledged_at.filter(|at| *at < self.declared_at) {
            return Err(AppError::validation(
                "acknowledged_at",
                format!(
                    "The first response ({}) cannot be before the declaration ({}).",
                    shown(at),
                    shown(self.declared_at)
                ),
            ));
        }
        if let Some(at) = self.mitigated_at.filter(|at| *at < self.started_at) {
            return Err(AppError::validation(
                "mitigated_at",
                format!("Mitigation ({}) cannot be before the start ({}).", shown(at), shown(self.started_at)),
            ));
        }
        if let Some(at) = self.resolved_at {
            if at < self.started_at {
                return Err(AppError::validation(
                    "resolved_at",
                    format!("Resolution ({}) cannot be before the start ({}).", shown(at), shown(self.started_at)),
                ));
            }
            if let Some(mitigated) = self.mitigated_at.filter(|m| at < *m) {
                return Err(AppError::validation(
                    "resolved_at",
                    format!("Resolution ({}) cannot be before mitigation ({}).", shown(at), shown(mitigated)),
                ));
            }
        }
        Ok(())
    }
}

/// An incident as read, with its clocks as of the read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub impact: Impact,
    pub components: Vec<String>,
    pub commander: Option<Person>,
    pub assignee: Option<Person>,
    #[serde(flatten)]
    pub times: Timestamps,
    pub targets: Targets,
    pub last_public_update_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub sla: Sla,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }

    /// Recomputes the clocks from the stored facts.
    pub fn refresh_sla(&mut self, now: DateTime<Utc>) {
        self.sla = Sla::of(&self.times, &self.targets, self.last_public_update_at, now);
    }
}

/// Open incidents first, the one closest to (or furthest past) a due time at the top; then the
/// worst severity; resolved ones after, the latest first.
pub fn sort_by_urgency(list: &mut [Incident]) {
    list.sort_by(|a, b| {
        b.is_open()
            .cmp(&a.is_open())
            .then_with(|| match (a.sla.urgency_s(), b.sla.urgency_s()) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.severity.cmp(&b.severity))
            .then_with(|| b.times.resolved_at.cmp(&a.times.resolved_at))
            .then_with(|| b.id.cmp(&a.id))
    });
}

/// A title: one line, 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let title = required_text(field, raw, "a title", 200)?;
        if title.contains(['\n', '\r']) {
            return Err(AppError::validation(field, "Keep the title on one line."));
        }
        Ok(Self(title))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Affected component names: trimmed, de-duplicated, at most 20 of at most 60 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Components(Vec<String>);

impl Components {
    pub fn parse(field: &str, names: &[String]) -> Result<Self, AppError> {
        let mut list: Vec<String> = Vec::new();
        for name in names.iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
            if name.chars().count() > 60 {
                return Err(AppError::validation(field, format!("{name:?} is longer than 60 characters.")));
            }
            if !list.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                list.push(name.to_owned());
            }
        }
        if list.len() > 20 {
            return Err(AppError::validation(field, "Name at most 20 components."));
        }
        Ok(Self(list))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// `2026-11-23T10:00:00Z` (any RFC 3339 offset); empty is no time.
pub fn parse_time(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => DateTime::parse_from_rfc3339(raw)
            .map(|at| Some(at.with_timezone(&Utc)))
            .map_err(|_| AppError::validation(field, format!("{raw:?} is not a time like 2026-11-23T10:00:00Z."))),
    }
}

/// A new incident, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    title: Title,
    severity: Severity,
    status: Status,
    impact: Impact,
    components: Components,
    started_at: Option<DateTime<Utc>>,
    commander_id: Option<i64>,
    assignee_id: Option<i64>,
}

/// An incident as a form or API client sends it; everything but title and severity is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentDraft {
    #[serde(default)]
    pub title: String,
    pub severity: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub impact: Option<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub commander_id: Option<i64>,
    #[serde(default)]
    pub assignee_id: Option<i64>,
}

impl NewIncident {
    pub fn parse(draft: &IncidentDraft, now: DateTime<Utc>) -> Result<Self, AppError> {
        let title = Title::parse("title", &draft.title)?;
        let severity = match draft.severity {
            Some(level) => Severity::new("severity", level)?,
            None => return Err(AppError::validation("severity", "Choose a severity (1 worst to 4).")),
        };
        let status = match draft.status.as_deref() {
            Some(raw) if !raw.trim().is_empty() => Status::parse("status", raw)?,
            _ => Status::Investigating,
        };
        if status == Status::Resolved {
            return Err(AppError::validation("status", "Declare it open; resolve it afterwards."));
        }
        let impact = match draft.impact.as_deref() {
            Some(raw) if !raw.trim().is_empty() => Impact::parse("impact", raw)?,
            _ => severity.default_impact(),
        };
        let started_at = parse_time("started_at", draft.started_at.as_deref().unwrap_or_default())?;
        if let Some(at) = started_at {
            Timestamps {
                started_at: at,
                declared_at: now,
                acknowledged_at: None,
                mitigated_at: None,
                resolved_at: None,
            }
            .check(now)?;
        }
        Ok(Self {
            title,
            severity,
            status,
            impact,
            components: Components::parse("components", &draft.components)?,
            started_at,
            commander_id: draft.commander_id,
            assignee_id: draft.assignee_id,
        })
    }

    pub fn title(&self) -> &str {
        self.title.as_str()
    }
    pub fn severity(&self) -> Severity {
        self.severity
    }
    pub fn status(&self) -> Status {
        self.status
    }
    pub fn impact(&self) -> Impact {
        self.impact
    }
    pub fn components(&self) -> &[String] {
        self.components.as_slice()
    }
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }
    pub fn commander_id(&self) -> Option<i64> {
        self.commander_id
    }
    pub fn assignee_id(&self) -> Option<i64> {
        self.assignee_id
    }
}

/// An entry on the incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub id: i64,
    pub kind: EventKind,
    pub body: String,
    pub public: bool,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub occurred_at: DateTime<Utc>,
}

/// The text of a note or public update: 1–10,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBody(String);

impl EventBody {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        required_text(field, raw, "the text", 10_000).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
