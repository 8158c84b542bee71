//! The job that writes each component's status changes into its history (the uptime bars'
//! source) and so tells every process's page of changes no trigger sees, such as an override
//! running out. It runs in every process; row locks make each change land exactly once.

use super::store;
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::time::Duration;

/// A status change is in the history within this.
pub const TICK: Duration = Duration::from_secs(2);

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    jobs::spawn_every(
        supervisor,
        pool,
        TICK,
        "the status recorder",
        |pool| async move { store::record_statuses(&pool, chrono::Utc::now()).await },
        |changed| {
            if changed > 0 {
                tracing::debug!(changed, "component statuses recorded");
            }
        },
    )
}
