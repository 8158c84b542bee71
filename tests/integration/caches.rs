//! Cache metrics from an app (a `metrics:write` token), the rules that watch them, their alerts
//! through a local Slack stand-in, and the chart with its thresholds.

use crate::support::*;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

type Inbox = Arc<Mutex<Vec<String>>>;

async fn slack(State(inbox): State<Inbox>, Json(body): Json<Value>) {
    inbox.lock().unwrap().push(body["text"].as_str().unwrap_or_default().to_owned());
}

async fn start_slack() -> (String, Inbox) {
    let inbox = Inbox::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/slack", post(slack)).with_state(inbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/slack"), inbox)
}

struct Caches {
    app: TestApp,
    owner: Browser,
    token: String,
}

impl Caches {
    async fn start() -> Self {
        let app = TestApp::spawn().await;
        let owner = app.setup_owner().await;
        let token = owner.create_token("app", "metrics:write").await["secret"].as_str().unwrap().to_owned();
        Self { app, owner, token }
    }

    async fn report(&self, body: Value) -> reqwest::Response {
        self.app
            .machine()
            .post(self.app.url("/api/v1/metrics/cache"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn evaluate(&self) -> usize {
        pitwall::monitors::store::caches::evaluate(&self.app.pool).await.unwrap()
    }

    async fn page(&self) -> Value {
        self.owner.call_json("caches/list", json!({})).await.assert_ok().await
    }
}

#[tokio::test]
async fn reports_are_stored_whole_or_refused_at_their_field() {
    let c = Caches::start().await;
    let one =
        c.report(json!({"cache": "redis-eu", "hits": 90, "misses": 10, "latency_ms": {"avg": 2.0, "p95": 7.5}})).await;
    assert_eq!(one.status(), 202);
    let batch = c
        .report(json!([{"cache": "redis-eu", "hits": 5, "misses": 5}, {"cache": "memcached", "hits": 1, "misses": 0}]))
        .await;
    assert_eq!(batch.status(), 202);
    assert_eq!(c.app.count("cache_samples").await, 3);

    let cases = [
        (json!([{"cache": "a", "hits": 1, "misses": 0}, {"cache": "b", "hits": 1, "misses": -4}]), "[1].misses"),
        (json!({"cache": "a b", "hits": 1, "misses": 0}), "cache"),
        (json!({"cache": "a", "hits": 1, "misses": 0, "at": "2020-01-01T00:00:00Z"}), "at"),
        (json!({"cache": "a", "hits": 1}), "body"),
        (json!({"cache": "a", "hits": 1, "misses": 1, "latency_ms": {"avg": -1}}), "latency_ms.avg"),
    ];
    for (body, field) in cases {
        let refused = c.report(body.clone()).await.assert_error(422).await;
        assert_eq!((refused["error"].as_str(), refused["field"].as_str()), (Some("validation"), Some(field)), "{body}");
    }
    assert_eq!(c.app.count("cache_samples").await, 3, "a refused batch stores nothing");
    let wrong_scope = c.owner.create_token("reader", "monitors:read").await["secret"].as_str().unwrap().to_owned();
    let refused = c
        .app
        .machine()
        .post(c.app.url("/api/v1/metrics/cache"))
        .bearer_auth(wrong_scope)
        .json(&json!({"cache": "a", "hits": 1, "misses": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let page = c.page().await;
    let eu = page["caches"].as_array().unwrap().iter().find(|x| x["name"] == "redis-eu").unwrap().clone();
    assert_eq!(eu["window"]["requests"], 110);
    let rate = eu["window"]["hit_rate"].as_f64().unwrap();
    assert!((rate - 9500.0 / 110.0).abs() < 1e-9, "95 hits of 110 requests: {rate}");
}

#[tokio::test]
async fn a_low_hit_rate_alerts_once_and_recovers_but_a_quiet_night_alerts_nobody() {
    let c = Caches::start().await;
    let (url, inbox) = start_slack().await;
    c.owner
        .call_json("alerts/add-channel", json!({"draft": {"name": "#ops", "kind": "slack", "target": url}}))
        .await
        .assert_ok()
        .await;

    c.report(json!({"cache": "night", "hits": 0, "misses": 3, "latency_ms": {"avg": 500.0}})).await;
    assert_eq!(c.evaluate().await, 0, "3 requests are under the minimum of 100");

    c.report(json!({"cache": "redis-eu", "hits": 40, "misses": 60, "latency_ms": {"avg": 150.0}})).await;
    assert_eq!(c.evaluate().await, 2, "hit rate 40 % < 80 % and latency 150 ms > 100 ms");
    assert_eq!(c.evaluate().await, 0, "still firing: no second alert");
    within(WAIT, || async { inbox.lock().unwrap().len() == 2 }).await;
    let texts = inbox.lock().unwrap().clone();
    assert!(
        texts.iter().any(|t| t.contains("[Pitwall] CACHE redis-eu: hit rate")
            && t.contains("hit rate 40.0 % (threshold 80 %) over 15 min, 100 requests")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("average latency 150.0 ms (threshold 100 ms)")), "{texts:?}");

    c.report(json!({"cache": "redis-eu", "hits": 900, "misses": 0, "latency_ms": {"avg": 10.0}})).await;
    assert_eq!(c.evaluate().await, 2, "94 % and (150×100 + 10×900)/1000 = 24 ms: both recover");
    within(WAIT, || async { inbox.lock().unwrap().len() == 4 }).await;
    assert!(inbox.lock().unwrap().iter().filter(|t| t.contains("RECOVERED: cache redis-eu")).count() == 2);

    let page = c.page().await;
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!((events[0]["firing"].as_bool(), events[3]["firing"].as_bool()), (Some(false), Some(true)));

    // The owner raises the bar; a viewer may not.
    c.owner
        .call_json("caches/rules", json!({"name": "redis-eu", "draft": {"min_hit_rate": "99"}}))
        .await
        .assert_ok()
        .await;
    assert_eq!(c.evaluate().await, 1, "94 % < 99 %");
    let bad = c
        .owner
        .call_json("caches/rules", json!({"name": "redis-eu", "draft": {"window": "5s"}}))
        .await
        .assert_error(422)
        .await;
    assert_eq!(field_error(&bad, "window").as_deref(), Some("The window is 1 minute to 24 hours."));
    let viewer = c.app.user(&c.owner, "viewer@example.com", "viewer").await;
    viewer.call_json("caches/rules", json!({"name": "redis-eu", "draft": {}})).await.assert_error(403).await;
    assert!(c.app.audit_actions().await.contains(&"cache.rules".to_owned()));
}

#[tokio::test]
async fn the_cache_chart_draws_both_thresholds() {
    let c = Caches::start().await;
    c.report(json!({"cache": "redis-eu", "hits": 70, "misses": 30, "latency_ms": {"avg": 40.0}})).await;
    let response = c.owner.get("/caches/redis-eu/chart.svg?range=24h").await;
    assert_eq!(response.status(), 200);
    let svg = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let texts: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
    assert!(texts.contains(&"threshold 80 %") && texts.contains(&"threshold 100 ms"), "{texts:?}");
    assert!(texts.contains(&"hit rate") && texts.contains(&"latency"), "{texts:?}");
    assert_eq!(c.owner.get("/caches/nope/chart.svg").await.status(), 404);
    assert_eq!(c.app.browser().get("/caches/redis-eu/chart.svg").await.status(), 401);
}
