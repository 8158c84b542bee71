//! Every process's view of maintenance, kept current from NOTIFY. When the database is away the
//! last good view is kept, so the gate goes on deciding as it last knew. The gate also keeps the
//! last good reading in a file, so it starts deciding correctly even when Postgres is down at its
//! start.

use super::model::NowAndNext;
use super::store::{self, GateSettings, CHANNEL};
use super::visitor_page::VisitorPage;
use crate::error::AppError;
use crate::server::jobs::Supervisor;
use crate::server::live::Watched;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One consistent reading of the windows and the gate's settings.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub now_and_next: NowAndNext,
    /// `None` until the first successful read.
    pub settings: Option<GateSettings>,
    /// The page visitors get while a window is in progress, rendered once per reading.
    pub visitor_page: Option<VisitorPage>,
}

/// This process's view of maintenance.
#[derive(Clone)]
pub struct LiveState(Watched<Snapshot>);

impl LiveState {
    pub async fn start(pool: PgPool, reread: Option<Duration>, supervisor: &Supervisor) -> Self {
        Self::start_with_cache(pool, reread, supervisor, None).await
    }

    /// As `start`, and with `cache`: a file the last good reading is written to whenever it
    /// changes, and started from (until the database answers) when it exists.
    pub async fn start_with_cache(
        pool: PgPool,
        reread: Option<Duration>,
        supervisor: &Supervisor,
        cache: Option<PathBuf>,
    ) -> Self {
        let cached = cache.as_deref().and_then(load);
        let from_disk = cached.is_some();
        let initial = cached.map(Reading::into_snapshot).unwrap_or_default();
        let saver = cache.map(|path| Arc::new(Saver { path, last: Mutex::new(Vec::new()) }));
        let live = Self(
            Watched::start(pool, reread, supervisor, CHANNEL, "maintenance state", initial, move |pool| {
                let saver = saver.clone();
                async move {
                    let reading = read(&pool).await?;
                    if let Some(saver) = saver {
                        saver.save(&reading);
                    }
                    Ok(reading.into_snapshot())
                }
            })
            .await,
        );
        if from_disk && live.is_stale() {
            tracing::warn!("the database cannot be read: running on the cached maintenance state until it can");
        }
        live
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.0.current()
    }

    /// True while the database cannot be read and the view may be out of date.
    pub fn is_stale(&self) -> bool {
        self.0.is_stale()
    }
}

/// What is read from the database, and kept on disk.
#[derive(Serialize, Deserialize)]
struct Reading {
    now_and_next: NowAndNext,
    settings: GateSettings,
}

impl Reading {
    fn into_snapshot(self) -> Snapshot {
        let visitor_page = self.now_and_next.current.as_ref().map(|w| VisitorPage::render(w, &self.settings.site));
        Snapshot { now_and_next: self.now_and_next, settings: Some(self.settings), visitor_page }
    }
}

async fn read(pool: &PgPool) -> Result<Reading, AppError> {
    let now_and_next = store::now_and_next(pool).await?;
    let settings = store::gate_settings(pool).await?;
    Ok(Reading { now_and_next, settings })
}

fn load(path: &Path) -> Option<Reading> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => {
            tracing::warn!(error = %err, path = %path.display(), "cannot read the cached maintenance state");
            return None;
        }
    };
    serde_json::from_slice(&bytes)
        .inspect_err(
            |err| tracing::warn!(error = %err, path = %path.display(), "the cached maintenance state is unreadable"),
        )
        .ok()
}

/// Writes the reading when it changed: to a file of its own, readable by its owner alone (it
/// holds the bypass key), renamed into place so a crash never leaves half a file.
struct Saver {
    path: PathBuf,
    last: Mutex<Vec<u8>>,
}

impl Saver {
    fn save(&self, reading: &Reading) {
        let Ok(bytes) = serde_json::to_vec(reading) else { return };
        let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *last == bytes {
            return;
        }
        match write_private(&self.path, &bytes) {
            Ok(()) => *last = bytes,
            Err(err) => {
                tracing::warn!(error = %err, path = %self.path.display(), "cannot write the cached maintenance state")
            }
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("partial");
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
}
