//! The monitor scheduler, one in every process: each tick it leases the checks that are due
//! (never more than it has free slots for), runs each in its own task so a hanging target delays
//! nobody else, and records the verdict. Leases make every check run once across processes; the
//! push monitors' silence is judged the same way.

use super::check::{self, HttpClients, Verdict};
use super::model::{MonitorKind, Outcome};
use super::store::{self, Leased};
use crate::server::jobs::{self, Supervisor};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How often due checks are looked for: the bound on a check's lateness when the machine is idle.
pub const TICK: Duration = Duration::from_millis(250);
/// Checks in flight at once in one process.
const SLOTS: usize = 512;
const RETENTION_EVERY: Duration = Duration::from_secs(600);
/// Rollups are brought up to date this often (one process at a time).
const ROLLUP_EVERY: Duration = Duration::from_secs(60);
/// Cache rules are judged this often (one process at a time).
const CACHE_RULES_EVERY: Duration = Duration::from_secs(30);
/// Long outages (reminders, incidents to declare) are looked for this often.
const OUTAGES_EVERY: Duration = Duration::from_secs(5);

struct Scheduler {
    owner: String,
    slots: Arc<Semaphore>,
    clients: HttpClients,
    /// What the Pitwall monitor checks: this process's database pool and job heartbeats.
    pool: PgPool,
    supervisor: Supervisor,
}

/// This process's name on the leases it takes (checks here, alerts in `delivery`): its pid and a
/// random part, so a restarted process with a reused pid never holds a dead one's leases.
pub fn lease_owner() -> String {
    format!("{}-{}", std::process::id(), &crate::auth::tokens::random_hex()[..12])
}

pub fn spawn(supervisor: &Supervisor, pool: PgPool) {
    let scheduler = Arc::new(Scheduler {
        owner: lease_owner(),
        slots: Arc::new(Semaphore::new(SLOTS)),
        clients: HttpClients::new(),
        pool: pool.clone(),
        supervisor: supervisor.clone(),
    });
    jobs::spawn_every(
        supervisor,
        pool.clone(),
        TICK,
        "the monitor scheduler",
        move |pool| {
            let scheduler = scheduler.clone();
            async move { scheduler.tick(&pool).await }
        },
        |_started| {},
    );
    jobs::spawn_every(
        supervisor,
        pool.clone(),
        ROLLUP_EVERY,
        "the monitor rollups",
        |pool| async move { store::rollups::roll_up(&pool).await },
        |_written| {},
    );
    jobs::spawn_every(
        supervisor,
        pool.clone(),
        CACHE_RULES_EVERY,
        "the cache rules",
        |pool| async move { store::caches::evaluate(&pool).await },
        |events| {
            if events > 0 {
                tracing::info!(events, "cache rules changed state");
            }
        },
    );
    jobs::spawn_every(
        supervisor,
        pool.clone(),
        OUTAGES_EVERY,
        "the outage watcher",
        |pool| async move {
            Ok((store::outages::send_reminders(&pool).await?, store::outages::declare_incidents(&pool).await?))
        },
        |(reminders, incidents)| {
            if reminders + incidents > 0 {
                tracing::info!(reminders, incidents, "long outages: reminders queued, incidents declared");
            }
        },
    );
    jobs::spawn_every(
        supervisor,
        pool,
        RETENTION_EVERY,
        "the monitor results retention job",
        |pool| async move {
            Ok(store::delete_expired_results(&pool).await?
                + store::rollups::delete_expired(&pool).await?
                + store::caches::delete_expired(&pool).await?)
        },
        |deleted| {
            if deleted > 0 {
                tracing::info!(deleted, "expired monitor results and rollups removed");
            }
        },
    );
}

impl Scheduler {
    /// Leases what is due and starts it; returns how many checks it started.
    async fn tick(self: &Arc<Self>, pool: &PgPool) -> Result<usize, crate::error::AppError> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Ok(0);
        }
        let due = store::lease_due(pool, &self.owner, free as i64).await?;
        let started = due.len();
        for leased in due {
            let Ok(slot) = self.slots.clone().try_acquire_owned() else { break };
            let (scheduler, pool) = (self.clone(), pool.clone());
            tokio::spawn(async move {
                let verdict = scheduler.judge(&leased).await;
                match store::record_verdict(&pool, &scheduler.owner, &leased, &verdict).await {
                    Ok(Some((from, to))) => {
                        tracing::info!(monitor = %leased.spec.name, %from, %to, cause = %verdict.message, "monitor changed state")
                    }
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(error = %err, monitor = %leased.spec.name, "a check's result could not be recorded; its lease will run out and it will run again")
                    }
                }
                drop(slot);
            });
        }
        Ok(started)
    }

    async fn judge(&self, leased: &Leased) -> Verdict {
        if leased.spec.kind == MonitorKind::Push {
            return silence(leased);
        }
        check::run_here(&leased.spec, &self.clients, &self.pool, &self.supervisor).await
    }
}

/// A push monitor is due only when its silence has run past the interval and the grace.
fn silence(leased: &Leased) -> Verdict {
    let since = match leased.last_checked_at {
        Some(at) => format!("since {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        None => "ever".to_owned(),
    };
    Verdict {
        outcome: Outcome::Down,
        response_ms: None,
        status_code: None,
        message: format!(
            "no push {since} (expected every {} + {} grace)",
            crate::ui::human_duration(leased.spec.interval_s.into()),
            crate::ui::human_duration(leased.spec.grace_s.into())
        ),
        conditions: Vec::new(),
        services: Vec::new(),
    }
}
