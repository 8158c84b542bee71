//! SQL of the subscribers: sign-up with a signed confirmation link (rate-limited per client
//! address and per email address), confirmation, unsubscribe, the owner's list, and the
//! notifier that tells confirmed subscribers once of each public change. Messages go through
//! the alerts' outbox (`monitors::store::alerts::enqueue_to`), in the same transaction.

use crate::error::AppError;
use crate::monitors::model::ChannelKind;
use crate::monitors::store::alerts::{enqueue_to, Recipient};
use crate::server::audit_trail::{self, Caller, Change};
use crate::status::model::{
    confirmation_message, IncidentStatus, SubscriberKind, SubscriberView, CONFIRMATION_VALID_H,
};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use sqlx::{PgConnection, PgPool};

/// Sign-ups one client address may make in an hour.
const SIGNUPS_PER_HOUR: i64 = 10;
/// One confirmation mail per email address in this many minutes.
const CONFIRMATION_EVERY_MIN: i64 = 10;

fn sign(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(message.as_bytes());
    crate::auth::tokens::hex(&mac.finalize().into_bytes())
}

async fn page_facts(conn: &mut PgConnection) -> Result<(String, String), AppError> {
    let row = sqlx::query!("SELECT page_name, signing_key FROM status_settings WHERE id").fetch_one(conn).await?;
    Ok((row.page_name, row.signing_key))
}

/// What a sign-up did (the page says the same either way, so it tells nobody who subscribed).
#[derive(Debug, PartialEq, Eq)]
pub enum Signup {
    ConfirmationSent,
    /// Confirmed already, or a confirmation went out minutes ago: nothing sent.
    NothingSent,
}

/// Signs `email` up for `components` (ids; empty: all), sending a confirmation link that works
/// for 48 hours. `base` is where the public reads the page (`https://status.example.com`).
pub async fn subscribe_email(
    pool: &PgPool,
    email: &str,
    components: &[i64],
    client_ip: &str,
    base: &str,
    now: DateTime<Utc>,
) -> Result<Signup, AppError> {
    let mut tx = pool.begin().await?;
    let hour_ago = now - Duration::hours(1);
    let recent = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM status_signups WHERE client_ip = $1 AND at > $2"#,
        client_ip,
        hour_ago as _
    )
    .fetch_one(&mut *tx)
    .await?;
    if recent >= SIGNUPS_PER_HOUR {
        return Err(AppError::unavailable_for("Too many sign-ups from your address; try again in an hour.", 3600));
    }
    sqlx::query!("INSERT INTO status_signups (client_ip, at) VALUES ($1, $2)", client_ip, now as _)
        .execute(&mut *tx)
        .await?;
    let known: Vec<i64> = sqlx::query_scalar!(
        "SELECT id FROM status_components WHERE id = ANY($1) AND NOT hidden ORDER BY id",
        components
    )
    .fetch_all(&mut *tx)
    .await?;
    let row = sqlx::query!(
        r#"INSERT INTO status_subscribers (kind, address, components) VALUES ('email', $1, $2)
           ON CONFLICT (kind, lower(address)) DO UPDATE
               SET components = CASE WHEN status_subscribers.confirmed_at IS NULL THEN EXCLUDED.components
                                     ELSE status_subscribers.components END
           RETURNING id, token, confirmed_at AS "confirmed_at: DateTime<Utc>",
                     confirmation_sent_at AS "confirmation_sent_at: DateTime<Utc>""#,
        email,
        &known
    )
    .fetch_one(&mut *tx)
    .await?;
    let too_soon = row.confirmation_sent_at.is_some_and(|at| at > now - Duration::minutes(CONFIRMATION_EVERY_MIN));
    if row.confirmed_at.is_some() || too_soon {
        tx.commit().await?;
        return Ok(Signup::NothingSent);
    }
    let (page_name, key) = page_facts(&mut tx).await?;
    let expires = (now + Duration::hours(CONFIRMATION_VALID_H)).timestamp();
    let signature = sign(&key, &confirmation_message(row.id, expires));
    let confirm = format!("{base}/status/subscribe/confirm?id={}&expires={expires}&sig={signature}", row.id);
    let body = format!(
        "Confirm that you want {page_name}'s incident and maintenance updates by opening this link within \
         {CONFIRMATION_VALID_H} hours:\n\n{confirm}\n\nIf you did not ask for this, ignore this message: \
         nothing will be sent."
    );
    let to = Recipient { kind: ChannelKind::Email, address: email, secret: None };
    let payload = json!({"event": "status.confirmation", "link": confirm});
    enqueue_to(&mut tx, &to, "confirmation", &format!("[{page_name}] Confirm your subscription"), &body, &payload)
        .await?;
    sqlx::query!("UPDATE status_subscribers SET confirmation_sent_at = $2 WHERE id = $1", row.id, now as _)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Signup::ConfirmationSent)
}

/// Confirms a subscription from its signed link; refused when forged or expired.
pub async fn confirm(
    pool: &PgPool,
    id: i64,
    expires: i64,
    signature: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let (_, key) = page_facts(&mut tx).await?;
    if sign(&key, &confirmation_message(id, expires)) != signature {
        return Err(AppError::validation("sig", "This confirmation link is not valid."));
    }
    if expires < now.timestamp() {
        return Err(AppError::validation("expires", "This confirmation link has expired: subscribe again."));
    }
    let done = sqlx::query!(
        "UPDATE status_subscribers SET confirmed_at = COALESCE(confirmed_at, $2) WHERE id = $1",
        id,
        now as _
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::not_found("Subscription"));
    }
    tx.commit().await?;
    Ok(())
}

/// Ends the subscription the token belongs to; false when there is none (already gone).
pub async fn unsubscribe(pool: &PgPool, token: &str) -> Result<bool, AppError> {
    let done = sqlx::query!("DELETE FROM status_subscribers WHERE token = $1", token).execute(pool).await?;
    Ok(done.rows_affected() > 0)
}

pub async fn list(pool: &PgPool) -> Result<Vec<SubscriberView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT s.id, s.kind, s.address, s.confirmed_at AS "confirmed_at: DateTime<Utc>",
                  s.created_at AS "created_at: DateTime<Utc>",
                  ARRAY(SELECT c.name FROM status_components c WHERE c.id = ANY(s.components) ORDER BY c.position)
                      AS "components!"
           FROM status_subscribers s ORDER BY s.created_at DESC, s.id DESC"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SubscriberView {
            id: r.id,
            kind: SubscriberKind::from_stored(&r.kind),
            address: r.address,
            components: r.components,
            confirmed_at: r.confirmed_at,
            created_at: r.created_at,
        })
        .collect())
}

/// Adds a webhook subscriber (confirmed: the owner added it); returns its signing secret, shown once.
pub async fn add_webhook(pool: &PgPool, caller: &Caller, url: &str) -> Result<String, AppError> {
    let secret = crate::auth::tokens::random_hex();
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO status_subscribers (kind, address, secret, confirmed_at) VALUES ('webhook', $1, $2, now())
         RETURNING id",
        url,
        secret
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::validation("url", "That webhook is subscribed already.")
        }
        _ => err.into(),
    })?;
    audit_trail::record(
        &mut tx,
        caller,
        Change::created(
            "status.subscriber.create",
            "status_subscriber",
            id,
            json!({"kind": "webhook", "address": url}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

pub async fn remove(pool: &PgPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!("DELETE FROM status_subscribers WHERE id = $1 RETURNING kind, address", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Subscriber #{id}")))?;
    let change = Change::removed(
        "status.subscriber.remove",
        "status_subscriber",
        id,
        json!({"kind": before.kind, "address": before.address}),
    );
    audit_trail::record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Something the public was told, to pass on to subscribers.
struct News {
    key: String,
    subject: String,
    body: String,
    link: String,
    at: DateTime<Utc>,
    /// The components it concerns (empty: all, as maintenance is site-wide).
    components: Vec<i64>,
    event: &'static str,
}

/// How far back the notifier looks for news it has not passed on (a process down this long
/// loses nothing shorter).
const LOOKBACK_H: i64 = 24;

async fn news(conn: &mut PgConnection, base: &str, now: DateTime<Utc>) -> Result<Vec<News>, AppError> {
    let since = now - Duration::hours(LOOKBACK_H);
    let mut all = Vec::new();
    // Each public update (the first one announces the incident), and each resolution of an
    // incident the public has heard of.
    let updates = sqlx::query!(
        r#"SELECT e.id, e.incident_id, e.body, e.status, e.created_at AS "at: DateTime<Utc>", i.title,
                  NOT EXISTS (SELECT 1 FROM incident_events p WHERE p.incident_id = e.incident_id AND p.public
                              AND (p.created_at, p.id) < (e.created_at, e.id)) AS "first!",
                  ARRAY(SELECT c.id FROM status_components c
                        WHERE lower(c.name) IN (SELECT lower(n) FROM unnest(i.components) n)) AS "components!"
           FROM incident_events e JOIN incidents i ON i.id = e.incident_id
           WHERE e.public AND e.created_at > $1"#,
        since as _
    )
    .fetch_all(&mut *conn)
    .await?;
    for u in updates {
        let (event, verb) = if u.first { ("incident.created", "New incident") } else { ("incident.updated", "Update") };
        all.push(News {
            key: format!("update:{}", u.id),
            subject: format!("{verb}: {} ({})", u.title, IncidentStatus::from_stored(&u.status).label()),
            body: u.body,
            link: format!("{base}/status/incidents/{}", u.incident_id),
            at: u.at,
            components: u.components,
            event,
        });
    }
    let resolved = sqlx::query!(
        r#"SELECT i.id, i.title, i.resolved_at AS "at!: DateTime<Utc>",
                  ARRAY(SELECT c.id FROM status_components c
                        WHERE lower(c.name) IN (SELECT lower(n) FROM unnest(i.components) n)) AS "components!"
           FROM incidents i
           WHERE i.resolved_at > $1 AND EXISTS (SELECT 1 FROM incident_events e WHERE e.incident_id = i.id AND e.public)"#,
        since as _
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in resolved {
        all.push(News {
            key: format!("resolved:{}:{}", r.id, r.at.timestamp()),
            subject: format!("Resolved: {}", r.title),
            body: "This incident has been resolved.".into(),
            link: format!("{base}/status/incidents/{}", r.id),
            at: r.at,
            components: r.components,
            event: "incident.resolved",
        });
    }
    let windows = sqlx::query!(
        r#"SELECT id, reason, message, state, created_at AS "created_at: DateTime<Utc>",
                  planned_start AS "planned_start: DateTime<Utc>", actual_start AS "actual_start: DateTime<Utc>",
                  actual_end AS "actual_end: DateTime<Utc>"
           FROM maintenance_windows
           WHERE state <> 'cancelled' AND (created_at > $1 OR actual_start > $1 OR actual_end > $1)"#,
        since as _
    )
    .fetch_all(&mut *conn)
    .await?;
    for w in windows {
        let name = if w.reason.trim().is_empty() { "Scheduled maintenance".to_owned() } else { w.reason.clone() };
        let steps = [
            (
                Some(w.created_at),
                "scheduled",
                "maintenance.scheduled",
                format!("Scheduled for {} UTC. {}", w.planned_start.format("%Y-%m-%d %H:%M"), w.message),
            ),
            (w.actual_start, "started", "maintenance.started", "Maintenance is in progress.".to_owned()),
            (w.actual_end, "completed", "maintenance.completed", "Maintenance is complete.".to_owned()),
        ];
        for (at, step, event, body) in steps {
            let Some(at) = at.filter(|at| *at > since) else { continue };
            all.push(News {
                key: format!("maintenance:{}:{step}", w.id),
                subject: format!("Maintenance {step}: {name}"),
                body,
                link: format!("{base}/status"),
                at,
                components: Vec::new(),
                event,
            });
        }
    }
    all.sort_by_key(|n| n.at);
    Ok(all)
}

/// Passes each piece of news not yet passed on to the confirmed subscribers it concerns (those
/// who confirmed before it happened). Exactly once across processes: a key's first insert wins.
pub async fn notify(pool: &PgPool, base: &str, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let news = news(&mut tx, base, now).await?;
    let page_name = page_facts(&mut tx).await?.0;
    let mut queued = 0;
    for item in news {
        let fresh = sqlx::query_scalar!(
            "INSERT INTO status_notified (key) VALUES ($1) ON CONFLICT DO NOTHING RETURNING key",
            item.key
        )
        .fetch_optional(&mut *tx)
        .await?;
        if fresh.is_none() {
            continue;
        }
        let subscribers = sqlx::query!(
            "SELECT kind, address, secret, token FROM status_subscribers
             WHERE confirmed_at <= $1 AND (components = '{}' OR cardinality($2::BIGINT[]) = 0 OR components && $2)",
            item.at as _,
            &item.components
        )
        .fetch_all(&mut *tx)
        .await?;
        for s in subscribers {
            let unsubscribe = format!("{base}/status/unsubscribe?token={}", s.token);
            let kind = if s.kind == "webhook" { ChannelKind::Webhook } else { ChannelKind::Email };
            let to = Recipient { kind, address: &s.address, secret: s.secret.as_deref() };
            let body = format!("{}\n\nStop these messages: {unsubscribe}", item.body);
            let payload = json!({"event": item.event, "link": item.link, "unsubscribe": unsubscribe,
                                 "at": item.at, "text": item.body});
            enqueue_to(&mut tx, &to, "notification", &format!("[{page_name}] {}", item.subject), &body, &payload)
                .await?;
            queued += 1;
        }
    }
    // Keys older than the lookback can never come back; sign-ups count for an hour.
    let (forgotten, signups_kept) = (now - Duration::hours(LOOKBACK_H * 2), now - Duration::hours(2));
    sqlx::query!("DELETE FROM status_notified WHERE at < $1", forgotten as _).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM status_signups WHERE at < $1", signups_kept as _).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(queued)
}
