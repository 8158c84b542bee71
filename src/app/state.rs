//! The process's state, assembled from the parts each domain and the infrastructure need. Handlers
//! take only the part they use (`State<PgPool>`, `State<LiveFlags>`, …) through `FromRef`; server
//! fns get the same parts from the Leptos context, provided here.

use crate::auth::guard::UsersExist;
use crate::auth::password::Hashing;
use crate::flags::live::LiveFlags;
use crate::maintenance::live::LiveState;
use crate::server::assets::AssetNames;
use crate::server::config::Config;
use crate::server::health::StartedAt;
use crate::server::jobs::Supervisor;
use crate::status::snapshot::LiveStatus;
use axum::extract::FromRef;
use leptos::prelude::{provide_context, LeptosOptions};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub assets: Arc<AssetNames>,
    pub started_at: StartedAt,
    /// Heartbeats of this process's jobs and watchers, for `/readyz`.
    pub supervisor: Supervisor,
    pub users_exist: UsersExist,
    /// This process's password-hashing slots.
    pub hashing: Hashing,
    /// This process's view of maintenance, kept current by its watcher.
    pub maintenance: LiveState,
    /// This process's compiled flags and flag tokens, kept current by their watcher.
    pub flags: LiveFlags,
    /// This process's public status page, rebuilt on every change it shows.
    pub status: LiveStatus,
}

impl AppState {
    // One argument per part of the state, each distinct: a builder would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        leptos_options: LeptosOptions,
        pool: PgPool,
        config: Config,
        assets: AssetNames,
        supervisor: Supervisor,
        maintenance: LiveState,
        flags: LiveFlags,
        status: LiveStatus,
    ) -> Self {
        Self {
            leptos_options,
            pool,
            config: Arc::new(config),
            assets: Arc::new(assets),
            started_at: StartedAt(Instant::now()),
            supervisor,
            users_exist: UsersExist::default(),
            hashing: Hashing::sized_to_cores(),
            maintenance,
            flags,
            status,
        }
    }

    /// Makes each part available to the server fns and pages of one request.
    pub fn provide_contexts(&self) {
        provide_context(self.pool.clone());
        provide_context(self.config.clone());
        provide_context(self.assets.clone());
        provide_context(self.started_at);
        provide_context(self.supervisor.clone());
        provide_context(self.users_exist.clone());
        provide_context(self.hashing.clone());
        provide_context(self.maintenance.clone());
        provide_context(self.flags.clone());
        provide_context(self.status.clone());
    }
}
