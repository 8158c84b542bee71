//! Incidents: severities and their targets, the incident and its timeline, post-mortems, and the
//! SLA clock math that server and browser share (the browser re-evaluates clocks every second).

use crate::error::AppError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A closed set of values stored and sent as snake_case text, each with a label for people.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($variant:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $text)] $variant ),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
                let wanted = raw.trim().to_lowercase().replace([' ', '-'], "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    let choices: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    AppError::validation(field, format!("Unknown {} {raw:?}: choose {}.", $what, choices.join(", ")))
                })
            }

            /// A value the database's CHECK constraint allowed.
            pub fn from_stored(raw: &str) -> Self {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw).unwrap_or(Self::ALL[0])
            }
        }
    };
}

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

/// Sev1 (service down for everyone) to Sev4 (low). Sent as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Severity(u8);

impl Severity {
    pub const ALL: [Severity; 4] = [Severity(1), Severity(2), Severity(3), Severity(4)];

    pub fn new(field: &str, level: i64) -> Result<Self, AppError> {
        match level {
            1..=4 => Ok(Self(level as u8)),
            _ => Err(AppError::validation(field, format!("Severity {level} does not exist: use 1 (worst) to 4."))),
        }
    }

    /// `1`, `sev1`, `Sev-1`, `SEV 1`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let cleaned = raw.trim().to_lowercase();
        let digits = cleaned.trim_start_matches("sev").trim_start_matches(['-', ' ']);
        match digits.parse::<i64>() {
            Ok(level) => Self::new(field, level),
            Err(_) => Err(AppError::validation(field, format!("{raw:?} is not a severity: use 1 (worst) to 4."))),
        }
    }

    pub fn level(self) -> u8 {
        self.0
    }

    pub fn label(self) -> String {
        format!("Sev{}", self.0)
    }

    /// What an incident of this severity usually means for users, when the reporter does not say.
    pub fn default_impact(self) -> Impact {
        match self.0 {
            1 => Impact::Critical,
            2 => Impact::Major,
            _ => Impact::Minor,
        }
    }
}

impl TryFrom<i64> for Severity {
    type Error = String;
    fn try_from(level: i64) -> Result<Self, String> {
        Self::new("severity", level).map_err(|e| e.to_string())
    }
}

impl From<Severity> for i64 {
    fn from(s: Severity) -> i64 {
        i64::from(s.0)
    }
}

/// Response and resolution targets, and how often the public hears from us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    pub response_s: i64,
    pub resolution_s: i64,
    pub update_cadence_s: Option<i64>,
}

/// A severity as the support plan defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityPolicy {
    pub severity: Severity,
    pub name: String,
    pub description: String,
    pub examples: String,
    pub targets: Targets,
}

fn target(field: &str, raw: &str) -> Result<i64, AppError> {
    crate::duration::parse_duration(raw)
        .map(|d| d.as_secs() as i64)
        .map_err(|message| AppError::validation(field, message))
}

fn required_text(field: &str, raw: &str, what: &str, max: usize) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::validation(field, format!("Enter {what}.")));
    }
    optional_text(field, text, max)
}

fn optional_text(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars > max {
        return Err(AppError::validation(field, format!("Use at most {max} characters ({chars} given).")));
    }
    Ok(text.to_owned())
}

impl SeverityPolicy {
    /// Targets as durations (`15m`, `2h`, `3d`); an empty cadence means no public update cadence.
    pub fn parse(
        severity: Severity,
        name: &str,
        description: &str,
        examples: &str,
        response: &str,
        resolution: &str,
        cadence: &str,
    ) -> Result<Self, AppError> {
        let name = required_text("name", name, "a name", 60)?;
        let description = optional_text("description", description, 500)?;
        let examples = optional_text("examples", examples, 1000)?;
        let response_s = target("response", response)?;
        let resolution_s = target("resolution", resolution)?;
        if resolution_s < response_s {
            return Err(AppError::validation(
                "resolution",
                "The resolution target cannot be shorter than the response target.",
            ));
        }
        let update_cadence_s = match cadence.trim() {
            "" => None,
            raw => Some(target("cadence", raw)?),
        };
        Ok(Self {
            severity,
            name,
            description,
            examples,
            targets: Targets { response_s, resolution_s, update_cadence_s },
        })
    }
}

/// One SLA clock: started at the declaration, stopped by first response or resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub target_s: i64,
    pub due_at: DateTime<Utc>,
    pub state: ClockState,
    /// When the clock stopped; absent while it runs.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Seconds before the due time: left while running, the margin once met, negative when late.
    pub remaining_s: i64,
}

impl Clock {
    pub fn compute(start: DateTime<Utc>, target_s: i64, stopped_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        let due_at = start + Duration::seconds(target_s);
        let remaining_s = (due_at - stopped_at.unwrap_or(now)).num_seconds();
        let state = match stopped_at {
            Some(at) if at <= due_at => ClockState::Met,
            Some(_) => ClockState::Breached,
            None if now >= due_at => ClockState::Breached,
            // Less than a quarter of the target left.
            None if remaining_s * 4 < target_s => ClockState::AtRisk,
            None => ClockState::OnTrack,
        };
        Self { target_s, due_at, state, stopped_at, remaining_s }
    }

    /// The same clock read at `now`.
    pub fn at(&self, now: DateTime<Utc>) -> Self {
        Self::compute(self.due_at - Duration::seconds(self.target_s), self.target_s, self.stopped_at, now)
    }

    pub fn running(&self) -> bool {
        self.stopped_at.is_none()
    }
}

/// The three clocks of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    pub response: Clock,
    pub resolution: Clock,
    pub next_update_due_at: Option<DateTime<Utc>>,
}

impl Sla {
    /// Resolving counts as the first response when nobody acknowledged. The next public update
    /// is due a cadence after the last one (or after the declaration), until the incident is resolved.
    pub fn compute(
        declared_at: DateTime<Utc>,
        targets: &Targets,
        acknowledged_at: Option<DateTime<Utc>>,
        resolved_at: Option<DateTime<Utc>>,
        last_public_update_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let response = Clock::compute(declared_at, targets.response_s, acknowledged_at.or(resolved_at), now);
        let resolution = Clock::compute(declared_at, targets.resolution_s, resolved_at, now);
        let next_update_due_at = match (targets.update_cadence_s, resolved_at) {
            (Some(cadence), None) => {
                Some(last_public_update_at.unwrap_or(declared_at).max(declared_at) + Duration::seconds(cadence))
            }
            _ => None,
        };
        Self { response, resolution, next_update_due_at }
    }

    /// The clocks of an incident with these times and targets.
    pub fn of(
        times: &Timestamps,
        targets: &Targets,
        last_public_update_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        Self::compute(times.declared_at, targets, times.acknowledged_at, times.resolved_at, last_public_update_at, now)
    }

    pub fn at(&self, now: DateTime<Utc>) -> Self {
        Self {
            response: self.response.at(now),
            resolution: self.resolution.at(now),
            next_update_due_at: self.next_update_due_at,
        }
    }

    /// Seconds until the nearest running clock is due (negative once breached); `None` when both stopped.
    pub fn urgency_s(&self) -> Option<i64> {
        [&self.response, &self.resolution].into_iter().filter(|c| c.running()).map(|c| c.remaining_s).min()
    }

    pub fn breached(&self) -> bool {
        self.response.state == ClockState::Breached || self.resolution.state == ClockState::Breached
    }
}

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
const FUTURE_TOLERANCE: Duration = Duration::minutes(1);

fn shown(at: DateTime<Utc>) -> String {
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

/// Tells a JSON `null` (clear it) from an absent key (leave it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
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

fn optional_time(field: &str, raw: &Option<Option<String>>) -> Result<Option<Option<DateTime<Utc>>>, AppError> {
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

fn person_label(person: &Option<Person>) -> String {
    person.as_ref().map(|p| p.email.clone()).unwrap_or_else(|| "nobody".into())
}

fn time_label(at: Option<DateTime<Utc>>) -> String {
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

fn list_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
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

/// The list's filters as the page sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFilter {
    /// `open`, a status, or empty for all.
    pub status: String,
    pub severity: String,
    pub mine: bool,
    pub breached: bool,
    /// Declared on or after this day (`YYYY-MM-DD`).
    pub from: String,
    /// Declared on or before this day.
    pub to: String,
    /// Words in the title or a component name.
    pub q: String,
}

/// Validated list filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    status: Option<String>,
    severity: Option<Severity>,
    mine: bool,
    breached: bool,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    search: Option<String>,
}

impl ListQuery {
    pub fn open() -> Self {
        Self { status: Some("open".into()), ..Self::default() }
    }

    pub fn parse(filter: &IncidentFilter) -> Result<Self, AppError> {
        let status = match filter.status.trim() {
            "" => None,
            "open" => Some("open".to_owned()),
            raw => Some(Status::parse("status", raw)?.as_str().to_owned()),
        };
        let severity = match filter.severity.trim() {
            "" => None,
            raw => Some(Severity::parse("severity", raw)?),
        };
        let day = |field: &str, raw: &str| -> Result<Option<NaiveDate>, AppError> {
            match raw.trim() {
                "" => Ok(None),
                raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| AppError::validation(field, format!("{raw:?} is not a date like 2026-11-01."))),
            }
        };
        let from = day("from", &filter.from)?;
        let to = day("to", &filter.to)?;
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(AppError::validation("to", "The end of the range is before its start."));
            }
        }
        let search = Some(filter.q.trim())
            .filter(|q| !q.is_empty())
            // LIKE's own wildcards are searched for literally.
            .map(|q| q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        Ok(Self {
            status,
            severity,
            mine: filter.mine,
            breached: filter.breached,
            from: from.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc()),
            until: to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc()),
            search,
        })
    }

    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
    pub fn severity(&self) -> Option<i16> {
        self.severity.map(|s| i16::from(s.level()))
    }
    pub fn from(&self) -> Option<DateTime<Utc>> {
        self.from
    }
    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.until
    }
    pub fn search(&self) -> Option<&str> {
        self.search.as_deref()
    }

    /// The filters the database cannot apply: mine (commander or assignee) and breached (clock state).
    pub fn keep(&self, incident: &Incident, user_id: Option<i64>) -> bool {
        let mine = |p: &Option<Person>| p.as_ref().is_some_and(|p| Some(p.id) == user_id);
        (!self.mine || mine(&incident.commander) || mine(&incident.assignee))
            && (!self.breached || incident.sla.breached())
    }
}

/// The facts of one incident the KPIs are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentFacts {
    pub severity: Severity,
    pub times: Timestamps,
    pub targets: Targets,
}

/// Incident KPIs over the last `days` days (incidents declared in that period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub days: i64,
    pub total: usize,
    /// Count per severity, Sev1 first.
    pub by_severity: [usize; 4],
    /// Mean time to acknowledge: declaration → first response.
    pub mtta_s: Option<i64>,
    /// Mean time to resolve: start → resolution.
    pub mttr_s: Option<i64>,
    /// Share of decided response clocks that were met (running ones are not counted yet).
    pub response_compliance: Option<f64>,
    pub resolution_compliance: Option<f64>,
    /// Mean time between failures: the period's time outside incidents divided by their number.
    pub mtbf_s: Option<i64>,
}

fn mean(values: &[i64]) -> Option<i64> {
    (!values.is_empty()).then(|| values.iter().sum::<i64>() / values.len() as i64)
}

fn compliance(states: impl Iterator<Item = ClockState>) -> Option<f64> {
    let (met, decided) = states.fold((0u32, 0u32), |(met, decided), state| match state {
        ClockState::Met => (met + 1, decided + 1),
        ClockState::Breached => (met, decided + 1),
        _ => (met, decided),
    });
    (decided > 0).then(|| f64::from(met) * 100.0 / f64::from(decided))
}

impl Kpis {
    pub fn compute(days: i64, facts: &[IncidentFacts], now: DateTime<Utc>) -> Self {
        let period_start = now - Duration::days(days);
        let mut by_severity = [0usize; 4];
        for f in facts {
            by_severity[usize::from(f.severity.level() - 1)] += 1;
        }
        let slas: Vec<Sla> = facts.iter().map(|f| Sla::of(&f.times, &f.targets, None, now)).collect();
        let ack: Vec<i64> = facts
            .iter()
            .filter_map(|f| f.times.acknowledged_at.map(|at| (at - f.times.declared_at).num_seconds()))
            .collect();
        let resolve: Vec<i64> = facts
            .iter()
            .filter_map(|f| f.times.resolved_at.map(|at| (at - f.times.started_at).num_seconds()))
            .collect();
        let down_s: i64 = facts
            .iter()
            .map(|f| {
                let start = f.times.started_at.max(period_start);
                (f.times.resolved_at.unwrap_or(now) - start).num_seconds().max(0)
            })
            .sum();
        Self {
            days,
            total: facts.len(),
            by_severity,
            mtta_s: mean(&ack),
            mttr_s: mean(&resolve),
            response_compliance: compliance(slas.iter().map(|s| s.response.state)),
            resolution_compliance: compliance(slas.iter().map(|s| s.resolution.state)),
            mtbf_s: (!facts.is_empty()).then(|| ((days * 86_400 - down_s).max(0)) / facts.len() as i64),
        }
    }
}

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

fn clock_summary(clock: &Clock) -> String {
    format!("{} (target {} s, due {})", clock.state.label(), clock.target_s, shown(clock.due_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    const SEV1: Targets = Targets { response_s: 900, resolution_s: 7200, update_cadence_s: Some(1800) };
    const SEV2: Targets = Targets { response_s: 1800, resolution_s: 14_400, update_cadence_s: Some(1800) };

    fn incident(declared: DateTime<Utc>, now: DateTime<Utc>) -> Incident {
        let mut i = Incident {
            id: 1,
            title: "Checkout down".into(),
            severity: Severity::new("severity", 1).unwrap(),
            status: Status::Investigating,
            impact: Impact::Critical,
            components: vec![],
            commander: None,
            assignee: None,
            times: Timestamps {
                started_at: declared,
                declared_at: declared,
                acknowledged_at: None,
                mitigated_at: None,
                resolved_at: None,
            },
            targets: SEV1,
            last_public_update_at: None,
            created_by: "user:a@example.com".into(),
            sla: Sla::compute(declared, &SEV1, None, None, None, now),
        };
        i.refresh_sla(now);
        i
    }

    #[test]
    fn dues_are_declaration_plus_targets() {
        let sla = Sla::compute(at(10, 0), &SEV1, None, None, None, at(10, 1));
        assert_eq!(sla.response.due_at, at(10, 15));
        assert_eq!(sla.resolution.due_at, at(12, 0));
        assert_eq!(sla.next_update_due_at, Some(at(10, 30)));
        assert_eq!(sla.response.remaining_s, 14 * 60);
        assert_eq!(sla.response.state, ClockState::OnTrack);
    }

    #[test]
    fn clock_states_follow_the_remaining_quarter() {
        let c = |now| Clock::compute(at(10, 0), 900, None, now).state;
        assert_eq!(c(at(10, 11)), ClockState::OnTrack); // 4 of 15 min left: more than a quarter
        assert_eq!(c(at(10, 12)), ClockState::AtRisk); // 3 min left < 3.75
        assert_eq!(c(at(10, 15)), ClockState::Breached);
        let met = Clock::compute(at(10, 0), 900, Some(at(10, 5)), at(11, 0));
        assert_eq!((met.state, met.remaining_s), (ClockState::Met, 600));
        let late = Clock::compute(at(10, 0), 900, Some(at(10, 20)), at(11, 0));
        assert_eq!((late.state, late.remaining_s), (ClockState::Breached, -300));
        // Read later, a running clock moves on; a stopped one does not.
        assert_eq!(Clock::compute(at(10, 0), 900, None, at(10, 1)).at(at(10, 20)).state, ClockState::Breached);
        assert_eq!(met.at(at(23, 0)), met);
    }

    #[test]
    fn resolving_stops_an_unacknowledged_response_clock_and_the_update_cadence() {
        let sla = Sla::compute(at(10, 0), &SEV1, None, Some(at(10, 10)), None, at(11, 0));
        assert_eq!(sla.response.state, ClockState::Met);
        assert_eq!(sla.resolution.state, ClockState::Met);
        assert_eq!(sla.next_update_due_at, None);
        assert_eq!(sla.urgency_s(), None);
    }

    #[test]
    fn next_update_counts_from_the_last_public_update() {
        let sla = Sla::compute(at(10, 0), &SEV1, None, None, Some(at(10, 20)), at(10, 21));
        assert_eq!(sla.next_update_due_at, Some(at(10, 50)));
        let sev3 = Targets { response_s: 7200, resolution_s: 86_400, update_cadence_s: None };
        assert_eq!(Sla::compute(at(10, 0), &sev3, None, None, None, at(10, 1)).next_update_due_at, None);
    }

    #[test]
    fn severity_change_recomputes_dues_from_the_declaration_and_is_recorded() {
        let current = incident(at(10, 0), at(10, 5));
        let edit = Edit::parse(&IncidentPatch { severity: Some(2), ..Default::default() }).unwrap();
        let edited = edit.apply(&current, Some(SEV2), &[], at(10, 20)).unwrap();
        assert_eq!(edited.incident.sla.response.due_at, at(10, 30));
        assert_eq!(edited.incident.sla.resolution.due_at, at(14, 0));
        // At 10:20 the Sev1 clock was breached; under Sev2 it is 10 minutes from due.
        assert_eq!(edited.incident.sla.response.state, ClockState::OnTrack);
        assert!(edited.rearm_response && edited.rearm_resolution);
        assert_eq!(edited.events.len(), 1);
        assert_eq!(edited.events[0].kind, EventKind::Severity);
        assert!(edited.events[0].body.contains("Sev1 to Sev2"), "{}", edited.events[0].body);
    }

    #[test]
    fn declaration_across_a_dst_change_keeps_real_hours() {
        use chrono_tz::Europe::Madrid;
        // 2026-03-29 01:30 in Madrid (UTC+1); clocks jump 02:00 → 03:00.
        let declared = Madrid.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap().with_timezone(&Utc);
        let sla = Sla::compute(declared, &SEV2, None, None, None, declared);
        assert_eq!(sla.resolution.due_at - declared, Duration::hours(4));
        // Four real hours later the wall clock reads 06:30, not 05:30.
        assert_eq!(sla.resolution.due_at.with_timezone(&Madrid).format("%H:%M %Z").to_string(), "06:30 CEST");
        // Fall-back: 2026-10-25 01:30 (UTC+2) + 2 h resolution of Sev1 → 02:30 CET (the second 02:30).
        let autumn = Madrid.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap().with_timezone(&Utc);
        let due = Sla::compute(autumn, &SEV1, None, None, None, autumn).resolution.due_at;
        assert_eq!(due.with_timezone(&Madrid).format("%H:%M %Z").to_string(), "02:30 CET");
    }

    #[test]
    fn backfilled_start_moves_no_due_but_counts_in_mttr() {
        let mut current = incident(at(10, 0), at(10, 0));
        let edit =
            Edit::parse(&IncidentPatch { started_at: Some("2026-11-23T09:15:00Z".into()), ..Default::default() })
                .unwrap();
        let edited = edit.apply(&current, None, &[], at(10, 5)).unwrap();
        assert_eq!(edited.incident.times.started_at, at(9, 15));
        assert_eq!(edited.incident.sla.response.due_at, at(10, 15));
        current = edited.incident;
        current.times.resolved_at = Some(at(11, 15));
        let facts = IncidentFacts { severity: current.severity, times: current.times, targets: current.targets };
        assert_eq!(Kpis::compute(30, &[facts], at(12, 0)).mttr_s, Some(2 * 3600));
    }

    #[test]
    fn timestamps_out_of_order_name_the_wrong_field() {
        let ok = Timestamps {
            started_at: at(9, 0),
            declared_at: at(10, 0),
            acknowledged_at: Some(at(10, 5)),
            mitigated_at: Some(at(10, 30)),
            resolved_at: Some(at(11, 0)),
        };
        assert_eq!(ok.check(at(12, 0)), Ok(()));
        let field = |t: Timestamps| t.check(at(12, 0)).unwrap_err();
        assert!(field(Timestamps { started_at: at(10, 1), ..ok }).field_message("started_at").is_some());
        assert!(field(Timestamps { acknowledged_at: Some(at(9, 59)), ..ok })
            .field_message("acknowledged_at")
            .is_some());
        assert!(field(Timestamps { mitigated_at: Some(at(8, 0)), ..ok }).field_message("mitigated_at").is_some());
        let before_mitigation = field(Timestamps { resolved_at: Some(at(10, 20)), ..ok });
        assert!(before_mitigation.field_message("resolved_at").unwrap().contains("mitigation"));
        assert!(field(Timestamps { resolved_at: Some(at(13, 0)), ..ok })
            .field_message("resolved_at")
            .unwrap()
            .contains("future"));
    }

    #[test]
    fn resolve_then_reopen() {
        let current = incident(at(10, 0), at(10, 0));
        let resolve = Edit::parse(&IncidentPatch { status: Some("resolved".into()), ..Default::default() }).unwrap();
        let resolved = resolve.apply(&current, None, &[], at(10, 40)).unwrap().incident;
        assert_eq!(resolved.times.resolved_at, Some(at(10, 40)));
        assert_eq!(resolved.sla.resolution.state, ClockState::Met);
        let reopen =
            Edit::parse(&IncidentPatch { status: Some("investigating".into()), ..Default::default() }).unwrap();
        let reopened = reopen.apply(&resolved, None, &[], at(13, 0)).unwrap();
        assert_eq!(reopened.incident.times.resolved_at, None);
        assert!(reopened.events[0].body.starts_with("Reopened"));
        assert!(reopened.rearm_resolution);
        // The resolution clock runs again, and was due at 12:00.
        assert_eq!(reopened.incident.sla.resolution.state, ClockState::Breached);
    }

    #[test]
    fn acknowledge_stops_the_response_clock_once() {
        let current = incident(at(10, 0), at(10, 0));
        let acked = Edit::acknowledge().apply(&current, None, &[], at(10, 4)).unwrap().incident;
        assert_eq!(acked.sla.response.state, ClockState::Met);
        assert_eq!(acked.sla.response.remaining_s, 11 * 60);
        let again = Edit::acknowledge().apply(&acked, None, &[], at(10, 9));
        assert!(again.unwrap_err().field_message("body").is_some(), "a second acknowledgement changes nothing");
    }

    #[test]
    fn assignment_needs_a_known_user() {
        let current = incident(at(10, 0), at(10, 0));
        let edit = Edit::parse(&IncidentPatch { assignee_id: Some(Some(7)), ..Default::default() }).unwrap();
        assert!(edit.apply(&current, None, &[], at(10, 1)).unwrap_err().field_message("assignee_id").is_some());
        let ada = Person { id: 7, email: "ada@example.com".into() };
        let edited = edit.apply(&current, None, std::slice::from_ref(&ada), at(10, 1)).unwrap();
        assert_eq!(edited.incident.assignee, Some(ada));
        assert_eq!(edited.events[0].body, "Assignee: ada@example.com.");
    }

    #[test]
    fn patches_tell_null_from_absent_and_refuse_unknown_keys() {
        let patch: IncidentPatch = serde_json::from_str(r#"{"acknowledged_at": null}"#).unwrap();
        assert_eq!(patch.acknowledged_at, Some(None));
        let patch: IncidentPatch = serde_json::from_str(r#"{"status": "identified"}"#).unwrap();
        assert_eq!(patch.acknowledged_at, None);
        assert!(serde_json::from_str::<IncidentPatch>(r#"{"colour": "red"}"#).is_err());
        assert!(Edit::parse(&IncidentPatch::default()).is_err());
        // The console serialises patches: an absent key must stay absent on the way.
        let sent =
            serde_json::to_string(&IncidentPatch { status: Some("monitoring".into()), ..Default::default() }).unwrap();
        assert_eq!(sent, r#"{"status":"monitoring"}"#);
    }

    #[test]
    fn new_incidents_are_validated() {
        let now = at(10, 0);
        let draft = |title: &str, severity| IncidentDraft { title: title.into(), severity, ..Default::default() };
        assert!(NewIncident::parse(&draft("", Some(1)), now).unwrap_err().field_message("title").is_some());
        assert!(NewIncident::parse(&draft("Down", Some(5)), now).unwrap_err().field_message("severity").is_some());
        assert!(NewIncident::parse(&draft("Down", None), now).unwrap_err().field_message("severity").is_some());
        let ok = NewIncident::parse(&draft("Down", Some(2)), now).unwrap();
        assert_eq!((ok.status(), ok.impact()), (Status::Investigating, Impact::Major));
        let future = IncidentDraft { started_at: Some("2026-11-23T11:00:00Z".into()), ..draft("Down", Some(1)) };
        assert!(NewIncident::parse(&future, now).unwrap_err().field_message("started_at").is_some());
        assert_eq!(Severity::parse("s", "Sev-3").unwrap().level(), 3);
        let comps = Components::parse("c", &["api, web".into(), "API".into()]).unwrap();
        assert_eq!(comps.as_slice(), ["api", "web"]);
    }

    #[test]
    fn urgency_puts_breached_open_incidents_first() {
        let now = at(12, 0);
        let mut calm = incident(at(11, 55), now);
        calm.id = 1;
        let mut late = incident(at(10, 0), now);
        late.id = 2;
        let mut done = incident(at(11, 0), now);
        done.id = 3;
        done.status = Status::Resolved;
        done.times.resolved_at = Some(at(11, 30));
        done.refresh_sla(now);
        let mut list = vec![done, calm, late];
        sort_by_urgency(&mut list);
        assert_eq!(list.iter().map(|i| i.id).collect::<Vec<_>>(), [2, 1, 3]);
    }

    #[test]
    fn kpis_over_a_period() {
        let now = at(12, 0);
        let sev = |l| Severity::new("s", l).unwrap();
        let facts = [
            IncidentFacts {
                severity: sev(1),
                times: Timestamps {
                    started_at: at(8, 0),
                    declared_at: at(8, 0),
                    acknowledged_at: Some(at(8, 10)),
                    mitigated_at: None,
                    resolved_at: Some(at(9, 0)),
                },
                targets: SEV1,
            },
            IncidentFacts {
                severity: sev(2),
                times: Timestamps {
                    started_at: at(10, 0),
                    declared_at: at(10, 0),
                    acknowledged_at: Some(at(10, 40)),
                    mitigated_at: None,
                    resolved_at: None,
                },
                targets: SEV2,
            },
        ];
        let k = Kpis::compute(1, &facts, now);
        assert_eq!(k.by_severity, [1, 1, 0, 0]);
        assert_eq!(k.mtta_s, Some(25 * 60));
        assert_eq!(k.mttr_s, Some(3600));
        // Sev1 response met; Sev2 response (30 min) breached at 10:40.
        assert_eq!(k.response_compliance, Some(50.0));
        // Sev1 resolved in time; Sev2's resolution clock still runs: not counted.
        assert_eq!(k.resolution_compliance, Some(100.0));
        // 24 h minus 1 h and 2 h of incidents, over two incidents.
        assert_eq!(k.mtbf_s, Some((86_400 - 3 * 3600) / 2));
    }

    #[test]
    fn export_holds_facts_timeline_and_items() {
        let i = incident(at(10, 0), at(10, 0));
        let events = [TimelineEvent {
            id: 1,
            kind: EventKind::Update,
            body: "We are on it".into(),
            public: true,
            author: "user:s@example.com".into(),
            created_at: at(10, 1),
            occurred_at: at(10, 1),
        }];
        let md = export_markdown(&i, &events, None);
        assert!(md.starts_with("# Incident #1: Checkout down\n"));
        assert!(md.contains("- 2026-11-23 10:01:00 UTC — Public update (public) — user:s@example.com: We are on it"));
        let template = PostmortemSections::template(&i, &events);
        assert!(template.timeline.contains("We are on it"));
    }
}
