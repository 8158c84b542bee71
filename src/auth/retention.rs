//! Failed sign-ins are kept for a day: throttling looks at the last 15 minutes, and a flood of
//! wrong passwords must not grow the table for ever.

use super::store;
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(3600);
const KEEP_S: i64 = 24 * 3600;

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    jobs::spawn_every(
        supervisor,
        pool,
        EVERY,
        "the sign-in failure retention job",
        |pool| async move { store::prune_sign_in_failures(&pool, KEEP_S).await },
        |deleted| {
            if deleted > 0 {
                tracing::info!(deleted, "old failed sign-ins removed");
            }
        },
    )
}
