//! What the console's forms, the API and the CLI send, and the validated specs made of it.

use super::{ComponentStatus, MonitorRule, Override};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A component (or group) as a form, API client or the CLI sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComponentDraft {
    pub name: String,
    pub description: String,
    /// The group's name; empty: none.
    pub group: String,
    pub is_group: bool,
    /// Names of the monitors that drive it.
    pub monitors: Vec<String>,
    /// What a down monitor makes of it (default `major_outage`).
    pub down_status: String,
    /// What a degraded monitor makes of it (default `degraded_performance`).
    pub degraded_status: String,
    pub only_show_if_degraded: bool,
    pub hidden: bool,
    /// Absent: covered (maintenance in Pitwall is site-wide).
    pub covered_by_maintenance: Option<bool>,
}

/// A valid component definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSpec {
    pub name: String,
    pub description: String,
    pub group: Option<String>,
    pub is_group: bool,
    pub monitors: Vec<String>,
    pub rule: MonitorRule,
    pub only_show_if_degraded: bool,
    pub hidden: bool,
    pub covered_by_maintenance: bool,
}

fn outage_status(field: &str, raw: &str, default: ComponentStatus) -> Result<ComponentStatus, AppError> {
    if raw.trim().is_empty() {
        return Ok(default);
    }
    let status = ComponentStatus::parse(field, raw)?;
    if !status.is_outage() {
        return Err(AppError::validation(
            field,
            "A monitor rule gives degraded_performance, partial_outage or major_outage.",
        ));
    }
    Ok(status)
}

impl ComponentSpec {
    pub fn parse(draft: &ComponentDraft) -> Result<Self, AppError> {
        let name = draft.name.trim();
        if name.is_empty() {
            return Err(AppError::validation("name", "Give the component a name."));
        }
        if name.chars().count() > 60 {
            return Err(AppError::validation("name", "Keep the name to 60 characters."));
        }
        let description = draft.description.trim();
        if description.chars().count() > 500 {
            return Err(AppError::validation("description", "Keep the description to 500 characters."));
        }
        let group = Some(draft.group.trim()).filter(|g| !g.is_empty()).map(str::to_owned);
        if draft.is_group && group.is_some() {
            return Err(AppError::validation("group", "A group cannot belong to another group."));
        }
        if group.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(name)) {
            return Err(AppError::validation("group", "A component cannot be its own group."));
        }
        let mut monitors: Vec<String> = Vec::new();
        for monitor in draft.monitors.iter().flat_map(|m| m.split(',')).map(str::trim).filter(|m| !m.is_empty()) {
            if !monitors.iter().any(|m| m.eq_ignore_ascii_case(monitor)) {
                monitors.push(monitor.to_owned());
            }
        }
        if draft.is_group && !monitors.is_empty() {
            return Err(AppError::validation(
                "monitors",
                "A group's status comes from its components: link the monitors to them.",
            ));
        }
        let rule = MonitorRule {
            down: outage_status("down_status", &draft.down_status, ComponentStatus::MajorOutage)?,
            degraded: outage_status("degraded_status", &draft.degraded_status, ComponentStatus::DegradedPerformance)?,
        };
        Ok(Self {
            name: name.to_owned(),
            description: description.to_owned(),
            group,
            is_group: draft.is_group,
            monitors,
            rule,
            only_show_if_degraded: draft.only_show_if_degraded,
            hidden: draft.hidden,
            covered_by_maintenance: draft.covered_by_maintenance.unwrap_or(true),
        })
    }
}

/// A manual status: `status` for `duration` (`2h`; empty: until cleared), or `clear`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideSpec {
    Set(Override),
    Clear,
}

impl OverrideSpec {
    pub fn parse(status: &str, duration: &str, now: DateTime<Utc>) -> Result<Self, AppError> {
        if status.trim().eq_ignore_ascii_case("clear") || status.trim().eq_ignore_ascii_case("auto") {
            return Ok(OverrideSpec::Clear);
        }
        let status = ComponentStatus::parse("status", status)?;
        let until = match duration.trim() {
            "" => None,
            raw => {
                let span = crate::duration::parse_duration(raw).map_err(|e| AppError::validation("for", e))?;
                if span > std::time::Duration::from_secs(90 * 86_400) {
                    return Err(AppError::validation("for", "An override lasts at most 90 days."));
                }
                Some(now + chrono::Duration::seconds(span.as_secs() as i64))
            }
        };
        Ok(OverrideSpec::Set(Override { status, until }))
    }
}

/// The page's branding as the settings form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandingDraft {
    pub page_name: String,
    pub logo_url: String,
    pub accent: String,
    pub support_url: String,
    pub time_zone: String,
}

/// Valid branding: what the page shows besides the components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusBranding {
    pub page_name: String,
    pub logo_url: String,
    /// `#rrggbb`.
    pub accent: String,
    pub support_url: String,
    /// An IANA time zone name.
    pub time_zone: String,
}

fn web_url(field: &str, raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("https://") || raw.starts_with("http://") {
        if raw.chars().any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>') {
            return Err(AppError::validation(field, "That is not a valid address."));
        }
        return Ok(raw.to_owned());
    }
    if field == "support_url" && raw.starts_with("mailto:") {
        return Ok(raw.to_owned());
    }
    Err(AppError::validation(field, "Use an address starting with https:// (or http://)."))
}

impl StatusBranding {
    pub fn parse(draft: &BrandingDraft) -> Result<Self, AppError> {
        let page_name = draft.page_name.trim();
        if page_name.is_empty() || page_name.chars().count() > 80 {
            return Err(AppError::validation("page_name", "Name the page in 1 to 80 characters."));
        }
        let accent = draft.accent.trim().to_lowercase();
        let is_hex = accent.len() == 7 && accent.starts_with('#') && accent[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !is_hex {
            return Err(AppError::validation("accent", "Give the accent colour as #rrggbb, e.g. #2563eb."));
        }
        let time_zone = draft.time_zone.trim();
        if time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(AppError::validation(
                "time_zone",
                format!("Unknown time zone {time_zone:?}: use an IANA name such as Europe/Madrid."),
            ));
        }
        Ok(Self {
            page_name: page_name.to_owned(),
            logo_url: web_url("logo_url", &draft.logo_url)?,
            accent,
            support_url: web_url("support_url", &draft.support_url)?,
            time_zone: time_zone.to_owned(),
        })
    }

    pub fn to_draft(&self) -> BrandingDraft {
        BrandingDraft {
            page_name: self.page_name.clone(),
            logo_url: self.logo_url.clone(),
            accent: self.accent.clone(),
            support_url: self.support_url.clone(),
            time_zone: self.time_zone.clone(),
        }
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
}
