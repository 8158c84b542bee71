//! All SQL of accounts, sign-in throttling and machine tokens.

use super::model::{Email, NewToken, Role, Scope, TokenView, UserView};
use super::setup::SetupCode;
use crate::error::AppError;
use crate::server::audit_trail::{record, Change};
use crate::server::audit_trail::{Actor, Caller};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

/// The user row behind a session, checked on every request.
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub session_version: i32,
}

/// What sign-in needs to check a password.
pub struct Credentials {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub active: bool,
    pub session_version: i32,
}

fn role_of(raw: &str) -> Result<Role, AppError> {
    Role::parse("role", raw).map_err(|_| {
        tracing::error!(role = raw, "unknown role stored in the database");
        AppError::Internal
    })
}

fn user_json(user: &UserView) -> serde_json::Value {
    json!({ "email": user.email, "role": user.role, "active": user.active })
}

/// The audit record of a change to account `id`.
fn user_change(action: &'static str, id: i64, before: Option<&UserView>, after: Option<&UserView>) -> Change<'static> {
    Change::between(action, "user", id, before.map(user_json), after.map(user_json))
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

pub async fn any_users(pool: &PgPool) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#).fetch_one(pool).await?)
}

async fn insert_user(
    conn: &mut PgConnection,
    email: &Email,
    role: Role,
    password_hash: &str,
) -> Result<UserView, AppError> {
    let row = sqlx::query!(
        r#"INSERT INTO users (email, role, password_hash) VALUES ($1, $2, $3)
           RETURNING id, created_at AS "created_at: DateTime<Utc>""#,
        email.as_str(),
        role.as_str(),
        password_hash,
    )
    .fetch_one(conn)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::validation("email", format!("A user with the email {email} already exists."))
        } else {
            err.into()
        }
    })?;
    Ok(UserView {
        id: row.id,
        email: email.to_string(),
        role,
        active: true,
        created_at: row.created_at,
        last_sign_in_at: None,
    })
}

pub async fn add_setup_code(pool: &PgPool, code_hash: &str) -> Result<(), AppError> {
    // Codes of starts more than a day ago lapse: the newest start's code is the one to use.
    sqlx::query!("DELETE FROM setup_codes WHERE created_at < now() - interval '1 day'").execute(pool).await?;
    sqlx::query!("INSERT INTO setup_codes (code_hash) VALUES ($1) ON CONFLICT DO NOTHING", code_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn setup_code_exists(pool: &PgPool, code_hash: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM setup_codes WHERE code_hash = $1) AS "exists!""#, code_hash)
        .fetch_one(pool)
        .await?)
}

/// Creates the first owner with a valid set-up code, atomically refusing once any user exists;
/// every set-up code is used up.
pub async fn create_first_owner(
    pool: &PgPool,
    code: &SetupCode,
    email: &Email,
    password_hash: &str,
    client_ip: Option<String>,
) -> Result<UserView, AppError> {
    let mut tx = pool.begin().await?;
    // Serialises concurrent set-up attempts: only one can see an empty table.
    sqlx::query!("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
    if sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#).fetch_one(&mut *tx).await? {
        return Err(AppError::not_found("Set-up"));
    }
    let used = sqlx::query!("DELETE FROM setup_codes WHERE code_hash = $1", code.hash).execute(&mut *tx).await?;
    if used.rows_affected() == 0 {
        return Err(AppError::validation("code", "That set-up code has just lapsed; restart Pitwall for a new one."));
    }
    sqlx::query!("DELETE FROM setup_codes").execute(&mut *tx).await?;
    let user = insert_user(&mut tx, email, Role::Owner, password_hash).await?;
    // Set-up signs the owner straight in.
    sqlx::query!("UPDATE users SET last_sign_in_at = now() WHERE id = $1", user.id).execute(&mut *tx).await?;
    let caller = Caller { actor: Actor::User { id: user.id, email: user.email.clone() }, client_ip };
    record(&mut tx, &caller, user_change("user.setup_owner", user.id, None, Some(&user))).await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn create_user(
    pool: &PgPool,
    caller: &Caller,
    email: &Email,
    role: Role,
    password_hash: &str,
) -> Result<UserView, AppError> {
    let mut tx = pool.begin().await?;
    let user = insert_user(&mut tx, email, role, password_hash).await?;
    record(&mut tx, caller, user_change("user.create", user.id, None, Some(&user))).await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn credentials(pool: &PgPool, email: &Email) -> Result<Option<Credentials>, AppError> {
    Ok(sqlx::query_as!(
        Credentials,
        "SELECT id, email, password_hash, active, session_version FROM users WHERE email = $1",
        email.as_str()
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn session_user(pool: &PgPool, id: i64) -> Result<Option<SessionUser>, AppError> {
    let row = sqlx::query!("SELECT id, email, role, active, session_version FROM users WHERE id = $1", id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(SessionUser {
            id: r.id,
            email: r.email,
            role: role_of(&r.role)?,
            active: r.active,
            session_version: r.session_version,
        })
    })
    .transpose()
}

/// A sign-in attempt refused before any password work: too many counted in the window.
pub struct Throttled {
    /// When the oldest counted attempt leaves the window.
    pub retry_at: DateTime<Utc>,
}

/// Counts an attempt for this account and this address before its password is checked, refusing
/// it when either already has `max` in the window. The count and the insert happen under locks
/// on both keys, so N concurrent attempts get at most `max` through; the attempt stays counted as
/// a failure unless the sign-in succeeds (which clears them).
pub async fn reserve_attempt(
    pool: &PgPool,
    email: &str,
    client_ip: &str,
    max: i64,
    window_s: i64,
) -> Result<Result<(), Throttled>, AppError> {
    let mut tx = pool.begin().await?;
    // Both keys, always in the same order, so two attempts never wait on each other crosswise.
    let mut keys = [format!("sign-in email {email}"), format!("sign-in address {client_ip}")];
    keys.sort();
    for key in &keys {
        sqlx::query!("SELECT FROM pg_advisory_xact_lock(hashtextextended($1, 0))", key).execute(&mut *tx).await?;
    }
    let row = sqlx::query!(
        r#"SELECT
             count(*) FILTER (WHERE email = $1) AS "for_email!",
             count(*) FILTER (WHERE client_ip = $2) AS "for_ip!",
             min(at) + make_interval(secs => $3) AS "window_ends_at: DateTime<Utc>"
           FROM sign_in_failures
           WHERE (email = $1 OR client_ip = $2) AND at > now() - make_interval(secs => $3)"#,
        email,
        client_ip,
        window_s as f64,
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.for_email >= max || row.for_ip >= max {
        let retry_at = row.window_ends_at.unwrap_or_else(|| Utc::now() + chrono::TimeDelta::seconds(window_s));
        return Ok(Err(Throttled { retry_at }));
    }
    sqlx::query!("INSERT INTO sign_in_failures (email, client_ip) VALUES ($1, $2)", email, client_ip)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Key of the advisory lock the retention job runs under ("PWAURET" in ASCII).
const RETENTION_LOCK: i64 = 0x0050_5741_5552_4554;

/// Forgets failed sign-ins older than `older_than_s` (the throttle only looks at the last
/// window). One process does it per run (an advisory lock); the others skip.
pub async fn prune_sign_in_failures(pool: &PgPool, older_than_s: i64) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let locked = sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock($1) AS "locked!""#, RETENTION_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        return Ok(0);
    }
    let deleted =
        sqlx::query!("DELETE FROM sign_in_failures WHERE at < now() - make_interval(secs => $1)", older_than_s as f64)
            .execute(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(deleted.rows_affected())
}

/// A successful sign-in clears the failures counted against the account and the address.
pub async fn record_sign_in(pool: &PgPool, caller: &Caller, user_id: i64, email: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "DELETE FROM sign_in_failures WHERE email = $1 OR client_ip = $2",
        email,
        caller.client_ip.as_deref().unwrap_or("")
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("UPDATE users SET last_sign_in_at = now() WHERE id = $1", user_id).execute(&mut *tx).await?;
    record(&mut tx, caller, user_change("session.sign_in", user_id, None, None)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_users(pool: &PgPool) -> Result<Vec<UserView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, email, role, active, created_at AS "created_at: DateTime<Utc>", last_sign_in_at AS "last_sign_in_at: DateTime<Utc>"
           FROM users ORDER BY active DESC, email"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(UserView {
                id: r.id,
                email: r.email,
                role: role_of(&r.role)?,
                active: r.active,
                created_at: r.created_at,
                last_sign_in_at: r.last_sign_in_at,
            })
        })
        .collect()
}

async fn lock_user(conn: &mut PgConnection, id: i64) -> Result<UserView, AppError> {
    let r = sqlx::query!(
        r#"SELECT id, email, role, active, created_at AS "created_at: DateTime<Utc>", last_sign_in_at AS "last_sign_in_at: DateTime<Utc>"
           FROM users WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::not_found("User"))?;
    Ok(UserView {
        id: r.id,
        email: r.email,
        role: role_of(&r.role)?,
        active: r.active,
        created_at: r.created_at,
        last_sign_in_at: r.last_sign_in_at,
    })
}

/// Refuses a change that would leave no active owner to manage the console.
async fn ensure_another_owner(conn: &mut PgConnection, user: &UserView) -> Result<(), AppError> {
    if user.role != Role::Owner || !user.active {
        return Ok(());
    }
    // Lock every active owner row so two concurrent demotions cannot both pass.
    let owners =
        sqlx::query_scalar!("SELECT id FROM users WHERE role = 'owner' AND active FOR UPDATE").fetch_all(conn).await?;
    if owners.iter().all(|id| *id == user.id) {
        return Err(AppError::conflict(format!(
            "{} is the last active owner; make someone else owner first.",
            user.email
        )));
    }
    Ok(())
}

pub async fn change_role(pool: &PgPool, caller: &Caller, id: i64, role: Role) -> Result<UserView, AppError> {
    let mut tx = pool.begin().await?;
    let before = lock_user(&mut tx, id).await?;
    if before.role == role {
        return Ok(before);
    }
    if role != Role::Owner {
        ensure_another_owner(&mut tx, &before).await?;
    }
    sqlx::query!("UPDATE users SET role = $2 WHERE id = $1", id, role.as_str()).execute(&mut *tx).await?;
    let after = UserView { role, ..before.clone() };
    record(&mut tx, caller, user_change("user.change_role", id, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

/// Deactivating ends every session of the user at their next request.
pub async fn set_active(pool: &PgPool, caller: &Caller, id: i64, active: bool) -> Result<UserView, AppError> {
    let mut tx = pool.begin().await?;
    let before = lock_user(&mut tx, id).await?;
    if before.active == active {
        return Ok(before);
    }
    if !active {
        ensure_another_owner(&mut tx, &before).await?;
    }
    sqlx::query!("UPDATE users SET active = $2, session_version = session_version + 1 WHERE id = $1", id, active)
        .execute(&mut *tx)
        .await?;
    let after = UserView { active, ..before.clone() };
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    record(&mut tx, caller, user_change(action, id, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a password and ends the user's other sessions; returns the new session version.
pub async fn set_password(pool: &PgPool, caller: &Caller, email: &Email, password_hash: &str) -> Result<i32, AppError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        "UPDATE users SET password_hash = $2, session_version = session_version + 1 WHERE email = $1 RETURNING id, session_version",
        email.as_str(),
        password_hash
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::validation("email", format!("No user has the email {email}.")))?;
    record(&mut tx, caller, user_change("user.set_password", row.id, None, None)).await?;
    tx.commit().await?;
    Ok(row.session_version)
}

fn token_json(token: &TokenView) -> serde_json::Value {
    json!({ "name": token.name, "prefix": token.prefix, "scopes": token.scopes, "environment": token.environment })
}

/// The environment check is the database's (a foreign key into the flags' environments): its
/// refusal becomes the message at the field.
fn unknown_environment(err: sqlx::Error, new: &NewToken) -> AppError {
    let refused_environment =
        err.as_database_error().is_some_and(|db| db.constraint() == Some("api_tokens_environment_fkey"));
    match new.environment() {
        Some(env) if refused_environment => AppError::validation(
            "environment",
            format!("There is no environment {:?} (add it with `pitwall env add {}`).", env.as_str(), env.as_str()),
        ),
        _ => err.into(),
    }
}

pub async fn create_token(
    pool: &PgPool,
    caller: &Caller,
    new: &NewToken,
    token_hash: &str,
    prefix: &str,
) -> Result<TokenView, AppError> {
    let scopes: Vec<String> = new.scopes().iter().map(|s| s.as_str().to_owned()).collect();
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"INSERT INTO api_tokens (name, token_hash, token_prefix, scopes, environment, created_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, created_at AS "created_at: DateTime<Utc>""#,
        new.name().as_str(),
        token_hash,
        prefix,
        &scopes,
        new.environment().map(|e| e.as_str()),
        caller.actor.user_id(),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| unknown_environment(err, new))?;
    let token = TokenView {
        id: row.id,
        name: new.name().as_str().to_owned(),
        prefix: prefix.to_owned(),
        scopes,
        environment: new.environment().map(|e| e.as_str().to_owned()),
        created_at: row.created_at,
        last_used_at: None,
        revoked_at: None,
        suspended: false,
    };
    record(&mut tx, caller, Change::created("token.create", "api_token", token.id, token_json(&token))).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn list_tokens(pool: &PgPool) -> Result<Vec<TokenView>, AppError> {
    Ok(sqlx::query_as!(
        TokenView,
        r#"SELECT t.id, t.name, t.token_prefix AS prefix, t.scopes, t.environment,
                  t.created_at AS "created_at: DateTime<Utc>", t.last_used_at AS "last_used_at: DateTime<Utc>",
                  t.revoked_at AS "revoked_at: DateTime<Utc>", NOT coalesce(u.active, true) AS "suspended!"
           FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
           ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC"#
    )
    .fetch_all(pool)
    .await?)
}

pub async fn revoke_token(pool: &PgPool, caller: &Caller, id: i64) -> Result<TokenView, AppError> {
    let mut tx = pool.begin().await?;
    let token = sqlx::query_as!(
        TokenView,
        r#"UPDATE api_tokens t SET revoked_at = coalesce(t.revoked_at, now()) WHERE t.id = $1
           RETURNING t.id, t.name, t.token_prefix AS prefix, t.scopes, t.environment,
                     t.created_at AS "created_at: DateTime<Utc>", t.last_used_at AS "last_used_at: DateTime<Utc>",
                     t.revoked_at AS "revoked_at: DateTime<Utc>",
                     NOT coalesce((SELECT active FROM users WHERE id = t.created_by), true) AS "suspended!""#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found(format!("Token {id}")))?;
    record(&mut tx, caller, Change::removed("token.revoke", "api_token", id, token_json(&token))).await?;
    tx.commit().await?;
    Ok(token)
}

/// A live token found by the hash of its secret.
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub environment: Option<String>,
}

/// Looks a live token up (not revoked, its creator not deactivated) and notes its use (at most once a minute, to keep hot API paths free of writes).
pub async fn use_token(pool: &PgPool, token_hash: &str) -> Result<Option<TokenRecord>, AppError> {
    let Some(row) = sqlx::query!(
        r#"SELECT id, name, scopes, environment, last_used_at AS "last_used_at: DateTime<Utc>"
           FROM api_tokens t
           WHERE token_hash = $1 AND revoked_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.created_by AND NOT u.active)"#,
        token_hash
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|at| Utc::now() - at > chrono::TimeDelta::minutes(1)) {
        sqlx::query!("UPDATE api_tokens SET last_used_at = now() WHERE id = $1", row.id).execute(pool).await?;
    }
    // Scopes no longer known to this version are ignored rather than failing the request.
    let scopes = row.scopes.iter().filter_map(|s| Scope::parse("scopes", s).ok()).collect();
    Ok(Some(TokenRecord { id: row.id, name: row.name, scopes, environment: row.environment }))
}

/// Records that a token was used; callers do so at most once a minute.
pub async fn touch_token(pool: &PgPool, id: i64) -> Result<(), AppError> {
    sqlx::query!("UPDATE api_tokens SET last_used_at = now() WHERE id = $1", id).execute(pool).await?;
    Ok(())
}

pub struct Counts {
    pub active_users: i64,
    pub active_tokens: i64,
}

pub async fn counts(pool: &PgPool) -> Result<Counts, AppError> {
    Ok(sqlx::query_as!(
        Counts,
        r#"SELECT (SELECT count(*) FROM users WHERE active) AS "active_users!",
                  (SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL) AS "active_tokens!""#
    )
    .fetch_one(pool)
    .await?)
}
