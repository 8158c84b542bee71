//! The job that writes a breach on the timeline when an SLA clock runs out; it runs in every
//! process, and the store makes each breach land exactly once.

use super::store;
use sqlx::PgPool;
use std::time::Duration;
use tokio::task::JoinHandle;

/// A breach is on the timeline within this of its due time.
pub const TICK: Duration = Duration::from_secs(1);

pub fn spawn(pool: PgPool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            match store::record_breaches(&pool, chrono::Utc::now()).await {
                Ok(recorded) => {
                    failing = false;
                    for (incident, clock) in recorded {
                        tracing::warn!(incident, clock, "incident SLA breached");
                    }
                }
                Err(err) if !failing => {
                    tracing::warn!(error = %err, "SLA watcher cannot reach the database; retrying");
                    failing = true;
                }
                Err(_) => tokio::time::sleep(Duration::from_secs(2)).await,
            }
        }
    })
}
