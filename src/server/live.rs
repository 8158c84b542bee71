//! A value every process keeps in memory and re-reads from the database on each NOTIFY on its
//! channel (and every few seconds, `PITWALL_LIVE_REREAD`, for a notification lost with a dropped
//! connection). While the database is away the last good value is kept and said to be stale.
//! The LISTEN connection is the watcher's own, outside the request pool, so even a pool of one
//! or two connections is left whole to requests.

use super::jobs::Supervisor;
use crate::error::AppError;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const RETRY_AFTER: Duration = Duration::from_secs(1);
/// The watcher beats this often even when nothing changes, so `/readyz` can tell it is alive.
const BEAT_EVERY: Duration = Duration::from_secs(5);

pub struct Watched<T> {
    current: watch::Receiver<Arc<T>>,
    stale: Arc<AtomicBool>,
}

impl<T> Clone for Watched<T> {
    fn clone(&self) -> Self {
        Self { current: self.current.clone(), stale: self.stale.clone() }
    }
}

impl<T: Send + Sync + 'static> Watched<T> {
    /// Reads once (so a healthy process starts with the truth), then keeps watching `channel`
    /// under `supervisor`. `what` names the value in logs and in `/readyz`; `reread` is the
    /// safety-net period (`None`: NOTIFY alone).
    pub async fn start<F, Fut>(
        pool: PgPool,
        reread: Option<Duration>,
        supervisor: &Supervisor,
        channel: &'static str,
        what: &'static str,
        initial: T,
        read: F,
    ) -> Self
    where
        F: Fn(PgPool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let (sender, current) = watch::channel(Arc::new(initial));
        // One connection of its own, opened when first needed and re-opened after a drop.
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with((*pool.connect_options()).clone());
        let watcher = Arc::new(Watcher {
            pool,
            listen_pool,
            reread,
            channel,
            what,
            read,
            sender,
            stale: Arc::new(AtomicBool::new(false)),
            supervisor: supervisor.clone(),
        });
        watcher.reload().await;
        let stale = watcher.stale.clone();
        supervisor.supervise(what, BEAT_EVERY, move || {
            let watcher = watcher.clone();
            async move { watcher.run().await }
        });
        Self { current, stale }
    }

    pub fn current(&self) -> Arc<T> {
        self.current.borrow().clone()
    }

    /// True while the database cannot be read and the value may be out of date.
    pub fn is_stale(&self) -> bool {
        self.stale.load(Ordering::Relaxed)
    }
}

struct Watcher<T, F> {
    pool: PgPool,
    listen_pool: PgPool,
    reread: Option<Duration>,
    channel: &'static str,
    what: &'static str,
    read: F,
    sender: watch::Sender<Arc<T>>,
    stale: Arc<AtomicBool>,
    supervisor: Supervisor,
}

impl<T, F, Fut> Watcher<T, F>
where
    F: Fn(PgPool) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    async fn reload(&self) {
        match (self.read)(self.pool.clone()).await {
            Ok(value) => {
                if self.stale.swap(false, Ordering::Relaxed) {
                    tracing::info!("{} is current again", self.what);
                }
                self.sender.send_replace(Arc::new(value));
            }
            Err(_) => self.mark_stale(),
        }
    }

    fn mark_stale(&self) {
        if !self.stale.swap(true, Ordering::Relaxed) {
            tracing::warn!("{} is stale: the database cannot be read; serving the last known state", self.what);
        }
    }

    async fn reread_due(reread: &mut Option<tokio::time::Interval>) {
        match reread {
            Some(interval) => {
                interval.tick().await;
            }
            None => std::future::pending().await,
        }
    }

    async fn run(&self) {
        loop {
            self.supervisor.beat(self.what);
            let mut listener = match PgListener::connect_with(&self.listen_pool).await {
                Ok(listener) => listener,
                Err(_) => {
                    self.mark_stale();
                    tokio::time::sleep(RETRY_AFTER).await;
                    continue;
                }
            };
            if listener.listen(self.channel).await.is_err() {
                self.mark_stale();
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
            // Read after LISTEN: a change committed in between is then never missed.
            self.reload().await;
            // Intervals rather than sleeps, so one firing does not push the other back.
            let after = |period| tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            let mut beat = after(BEAT_EVERY);
            let mut reread = self.reread.map(after);
            loop {
                tokio::select! {
                    notified = listener.try_recv() => match notified {
                        Ok(Some(_)) => self.reload().await,
                        // The connection dropped: reconnect and re-read.
                        Ok(None) | Err(_) => break,
                    },
                    _ = Self::reread_due(&mut reread) => self.reload().await,
                    _ = beat.tick() => {}
                }
                self.supervisor.beat(self.what);
            }
            if self.sender.is_closed() {
                return;
            }
        }
    }
}
