//! Severities: Sev1 to Sev4, their SLA targets and update cadence as the support plan defines them.

use super::*;
use crate::error::AppError;
use serde::Deserialize;
use serde::Serialize;

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

pub(super) fn target(field: &str, raw: &str) -> Result<i64, AppError> {
    crate::duration::parse_duration(raw)
        .map(|d| d.as_secs() as i64)
        .map_err(|message| AppError::validation(field, message))
}

pub(super) fn required_text(field: &str, raw: &str, what: &str, max: usize) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::validation(field, format!("Enter {what}.")));
    }
    optional_text(field, text, max)
}

pub(super) fn optional_text(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
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
