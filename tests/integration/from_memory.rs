//! What the README promises is served from memory keeps answering while the database is away:
//! flag evaluation over OFREP and the public maintenance state.

use crate::support::*;
use serde_json::{json, Value};

#[tokio::test]
async fn flags_and_maintenance_state_answer_with_the_database_cut_off() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    owner
        .call(
            "flags/create",
            &[("key", "checkout"), ("name", ""), ("kind", "release"), ("description", ""), ("tags", "")],
        )
        .await
        .assert_ok()
        .await;
    owner
        .call(
            "flags/toggle",
            &[("key", "checkout"), ("environment", "production"), ("enabled", "true"), ("version", "1")],
        )
        .await
        .assert_ok()
        .await;
    let token = owner
        .call_json("tokens/create", json!({"name": "sdk", "scopes": ["flags:read"], "environment": "production"}))
        .await
        .assert_ok()
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    owner
        .call("maintenance/start", &[("reason", "Database upgrade"), ("message", "Back in a bit"), ("duration", "1h")])
        .await
        .assert_ok()
        .await;
    let evaluate = || {
        app.machine()
            .post(app.url("/ofrep/v1/evaluate/flags/checkout"))
            .bearer_auth(&token)
            .json(&json!({"context": {"targetingKey": "u1"}}))
            .send()
    };
    let maintenance = || app.machine().get(app.url("/api/v1/maintenance")).send();
    within(WAIT, || async {
        let res = evaluate().await.unwrap();
        res.status() == 200 && res.json::<Value>().await.unwrap()["value"] == true
    })
    .await;
    // The process's view follows the change (NOTIFY): wait until it shows the window.
    within(WAIT, || async { maintenance().await.unwrap().json::<Value>().await.unwrap()["active"] == true }).await;
    let state_before: Value = maintenance().await.unwrap().assert_ok().await;

    // The database goes away: no new connections, the open ones cut.
    app.cut_off_database().await;
    // The app itself says so, in its own words: the database's message stays in the log.
    within(WAIT, || async { app.machine().get(app.url("/readyz")).send().await.unwrap().status() == 503 }).await;
    for path in ["/readyz", "/healthz"] {
        let report: Value = app.machine().get(app.url(path)).send().await.unwrap().json().await.unwrap();
        let error = report["checks"]["database"]["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            ["cannot connect", "no connection free within the acquire timeout", "the check query failed"]
                .contains(&error.as_str())
                || error.starts_with("no answer within"),
            "{path} shows {error:?}"
        );
    }
    // …and still answers both from what it holds.
    let body = evaluate().await.unwrap().assert_ok().await;
    assert_eq!((body["value"].clone(), body["reason"].clone()), (json!(true), json!("STATIC")), "{body}");
    assert_eq!(maintenance().await.unwrap().assert_ok().await, state_before);

    app.restore_database().await;
}
