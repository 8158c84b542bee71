//! Background work that runs in every process.

use super::sessions;
use sqlx::PgPool;
use std::time::Duration;
use tokio::task::JoinHandle;
use tower_sessions::ExpiredDeletion;

const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(300);

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
