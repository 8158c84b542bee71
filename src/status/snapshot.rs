//! Every process's public status page in memory: read on NOTIFY (`pitwall_status`, from triggers
//! on everything the page shows) and every minute, rendered once per reading into the page, the
//! incident pages and the Statuspage API's documents, each with its ETag. Requests only copy bytes.

use super::model::{
    day_bars, day_start, ComponentView, DayBar, DayIncident, Indicator, PublicIncident, PublicMaintenance,
    StatusBranding, StatusSpan,
};
use super::{badges, feeds, page, statuspage, store};
use crate::error::AppError;
use crate::server::jobs::Supervisor;
use crate::server::live::Watched;
use axum::body::Bytes;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The channel the status triggers notify.
pub const CHANNEL: &str = "pitwall_status";
/// Days of uptime bars.
pub const BAR_DAYS: u32 = 90;
/// Days of past incidents on the page.
pub const PAST_DAYS: i64 = 14;
/// The safety-net re-read: relative times and expiring overrides move on even without a change.
const REREAD: std::time::Duration = std::time::Duration::from_secs(60);

/// Everything the page and the API say, read at one moment.
#[derive(Debug, Clone)]
pub struct PageFacts {
    pub page_id: String,
    pub branding: StatusBranding,
    /// The status host's or the public URL's origin (empty when neither is set): links in the
    /// API and feeds start with it.
    pub base_url: String,
    pub page_url: String,
    pub updated_at: DateTime<Utc>,
    pub indicator: Indicator,
    /// In page order, hidden ones included (each reader filters).
    pub components: Vec<ComponentView>,
    pub bars: HashMap<i64, Vec<DayBar>>,
    /// Each component's statuses over the bars' days and a day more, oldest first.
    pub history: HashMap<i64, Vec<StatusSpan>>,
    /// Newest first.
    pub incidents: Vec<PublicIncident>,
    /// Latest first.
    pub maintenances: Vec<PublicMaintenance>,
    pub now: DateTime<Utc>,
}

/// A body ready to send, gzipped too, with its validator.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    /// The same body gzipped (best compression: it is done once per rebuild).
    pub gzip: Bytes,
    pub etag: String,
}

impl Rendered {
    pub(super) fn new(body: impl Into<Bytes>) -> Self {
        use std::io::Write;
        let body = body.into();
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzip = encoder.write_all(&body).and_then(|()| encoder.finish()).map(Bytes::from).unwrap_or_default();
        Self { body, gzip, etag }
    }
}

#[derive(Debug, Clone)]
pub struct StatusSnapshot {
    pub facts: PageFacts,
    pub page: Rendered,
    pub incident_pages: HashMap<i64, Rendered>,
    /// By path under `/api/v2/`.
    pub api: HashMap<&'static str, Rendered>,
    /// By path under `/status/`: `history.atom`, `history.rss`, `badge.svg`,
    /// `components/{id}/badge.svg`, `components/{id}/uptime-30d.svg`, …
    pub files: HashMap<String, Rendered>,
    /// When the page's content last changed (not merely re-read).
    pub last_modified: DateTime<Utc>,
}

/// The page's ETag when its content last changed, and when that was.
type LastChange = Option<(String, DateTime<Utc>)>;

/// This process's status page.
#[derive(Clone)]
pub struct LiveStatus(Watched<Option<StatusSnapshot>>);

impl LiveStatus {
    /// `reread` off (`None`, the tests' NOTIFY-only mode) leaves the page to NOTIFY alone.
    pub async fn start(
        pool: PgPool,
        reread: Option<std::time::Duration>,
        supervisor: &Supervisor,
        page_url: String,
    ) -> Self {
        let last_change: Arc<Mutex<LastChange>> = Arc::default();
        // Links in the API and the feeds start with where the public reads the page.
        let base_url = super::public_base(&page_url);
        Self(
            Watched::start(pool, reread.map(|_| REREAD), supervisor, CHANNEL, "status page", None, move |pool| {
                let last_change = last_change.clone();
                let base_url = base_url.clone();
                async move {
                    let facts = read(&pool, base_url, Utc::now()).await?;
                    Ok(Some(render(facts, &last_change)))
                }
            })
            .await,
        )
    }

    /// The page as last read (shared, not copied); `None` only before the database was ever reachable.
    pub fn current(&self) -> Arc<Option<StatusSnapshot>> {
        self.0.current()
    }
}

/// Reads everything the page shows, as of `now`.
pub async fn read(pool: &PgPool, base_url: String, now: DateTime<Utc>) -> Result<PageFacts, AppError> {
    let (page_id, branding) = store::branding(pool).await?;
    let components = store::components(pool, now).await?;
    let since = now - Duration::days(i64::from(BAR_DAYS) + 1);
    let history = store::public::history(pool, since).await?;
    let incidents = store::public::incidents(pool, store::public::Span::since(since)).await?;
    let maintenances = store::public::maintenances(pool, store::public::Span::since(since)).await?;
    let tz = branding.tz();
    let bars = components
        .iter()
        .map(|c| {
            let mut days = day_bars(history.get(&c.id).map(Vec::as_slice).unwrap_or_default(), BAR_DAYS, tz, now);
            for bar in &mut days {
                let (start, end) = (day_start(bar.date, tz), day_start(bar.date + Duration::days(1), tz));
                bar.incidents = incidents
                    .iter()
                    .filter(|i| i.component_ids.contains(&c.id) || members_named(&components, c, i))
                    .filter(|i| i.started_at < end && i.resolved_at.is_none_or(|r| r >= start))
                    .map(|i| DayIncident { id: i.id, name: i.name.clone() })
                    .collect();
            }
            (c.id, days)
        })
        .collect();
    let shown_statuses = components.iter().filter(|c| !c.hidden && !c.is_group).map(|c| c.status);
    let open_impacts = incidents.iter().filter(|i| i.is_open()).map(|i| i.impact);
    let indicator = Indicator::of(shown_statuses, open_impacts);
    let updated_at = components
        .iter()
        .map(|c| c.updated_at)
        .chain(incidents.iter().map(|i| i.updated_at))
        .chain(maintenances.iter().map(|m| m.updated_at))
        .max()
        .unwrap_or(now);
    let page_url = format!("{base_url}/status");
    Ok(PageFacts {
        page_id,
        branding,
        base_url,
        page_url,
        updated_at,
        indicator,
        components,
        bars,
        history,
        incidents,
        maintenances,
        now,
    })
}

/// A group's day shows the incidents of its members too.
fn members_named(components: &[ComponentView], group: &ComponentView, incident: &PublicIncident) -> bool {
    group.is_group && components.iter().any(|m| m.group_id == Some(group.id) && incident.component_ids.contains(&m.id))
}

fn json(value: &serde_json::Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

/// Renders every document of the page; `last_change` remembers when the page's content last changed.
pub fn render(facts: PageFacts, last_change: &Mutex<LastChange>) -> StatusSnapshot {
    let page = Rendered::new(page::status_page(&facts));
    let incident_pages =
        facts.incidents.iter().map(|i| (i.id, Rendered::new(page::incident_page(&facts, i)))).collect();
    let api =
        statuspage::documents(&facts).into_iter().map(|(path, value)| (path, Rendered::new(json(&value)))).collect();
    let files = files(&facts);
    let last_modified = {
        let mut last = last_change.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match last.as_ref() {
            Some((etag, at)) if *etag == page.etag => *at,
            _ => {
                *last = Some((page.etag.clone(), facts.now));
                facts.now
            }
        }
    };
    StatusSnapshot { facts, page, incident_pages, api, files, last_modified }
}

/// The feeds and the badges (hidden components have none).
fn files(facts: &PageFacts) -> HashMap<String, Rendered> {
    let mut files = HashMap::from([
        ("history.atom".to_owned(), Rendered::new(feeds::atom(facts))),
        ("history.rss".to_owned(), Rendered::new(feeds::rss(facts))),
        ("badge.svg".to_owned(), Rendered::new(badges::indicator_badge(facts.indicator))),
    ]);
    for c in facts.components.iter().filter(|c| !c.hidden) {
        files.insert(
            format!("components/{}/badge.svg", c.id),
            Rendered::new(badges::component_badge(&c.name, c.status)),
        );
        let history = facts.history.get(&c.id).map(Vec::as_slice).unwrap_or_default();
        for (window, days) in badges::UPTIME_WINDOWS {
            files.insert(
                format!("components/{}/uptime-{window}.svg", c.id),
                Rendered::new(badges::uptime_badge(window, days, history, facts.now)),
            );
        }
    }
    files
}
