//! Who changed what: the audit trail's types.

use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client_ip: Option<String>,
}

pub const AUDIT_PAGE_SIZE: i64 = 50;
/// The last page anyone can ask for (five million entries deep): keeps `page × size` an offset
/// Postgres takes, never an overflow.
pub const AUDIT_MAX_PAGE: i64 = 100_000;

/// A validated audit query: optional actor and entity filters, a date range (inclusive days, UTC) and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    actor: Option<String>,
    entity_type: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    page: i64,
}

impl AuditQuery {
    pub fn parse(actor: &str, entity_type: &str, from: &str, to: &str, page: i64) -> Result<Self, AppError> {
        let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let day = |field: &str, raw: &str| -> Result<Option<NaiveDate>, AppError> {
            match raw.trim() {
                "" => Ok(None),
                s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| AppError::validation(field, "Use a date like 2026-11-23.")),
            }
        };
        let from_day = day("from", from)?;
        let to_day = day("to", to)?;
        if let (Some(f), Some(t)) = (from_day, to_day) {
            if f > t {
                return Err(AppError::validation("to", "The end date is before the start date."));
            }
        }
        if !(0..=AUDIT_MAX_PAGE).contains(&page) {
            return Err(AppError::validation("page", format!("Use a page from 0 to {AUDIT_MAX_PAGE}.")));
        }
        Ok(Self {
            actor: non_empty(actor),
            entity_type: non_empty(entity_type),
            from: from_day.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc()),
            until: to_day.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc()),
            page,
        })
    }

    pub fn actor(&self) -> Option<&str> {
        self.actor.as_deref()
    }

    pub fn entity_type(&self) -> Option<&str> {
        self.entity_type.as_deref()
    }

    /// Inclusive lower bound.
    pub fn from(&self) -> Option<DateTime<Utc>> {
        self.from
    }

    /// Exclusive upper bound: midnight after the last day asked for.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.until
    }

    pub fn page(&self) -> i64 {
        self.page
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub page: i64,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_range_is_inclusive_of_the_last_day() {
        let q = AuditQuery::parse("", " ", "2026-11-01", "2026-11-01", 0).unwrap();
        assert_eq!(q.from().unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(q.until().unwrap().to_rfc3339(), "2026-11-02T00:00:00+00:00");
        assert_eq!(q.actor(), None);
        assert_eq!(q.entity_type(), None);
    }

    #[test]
    fn bad_ranges_are_refused_at_their_field() {
        assert!(AuditQuery::parse("", "", "yesterday", "", 0).unwrap_err().field_message("from").is_some());
        assert!(AuditQuery::parse("", "", "2026-11-02", "2026-11-01", 0).unwrap_err().field_message("to").is_some());
        assert!(AuditQuery::parse("", "", "", "", -1).is_err());
    }
}
