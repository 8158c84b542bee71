//! Communication templates for public updates: a body with placeholders, for one status and
//! optionally one severity. Filled in the browser with the incident's facts, then edited.

use super::{Severity, Status};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["{title}", "{components}", "{started_at}", "{severity}", "{status_page}"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateTemplate {
    pub id: i64,
    pub name: String,
    pub status: Status,
    /// `None`: for every severity.
    pub severity: Option<Severity>,
    pub body: String,
}

/// What a template is filled with.
pub struct TemplateFacts<'a> {
    pub title: &'a str,
    pub components: &'a [String],
    pub started_at: DateTime<Utc>,
    pub severity: Severity,
    pub status_page: &'a str,
}

impl UpdateTemplate {
    pub fn applies_to(&self, severity: Severity) -> bool {
        self.severity.is_none_or(|s| s == severity)
    }

    pub fn fill(&self, facts: &TemplateFacts) -> String {
        let components =
            if facts.components.is_empty() { "our service".to_owned() } else { facts.components.join(", ") };
        self.body
            .replace("{title}", facts.title)
            .replace("{components}", &components)
            .replace("{started_at}", &facts.started_at.format("%Y-%m-%d %H:%M UTC").to_string())
            .replace("{severity}", &facts.severity.label())
            .replace("{status_page}", facts.status_page)
    }
}

/// A template as the owner's form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateDraft {
    pub name: String,
    pub status: String,
    /// `1`–`4`, or empty for every severity.
    pub severity: String,
    pub body: String,
}

/// A valid template (no id yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpec {
    pub name: String,
    pub status: Status,
    pub severity: Option<Severity>,
    pub body: String,
}

impl TemplateSpec {
    pub fn parse(draft: &TemplateDraft) -> Result<Self, AppError> {
        let name = draft.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(AppError::validation("name", "Name the template in 1 to 80 characters."));
        }
        let status = Status::parse("status", &draft.status)?;
        let severity = match draft.severity.trim() {
            "" | "any" => None,
            raw => {
                let level = raw.trim_start_matches(['S', 's', 'e', 'v', 'V']).parse::<i64>().map_err(|_| {
                    AppError::validation("severity", "Choose a severity from 1 to 4, or every severity.")
                })?;
                Some(Severity::new("severity", level)?)
            }
        };
        let body = draft.body.trim();
        if body.is_empty() || body.chars().count() > 5000 {
            return Err(AppError::validation("body", "Write the update, up to 5000 characters."));
        }
        // A misspelt placeholder would reach the public as typed.
        let mut rest = body;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map(|c| open + c + 1).unwrap_or(rest.len());
            let placeholder = &rest[open..close];
            if !PLACEHOLDERS.contains(&placeholder) {
                return Err(AppError::validation(
                    "body",
                    format!("Unknown placeholder {placeholder}: use {}.", PLACEHOLDERS.join(", ")),
                ));
            }
            rest = &rest[close..];
        }
        Ok(Self { name: name.to_owned(), status, severity, body: body.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_template_is_filled_with_the_incidents_facts() {
        let sev1 = Severity::new("s", 1).unwrap();
        let template = UpdateTemplate {
            id: 1,
            name: "x".into(),
            status: Status::Investigating,
            severity: Some(sev1),
            body: "{title}: {components} down since {started_at} ({severity}). See {status_page}.".into(),
        };
        let facts = TemplateFacts {
            title: "Checkout errors",
            components: &["API".into(), "Checkout".into()],
            started_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap(),
            severity: sev1,
            status_page: "https://status.example.com/status",
        };
        assert_eq!(
            template.fill(&facts),
            "Checkout errors: API, Checkout down since 2026-12-01 09:30 UTC (Sev1). See https://status.example.com/status."
        );
        assert!(template.applies_to(sev1));
        assert!(!template.applies_to(Severity::new("s", 2).unwrap()));
    }

    #[test]
    fn drafts_are_refused_at_their_field() {
        let draft = |body: &str, severity: &str| TemplateDraft {
            name: "Outage".into(),
            status: "identified".into(),
            severity: severity.into(),
            body: body.into(),
        };
        let spec = TemplateSpec::parse(&draft("Fixing {components}.", "2")).unwrap();
        assert_eq!(spec.severity.map(|s| s.level()), Some(2));
        assert_eq!(TemplateSpec::parse(&draft("Fixing.", "")).unwrap().severity, None);
        let refused =
            |d: TemplateDraft, field: &str| TemplateSpec::parse(&d).unwrap_err().field_message(field).unwrap();
        assert!(refused(draft("Fixing {component}.", ""), "body").starts_with("Unknown placeholder {component}"));
        assert!(refused(draft("  ", ""), "body").starts_with("Write the update"));
        assert!(refused(draft("ok", "7"), "severity").contains("1"));
        let mut bad_status = draft("ok", "");
        bad_status.status = "panicking".into();
        assert!(refused(bad_status, "status").contains("Unknown status"));
    }
}
