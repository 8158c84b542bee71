//! The job that applies scheduled flag changes on time in every process; the store makes each
//! change happen exactly once however many processes run it.

use super::store;
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::time::Duration;

/// Scheduled changes land within this of their time.
pub const TICK: Duration = Duration::from_secs(1);

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    jobs::spawn_every(
        supervisor,
        pool,
        TICK,
        "the flag scheduler",
        |pool| async move { store::apply_due_schedules(&pool, chrono::Utc::now()).await },
        |applied| {
            if applied > 0 {
                tracing::info!(applied, "scheduled flag changes applied");
            }
        },
    )
}
