//! The scheduler job: starts and completes windows on time in every process; the store makes
//! each transition happen exactly once however many processes run it.

use super::store::{self, Transition};
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Transitions land within this of their planned time (plus one NOTIFY round trip).
pub const TICK: Duration = Duration::from_millis(250);
/// How often recurrences are turned into scheduled windows.
const MATERIALISE_EVERY: Duration = Duration::from_secs(60);

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    // Recurrences are materialised on the first tick that reaches the database, then once a minute.
    let materialised_at = Arc::new(Mutex::new(None::<Instant>));
    jobs::spawn_every(
        supervisor,
        pool,
        TICK,
        "the maintenance scheduler",
        move |pool| {
            let materialised_at = materialised_at.clone();
            async move {
                let last = *materialised_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let materialise = last.is_none_or(|at| at.elapsed() >= MATERIALISE_EVERY);
                let done = store::run_due(&pool, materialise).await?;
                if materialise {
                    *materialised_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
                }
                Ok(done)
            }
        },
        |done| {
            for (window, transition) in done {
                match transition {
                    Transition::Started => tracing::info!(window, "maintenance window started"),
                    Transition::Completed => tracing::info!(window, "maintenance window completed"),
                    Transition::Missed => tracing::warn!(window, "maintenance window missed"),
                }
            }
        },
    )
}
