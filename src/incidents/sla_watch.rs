//! The job that writes a breach on the timeline when an SLA clock runs out; it runs in every
//! process, and the store makes each breach land exactly once.

use super::store;
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::time::Duration;

/// A breach is on the timeline within this of its due time.
pub const TICK: Duration = Duration::from_secs(1);

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    jobs::spawn_every(
        supervisor,
        pool,
        TICK,
        "the SLA watcher",
        |pool| async move { store::record_breaches(&pool, chrono::Utc::now()).await },
        |recorded| {
            for (incident, clock) in recorded {
                tracing::warn!(incident, clock, "incident SLA breached");
            }
        },
    )
}
