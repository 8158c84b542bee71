//! Background work that runs in every process.

use super::sessions;
use crate::error::AppError;
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinHandle;
use tower_sessions::ExpiredDeletion;

const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(300);
/// Extra wait after a failed run while the database is away.
const BACK_OFF: Duration = Duration::from_secs(2);

/// Deletes expired sessions; a failed sweep (database away) is logged and retried next period.
pub fn spawn_session_sweeper(pool: PgPool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let store = sessions::store(&pool);
        let mut tick = tokio::time::interval(SESSION_SWEEP_EVERY);
        loop {
            tick.tick().await;
            if let Err(err) = store.delete_expired().await {
                tracing::warn!(error = %err, "expired session sweep failed");
            }
        }
    })
}

/// Runs `job` every `period` and hands what it did to `report`. While the database is away it
/// says so once (`what` names the job) and backs off.
pub fn spawn_every<T, Job, Fut>(
    pool: PgPool,
    period: Duration,
    what: &'static str,
    job: Job,
    report: impl Fn(T) + Send + 'static,
) -> JoinHandle<()>
where
    Job: Fn(PgPool) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send,
    T: Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            match job(pool.clone()).await {
                Ok(done) => {
                    if failing {
                        tracing::info!("{what} is running again");
                        failing = false;
                    }
                    report(done);
                }
                Err(err) => {
                    if !failing {
                        tracing::warn!(error = %err, "{what} cannot reach the database; retrying");
                        failing = true;
                    }
                    tokio::time::sleep(BACK_OFF).await;
                }
            }
        }
    })
}
