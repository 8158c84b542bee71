//! The public side: `/status`, `/status/incidents/{id}` and Statuspage's `/api/v2/*.json`, no
//! sign-in, answered from the process's snapshot with ETag, `Last-Modified` and a short public
//! cache.

use super::snapshot::{LiveStatus, Rendered};
use crate::error::AppError;
use crate::server::config::Config;
use crate::server::csrf::is_host;
use axum::extract::Request;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// No script runs on the public pages; styles are inline and the logo may live anywhere.
pub(super) const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CACHE: &str = "public, max-age=30";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const RSS: &str = "application/rss+xml; charset=utf-8";
const SVG: &str = "image/svg+xml";

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    LiveStatus: FromRef<S>,
    sqlx::PgPool: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    Router::new()
        .merge(super::subscribe::routes())
        .route("/status", get(page))
        .route("/status/incidents/{id}", get(incident))
        .route("/status/history", get(history))
        .route(
            "/status/history.atom",
            get(|live: State<LiveStatus>, headers: HeaderMap| file(live, headers, "history.atom", ATOM)),
        )
        .route(
            "/status/history.rss",
            get(|live: State<LiveStatus>, headers: HeaderMap| file(live, headers, "history.rss", RSS)),
        )
        .route(
            "/status/badge.svg",
            get(|live: State<LiveStatus>, headers: HeaderMap| file(live, headers, "badge.svg", SVG)),
        )
        .route("/status/components/{id}/{badge}", get(component_badge))
        .route("/api/v2/{*document}", get(api))
}

fn not_ready() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "The status page is starting; try again shortly.")
        .into_response()
}

/// 304 when the client has this version; the body otherwise.
fn send(headers: &HeaderMap, rendered: &Rendered, content_type: &'static str, last_modified: String) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == rendered.etag || t.trim() == "*"));
    let gzip = accepts_gzip(headers) && !rendered.gzip.is_empty();
    let mut response = match (fresh, gzip) {
        (true, _) => StatusCode::NOT_MODIFIED.into_response(),
        (false, true) => rendered.gzip.clone().into_response(),
        (false, false) => rendered.body.clone().into_response(),
    };
    let h = response.headers_mut();
    if gzip && !fresh {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    if let Ok(etag) = HeaderValue::from_str(&rendered.etag) {
        h.insert(header::ETAG, etag);
    }
    if let Ok(at) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, at);
    }
    response
}

/// Whether `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"));
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        },
    )
}

fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn html(headers: &HeaderMap, rendered: &Rendered, last_modified: String) -> Response {
    let mut response = send(headers, rendered, "text/html; charset=utf-8", last_modified);
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    response
}

async fn page(State(live): State<LiveStatus>, headers: HeaderMap) -> Response {
    match live.current().as_ref() {
        Some(snapshot) => html(&headers, &snapshot.page, http_date(snapshot.last_modified)),
        None => not_ready(),
    }
}

async fn incident(State(live): State<LiveStatus>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let current = live.current();
    let Some(snapshot) = current.as_ref() else { return not_ready() };
    match id.parse::<i64>().ok().and_then(|id| snapshot.incident_pages.get(&id)) {
        Some(rendered) => html(&headers, rendered, http_date(snapshot.last_modified)),
        None => (StatusCode::NOT_FOUND, "There is no public incident with that number.").into_response(),
    }
}

async fn api(State(live): State<LiveStatus>, Path(document): Path<String>, headers: HeaderMap) -> Response {
    let current = live.current();
    let Some(snapshot) = current.as_ref() else { return not_ready() };
    let mut response = match snapshot.api.get(document.as_str()) {
        Some(rendered) => send(&headers, rendered, "application/json", http_date(snapshot.facts.updated_at)),
        None => (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"error": "Not found"}))).into_response(),
    };
    // Widgets on other sites read it from the browser.
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

async fn file(State(live): State<LiveStatus>, headers: HeaderMap, name: &str, content_type: &'static str) -> Response {
    let current = live.current();
    let Some(snapshot) = current.as_ref() else { return not_ready() };
    match snapshot.files.get(name) {
        Some(rendered) => send(&headers, rendered, content_type, http_date(snapshot.facts.updated_at)),
        None => (StatusCode::NOT_FOUND, "Not found.").into_response(),
    }
}

/// `/status/components/{id}/badge.svg` and `/status/components/{id}/uptime-{24h,7d,30d,90d}.svg`.
async fn component_badge(
    live: State<LiveStatus>,
    Path((id, badge)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    file(live, headers, &format!("components/{id}/{badge}"), SVG).await
}

/// What the status host (`PITWALL_STATUS_HOST`) answers: the public side alone, with the page at `/`.
fn public_path(path: &str) -> bool {
    path == "/status"
        || ["/status/incidents/", "/status/components/", "/status/subscribe", "/status/unsubscribe", "/api/v2/"]
            .iter()
            .any(|p| path.starts_with(p))
        || ["/status/history", "/status/history.atom", "/status/history.rss", "/status/badge.svg", "/healthz"]
            .contains(&path)
}

/// Middleware: on the status host, `/` is the status page and nothing but the public side answers.
/// (Answered here, not by rewriting the path: a router's middleware runs after routing.)
pub async fn status_host(
    State(config): State<Arc<Config>>,
    live: State<LiveStatus>,
    req: Request,
    next: Next,
) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    if !is_host(host, config.status_host.as_deref()) {
        return next.run(req).await;
    }
    if req.uri().path() == "/" {
        return page(live, req.headers().clone()).await;
    }
    if public_path(req.uri().path()) {
        next.run(req).await
    } else {
        (StatusCode::NOT_FOUND, "Not found.").into_response()
    }
}

#[derive(serde::Deserialize)]
struct MonthQuery {
    /// `2026-11`; absent: this month.
    month: Option<String>,
}

/// `GET /status/history?month=2026-11`: that month's public incidents and maintenance, read from
/// the database (the snapshot holds the last 90 days only).
async fn history(
    State(live): State<LiveStatus>,
    State(pool): State<sqlx::PgPool>,
    Query(q): Query<MonthQuery>,
    headers: HeaderMap,
) -> Response {
    use super::model::day_start;
    use super::store::public::{self, Span};
    use chrono::{Datelike, Months, NaiveDate};
    let current = live.current();
    let Some(snapshot) = current.as_ref() else { return not_ready() };
    let facts = &snapshot.facts;
    let tz = facts.branding.tz();
    let today = facts.now.with_timezone(&tz).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let month = match q.month.as_deref() {
        None => Some(this_month),
        Some(raw) => NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok().filter(|m| *m <= this_month),
    };
    let Some(month) = month else {
        return (StatusCode::NOT_FOUND, "There is no such month in the history: use ?month=YYYY-MM, up to this month.")
            .into_response();
    };
    let next = month + Months::new(1);
    let span = Span::started(day_start(month, tz), day_start(next, tz));
    let read =
        async { Ok::<_, AppError>((public::incidents(&pool, span).await?, public::maintenances(&pool, span).await?)) };
    let (incidents, maintenances) = match read.await {
        Ok(found) => found,
        Err(_) => {
            return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "The history cannot be read now.")
                .into_response()
        }
    };
    let page = super::page::history_page(facts, month, (next <= this_month).then_some(next), &incidents, &maintenances);
    html(&headers, &Rendered::new(page), http_date(facts.updated_at))
}
