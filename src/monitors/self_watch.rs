//! Pitwall's own database, watched from outside it. Every alert goes through an outbox in that
//! database, so when the database itself is gone nothing could be queued: each process asks it
//! every few seconds, keeps in memory the channels Pitwall's own monitor alerts (and the SMTP
//! settings) as last read, and after `FAILURES_BEFORE_ALERT` unanswered checks in a row sends
//! "Pitwall cannot reach its database" straight to them, then "reaches it again" once it
//! answers. Each process sends its own: without the database they cannot agree on one.

use super::delivery::Sender;
use super::model::SmtpSettings;
use super::store::alerts::{self, Pending};
use crate::server::health::{check_database, Status};
use crate::server::jobs::{self, Supervisor};
use serde_json::json;
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the database is asked.
const EVERY: Duration = Duration::from_secs(3);
/// Checks in a row without an answer before anyone is told (a restart of a few seconds is not
/// an outage).
const FAILURES_BEFORE_ALERT: u32 = 3;

/// What the watch remembers between checks.
#[derive(Default)]
struct Memory {
    channels: Vec<Pending>,
    smtp: Option<SmtpSettings>,
    failures: u32,
    /// Since when the database has not answered, once people were told.
    alerted_since: Option<chrono::DateTime<chrono::Utc>>,
    first_failure: Option<chrono::DateTime<chrono::Utc>>,
    last_error: String,
}

pub fn spawn(supervisor: &Supervisor, pool: PgPool, public_url: Option<String>) {
    let sender = Arc::new(Sender::new(public_url));
    let memory = Arc::new(Mutex::new(Memory::default()));
    jobs::spawn_every(
        supervisor,
        pool,
        EVERY,
        "the database watch",
        move |pool| {
            let (sender, memory) = (sender.clone(), memory.clone());
            async move {
                watch(&pool, &sender, &memory).await;
                Ok::<_, crate::error::AppError>(())
            }
        },
        |_| {},
    );
}

fn remember(memory: &Mutex<Memory>) -> std::sync::MutexGuard<'_, Memory> {
    memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn watch(pool: &PgPool, sender: &Sender, memory: &Mutex<Memory>) {
    let check = check_database(pool).await;
    let now = chrono::Utc::now();
    if check.status == Status::Ok {
        let told = {
            let mut m = remember(memory);
            m.failures = 0;
            m.first_failure = None;
            m.alerted_since.take()
        };
        if let Some(since) = told {
            let lasted = crate::ui::human_duration((now - since).num_seconds().max(0) as u64);
            let body = format!("Pitwall answers from its database again, after {lasted} without it.");
            let message = ("[Pitwall] RECOVERED: Pitwall reaches its database again", body, "pitwall.database_up");
            send_all(sender, memory, message, now).await;
        }
        // Remember where to send, as it stands now, for the next outage.
        match (alerts::own_channels(pool).await, alerts::smtp_for_sending(pool).await) {
            (Ok(channels), Ok(smtp)) => {
                let mut m = remember(memory);
                m.channels = channels;
                m.smtp = smtp;
            }
            (Err(err), _) | (_, Err(err)) => tracing::warn!(error = %err, "the alert channels could not be read"),
        }
        return;
    }
    let alert = {
        let mut m = remember(memory);
        m.failures += 1;
        m.first_failure.get_or_insert(now);
        m.last_error = check.error.clone().unwrap_or_default();
        (m.failures >= FAILURES_BEFORE_ALERT && m.alerted_since.is_none()).then(|| {
            let since = m.first_failure.unwrap_or(now);
            m.alerted_since = Some(since);
            (since, m.last_error.clone())
        })
    };
    if let Some((since, error)) = alert {
        tracing::error!(%error, "Pitwall cannot reach its database; telling its alert channels directly");
        let lasted = crate::ui::human_duration((now - since).num_seconds().max(0) as u64);
        let body = format!(
            "Pitwall has not reached its database for {lasted} ({error}). Its monitors' alerts wait \
             until it is back; this message comes from process {} directly.",
            std::process::id()
        );
        send_all(
            sender,
            memory,
            ("[Pitwall] DOWN: Pitwall cannot reach its database", body, "pitwall.database_down"),
            now,
        )
        .await;
    }
}

/// Sends `(subject, body, event)` to every remembered channel; a failure is logged (there is
/// no outbox to retry from).
async fn send_all(
    sender: &Sender,
    memory: &Mutex<Memory>,
    (subject, body, event): (&str, String, &str),
    at: chrono::DateTime<chrono::Utc>,
) {
    let (channels, smtp) = {
        let m = remember(memory);
        let channels: Vec<Pending> = m
            .channels
            .iter()
            .map(|c| Pending {
                id: c.id,
                key: format!("{event}-{}-{}", std::process::id(), at.timestamp()),
                kind: c.kind,
                channel: c.channel.clone(),
                target: c.target.clone(),
                secret: c.secret.clone(),
                subject: subject.to_owned(),
                body: body.clone(),
                payload: json!({
                    "event": event,
                    "kind": if event.ends_with("_up") { "recovery" } else { "alert" },
                    "monitor": {"name": "Pitwall", "kind": "pitwall"},
                    "cause": body,
                    "at": at.to_rfc3339(),
                    "link": "/monitors",
                }),
            })
            .collect();
        (channels, m.smtp.clone())
    };
    for channel in &channels {
        match sender.deliver(channel, smtp.as_ref()).await {
            Ok(answer) => tracing::info!(channel = %channel.channel, %answer, "told directly: {subject}"),
            Err(why) => tracing::warn!(channel = %channel.channel, error = %why, "could not tell directly: {subject}"),
        }
    }
}
