//! Monitors against real local targets: a health-JSON app whose answers the test flips, a server
//! that hangs, a closed port, the test Postgres and (where one runs) Redis.

use crate::support::*;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What the target app answers on `/health`.
const HEALTHY: u8 = 0;
const REDIS_DOWN: u8 = 1;
const FAILING: u8 = 2;

#[derive(Clone, Default)]
struct Target {
    mode: Arc<AtomicU8>,
    hits: Arc<AtomicU32>,
}

impl Target {
    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

async fn health(State(target): State<Target>) -> impl IntoResponse {
    target.hits.fetch_add(1, Ordering::SeqCst);
    let redis = if target.mode.load(Ordering::SeqCst) == REDIS_DOWN { "disconnected" } else { "connected" };
    match target.mode.load(Ordering::SeqCst) {
        FAILING => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"status": "error"}))),
        mode => (
            StatusCode::OK,
            Json(json!({
                "status": if mode == REDIS_DOWN { "degraded" } else { "ok" },
                "services": {
                    "database": {"status": "connected", "responseTime": "4ms"},
                    "redis": {"status": redis, "responseTime": "1ms"},
                },
                "warnings": [],
            })),
        ),
    }
}

/// Starts the target app; returns its health URL.
async fn start_target(target: &Target) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/health", get(health)).with_state(target.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/health")
}

/// A server that accepts connections and never answers.
async fn start_hanging() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/")
}

struct Monitors {
    app: TestApp,
    owner: Browser,
    write: String,
    read: String,
}

impl Monitors {
    async fn start() -> Self {
        let app = TestApp::spawn().await;
        let owner = app.setup_owner().await;
        let write = owner.create_token("ci", "monitors:write").await["secret"].as_str().unwrap().to_owned();
        let read = owner.create_token("dash", "monitors:read").await["secret"].as_str().unwrap().to_owned();
        Self { app, owner, write, read }
    }

    async fn create(&self, body: Value) -> reqwest::Response {
        self.app
            .machine()
            .post(self.app.url("/api/v1/monitors"))
            .bearer_auth(&self.write)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn add(&self, body: Value) -> i64 {
        let created = self.create(body).await;
        assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
        created.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        self.app.machine().get(self.app.url(path)).bearer_auth(&self.read).send().await.unwrap().assert_ok().await
    }

    async fn results(&self, id: i64) -> i64 {
        sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM monitor_results WHERE monitor_id = $1", id)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// Makes the monitor due now (rather than waiting out its interval) and waits for the check.
    async fn check_once(&self, id: i64) -> Value {
        let before = self.results(id).await;
        sqlx::query!("UPDATE monitors SET next_check_at = now() WHERE id = $1", id)
            .execute(&self.app.pool)
            .await
            .unwrap();
        within(WAIT, || async { self.results(id).await > before }).await;
        self.get(&format!("/api/v1/monitors/{id}")).await
    }

    async fn events(&self, id: i64) -> Vec<(String, String, String)> {
        let events = self.get(&format!("/api/v1/monitors/{id}/events")).await;
        let mut list: Vec<_> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["from_state"].as_str().unwrap().to_owned(),
                    e["to_state"].as_str().unwrap().to_owned(),
                    e["cause"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        list.reverse();
        list
    }
}

fn states(events: &[(String, String, String)]) -> Vec<String> {
    events.iter().map(|(from, to, _)| format!("{from}>{to}")).collect()
}

#[tokio::test]
async fn three_failures_make_it_down_and_two_successes_bring_it_back() {
    let m = Monitors::start().await;
    let target = Target::default();
    let url = start_target(&target).await;
    let id = m.add(json!({"name": "API", "target": url, "interval": "1h", "conditions": ["[STATUS] == 200"]})).await;
    assert_eq!(m.check_once(id).await["state"], "up", "a first success counts at once");

    target.set(FAILING);
    assert_eq!(m.check_once(id).await["state"], "up");
    let second = m.check_once(id).await;
    assert_eq!(second["state"], "up", "two failures are not enough");
    let third = m.check_once(id).await;
    assert_eq!(third["state"], "down");
    assert_eq!(third["last_message"], "failed: [STATUS] (500) == 200");
    assert_eq!(m.check_once(id).await["state"], "down");

    target.set(HEALTHY);
    assert_eq!(m.check_once(id).await["state"], "down", "one success is not a recovery");
    assert_eq!(m.check_once(id).await["state"], "up");
    let events = m.events(id).await;
    assert_eq!(states(&events), vec!["pending>up", "up>down", "down>up"]);
    assert_eq!(events[1].2, "failed: [STATUS] (500) == 200");
    let results = m.get(&format!("/api/v1/monitors/{id}/results")).await;
    assert_eq!(results.as_array().unwrap().len(), 7);
    assert_eq!(
        results[0]["conditions"][0],
        json!({"condition": "[STATUS] == 200", "passed": true, "detail": "[STATUS] (200) == 200"})
    );
}

#[tokio::test]
async fn a_health_document_degrades_the_monitor_naming_the_service() {
    let m = Monitors::start().await;
    let target = Target::default();
    let url = start_target(&target).await;
    let id = m.add(json!({"name": "App health", "target": url, "interval": "1h", "failure_threshold": 1})).await;
    assert_eq!(m.check_once(id).await["state"], "up");
    target.set(REDIS_DOWN);
    let degraded = m.check_once(id).await;
    assert_eq!(degraded["state"], "degraded");
    assert_eq!(degraded["last_message"], "health: degraded — redis disconnected");
    let results = m.get(&format!("/api/v1/monitors/{id}/results?limit=1")).await;
    let services = results[0]["services"].as_array().unwrap();
    let redis = services.iter().find(|s| s["name"] == "redis").unwrap();
    assert_eq!((redis["status"].as_str(), redis["healthy"].as_bool()), (Some("disconnected"), Some(false)));
    let database = services.iter().find(|s| s["name"] == "database").unwrap();
    assert_eq!(database["response_ms"], 4.0);
    assert_eq!(m.events(id).await.last().unwrap().2, "health: degraded — redis disconnected");
}

#[tokio::test]
async fn a_hanging_target_delays_no_other_check() {
    let m = Monitors::start().await;
    let target = Target::default();
    let healthy = start_target(&target).await;
    let hanging = start_hanging().await;
    let slow = m
        .add(json!({"name": "Hangs", "target": hanging, "interval": "1h", "timeout": "3s", "failure_threshold": 1}))
        .await;
    let fine = m.add(json!({"name": "Fine", "target": healthy, "interval": "1h"})).await;
    sqlx::query!("UPDATE monitors SET next_check_at = now() WHERE id = ANY($1)", &[slow, fine][..])
        .execute(&m.app.pool)
        .await
        .unwrap();
    let healthy_took = within(WAIT, || async { m.results(fine).await == 1 }).await;
    assert!(healthy_took < Duration::from_secs(3), "the healthy check waited for the hanging one: {healthy_took:?}");
    assert_eq!(m.results(slow).await, 0, "the hanging one is still waiting");
    within(WAIT, || async { m.results(slow).await == 1 }).await;
    let hung = m.get(&format!("/api/v1/monitors/{slow}")).await;
    assert_eq!((hung["state"].as_str(), hung["last_message"].as_str()), (Some("down"), Some("no answer within 3 s")));
}

#[tokio::test]
async fn tcp_postgres_and_redis_checks() {
    let m = Monitors::start().await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let tcp = m.add(json!({"name": "Closed port", "kind": "tcp", "target": closed.to_string(), "interval": "1h", "failure_threshold": 1})).await;
    let refused = m.check_once(tcp).await;
    assert_eq!(refused["state"], "down");
    assert!(
        refused["last_message"].as_str().unwrap().starts_with(&format!("could not connect to {closed}")),
        "{refused}"
    );

    let dsn = m.app.database_url().await;
    let pg = m.add(json!({"name": "Database", "kind": "postgres", "target": dsn, "interval": "1h"})).await;
    assert_eq!(m.check_once(pg).await["state"], "up");
    // The same server, a database that is not there (the DSN may end in `?host=…`).
    let wrong = match dsn.split_once('?') {
        Some((base, params)) => format!("{base}_missing?{params}"),
        None => format!("{dsn}_missing"),
    };
    let missing = m.add(json!({"name": "No such db", "kind": "postgres", "target": wrong, "interval": "1h", "failure_threshold": 1})).await;
    let failed = m.check_once(missing).await;
    assert_eq!(failed["state"], "down");
    assert!(failed["last_message"].as_str().unwrap().contains("does not exist"), "{failed}");

    if tokio::net::TcpStream::connect("127.0.0.1:6379").await.is_err() {
        eprintln!("skipped the Redis case: no Redis answers on 127.0.0.1:6379");
        return;
    }
    let redis =
        m.add(json!({"name": "Cache", "kind": "redis", "target": "redis://127.0.0.1:6379", "interval": "1h"})).await;
    let pinged = m.check_once(redis).await;
    assert_eq!(pinged["state"], "up", "{pinged}");
}

#[tokio::test]
async fn push_monitors_hear_their_jobs_and_notice_silence() {
    let m = Monitors::start().await;
    let created = m.create(json!({"name": "Nightly backup", "kind": "push", "interval": "1d"})).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    let path = created["push_path"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/api/v1/monitors/") && path.ends_with("/push"), "{path}");
    let push_token = m.owner.create_token("backup", "monitors:push").await["secret"].as_str().unwrap().to_owned();
    let machine = m.app.machine();
    let push = |token: String, query: &'static str| {
        let request = machine.post(m.app.url(&format!("{path}{query}"))).bearer_auth(token);
        async move { request.send().await.unwrap() }
    };

    assert_eq!(push(m.read.clone(), "?status=up").await.status(), 403, "a read token cannot push");
    let pushed = push(push_token.clone(), "?status=up&msg=dump%20done").await.assert_ok().await;
    assert_eq!((pushed["state"].as_str(), pushed["last_message"].as_str()), (Some("up"), Some("pushed up: dump done")));
    push(push_token.clone(), "?status=sideways").await.assert_error(422).await;
    let unknown =
        m.app.machine().post(m.app.url("/api/v1/monitors/nope/push")).bearer_auth(&push_token).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    // The silence deadline passes (the test moves it rather than waiting a day).
    let silent = m.check_once(id).await;
    assert_eq!(silent["state"], "down");
    assert!(silent["last_message"].as_str().unwrap().starts_with("no push since "), "{silent}");
    let back = push(push_token.clone(), "").await.assert_ok().await;
    assert_eq!(back["state"], "down", "one push after silence: the success threshold is 2");
    assert_eq!(push(push_token, "?status=up").await.assert_ok().await["state"], "up");
    assert_eq!(states(&m.events(id).await), vec!["pending>up", "up>down", "down>up"]);
}

#[tokio::test]
async fn each_check_runs_once_across_processes_and_a_dead_processs_lease_runs_out() {
    let m = Monitors::start().await;
    let _second = m.app.second_process().await;
    let _third = m.app.second_process().await;
    let target = Target::default();
    let url = start_target(&target).await;
    let id = m.add(json!({"name": "Once", "target": url, "interval": "1h"})).await;
    for round in 1..=5 {
        m.check_once(id).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(m.results(id).await, round, "one result per due check");
        assert_eq!(target.hits.load(Ordering::SeqCst), round as u32, "one request per due check");
    }

    // A process that leased the check and died: nobody runs it until the lease runs out.
    sqlx::query!(
        "UPDATE monitors SET next_check_at = now(), lease_owner = 'a-dead-process', lease_until = now() + interval '2 seconds'
         WHERE id = $1",
        id
    )
    .execute(&m.app.pool)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(m.results(id).await, 5, "the lease still holds");
    let taken_over = within(WAIT, || async { m.results(id).await == 6 }).await;
    assert!(taken_over > Duration::from_millis(300), "taken over only after the lease ran out");
}

#[tokio::test]
async fn bad_definitions_are_refused_at_their_field_and_nothing_is_stored() {
    let m = Monitors::start().await;
    let cases = [
        (
            json!({"name": "", "target": "https://example.com"}),
            "name",
            "Give the monitor a name of 1 to 80 characters.",
        ),
        (
            json!({"name": "x", "target": "example.com"}),
            "target",
            "\"example.com\" is not a URL, as in https://example.com/health.",
        ),
        (
            json!({"name": "x", "target": "https://example.com", "interval": "5s"}),
            "interval",
            "\"5s\" is outside 10 s to 24 h.",
        ),
        (
            json!({"name": "x", "target": "https://example.com", "conditions": ["[STATUS] = 200"]}),
            "conditions",
            "Condition 1 (\"[STATUS] = 200\") at column 1: no comparison: use ==, !=, <, >, <= or >=.",
        ),
        (
            json!({"name": "x", "kind": "ftp", "target": "x"}),
            "kind",
            "Unknown kind \"ftp\": choose http, tcp, postgres, redis, push or pitwall.",
        ),
    ];
    for (body, field, message) in cases {
        let refused = m.create(body.clone()).await.assert_error(422).await;
        assert_eq!((&refused["error"], &refused["field"]), (&json!("validation"), &json!(field)), "{body}");
        assert_eq!(refused["message"], message);
        // The console refuses the same draft the same way.
        let console =
            m.owner.call_json("monitors/save", json!({"id": null, "draft": body})).await.assert_error(422).await;
        assert_eq!(field_error(&console, field).as_deref(), Some(message));
    }
    let unknown_field = m.create(json!({"name": "x", "target": "https://example.com", "colour": "red"})).await;
    assert_eq!(unknown_field.status(), 422);
    assert_eq!(m.app.count("monitors").await, 1, "Pitwall's own monitor alone");
    assert!(!m.app.audit_actions().await.iter().any(|a| a.starts_with("monitor.")));

    // Without the scope, nothing either.
    let no_scope = m
        .app
        .machine()
        .post(m.app.url("/api/v1/monitors"))
        .bearer_auth(&m.read)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_scope.status(), 403);
}

#[tokio::test]
async fn check_now_shows_every_condition_before_saving_and_roles_are_guarded() {
    let m = Monitors::start().await;
    let target = Target::default();
    let url = start_target(&target).await;
    let draft = json!({"name": "Preview", "target": url, "conditions": ["[STATUS] == 200", "[BODY].services.redis.status == connected", "[RESPONSE_TIME] < 1"]});
    let preview = m.owner.call_json("monitors/check-now", json!({"draft": draft})).await.assert_ok().await;
    assert_eq!(preview["outcome"], "down");
    let passed: Vec<bool> =
        preview["conditions"].as_array().unwrap().iter().map(|c| c["passed"].as_bool().unwrap()).collect();
    assert_eq!(passed, vec![true, true, false]);
    assert_eq!(m.app.count("monitors").await, 1, "checking saves nothing (Pitwall's own monitor alone)");

    let saved = m.owner.call_json("monitors/save", json!({"id": null, "draft": draft})).await.assert_ok().await;
    let id = saved["id"].as_i64().unwrap();
    let viewer = m.app.user(&m.owner, "viewer@example.com", "viewer").await;
    viewer.call_json("monitors/pause", json!({"id": id, "paused": true})).await.assert_error(403).await;
    viewer.call_json("monitors/check-now", json!({"draft": draft})).await.assert_error(403).await;
    let detail = viewer.call_json("monitors/detail", json!({"id": id})).await.assert_ok().await;
    assert_eq!(detail["draft"], Value::Null, "a viewer never sees header values");
    let support = m.app.user(&m.owner, "support@example.com", "support").await;
    let paused = support.call_json("monitors/pause", json!({"id": id, "paused": true})).await.assert_ok().await;
    assert_eq!(paused["state"], "paused");
    support.call_json("monitors/delete", json!({"id": id})).await.assert_error(403).await;
    let actions = m.app.audit_actions().await;
    assert!(
        actions.contains(&"monitor.create".to_owned()) && actions.contains(&"monitor.pause".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn expired_results_are_deleted() {
    let m = Monitors::start().await;
    // A push monitor: nothing checks it within the test, so only the rows inserted here exist.
    let id = m.add(json!({"name": "Old", "kind": "push", "interval": "1h"})).await;
    sqlx::query!(
        "INSERT INTO monitor_results (monitor_id, at, outcome) SELECT $1, now() - interval '49 hours', 'up' FROM generate_series(1, 12000)",
        id
    )
    .execute(&m.app.pool)
    .await
    .unwrap();
    sqlx::query!(
        "INSERT INTO monitor_results (monitor_id, at, outcome) VALUES ($1, now() - interval '47 hours', 'up')",
        id
    )
    .execute(&m.app.pool)
    .await
    .unwrap();
    let deleted = pitwall::monitors::store::delete_expired_results(&m.app.pool).await.unwrap();
    assert_eq!(deleted, 12_000);
    assert_eq!(m.results(id).await, 1);
}

#[tokio::test]
async fn charts_are_svg_drawn_from_the_rollups() {
    let m = Monitors::start().await;
    let target = Target::default();
    let url = start_target(&target).await;
    let id = m.add(json!({"name": "Charted", "target": url, "interval": "1h", "failure_threshold": 1})).await;
    for _ in 0..3 {
        m.check_once(id).await;
    }
    target.set(FAILING);
    m.check_once(id).await;
    let written = pitwall::monitors::store::rollups::roll_up(&m.app.pool).await.unwrap();
    assert!(written >= 3, "a minute, an hour and a day bucket at least: {written}");

    let response = m.owner.get(&format!("/monitors/{id}/chart.svg?range=24h")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let svg = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the chart is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
    assert!(texts.contains(&"p50") && texts.contains(&"p95"), "the legend names both series: {texts:?}");
    assert!(texts.iter().any(|t| t.ends_with(" ms")), "the axis is in milliseconds: {texts:?}");
    let lines = doc.descendants().filter(|n| n.has_tag_name("polyline")).count();
    assert!(lines >= 2, "a line per series: {lines}");
    // The state band: a red cell for the minute that went down (light theme's red).
    assert!(doc.descendants().any(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#CF222E")), "{svg}");

    let again = m
        .owner
        .client
        .get(m.app.url(&format!("/monitors/{id}/chart.svg?range=24h")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let bars = m.owner.get(&format!("/monitors/{id}/chart.svg?kind=uptime&range=90d&theme=dark")).await;
    assert_eq!(bars.status(), 200);
    roxmltree::Document::parse(&bars.text().await.unwrap()).expect("the bars are well-formed XML");
    m.owner.get(&format!("/monitors/{id}/chart.svg?range=2y")).await.assert_error(422).await;
    let stranger = m.app.browser().get(&format!("/monitors/{id}/chart.svg")).await;
    assert_eq!(stranger.status(), 401, "charts are for signed-in users");

    let detail = m.owner.call_json("monitors/detail", json!({"id": id})).await.assert_ok().await;
    assert_eq!(detail["summary_24h"]["checks"], 4);
    assert_eq!(detail["summary_24h"]["uptime"], 75.0);
    assert_eq!(detail["days"].as_array().unwrap().len(), 1);
    assert_eq!(detail["monitor"]["uptime_30d"], 75.0);
}

async fn ok_text(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The `<text>` of an SVG, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the chart is well-formed XML");
    doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(|t| t.trim().to_owned()).collect()
}

#[tokio::test]
async fn a_health_documents_services_get_a_line_each_and_time_charts_show_incidents_and_flag_changes() {
    let m = Monitors::start().await;
    let target = Target::default();
    let url = start_target(&target).await;
    let id = m.add(json!({"name": "Shop", "target": url, "interval": "1h", "failure_threshold": 1})).await;
    m.check_once(id).await;
    target.set(REDIS_DOWN);
    m.check_once(id).await;
    m.owner
        .call_json("incidents/declare", json!({"draft": {"title": "Checkout errors", "severity": 2}}))
        .await
        .assert_ok()
        .await;
    crate::flags::create_flag(&m.owner, "new-checkout", "release").await;
    pitwall::monitors::store::rollups::roll_up(&m.app.pool).await.unwrap();

    let services = ok_text(m.owner.get(&format!("/monitors/{id}/chart.svg?kind=services&range=24h")).await).await;
    let texts = svg_texts(&services);
    assert!(
        texts.contains(&"database".to_owned()) && texts.contains(&"redis".to_owned()),
        "a line per service: {texts:?}"
    );
    assert!(texts.contains(&"incident".to_owned()) && texts.contains(&"flag change".to_owned()), "{texts:?}");
    let doc = roxmltree::Document::parse(&services).unwrap();
    assert!(doc.descendants().filter(|n| n.has_tag_name("polyline")).count() >= 2, "two service lines at least");
    for path in [format!("/monitors/{id}/chart.svg?range=1h"), format!("/monitors/{id}/chart.svg?range=7d")] {
        let texts = svg_texts(&ok_text(m.owner.get(&path).await).await);
        assert!(
            texts.contains(&"incident".to_owned()) && texts.contains(&"flag change".to_owned()),
            "{path}: {texts:?}"
        );
    }
    let detail = m.owner.call_json("monitors/detail", json!({"id": id})).await.assert_ok().await;
    let summary: Vec<(String, i64, i64)> = detail["services_24h"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (s["name"].as_str().unwrap().to_owned(), s["checks"].as_i64().unwrap(), s["unhealthy"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(summary, [("database".to_owned(), 2, 0), ("redis".to_owned(), 2, 1)]);
    assert_eq!(detail["services_24h"][1]["avg_ms"], 1.0);
    let list = m.owner.call_json("monitors/list", json!({})).await.assert_ok().await;
    let shop = list.as_array().unwrap().iter().find(|v| v["id"] == id).unwrap();
    let spark = shop["sparkline_24h"].as_array().unwrap();
    assert_eq!(spark.len(), 24, "an hour each");
    // The checks' hour is the last (or, across an hour's turn, the one before it).
    assert!(spark[22..].iter().any(Value::is_number) && spark[..22].iter().all(Value::is_null), "{spark:?}");
    m.owner.get(&format!("/monitors/{id}/chart.svg?kind=pie")).await.assert_error(422).await;
}

#[tokio::test]
async fn pitwall_watches_its_own_database_and_job_loops_out_of_the_box() {
    let m = Monitors::start().await;
    let list = m.get("/api/v1/monitors").await;
    let own = list.as_array().unwrap().iter().find(|v| v["kind"] == "pitwall").expect("Pitwall's own monitor").clone();
    assert_eq!(own["name"], "Pitwall");
    let id = own["id"].as_i64().unwrap();
    let checked = m.check_once(id).await;
    assert_eq!(checked["state"], "up", "{checked}");
    let results = m.get(&format!("/api/v1/monitors/{id}/results")).await;
    let services: Vec<(String, String)> = results[0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_owned(), s["status"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(services, [("database".to_owned(), "connected".to_owned()), ("jobs".to_owned(), "running".to_owned())]);
    assert!(results[0]["message"].as_str().unwrap().ends_with("no job loop stalled"), "{results}");
    // Pitwall's own monitor takes no target and no conditions.
    let refused = m.create(json!({"name": "Me again", "kind": "pitwall", "target": "https://x.example"})).await;
    assert_eq!(refused.status(), 422);
}

/// A real HTTPS server (Python's ssl) with a self-signed certificate openssl made for 127.0.0.1.
struct TlsServer {
    child: tokio::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    async fn start(days: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls_server.py");
        let child = tokio::process::Command::new("python3")
            .args([script, dir.path().to_str().unwrap(), port_file.to_str().unwrap(), &days.to_string()])
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs");
        within(WAIT, || async { std::fs::read_to_string(&port_file).is_ok_and(|p| !p.is_empty()) }).await;
        let port = std::fs::read_to_string(&port_file).unwrap();
        Self { child, url: format!("https://127.0.0.1:{}/", port.trim()), _dir: dir }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

#[tokio::test]
async fn certificate_expiration_is_read_from_a_real_tls_server() {
    let m = Monitors::start().await;
    let tls = TlsServer::start(30).await;
    // TLS is verified by default: a self-signed certificate is refused.
    let strict = m.add(json!({"name": "Strict", "target": tls.url, "interval": "1h", "failure_threshold": 1})).await;
    let checked = m.check_once(strict).await;
    assert_eq!(checked["state"], "down", "{checked}");
    // Unverified, the certificate is still read: 30 days left pass "> 168h" and fail "> 31d".
    let lax = m
        .add(json!({"name": "Lax", "target": tls.url, "interval": "1h", "failure_threshold": 1, "verify_tls": false,
                    "conditions": ["[STATUS] == 200", "[CERTIFICATE_EXPIRATION] > 168h", "[CERTIFICATE_EXPIRATION] > 31d"]}))
        .await;
    let checked = m.check_once(lax).await;
    assert_eq!(checked["state"], "down", "{checked}");
    let results = m.get(&format!("/api/v1/monitors/{lax}/results")).await;
    let outcomes: Vec<(bool, String)> = results[0]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["passed"].as_bool().unwrap(), c["detail"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(outcomes.iter().map(|(passed, _)| *passed).collect::<Vec<_>>(), [true, true, false], "{outcomes:?}");
    // What was read, in whole hours: 30 days, give or take the second the certificate was made in.
    assert!(
        ["[CERTIFICATE_EXPIRATION] (719h) > 31d", "[CERTIFICATE_EXPIRATION] (720h) > 31d"]
            .contains(&outcomes[2].1.as_str()),
        "{outcomes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_adds_routes_checks_lists_and_pauses_monitors() {
    use std::process::Command;
    let m = Monitors::start().await;
    let url = m.app.database_url().await;
    let run = |args: &[&str]| Command::new(BIN).args(args).env("DATABASE_URL", &url).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let target = Target::default();
    let health = start_target(&target).await;

    let channel =
        run(&["alerts", "channel", "add", "--kind", "slack", "--name", "#ops", "--url", "https://hooks.example.com/x"]);
    assert!(channel.status.success(), "{}", text(&channel.stderr));
    let refused = run(&["monitor", "add", "--name", "Shop", "--url", &health, "--alert-channel", "nope"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("There is no alert channel named \"nope\"."), "{}", text(&refused.stderr));
    assert_eq!(m.app.count("monitors").await, 1, "nothing but Pitwall's own monitor");
    let added = run(&[
        "monitor",
        "add",
        "--name",
        "Shop",
        "--url",
        &health,
        "--alert-channel",
        "#ops",
        "--reminder",
        "30m",
        "--incident-after",
        "15m",
        "--incident-severity",
        "1",
    ]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).starts_with("Added monitor #"), "{}", text(&added.stdout));

    let listed = run(&["monitor", "list", "--json"]);
    let list: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let shop = list.as_array().unwrap().iter().find(|v| v["name"] == "Shop").unwrap().clone();
    assert_eq!(
        shop["alerting"],
        json!({"channels": ["#ops"], "reminder_s": 1800, "incident": {"after_s": 900, "severity": 1}})
    );

    let good = run(&["monitor", "check", "Shop"]);
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stdout));
    assert!(text(&good.stdout).contains("pass [STATUS] (200) < 400"), "{}", text(&good.stdout));
    target.set(REDIS_DOWN);
    let degraded = run(&["monitor", "check", "Shop"]);
    assert_eq!(degraded.status.code(), Some(1), "not up: exit 1");
    assert!(text(&degraded.stdout).contains("service redis disconnected"), "{}", text(&degraded.stdout));
    let own = run(&["monitor", "check", "Pitwall"]);
    assert_eq!(own.status.code(), Some(0), "{}", text(&own.stdout));
    assert!(text(&own.stdout).contains("service database connected"), "{}", text(&own.stdout));

    assert!(run(&["monitor", "pause", "Shop"]).status.success());
    let id = shop["id"].as_i64().unwrap();
    assert_eq!(m.get(&format!("/api/v1/monitors/{id}")).await["state"], "paused");
    assert!(run(&["monitor", "resume", "Shop"]).status.success());
    assert_eq!(m.get(&format!("/api/v1/monitors/{id}")).await["state"], "pending");
    let actors: Vec<String> = sqlx::query_scalar!(
        "SELECT actor FROM audit_log WHERE action IN ('monitor.create', 'monitor.pause', 'monitor.resume') ORDER BY id"
    )
    .fetch_all(&m.app.pool)
    .await
    .unwrap();
    assert_eq!(actors, ["cli", "cli", "cli"]);
}
