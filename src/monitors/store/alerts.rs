//! All SQL of alerting: channels and the SMTP settings (audited), the outbox every alert goes
//! through, its leases, attempts and the delivery log.

use crate::error::AppError;
use crate::monitors::alerts::Message;
use crate::monitors::model::{
    AlertKind, ChannelKind, ChannelView, DeliveryView, NewChannel, SmtpSecurity, SmtpSettings, SmtpView,
};
use crate::server::audit_trail::{self, Caller, Change};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};

/// Waits before each retry: 1 min, 5 min, 30 min, 2 h, 6 h; then Pitwall gives up.
const BACKOFF_S: [i32; 5] = [60, 300, 1800, 7200, 21_600];

pub async fn channels(pool: &PgPool) -> Result<Vec<ChannelView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, name, kind, target, secret IS NOT NULL AS "signed!", on_degraded,
                  failing_since AS "failing_since: DateTime<Utc>", last_error
           FROM alert_channels ORDER BY name"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChannelView {
            id: r.id,
            name: r.name,
            kind: ChannelKind::from_stored(&r.kind),
            target: r.target,
            signed: r.signed,
            on_degraded: r.on_degraded,
            failing_since: r.failing_since,
            last_error: r.last_error,
        })
        .collect())
}

pub async fn create_channel(pool: &PgPool, caller: &Caller, new: &NewChannel) -> Result<ChannelView, AppError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO alert_channels (name, kind, target, secret, on_degraded) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        new.name,
        new.kind.as_str(),
        new.target,
        new.secret,
        new.on_degraded
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::validation("name", format!("A channel named {:?} already exists.", new.name))
        }
        _ => err.into(),
    })?;
    let audited = json!({"name": new.name, "kind": new.kind, "target": new.target, "signed": new.secret.is_some(), "on_degraded": new.on_degraded});
    audit_trail::record(&mut tx, caller, Change::created("alert_channel.create", "alert_channel", id, audited)).await?;
    tx.commit().await?;
    Ok(ChannelView {
        id,
        name: new.name.clone(),
        kind: new.kind,
        target: new.target.clone(),
        signed: new.secret.is_some(),
        on_degraded: new.on_degraded,
        failing_since: None,
        last_error: String::new(),
    })
}

pub async fn delete_channel(pool: &PgPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query!("DELETE FROM alert_channels WHERE id = $1 RETURNING name, kind, target", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Channel {id}")))?;
    let audited = json!({"name": gone.name, "kind": gone.kind, "target": gone.target});
    audit_trail::record(&mut tx, caller, Change::removed("alert_channel.delete", "alert_channel", id, audited)).await?;
    tx.commit().await?;
    Ok(())
}

/// The channel named `name_or_id` (the CLI's handle).
pub async fn find_channel(pool: &PgPool, name_or_id: &str) -> Result<(i64, String), AppError> {
    sqlx::query!(
        "SELECT id, name FROM alert_channels WHERE name = $1 OR id::text = $1 ORDER BY name = $1 DESC LIMIT 1",
        name_or_id
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.id, r.name))
    .ok_or_else(|| AppError::not_found(format!("Channel {name_or_id:?}")))
}

pub async fn smtp(pool: &PgPool) -> Result<Option<SmtpView>, AppError> {
    let row = sqlx::query!(
        "SELECT host, port, security, username, password <> '' AS \"has_password!\", from_address FROM smtp_settings"
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| SmtpView {
        host: r.host,
        port: r.port as u16,
        security: SmtpSecurity::from_stored(&r.security),
        username: r.username,
        has_password: r.has_password,
        from_address: r.from_address,
    }))
}

/// The settings with the password, for sending only.
pub async fn smtp_for_sending(pool: &PgPool) -> Result<Option<SmtpSettings>, AppError> {
    let row = sqlx::query!("SELECT host, port, security, username, password, from_address FROM smtp_settings")
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| SmtpSettings {
        host: r.host,
        port: r.port as u16,
        security: SmtpSecurity::from_stored(&r.security),
        username: r.username,
        password: (!r.password.is_empty()).then_some(r.password),
        from_address: r.from_address,
    }))
}

/// Saves the SMTP settings; a settings change without a password keeps the stored one.
pub async fn save_smtp(pool: &PgPool, caller: &Caller, settings: &SmtpSettings) -> Result<SmtpView, AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!("SELECT host, port, security, username, from_address FROM smtp_settings FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| json!({"host": r.host, "port": r.port, "security": r.security, "username": r.username, "from_address": r.from_address}));
    sqlx::query!(
        "INSERT INTO smtp_settings (host, port, security, username, password, from_address)
         VALUES ($1, $2, $3, $4, COALESCE($5, ''), $6)
         ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, security = $3, username = $4,
             password = COALESCE($5, smtp_settings.password), from_address = $6, updated_at = now()",
        settings.host,
        i32::from(settings.port),
        settings.security.as_str(),
        settings.username,
        settings.password,
        settings.from_address
    )
    .execute(&mut *tx)
    .await?;
    let after = json!({"host": settings.host, "port": settings.port, "security": settings.security, "username": settings.username, "from_address": settings.from_address, "password_changed": settings.password.is_some()});
    audit_trail::record(
        &mut tx,
        caller,
        Change::between("smtp_settings.save", "smtp_settings", "smtp", before, Some(after)),
    )
    .await?;
    tx.commit().await?;
    smtp(pool).await?.ok_or(AppError::Internal)
}

async fn enqueue(
    conn: &mut PgConnection,
    channel_id: i64,
    monitor_id: Option<i64>,
    message: &Message,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO alert_outbox (channel_id, monitor_id, kind, subject, body, payload) VALUES ($1, $2, $3, $4, $5, $6)",
        channel_id,
        monitor_id,
        message.kind.as_str(),
        message.subject,
        message.body,
        message.payload
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes an alert for every channel it goes to, in the caller's transaction. A monitor with
/// its own routing alerts its channels alone; otherwise a change to or from down goes to every
/// channel, degraded and the cache rules (firing and recovering) to those that take degraded
/// alerts.
pub async fn enqueue_change(
    conn: &mut PgConnection,
    monitor_id: Option<i64>,
    message: &Message,
    degraded_only: bool,
) -> Result<(), AppError> {
    let channels = sqlx::query_scalar!(
        r#"SELECT c.id FROM alert_channels c
           WHERE CASE WHEN COALESCE((SELECT custom_routing FROM monitors WHERE id = $2), FALSE)
                      THEN EXISTS (SELECT 1 FROM monitor_alert_channels r WHERE r.monitor_id = $2 AND r.channel_id = c.id)
                      ELSE c.on_degraded OR NOT $1 END
           ORDER BY c.id"#,
        degraded_only,
        monitor_id
    )
    .fetch_all(&mut *conn)
    .await?;
    for channel in channels {
        enqueue(conn, channel, monitor_id, message).await?;
    }
    Ok(())
}

/// Writes a monitor's recovery for every channel that got an alert of this outage (since its
/// last recovery), in the caller's transaction: a channel added or routed here meanwhile hears
/// of no outage it was not told of, and an outage muted by maintenance recovers quietly.
pub async fn enqueue_recovery(conn: &mut PgConnection, monitor_id: i64, message: &Message) -> Result<(), AppError> {
    let channels = sqlx::query_scalar!(
        r#"SELECT DISTINCT channel_id AS "channel_id!" FROM alert_outbox
           WHERE monitor_id = $1 AND kind = 'alert'
             AND created_at > COALESCE((SELECT max(created_at) FROM alert_outbox
                                        WHERE monitor_id = $1 AND kind = 'recovery'), '-infinity')
           ORDER BY 1"#,
        monitor_id
    )
    .fetch_all(&mut *conn)
    .await?;
    for channel in channels {
        enqueue(conn, channel, Some(monitor_id), message).await?;
    }
    Ok(())
}

/// Sets a monitor's routing in the caller's transaction: `None` is the default routing, a list
/// of channel names replaces it (an unknown name is refused at the field).
pub async fn set_routing(
    conn: &mut PgConnection,
    monitor_id: i64,
    channels: Option<&[String]>,
) -> Result<(), AppError> {
    sqlx::query!("DELETE FROM monitor_alert_channels WHERE monitor_id = $1", monitor_id).execute(&mut *conn).await?;
    let names = channels.unwrap_or_default();
    let found =
        sqlx::query!("SELECT id, name FROM alert_channels WHERE name = ANY($1)", names).fetch_all(&mut *conn).await?;
    if let Some(unknown) = names.iter().find(|name| !found.iter().any(|f| &f.name == *name)) {
        return Err(AppError::validation("alert_channels", format!("There is no alert channel named {unknown:?}.")));
    }
    let ids: Vec<i64> = found.iter().map(|f| f.id).collect();
    sqlx::query!(
        "INSERT INTO monitor_alert_channels (monitor_id, channel_id) SELECT $1, unnest($2::bigint[])",
        monitor_id,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("UPDATE monitors SET custom_routing = $2 WHERE id = $1", monitor_id, channels.is_some())
        .execute(conn)
        .await?;
    Ok(())
}

/// Queues a test message to one channel; it goes out like any alert and shows in the log.
pub async fn enqueue_test(pool: &PgPool, caller: &Caller, channel_id: i64, message: &Message) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let name = sqlx::query_scalar!("SELECT name FROM alert_channels WHERE id = $1", channel_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Channel {channel_id}")))?;
    enqueue(&mut tx, channel_id, None, message).await?;
    audit_trail::record(
        &mut tx,
        caller,
        Change::created("alert_channel.test", "alert_channel", channel_id, json!({"name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A message this process leased for delivery, with where it goes.
pub struct Pending {
    pub id: i64,
    /// `X-Pitwall-Delivery`: the same for every attempt of one message.
    pub key: String,
    pub kind: ChannelKind,
    pub channel: String,
    pub target: String,
    pub secret: Option<String>,
    pub subject: String,
    pub body: String,
    pub payload: Value,
}

/// Where Pitwall's own monitor alerts go (its routing, or every channel), with their secrets,
/// for the database watch to keep in memory: it must alert when this database cannot be read.
/// None while that monitor is paused or removed.
pub async fn own_channels(pool: &PgPool) -> Result<Vec<Pending>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT DISTINCT c.id, c.kind, c.name, c.target, c.secret
           FROM alert_channels c, monitors m
           WHERE m.kind = 'pitwall' AND NOT m.paused
             AND (NOT m.custom_routing
                  OR EXISTS (SELECT 1 FROM monitor_alert_channels r WHERE r.monitor_id = m.id AND r.channel_id = c.id))
           ORDER BY c.id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Pending {
            id: r.id,
            key: String::new(),
            kind: ChannelKind::from_stored(&r.kind),
            channel: r.name,
            target: r.target,
            secret: r.secret,
            subject: String::new(),
            body: String::new(),
            payload: Value::Null,
        })
        .collect())
}

/// Leases up to `limit` messages due for (another) attempt; a lease outlives a send's timeout.
pub async fn lease_deliveries(pool: &PgPool, owner: &str, limit: i64) -> Result<Vec<Pending>, AppError> {
    let rows = sqlx::query!(
        r#"WITH due AS (
               SELECT id FROM alert_outbox
               WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= now()
                 AND (lease_until IS NULL OR lease_until < now())
               ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED),
           leased AS (
               UPDATE alert_outbox o SET lease_owner = $1, lease_until = now() + interval '2 minutes'
               FROM due WHERE o.id = due.id
               RETURNING o.id, o.channel_id, o.recipient_kind, o.recipient, o.recipient_secret, o.subject, o.body,
                         o.payload)
           SELECT l.id AS "id!", COALESCE(c.kind, l.recipient_kind) AS "kind!",
                  COALESCE(c.name, 'status subscriber') AS "channel!", COALESCE(c.target, l.recipient) AS "target!",
                  COALESCE(c.secret, l.recipient_secret) AS secret, l.subject AS "subject!", l.body AS "body!",
                  l.payload AS "payload!"
           FROM leased l LEFT JOIN alert_channels c ON c.id = l.channel_id"#,
        owner,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Pending {
            id: r.id,
            key: r.id.to_string(),
            kind: ChannelKind::from_stored(&r.kind),
            channel: r.channel,
            target: r.target,
            secret: r.secret,
            subject: r.subject,
            body: r.body,
            payload: r.payload,
        })
        .collect())
}

/// Records one attempt: delivered, or another try after the next backoff (or given up). Nothing
/// is written when `owner` lost the lease.
pub async fn record_attempt(
    pool: &PgPool,
    owner: &str,
    id: i64,
    outcome: &Result<String, String>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query!(
        "SELECT attempts, channel_id FROM alert_outbox WHERE id = $1 AND lease_owner = $2 FOR UPDATE",
        id,
        owner
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let (ok, answer) = match outcome {
        Ok(answer) => (true, answer.as_str()),
        Err(answer) => (false, answer.as_str()),
    };
    sqlx::query!("INSERT INTO alert_attempts (outbox_id, ok, answer) VALUES ($1, $2, $3)", id, ok, answer)
        .execute(&mut *tx)
        .await?;
    let attempts = row.attempts + 1;
    if ok {
        sqlx::query!(
            "UPDATE alert_outbox SET attempts = $2, delivered_at = now(), lease_owner = NULL, lease_until = NULL WHERE id = $1",
            id,
            attempts
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("UPDATE alert_channels SET failing_since = NULL, last_error = '' WHERE id = $1", row.channel_id)
            .execute(&mut *tx)
            .await?;
    } else {
        let wait = BACKOFF_S.get(row.attempts as usize).copied();
        sqlx::query!(
            "UPDATE alert_outbox SET attempts = $2, lease_owner = NULL, lease_until = NULL,
                    next_attempt_at = CASE WHEN $3::int IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $3) END,
                    gave_up_at = CASE WHEN $3::int IS NULL THEN now() END
             WHERE id = $1",
            id,
            attempts,
            wait
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE alert_channels SET failing_since = COALESCE(failing_since, now()), last_error = $2 WHERE id = $1",
            row.channel_id,
            answer
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The latest messages and how their delivery went, newest first.
pub async fn deliveries(pool: &PgPool, limit: i64) -> Result<Vec<DeliveryView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT o.id, c.name AS channel, o.kind, o.subject, o.created_at AS "created_at: DateTime<Utc>", o.attempts,
                  o.delivered_at AS "delivered_at: DateTime<Utc>", o.next_attempt_at AS "next_attempt_at: DateTime<Utc>",
                  o.gave_up_at IS NOT NULL AS "gave_up!",
                  (SELECT answer FROM alert_attempts a WHERE a.outbox_id = o.id ORDER BY a.at DESC, a.id DESC LIMIT 1) AS last_answer
           FROM alert_outbox o JOIN alert_channels c ON c.id = o.channel_id
           ORDER BY o.created_at DESC, o.id DESC LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let pending = r.delivered_at.is_none() && !r.gave_up;
            DeliveryView {
                id: r.id,
                channel: r.channel,
                kind: AlertKind::from_stored(&r.kind),
                subject: r.subject,
                created_at: r.created_at,
                attempts: r.attempts,
                delivered_at: r.delivered_at,
                next_attempt_at: pending.then_some(r.next_attempt_at),
                gave_up: r.gave_up,
                last_answer: r.last_answer.unwrap_or_default(),
            }
        })
        .collect())
}

/// A recipient that is not an alert channel (a status page subscriber).
pub struct Recipient<'a> {
    pub kind: ChannelKind,
    /// The email address or the webhook URL.
    pub address: &'a str,
    /// Webhooks: the signing secret.
    pub secret: Option<&'a str>,
}

/// Queues a message to `to` in the caller's transaction; the sender delivers it like an alert
/// (retried, each attempt logged). `kind` is `notification` or `confirmation`; a payload's
/// `unsubscribe` URL becomes the email's List-Unsubscribe headers.
pub async fn enqueue_to(
    conn: &mut PgConnection,
    to: &Recipient<'_>,
    kind: &str,
    subject: &str,
    body: &str,
    payload: &Value,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO alert_outbox (recipient_kind, recipient, recipient_secret, kind, subject, body, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        to.kind.as_str(),
        to.address,
        to.secret,
        kind,
        subject,
        body,
        payload,
    )
    .execute(conn)
    .await?;
    Ok(())
}
