//! The public side: `/status`, `/status/incidents/{id}` and Statuspage's `/api/v2/*.json`, no
//! sign-in, answered from the process's snapshot with ETag, `Last-Modified` and a short public
//! cache.

use super::snapshot::{LiveStatus, Rendered};
use axum::extract::{FromRef, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// No script runs on the public pages; styles are inline and the logo may live anywhere.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CACHE: &str = "public, max-age=30";

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    LiveStatus: FromRef<S>,
{
    Router::new()
        .route("/status", get(page))
        .route("/status/incidents/{id}", get(incident))
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
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { rendered.body.clone().into_response() };
    let h = response.headers_mut();
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
