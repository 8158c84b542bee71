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

/// Unleash's flag types; each says how long such a flag is expected to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    #[default]
    Release,
    Experiment,
    Operational,
    KillSwitch,
    Permission,
}

impl FlagKind {
    pub const ALL: [FlagKind; 5] =
        [FlagKind::Release, FlagKind::Experiment, FlagKind::Operational, FlagKind::KillSwitch, FlagKind::Permission];

    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| {
            AppError::validation(
                field,
                format!("Unknown type {raw:?}: choose release, experiment, operational, kill-switch or permission."),
            )
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Release => "release",
            FlagKind::Experiment => "experiment",
            FlagKind::Operational => "operational",
            FlagKind::KillSwitch => "kill-switch",
            FlagKind::Permission => "permission",
        }
    }

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

/// A flag's settings in one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EnvironmentSettings {
    pub enabled: bool,
    #[serde(default, serialize_with = "serialize_strategies")]
    pub strategies: Vec<Strategy>,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// Everything about a flag that is versioned: history stores it whole and revert restores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FlagDefinition {
    /// What people call it; the key is what apps ask for.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: FlagKind,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub impression_data: bool,
    #[serde(default)]
    pub dependencies: Vec<FeatureDependency>,
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentSettings>,
}

impl FlagDefinition {
    /// A new flag: off everywhere, with a 100 % rollout ready to be switched on.
    pub fn new(key: &FlagKey, kind: FlagKind, description: String, environments: &[String]) -> Self {
        let settings =
            EnvironmentSettings { enabled: false, strategies: vec![rollout_strategy(key, 100)], variants: vec![] };
        Self {
            description,
            kind,
            environments: environments.iter().map(|env| (env.clone(), settings.clone())).collect(),
            ..Self::default()
        }
    }

    /// The settings in `env`; an environment added after the flag has it off with no strategies.
    pub fn settings(&self, env: &str) -> EnvironmentSettings {
        self.environments.get(env).cloned().unwrap_or_default()
    }

    /// Human-readable lines saying what changed from `before` to `self`, for history.
    pub fn describe_changes(&self, before: &FlagDefinition) -> Vec<String> {
        let mut lines = Vec::new();
        if self.name != before.name {
            lines.push(format!("name {:?} → {:?}", before.name, self.name));
        }
        if self.description != before.description {
            lines.push("description changed".to_owned());
        }
        if self.kind != before.kind {
            lines.push(format!("type {} → {}", before.kind.as_str(), self.kind.as_str()));
        }
        if self.tags != before.tags {
            lines.push(format!("tags [{}] → [{}]", before.tags.join(", "), self.tags.join(", ")));
        }
        if self.dependencies != before.dependencies {
            lines.push("dependencies changed".to_owned());
        }
        if self.impression_data != before.impression_data {
            lines.push(format!("impression data {}", on_off(self.impression_data)));
        }
        let envs: std::collections::BTreeSet<&String> =
            self.environments.keys().chain(before.environments.keys()).collect();
        for env in envs {
            let (old, new) = (before.settings(env), self.settings(env));
            if old.enabled != new.enabled {
                lines.push(format!("{env}: {}", if new.enabled { "enabled" } else { "disabled" }));
            }
            let before_rollout = lines.len();
            let (old_rollout, new_rollout) = (RolloutView::of(&old), RolloutView::of(&new));
            if old_rollout.rollout != new_rollout.rollout {
                lines.push(format!("{env}: rollout {} % → {} %", old_rollout.rollout, new_rollout.rollout));
            }
            if old_rollout.stickiness != new_rollout.stickiness {
                lines.push(format!("{env}: stickiness {} → {}", old_rollout.stickiness, new_rollout.stickiness));
            }
            if old_rollout.constraints != new_rollout.constraints || old_rollout.segments != new_rollout.segments {
                lines.push(format!("{env}: targeting changed"));
            }
            // Strategy equality in unleash-types ignores strategy variants: compare what is stored.
            let as_json = |s: &EnvironmentSettings| to_unleash_json(&s.strategies);
            if as_json(&old) != as_json(&new) && lines.len() == before_rollout {
                lines.push(format!("{env}: strategies changed ({} → {})", old.strategies.len(), new.strategies.len()));
            }
            if old.variants != new.variants {
                lines.push(format!("{env}: variants changed ({} → {})", old.variants.len(), new.variants.len()));
            }
        }
        lines
    }
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// A `flexibleRollout` strategy with Unleash's defaults: default stickiness, grouped by the flag.
pub fn rollout_strategy(key: &FlagKey, rollout: u8) -> Strategy {
    Strategy {
        name: ROLLOUT_STRATEGY.to_owned(),
        sort_order: None,
        segments: None,
        constraints: None,
        parameters: Some(HashMap::from([
            ("rollout".to_owned(), rollout.to_string()),
            ("stickiness".to_owned(), "default".to_owned()),
            ("groupId".to_owned(), key.as_str().to_owned()),
        ])),
        variants: None,
    }
}

/// A rollout percentage, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollout(u8);

impl Rollout {
    pub fn parse(field: &str, raw: i64) -> Result<Self, AppError> {
        u8::try_from(raw)
            .ok()
            .filter(|r| *r <= 100)
            .map(Self)
            .ok_or_else(|| AppError::validation(field, format!("A rollout is 0–100 % ({raw} given).")))
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

/// The console's view of an environment's rollout strategy (its first `flexibleRollout`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RolloutView {
    pub rollout: u8,
    pub stickiness: String,
    pub constraints: Vec<ConstraintForm>,
    pub segments: Vec<i32>,
}

impl RolloutView {
    pub fn of(settings: &EnvironmentSettings) -> Self {
        let Some(strategy) = settings.strategies.iter().find(|s| s.name == ROLLOUT_STRATEGY) else {
            return Self { rollout: 0, stickiness: "default".into(), ..Self::default() };
        };
        let param = |name: &str| strategy.parameters.as_ref().and_then(|p| p.get(name)).cloned();
        Self {
            rollout: param("rollout").and_then(|r| r.trim().parse().ok()).unwrap_or(100).min(100),
            stickiness: param("stickiness").unwrap_or_else(|| "default".into()),
            constraints: strategy.constraints.iter().flatten().map(ConstraintForm::of).collect(),
            segments: strategy.segments.clone().unwrap_or_default(),
        }
    }
}

/// One targeting rule as the console edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConstraintForm {
    pub context_name: String,
    pub operator: String,
    /// Comma-separated values (one value for the single-value operators).
    pub values: String,
    #[serde(default)]
    pub inverted: bool,
    #[serde(default)]
    pub case_insensitive: bool,
}

/// Operators with their one-value / many-values shape, in the order the editor offers them.
pub const OPERATORS: [(&str, bool); 17] = [
    ("IN", true),
    ("NOT_IN", true),
    ("STR_STARTS_WITH", true),
    ("STR_ENDS_WITH", true),
    ("STR_CONTAINS", true),
    ("NUM_EQ", false),
    ("NUM_GT", false),
    ("NUM_GTE", false),
    ("NUM_LT", false),
    ("NUM_LTE", false),
    ("DATE_AFTER", false),
    ("DATE_BEFORE", false),
    ("SEMVER_EQ", false),
    ("SEMVER_GT", false),
    ("SEMVER_LT", false),
    ("REGEX", false),
    ("IN_CIDR", true),
];

pub fn operator_name(operator: &Operator) -> String {
    match operator {
        Operator::Unknown(name) => name.clone(),
        known => to_unleash_json(known).as_str().map(str::to_owned).unwrap_or_default(),
    }
}

impl ConstraintForm {
    pub fn of(constraint: &Constraint) -> Self {
        let values = match (&constraint.values, &constraint.value) {
            (Some(values), _) if !values.is_empty() => values.join(", "),
            (_, Some(value)) => value.clone(),
            _ => String::new(),
        };
        Self {
            context_name: constraint.context_name.clone(),
            operator: operator_name(&constraint.operator),
            values,
            inverted: constraint.inverted,
            case_insensitive: constraint.case_insensitive,
        }
    }

    /// `field` prefixes the field names errors point at, e.g. `constraints.2`.
    pub fn parse(&self, field: &str) -> Result<Constraint, AppError> {
        let context_name = self.context_name.trim();
        if context_name.is_empty() || context_name.len() > 100 {
            return Err(AppError::validation(&format!("{field}.context_name"), "Name a context field, e.g. role."));
        }
        let Some((name, many)) = OPERATORS.iter().find(|(name, _)| *name == self.operator.trim()) else {
            return Err(AppError::validation(
                &format!("{field}.operator"),
                format!("Unknown operator {:?}.", self.operator),
            ));
        };
        let operator: Operator = serde_json::from_value(serde_json::Value::String((*name).to_owned()))
            .map_err(|_| AppError::validation(&format!("{field}.operator"), "Unknown operator."))?;
        let values: Vec<String> =
            self.values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
        let values_field = format!("{field}.values");
        if values.is_empty() {
            return Err(AppError::validation(&values_field, "Give at least one value."));
        }
        let single = if *many {
            None
        } else {
            let value = self.values.trim().to_owned();
            check_single_value(name, &value).map_err(|message| AppError::validation(&values_field, message))?;
            Some(value)
        };
        Ok(Constraint {
            context_name: context_name.to_owned(),
            operator,
            case_insensitive: self.case_insensitive,
            inverted: self.inverted,
            values: if *many { Some(values) } else { None },
            value: single,
        })
    }
}

fn check_single_value(operator: &str, value: &str) -> Result<(), String> {
    let ok = match operator {
        op if op.starts_with("NUM_") => value.parse::<f64>().is_ok(),
        "DATE_AFTER" | "DATE_BEFORE" => DateTime::parse_from_rfc3339(value).is_ok(),
        op if op.starts_with("SEMVER_") => {
            let core = value.split(['-', '+']).next().unwrap_or("");
            core.split('.').count() == 3 && core.split('.').all(|p| p.parse::<u64>().is_ok())
        }
        "REGEX" => !value.is_empty(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(match operator {
            op if op.starts_with("NUM_") => format!("{value:?} is not a number."),
            op if op.starts_with("DATE_") => format!("{value:?} is not a date-time like 2026-12-01T09:00:00Z."),
            _ => format!("{value:?} is not a version like 1.2.3."),
        })
    }
}

/// One variant as the console edits it; weights are percentages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct VariantForm {
    pub name: String,
    pub weight_percent: f64,
    /// `""` (none), `string`, `number` or `json`.
    pub payload_type: String,
    pub payload: String,
}

impl VariantForm {
    pub fn of(variant: &Variant) -> Self {
        Self {
            name: variant.name.clone(),
            weight_percent: f64::from(variant.weight) / 10.0,
            payload_type: variant.payload.as_ref().map(|p| p.payload_type.clone()).unwrap_or_default(),
            payload: variant.payload.as_ref().map(|p| p.value.clone()).unwrap_or_default(),
        }
    }
}

/// What the rollout editor saves for one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RolloutForm {
    pub rollout: i64,
    pub stickiness: String,
    pub constraints: Vec<ConstraintForm>,
    #[serde(default)]
    pub segments: Vec<i32>,
    #[serde(default)]
    pub variants: Vec<VariantForm>,
}

/// A parsed rollout form, ready to be applied to an environment's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutChange {
    rollout: Rollout,
    stickiness: String,
    constraints: Vec<Constraint>,
    segments: Vec<i32>,
    variants: Vec<Variant>,
}

impl RolloutChange {
    pub fn parse(form: &RolloutForm) -> Result<Self, AppError> {
        let rollout = Rollout::parse("rollout", form.rollout)?;
        let stickiness = match form.stickiness.trim() {
            "" => "default".to_owned(),
            s if s.len() <= 100 && !s.contains(char::is_whitespace) => s.to_owned(),
            _ => {
                return Err(AppError::validation(
                    "stickiness",
                    "Choose default, userId, sessionId, random or a context field.",
                ))
            }
        };
        let constraints = form
            .constraints
            .iter()
            .enumerate()
            .map(|(i, c)| c.parse(&format!("constraints.{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let variants = parse_variants(&form.variants, &stickiness)?;
        Ok(Self { rollout, stickiness, constraints, segments: form.segments.clone(), variants })
    }

    /// Rewrites the environment's rollout strategy (adding one first if it has none) and its variants.
    pub fn apply(&self, key: &FlagKey, settings: &mut EnvironmentSettings) {
        if !settings.strategies.iter().any(|s| s.name == ROLLOUT_STRATEGY) {
            settings.strategies.insert(0, rollout_strategy(key, 100));
        }
        if let Some(strategy) = settings.strategies.iter_mut().find(|s| s.name == ROLLOUT_STRATEGY) {
            let parameters = strategy.parameters.get_or_insert_with(HashMap::new);
            parameters.insert("rollout".into(), self.rollout.percent().to_string());
            parameters.insert("stickiness".into(), self.stickiness.clone());
            parameters.entry("groupId".into()).or_insert_with(|| key.as_str().to_owned());
            strategy.constraints = Some(self.constraints.clone()).filter(|c| !c.is_empty());
            strategy.segments = Some(self.segments.clone()).filter(|s| !s.is_empty());
        }
        settings.variants = self.variants.clone();
    }
}

fn parse_variants(forms: &[VariantForm], stickiness: &str) -> Result<Vec<Variant>, AppError> {
    if forms.is_empty() {
        return Ok(vec![]);
    }
    let mut variants = Vec::with_capacity(forms.len());
    let mut total = 0;
    for (i, form) in forms.iter().enumerate() {
        let field = |name: &str| format!("variants.{i}.{name}");
        let name = form.name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(AppError::validation(&field("name"), "Name the variant."));
        }
        if variants.iter().any(|v: &Variant| v.name == name) {
            return Err(AppError::validation(&field("name"), format!("Two variants are called {name:?}.")));
        }
        if !(0.0..=100.0).contains(&form.weight_percent) {
            return Err(AppError::validation(&field("weight_percent"), "A weight is 0–100 %."));
        }
        let weight = (form.weight_percent * 10.0).round() as i32;
        total += weight;
        let payload = match form.payload_type.trim() {
            "" => None,
            kind @ ("string" | "number" | "json") => {
                let value = form.payload.clone();
                let valid = match kind {
                    "number" => value.trim().parse::<f64>().is_ok(),
                    "json" => serde_json::from_str::<serde_json::Value>(&value).is_ok(),
                    _ => true,
                };
                if !valid {
                    return Err(AppError::validation(&field("payload"), format!("That is not valid {kind}.")));
                }
                Some(Payload { payload_type: kind.to_owned(), value })
            }
            other => {
                return Err(AppError::validation(&field("payload_type"), format!("Unknown payload type {other:?}.")))
            }
        };
        variants.push(Variant {
            name: name.to_owned(),
            weight,
            weight_type: Some(WeightType::Fix),
            stickiness: Some(stickiness.to_owned()),
            payload,
            overrides: None,
        });
    }
    if total != WEIGHT_TOTAL {
        return Err(AppError::validation(
            "variants",
            format!("Variant weights add up to {} %; they must add up to 100 %.", f64::from(total) / 10.0),
        ));
    }
    Ok(variants)
}

/// A scheduled change as the editor submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScheduleForm {
    pub environment: String,
    /// RFC 3339.
    pub run_at: String,
    /// `enable`, `disable` or `rollout`.
    pub action: String,
    pub rollout: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "rollout", rename_all = "snake_case")]
pub enum ScheduledAction {
    Enable,
    Disable,
    Rollout(Rollout),
}

impl ScheduledAction {
    pub fn name(self) -> &'static str {
        match self {
            ScheduledAction::Enable => "enable",
            ScheduledAction::Disable => "disable",
            ScheduledAction::Rollout(_) => "rollout",
        }
    }

    pub fn rollout(self) -> Option<i32> {
        match self {
            ScheduledAction::Rollout(r) => Some(i32::from(r.percent())),
            _ => None,
        }
    }

    pub fn from_row(action: &str, rollout: Option<i32>) -> Option<Self> {
        match (action, rollout) {
            ("enable", _) => Some(Self::Enable),
            ("disable", _) => Some(Self::Disable),
            ("rollout", Some(r)) => Rollout::parse("rollout", i64::from(r)).ok().map(Self::Rollout),
            _ => None,
        }
    }

    pub fn describe(self) -> String {
        match self {
            ScheduledAction::Enable => "enable".into(),
            ScheduledAction::Disable => "disable".into(),
            ScheduledAction::Rollout(r) => format!("set rollout to {} %", r.percent()),
        }
    }
}

/// A validated scheduled change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSchedule {
    pub environment: EnvironmentName,
    pub run_at: DateTime<Utc>,
    pub action: ScheduledAction,
}

impl NewSchedule {
    pub fn parse(form: &ScheduleForm, now: DateTime<Utc>) -> Result<Self, AppError> {
        let environment = EnvironmentName::parse("environment", &form.environment)?;
        let run_at = DateTime::parse_from_rfc3339(form.run_at.trim())
            .map_err(|_| AppError::validation("run_at", "Give a date and time."))?
            .with_timezone(&Utc);
        if run_at <= now {
            return Err(AppError::validation("run_at", "Pick a time in the future."));
        }
        let action = match form.action.trim() {
            "enable" => ScheduledAction::Enable,
            "disable" => ScheduledAction::Disable,
            "rollout" => ScheduledAction::Rollout(Rollout::parse(
                "rollout",
                form.rollout.ok_or_else(|| AppError::validation("rollout", "Give the rollout percentage."))?,
            )?),
            other => {
                return Err(AppError::validation(
                    "action",
                    format!("Unknown action {other:?}: enable, disable or rollout."),
                ))
            }
        };
        Ok(Self { environment, run_at, action })
    }
}

/// A flag as lists and the editor show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub key: String,
    pub definition: FlagDefinition,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub stale: bool,
}

/// One entry of a flag's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagVersion {
    pub version: i32,
    pub summary: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: i64,
    pub environment: String,
    pub run_at: DateTime<Utc>,
    pub description: String,
    pub created_by: String,
    pub applied_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub constraints: Vec<ConstraintForm>,
}

/// SDK-reported evaluations of one flag in one environment over the last hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Evaluations {
    pub yes: i64,
    pub no: i64,
}

/// Filters of the flag list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FlagFilter {
    pub q: String,
    pub kind: String,
    pub tag: String,
    /// `""`, `stale` or `archived`.
    pub show: String,
}

impl FlagFilter {
    pub fn matches(&self, flag: &Flag) -> bool {
        let q = self.q.trim().to_lowercase();
        let text_ok = q.is_empty()
            || flag.key.to_lowercase().contains(&q)
            || flag.definition.name.to_lowercase().contains(&q)
            || flag.definition.description.to_lowercase().contains(&q);
        let kind_ok = self.kind.is_empty() || flag.definition.kind.as_str() == self.kind;
        let tag_ok = self.tag.is_empty() || flag.definition.tags.contains(&self.tag);
        let show_ok = match self.show.as_str() {
            "archived" => flag.archived,
            "stale" => flag.stale && !flag.archived,
            _ => !flag.archived,
        };
        text_ok && kind_ok && tag_ok && show_ok
    }
}

/// A flag's display name: up to 100 characters; empty means "call it by its key".
pub fn parse_flag_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.chars().count() > 100 {
        return Err(AppError::validation("name", "Use at most 100 characters."));
    }
    Ok(name.to_owned())
}

/// Tags: comma-separated, trimmed, de-duplicated.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, AppError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if tag.len() > 50 {
            return Err(AppError::validation("tags", "A tag has at most 50 characters."));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    Ok(tags)
}

/// What an import does (or would do) to one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub created: Vec<String>,
    /// Key and the history line of what changed.
    pub changed: Vec<(String, String)>,
    pub unchanged: usize,
    pub new_segments: usize,
}

/// A playground request: an Unleash context typed in the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlaygroundContext {
    pub environment: String,
    pub user_id: String,
    pub session_id: String,
    pub remote_address: String,
    /// `name=value` lines.
    pub properties: String,
}

impl PlaygroundContext {
    pub fn properties(&self) -> Result<HashMap<String, String>, AppError> {
        let mut properties = HashMap::new();
        for line in self.properties.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once('=')
                .ok_or_else(|| AppError::validation("properties", format!("{line:?} is not name=value.")))?;
            properties.insert(name.trim().to_owned(), value.trim().to_owned());
        }
        Ok(properties)
    }
}

/// One flag's answer in the playground, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaygroundResult {
    pub key: String,
    pub enabled: bool,
    pub variant: String,
    pub payload: Option<String>,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> FlagKey {
        FlagKey::parse("key", k).unwrap()
    }

    #[test]
    fn keys_allow_utf8_but_no_spaces() {
        assert_eq!(key(" ünïcödé.flag ").as_str(), "ünïcödé.flag");
        assert!(FlagKey::parse("key", "two words").is_err());
        assert!(FlagKey::parse("key", "").is_err());
        assert!(FlagKey::parse("key", "a/b").is_err());
        assert!(FlagKey::parse("key", &"x".repeat(256)).is_err());
    }

    #[test]
    fn kinds_have_unleash_lifetimes() {
        let created = Utc::now() - TimeDelta::days(41);
        assert!(FlagKind::Release.is_stale(created, Utc::now()));
        assert!(FlagKind::Experiment.is_stale(created, Utc::now()));
        assert!(!FlagKind::KillSwitch.is_stale(created, Utc::now()));
        let week_and_a_day = Utc::now() - TimeDelta::days(8);
        assert!(FlagKind::Operational.is_stale(week_and_a_day, Utc::now()));
        assert!(!FlagKind::Release.is_stale(week_and_a_day, Utc::now()));
        assert_eq!(FlagKind::parse("type", "kill-switch").unwrap(), FlagKind::KillSwitch);
        assert!(FlagKind::parse("type", "killswitch").unwrap_err().field_message("type").is_some());
    }

    #[test]
    fn unknown_operators_round_trip_as_unleash_writes_them() {
        let raw = r#"{"enabled":true,"strategies":[{"name":"default","constraints":[{"contextName":"x","operator":"NOT_A_VALID_OPERATOR","values":["a"]}],"parameters":{}}]}"#;
        let settings: EnvironmentSettings = serde_json::from_str(raw).unwrap();
        let written = serde_json::to_value(&settings).unwrap();
        assert_eq!(written["strategies"][0]["constraints"][0]["operator"], "NOT_A_VALID_OPERATOR");
        assert_eq!(serde_json::from_value::<EnvironmentSettings>(written).unwrap(), settings);
        assert_eq!(
            ConstraintForm::of(&settings.strategies[0].constraints.as_ref().unwrap()[0]).operator,
            "NOT_A_VALID_OPERATOR"
        );
    }

    #[test]
    fn rollout_is_a_percentage() {
        assert_eq!(Rollout::parse("rollout", 50).unwrap().percent(), 50);
        assert!(Rollout::parse("rollout", 101).is_err());
        assert!(Rollout::parse("rollout", -1).is_err());
    }

    #[test]
    fn rollout_form_rewrites_only_the_rollout_strategy() {
        let k = key("checkout");
        let mut settings =
            FlagDefinition::new(&k, FlagKind::Release, String::new(), &["production".into()]).settings("production");
        let other = Strategy { name: "userWithId".into(), ..rollout_strategy(&k, 1) };
        settings.strategies.push(other.clone());
        let form = RolloutForm {
            rollout: 10,
            stickiness: "userId".into(),
            constraints: vec![ConstraintForm {
                context_name: "role".into(),
                operator: "IN".into(),
                values: "admin, owner".into(),
                ..ConstraintForm::default()
            }],
            ..RolloutForm::default()
        };
        RolloutChange::parse(&form).unwrap().apply(&k, &mut settings);
        let view = RolloutView::of(&settings);
        assert_eq!((view.rollout, view.stickiness.as_str()), (10, "userId"));
        assert_eq!(view.constraints[0].values, "admin, owner");
        assert_eq!(settings.strategies[1], other);
    }

    #[test]
    fn constraint_values_are_checked_per_operator() {
        let form = |op: &str, values: &str| ConstraintForm {
            context_name: "x".into(),
            operator: op.into(),
            values: values.into(),
            ..ConstraintForm::default()
        };
        assert!(form("NUM_GT", "3.5").parse("c").is_ok());
        assert_eq!(
            form("NUM_GT", "three").parse("c").unwrap_err().field_message("c.values").unwrap(),
            "\"three\" is not a number."
        );
        assert!(form("SEMVER_GT", "1.2").parse("c").is_err());
        assert!(form("DATE_AFTER", "2026-12-01T09:00:00Z").parse("c").is_ok());
        assert!(form("LIKE", "a").parse("c").unwrap_err().field_message("c.operator").is_some());
        assert!(form("IN", " , ").parse("c").unwrap_err().field_message("c.values").is_some());
        let parsed = ConstraintForm { inverted: true, ..form("STR_CONTAINS", "a,b") }.parse("c").unwrap();
        assert_eq!(ConstraintForm::of(&parsed).values, "a, b");
        assert!(parsed.inverted);
    }

    #[test]
    fn variant_weights_must_add_up_to_100() {
        let variant = |name: &str, weight: f64| VariantForm {
            name: name.into(),
            weight_percent: weight,
            ..VariantForm::default()
        };
        let form = |variants| RolloutForm { rollout: 100, variants, ..RolloutForm::default() };
        let err = RolloutChange::parse(&form(vec![variant("a", 50.0), variant("b", 40.0)])).unwrap_err();
        assert_eq!(
            err.field_message("variants").unwrap(),
            "Variant weights add up to 90 %; they must add up to 100 %."
        );
        let ok = RolloutChange::parse(&form(vec![variant("a", 33.3), variant("b", 66.7)])).unwrap();
        assert_eq!(ok.variants.iter().map(|v| v.weight).collect::<Vec<_>>(), vec![333, 667]);
        let bad_json = VariantForm { payload_type: "json".into(), payload: "{".into(), ..variant("a", 100.0) };
        assert!(RolloutChange::parse(&form(vec![bad_json])).unwrap_err().field_message("variants.0.payload").is_some());
    }

    #[test]
    fn schedules_are_in_the_future_with_a_known_action() {
        let now = Utc::now();
        let later = (now + TimeDelta::hours(1)).to_rfc3339();
        let form = |action: &str, rollout| ScheduleForm {
            environment: "production".into(),
            run_at: later.clone(),
            action: action.into(),
            rollout,
        };
        assert_eq!(NewSchedule::parse(&form("rollout", Some(50)), now).unwrap().action.rollout(), Some(50));
        assert!(NewSchedule::parse(&form("rollout", None), now).unwrap_err().field_message("rollout").is_some());
        assert!(NewSchedule::parse(&form("explode", None), now).unwrap_err().field_message("action").is_some());
        let past = ScheduleForm { run_at: (now - TimeDelta::minutes(1)).to_rfc3339(), ..form("enable", None) };
        assert!(NewSchedule::parse(&past, now).unwrap_err().field_message("run_at").is_some());
    }

    #[test]
    fn history_lines_say_what_changed() {
        let k = key("checkout");
        let before = FlagDefinition::new(&k, FlagKind::Release, String::new(), &["production".into()]);
        let mut after = before.clone();
        let settings = after.environments.get_mut("production").unwrap();
        settings.enabled = true;
        RolloutChange::parse(&RolloutForm { rollout: 10, ..RolloutForm::default() }).unwrap().apply(&k, settings);
        assert_eq!(after.describe_changes(&before), vec!["production: enabled", "production: rollout 100 % → 10 %"]);
        assert!(after.describe_changes(&after).is_empty());
    }

    #[test]
    fn filters_hide_archived_unless_asked() {
        let flag = Flag {
            key: "checkout".into(),
            definition: FlagDefinition { tags: vec!["web".into()], ..FlagDefinition::default() },
            archived: true,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            updated_by: "cli".into(),
            stale: false,
        };
        assert!(!FlagFilter::default().matches(&flag));
        assert!(FlagFilter { show: "archived".into(), tag: "web".into(), ..FlagFilter::default() }.matches(&flag));
        assert!(!FlagFilter { show: "archived".into(), tag: "api".into(), ..FlagFilter::default() }.matches(&flag));
    }
}
