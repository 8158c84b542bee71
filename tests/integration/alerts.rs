//! Alerts through real receivers: a local HTTP server playing Slack and a webhook receiver that
//! checks the signature, and a real SMTP server (aiosmtpd) whose messages Python's email parser
//! reads. Two Pitwall processes run throughout, so "once" means once across processes.

use crate::support::*;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

const HOOK_SECRET: &str = "a-webhook-secret-for-tests";

/// What the receivers got, and what they answer.
#[derive(Clone, Default)]
struct Receiver {
    slack: Arc<Mutex<Vec<Value>>>,
    webhook: Arc<Mutex<Vec<Value>>>,
    /// The status the receivers answer with (0: 200).
    answer: Arc<AtomicU16>,
    healthy: Arc<AtomicBool>,
}

impl Receiver {
    fn status(&self) -> StatusCode {
        match self.answer.load(Ordering::SeqCst) {
            0 => StatusCode::OK,
            code => StatusCode::from_u16(code).unwrap(),
        }
    }
}

async fn slack(State(r): State<Receiver>, Json(body): Json<Value>) -> StatusCode {
    let status = r.status();
    if status.is_success() {
        r.slack.lock().unwrap().push(body);
    }
    status
}

/// Checks `X-Pitwall-Signature` as a receiver would: recompute, compare, refuse old times.
async fn webhook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-pitwall-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some((t, v1)) = signature.strip_prefix("t=").and_then(|rest| rest.split_once(",v1=")) else {
        return StatusCode::UNAUTHORIZED;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", String::from_utf8_lossy(&body)).as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap_or(0);
    if expected != v1 || !(0..300).contains(&age) {
        return StatusCode::UNAUTHORIZED;
    }
    let status = r.status();
    if status.is_success() {
        r.webhook.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
    }
    status
}

async fn health(State(r): State<Receiver>, Path(_): Path<String>) -> StatusCode {
    if r.healthy.load(Ordering::SeqCst) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn start_receiver(receiver: &Receiver) -> String {
    receiver.healthy.store(true, Ordering::SeqCst);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/slack", post(slack))
        .route("/hook", post(webhook))
        .route("/app/{name}", get(health))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

struct Setup {
    app: TestApp,
    _second: TestApp,
    owner: Browser,
    receiver: Receiver,
    base: String,
}

impl Setup {
    async fn start() -> Self {
        let app = TestApp::spawn().await;
        let second = app.second_process().await;
        let owner = app.setup_owner().await;
        let receiver = Receiver::default();
        let base = start_receiver(&receiver).await;
        Self { app, _second: second, owner, receiver, base }
    }

    async fn channel(&self, draft: Value) -> Value {
        self.owner.call_json("alerts/add-channel", json!({"draft": draft})).await.assert_ok().await
    }

    async fn slack_and_webhook(&self) {
        self.channel(json!({"name": "#ops", "kind": "slack", "target": format!("{}/slack", self.base)})).await;
        self.channel(
            json!({"name": "Pager", "kind": "webhook", "target": format!("{}/hook", self.base), "secret": HOOK_SECRET}),
        )
        .await;
    }

    async fn monitor(&self, name: &str, failures: u32) -> i64 {
        let draft = json!({"name": name, "target": format!("{}/app/{name}", self.base), "interval": "1h", "failure_threshold": failures});
        let saved = self.owner.call_json("monitors/save", json!({"id": null, "draft": draft})).await.assert_ok().await;
        saved["id"].as_i64().unwrap()
    }

    async fn results(&self, id: i64) -> i64 {
        sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM monitor_results WHERE monitor_id = $1", id)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// Makes the monitor due now and waits for its check.
    async fn check(&self, id: i64) {
        let before = self.results(id).await;
        sqlx::query!("UPDATE monitors SET next_check_at = now() WHERE id = $1", id)
            .execute(&self.app.pool)
            .await
            .unwrap();
        within(WAIT, || async { self.results(id).await > before }).await;
    }

    async fn outbox(&self) -> i64 {
        sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM alert_outbox").fetch_one(&self.app.pool).await.unwrap()
    }

    async fn delivered(&self) -> bool {
        sqlx::query_scalar!("SELECT count(*) = 0 AS \"done!\" FROM alert_outbox WHERE delivered_at IS NULL")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn one_alert_when_down_one_recovery_when_back_signed_and_sent_once() {
    let s = Setup::start().await;
    s.slack_and_webhook().await;
    let id = s.monitor("checkout", 3).await;
    s.check(id).await;
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    s.check(id).await;
    assert_eq!(s.outbox().await, 0, "two failures page nobody");
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.outbox().await == 2 }).await;
    s.check(id).await;
    s.receiver.healthy.store(true, Ordering::SeqCst);
    s.check(id).await;
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.outbox().await == 4 }).await;
    // Let any second delivery (there must be none) arrive before counting.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let slack = s.receiver.slack.lock().unwrap().clone();
    assert_eq!(slack.len(), 2, "{slack:?}");
    let text = slack[0]["text"].as_str().unwrap();
    assert!(text.starts_with("*[Pitwall] DOWN: checkout*\ncheckout is down (was up for "), "{text}");
    assert!(text.contains("failed: [STATUS] (503) < 400"), "{text}");
    assert!(slack[1]["text"].as_str().unwrap().starts_with("*[Pitwall] RECOVERED: checkout is up*"));
    let hooks = s.receiver.webhook.lock().unwrap().clone();
    assert_eq!(hooks.len(), 2);
    assert_eq!((hooks[0]["event"].as_str(), hooks[0]["previous_state"].as_str()), (Some("monitor.down"), Some("up")));
    assert_eq!(hooks[0]["monitor"]["name"], "checkout");
    assert_eq!(hooks[0]["cause"], "failed: [STATUS] (503) < 400");
    assert_eq!(hooks[0]["link"], format!("/monitors/{id}"));
    assert_eq!((hooks[1]["event"].as_str(), hooks[1]["kind"].as_str()), (Some("monitor.up"), Some("recovery")));

    let log = s.owner.call_json("alerts/settings", json!({})).await.assert_ok().await;
    let deliveries = log["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 4);
    assert!(deliveries.iter().all(|d| d["attempts"] == 1 && d["last_answer"] == "200 OK"), "{deliveries:?}");
}

#[tokio::test]
async fn email_goes_through_a_real_smtp_server() {
    let s = Setup::start().await;
    let smtp = SmtpSink::start().await;
    let saved = s
        .owner
        .call_json(
            "alerts/smtp",
            json!({"draft": {"host": "127.0.0.1", "port": smtp.port.to_string(), "security": "none", "from_address": "pitwall@example.com"}}),
        )
        .await
        .assert_ok()
        .await;
    assert_eq!(saved["has_password"], false);
    s.channel(json!({"name": "On call", "kind": "email", "target": "ana@example.com, ops@example.com"})).await;
    let id = s.monitor("billing", 1).await;
    s.check(id).await;
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    within(WAIT, || async { smtp.messages().len() == 1 }).await;
    let message = &smtp.messages()[0];
    assert_eq!(message["subject"], "[Pitwall] DOWN: billing");
    assert_eq!(message["rcpt_tos"], json!(["ana@example.com", "ops@example.com"]));
    assert_eq!(message["mail_from"], "pitwall@example.com");
    let body = message["body"].as_str().unwrap();
    assert!(body.starts_with("billing is down (was up for "), "{body}");
    assert!(body.contains(&format!("/monitors/{id}")), "{body}");
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_the_alert_on_a_retry() {
    let s = Setup::start().await;
    s.slack_and_webhook().await;
    s.receiver.answer.store(500, Ordering::SeqCst);
    let id = s.monitor("search", 1).await;
    s.check(id).await;
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    let failed_once = || async {
        sqlx::query_scalar!(
            "SELECT count(*) = 2 AS \"n!\" FROM alert_outbox WHERE attempts = 1 AND delivered_at IS NULL"
        )
        .fetch_one(&s.app.pool)
        .await
        .unwrap()
    };
    within(WAIT, failed_once).await;
    let next = sqlx::query_scalar!(
        "SELECT min(extract(epoch FROM next_attempt_at - now()))::float8 AS \"s!\" FROM alert_outbox"
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert!((50.0..=61.0).contains(&next), "the first retry waits a minute: {next}");
    let settings = s.owner.call_json("alerts/settings", json!({})).await.assert_ok().await;
    let failing: Vec<&Value> =
        settings["channels"].as_array().unwrap().iter().filter(|c| !c["failing_since"].is_null()).collect();
    assert_eq!(failing.len(), 2, "both channels show as failing");
    assert!(failing[0]["last_error"].as_str().unwrap().starts_with("the receiver answered 500"));
    let dashboard = s.owner.call_json("alerts/failing", json!({})).await.assert_ok().await;
    assert_eq!(dashboard, json!(["#ops", "Pager"]));

    // The receiver is back; the retry comes due (moved forward rather than waited for).
    s.receiver.answer.store(0, Ordering::SeqCst);
    sqlx::query!("UPDATE alert_outbox SET next_attempt_at = now()").execute(&s.app.pool).await.unwrap();
    within(WAIT, || async { s.delivered().await }).await;
    assert_eq!(s.receiver.slack.lock().unwrap().len(), 1);
    assert_eq!(s.receiver.webhook.lock().unwrap().len(), 1);
    let attempts =
        sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM alert_attempts").fetch_one(&s.app.pool).await.unwrap();
    assert_eq!(attempts, 4, "one failed and one good attempt per channel");
    let dashboard = s.owner.call_json("alerts/failing", json!({})).await.assert_ok().await;
    assert_eq!(dashboard, json!([]));
}

#[tokio::test]
async fn maintenance_mutes_alerts_and_marks_results() {
    let s = Setup::start().await;
    s.slack_and_webhook().await;
    let id = s.monitor("api", 1).await;
    s.check(id).await;
    let token = s.owner.create_token("deploy", "maintenance:write").await["secret"].as_str().unwrap().to_owned();
    let started = s
        .app
        .machine()
        .post(s.app.url("/api/v1/maintenance/windows"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    let state: String =
        sqlx::query_scalar!("SELECT state FROM monitors WHERE id = $1", id).fetch_one(&s.app.pool).await.unwrap();
    assert_eq!(state, "down", "checks keep running during maintenance");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.outbox().await, 0, "nobody is paged during maintenance");
    let marked = sqlx::query_scalar!(
        "SELECT bool_and(in_maintenance) AS \"m!\" FROM monitor_events WHERE monitor_id = $1 AND to_state = 'down'",
        id
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert!(marked);
    let monitor = s.owner.call_json("monitors/detail", json!({"id": id})).await.assert_ok().await;
    assert_eq!(monitor["monitor"]["uptime_24h"], 100.0, "the check inside maintenance is left out of uptime");
}

#[tokio::test]
async fn test_alerts_and_bad_channels() {
    let s = Setup::start().await;
    s.slack_and_webhook().await;
    let settings = s.owner.call_json("alerts/settings", json!({})).await.assert_ok().await;
    let pager = settings["channels"].as_array().unwrap().iter().find(|c| c["name"] == "Pager").unwrap().clone();
    assert_eq!(pager["signed"], true);
    assert!(pager.get("secret").is_none(), "the secret is never shown");
    s.owner.call_json("alerts/test", json!({"id": pager["id"]})).await.assert_ok().await;
    within(WAIT, || async { s.receiver.webhook.lock().unwrap().len() == 1 }).await;
    assert_eq!(s.receiver.webhook.lock().unwrap()[0]["event"], "test");

    let before = s.app.count("alert_channels").await;
    let cases = [
        (json!({"name": "x", "kind": "email", "target": "nobody"}), "target", "\"nobody\" is not an email address."),
        (
            json!({"name": "x", "kind": "webhook", "target": "https://example.com/h", "secret": "short"}),
            "secret",
            "A webhook needs a signing secret of at least 16 characters, so receivers can check it is Pitwall.",
        ),
        (
            json!({"name": "#ops", "kind": "slack", "target": "https://example.com/s"}),
            "name",
            "A channel named \"#ops\" already exists.",
        ),
        (
            json!({"name": "x", "kind": "sms", "target": "1"}),
            "kind",
            "Unknown kind \"sms\": choose email, slack or webhook.",
        ),
    ];
    for (draft, field, message) in cases {
        let refused = s.owner.call_json("alerts/add-channel", json!({"draft": draft})).await.assert_error(422).await;
        assert_eq!(field_error(&refused, field).as_deref(), Some(message), "{draft}");
    }
    let smtp = s
        .owner
        .call_json("alerts/smtp", json!({"draft": {"host": "smtp.example.com", "from_address": "me"}}))
        .await
        .assert_error(422)
        .await;
    assert_eq!(field_error(&smtp, "from_address").as_deref(), Some("\"me\" is not an email address to send from."));
    assert_eq!(s.app.count("alert_channels").await, before);
    assert_eq!(s.app.count("smtp_settings").await, 0);
    let viewer = s.app.user(&s.owner, "viewer@example.com", "viewer").await;
    viewer.call_json("alerts/settings", json!({})).await.assert_error(403).await;
    viewer.call_json("alerts/test", json!({"id": pager["id"]})).await.assert_error(403).await;
}

/// How many incidents say `title`, and the notes on their timelines.
async fn incidents_titled(s: &Setup, title: &str) -> Vec<(i64, String, Vec<String>)> {
    let rows = sqlx::query!("SELECT id, status FROM incidents WHERE title = $1 ORDER BY id", title)
        .fetch_all(&s.app.pool)
        .await
        .unwrap();
    let mut found = Vec::new();
    for row in rows {
        let notes = sqlx::query_scalar!(
            "SELECT body FROM incident_events WHERE incident_id = $1 AND kind = 'note' ORDER BY id",
            row.id
        )
        .fetch_all(&s.app.pool)
        .await
        .unwrap();
        found.push((row.id, row.status, notes));
    }
    found
}

#[tokio::test]
async fn a_monitors_own_routing_reminders_and_the_incident_of_a_long_outage() {
    let s = Setup::start().await;
    s.slack_and_webhook().await;
    let draft = |channels: Value| {
        json!({"name": "billing", "target": format!("{}/app/billing", s.base), "interval": "1h",
               "failure_threshold": 1, "alert_channels": channels, "reminder": "1m",
               "incident_after": "2m", "incident_severity": 2})
    };
    // An unknown channel is refused at its field, and nothing is stored.
    let refused = s
        .owner
        .call_json("monitors/save", json!({"id": null, "draft": draft(json!(["Pager", "nope"]))}))
        .await
        .assert_error(422)
        .await;
    assert_eq!(field_error(&refused, "alert_channels").as_deref(), Some("There is no alert channel named \"nope\"."));
    assert_eq!(s.app.count("monitors").await, 1, "only Pitwall's own monitor");
    let saved = s
        .owner
        .call_json("monitors/save", json!({"id": null, "draft": draft(json!(["Pager"]))}))
        .await
        .assert_ok()
        .await;
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(saved["alerting"]["channels"], json!(["Pager"]));
    assert_eq!(saved["alerting"]["incident"], json!({"after_s": 120, "severity": 2}));

    s.check(id).await;
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.webhook.lock().unwrap().len() == 1 }).await;
    assert_eq!(s.app.count("alert_outbox").await, 1, "the down alert goes to Pager alone");
    assert!(incidents_titled(&s, "billing is down").await.is_empty(), "down for seconds, not two minutes");

    // Down for three minutes now (as if the clock had run): one reminder, one incident, once
    // across both processes.
    sqlx::query!("UPDATE monitors SET state_since = now() - interval '3 minutes' WHERE id = $1", id)
        .execute(&s.app.pool)
        .await
        .unwrap();
    within(WAIT, || async {
        s.receiver.webhook.lock().unwrap().len() == 2 && incidents_titled(&s, "billing is down").await.len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let hooks = s.receiver.webhook.lock().unwrap().clone();
    assert_eq!(hooks.len(), 2, "one reminder a minute, not one per process or per tick: {hooks:?}");
    assert_eq!((hooks[1]["event"].as_str(), hooks[1]["kind"].as_str()), (Some("monitor.still_down"), Some("reminder")));
    assert!(s.receiver.slack.lock().unwrap().is_empty(), "#ops is not among billing's channels");
    let incidents = incidents_titled(&s, "billing is down").await;
    assert_eq!(incidents.len(), 1);
    let (incident, status, notes) = &incidents[0];
    assert_eq!(status, "investigating");
    assert!(notes[0].starts_with(&format!("Declared by the monitor \"billing\" (/monitors/{id}), down for 3 min")));
    let severity: i16 = sqlx::query_scalar!("SELECT severity FROM incidents WHERE id = $1", incident)
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(severity, 2);
    let detail = s.owner.call_json("monitors/detail", json!({"id": id})).await.assert_ok().await;
    assert_eq!(detail["monitor"]["incident_id"], *incident);
    let audited = sqlx::query_scalar!(
        "SELECT actor FROM audit_log WHERE action = 'incident.declare' AND entity_id = $1",
        incident.to_string()
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(audited, "system");

    // Back up: the recovery goes to Pager, the incident hears of it and stays open for people.
    s.receiver.healthy.store(true, Ordering::SeqCst);
    s.check(id).await;
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.webhook.lock().unwrap().len() == 3 }).await;
    let incidents = incidents_titled(&s, "billing is down").await;
    assert_eq!(incidents[0].1, "investigating");
    assert!(incidents[0].2[1].starts_with("The monitor \"billing\" is up again after 3 min down"), "{incidents:?}");

    // Resolving the incident does not silence the monitor: the next outage alerts and, once long
    // enough, declares a new incident.
    s.owner
        .call_json("incidents/edit", json!({"id": incident, "patch": {"status": "resolved"}}))
        .await
        .assert_ok()
        .await;
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.webhook.lock().unwrap().len() == 4 }).await;
    sqlx::query!("UPDATE monitors SET state_since = now() - interval '150 seconds' WHERE id = $1", id)
        .execute(&s.app.pool)
        .await
        .unwrap();
    within(WAIT, || async { incidents_titled(&s, "billing is down").await.len() == 2 }).await;

    // Back to the default routing: the recovery still goes to Pager alone (only it heard of this
    // outage), and the next outage reaches #ops too.
    let mut default_routing = draft(Value::Null);
    default_routing.as_object_mut().unwrap().remove("alert_channels");
    let saved = s.owner.call_json("monitors/save", json!({"id": id, "draft": default_routing})).await.assert_ok().await;
    assert_eq!(saved["alerting"]["channels"], Value::Null);
    s.receiver.healthy.store(true, Ordering::SeqCst);
    s.check(id).await;
    s.check(id).await;
    within(WAIT, || async {
        s.delivered().await && s.receiver.webhook.lock().unwrap().last().unwrap()["kind"] == "recovery"
    })
    .await;
    assert!(s.receiver.slack.lock().unwrap().is_empty());
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.slack.lock().unwrap().len() == 1 }).await;
    assert!(s.receiver.slack.lock().unwrap()[0]["text"].as_str().unwrap().starts_with("*[Pitwall] DOWN: billing*"));
}

#[tokio::test]
async fn without_its_database_pitwall_tells_its_channels_directly_and_again_when_it_is_back() {
    let s = Setup::start().await;
    s.slack_and_webhook().await;
    // Each process's watch reads the channels every 3 s while the database answers.
    tokio::time::sleep(Duration::from_secs(4)).await;
    s.app.cut_off_database().await;
    let heard = |slack: usize, hooks: usize| {
        let receiver = s.receiver.clone();
        move || {
            let receiver = receiver.clone();
            async move { receiver.slack.lock().unwrap().len() == slack && receiver.webhook.lock().unwrap().len() == hooks }
        }
    };
    // Three unanswered checks (about 9 s), then each of the two processes tells each channel.
    within(Duration::from_secs(45), heard(2, 2)).await;
    let slack = s.receiver.slack.lock().unwrap().clone();
    assert!(
        slack
            .iter()
            .all(|m| m["text"].as_str().unwrap().starts_with("*[Pitwall] DOWN: Pitwall cannot reach its database*")),
        "{slack:?}"
    );
    let hooks = s.receiver.webhook.lock().unwrap().clone();
    assert!(hooks.iter().all(|h| h["event"] == "pitwall.database_down" && h["kind"] == "alert"), "{hooks:?}");
    assert!(hooks[0]["cause"].as_str().unwrap().starts_with("Pitwall has not reached its database for "));
    // Told once per outage, not at every check.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(s.receiver.slack.lock().unwrap().len(), 2);

    s.app.restore_database().await;
    within(Duration::from_secs(45), heard(4, 4)).await;
    let back = s.receiver.slack.lock().unwrap()[3]["text"].as_str().unwrap().to_owned();
    assert!(back.starts_with("*[Pitwall] RECOVERED: Pitwall reaches its database again*"), "{back}");
    assert_eq!(s.outbox().await, 0, "sent directly: there was no outbox to write to");
}

#[tokio::test]
async fn a_recovery_goes_to_the_channels_that_heard_of_the_outage() {
    let s = Setup::start().await;
    s.channel(json!({"name": "#ops", "kind": "slack", "target": format!("{}/slack", s.base)})).await;
    let id = s.monitor("orders", 1).await;
    s.check(id).await;
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.slack.lock().unwrap().len() == 1 }).await;
    // A channel added during the outage was never told of it, so it hears no recovery either.
    s.channel(json!({"name": "Pager", "kind": "webhook", "target": format!("{}/hook", s.base), "secret": HOOK_SECRET}))
        .await;
    s.receiver.healthy.store(true, Ordering::SeqCst);
    s.check(id).await;
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.slack.lock().unwrap().len() == 2 }).await;
    assert!(s.receiver.slack.lock().unwrap()[1]["text"]
        .as_str()
        .unwrap()
        .starts_with("*[Pitwall] RECOVERED: orders is up*"));
    assert!(s.receiver.webhook.lock().unwrap().is_empty(), "Pager heard of no outage");
    // The next outage reaches both.
    s.receiver.healthy.store(false, Ordering::SeqCst);
    s.check(id).await;
    within(WAIT, || async { s.delivered().await && s.receiver.webhook.lock().unwrap().len() == 1 }).await;
}
