//! Every mutation writes one audit row in its own transaction: actor, action, entity,
//! before/after and client address. Refused calls write none.

use crate::support::*;
use serde_json::json;

#[derive(sqlx::FromRow, Debug)]
struct Row {
    actor: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    client_ip: Option<String>,
}

async fn rows(app: &TestApp) -> Vec<Row> {
    sqlx::query_as("SELECT actor, action, entity_type, entity_id, before, after, client_ip FROM audit_log ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_mutation_is_audited_with_before_and_after() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    owner
        .call("users/add", &[("email", "vic@example.com"), ("role", "viewer"), ("password", PASSWORD)])
        .await
        .assert_ok()
        .await;
    let vic: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'vic@example.com'").fetch_one(&app.pool).await.unwrap();
    let vic_id = vic.to_string();
    owner.call("users/role", &[("user_id", &vic_id), ("role", "support")]).await.assert_ok().await;
    owner.call("users/active", &[("user_id", &vic_id), ("active", "false")]).await.assert_ok().await;
    owner.call("users/active", &[("user_id", &vic_id), ("active", "true")]).await.assert_ok().await;
    let token = owner.create_token("ci", "incidents:write").await;
    let token_id = token["token"]["id"].as_i64().unwrap().to_string();
    owner.call("tokens/revoke", &[("token_id", &token_id)]).await.assert_ok().await;
    let new = "another fine passphrase";
    owner
        .call("change_password", &[("current", PASSWORD), ("password", new), ("confirm", new)])
        .await
        .assert_ok()
        .await;
    app.browser().sign_in("vic@example.com", PASSWORD).await.assert_ok().await;

    // Refused and no-op calls leave no trace.
    owner.call("users/role", &[("user_id", &vic_id), ("role", "nonsense")]).await.assert_error(422).await;
    owner.call("users/role", &[("user_id", &vic_id), ("role", "support")]).await.assert_ok().await;

    let rows = rows(&app).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "user.setup_owner",
            "user.create",
            "user.change_role",
            "user.deactivate",
            "user.reactivate",
            "token.create",
            "token.revoke",
            "user.set_password",
            "session.sign_in",
        ]
    );
    for row in &rows[..8] {
        assert_eq!(row.actor, format!("user:{OWNER_EMAIL}"), "{row:?}");
        assert_eq!(row.client_ip.as_deref(), Some("127.0.0.1"), "{row:?}");
    }
    assert_eq!(rows[8].actor, "user:vic@example.com");
    let role_change = &rows[2];
    assert_eq!((role_change.entity_type.as_str(), role_change.entity_id.as_str()), ("user", vic_id.as_str()));
    assert_eq!(role_change.before.as_ref().unwrap()["role"], "viewer");
    assert_eq!(role_change.after.as_ref().unwrap()["role"], "support");
    assert_eq!(rows[3].after.as_ref().unwrap()["active"], false);
    assert_eq!(rows[5].after.as_ref().unwrap()["scopes"], json!(["incidents:write"]));
    assert!(
        !rows[5].after.as_ref().unwrap().to_string().contains(token["secret"].as_str().unwrap()),
        "no secret in the log"
    );
    assert_eq!(rows[6].entity_id, token_id);
    assert!(rows[7].after.is_none() && rows[7].before.is_none(), "no password material in the log");
}

#[tokio::test]
async fn the_audit_page_filters_by_actor_entity_and_time_and_pages() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    for i in 0..55 {
        owner.create_token(&format!("t{i}"), "audit:read").await;
    }
    let list = |actor: &str, entity: &str, from: &str, to: &str, page: &str| {
        let form = [("actor", actor), ("entity_type", entity), ("from", from), ("to", to), ("page", page)]
            .map(|(k, v)| (k, v.to_owned()));
        let owner = &owner;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            owner.call("audit/list", &pairs).await.assert_ok().await
        }
    };
    let first = list("", "", "", "", "0").await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 50);
    assert_eq!(first["has_more"], true);
    let second = list("", "", "", "", "1").await;
    assert_eq!(second["entries"].as_array().unwrap().len(), 6);
    assert_eq!(second["has_more"], false);
    assert_eq!(second["entries"][5]["action"], "user.setup_owner", "oldest last");
    let users_only = list(OWNER_EMAIL, "user", "", "", "0").await;
    assert_eq!(users_only["entries"].as_array().unwrap().len(), 1);
    let nobody = list("cli", "", "", "", "0").await;
    assert!(nobody["entries"].as_array().unwrap().is_empty());
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let today_only = list("", "user", &today, &today, "0").await;
    assert_eq!(today_only["entries"].as_array().unwrap().len(), 1);
    let body = owner
        .call("audit/list", &[("actor", ""), ("entity_type", ""), ("from", "2026-13-01"), ("to", ""), ("page", "0")])
        .await
        .assert_error(422)
        .await;
    assert!(field_error(&body, "from").is_some());
    // The page renders the filter and the table.
    let html = owner.get("/audit?entity_type=user").await.text().await.unwrap();
    assert!(html.contains("user.setup_owner"));
    assert!(!html.contains("token.create"));
}
