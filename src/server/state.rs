//! What every handler and server fn shares, handed through axum state and Leptos context.

use super::assets::AssetNames;
use super::config::Config;
use crate::error::AppError;
use crate::flags::live::LiveFlags;
use crate::maintenance::live::LiveState;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub assets: Arc<AssetNames>,
    pub started_at: Instant,
    /// This process's view of maintenance, kept current by its watcher.
    pub maintenance: LiveState,
    /// This process's compiled flags and flag tokens, kept current by their watcher.
    pub flags: LiveFlags,
    /// Once an owner exists it stays so (users are deactivated, never deleted): cache the answer.
    has_users: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        pool: PgPool,
        config: Config,
        assets: AssetNames,
        maintenance: LiveState,
        flags: LiveFlags,
    ) -> Self {
        Self {
            leptos_options,
            pool,
            config: Arc::new(config),
            assets: Arc::new(assets),
            started_at: Instant::now(),
            maintenance,
            flags,
            has_users: Arc::new(AtomicBool::new(false)),
        }
    }

    pub async fn has_users(&self) -> Result<bool, AppError> {
        if self.has_users.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let has = crate::auth::store::any_users(&self.pool).await?;
        if has {
            self.mark_has_users();
        }
        Ok(has)
    }

    pub fn mark_has_users(&self) {
        self.has_users.store(true, Ordering::Relaxed);
    }
}
