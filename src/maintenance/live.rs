//! Every process's view of maintenance: loaded at start, re-read on each NOTIFY and every few
//! seconds as a safety net. When the database is away the last good view is kept (and said to be
//! stale), so the gate goes on deciding as it last knew.

use super::model::NowAndNext;
use super::store::{self, GateSettings, CHANNEL};
use super::visitor_page::VisitorPage;
use crate::error::AppError;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The safety-net re-read, for a notification lost with a dropped connection.
const REREAD_EVERY: Duration = Duration::from_secs(5);
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One consistent reading of the windows and the gate's settings.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub now_and_next: NowAndNext,
    /// `None` until the first successful read.
    pub settings: Option<GateSettings>,
    /// The page visitors get while a window is in progress, rendered once per reading.
    pub visitor_page: Option<VisitorPage>,
}

#[derive(Clone)]
pub struct LiveState {
    current: watch::Receiver<Arc<Snapshot>>,
    stale: Arc<AtomicBool>,
}

impl LiveState {
    /// Reads once (so a healthy process starts with the truth), then keeps watching.
    pub async fn start(pool: PgPool) -> Self {
        let (sender, current) = watch::channel(Arc::new(Snapshot::default()));
        let stale = Arc::new(AtomicBool::new(false));
        reload(&pool, &sender, &stale).await;
        tokio::spawn(watch_changes(pool, sender, stale.clone()));
        Self { current, stale }
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.current.borrow().clone()
    }

    /// True while the database cannot be read and the view may be out of date.
    pub fn is_stale(&self) -> bool {
        self.stale.load(Ordering::Relaxed)
    }
}

async fn read(pool: &PgPool) -> Result<Snapshot, AppError> {
    let now_and_next = store::now_and_next(pool).await?;
    let settings = store::gate_settings(pool).await?;
    let visitor_page = now_and_next.current.as_ref().map(|w| VisitorPage::render(w, &settings.site));
    Ok(Snapshot { now_and_next, settings: Some(settings), visitor_page })
}

async fn reload(pool: &PgPool, sender: &watch::Sender<Arc<Snapshot>>, stale: &AtomicBool) {
    match read(pool).await {
        Ok(snapshot) => {
            if stale.swap(false, Ordering::Relaxed) {
                tracing::info!("maintenance state is current again");
            }
            sender.send_replace(Arc::new(snapshot));
        }
        Err(_) => mark_stale(stale),
    }
}

fn mark_stale(stale: &AtomicBool) {
    if !stale.swap(true, Ordering::Relaxed) {
        tracing::warn!("maintenance state is stale: the database cannot be read; serving the last known state");
    }
}

async fn watch_changes(pool: PgPool, sender: watch::Sender<Arc<Snapshot>>, stale: Arc<AtomicBool>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(_) => {
                mark_stale(&stale);
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        if listener.listen(CHANNEL).await.is_err() {
            mark_stale(&stale);
            tokio::time::sleep(RETRY_AFTER).await;
            continue;
        }
        // Read after LISTEN: a change committed in between is then never missed.
        reload(&pool, &sender, &stale).await;
        loop {
            tokio::select! {
                notified = listener.try_recv() => match notified {
                    Ok(Some(_)) => reload(&pool, &sender, &stale).await,
                    // The connection dropped: reconnect and re-read.
                    Ok(None) | Err(_) => break,
                },
                _ = tokio::time::sleep(REREAD_EVERY) => reload(&pool, &sender, &stale).await,
            }
        }
        if sender.is_closed() {
            return;
        }
    }
}
