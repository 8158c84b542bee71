//! Unleash's client-features document: what SDKs fetch and export writes, built from flags, and
//! read back from a file or another Unleash.

use super::model::{Flag, FlagKey};
use crate::error::AppError;
use unleash_types::client_features::{ClientFeature, ClientFeatures, Segment};

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
