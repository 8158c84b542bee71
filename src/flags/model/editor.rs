//! The console editors' inputs (rules, variants, rollout, schedules), validated into Unleash's terms.

use super::*;

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

pub(super) fn check_single_value(operator: &str, value: &str) -> Result<(), String> {
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
    pub(super) variants: Vec<Variant>,
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

pub(super) fn parse_variants(forms: &[VariantForm], stickiness: &str) -> Result<Vec<Variant>, AppError> {
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
