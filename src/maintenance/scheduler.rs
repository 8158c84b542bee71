//! The scheduler job: starts and completes windows on time in every process; the store makes
//! each transition happen exactly once however many processes run it.

use super::store::{self, Transition};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Transitions land within this of their planned time (plus one NOTIFY round trip).
pub const TICK: Duration = Duration::from_millis(250);
/// How often recurrences are turned into scheduled windows.
const MATERIALISE_EVERY: Duration = Duration::from_secs(60);

pub fn spawn(pool: PgPool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut materialised_at: Option<Instant> = None;
        let mut failing = false;
        loop {
            tick.tick().await;
            let materialise = materialised_at.is_none_or(|at| at.elapsed() >= MATERIALISE_EVERY);
            match store::run_due(&pool, materialise).await {
                Ok(done) => {
                    if failing {
                        tracing::info!("maintenance scheduler is running again");
                        failing = false;
                    }
                    if materialise {
                        materialised_at = Some(Instant::now());
                    }
                    for (window, transition) in done {
                        match transition {
                            Transition::Started => tracing::info!(window, "maintenance window started"),
                            Transition::Completed => tracing::info!(window, "maintenance window completed"),
                            Transition::Missed => tracing::warn!(window, "maintenance window missed"),
                        }
                    }
                }
                Err(err) => {
                    if !failing {
                        tracing::warn!(error = %err, "maintenance scheduler cannot reach the database; retrying");
                        failing = true;
                    }
                    // Each failed attempt logs the driver's error too: back off while it is away.
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    })
}
