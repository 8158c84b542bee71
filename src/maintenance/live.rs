//! Every process's view of maintenance, kept current from NOTIFY. When the database is away the
//! last good view is kept, so the gate goes on deciding as it last knew.

use super::model::NowAndNext;
use super::store::{self, GateSettings, CHANNEL};
use super::visitor_page::VisitorPage;
use crate::error::AppError;
use crate::server::jobs::Supervisor;
use crate::server::live::Watched;
use sqlx::PgPool;
use std::sync::Arc;
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
        Self(
            Watched::start(
                pool,
                reread,
                supervisor,
                CHANNEL,
                "maintenance state",
                Snapshot::default(),
                |pool| async move { read(&pool).await },
            )
            .await,
        )
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.0.current()
    }

    /// True while the database cannot be read and the view may be out of date.
    pub fn is_stale(&self) -> bool {
        self.0.is_stale()
    }
}

async fn read(pool: &PgPool) -> Result<Snapshot, AppError> {
    let now_and_next = store::now_and_next(pool).await?;
    let settings = store::gate_settings(pool).await?;
    let visitor_page = now_and_next.current.as_ref().map(|w| VisitorPage::render(w, &settings.site));
    Ok(Snapshot { now_and_next, settings: Some(settings), visitor_page })
}
