//! The job that passes public incident updates, resolutions and maintenance steps on to the
//! subscribers, through the alerts' outbox. It runs in every process; each piece of news is
//! queued once (`status_notified`'s key).

use super::store::subscribers;
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::time::Duration;

/// News reaches the outbox within this.
pub const TICK: Duration = Duration::from_secs(2);

/// `base`: where the public reads the page (links in the messages start with it).
pub fn spawn(supervisor: &Supervisor, pool: PgPool, base: String) {
    jobs::spawn_every(
        supervisor,
        pool,
        TICK,
        "the status notifier",
        move |pool| {
            let base = base.clone();
            async move { subscribers::notify(&pool, &base, chrono::Utc::now()).await }
        },
        |queued| {
            if queued > 0 {
                tracing::info!(queued, "status page news queued for subscribers");
            }
        },
    )
}
