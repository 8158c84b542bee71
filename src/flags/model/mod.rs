//! Feature flags in Unleash's own terms (strategies, constraints, variants from `unleash-types`),
//! the validated inputs of the console's editors, and the views every layer shares.

use crate::error::AppError;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use unleash_types::client_features::{Constraint, FeatureDependency, Operator, Payload, Strategy, Variant, WeightType};

pub use crate::auth::model::EnvironmentName;

/// Unleash variant weights are parts of this total.
pub const WEIGHT_TOTAL: i32 = 1000;
/// The strategy the console's rollout editor manages.
pub const ROLLOUT_STRATEGY: &str = "flexibleRollout";

/// A flag's key, as apps ask for it: any UTF-8 text without whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FlagKey(String);

impl FlagKey {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(AppError::validation(field, "Enter a key, e.g. new-checkout."));
        }
        if key.chars().count() > 255 {
            return Err(AppError::validation(field, "Use at most 255 characters."));
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
            return Err(AppError::validation(field, "A key has no spaces, control characters or '/'."));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FlagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::text_enum!(
    /// Unleash's flag types; each says how long such a flag is expected to live.
    FlagKind("type") {
        Release = "release" / "Release",
        Experiment = "experiment" / "Experiment",
        Operational = "operational" / "Operational",
        KillSwitch = "kill-switch" / "Kill switch",
        Permission = "permission" / "Permission",
    }
);

/// A flag without a stated type is a release flag, as in Unleash.
impl Default for FlagKind {
    fn default() -> Self {
        FlagKind::Release
    }
}

impl FlagKind {
    /// How long a flag of this type is expected to live; `None` for the long-lived kinds.
    pub fn expected_lifetime(self) -> Option<TimeDelta> {
        match self {
            FlagKind::Release | FlagKind::Experiment => Some(TimeDelta::days(40)),
            FlagKind::Operational => Some(TimeDelta::days(7)),
            FlagKind::KillSwitch | FlagKind::Permission => None,
        }
    }

    /// Past its expected lifetime: Unleash calls such a flag potentially stale.
    pub fn is_stale(self, created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.expected_lifetime().is_some_and(|life| now - created_at > life)
    }
}

/// Serialises Unleash types as Unleash writes them. unleash-types writes an operator it does not
/// know as `{"UNKNOWN": "OP"}`, which it cannot read back; Unleash (and so this) writes `"OP"`.
pub fn to_unleash_json<T: Serialize>(value: &T) -> serde_json::Value {
    let mut json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    repair_operators(&mut json);
    json
}

fn repair_operators(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(map) => {
            if let Some(operator) = map.get_mut("operator") {
                if let Some(name) = operator.get("UNKNOWN").and_then(|n| n.as_str()).map(str::to_owned) {
                    *operator = serde_json::Value::String(name);
                }
            }
            map.values_mut().for_each(repair_operators);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(repair_operators),
        _ => {}
    }
}

fn serialize_strategies<S: serde::Serializer>(strategies: &[Strategy], serializer: S) -> Result<S::Ok, S::Error> {
    to_unleash_json(&strategies).serialize(serializer)
}

mod editor;
mod metrics;
mod settings;
mod views;

pub use editor::*;
pub use metrics::*;
pub use settings::*;
pub use views::*;

#[cfg(test)]
mod tests;
