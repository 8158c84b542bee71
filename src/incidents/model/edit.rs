//! Editing an incident: a partial patch, validated into an edit that says what it changes.

use super::*;
use crate::error::AppError;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use serde::Deserialize;
use serde::Deserializer;
use serde::Serialize;

/// Tells a JSON `null` (clear it) from an absent key (leave it).
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A partial edit as the API or a console form sends it. Absent keys are left alone; `null`
/// clears a time or an assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub commander_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub mitigated_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Option<String>>,
    /// `true`: the first response is now (if none was recorded).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub acknowledge: bool,
}

/// A validated edit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    title: Option<Title>,
    severity: Option<Severity>,
    status: Option<Status>,
    impact: Option<Impact>,
    components: Option<Components>,
    commander_id: Option<Option<i64>>,
    assignee_id: Option<Option<i64>>,
    started_at: Option<DateTime<Utc>>,
    acknowledged_at: Option<Option<DateTime<Utc>>>,
    mitigated_at: Option<Option<DateTime<Utc>>>,
    resolved_at: Option<Option<DateTime<Utc>>>,
    acknowledge: bool,
}

pub(super) fn optional_time(
    field: &str,
    raw: &Option<Option<String>>,
) -> Result<Option<Option<DateTime<Utc>>>, AppError> {
    match raw {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(raw)) => parse_time(field, raw).map(Some),
    }
}

/// What an edit changes, for the timeline and the audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub kind: EventKind,
    pub body: String,
}

/// An incident after an edit: its new facts and what to write on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub incident: Incident,
    pub events: Vec<EventDraft>,
    /// The response / resolution clock changed (re-graded, reopened, un-acknowledged): a breach
    /// may be recorded again against the new clock.
    pub rearm_response: bool,
    pub rearm_resolution: bool,
}

pub(super) fn person_label(person: &Option<Person>) -> String {
    person.as_ref().map(|p| p.email.clone()).unwrap_or_else(|| "nobody".into())
}

pub(super) fn time_label(at: Option<DateTime<Utc>>) -> String {
    at.map(shown).unwrap_or_else(|| "none".into())
}

impl Edit {
    pub fn parse(patch: &IncidentPatch) -> Result<Self, AppError> {
        let edit = Self {
            title: patch.title.as_deref().map(|t| Title::parse("title", t)).transpose()?,
            severity: patch.severity.map(|s| Severity::new("severity", s)).transpose()?,
            status: patch.status.as_deref().map(|s| Status::parse("status", s)).transpose()?,
            impact: patch.impact.as_deref().map(|s| Impact::parse("impact", s)).transpose()?,
            components: patch.components.as_deref().map(|c| Components::parse("components", c)).transpose()?,
            commander_id: patch.commander_id,
            assignee_id: patch.assignee_id,
            started_at: match patch.started_at.as_deref() {
                Some(raw) => Some(
                    parse_time("started_at", raw)?
                        .ok_or_else(|| AppError::validation("started_at", "An incident always has a start time."))?,
                ),
                None => None,
            },
            acknowledged_at: optional_time("acknowledged_at", &patch.acknowledged_at)?,
            mitigated_at: optional_time("mitigated_at", &patch.mitigated_at)?,
            resolved_at: optional_time("resolved_at", &patch.resolved_at)?,
            acknowledge: patch.acknowledge,
        };
        if edit == Self::default() {
            return Err(AppError::validation("body", "Nothing to change: send at least one field."));
        }
        Ok(edit)
    }

    pub fn acknowledge() -> Self {
        Self { acknowledge: true, ..Self::default() }
    }

    pub fn severity(&self) -> Option<Severity> {
        self.severity
    }

    /// The users the edit names, for the store to look up.
    pub fn named_users(&self) -> Vec<i64> {
        [self.commander_id, self.assignee_id].into_iter().flatten().flatten().collect()
    }

    /// Applies the edit to `current`. `targets` are the new severity's (when it changes) and
    /// `people` resolves the users it names. Status moves set the matching time when none is
    /// given: resolving sets `resolved_at`, monitoring sets `mitigated_at`, reopening clears `resolved_at`.
    pub fn apply(
        &self,
        current: &Incident,
        targets: Option<Targets>,
        people: &[Person],
        now: DateTime<Utc>,
    ) -> Result<Edited, AppError> {
        let mut next = current.clone();
        let mut events = Vec::new();
        let mut event = |kind, body: String| events.push(EventDraft { kind, body });
        let person = |field: &str, id: Option<i64>| -> Result<Option<Person>, AppError> {
            id.map(|id| {
                people
                    .iter()
                    .find(|p| p.id == id)
                    .cloned()
                    .ok_or_else(|| AppError::validation(field, format!("There is no active user #{id}.")))
            })
            .transpose()
        };

        if let Some(title) = self.title.as_ref().filter(|t| t.as_str() != current.title) {
            event(EventKind::Edit, format!("Title changed from {:?} to {:?}.", current.title, title.as_str()));
            next.title = title.as_str().to_owned();
        }
        if let Some(severity) = self.severity.filter(|s| *s != current.severity) {
            let targets = targets.ok_or(AppError::Internal)?;
            event(
                EventKind::Severity,
                format!(
                    "Severity changed from {} to {}: response due {}, resolution due {}.",
                    current.severity.label(),
                    severity.label(),
                    shown(current.times.declared_at + Duration::seconds(targets.response_s)),
                    shown(current.times.declared_at + Duration::seconds(targets.resolution_s)),
                ),
            );
            next.severity = severity;
            next.targets = targets;
        }
        if let Some(impact) = self.impact.filter(|i| *i != current.impact) {
            event(EventKind::Edit, format!("Impact changed from {} to {}.", current.impact.label(), impact.label()));
            next.impact = impact;
        }
        if let Some(components) = self.components.as_ref().filter(|c| c.as_slice() != current.components) {
            event(EventKind::Edit, format!("Affected components: {}.", list_or_none(components.as_slice())));
            next.components = components.as_slice().to_vec();
        }
        if let Some(id) = self.commander_id.filter(|id| *id != current.commander.as_ref().map(|p| p.id)) {
            next.commander = person("commander_id", id)?;
            event(EventKind::Assignment, format!("Commander: {}.", person_label(&next.commander)));
        }
        if let Some(id) = self.assignee_id.filter(|id| *id != current.assignee.as_ref().map(|p| p.id)) {
            next.assignee = person("assignee_id", id)?;
            event(EventKind::Assignment, format!("Assignee: {}.", person_label(&next.assignee)));
        }

        let times = &mut next.times;
        if let Some(at) = self.started_at.filter(|at| *at != current.times.started_at) {
            event(EventKind::Edit, format!("Start time set to {}.", shown(at)));
            times.started_at = at;
        }
        if self.acknowledge && times.acknowledged_at.is_none() && self.acknowledged_at.is_none() {
            times.acknowledged_at = Some(now);
            event(EventKind::Acknowledged, "Acknowledged: first response.".into());
        }
        for (field, wanted, slot) in [
            ("First response", self.acknowledged_at, &mut times.acknowledged_at),
            ("Mitigated at", self.mitigated_at, &mut times.mitigated_at),
        ] {
            if let Some(at) = wanted.filter(|at| *at != *slot) {
                event(EventKind::Edit, format!("{field}: {}.", time_label(at)));
                *slot = at;
            }
        }
        let mut status = self.status.unwrap_or(current.status);
        match self.resolved_at {
            Some(Some(at)) => {
                status = Status::Resolved;
                times.resolved_at = Some(at);
            }
            Some(None) if status == Status::Resolved => {
                return Err(AppError::validation("resolved_at", "A resolved incident needs its resolution time."));
            }
            Some(None) => times.resolved_at = None,
            None => {}
        }
        if status != current.status {
            match status {
                Status::Resolved => {
                    times.resolved_at.get_or_insert(now);
                }
                Status::Monitoring => {
                    times.mitigated_at.get_or_insert(now);
                }
                _ => {}
            }
            if current.status == Status::Resolved {
                times.resolved_at = None;
                event(EventKind::Status, format!("Reopened: {}.", status.label()));
            } else {
                event(
                    EventKind::Status,
                    format!("Status changed from {} to {}.", current.status.label(), status.label()),
                );
            }
            next.status = status;
        } else if times.resolved_at != current.times.resolved_at {
            event(EventKind::Edit, format!("Resolved at: {}.", time_label(times.resolved_at)));
        }
        next.times.check(now)?;
        next.refresh_sla(now);
        if events.is_empty() {
            return Err(AppError::validation("body", "Nothing changed: the incident already says that."));
        }
        Ok(Edited {
            rearm_response: next.targets != current.targets
                || (current.times.acknowledged_at.is_some() && next.times.acknowledged_at.is_none()),
            rearm_resolution: next.targets != current.targets
                || (current.times.resolved_at.is_some() && next.times.resolved_at.is_none()),
            incident: next,
            events,
        })
    }
}

pub(super) fn list_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}
