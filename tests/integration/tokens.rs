//! API tokens: shown once, stored hashed, scoped, revocable; the one extractor guards the APIs.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn token_lifecycle_through_the_console_and_the_api() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let created = owner.create_token("siem export", "audit:read").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("pw_") && secret.len() == 67, "{secret}");
    let id = created["token"]["id"].as_i64().unwrap();

    // Stored hashed: the secret appears nowhere in the database, nor in the list.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_one(&app.pool).await.unwrap();
    assert_ne!(stored, secret);
    assert!(!stored.contains(&secret[3..]));
    let list = owner.call("tokens/list", &[]).await.assert_ok().await;
    assert!(!list.to_string().contains(&secret));
    assert_eq!(list[0]["prefix"], secret[..9]);
    assert!(list[0]["last_used_at"].is_null());

    let machine = app.machine();
    let audit = machine.get(app.url("/api/v1/audit")).bearer_auth(&secret).send().await.unwrap().assert_ok().await;
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["token.create", "user.setup_owner"]);
    // Bare tokens (as some SDKs send them) work too; last use is recorded.
    machine
        .get(app.url("/api/v1/audit?entity_type=api_token"))
        .header("authorization", &secret)
        .send()
        .await
        .unwrap()
        .assert_ok()
        .await;
    let list = owner.call("tokens/list", &[]).await.assert_ok().await;
    assert!(!list[0]["last_used_at"].is_null());

    owner.call("tokens/revoke", &[("token_id", &id.to_string())]).await.assert_ok().await;
    let body = machine.get(app.url("/api/v1/audit")).bearer_auth(&secret).send().await.unwrap().assert_error(401).await;
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(app.audit_actions().await, vec!["user.setup_owner", "token.create", "token.revoke"]);
}

#[tokio::test]
async fn api_refuses_missing_wrong_and_under_scoped_tokens() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let created = owner.create_token("deploy", "maintenance:write").await;
    let machine = app.machine();
    machine.get(app.url("/api/v1/audit")).send().await.unwrap().assert_error(401).await;
    machine.get(app.url("/api/v1/audit")).bearer_auth("pw_0000").send().await.unwrap().assert_error(401).await;
    let body = machine
        .get(app.url("/api/v1/audit"))
        .bearer_auth(created["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .assert_error(403)
        .await;
    assert_eq!(body["error"], "forbidden");
    // A session cookie is no substitute for a token on the machine API.
    owner.get("/api/v1/audit").await.assert_error(401).await;
}

#[tokio::test]
async fn token_creation_validates_and_writes_nothing_on_bad_input() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let cases = [
        (json!({"name": "", "scopes": ["audit:read"], "environment": ""}), "name"),
        (json!({"name": "x", "scopes": [], "environment": ""}), "scopes"),
        (json!({"name": "x", "scopes": ["root"], "environment": ""}), "scopes"),
        (json!({"name": "sdk", "scopes": ["flags:read"], "environment": ""}), "environment"),
        (json!({"name": "sdk", "scopes": ["flags:read"], "environment": "Prod!"}), "environment"),
        (json!({"name": "x", "scopes": ["audit:read"], "environment": "production"}), "environment"),
    ];
    for (body, field) in cases {
        let err = owner.call_json("tokens/create", body.clone()).await.assert_error(422).await;
        assert!(field_error(&err, field).is_some(), "{body}: expected error at {field}: {err}");
    }
    assert_eq!(app.count("api_tokens").await, 0);
    let ok = owner
        .call_json("tokens/create", json!({"name": "sdk", "scopes": ["flags:read"], "environment": "production"}))
        .await
        .assert_ok()
        .await;
    assert_eq!(ok["token"]["environment"], "production");
}

#[tokio::test]
async fn audit_api_filters_and_pages() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    for i in 0..3 {
        app.user(&owner, &format!("u{i}@example.com"), "viewer").await;
    }
    let created = owner.create_token("siem", "audit:read").await;
    let secret = created["secret"].as_str().unwrap();
    let get = |q: &str| app.machine().get(app.url(&format!("/api/v1/audit{q}"))).bearer_auth(secret).send();
    let creates = get("?entity_type=user&actor=owner@example.com").await.unwrap().assert_ok().await;
    let actions: Vec<&str> =
        creates["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["user.create", "user.create", "user.create", "user.setup_owner"]);
    let empty = get("?from=2000-01-01&to=2000-01-02").await.unwrap().assert_ok().await;
    assert!(empty["entries"].as_array().unwrap().is_empty());
    let bad = get("?from=yesterday").await.unwrap().assert_error(422).await;
    assert_eq!(bad["field"], "from");
}
