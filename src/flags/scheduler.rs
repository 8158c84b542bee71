//! The job that applies scheduled flag changes on time in every process; the store makes each
//! change happen exactly once however many processes run it.

use super::store;
use sqlx::PgPool;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Scheduled changes land within this of their time.
pub const TICK: Duration = Duration::from_secs(1);

pub fn spawn(pool: PgPool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            match store::apply_due_schedules(&pool, chrono::Utc::now()).await {
                Ok(applied) => {
                    failing = false;
                    if applied > 0 {
                        tracing::info!(applied, "scheduled flag changes applied");
                    }
                }
                Err(err) if !failing => {
                    tracing::warn!(error = %err, "flag scheduler cannot reach the database; retrying");
                    failing = true;
                }
                Err(_) => tokio::time::sleep(Duration::from_secs(2)).await,
            }
        }
    })
}
