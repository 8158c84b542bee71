//! Browser sessions in Postgres: HttpOnly, SameSite=Lax, Secure behind https, idle expiry.

use super::config::Config;
use sqlx::PgPool;
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

pub const COOKIE_NAME: &str = "pitwall_session";

pub fn store(pool: &PgPool) -> PostgresStore {
    PostgresStore::new(pool.clone())
}

pub fn layer(pool: &PgPool, config: &Config) -> SessionManagerLayer<PostgresStore> {
    let idle = time::Duration::seconds(config.session_idle.as_secs() as i64);
    SessionManagerLayer::new(store(pool))
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(idle))
        // Idle expiry counts from the last request, so every signed-in request renews the
        // session (one write); anonymous visitors have empty sessions, which are never stored.
        .with_always_save(true)
}
