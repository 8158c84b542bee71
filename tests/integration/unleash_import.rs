//! Importing what Unleash itself accepts but a strict reader would refuse: a strategy naming a
//! segment the document lacks, an operator newer than this engine, a custom strategy. Pitwall
//! imports all of it, says in the preview what is odd, and evaluates each flag as yggdrasil
//! (Unleash's own engine, fed the same document here) does.

use crate::flags::{flag_token, ofrep, served};
use crate::support::*;
use serde_json::{json, Value};
use unleash_types::client_features::{ClientFeatures, Context};
use unleash_yggdrasil::{EngineState, UpdateMessage};

fn odd_document() -> Value {
    json!({
        "version": 2,
        "features": [
            {"name": "lost-segment", "enabled": true, "strategies": [{"name": "default", "segments": [7]}]},
            {"name": "new-operator", "enabled": true, "strategies": [{"name": "default", "constraints": [
                {"contextName": "userId", "operator": "STR_FUZZY", "values": ["u1"]}
            ]}]},
            {"name": "custom-then-rollout", "enabled": true, "strategies": [
                {"name": "byTenant", "parameters": {"tenants": "acme"}},
                {"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "userId", "groupId": "g"}}
            ]},
            {"name": "custom-only", "enabled": true, "strategies": [{"name": "byTenant", "parameters": {}}]},
            {"name": "in-segment", "enabled": true, "strategies": [{"name": "default", "segments": [1]}]}
        ],
        "segments": [{"id": 1, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["u1", "u2"]}]}]
    })
}

/// Unleash's answer for each flag and user of `document`, from yggdrasil itself.
fn unleash_answers(document: &Value, users: &[String]) -> Vec<(String, String, bool)> {
    let features: ClientFeatures = serde_json::from_value(document.clone()).unwrap();
    let engine = EngineState::default();
    engine.take_state(UpdateMessage::FullResponse(features.clone()));
    let mut answers = Vec::new();
    for feature in &features.features {
        for user in users {
            let context = Context { user_id: Some(user.clone()), ..Context::default() };
            answers.push((feature.name.clone(), user.clone(), engine.is_enabled(&feature.name, &context, &None)));
        }
    }
    answers
}

#[tokio::test]
async fn a_document_unleash_accepts_is_imported_whole_and_evaluated_as_unleash_does() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let document = odd_document();
    let import = |apply: bool| {
        owner.call_json(
            "flags/import",
            json!({"environment": "production", "document": document.to_string(), "apply": apply}),
        )
    };

    let preview = import(false).await.assert_ok().await;
    assert_eq!(app.count("flags").await, 0, "a preview stores nothing");
    let oddities: Vec<&str> = preview["oddities"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    assert_eq!(oddities.len(), 4, "{oddities:#?}");
    assert!(oddities[0].contains("\"lost-segment\": segment 7 is referenced but not defined"));
    assert!(oddities[1].contains("\"new-operator\": operator \"STR_FUZZY\""));
    assert!(oddities[2].contains("\"custom-then-rollout\": strategy \"byTenant\" is a custom strategy"));
    assert!(oddities[3].contains("\"custom-only\": strategy \"byTenant\""));

    let applied = import(true).await.assert_ok().await;
    assert_eq!(applied["created"].as_array().unwrap().len(), 5, "{applied}");
    assert_eq!(applied["oddities"], preview["oddities"]);

    let token = flag_token(&owner, "production").await;
    served(&app, &token, "in-segment").await;
    let users: Vec<String> = (1..=40).map(|n| format!("u{n}")).collect();
    let expected = unleash_answers(&document, &users);
    assert!(expected.iter().any(|(_, _, on)| *on) && expected.iter().any(|(_, _, on)| !on), "a test of both answers");
    for (flag, user, unleash_says) in &expected {
        let res = ofrep(&app, &token, flag, json!({"targetingKey": user})).await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["metadata"]["enabled"].as_bool(), Some(*unleash_says), "{flag} for {user}: {body}");
    }

    // What is exported is still Unleash's document: evaluated by yggdrasil, it answers the same.
    let exported = owner.call("flags/export", &[("environment", "production")]).await.assert_ok().await;
    let exported: Value = serde_json::from_str(exported.as_str().unwrap()).unwrap();
    let by_flag = |answers: Vec<(String, String, bool)>| {
        let mut answers = answers;
        answers.sort();
        answers
    };
    assert_eq!(by_flag(unleash_answers(&exported, &users)), by_flag(expected));
}
