//! A flag's definition: its settings per environment, and the rollout the console manages.

use super::*;

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

pub(super) fn on_off(on: bool) -> &'static str {
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
