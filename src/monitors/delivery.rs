//! The alert sender, one in every process: it leases what the outbox has due, sends each message
//! (email over SMTP with lettre, Slack's incoming webhook, signed webhooks), and records every
//! attempt with the receiver's answer. A failure is retried after the next backoff; a process
//! that dies mid-send lets its lease run out.

use super::model::{ChannelKind, SmtpSecurity, SmtpSettings};
use super::store::alerts::{self, Pending};
use crate::error::AppError;
use crate::server::jobs::{self, Supervisor};
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor};
use sha2::Sha256;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

const TICK: Duration = Duration::from_secs(1);
/// Messages one tick sends at most (each in its own task).
const BATCH: i64 = 20;
/// How long one send may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

pub(super) struct Sender {
    owner: String,
    /// `PITWALL_PUBLIC_URL`, so links in alerts open the console.
    public_url: Option<String>,
    http: reqwest::Client,
}

pub fn spawn(supervisor: &Supervisor, pool: PgPool, public_url: Option<String>) {
    let sender = Arc::new(Sender::new(public_url));
    jobs::spawn_every(
        supervisor,
        pool,
        TICK,
        "the alert sender",
        move |pool| {
            let sender = sender.clone();
            async move { sender.tick(&pool).await }
        },
        |_sent| {},
    );
}

impl Sender {
    pub(super) fn new(public_url: Option<String>) -> Self {
        Sender {
            owner: super::scheduler::lease_owner(),
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            http: reqwest::Client::builder()
                .user_agent(concat!("Pitwall/", env!("CARGO_PKG_VERSION"), " (alerts)"))
                .timeout(SEND_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client with these settings always builds"),
        }
    }

    async fn tick(self: &Arc<Self>, pool: &PgPool) -> Result<usize, AppError> {
        let due = alerts::lease_deliveries(pool, &self.owner, BATCH).await?;
        let count = due.len();
        let mut sends = tokio::task::JoinSet::new();
        for pending in due {
            let (sender, pool) = (self.clone(), pool.clone());
            sends.spawn(async move {
                let outcome = match tokio::time::timeout(SEND_TIMEOUT, sender.send(&pool, &pending)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(format!("no answer within {} s", SEND_TIMEOUT.as_secs())),
                };
                if let Err(why) = &outcome {
                    tracing::warn!(channel = %pending.channel, error = %why, "an alert could not be delivered; it will be retried");
                }
                if let Err(err) = alerts::record_attempt(&pool, &sender.owner, pending.id, &outcome).await {
                    tracing::warn!(error = %err, "an alert attempt could not be recorded; its lease will run out");
                }
            });
        }
        while sends.join_next().await.is_some() {}
        Ok(count)
    }

    fn link(&self, payload: &serde_json::Value) -> String {
        let path = payload["link"].as_str().unwrap_or("/");
        if path.starts_with("https://") || path.starts_with("http://") {
            return path.to_owned();
        }
        match &self.public_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_owned(),
        }
    }

    /// Sends one message from the outbox; the receiver's answer, or why it failed.
    async fn send(&self, pool: &PgPool, pending: &Pending) -> Result<String, String> {
        let smtp = match pending.kind {
            ChannelKind::Email => {
                alerts::smtp_for_sending(pool).await.map_err(|_| "the SMTP settings cannot be read".to_owned())?
            }
            _ => None,
        };
        self.deliver(pending, smtp.as_ref()).await
    }

    /// Sends one message (email through `smtp`); the receiver's answer, or why it failed.
    pub(super) async fn deliver(&self, pending: &Pending, smtp: Option<&SmtpSettings>) -> Result<String, String> {
        let link = self.link(&pending.payload);
        match pending.kind {
            ChannelKind::Slack => {
                let text = format!("*{}*\n{}\n<{link}|Open in Pitwall>", pending.subject, pending.body);
                let response = self.http.post(&pending.target).json(&serde_json::json!({"text": text})).send().await;
                answer(response).await
            }
            ChannelKind::Webhook => {
                let mut payload = pending.payload.clone();
                payload["link"] = serde_json::Value::String(link);
                payload["subject"] = serde_json::Value::String(pending.subject.clone());
                let body = serde_json::to_string(&payload).map_err(|e| e.to_string())?;
                let secret = pending.secret.as_deref().unwrap_or_default();
                let response = self
                    .http
                    .post(&pending.target)
                    .header("content-type", "application/json")
                    .header("x-pitwall-signature", signature(secret, chrono::Utc::now().timestamp(), &body))
                    .header("x-pitwall-delivery", &pending.key)
                    .body(body)
                    .send()
                    .await;
                answer(response).await
            }
            ChannelKind::Email => {
                let settings = smtp.ok_or("no SMTP server is set: add one on /settings/alerts")?;
                email(settings, pending, &link).await
            }
        }
    }
}

/// `t=UNIX,v1=hex(HMAC-SHA256(secret, "t.body"))`: receivers recompute it and refuse old `t`s.
pub fn signature(secret: &str, unix: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{unix}.{body}").as_bytes());
    format!("t={unix},v1={}", crate::auth::tokens::hex(&mac.finalize().into_bytes()))
}

async fn answer(response: Result<reqwest::Response, reqwest::Error>) -> Result<String, String> {
    let response = response.map_err(|err| {
        let mut cause: &dyn std::error::Error = &err;
        while let Some(next) = cause.source() {
            cause = next;
        }
        format!("could not reach the receiver: {cause}")
    })?;
    let status = response.status();
    let text: String = response.text().await.unwrap_or_default().chars().take(200).collect();
    if status.is_success() {
        Ok(format!("{status}"))
    } else {
        Err(format!("the receiver answered {status}: {}", text.trim()))
    }
}

async fn email(settings: &SmtpSettings, pending: &Pending, link: &str) -> Result<String, String> {
    let from: Mailbox =
        format!("Pitwall <{}>", settings.from_address).parse().map_err(|e| format!("the from address: {e}"))?;
    let mut message = Email::builder().from(from).subject(&pending.subject);
    for address in pending.target.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        message = message.to(address.parse().map_err(|e| format!("the address {address}: {e}"))?);
    }
    // Status page notifications: one-click unsubscribe (RFC 8058) for the reader's mail client.
    if let Some(unsubscribe) = pending.payload["unsubscribe"].as_str() {
        use lettre::message::header::{HeaderName, HeaderValue};
        message = message
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{unsubscribe}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let message = message
        .body(format!("{}\n\n{link}\n", pending.body))
        .map_err(|e| format!("the message could not be built: {e}"))?;
    let builder = match settings.security {
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)),
    }
    .map_err(|e| format!("the SMTP server {}: {e}", settings.host))?;
    let mut builder = builder.port(settings.port).timeout(Some(SEND_TIMEOUT));
    if let (false, Some(password)) = (settings.username.is_empty(), &settings.password) {
        builder = builder.credentials(Credentials::new(settings.username.clone(), password.clone()));
    }
    let sent = builder.build().send(message).await.map_err(|e| format!("the SMTP server refused: {e}"))?;
    Ok(format!("SMTP {}", sent.code()))
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn signatures_follow_the_documented_recipe() {
        // Computed apart, with Python's hmac: hmac.new(b"Jefe", b"1700000000.{}", hashlib.sha256).
        assert_eq!(
            signature("Jefe", 1_700_000_000, "{}"),
            "t=1700000000,v1=d3793e2b4103edfbd98cc19591832f5fad701d413db9fcae0ae7dab8184ed207"
        );
    }
}
