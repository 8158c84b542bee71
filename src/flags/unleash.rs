//! Unleash's client-features document: what SDKs fetch and export writes, built from flags, and
//! read back from a file or another Unleash.

use super::model::{Flag, FlagKey, FlagKind};
use crate::error::AppError;
use unleash_types::client_features::{ClientFeature, ClientFeatures, Constraint, Operator, Segment};

/// The strategies Unleash's SDKs have built in; any other name is a custom strategy.
const BUILT_IN_STRATEGIES: [&str; 8] = [
    "default",
    "userWithId",
    "gradualRolloutUserId",
    "gradualRolloutSessionId",
    "gradualRolloutRandom",
    "flexibleRollout",
    "remoteAddress",
    "applicationHostname",
];

/// One environment in Unleash's client-features format: what SDKs fetch and export writes.
pub fn client_features(flags: &[Flag], segments: Vec<Segment>, env: &str) -> ClientFeatures {
    let features = flags
        .iter()
        .filter(|f| !f.archived)
        .map(|flag| {
            let d = &flag.definition;
            let settings = d.settings(env);
            ClientFeature {
                name: flag.key.clone(),
                feature_type: Some(d.kind.as_str().to_owned()),
                description: Some(d.description.clone()).filter(|s| !s.is_empty()),
                created_at: Some(flag.created_at),
                last_seen_at: None,
                enabled: settings.enabled,
                stale: Some(flag.stale),
                impression_data: Some(d.impression_data),
                project: Some("default".to_owned()),
                strategies: Some(settings.strategies),
                variants: Some(settings.variants),
                dependencies: Some(d.dependencies.clone()).filter(|deps| !deps.is_empty()),
            }
        })
        .collect();
    ClientFeatures { version: 2, features, segments: Some(segments), query: None, meta: None }
}

/// Reads a client-features document (what Unleash's `/api/client/features` and export give).
pub fn parse_client_features(raw: &str) -> Result<ClientFeatures, AppError> {
    let features: ClientFeatures = serde_json::from_str(raw)
        .map_err(|err| AppError::validation("file", format!("Not an Unleash client-features document: {err}.")))?;
    for feature in &features.features {
        FlagKey::parse("file", &feature.name).map_err(|_| {
            AppError::validation("file", format!("Flag name {:?} has spaces or control characters.", feature.name))
        })?;
    }
    Ok(features)
}

/// What in a document Unleash accepts but evaluates in a way its author may not expect, one
/// sentence per finding. The import keeps these as they are, so they evaluate as in Unleash:
/// yggdrasil turns a whole flag off when a strategy names a missing segment or an unknown
/// operator, and a custom strategy nobody registered never matches.
pub fn oddities(features: &ClientFeatures) -> Vec<String> {
    let segments = features.segments.as_deref().unwrap_or_default();
    let mut found = Vec::new();
    for feature in &features.features {
        let flag = &feature.name;
        if let Some(kind) = feature.feature_type.as_deref() {
            if FlagKind::parse("type", kind).is_err() {
                found.push(format!(
                    "Flag {flag:?} has type {kind:?}, which Pitwall does not know: it is imported as {}.",
                    FlagKind::default().as_str()
                ));
            }
        }
        let mut missing = Vec::new();
        let mut unknown_operators = Vec::new();
        let mut custom = Vec::new();
        for strategy in feature.strategies.iter().flatten() {
            if !BUILT_IN_STRATEGIES.contains(&strategy.name.as_str()) && !custom.contains(&strategy.name) {
                custom.push(strategy.name.clone());
            }
            let mut constraints: Vec<&Constraint> = strategy.constraints.iter().flatten().collect();
            for id in strategy.segments.iter().flatten() {
                match segments.iter().find(|s| s.id == *id) {
                    Some(segment) => constraints.extend(&segment.constraints),
                    None if !missing.contains(id) => missing.push(*id),
                    None => {}
                }
            }
            for constraint in constraints {
                if let Operator::Unknown(name) = &constraint.operator {
                    if !unknown_operators.contains(name) {
                        unknown_operators.push(name.clone());
                    }
                }
            }
        }
        for id in missing {
            found.push(format!(
                "Flag {flag:?}: segment {id} is referenced but not defined: the flag will always be off, as in Unleash."
            ));
        }
        for name in unknown_operators {
            found.push(format!(
                "Flag {flag:?}: operator {name:?} is not one Unleash knows: the flag will always be off, as in Unleash."
            ));
        }
        for name in custom {
            found.push(format!(
                "Flag {flag:?}: strategy {name:?} is a custom strategy: it never matches here, as in an Unleash SDK \
                 without it registered; the flag's other strategies still apply."
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(json: serde_json::Value) -> ClientFeatures {
        parse_client_features(&json.to_string()).unwrap()
    }

    #[test]
    fn a_plain_document_has_nothing_odd() {
        let features = document(serde_json::json!({
            "version": 2,
            "features": [{"name": "plain", "enabled": true, "strategies": [
                {"name": "flexibleRollout", "parameters": {"rollout": "50"}, "segments": [1],
                 "constraints": [{"contextName": "userId", "operator": "IN", "values": ["a"]}]}
            ]}],
            "segments": [{"id": 1, "constraints": [{"contextName": "country", "operator": "IN", "values": ["es"]}]}]
        }));
        assert_eq!(oddities(&features), Vec::<String>::new());
    }

    #[test]
    fn each_kind_of_oddity_is_named_once_per_flag() {
        let features = document(serde_json::json!({
            "version": 2,
            "features": [
                {"name": "lost-segment", "enabled": true, "strategies": [
                    {"name": "default", "segments": [7]}, {"name": "default", "segments": [7, 1]}
                ]},
                {"name": "new-operator", "enabled": true, "strategies": [
                    {"name": "default", "constraints": [{"contextName": "x", "operator": "STR_FUZZY", "values": ["a"]}]}
                ]},
                {"name": "via-segment", "enabled": true, "strategies": [{"name": "default", "segments": [1]}]},
                {"name": "custom", "type": "chore", "enabled": true, "strategies": [
                    {"name": "byTenant", "parameters": {"tenants": "a"}}, {"name": "default"}
                ]}
            ],
            "segments": [{"id": 1, "constraints": [{"contextName": "x", "operator": "GEO_NEAR", "values": ["a"]}]}]
        }));
        let found = oddities(&features);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].contains("\"lost-segment\": segment 7 is referenced but not defined"));
        assert!(found[1].contains("\"lost-segment\": operator \"GEO_NEAR\""), "segment 1's constraints count too");
        assert!(found[2].contains("\"new-operator\": operator \"STR_FUZZY\""));
        assert!(found[3].contains("\"via-segment\": operator \"GEO_NEAR\""));
        assert!(found[4].contains("\"custom\" has type \"chore\""));
        assert!(found[5].contains("strategy \"byTenant\" is a custom strategy"));
    }
}
