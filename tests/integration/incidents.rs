//! Incidents through the console's server fns and the machine API: SLA clocks, edits and their
//! validation, roles, audit, post-mortems, breaches with two processes, and escaping.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn declare(browser: &Browser, title: &str, severity: i64) -> Value {
    browser
        .call_json("incidents/declare", json!({"draft": {"title": title, "severity": severity}}))
        .await
        .assert_ok()
        .await
}

async fn edit(browser: &Browser, id: i64, patch: Value) -> reqwest::Response {
    browser.call_json("incidents/edit", json!({"id": id, "patch": patch})).await
}

async fn events(app: &TestApp, id: i64, kind: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM incident_events WHERE incident_id = $1 AND kind = $2 ORDER BY id")
        .bind(id)
        .bind(kind)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// Everything a refused call must leave untouched.
async fn snapshot(app: &TestApp) -> Value {
    sqlx::query_scalar(
        "SELECT json_build_object(
            'incidents', (SELECT json_agg(row_to_json(i) ORDER BY id) FROM incidents i),
            'events', (SELECT json_agg(json_build_array(id, occurred_at) ORDER BY id) FROM incident_events),
            'postmortems', (SELECT json_agg(row_to_json(p)) FROM postmortems p),
            'items', (SELECT json_agg(row_to_json(t) ORDER BY id) FROM action_items t),
            'severities', (SELECT json_agg(row_to_json(s) ORDER BY level) FROM incident_severities s),
            'audit', (SELECT count(*) FROM audit_log))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn secs(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap().into()
}

#[tokio::test]
async fn declared_incident_has_clocks_from_its_severity_and_edits_recompute_them() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let support = app.user(&owner, "support@example.com", "support").await;

    let incident = declare(&support, "Checkout is down", 1).await;
    let id = incident["id"].as_i64().unwrap();
    let declared = secs(&incident["declared_at"]);
    assert_eq!(incident["severity"], 1);
    assert_eq!(incident["impact"], "critical", "Sev1 defaults to critical impact");
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["sla"]["response"]["target_s"], 900);
    assert_eq!(secs(&incident["sla"]["response"]["due_at"]) - declared, chrono::Duration::minutes(15));
    assert_eq!(secs(&incident["sla"]["resolution"]["due_at"]) - declared, chrono::Duration::hours(2));
    assert_eq!(secs(&incident["sla"]["next_update_due_at"]) - declared, chrono::Duration::minutes(30));
    assert_eq!(incident["sla"]["response"]["state"], "on_track");

    let acked = support.call("incidents/acknowledge", &[("id", &id.to_string())]).await.assert_ok().await;
    assert_eq!(acked["sla"]["response"]["state"], "met");
    assert!(acked["sla"]["response"]["remaining_s"].as_i64().unwrap() > 890);

    // Re-graded: dues move, from the declaration, and the timeline says so.
    let regraded = edit(&support, id, json!({"severity": 3})).await.assert_ok().await;
    assert_eq!(secs(&regraded["sla"]["resolution"]["due_at"]) - declared, chrono::Duration::hours(24));
    assert!(regraded["sla"]["next_update_due_at"].is_null(), "Sev3 has no public update cadence");
    let severity_events = events(&app, id, "severity").await;
    assert_eq!(severity_events.len(), 1);
    assert!(severity_events[0].starts_with("Severity changed from Sev1 to Sev3"), "{severity_events:?}");

    // A public update moves the next-update clock.
    edit(&support, id, json!({"severity": 2})).await.assert_ok().await;
    support
        .call("incidents/post", &[("id", &id.to_string()), ("body", "We are on it."), ("visibility", "public")])
        .await
        .assert_ok()
        .await;
    let page = support.call("incidents/get", &[("id", &id.to_string())]).await.assert_ok().await;
    let last_update = secs(&page["incident"]["last_public_update_at"]);
    assert_eq!(secs(&page["incident"]["sla"]["next_update_due_at"]) - last_update, chrono::Duration::minutes(30));

    // Resolve, then reopen: the resolution clock runs again.
    let resolved = edit(&support, id, json!({"status": "resolved"})).await.assert_ok().await;
    assert!(resolved["resolved_at"].is_string());
    assert_eq!(resolved["sla"]["resolution"]["state"], "met");
    let reopened = edit(&support, id, json!({"status": "identified"})).await.assert_ok().await;
    assert!(reopened["resolved_at"].is_null());
    assert_eq!(reopened["sla"]["resolution"]["state"], "on_track");
    assert!(events(&app, id, "status").await.iter().any(|b| b.starts_with("Reopened")));

    let actions = app.audit_actions().await;
    for action in ["incident.declare", "incident.update", "incident.public_update"] {
        assert!(actions.iter().any(|a| a == action), "{action} missing from {actions:?}");
    }
}

#[tokio::test]
async fn timestamps_out_of_order_are_refused_with_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let incident = declare(&owner, "Slow API", 2).await;
    let id = incident["id"].as_i64().unwrap();
    let declared = secs(&incident["declared_at"]);
    let before = snapshot(&app).await;

    let early = (declared - chrono::Duration::minutes(5)).to_rfc3339();
    let body = edit(&owner, id, json!({"acknowledged_at": early})).await.assert_error(422).await;
    assert!(field_error(&body, "acknowledged_at").unwrap().contains("before the declaration"), "{body}");
    let late_start = (declared + chrono::Duration::minutes(5)).to_rfc3339();
    let body = edit(&owner, id, json!({"started_at": late_start})).await.assert_error(422).await;
    assert!(field_error(&body, "started_at").is_some(), "{body}");
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let body = edit(&owner, id, json!({"resolved_at": future})).await.assert_error(422).await;
    assert!(field_error(&body, "resolved_at").unwrap().contains("future"), "{body}");
    let body = edit(&owner, id, json!({"started_at": "yesterday"})).await.assert_error(422).await;
    assert!(field_error(&body, "started_at").is_some(), "{body}");
    let body = edit(&owner, id, json!({"status": "done"})).await.assert_error(422).await;
    assert!(field_error(&body, "status").unwrap().contains("investigating"), "{body}");
    let body = declare_blank_title(&owner).await;
    assert!(field_error(&body, "title").is_some(), "{body}");
    assert_eq!(snapshot(&app).await, before, "refused edits changed data");

    // Backfilled: a start an hour before the declaration is fine and leaves the dues alone.
    let start = (declared - chrono::Duration::hours(1)).to_rfc3339();
    let backfilled = edit(&owner, id, json!({"started_at": start})).await.assert_ok().await;
    assert_eq!(backfilled["sla"]["response"]["due_at"], incident["sla"]["response"]["due_at"]);
}

#[tokio::test]
async fn monitoring_records_mitigation_and_timeline_times_can_be_backfilled_after_the_start() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let started = chrono::Utc::now() - chrono::Duration::hours(1);
    let incident = owner
        .call_json(
            "incidents/declare",
            json!({"draft": {"title": "Checkout errors", "severity": 2, "started_at": started.to_rfc3339()}}),
        )
        .await
        .assert_ok()
        .await;
    let id = incident["id"].as_i64().unwrap();
    let mitigated_at = || async {
        let at: Option<chrono::DateTime<chrono::Utc>> =
            sqlx::query_scalar("SELECT mitigated_at FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        at
    };
    assert_eq!(mitigated_at().await, None);

    // Moving to monitoring is the mitigation: its time is recorded.
    let before = chrono::Utc::now();
    edit(&owner, id, json!({"status": "monitoring"})).await.assert_ok().await;
    let mitigated = mitigated_at().await.expect("monitoring records mitigation");
    assert!(mitigated >= before - chrono::Duration::seconds(1) && mitigated <= chrono::Utc::now(), "{mitigated}");

    // A timeline entry moves to when it really happened…
    let event: i64 = sqlx::query_scalar("SELECT id FROM incident_events WHERE incident_id = $1 AND kind = 'declared'")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let pool = &app.pool;
    let occurred = |event: i64| async move {
        let at: chrono::DateTime<chrono::Utc> =
            sqlx::query_scalar("SELECT occurred_at FROM incident_events WHERE id = $1")
                .bind(event)
                .fetch_one(pool)
                .await
                .unwrap();
        at
    };
    let backfilled = started + chrono::Duration::minutes(10);
    owner
        .call("incidents/event_time", &[("event_id", &event.to_string()), ("occurred_at", &backfilled.to_rfc3339())])
        .await
        .assert_ok()
        .await;
    assert_eq!(occurred(event).await.timestamp(), backfilled.timestamp());

    // …but not to before the incident started: refused at the field, nothing changed.
    let too_early = started - chrono::Duration::minutes(1);
    let body = owner
        .call("incidents/event_time", &[("event_id", &event.to_string()), ("occurred_at", &too_early.to_rfc3339())])
        .await
        .assert_error(422)
        .await;
    assert!(field_error(&body, "occurred_at").unwrap().contains("before the incident started"), "{body}");
    assert_eq!(occurred(event).await.timestamp(), backfilled.timestamp());
}

#[tokio::test]
async fn metrics_report_mtta_mttr_compliance_and_mtbf_of_known_incidents() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let a = declare(&owner, "Checkout down", 2).await["id"].as_i64().unwrap();
    let b = declare(&owner, "Slow search", 3).await["id"].as_i64().unwrap();
    // Known history, with targets of 15 min to respond and 2 h to resolve for both:
    // A started 5 min before it was declared, answered in 10 min, resolved 1 h after it started;
    // B answered in 40 min (late) and resolved after 3 h (late).
    let backfill = "UPDATE incidents SET response_target_s = 900, resolution_target_s = 7200,
            started_at = now() - make_interval(secs => $2), declared_at = now() - make_interval(secs => $3),
            acknowledged_at = now() - make_interval(secs => $3) + make_interval(secs => $4),
            resolved_at = now() - make_interval(secs => $2) + make_interval(secs => $5), status = 'resolved'
        WHERE id = $1";
    for (id, started_ago, declared_ago, ack_after, resolved_after) in
        [(a, 36_300.0, 36_000.0, 600.0, 3_600.0), (b, 18_000.0, 18_000.0, 2_400.0, 10_800.0)]
    {
        sqlx::query(backfill)
            .bind(id)
            .bind(started_ago)
            .bind(declared_ago)
            .bind(ack_after)
            .bind(resolved_after)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let kpis = owner.call("incidents/metrics", &[]).await.assert_ok().await;
    let month = &kpis[0];
    assert_eq!(month["days"], 30);
    assert_eq!(month["total"], 2);
    assert_eq!(month["by_severity"], json!([0, 1, 1, 0]));
    assert_eq!(month["mtta_s"], 1_500, "(600 + 2400) / 2");
    assert_eq!(month["mttr_s"], 7_200, "(3600 + 10800) / 2, from the start");
    assert_eq!(month["response_compliance"], 50.0);
    assert_eq!(month["resolution_compliance"], 50.0);
    assert_eq!(month["mtbf_s"], 1_288_800, "(30 days − 4 h down) / 2");
    assert_eq!(kpis[1]["days"], 90);
    assert_eq!(kpis[1]["mtbf_s"], 3_880_800, "(90 days − 4 h down) / 2");
}

async fn declare_blank_title(browser: &Browser) -> Value {
    browser
        .call_json("incidents/declare", json!({"draft": {"title": "  ", "severity": 1}}))
        .await
        .assert_error(422)
        .await
}

#[tokio::test]
async fn every_role_against_every_incident_server_fn() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let pm = app.user(&owner, "pm@example.com", "pm").await;
    let support = app.user(&owner, "support@example.com", "support").await;
    let viewer = app.user(&owner, "viewer@example.com", "viewer").await;
    let id = declare(&owner, "Target", 3).await["id"].as_i64().unwrap();
    owner.call("incidents/postmortem/start", &[("id", &id.to_string())]).await.assert_ok().await;
    owner
        .call(
            "incidents/action_items/add",
            &[("id", &id.to_string()), ("title", "Add alert"), ("owner_id", ""), ("due_on", ""), ("kind", "prevent")],
        )
        .await
        .assert_ok()
        .await;
    let item: i64 = sqlx::query_scalar("SELECT id FROM action_items").fetch_one(&app.pool).await.unwrap();
    let event: i64 = sqlx::query_scalar("SELECT id FROM incident_events LIMIT 1").fetch_one(&app.pool).await.unwrap();
    let (id_s, item_s, event_s) = (id.to_string(), item.to_string(), event.to_string());
    let now = chrono::Utc::now().to_rfc3339();

    let reads = vec![
        (
            "incidents/list",
            Body::Json(
                json!({"filter": {"status": "", "severity": "", "mine": false, "breached": false, "from": "", "to": "", "q": ""}}),
            ),
        ),
        ("incidents/get", Body::Form(vec![("id", &id_s)])),
        ("incidents/severities", Body::Form(vec![])),
        ("incidents/action_items", Body::Form(vec![])),
        ("incidents/metrics", Body::Form(vec![])),
        ("incidents/export", Body::Form(vec![("id", &id_s)])),
    ];
    // With what a caller the guard lets through gets: success, or the refusal the second caller
    // earns for repeating the first one's change (already acknowledged, already in review…).
    let writes: Vec<(&str, &[u16], Body)> = vec![
        ("incidents/declare", &[200], Body::Json(json!({"draft": {"title": "New", "severity": 2}}))),
        ("incidents/edit", &[200, 422], Body::Json(json!({"id": id, "patch": {"status": "identified"}}))),
        ("incidents/acknowledge", &[200, 422], Body::Form(vec![("id", &id_s)])),
        ("incidents/post", &[200], Body::Form(vec![("id", &id_s), ("body", "note"), ("visibility", "note")])),
        ("incidents/event_time", &[200], Body::Form(vec![("event_id", &event_s), ("occurred_at", &now)])),
        (
            "incidents/postmortem/save",
            &[200],
            Body::Json(json!({"id": id, "sections": {"summary": "s", "impact": "", "detection": "",
            "root_cause": "", "trigger": "", "resolution": "", "went_well": "", "went_wrong": "", "got_lucky": "", "timeline": ""}})),
        ),
        ("incidents/postmortem/status", &[200, 409], Body::Form(vec![("id", &id_s), ("status", "in_review")])),
        (
            "incidents/action_items/add",
            &[200],
            Body::Form(vec![("id", &id_s), ("title", "x"), ("owner_id", ""), ("due_on", ""), ("kind", "process")]),
        ),
        ("incidents/action_items/status", &[200], Body::Form(vec![("item_id", &item_s), ("status", "done")])),
    ];
    let owner_only: Vec<(&str, &[u16], Body)> = vec![(
        "incidents/severities/save",
        &[200],
        Body::Form(vec![
            ("level", "4"),
            ("name", "Low"),
            ("description", ""),
            ("examples", ""),
            ("response", "1d"),
            ("resolution", "3d"),
            ("cadence", ""),
        ]),
    )];
    let mut checked = 0;
    for (role, browser, may_write, may_define) in [
        ("pm", &pm, false, false),
        ("viewer", &viewer, false, false),
        ("support", &support, true, false),
        ("owner", &owner, true, true),
    ] {
        for (endpoint, body) in &reads {
            let status = send(browser, endpoint, body).await.status().as_u16();
            assert_eq!(status, 200, "{role} reads {endpoint}");
            checked += 1;
        }
        for (group, allowed) in [(&writes, may_write), (&owner_only, may_define)] {
            for (endpoint, expected, body) in group.iter() {
                let before = snapshot(&app).await;
                let status = send(browser, endpoint, body).await.status().as_u16();
                if allowed {
                    assert!(expected.contains(&status), "{role} → {endpoint}: {status}, not one of {expected:?}");
                } else {
                    assert_eq!(status, 403, "{role} → {endpoint}");
                    assert_eq!(snapshot(&app).await, before, "{role} → {endpoint}: a refused call changed data");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * (6 + 9 + 1));
    let stranger = app.browser();
    let guarded = writes.iter().chain(&owner_only).map(|(endpoint, _, body)| (endpoint, body));
    for (endpoint, body) in reads.iter().map(|(endpoint, body)| (endpoint, body)).chain(guarded) {
        assert_eq!(send(&stranger, endpoint, body).await.status().as_u16(), 401, "signed out → {endpoint}");
    }
}

enum Body<'a> {
    Form(Vec<(&'a str, &'a str)>),
    Json(Value),
}

async fn send(browser: &Browser, endpoint: &str, body: &Body<'_>) -> reqwest::Response {
    match body {
        Body::Form(pairs) => browser.call(endpoint, pairs).await,
        Body::Json(v) => browser.call_json(endpoint, v.clone()).await,
    }
}

#[tokio::test]
async fn api_contract_with_tokens() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let writer = owner.create_token("monitor", "incidents:write").await["secret"].as_str().unwrap().to_owned();
    let reader = owner.create_token("dashboard", "incidents:read").await["secret"].as_str().unwrap().to_owned();
    let http = app.machine();
    let post = |token: &str, path: &str, body: Value| http.post(app.url(path)).bearer_auth(token).json(&body).send();

    // Tokens: none, wrong scope, unknown.
    let res = http.post(app.url("/api/v1/incidents")).json(&json!({"title": "x", "severity": 1})).send().await.unwrap();
    res.assert_error(401).await;
    post(&reader, "/api/v1/incidents", json!({"title": "x", "severity": 1})).await.unwrap().assert_error(403).await;
    http.get(app.url("/api/v1/incidents")).bearer_auth(&writer).send().await.unwrap().assert_error(403).await;
    http.get(app.url("/api/v1/incidents")).bearer_auth("pw_nope").send().await.unwrap().assert_error(401).await;

    // Bad input: a JSON error naming the field, and nothing stored.
    for (body, field) in [
        (json!({"severity": 1}), "title"),
        (json!({"title": "Down"}), "severity"),
        (json!({"title": "Down", "severity": 7}), "severity"),
        (json!({"title": "Down", "severity": 1, "impact": "apocalyptic"}), "impact"),
        (json!({"title": "Down", "severity": 1, "started_at": "last tuesday"}), "started_at"),
        (json!({"title": "Down", "severity": 1, "colour": "red"}), "body"),
        (json!({"title": "Down", "severity": 1, "assignee_id": 999}), "assignee_id"),
    ] {
        let err = post(&writer, "/api/v1/incidents", body.clone()).await.unwrap().assert_error(422).await;
        assert_eq!(err["error"], "validation", "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let res = http.post(app.url("/api/v1/incidents")).bearer_auth(&writer).body("{not json").send().await.unwrap();
    assert_eq!(res.assert_error(422).await["field"], "body");
    assert_eq!(app.count("incidents").await, 0);

    let started = (chrono::Utc::now() - chrono::Duration::minutes(20)).to_rfc3339();
    let res = post(
        &writer,
        "/api/v1/incidents",
        json!({"title": "Payments failing", "severity": 2, "components": ["payments", "api"], "started_at": started}),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    for key in [
        "id",
        "title",
        "severity",
        "status",
        "impact",
        "components",
        "started_at",
        "declared_at",
        "acknowledged_at",
        "mitigated_at",
        "resolved_at",
    ] {
        assert!(created.get(key).is_some(), "{key} missing from {created}");
    }
    for clock in ["response", "resolution"] {
        for key in ["target_s", "due_at", "state"] {
            assert!(created["sla"][clock].get(key).is_some(), "sla.{clock}.{key} missing");
        }
    }
    assert!(created["declared_at"].as_str().unwrap().ends_with('Z'), "UTC: {}", created["declared_at"]);
    assert!(created["acknowledged_at"].is_null());
    assert_eq!(created["components"], json!(["payments", "api"]));
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}");

    let patch = |body: Value| http.patch(app.url(&path)).bearer_auth(&writer).json(&body).send();
    assert_eq!(patch(json!({"status": "identified"})).await.unwrap().assert_ok().await["status"], "identified");
    let acked = patch(json!({"acknowledge": true})).await.unwrap().assert_ok().await;
    assert_eq!(acked["sla"]["response"]["state"], "met");
    assert!(acked["acknowledged_at"].is_string());
    let regraded = patch(json!({"severity": 1})).await.unwrap().assert_ok().await;
    assert_eq!(regraded["sla"]["resolution"]["target_s"], 7200);
    let err = patch(json!({"mitigated_at": "2000-01-01T00:00:00Z"})).await.unwrap().assert_error(422).await;
    assert_eq!(err["field"], "mitigated_at");
    patch(json!({})).await.unwrap().assert_error(422).await;
    http.patch(app.url("/api/v1/incidents/999999"))
        .bearer_auth(&writer)
        .json(&json!({"status": "identified"}))
        .send()
        .await
        .unwrap()
        .assert_error(404)
        .await;
    http.patch(app.url(&path))
        .bearer_auth(&reader)
        .json(&json!({"status": "monitoring"}))
        .send()
        .await
        .unwrap()
        .assert_error(403)
        .await;

    let updates = format!("{path}/updates");
    let res = post(&writer, &updates, json!({"body": "Fix deployed, monitoring.", "public": true})).await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let err = post(&writer, &updates, json!({"body": "", "public": true})).await.unwrap().assert_error(422).await;
    assert_eq!(err["field"], "body");

    let one = http.get(app.url(&path)).bearer_auth(&reader).send().await.unwrap().assert_ok().await;
    assert_eq!(one["severity"], 1);
    let kinds: Vec<&str> = one["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["declared", "status", "acknowledged", "severity", "update"]);
    assert_eq!(one["timeline"][4]["public"], true);
    let list =
        http.get(app.url("/api/v1/incidents?open=true")).bearer_auth(&reader).send().await.unwrap().assert_ok().await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let bad = http
        .get(app.url("/api/v1/incidents?severity=9"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap()
        .assert_error(422)
        .await;
    assert_eq!(bad["field"], "severity");

    let res = http.get(app.url(&format!("{path}/export.md"))).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/markdown; charset=utf-8");
    let markdown = res.text().await.unwrap();
    assert!(markdown.starts_with(&format!("# Incident #{id}: Payments failing")), "{markdown}");
    assert!(markdown.contains("Fix deployed, monitoring."));

    let actors: Vec<String> = sqlx::query_scalar("SELECT DISTINCT actor FROM audit_log WHERE entity_type = 'incident'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(actors, ["token:monitor"]);
}

#[tokio::test]
async fn markup_in_titles_notes_updates_and_postmortems_is_neutralised() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let viewer = app.user(&owner, "viewer@example.com", "viewer").await;
    let id = declare(&owner, "</title><script>alert('title')</script>", 1).await["id"].as_i64().unwrap();
    let id_s = id.to_string();
    for (body, visibility) in
        [("<img src=x onerror=alert('note')>", "note"), ("</script><script>alert('update')</script>", "public")]
    {
        owner
            .call("incidents/post", &[("id", &id_s), ("body", body), ("visibility", visibility)])
            .await
            .assert_ok()
            .await;
    }
    owner.call("incidents/postmortem/start", &[("id", &id_s)]).await.assert_ok().await;
    let markdown = "Root cause <script>alert('pm')</script>\n\n[docs](javascript:alert('link'))\n\n<img src=y onerror=alert('img')>\n\n**bold**";
    let sections = json!({"summary": markdown, "impact": "", "detection": "", "root_cause": "", "trigger": "", "resolution": "",
        "went_well": "", "went_wrong": "", "got_lucky": "", "timeline": ""});
    owner.call_json("incidents/postmortem/save", json!({"id": id, "sections": sections})).await.assert_ok().await;

    for page in
        [format!("/incidents/{id}"), format!("/incidents/{id}/postmortem"), "/incidents".to_owned(), "/".to_owned()]
    {
        let res = viewer.get(&page).await;
        assert_eq!(res.status().as_u16(), 200, "{page}");
        let html = res.text().await.unwrap();
        for banned in [
            "<script>alert",
            "<img src=x onerror",
            "<img src=\"y\" onerror",
            "<img src=y onerror",
            "href=\"javascript:",
            "</script><script>alert",
            "</title><script>",
        ] {
            if let Some(at) = html.find(banned) {
                let around = &html[html.floor_char_boundary(at.saturating_sub(150))
                    ..html.ceil_char_boundary((at + 300).min(html.len()))];
                panic!("{page} contains {banned:?}: …{around}…");
            }
        }
        if page.ends_with("/postmortem") {
            assert!(html.contains("<strong>bold</strong>"), "Markdown is rendered");
            assert!(html.contains("Root cause"), "the text around a dropped script stays");
        } else if page.starts_with("/incidents/") {
            assert!(html.contains("&lt;/title&gt;&lt;script&gt;alert("), "the title is shown as text");
        }
    }
}

#[tokio::test]
async fn postmortem_from_template_to_published_with_overdue_action_items() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let support = app.user(&owner, "support@example.com", "support").await;
    let id = declare(&support, "Queue backlog", 2).await["id"].as_i64().unwrap();
    let id_s = id.to_string();
    support
        .call("incidents/post", &[("id", &id_s), ("body", "Workers restarted."), ("visibility", "note")])
        .await
        .assert_ok()
        .await;
    let pm = support.call("incidents/postmortem/start", &[("id", &id_s)]).await.assert_ok().await;
    assert_eq!(pm["status"], "draft");
    let timeline = pm["sections"]["timeline"].as_str().unwrap();
    assert!(timeline.contains("Declared") && timeline.contains("Workers restarted."), "pre-filled: {timeline}");
    support.call("incidents/postmortem/start", &[("id", &id_s)]).await.assert_error(409).await;

    let support_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'support@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let add = |title: &'static str, due: String, kind: &'static str| {
        let (id_s, owner_id) = (id_s.clone(), support_id.to_string());
        let support = &support;
        async move {
            support
                .call(
                    "incidents/action_items/add",
                    &[("id", &id_s), ("title", title), ("owner_id", &owner_id), ("due_on", &due), ("kind", kind)],
                )
                .await
        }
    };
    add("Alert on queue depth", yesterday.clone(), "prevent").await.assert_ok().await;
    let err = add("Bad date", "next week".into(), "prevent").await.assert_error(422).await;
    assert!(field_error(&err, "due_on").is_some());
    let err = add("Bad kind", String::new(), "pray").await.assert_error(422).await;
    assert!(field_error(&err, "kind").is_some());
    let open = support.call("incidents/action_items", &[]).await.assert_ok().await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let dashboard = support.get("/").await.text().await.unwrap();
    assert!(dashboard.contains("Alert on queue depth"), "overdue item on the dashboard");
    let page = support.get("/incidents/action-items").await.text().await.unwrap();
    assert!(page.contains("Alert on queue depth") && page.contains("(overdue)"));

    for status in ["in_review", "published"] {
        support.call("incidents/postmortem/status", &[("id", &id_s), ("status", status)]).await.assert_ok().await;
    }
    let sections = json!({"summary": "late edit", "impact": "", "detection": "", "root_cause": "", "trigger": "", "resolution": "",
        "went_well": "", "went_wrong": "", "got_lucky": "", "timeline": ""});
    support
        .call_json("incidents/postmortem/save", json!({"id": id, "sections": sections}))
        .await
        .assert_error(409)
        .await;
    let actions = app.audit_actions().await;
    for action in ["postmortem.create", "action_item.create", "postmortem.status"] {
        assert!(actions.iter().any(|a| a == action), "{action} missing");
    }
    let metrics = support.get("/incidents/metrics").await;
    assert_eq!(metrics.status().as_u16(), 200);
    assert!(metrics.text().await.unwrap().contains("MTTA"));
}

async fn define_sev4(owner: &Browser, response: &str, resolution: &str) -> reqwest::Response {
    let form = [
        ("level", "4"),
        ("name", "Low"),
        ("description", "d"),
        ("examples", "e"),
        ("response", response),
        ("resolution", resolution),
        ("cadence", ""),
    ];
    owner.call("incidents/severities/save", &form).await
}

#[tokio::test]
async fn severity_edits_apply_to_new_incidents_only() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let before = declare(&owner, "Before", 4).await;
    let err = define_sev4(&owner, "soon", "3d").await.assert_error(422).await;
    assert!(field_error(&err, "response").is_some());
    define_sev4(&owner, "4h", "3d").await.assert_ok().await;
    let after = declare(&owner, "After", 4).await;
    assert_eq!(after["sla"]["response"]["target_s"], 4 * 3600);
    let id = before["id"].as_i64().unwrap().to_string();
    let reread = owner.call("incidents/get", &[("id", &id)]).await.assert_ok().await;
    assert_eq!(reread["incident"]["sla"]["response"]["target_s"], 86_400, "open incidents keep their targets");
    assert!(app.audit_actions().await.contains(&"incident_severity.update".to_owned()));
}

#[tokio::test]
async fn a_breach_is_written_once_with_two_processes() {
    let app = TestApp::spawn().await;
    let second = app.second_process().await;
    let owner = app.setup_owner().await;
    define_sev4(&owner, "1s", "2s").await.assert_ok().await;
    let id = declare(&owner, "Clock runs out", 4).await["id"].as_i64().unwrap();
    within(WAIT, || async { events(&app, id, "breach").await.len() == 2 }).await;
    // Both processes keep ticking; nothing more may appear.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let breaches = events(&app, id, "breach").await;
    assert_eq!(breaches.len(), 2, "{breaches:?}");
    assert!(breaches[0].starts_with("Response SLA breached"), "{breaches:?}");
    assert!(breaches[1].starts_with("Resolution SLA breached"), "{breaches:?}");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'incident.breach'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 2);
    let lag: f64 = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM e.created_at - (i.declared_at + interval '1 second'))::float8
         FROM incident_events e JOIN incidents i ON i.id = e.incident_id
         WHERE e.kind = 'breach' AND i.id = $1 ORDER BY e.id LIMIT 1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    eprintln!("response breach written {lag:.3} s after its due time");
    assert!(lag >= 0.0, "a breach is never written before its due time ({lag} s)");
    drop(second);
}

// Multi-threaded: the CLI is a blocking child process while the app's jobs keep running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_declares_lists_and_exports() {
    let app = TestApp::spawn().await;
    let url = app.database_url().await;
    let cli = |args: &[&str]| {
        let out =
            std::process::Command::new(BIN).arg("incident").args(args).env("DATABASE_URL", &url).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, out, err) = cli(&["declare", "--sev", "1", "--title", "Site down", "--component", "web"]);
    assert_eq!(code, Some(0), "{err}");
    let id: i64 = out.trim().parse().unwrap_or_else(|_| panic!("the id alone on stdout: {out:?}"));
    assert!(err.contains("Declared Sev1"), "{err}");
    let (code, _, err) = cli(&["declare", "--sev", "9", "--title", "x"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--sev"), "{err}");
    let (code, _, err) = cli(&["declare", "--sev", "2", "--title", ""]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--title"), "{err}");
    assert_eq!(app.count("incidents").await, 1);

    let (code, out, _) = cli(&["list", "--open", "--json"]);
    assert_eq!(code, Some(0));
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["components"], json!(["web"]));
    assert_eq!(list[0]["sla"]["response"]["state"], "on_track");
    let (_, table, _) = cli(&["list"]);
    assert!(table.lines().nth(1).unwrap().contains("Site down"), "{table}");
    let (code, markdown, _) = cli(&["export", &id.to_string()]);
    assert_eq!(code, Some(0));
    assert!(markdown.starts_with(&format!("# Incident #{id}: Site down")));
    let (code, _, err) = cli(&["export", "424242"]);
    assert_eq!((code, err.contains("not found")), (Some(1), true), "{err}");
    let actors: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit_log").fetch_all(&app.pool).await.unwrap();
    assert_eq!(actors, ["cli"]);
}
