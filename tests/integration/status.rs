//! The public status page: components driven by monitors, incidents, maintenance and overrides;
//! Statuspage's API shapes; the page's privacy and caching; the uptime bars; the CLI.

use crate::support::*;
use serde_json::{json, Value};
use std::process::Command;

struct Status {
    app: TestApp,
    owner: Browser,
}

impl Status {
    async fn start() -> Self {
        let app = TestApp::spawn().await;
        let owner = app.setup_owner().await;
        Self { app, owner }
    }

    async fn add(&self, draft: Value) -> Value {
        self.owner.call_json("status/components/save", json!({"id": null, "draft": draft})).await.assert_ok().await
    }

    /// A public document, as a client with no cookies reads it.
    async fn api(&self, document: &str) -> Value {
        let res = self.app.machine().get(self.app.url(&format!("/api/v2/{document}"))).send().await.unwrap();
        assert_eq!(res.status(), 200, "{document}");
        res.json().await.unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let res = self.app.machine().get(self.app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.unwrap()
    }

    /// Waits until the named component has `status` in components.json.
    async fn until_component(&self, name: &str, status: &str) {
        within(WAIT, || async {
            self.api("components.json").await["components"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == name && c["status"] == status)
        })
        .await;
    }

    async fn indicator(&self) -> (String, String) {
        let status = self.api("status.json").await["status"].clone();
        (status["indicator"].as_str().unwrap().to_owned(), status["description"].as_str().unwrap().to_owned())
    }

    async fn declare(&self, title: &str, impact: &str, components: &[&str]) -> i64 {
        let draft = json!({"title": title, "severity": 2, "impact": impact, "components": components});
        self.owner.call_json("incidents/declare", json!({"draft": draft})).await.assert_ok().await["id"]
            .as_i64()
            .unwrap()
    }

    async fn post(&self, id: i64, body: &str, visibility: &str) {
        self.owner
            .call("incidents/post", &[("id", &id.to_string()), ("body", body), ("visibility", visibility)])
            .await
            .assert_ok()
            .await;
    }
}

#[tokio::test]
async fn a_monitor_going_down_turns_its_component_to_the_rules_status_and_the_indicator_follows() {
    let s = Status::start().await;
    let write = s.owner.create_token("ci", "monitors:write").await["secret"].as_str().unwrap().to_owned();
    let push = s.owner.create_token("cron", "monitors:push").await["secret"].as_str().unwrap().to_owned();
    let created: Value = s
        .app
        .machine()
        .post(s.app.url("/api/v1/monitors"))
        .bearer_auth(&write)
        .json(&json!({"name": "API heartbeat", "kind": "push", "interval": "1h"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let push_path = created["push_path"].as_str().unwrap().to_owned();
    s.add(json!({"name": "API", "monitors": ["api heartbeat"], "down_status": "partial_outage"})).await;
    s.add(json!({"name": "Website"})).await;
    s.until_component("API", "operational").await;
    assert_eq!(s.indicator().await, ("none".into(), "All Systems Operational".into()));

    let pushed = s.app.machine().post(s.app.url(&format!("{push_path}?status=down"))).bearer_auth(&push).send().await;
    assert_eq!(pushed.unwrap().json::<Value>().await.unwrap()["state"], "down");
    s.until_component("API", "partial_outage").await;
    assert_eq!(s.indicator().await, ("major".into(), "Partial System Outage".into()));
    let page = s.page("/status").await;
    assert!(page.contains("Partial System Outage"), "the banner follows");
    // The change is in the history (the bars' source), once.
    within(WAIT, || async {
        let rows: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM status_component_history h JOIN status_components c ON c.id = h.component_id
             WHERE c.name = 'API' AND h.status = 'partial_outage'",
        )
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
        rows == 1
    })
    .await;

    s.app.machine().post(s.app.url(&format!("{push_path}?status=up"))).bearer_auth(&push).send().await.unwrap();
    s.app.machine().post(s.app.url(&format!("{push_path}?status=up"))).bearer_auth(&push).send().await.unwrap();
    s.until_component("API", "operational").await;
    assert_eq!(s.indicator().await.0, "none");
}

#[tokio::test]
async fn incidents_maintenance_and_overrides_drive_components_and_an_override_runs_out() {
    let s = Status::start().await;
    let api = s.add(json!({"name": "API"})).await;
    s.add(json!({"name": "Docs", "covered_by_maintenance": false})).await;

    // An open incident naming the component (any case) gives its impact.
    let id = s.declare("Errors on API", "major", &["api"]).await;
    s.until_component("API", "partial_outage").await;
    s.owner.call_json("incidents/edit", json!({"id": id, "patch": {"impact": "critical"}})).await.assert_ok().await;
    s.until_component("API", "major_outage").await;
    s.owner.call_json("incidents/edit", json!({"id": id, "patch": {"status": "resolved"}})).await.assert_ok().await;
    s.until_component("API", "operational").await;

    // Maintenance covers the components that opted in.
    s.owner
        .call("maintenance/start", &[("reason", "Database upgrade"), ("message", "Back soon."), ("duration", "1h")])
        .await
        .assert_ok()
        .await;
    s.until_component("API", "under_maintenance").await;
    s.until_component("Docs", "operational").await;
    assert_eq!(s.indicator().await, ("maintenance".into(), "Service Under Maintenance".into()));
    let active = s.api("scheduled-maintenances/active.json").await;
    assert_eq!(active["scheduled_maintenances"][0]["name"], "Database upgrade");

    // An override wins until it runs out, and is audited.
    let api_id = api["id"].as_i64().unwrap().to_string();
    s.owner
        .call("status/components/override", &[("id", &api_id), ("status", "major_outage"), ("for_", "3s")])
        .await
        .assert_ok()
        .await;
    s.until_component("API", "major_outage").await;
    assert!(s.app.audit_actions().await.contains(&"status.component.override".to_owned()));
    s.until_component("API", "under_maintenance").await;

    // A refused override changes nothing.
    let audit = s.app.count("audit_log").await;
    let res = s.owner.call("status/components/override", &[("id", &api_id), ("status", "on fire"), ("for_", "")]).await;
    assert!(field_error(&res.assert_error(422).await, "status").unwrap().contains("Unknown component status"));
    let res = s
        .owner
        .call("status/components/override", &[("id", &api_id), ("status", "major_outage"), ("for_", "soon")])
        .await;
    assert!(field_error(&res.assert_error(422).await, "for").is_some());
    assert_eq!(s.app.count("audit_log").await, audit);
}

fn assert_type(value: &Value, field: &str, kind: &str, nullable: bool) {
    let got = value.get(field).unwrap_or_else(|| panic!("missing {field:?} in {value}"));
    let ok = match kind {
        "string" => got.is_string(),
        "number" => got.is_number(),
        "bool" => got.is_boolean(),
        "array" => got.is_array(),
        "object" => got.is_object(),
        _ => unreachable!(),
    };
    assert!(ok || (nullable && got.is_null()), "{field} should be a {kind}: {got}");
}

fn assert_time(value: &Value, field: &str, nullable: bool) {
    let got = &value[field];
    if nullable && got.is_null() {
        return;
    }
    let text = got.as_str().unwrap_or_else(|| panic!("{field} should be a time: {got}"));
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|_| panic!("{field} is not RFC 3339: {text}"));
}

fn assert_component(c: &Value) {
    for f in ["id", "name", "status", "page_id"] {
        assert_type(c, f, "string", false);
    }
    for f in ["created_at", "updated_at"] {
        assert_time(c, f, false);
    }
    assert_type(c, "position", "number", false);
    assert_type(c, "description", "string", true);
    assert_type(c, "group_id", "string", true);
    assert_type(c, "start_date", "string", true);
    for f in ["showcase", "group", "only_show_if_degraded"] {
        assert_type(c, f, "bool", false);
    }
    assert_eq!(c["group"].as_bool().unwrap(), c.get("components").is_some(), "only groups list components: {c}");
}

fn assert_incident(i: &Value, maintenance: bool) {
    for f in ["id", "name", "status", "impact", "shortlink", "page_id"] {
        assert_type(i, f, "string", false);
    }
    for f in ["created_at", "updated_at", "started_at"] {
        assert_time(i, f, false);
    }
    for f in ["monitoring_at", "resolved_at"] {
        assert_time(i, f, true);
    }
    assert_type(i, "incident_updates", "array", false);
    assert_type(i, "components", "array", false);
    for c in i["components"].as_array().unwrap() {
        assert_component(c);
    }
    let statuses: &[&str] = if maintenance {
        &["scheduled", "in_progress", "verifying", "completed"]
    } else {
        &["investigating", "identified", "monitoring", "resolved", "postmortem"]
    };
    assert!(statuses.contains(&i["status"].as_str().unwrap()), "{}", i["status"]);
    let mut previous: Option<String> = None;
    for u in i["incident_updates"].as_array().unwrap() {
        for f in ["id", "status", "body", "incident_id"] {
            assert_type(u, f, "string", false);
        }
        for f in ["created_at", "updated_at", "display_at"] {
            assert_time(u, f, false);
        }
        assert!(u.get("affected_components").is_some(), "affected_components present: {u}");
        assert_eq!(u["incident_id"], i["id"]);
        let at = u["display_at"].as_str().unwrap().to_owned();
        if let Some(newer) = &previous {
            assert!(
                chrono::DateTime::parse_from_rfc3339(newer).unwrap()
                    >= chrono::DateTime::parse_from_rfc3339(&at).unwrap(),
                "newest first"
            );
        }
        previous = Some(at);
    }
    if maintenance {
        assert_eq!(i["impact"], "maintenance");
        assert_time(i, "scheduled_for", false);
        assert_time(i, "scheduled_until", true);
    } else {
        assert!(["none", "minor", "major", "critical"].contains(&i["impact"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn every_statuspage_document_has_atlassians_fields_with_their_types() {
    let s = Status::start().await;
    s.add(json!({"name": "Core", "is_group": true, "description": "The main product"})).await;
    s.add(json!({"name": "API", "group": "Core"})).await;
    s.add(json!({"name": "Website", "group": "Core"})).await;
    s.add(json!({"name": "Internal tools", "hidden": true})).await;
    let id = s.declare("Slow API", "minor", &["API"]).await;
    s.post(id, "We are looking into slow responses.", "public").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    s.post(id, "A fix is being deployed.", "public").await;
    let in_a_day = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    s.owner
        .call(
            "maintenance/schedule",
            &[("reason", "Upgrade"), ("message", "Short downtime."), ("starts_at", &in_a_day), ("duration", "30m")],
        )
        .await
        .assert_ok()
        .await;
    s.until_component("API", "degraded_performance").await;
    within(WAIT, || async {
        !s.api("scheduled-maintenances/upcoming.json").await["scheduled_maintenances"].as_array().unwrap().is_empty()
    })
    .await;

    let summary = s.api("summary.json").await;
    for f in ["page", "components", "incidents", "scheduled_maintenances", "status"] {
        assert!(summary.get(f).is_some(), "summary has {f}");
    }
    let page = &summary["page"];
    for f in ["id", "name", "url", "time_zone"] {
        assert_type(page, f, "string", false);
    }
    assert_time(page, "updated_at", false);
    assert_eq!(summary["status"], json!({"indicator": "minor", "description": "Minor Service Outage"}));

    let components = summary["components"].as_array().unwrap();
    assert_eq!(components.len(), 3, "the hidden component is not listed: {components:?}");
    components.iter().for_each(assert_component);
    let group = components.iter().find(|c| c["name"] == "Core").unwrap();
    let api = components.iter().find(|c| c["name"] == "API").unwrap();
    let website = components.iter().find(|c| c["name"] == "Website").unwrap();
    assert_eq!(group["components"], json!([api["id"], website["id"]]));
    assert_eq!(api["group_id"], group["id"]);
    assert_eq!(group["status"], "degraded_performance", "a group is as bad as its worst member");

    let incidents = summary["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert_incident(&incidents[0], false);
    let updates = incidents[0]["incident_updates"].as_array().unwrap();
    assert_eq!(updates[0]["body"], "A fix is being deployed.");
    assert_eq!(updates[1]["body"], "We are looking into slow responses.");
    assert_eq!(updates[0]["status"], "investigating");
    assert_eq!(incidents[0]["components"][0]["name"], "API");

    let maintenances = summary["scheduled_maintenances"].as_array().unwrap();
    assert_eq!(maintenances.len(), 1);
    assert_incident(&maintenances[0], true);
    assert_eq!(maintenances[0]["status"], "scheduled");

    for document in [
        "status.json",
        "components.json",
        "incidents.json",
        "incidents/unresolved.json",
        "scheduled-maintenances.json",
        "scheduled-maintenances/upcoming.json",
        "scheduled-maintenances/active.json",
    ] {
        let body = s.api(document).await;
        assert_eq!(body["page"], summary["page"], "{document}");
        for i in body["incidents"].as_array().into_iter().flatten() {
            assert_incident(i, false);
        }
        for m in body["scheduled_maintenances"].as_array().into_iter().flatten() {
            assert_incident(m, true);
        }
    }
    assert!(s.api("scheduled-maintenances/active.json").await["scheduled_maintenances"].as_array().unwrap().is_empty());

    // Public, cacheable briefly, revalidated by ETag.
    let res = s.app.machine().get(s.app.url("/api/v2/summary.json")).send().await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(res.headers()["cache-control"], "public, max-age=30");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let again =
        s.app.machine().get(s.app.url("/api/v2/summary.json")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let page = s.app.machine().get(s.app.url("/status")).send().await.unwrap();
    assert!(page.headers().get("last-modified").is_some());
    let page_etag = page.headers()["etag"].to_str().unwrap().to_owned();
    let unchanged = s.app.machine().get(s.app.url("/status")).header("if-none-match", &page_etag).send().await.unwrap();
    assert_eq!(unchanged.status(), 304);
    assert_eq!(s.app.machine().get(s.app.url("/api/v2/nope.json")).send().await.unwrap().status(), 404);
    // Gzipped once per rebuild, for those who take it.
    let zipped = s.app.machine().get(s.app.url("/status")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "accept-encoding");
    assert_eq!(&zipped.bytes().await.unwrap()[..2], &[0x1f, 0x8b]);
    let refused = s.app.machine().get(s.app.url("/status")).header("accept-encoding", "gzip;q=0").send().await.unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn internal_notes_assignees_and_draft_postmortems_never_reach_the_public() {
    let s = Status::start().await;
    s.add(json!({"name": "API"})).await;
    let support = s.app.user(&s.owner, "oncall-secret@example.com", "support").await;
    let _ = support;
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'oncall-secret@example.com'")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let hidden = s.declare("Internal only: payroll export", "minor", &[]).await;
    s.post(hidden, "INTERNAL-NOTE-1 not for customers", "note").await;
    let id = s.declare("API errors", "major", &["API"]).await;
    s.owner.call_json("incidents/edit", json!({"id": id, "patch": {"assignee_id": user_id}})).await.assert_ok().await;
    s.post(id, "INTERNAL-NOTE-2 db password rotated", "note").await;
    s.post(id, "We are investigating errors on the API.", "public").await;
    s.owner.call_json("incidents/edit", json!({"id": id, "patch": {"status": "resolved"}})).await.assert_ok().await;
    s.owner.call("incidents/postmortem/start", &[("id", &id.to_string())]).await.assert_ok().await;
    let sections = |summary: &str| {
        json!({"summary": summary, "impact": "", "detection": "", "root_cause": "DRAFT-ROOT-CAUSE", "trigger": "",
               "resolution": "", "went_well": "", "went_wrong": "", "got_lucky": "", "timeline": ""})
    };
    s.owner
        .call_json("incidents/postmortem/save", json!({"id": id, "sections": sections("DRAFT-SUMMARY")}))
        .await
        .assert_ok()
        .await;
    within(WAIT, || async { s.api("incidents.json").await["incidents"][0]["status"] == "resolved" }).await;

    let mut everything = vec![s.page("/status").await, s.page(&format!("/status/incidents/{id}")).await];
    for document in ["summary.json", "incidents.json", "incidents/unresolved.json", "components.json"] {
        everything.push(s.api(document).await.to_string());
    }
    for text in &everything {
        for secret in
            ["INTERNAL-NOTE", "oncall-secret", "payroll", "DRAFT-SUMMARY", "DRAFT-ROOT-CAUSE", "owner@example.com"]
        {
            assert!(!text.contains(secret), "{secret} leaked into {}", &text[..text.len().min(200)]);
        }
    }
    assert!(everything[1].contains("We are investigating errors on the API."));
    let hidden_page = s.app.machine().get(s.app.url(&format!("/status/incidents/{hidden}"))).send().await.unwrap();
    assert_eq!(hidden_page.status(), 404, "an incident with no public update has no public page");

    // Once published, the post-mortem's summary (and only it) is public, and the status says so.
    s.owner
        .call_json("incidents/postmortem/save", json!({"id": id, "sections": sections("Published summary text")}))
        .await
        .assert_ok()
        .await;
    for status in ["in_review", "published"] {
        s.owner
            .call("incidents/postmortem/status", &[("id", &id.to_string()), ("status", status)])
            .await
            .assert_ok()
            .await;
    }
    within(WAIT, || async { s.api("incidents.json").await["incidents"][0]["status"] == "postmortem" }).await;
    let story = s.page(&format!("/status/incidents/{id}")).await;
    assert!(story.contains("Published summary text"));
    assert!(!story.contains("DRAFT-ROOT-CAUSE"));
}

#[tokio::test]
async fn a_day_with_30_minutes_of_outage_and_2_hours_of_maintenance_shows_maintenance_apart() {
    let s = Status::start().await;
    let api = s.add(json!({"name": "API"})).await;
    let id = api["id"].as_i64().unwrap();
    s.until_component("API", "operational").await;
    // Yesterday (UTC, the page's default zone): maintenance 02:00–04:00, an outage 15:00–15:30.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let at = |h: u32, m: u32| yesterday.and_hms_opt(h, m, 0).unwrap().and_utc();
    sqlx::query("UPDATE status_components SET created_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at(0, 0) - chrono::Duration::days(2))
        .execute(&s.app.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM status_component_history WHERE component_id = $1")
        .bind(id)
        .execute(&s.app.pool)
        .await
        .unwrap();
    for (from, status) in [
        (at(0, 0) - chrono::Duration::days(2), "operational"),
        (at(2, 0), "under_maintenance"),
        (at(4, 0), "operational"),
        (at(15, 0), "major_outage"),
        (at(15, 30), "operational"),
    ] {
        sqlx::query("INSERT INTO status_component_history (component_id, status, at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(status)
            .bind(from)
            .execute(&s.app.pool)
            .await
            .unwrap();
    }
    sqlx::query("SELECT pg_notify('pitwall_status', '')").execute(&s.app.pool).await.unwrap();
    let date = yesterday.format("%b %-d, %Y").to_string();
    let label = within(WAIT, || async {
        let page = s.page("/status").await;
        page.contains(&format!("aria-label=\"{date} · 97.72 % uptime"))
    })
    .await;
    let _ = label;
    let page = s.page("/status").await;
    let start = page.find(&format!("aria-label=\"{date}")).unwrap();
    let bar = &page[page[..start].rfind("<li").unwrap()..start + page[start..].find("</li>").unwrap()];
    assert!(bar.contains("class=\"day major_outage\""), "the worst of the day colours it: {bar}");
    assert!(bar.contains("Under maintenance: 2 h 0 min"), "{bar}");
    assert!(bar.contains("Major outage: 30 min"), "{bar}");
    assert!(bar.contains("tabindex=\"0\""), "reachable by keyboard");
    // The day before: whole, operational; three days back: before the component existed.
    assert!(page.contains(&format!(
        "aria-label=\"{} · 100.00 % uptime\"",
        (yesterday - chrono::Duration::days(1)).format("%b %-d, %Y")
    )));
    assert!(page.contains(&format!(
        "aria-label=\"{} · No data\"",
        (yesterday - chrono::Duration::days(3)).format("%b %-d, %Y")
    )));
}

#[tokio::test]
async fn components_are_refused_at_their_field_and_nothing_is_stored() {
    let s = Status::start().await;
    s.add(json!({"name": "API"})).await;
    let before = (s.app.count("status_components").await, s.app.count("audit_log").await);
    for (draft, field, message) in [
        (json!({"name": " "}), "name", "Give the component a name."),
        (json!({"name": "api"}), "name", "already exists"),
        (json!({"name": "Web", "monitors": ["nope"]}), "monitors", "There is no monitor named \"nope\"."),
        (json!({"name": "Web", "down_status": "operational"}), "down_status", "partial_outage"),
        (json!({"name": "Web", "group": "API"}), "group", "is a component, not a group"),
    ] {
        let res = s.owner.call_json("status/components/save", json!({"id": null, "draft": draft})).await;
        let got = field_error(&res.assert_error(422).await, field).unwrap_or_else(|| panic!("no message at {field}"));
        assert!(got.contains(message), "{got}");
    }
    assert_eq!((s.app.count("status_components").await, s.app.count("audit_log").await), before);
    let viewer = s.app.user(&s.owner, "viewer@example.com", "viewer").await;
    viewer
        .call_json("status/components/save", json!({"id": null, "draft": {"name": "X"}}))
        .await
        .assert_error(403)
        .await;
}

#[tokio::test]
async fn the_cli_adds_lists_and_overrides_components() {
    let s = Status::start().await;
    let url = s.app.database_url().await;
    let run = |args: &[&str]| Command::new(BIN).args(args).env("DATABASE_URL", &url).output().unwrap();

    let added = run(&["status", "component", "add", "--name", "API", "--group", "Core"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let refused = run(&["status", "component", "add", "--name", "Web", "--monitor", "ghost"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("There is no monitor named \"ghost\""));

    let listed = run(&["status", "component", "list", "--json"]);
    let list: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Core", "API"], "the group first, its member after");
    assert_eq!(list[1]["group"], "Core");

    let over = run(&["status", "override", "api", "partial_outage", "--for", "2h"]);
    assert!(over.status.success(), "{}", String::from_utf8_lossy(&over.stderr));
    assert_eq!(String::from_utf8_lossy(&over.stdout).trim(), "API: partial_outage");
    s.until_component("API", "partial_outage").await;
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'status.component.override'")
            .fetch_all(&s.app.pool)
            .await
            .unwrap();
    assert_eq!(actors, ["cli"]);
    let cleared = run(&["status", "override", "API", "clear"]);
    assert!(cleared.status.success());
    s.until_component("API", "operational").await;
    assert_eq!(run(&["status", "override", "nope", "clear"]).status.code(), Some(1));
}

#[tokio::test]
async fn the_status_host_serves_the_public_side_alone_with_the_page_at_its_root() {
    let app = TestApp::spawn_with(&[("PITWALL_STATUS_HOST", "status.example.test")]).await;
    app.setup_owner().await;
    let get = |path: &str, host: &str| app.machine().get(app.url(path)).header("host", host).send();
    let root = get("/", "status.example.test").await.unwrap();
    assert_eq!(root.status(), 200);
    assert!(root.text().await.unwrap().contains("All Systems Operational"));
    assert_eq!(get("/api/v2/status.json", "status.example.test:443").await.unwrap().status(), 200);
    assert_eq!(get("/status/history.atom", "status.example.test").await.unwrap().status(), 200);
    for console in ["/signin", "/status/settings", "/api/me", "/users"] {
        assert_eq!(get(console, "status.example.test").await.unwrap().status(), 404, "{console}");
    }
    // The console's own address is untouched, and another name is still refused.
    let console = get("/", "127.0.0.1").await.unwrap();
    assert_eq!(console.status(), 303, "the console sends the signed-out to /signin");
    assert_eq!(get("/status", "evil.example.test").await.unwrap().status(), 421);
    // Links in the API point at the status host.
    let page: Value = get("/api/v2/status.json", "status.example.test").await.unwrap().json().await.unwrap();
    assert_eq!(page["page"]["url"], "https://status.example.test/status");
}

#[tokio::test]
async fn update_templates_ship_with_defaults_and_the_owner_keeps_the_set() {
    let s = Status::start().await;
    let support = s.app.user(&s.owner, "support@example.com", "support").await;
    let templates = support.call_json("incidents/templates", json!({})).await.assert_ok().await;
    let names: Vec<&str> = templates.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Investigating", "Investigating (Sev1 outage)", "Identified", "Monitoring", "Resolved"]);

    // The incident page gets the templates and where the public reads the page.
    let id = s.declare("Slow API", "minor", &["API"]).await;
    let detail = support.call("incidents/get", &[("id", &id.to_string())]).await.assert_ok().await;
    assert_eq!(detail["templates"].as_array().unwrap().len(), 5);
    assert_eq!(detail["status_page_url"], "/status");

    // Only the owner edits; a misspelt placeholder is refused and nothing changes.
    let draft = json!({"id": null, "draft": {"name": "Degraded", "status": "identified", "severity": "2",
        "body": "{components} is slower than usual; we are on it."}});
    support.call_json("incidents/templates/save", draft.clone()).await.assert_error(403).await;
    let audit = s.app.count("audit_log").await;
    let bad = json!({"id": null, "draft": {"name": "Typo", "status": "identified", "severity": "", "body": "{component} is down"}});
    let refused = s.owner.call_json("incidents/templates/save", bad).await.assert_error(422).await;
    assert!(field_error(&refused, "body").unwrap().starts_with("Unknown placeholder {component}"));
    assert_eq!((s.app.count("incident_update_templates").await, s.app.count("audit_log").await), (5, audit));
    let new_id = s.owner.call_json("incidents/templates/save", draft).await.assert_ok().await.as_i64().unwrap();
    assert!(s.app.audit_actions().await.contains(&"incident_template.create".to_owned()));
    s.owner.call("incidents/templates/remove", &[("id", &new_id.to_string())]).await.assert_ok().await;
    assert_eq!(s.app.count("incident_update_templates").await, 5);
}

#[tokio::test]
async fn the_history_pages_through_months_of_public_incidents() {
    let s = Status::start().await;
    let started = chrono::Utc::now() - chrono::Duration::days(40);
    let draft = json!({"title": "Old outage", "severity": 2, "started_at": started.to_rfc3339()});
    let old =
        s.owner.call_json("incidents/declare", json!({"draft": draft})).await.assert_ok().await["id"].as_i64().unwrap();
    s.post(old, "It was a bad day.", "public").await;
    s.declare("Never public", "minor", &[]).await;
    let month = started.format("%Y-%m").to_string();
    let page = s.page(&format!("/status/history?month={month}")).await;
    assert!(page.contains("Old outage") && page.contains("It was a bad day."), "{month}");
    assert!(!page.contains("Never public"));
    let this_month = s.page("/status/history").await;
    assert!(!this_month.contains("Old outage") && this_month.contains("No incidents reported this month."));
    assert!(this_month.contains("href=\"/status/history?month="), "a link to the month before");
    for bad in ["2999-01", "last-month"] {
        let res = s.app.machine().get(s.app.url(&format!("/status/history?month={bad}"))).send().await.unwrap();
        assert_eq!(res.status(), 404, "{bad}");
    }
}
