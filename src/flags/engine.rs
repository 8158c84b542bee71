//! One environment's flags compiled by Unleash's engine (yggdrasil), with what OFREP needs to
//! know about each flag worked out once per change instead of once per request.

use super::model::{operator_name, to_unleash_json, EnvironmentSettings, Flag, PlaygroundResult, ROLLOUT_STRATEGY};
use super::unleash::client_features;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use unleash_types::client_features::{ClientFeature, Context, Segment, Strategy};
use unleash_yggdrasil::state::EnrichedContext;
use unleash_yggdrasil::{compile, EngineState, ExtendedVariantDef};

/// How a flag decides, read off its configuration: what OFREP reports as the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decider {
    /// On for everyone (or no one): nothing about the caller matters.
    Static,
    /// A percentage rollout or a weighted variant split.
    Split,
    /// Constraints, segments, user lists, addresses or a parent flag.
    Targeting,
}

#[derive(Debug, Clone)]
struct FlagTraits {
    enabled: bool,
    decider: Decider,
    has_variants: bool,
    needs_user_id: bool,
}

impl FlagTraits {
    fn of(settings: &EnvironmentSettings, has_dependencies: bool) -> Self {
        let targeting = has_dependencies
            || settings.strategies.iter().any(|s| {
                s.constraints.as_ref().is_some_and(|c| !c.is_empty())
                    || s.segments.as_ref().is_some_and(|c| !c.is_empty())
                    || matches!(s.name.as_str(), "userWithId" | "remoteAddress" | "applicationHostname")
            });
        let split = settings.variants.len() > 1
            || settings.strategies.iter().any(|s| {
                s.variants.as_ref().is_some_and(|v| v.len() > 1)
                    || s.name.starts_with("gradualRollout")
                    || (s.name == ROLLOUT_STRATEGY && parameter(s, "rollout").is_none_or(|r| r.trim() != "100"))
            });
        let needs_user_id = !settings.strategies.is_empty()
            && settings.strategies.iter().all(|s| match s.name.as_str() {
                "userWithId" | "gradualRolloutUserId" => true,
                ROLLOUT_STRATEGY => parameter(s, "stickiness") == Some("userId"),
                _ => false,
            });
        Self {
            enabled: settings.enabled,
            decider: if targeting {
                Decider::Targeting
            } else if split {
                Decider::Split
            } else {
                Decider::Static
            },
            has_variants: !settings.variants.is_empty()
                || settings.strategies.iter().any(|s| s.variants.as_ref().is_some_and(|v| !v.is_empty())),
            needs_user_id,
        }
    }
}

fn parameter<'a>(strategy: &'a Strategy, name: &str) -> Option<&'a str> {
    strategy.parameters.as_ref().and_then(|p| p.get(name)).map(String::as_str)
}

/// The answer for one flag, with everything OFREP and Unleash clients can ask about it.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// What Unleash's `isEnabled` says.
    pub enabled: bool,
    /// What Unleash's `getVariant` says.
    pub variant: ExtendedVariantDef,
    pub has_variants: bool,
    /// OFREP's reason: STATIC, SPLIT, TARGETING_MATCH, DEFAULT (targeting matched no one) or DISABLED.
    pub reason: &'static str,
}

pub struct EnvironmentSnapshot {
    engine: EngineState,
    flags: HashMap<String, FlagTraits>,
    /// Sorted keys, for bulk evaluation in a stable order.
    keys: Vec<String>,
    features: Vec<ClientFeature>,
    segments: HashMap<i32, Segment>,
    /// `GET /api/client/features`, serialised once.
    pub features_json: String,
    /// A strong validator of `features_json`.
    pub etag: String,
}

impl EnvironmentSnapshot {
    pub fn build(env: &str, flags: &[Flag], segments: Vec<Segment>) -> Self {
        let document = client_features(flags, segments, env);
        let features_json = to_unleash_json(&document).to_string();
        let etag = format!("\"{}\"", &crate::auth::tokens::hex(&Sha256::digest(features_json.as_bytes()))[..32]);
        let traits = flags
            .iter()
            .filter(|f| !f.archived)
            .map(|f| {
                (f.key.clone(), FlagTraits::of(&f.definition.settings(env), !f.definition.dependencies.is_empty()))
            })
            .collect::<HashMap<_, _>>();
        let mut keys: Vec<String> = traits.keys().cloned().collect();
        keys.sort();
        let features = document.features.clone();
        let segments = document.segments.clone().unwrap_or_default().into_iter().map(|s| (s.id, s)).collect();
        let engine = EngineState::default();
        if let Some(warnings) = engine.take_state(unleash_yggdrasil::UpdateMessage::FullResponse(document)) {
            for warning in warnings {
                tracing::warn!(env, flag = %warning.toggle_name, message = %warning.message, "flag does not compile");
            }
        }
        Self { engine, flags: traits, keys, features, segments, features_json, etag }
    }

    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    pub fn contains(&self, key: &str) -> bool {
        self.flags.contains_key(key)
    }

    /// True when no strategy can be on without a user id: OFREP then says TARGETING_KEY_MISSING.
    pub fn needs_user_id(&self, key: &str) -> bool {
        self.flags.get(key).is_some_and(|t| t.enabled && t.needs_user_id)
    }

    pub fn evaluate(&self, key: &str, context: &Context) -> Option<Evaluation> {
        let traits = self.flags.get(key)?;
        let resolved = self.engine.resolve(key, context, &None)?;
        let reason = match (traits.enabled, resolved.enabled || resolved.variant.feature_enabled, traits.decider) {
            (false, _, _) => "DISABLED",
            (true, true, Decider::Static) => "STATIC",
            (true, _, Decider::Split) => "SPLIT",
            (true, true, Decider::Targeting) => "TARGETING_MATCH",
            (true, false, _) => "DEFAULT",
        };
        Some(Evaluation {
            enabled: resolved.enabled,
            variant: resolved.variant,
            has_variants: traits.has_variants,
            reason,
        })
    }

    /// The playground's answer: the result and which strategy or constraint decided it.
    pub fn explain(&self, key: &str, context: &Context) -> Option<PlaygroundResult> {
        let evaluation = self.evaluate(key, context)?;
        let feature = self.features.iter().find(|f| f.name == key)?;
        let reason = if !feature.enabled {
            "Disabled in this environment.".to_owned()
        } else {
            self.deciding_strategy(feature, context)
        };
        Some(PlaygroundResult {
            key: key.to_owned(),
            enabled: evaluation.enabled,
            variant: evaluation.variant.name,
            payload: evaluation.variant.payload.map(|p| p.value),
            reason,
        })
    }

    fn holds(&self, feature: &ClientFeature, strategies: Vec<Strategy>, context: &Context) -> bool {
        let single = ClientFeature { strategies: Some(strategies), dependencies: None, ..feature.clone() };
        let compiled = compile(&single, &self.segments, &mut Vec::new());
        (compiled.compiled_strategy)(&EnrichedContext::from(context, &feature.name, None))
    }

    fn deciding_strategy(&self, feature: &ClientFeature, context: &Context) -> String {
        let strategies = feature.strategies.clone().unwrap_or_default();
        if strategies.is_empty() {
            return "On with no strategies: everyone gets it.".into();
        }
        let mut misses = Vec::new();
        for (i, strategy) in strategies.iter().enumerate() {
            let label = describe_strategy(i, strategy);
            if self.holds(feature, vec![strategy.clone()], context) {
                let parent = if feature.dependencies.as_ref().is_some_and(|d| !d.is_empty())
                    && !self.engine.is_enabled(&feature.name, context, &None)
                {
                    " — but its parent flag's condition is not met"
                } else {
                    ""
                };
                return format!("{label} matched{parent}.");
            }
            let failing: Vec<String> = strategy
                .constraints
                .iter()
                .flatten()
                .filter(|c| {
                    let only = Strategy {
                        name: "default".into(),
                        constraints: Some(vec![(*c).clone()]),
                        segments: None,
                        parameters: None,
                        variants: None,
                        sort_order: None,
                    };
                    !self.holds(feature, vec![only], context)
                })
                .map(|c| {
                    let values = c.values.clone().unwrap_or_default().join(", ");
                    let value = c.value.clone().unwrap_or(values);
                    let inverted = if c.inverted { "NOT " } else { "" };
                    format!("{inverted}{} {} [{value}] not met", c.context_name, operator_name(&c.operator))
                })
                .collect();
            misses.push(if failing.is_empty() {
                format!("{label}: outside it")
            } else {
                format!("{label}: {}", failing.join(", "))
            });
        }
        format!("No strategy matched ({}).", misses.join("; "))
    }
}

fn describe_strategy(index: usize, strategy: &Strategy) -> String {
    let detail = match strategy.name.as_str() {
        ROLLOUT_STRATEGY => format!(
            " {} % by {}",
            parameter(strategy, "rollout").unwrap_or("100"),
            parameter(strategy, "stickiness").unwrap_or("default")
        ),
        _ => String::new(),
    };
    format!("Strategy {} ({}{detail})", index + 1, strategy.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::model::{FlagDefinition, FlagKey, FlagKind, RolloutChange, RolloutForm};
    use chrono::Utc;

    fn flag(key: &str, rollout: i64, enabled: bool) -> Flag {
        let k = FlagKey::parse("key", key).unwrap();
        let mut definition = FlagDefinition::new(&k, FlagKind::Release, String::new(), &["production".into()]);
        let settings = definition.environments.get_mut("production").unwrap();
        settings.enabled = enabled;
        RolloutChange::parse(&RolloutForm { rollout, ..RolloutForm::default() }).unwrap().apply(&k, settings);
        Flag {
            key: key.into(),
            definition,
            archived: false,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            updated_by: "test".into(),
            stale: false,
        }
    }

    fn user(id: &str) -> Context {
        Context { user_id: Some(id.into()), ..Context::default() }
    }

    #[test]
    fn reasons_follow_the_configuration() {
        let snapshot = EnvironmentSnapshot::build(
            "production",
            &[flag("everyone", 100, true), flag("half", 50, true), flag("off", 100, false)],
            vec![],
        );
        assert_eq!(snapshot.evaluate("everyone", &user("1")).unwrap().reason, "STATIC");
        assert_eq!(snapshot.evaluate("half", &user("1")).unwrap().reason, "SPLIT");
        let off = snapshot.evaluate("off", &user("1")).unwrap();
        assert_eq!((off.reason, off.enabled, off.variant.name.as_str()), ("DISABLED", false, "disabled"));
        assert!(snapshot.evaluate("missing", &user("1")).is_none());
        assert_eq!(snapshot.keys(), ["everyone", "half", "off"]);
    }

    #[test]
    fn a_rollout_buckets_users_the_way_unleash_does() {
        let snapshot = EnvironmentSnapshot::build("production", &[flag("half", 50, true)], vec![]);
        let on = (0..2000).filter(|i| snapshot.evaluate("half", &user(&i.to_string())).unwrap().enabled).count();
        assert!((900..1100).contains(&on), "{on} of 2000 in a 50 % rollout");
        let again = (0..2000).filter(|i| snapshot.evaluate("half", &user(&i.to_string())).unwrap().enabled).count();
        assert_eq!(on, again);
    }

    #[test]
    fn the_playground_names_the_missed_constraint() {
        let mut f = flag("admins", 100, true);
        let k = FlagKey::parse("key", "admins").unwrap();
        let form = RolloutForm {
            rollout: 100,
            constraints: vec![crate::flags::model::ConstraintForm {
                context_name: "role".into(),
                operator: "IN".into(),
                values: "admin".into(),
                ..Default::default()
            }],
            ..RolloutForm::default()
        };
        RolloutChange::parse(&form).unwrap().apply(&k, f.definition.environments.get_mut("production").unwrap());
        let snapshot = EnvironmentSnapshot::build("production", &[f], vec![]);
        let admin = Context { properties: Some(HashMap::from([("role".into(), "admin".into())])), ..user("1") };
        let result = snapshot.explain("admins", &admin).unwrap();
        assert!(result.enabled);
        assert_eq!(result.reason, "Strategy 1 (flexibleRollout 100 % by default) matched.");
        let other = snapshot.explain("admins", &user("1")).unwrap();
        assert!(!other.enabled);
        assert!(other.reason.contains("role IN [admin] not met"), "{}", other.reason);
        assert_eq!(snapshot.evaluate("admins", &user("1")).unwrap().reason, "DEFAULT");
        assert_eq!(snapshot.evaluate("admins", &admin).unwrap().reason, "TARGETING_MATCH");
    }
}
