//! The role matrix: every role × every server fn and API handler. Denied pairs get 403 and
//! change nothing; allowed pairs get past the guard to success or the refusal their input earns.

use crate::support::*;
use serde_json::json;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Everyone,
    /// Feature flags and flag tokens: the owner and the PM.
    OwnerAndPm,
    OwnerOnly,
}

enum Body {
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

struct Call {
    endpoint: &'static str,
    /// What a caller the guard lets through gets: success, or the one refusal this call's input
    /// earns at that point of the run (a stale version, a name taken by the previous caller…).
    allowed: &'static [u16],
    who: Who,
    body: Body,
}

fn calls(target_user: i64, target_token: i64) -> Vec<Call> {
    let form = |pairs: &[(&'static str, &str)]| Body::Form(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect());
    let uid = target_user.to_string();
    vec![
        Call { endpoint: "me", allowed: &[200], who: Who::Everyone, body: form(&[]) },
        Call { endpoint: "dashboard/system", allowed: &[200], who: Who::Everyone, body: form(&[]) },
        // A wrong current password: proves the guard let it through without changing anything.
        Call {
            endpoint: "change_password",
            allowed: &[422],
            who: Who::Everyone,
            body: form(&[("current", "not my password"), ("password", PASSWORD), ("confirm", PASSWORD)]),
        },
        Call { endpoint: "users/list", allowed: &[200], who: Who::OwnerOnly, body: form(&[]) },
        Call {
            endpoint: "users/add",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("email", "x@example.com"), ("role", "owner"), ("password", PASSWORD)]),
        },
        Call {
            endpoint: "users/role",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("user_id", &uid), ("role", "owner")]),
        },
        Call {
            endpoint: "users/active",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("user_id", &uid), ("active", "false")]),
        },
        // A PM sees and issues flag tokens only: asking for an audit token is refused (422), and
        // the target token (audit:read) is not theirs to revoke.
        Call { endpoint: "tokens/list", allowed: &[200], who: Who::OwnerAndPm, body: form(&[]) },
        Call {
            endpoint: "tokens/create",
            allowed: &[200, 422],
            who: Who::OwnerAndPm,
            body: Body::Json(json!({"name": "t", "scopes": ["audit:read"], "environment": ""})),
        },
        Call {
            endpoint: "tokens/revoke",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("token_id", &target_token.to_string())]),
        },
        Call {
            endpoint: "audit/list",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("actor", ""), ("entity_type", ""), ("from", ""), ("to", ""), ("page", "0")]),
        },
        Call { endpoint: "audit/entity_types", allowed: &[200], who: Who::OwnerOnly, body: form(&[]) },
        Call {
            endpoint: "flags/list",
            allowed: &[200],
            who: Who::Everyone,
            body: Body::Json(json!({"filter": {"q": "", "kind": "", "tag": "", "show": ""}})),
        },
        Call { endpoint: "flags/get", allowed: &[200, 404], who: Who::Everyone, body: form(&[("key", "matrix")]) },
        Call { endpoint: "flags/environments", allowed: &[200], who: Who::Everyone, body: form(&[]) },
        Call { endpoint: "flags/segments", allowed: &[200], who: Who::Everyone, body: form(&[]) },
        Call { endpoint: "flags/digest", allowed: &[200], who: Who::Everyone, body: form(&[]) },
        Call {
            endpoint: "flags/export",
            allowed: &[200],
            who: Who::Everyone,
            body: form(&[("environment", "production")]),
        },
        Call {
            endpoint: "flags/playground",
            allowed: &[200],
            who: Who::Everyone,
            body: Body::Json(
                json!({"context": {"environment": "production", "user_id": "u", "session_id": "", "remote_address": "", "properties": ""}}),
            ),
        },
        Call {
            endpoint: "flags/create",
            allowed: &[200, 422],
            who: Who::OwnerAndPm,
            body: form(&[
                ("key", "matrix"),
                ("name", "Matrix"),
                ("kind", "release"),
                ("description", ""),
                ("tags", ""),
            ]),
        },
        Call {
            endpoint: "flags/toggle",
            allowed: &[409],
            who: Who::OwnerAndPm,
            body: form(&[("key", "matrix"), ("environment", "production"), ("enabled", "true"), ("version", "0")]),
        },
        Call {
            endpoint: "flags/rollout",
            allowed: &[409],
            who: Who::OwnerAndPm,
            body: Body::Json(json!({"key": "matrix", "environment": "production", "version": 0,
                "form": {"rollout": 5, "stickiness": "default", "constraints": [], "segments": [], "variants": []}})),
        },
        Call {
            endpoint: "flags/details",
            allowed: &[409],
            who: Who::OwnerAndPm,
            body: form(&[
                ("key", "matrix"),
                ("version", "0"),
                ("name", ""),
                ("kind", "release"),
                ("description", "d"),
                ("tags", ""),
            ]),
        },
        Call {
            endpoint: "flags/archive",
            allowed: &[409],
            who: Who::OwnerAndPm,
            body: form(&[("key", "matrix"), ("version", "0"), ("archived", "true")]),
        },
        Call {
            endpoint: "flags/revert",
            allowed: &[409],
            who: Who::OwnerAndPm,
            body: form(&[("key", "matrix"), ("version", "0"), ("to", "1")]),
        },
        Call {
            endpoint: "flags/schedule",
            allowed: &[200],
            who: Who::OwnerAndPm,
            body: Body::Json(
                json!({"key": "matrix", "form": {"environment": "production", "run_at": "2099-01-01T00:00:00Z", "action": "enable", "rollout": null}}),
            ),
        },
        Call {
            endpoint: "flags/cancel-schedule",
            allowed: &[409],
            who: Who::OwnerAndPm,
            body: form(&[("key", "matrix"), ("id", "0")]),
        },
        Call {
            endpoint: "flags/import",
            allowed: &[200],
            who: Who::OwnerAndPm,
            body: Body::Json(
                json!({"environment": "production", "document": "{\"version\": 2, \"features\": []}", "apply": true}),
            ),
        },
        Call {
            endpoint: "flags/add-segment",
            allowed: &[200, 422],
            who: Who::OwnerAndPm,
            body: Body::Json(
                json!({"name": "admins", "description": "", "constraints": [{"context_name": "role", "operator": "IN", "values": "admin", "inverted": false, "case_insensitive": false}]}),
            ),
        },
        Call {
            endpoint: "flags/add-environment",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("name", "matrix")]),
        },
        Call { endpoint: "incidents/templates", allowed: &[200], who: Who::Everyone, body: Body::Json(json!({})) },
        Call {
            endpoint: "incidents/templates/save",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: Body::Json(
                json!({"id": null, "draft": {"name": "Matrix", "status": "identified", "severity": "", "body": "Fixing {components}."}}),
            ),
        },
        Call {
            endpoint: "incidents/templates/remove",
            allowed: &[404],
            who: Who::OwnerOnly,
            body: form(&[("id", "0")]),
        },
        Call {
            endpoint: "status/subscribers/remove",
            allowed: &[404],
            who: Who::OwnerOnly,
            body: form(&[("id", "0")]),
        },
        Call {
            endpoint: "status/subscribers/webhook",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: form(&[("url", "https://hooks.example.com/status")]),
        },
        Call { endpoint: "status/indicator", allowed: &[200], who: Who::Everyone, body: Body::Json(json!({})) },
        Call { endpoint: "status/settings", allowed: &[200], who: Who::OwnerOnly, body: Body::Json(json!({})) },
        Call {
            endpoint: "status/components/save",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: Body::Json(json!({"id": null, "draft": {"name": "Matrix"}})),
        },
        // No component #0: the guard let it through to the store's 404.
        Call {
            endpoint: "status/components/move",
            allowed: &[404],
            who: Who::OwnerOnly,
            body: form(&[("id", "0"), ("up", "true")]),
        },
        Call {
            endpoint: "status/components/override",
            allowed: &[404],
            who: Who::OwnerOnly,
            body: form(&[("id", "0"), ("status", "clear"), ("for_", "")]),
        },
        Call { endpoint: "status/components/remove", allowed: &[404], who: Who::OwnerOnly, body: form(&[("id", "0")]) },
        Call {
            endpoint: "status/branding/save",
            allowed: &[200],
            who: Who::OwnerOnly,
            body: Body::Json(
                json!({"draft": {"page_name": "Matrix", "logo_url": "", "accent": "#112233", "support_url": "", "time_zone": "UTC"}}),
            ),
        },
    ]
}

/// Everything a refused call must leave untouched.
async fn snapshot(app: &TestApp) -> serde_json::Value {
    sqlx::query_scalar(
        "SELECT json_build_object(
            'users', (SELECT json_agg(json_build_array(email, role, active, session_version, password_hash) ORDER BY id) FROM users),
            'tokens', (SELECT json_agg(json_build_array(name, revoked_at) ORDER BY id) FROM api_tokens),
            'flags', (SELECT json_agg(json_build_array(key, version, archived) ORDER BY id) FROM flags),
            'schedules', (SELECT count(*) FROM flag_schedules),
            'segments', (SELECT count(*) FROM flag_segments),
            'environments', (SELECT count(*) FROM flag_environments),
            'audit', (SELECT count(*) FROM audit_log))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn every_role_against_every_server_fn() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let pm = app.user(&owner, "pm@example.com", "pm").await;
    let support = app.user(&owner, "support@example.com", "support").await;
    let viewer = app.user(&owner, "viewer@example.com", "viewer").await;
    let target_user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'viewer@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let token = owner.create_token("target", "audit:read").await;
    let target_token = token["token"]["id"].as_i64().unwrap();

    let mut checked = 0;
    for (role, browser) in [("pm", &pm), ("support", &support), ("viewer", &viewer)] {
        for call in calls(target_user, target_token) {
            let before = snapshot(&app).await;
            let res = match &call.body {
                Body::Form(pairs) => {
                    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    browser.call(call.endpoint, &pairs).await
                }
                Body::Json(v) => browser.call_json(call.endpoint, v.clone()).await,
            };
            let status = res.status().as_u16();
            let refused = match call.who {
                Who::OwnerOnly => true,
                Who::OwnerAndPm => role != "pm",
                Who::Everyone => false,
            };
            if refused {
                assert_eq!(status, 403, "{role} → {}: expected 403", call.endpoint);
                assert_eq!(snapshot(&app).await, before, "{role} → {}: a refused call changed data", call.endpoint);
            } else {
                assert!(
                    call.allowed.contains(&status),
                    "{role} → {}: {status}, not one of {:?}",
                    call.endpoint,
                    call.allowed
                );
            }
            checked += 1;
        }
    }
    // The owner passes the guard everywhere.
    for call in calls(target_user, target_token) {
        let res = match &call.body {
            Body::Form(pairs) => {
                let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                owner.call(call.endpoint, &pairs).await
            }
            Body::Json(v) => owner.call_json(call.endpoint, v.clone()).await,
        };
        let status = res.status().as_u16();
        assert!(call.allowed.contains(&status), "owner → {}: {status}, not one of {:?}", call.endpoint, call.allowed);
        checked += 1;
    }
    assert_eq!(checked, 4 * calls(target_user, target_token).len());

    // Signed out: every guarded call is 401.
    let stranger = app.browser();
    for call in calls(target_user, target_token).into_iter().filter(|c| c.endpoint != "me") {
        let res = match &call.body {
            Body::Form(pairs) => {
                let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                stranger.call(call.endpoint, &pairs).await
            }
            Body::Json(v) => stranger.call_json(call.endpoint, v.clone()).await,
        };
        assert_eq!(res.status().as_u16(), 401, "signed out → {}", call.endpoint);
    }
}

#[tokio::test]
async fn pages_a_role_may_not_see_answer_403_and_are_absent_from_its_nav() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let pm = app.user(&owner, "pm@example.com", "pm").await;
    let dashboard = pm.get("/").await.text().await.unwrap();
    assert!(!dashboard.contains("href=\"/users\""), "pm sees no Users entry");
    assert!(!dashboard.contains("href=\"/audit\""));
    // A PM manages flag tokens, so the tokens page is theirs; users and audit are not.
    assert_eq!(pm.get("/settings/tokens").await.status().as_u16(), 200);
    for page in ["/users", "/audit"] {
        let res = pm.get(page).await;
        assert_eq!(res.status().as_u16(), 403, "{page}");
        assert!(res.text().await.unwrap().contains("Not for your role"));
    }
    let owner_dashboard = owner.get("/").await.text().await.unwrap();
    assert!(owner_dashboard.contains("href=\"/users\""));
    assert_eq!(owner.get("/users").await.status().as_u16(), 200);
}
