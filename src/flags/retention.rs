//! SDK reports are kept for a week: the console shows the last hour, and unbounded tables are
//! a slow leak any flag token could speed up.

use super::store;
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(3600);
const KEEP_DAYS: i32 = 7;

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    jobs::spawn_every(
        supervisor,
        pool,
        EVERY,
        "the flag metrics retention job",
        |pool| async move { store::prune_sdk_reports(&pool, KEEP_DAYS).await },
        |pruned| {
            if pruned.metrics + pruned.clients > 0 {
                tracing::info!(metrics = pruned.metrics, clients = pruned.clients, "old SDK reports removed");
            }
        },
    )
}
