//! The incident list's filters.

use super::*;
use crate::error::AppError;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;

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
