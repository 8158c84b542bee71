//! A value every process keeps in memory and re-reads from the database on each NOTIFY on its
//! channel (and every few seconds, for a notification lost with a dropped connection). While the
//! database is away the last good value is kept and said to be stale.

use crate::error::AppError;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const REREAD_EVERY: Duration = Duration::from_secs(5);
const RETRY_AFTER: Duration = Duration::from_secs(1);

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
    /// Reads once (so a healthy process starts with the truth), then keeps watching `channel`.
    /// `what` names the value in logs.
    pub async fn start<F, Fut>(pool: PgPool, channel: &'static str, what: &'static str, initial: T, read: F) -> Self
    where
        F: Fn(PgPool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let (sender, current) = watch::channel(Arc::new(initial));
        let watcher = Watcher { pool, channel, what, read, sender, stale: Arc::new(AtomicBool::new(false)) };
        watcher.reload().await;
        let stale = watcher.stale.clone();
        tokio::spawn(watcher.run());
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
    channel: &'static str,
    what: &'static str,
    read: F,
    sender: watch::Sender<Arc<T>>,
    stale: Arc<AtomicBool>,
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

    async fn run(self) {
        loop {
            let mut listener = match PgListener::connect_with(&self.pool).await {
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
            loop {
                tokio::select! {
                    notified = listener.try_recv() => match notified {
                        Ok(Some(_)) => self.reload().await,
                        // The connection dropped: reconnect and re-read.
                        Ok(None) | Err(_) => break,
                    },
                    _ = tokio::time::sleep(REREAD_EVERY) => self.reload().await,
                }
            }
            if self.sender.is_closed() {
                return;
            }
        }
    }
}
