//! Background work that runs in every process, supervised: a task that panics is logged and
//! restarted with backoff, and each one beats a heartbeat that `/readyz` reads, so a stalled job
//! or watcher is reported by name instead of failing silently.

use super::sessions;
use crate::error::AppError;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tower_sessions::ExpiredDeletion;

const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(300);
/// Extra wait after a failed run while the database is away.
const BACK_OFF: Duration = Duration::from_secs(2);
/// Restarts after a panic wait this long, doubling up to `MAX_RESTART_WAIT`.
const FIRST_RESTART_WAIT: Duration = Duration::from_secs(1);
const MAX_RESTART_WAIT: Duration = Duration::from_secs(60);
/// A task is stalled when its last beat is older than this many periods, plus `STALL_GRACE`.
const STALL_PERIODS: u32 = 3;
const STALL_GRACE: Duration = Duration::from_secs(30);

struct Beat {
    last: Instant,
    every: Duration,
    restarts: u32,
}

/// The heartbeats of this process's background tasks.
#[derive(Clone, Default)]
pub struct Supervisor(Arc<Mutex<BTreeMap<&'static str, Beat>>>);

/// A background task that has not beaten when it should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stalled {
    pub what: &'static str,
    pub silent_for: Duration,
    pub restarts: u32,
}

impl Supervisor {
    fn beats(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Beat>> {
        // A panic while holding the lock cannot leave a half-written beat: recover the map.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts watching `what`, which promises to beat at least every `every`.
    pub fn register(&self, what: &'static str, every: Duration) {
        self.beats().insert(what, Beat { last: Instant::now(), every, restarts: 0 });
    }

    pub fn beat(&self, what: &'static str) {
        if let Some(beat) = self.beats().get_mut(what) {
            beat.last = Instant::now();
        }
    }

    fn restarted(&self, what: &'static str) {
        if let Some(beat) = self.beats().get_mut(what) {
            beat.restarts += 1;
            beat.last = Instant::now();
        }
    }

    /// The tasks silent for longer than they should be.
    pub fn stalled(&self) -> Vec<Stalled> {
        let now = Instant::now();
        self.beats()
            .iter()
            .filter_map(|(what, beat)| {
                let silent_for = now.duration_since(beat.last);
                (silent_for > beat.every * STALL_PERIODS + STALL_GRACE).then_some(Stalled {
                    what,
                    silent_for,
                    restarts: beat.restarts,
                })
            })
            .collect()
    }

    /// Runs the task `make` builds until it returns; when it panics, logs it and starts a new
    /// one after a backoff that doubles up to a minute.
    pub fn supervise<Make, Fut>(&self, what: &'static str, every: Duration, make: Make)
    where
        Make: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.register(what, every);
        let supervisor = self.clone();
        tokio::spawn(async move {
            let mut wait = FIRST_RESTART_WAIT;
            loop {
                match tokio::spawn(make()).await {
                    Ok(()) => return,
                    Err(err) if err.is_panic() => {
                        tracing::error!("{what} panicked; restarting it in {} s", wait.as_secs());
                        tokio::time::sleep(wait).await;
                        supervisor.restarted(what);
                        wait = (wait * 2).min(MAX_RESTART_WAIT);
                    }
                    Err(_) => return,
                }
            }
        });
    }
}

/// Deletes expired sessions every few minutes.
pub fn spawn_session_sweeper(supervisor: &Supervisor, pool: PgPool) {
    spawn_every(
        supervisor,
        pool,
        SESSION_SWEEP_EVERY,
        "the expired-session sweeper",
        |pool| async move {
            sessions::store(&pool).delete_expired().await.map_err(|err| {
                tracing::warn!(error = %err, "expired session sweep failed");
                AppError::unavailable("the session store cannot be swept")
            })
        },
        |()| {},
    );
}

/// Runs `job` every `period` under supervision and hands what it did to `report`. While the
/// database is away it says so once (`what` names the job) and backs off.
pub fn spawn_every<T, Job, Fut, Report>(
    supervisor: &Supervisor,
    pool: PgPool,
    period: Duration,
    what: &'static str,
    job: Job,
    report: Report,
) where
    Job: Fn(PgPool) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send,
    T: Send,
    Report: Fn(T) + Send + Sync + 'static,
{
    let task = Arc::new((job, report));
    let beats = supervisor.clone();
    supervisor.supervise(what, period, move || {
        let (task, pool, beats) = (task.clone(), pool.clone(), beats.clone());
        async move {
            let (job, report) = &*task;
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
                beats.beat(what);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_panicking_task_is_restarted_and_a_silent_one_reported() {
        let supervisor = Supervisor::default();
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        supervisor.supervise("the flaky job", Duration::from_secs(1), move || {
            let runs = counted.clone();
            async move {
                if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("boom");
                }
                std::future::pending::<()>().await;
            }
        });
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3, "restarted after each of two panics");
        assert!(supervisor.stalled().is_empty());
        // The third run never beats: after three periods and the grace it counts as stalled.
        tokio::time::sleep(STALL_GRACE + Duration::from_secs(4)).await;
        let stalled = supervisor.stalled();
        assert_eq!(stalled.len(), 1);
        assert_eq!((stalled[0].what, stalled[0].restarts), ("the flaky job", 2));
        supervisor.beat("the flaky job");
        assert!(supervisor.stalled().is_empty());
    }
}
