//! Status page subscribers: double opt-in through a real SMTP server (aiosmtpd), a notification
//! per public change exactly once across two processes, one-click unsubscribe, component
//! choices, the rate limits, and webhook subscribers with signed deliveries.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

const HOST: &str = "https://status.example.test";

struct Setup {
    app: TestApp,
    _second: TestApp,
    owner: Browser,
    smtp: SmtpSink,
}

impl Setup {
    async fn start() -> Self {
        let config = [("PITWALL_STATUS_HOST", "status.example.test")];
        let app = TestApp::spawn_with(&config).await;
        let second = app.second_process_with(&config).await;
        let owner = app.setup_owner().await;
        let smtp = SmtpSink::start().await;
        owner
            .call_json(
                "alerts/smtp",
                json!({"draft": {"host": "127.0.0.1", "port": smtp.port.to_string(), "security": "none",
                                 "from_address": "status@example.test"}}),
            )
            .await
            .assert_ok()
            .await;
        for name in ["API", "Website"] {
            owner
                .call_json("status/components/save", json!({"id": null, "draft": {"name": name}}))
                .await
                .assert_ok()
                .await;
        }
        Self { app, _second: second, owner, smtp }
    }

    /// A link from a message, made to reach this test's server.
    fn local(&self, link: &str) -> String {
        link.replace(HOST, &self.app.base)
    }

    async fn subscribe(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.app.machine().post(self.app.url("/status/subscribe")).form(form).send().await.unwrap()
    }

    async fn component_id(&self, name: &str) -> String {
        let id: i64 = sqlx::query_scalar("SELECT id FROM status_components WHERE name = $1")
            .bind(name)
            .fetch_one(&self.app.pool)
            .await
            .unwrap();
        id.to_string()
    }

    fn mails_to(&self, address: &str) -> Vec<Value> {
        self.smtp.messages().into_iter().filter(|m| m["rcpt_tos"] == json!([address])).collect()
    }

    async fn declare(&self, title: &str, components: &[&str]) -> i64 {
        let draft = json!({"title": title, "severity": 2, "components": components});
        self.owner.call_json("incidents/declare", json!({"draft": draft})).await.assert_ok().await["id"]
            .as_i64()
            .unwrap()
    }

    async fn post_public(&self, id: i64, body: &str) {
        self.owner
            .call("incidents/post", &[("id", &id.to_string()), ("body", body), ("visibility", "public")])
            .await
            .assert_ok()
            .await;
    }
}

fn link_in(body: &str, path: &str) -> String {
    let start = body.find(&format!("{HOST}{path}")).unwrap_or_else(|| panic!("no {path} link in {body}"));
    body[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_subscriber_confirms_hears_each_public_update_once_and_unsubscribes_in_one_click() {
    let s = Setup::start().await;
    let page = s.app.machine().get(s.app.url("/status")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("action=\"/status/subscribe\""), "the page has the sign-up form");

    // Bad input: a clear message, nothing stored, nothing sent.
    let refused = s.subscribe(&[("email", "not-an-address")]).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("Enter an email address like you@example.com."));
    assert_eq!(s.app.count("status_subscribers").await, 0);

    let signed_up = s.subscribe(&[("email", "reader@example.com")]).await;
    assert_eq!(signed_up.status(), 200);
    assert!(signed_up.text().await.unwrap().contains("Check your inbox"));
    within(WAIT, || async { s.mails_to("reader@example.com").len() == 1 }).await;
    let confirmation = &s.mails_to("reader@example.com")[0];
    assert_eq!(confirmation["subject"], "[Status] Confirm your subscription");
    let confirm = link_in(confirmation["body"].as_str().unwrap(), "/status/subscribe/confirm");
    // Signing up again at once sends nothing more (per-address limit), and says the same.
    assert_eq!(s.subscribe(&[("email", "READER@example.com")]).await.status(), 200);

    // Nothing is sent before confirmation; a forged link is refused.
    let id = s.declare("Errors on the API", &["API"]).await;
    s.post_public(id, "Before confirming: nobody hears this.").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let forged = s.app.machine().get(s.local(&confirm.replace("sig=", "sig=00"))).send().await.unwrap();
    assert_eq!(forged.status(), 422);
    let confirmed = s.app.machine().get(s.local(&confirm)).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("Subscribed"));
    assert_eq!(s.mails_to("reader@example.com").len(), 1, "still only the confirmation");

    // A public update: one message, with the one-click unsubscribe headers (two processes run).
    s.post_public(id, "We have found the cause.").await;
    within(WAIT, || async { s.mails_to("reader@example.com").len() == 2 }).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mails = s.mails_to("reader@example.com");
    assert_eq!(mails.len(), 2, "exactly once: {mails:?}");
    let update = &mails[1];
    assert_eq!(update["subject"], "[Status] Update: Errors on the API (Investigating)");
    assert!(update["body"].as_str().unwrap().starts_with("We have found the cause."));
    assert!(update["body"].as_str().unwrap().contains(&format!("{HOST}/status/incidents/{id}")));
    assert_eq!(update["list_unsubscribe_post"], "List-Unsubscribe=One-Click");
    let unsubscribe = update["list_unsubscribe"].as_str().unwrap().trim_matches(['<', '>']).to_owned();
    assert!(unsubscribe.starts_with(&format!("{HOST}/status/unsubscribe?token=")));

    // Resolving tells them too.
    s.owner.call_json("incidents/edit", json!({"id": id, "patch": {"status": "resolved"}})).await.assert_ok().await;
    within(WAIT, || async { s.mails_to("reader@example.com").len() == 3 }).await;
    assert_eq!(s.mails_to("reader@example.com")[2]["subject"], "[Status] Resolved: Errors on the API");

    // The link's page changes nothing by itself; the one-click POST unsubscribes.
    let page = s.app.machine().get(s.local(&unsubscribe)).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("<button type=\"submit\">Unsubscribe</button>"));
    assert_eq!(s.app.count("status_subscribers").await, 1);
    let one_click =
        s.app.machine().post(s.local(&unsubscribe)).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(one_click.status(), 200);
    assert_eq!(s.app.count("status_subscribers").await, 0);
    let id2 = s.declare("Another one", &["API"]).await;
    s.post_public(id2, "Nobody is listening.").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(s.mails_to("reader@example.com").len(), 3, "nothing after unsubscribing");
}

#[tokio::test]
async fn component_choices_maintenance_rate_limits_and_webhooks() {
    let s = Setup::start().await;
    let website = s.component_id("Website").await;
    s.subscribe(&[("email", "web@example.com"), ("component", &website)]).await;
    within(WAIT, || async { s.mails_to("web@example.com").len() == 1 }).await;
    let body = s.mails_to("web@example.com")[0]["body"].as_str().unwrap().to_owned();
    s.app.machine().get(s.local(&link_in(&body, "/status/subscribe/confirm"))).send().await.unwrap();

    // A webhook subscriber, added by the owner, hears everything, signed.
    let receiver = WebhookReceiver::start().await;
    let secret = s
        .owner
        .call("status/subscribers/webhook", &[("url", &receiver.url)])
        .await
        .assert_ok()
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let refused = s.owner.call("status/subscribers/webhook", &[("url", "ftp://nope")]).await.assert_error(422).await;
    assert!(field_error(&refused, "url").is_some());

    // An incident on the API alone: the Website subscriber hears nothing, the webhook does.
    let id = s.declare("API errors", &["API"]).await;
    s.post_public(id, "Looking into it.").await;
    within(WAIT, || async { receiver.bodies().len() == 1 }).await;
    let (signature, body) = receiver.bodies()[0].clone();
    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["event"], "incident.created");
    assert_eq!(payload["text"], "Looking into it.");
    assert!(signature_valid(&secret, &signature, &body), "signed with the secret shown once");
    // Maintenance is site-wide: both hear of it.
    s.owner
        .call("maintenance/start", &[("reason", "Database upgrade"), ("message", "Back soon."), ("duration", "30m")])
        .await
        .assert_ok()
        .await;
    within(WAIT, || async {
        s.mails_to("web@example.com").iter().any(|m| m["subject"] == "[Status] Maintenance started: Database upgrade")
    })
    .await;
    assert!(!s.mails_to("web@example.com").iter().any(|m| m["subject"].as_str().unwrap().contains("API errors")));

    // The owner sees the subscribers and removes one.
    let settings = s.owner.call_json("status/settings", json!({})).await.assert_ok().await;
    let subscribers = settings["subscribers"].as_array().unwrap();
    assert_eq!(subscribers.len(), 2);
    let web = subscribers.iter().find(|x| x["address"] == "web@example.com").unwrap();
    assert_eq!(web["components"], json!(["Website"]));
    s.owner.call("status/subscribers/remove", &[("id", &web["id"].to_string())]).await.assert_ok().await;
    assert!(s.app.audit_actions().await.contains(&"status.subscriber.remove".to_owned()));

    // Sign-ups from one client address are limited: the eleventh within the hour is refused.
    for n in 0..9 {
        assert_eq!(s.subscribe(&[("email", &format!("flood{n}@example.com"))]).await.status(), 200);
    }
    let limited = s.subscribe(&[("email", "flood-last@example.com")]).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    assert_eq!(s.app.count("status_subscribers WHERE address = 'flood-last@example.com'").await, 0);
}

fn signature_valid(secret: &str, header: &str, body: &str) -> bool {
    use hmac::{Hmac, Mac};
    let (t, v1) = header.split_once(",v1=").unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{body}", t.trim_start_matches("t=")).as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    expected == v1
}

/// Each delivery's signature header and body.
type Deliveries = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// A local HTTP receiver for webhooks: keeps each body with its signature.
struct WebhookReceiver {
    url: String,
    received: Deliveries,
}

impl WebhookReceiver {
    async fn start() -> Self {
        use axum::extract::State;
        use axum::http::HeaderMap;
        let received: Deliveries = Default::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(|State(store): State<Deliveries>, headers: HeaderMap, body: String| async move {
                    let signature = headers["x-pitwall-signature"].to_str().unwrap().to_owned();
                    store.lock().unwrap().push((signature, body));
                    "ok"
                }),
            )
            .with_state(received.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { url: format!("http://{addr}/hook"), received }
    }

    fn bodies(&self) -> Vec<(String, String)> {
        self.received.lock().unwrap().clone()
    }
}
