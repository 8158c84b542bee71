//! Real clients read the status page: npm's `statuspage.io` and PyPI's
//! `statuspage-prometheus-exporter` read the Statuspage API, Python's `feedparser` reads the
//! feeds, and the badges parse as SVG.

use crate::support::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// A page with a group, a component in an incident with two public updates, and a scheduled
/// maintenance.
async fn page_with_history() -> (TestApp, Browser) {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    for draft in [json!({"name": "Platform", "is_group": true}), json!({"name": "API", "group": "Platform"})] {
        owner.call_json("status/components/save", json!({"id": null, "draft": draft})).await.assert_ok().await;
    }
    let draft = json!({"title": "Elevated API errors", "severity": 2, "impact": "major", "components": ["API"]});
    let id =
        owner.call_json("incidents/declare", json!({"draft": draft})).await.assert_ok().await["id"].as_i64().unwrap();
    for body in ["We are investigating errors on the API.", "A fix is rolling out & errors are falling."] {
        owner
            .call("incidents/post", &[("id", &id.to_string()), ("body", body), ("visibility", "public")])
            .await
            .assert_ok()
            .await;
    }
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    owner
        .call(
            "maintenance/schedule",
            &[
                ("reason", "Database upgrade"),
                ("message", "About 20 minutes."),
                ("starts_at", &tomorrow),
                ("duration", "30m"),
            ],
        )
        .await
        .assert_ok()
        .await;
    within(WAIT, || async {
        let summary: Value =
            app.machine().get(app.url("/api/v2/summary.json")).send().await.unwrap().json().await.unwrap();
        summary["status"]["indicator"] == "major"
            && summary["scheduled_maintenances"].as_array().is_some_and(|m| !m.is_empty())
    })
    .await;
    (app, owner)
}

async fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = tokio::process::Command::new(program);
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().await.unwrap_or_else(|e| panic!("{program} runs (make test-tools installs it): {e}"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_statuspage_io_client_reads_every_endpoint_it_supports() {
    let (app, _owner) = page_with_history().await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/statuspage_clients.mjs");
    let out = run("node", &[script.to_str().unwrap()], &[("PITWALL_URL", &app.base)]).await;
    let read: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(read["status"]["status"]["description"], "Partial System Outage");
    assert_eq!(read["summary"]["page"]["name"], "Status");
    let components = read["components"]["components"].as_array().unwrap();
    let api = components.iter().find(|c| c["name"] == "API").unwrap();
    assert_eq!(api["status"], "partial_outage");
    assert_eq!(read["incidents"]["incidents"][0]["name"], "Elevated API errors");
    assert_eq!(
        read["unresolved"]["incidents"][0]["incident_updates"][0]["body"],
        "A fix is rolling out & errors are falling."
    );
    assert_eq!(read["maintenances"]["scheduled_maintenances"][0]["name"], "Database upgrade");
    assert_eq!(read["upcoming"]["scheduled_maintenances"][0]["impact"], "maintenance");
    // The client asks upcoming.json for "active" too (its own mapping): it still parses.
    assert!(read["active"]["scheduled_maintenances"].is_array());
}

#[tokio::test]
async fn the_prometheus_exporter_turns_the_summary_into_gauges() {
    let (app, _owner) = page_with_history().await;
    let url = app.url("/api/v2/summary.json");
    let metrics = run("python3", &["tests/support/statuspage_exporter.py", &url], &[]).await;
    let line = |prefix: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in the exporter's output:\n{metrics}"))
            .to_owned()
    };
    assert!(line("statuspage_service_status{").ends_with(" 0.0"), "an incident: not operational");
    let api = metrics
        .lines()
        .find(|l| l.starts_with("statuspage_component_status{") && l.contains("component_name=\"API\""))
        .unwrap_or_else(|| panic!("no gauge for the API component:\n{metrics}"));
    assert!(api.ends_with(" 0.0"), "a partial outage is not operational: {api}");
    let incident = line("statuspage_incident_info{");
    assert!(
        incident.contains("incident_name=\"Elevated API errors\"") && incident.contains("impact=\"major\""),
        "{incident}"
    );
    assert!(line("statuspage_maintenance_info{").contains("maintenance_name=\"Database upgrade\""));
    assert!(line("statuspage_probe_check{").ends_with(" 1.0"), "every query succeeded");
}

#[tokio::test]
async fn the_feeds_parse_without_complaint_and_the_badges_are_svg() {
    let (app, _owner) = page_with_history().await;
    let script = r#"
import feedparser, json, sys
out = {}
for kind in ("atom", "rss"):
    d = feedparser.parse(sys.argv[1] + "/status/history." + kind)
    out[kind] = {"bozo": bool(d.bozo), "error": str(d.get("bozo_exception", "")), "version": d.version,
                 "title": d.feed.get("title"),
                 "entries": [{"id": e.get("id"), "title": e.get("title"), "summary": e.get("summary")} for e in d.entries]}
print(json.dumps(out))
"#;
    let out = run("python3", &["-c", script, &app.base], &[]).await;
    let feeds: Value = serde_json::from_str(out.trim()).unwrap();
    for (kind, version) in [("atom", "atom10"), ("rss", "rss20")] {
        let feed = &feeds[kind];
        assert_eq!(feed["bozo"], false, "{kind}: {}", feed["error"]);
        assert_eq!(feed["version"], version);
        assert_eq!(feed["title"], "Status — history");
        let entries = feed["entries"].as_array().unwrap();
        let titles: Vec<&str> = entries.iter().map(|e| e["title"].as_str().unwrap()).collect();
        assert_eq!(titles.iter().filter(|t| t.starts_with("Elevated API errors — ")).count(), 2, "{titles:?}");
        assert!(titles.contains(&"Database upgrade — Scheduled"), "{titles:?}");
        assert!(entries.iter().any(|e| e["summary"] == "A fix is rolling out & errors are falling."), "{kind}");
        let ids: std::collections::HashSet<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), entries.len(), "ids are unique");
    }

    let components: Value =
        app.machine().get(app.url("/api/v2/components.json")).send().await.unwrap().json().await.unwrap();
    let api_id = components["components"].as_array().unwrap().iter().find(|c| c["name"] == "API").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (path, title) in [
        ("/status/badge.svg".to_owned(), "status: partial system outage".to_owned()),
        (format!("/status/components/{api_id}/badge.svg"), "API: partial outage".to_owned()),
        (format!("/status/components/{api_id}/uptime-30d.svg"), "uptime 30d: ".to_owned()),
        (format!("/status/components/{api_id}/uptime-24h.svg"), "uptime 24h: ".to_owned()),
    ] {
        let res = app.machine().get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        assert!(res.headers().get("etag").is_some());
        let svg = res.text().await.unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{path} is not XML: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let shown = doc.descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text()).unwrap();
        assert!(shown.starts_with(&title), "{path}: {shown}");
    }
    assert_eq!(app.machine().get(app.url("/status/components/999/badge.svg")).send().await.unwrap().status(), 404);
}
