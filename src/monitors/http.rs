//! The monitors' machine API (`monitors:read` / `monitors:write` tokens) and the push endpoint
//! cron jobs and backup scripts call (`monitors:push`).

use super::charts::{self, ChartRange, Theme};
use super::model::{
    parse_cache_name, CacheReports, CheckResult, MonitorDraft, MonitorEvent, MonitorKind, MonitorSpec, MonitorView,
    Outcome,
};
use super::store;
use super::store::rollups;
use crate::auth::guard::SignedIn;
use crate::auth::model::Permission;
use crate::auth::tokens::{self, MetricsWrite, MonitorsPush, MonitorsRead, MonitorsWrite, TokenAuth};
use crate::error::AppError;
use crate::server::api_json::ApiJson;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgPool;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
{
    Router::new()
        .route("/api/v1/monitors", get(list).post(create))
        .route("/api/v1/monitors/{id}", get(read).patch(patch).delete(remove))
        .route("/api/v1/monitors/{id}/results", get(results))
        .route("/api/v1/monitors/{id}/events", get(events))
        .route("/api/v1/monitors/{id}/push", post(push))
        .route("/monitors/{id}/chart.svg", get(chart))
        .route("/api/v1/metrics/cache", post(ingest_cache))
        .route("/caches/{name}/chart.svg", get(cache_chart))
}

fn monitor_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::not_found(format!("Monitor {raw:?}")))
}

/// `GET /api/v1/monitors`: the worst first.
async fn list(_token: TokenAuth<MonitorsRead>, State(pool): State<PgPool>) -> Result<Json<Vec<MonitorView>>, AppError> {
    Ok(Json(store::list(&pool).await?))
}

/// `POST /api/v1/monitors`: a draft as in the console's form (conditions and headers as lists).
async fn create(
    token: TokenAuth<MonitorsWrite>,
    State(pool): State<PgPool>,
    ApiJson(draft): ApiJson<MonitorDraft>,
) -> Result<(StatusCode, Json<MonitorView>), AppError> {
    let spec = MonitorSpec::parse(&draft)?;
    let push_key = (spec.kind == MonitorKind::Push).then(tokens::random_hex);
    Ok((StatusCode::CREATED, Json(store::create(&pool, &token.caller, &spec, push_key.as_deref()).await?)))
}

async fn read(
    _token: TokenAuth<MonitorsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<Json<MonitorView>, AppError> {
    Ok(Json(store::get(&pool, monitor_id(&id)?).await?))
}

/// `PATCH /api/v1/monitors/{id}`: any fields of the draft, laid over the current definition;
/// `{"paused": true|false}` pauses or resumes.
async fn patch(
    token: TokenAuth<MonitorsWrite>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Json<MonitorView>, AppError> {
    let id = monitor_id(&id)?;
    let Value::Object(mut fields) = patch else {
        return Err(AppError::validation("body", "Send a JSON object of the fields to change."));
    };
    let paused = match fields.remove("paused") {
        None => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => return Err(AppError::validation("paused", "paused is true or false.")),
    };
    let mut view = store::get(&pool, id).await?;
    if !fields.is_empty() {
        let mut merged = serde_json::to_value(store::spec(&pool, id).await?.to_draft()).unwrap_or_default();
        if let Value::Object(current) = &mut merged {
            current.extend(fields);
        }
        let draft: MonitorDraft =
            serde_json::from_value(merged).map_err(|e| AppError::validation("body", e.to_string()))?;
        view = store::update(&pool, &token.caller, id, &MonitorSpec::parse(&draft)?).await?;
    }
    if let Some(paused) = paused {
        view = store::set_paused(&pool, &token.caller, id, paused).await?;
    }
    Ok(Json(view))
}

async fn remove(
    token: TokenAuth<MonitorsWrite>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    store::delete(&pool, &token.caller, monitor_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Limit {
    #[serde(default)]
    limit: Option<String>,
}

fn limit(raw: Option<String>) -> Result<i64, AppError> {
    match raw.as_deref() {
        None | Some("") => Ok(100),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| AppError::validation("limit", format!("{raw:?} is not a number from 1 to 1000."))),
    }
}

/// `GET /api/v1/monitors/{id}/results[?limit=100]`: newest first.
async fn results(
    _token: TokenAuth<MonitorsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<CheckResult>>, AppError> {
    let id = monitor_id(&id)?;
    store::get(&pool, id).await?;
    Ok(Json(store::results(&pool, id, limit(q.limit)?).await?))
}

/// `GET /api/v1/monitors/{id}/events`: state changes, newest first.
async fn events(
    _token: TokenAuth<MonitorsRead>,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<MonitorEvent>>, AppError> {
    let id = monitor_id(&id)?;
    store::get(&pool, id).await?;
    Ok(Json(store::events(&pool, id, limit(q.limit)?).await?))
}

#[derive(Deserialize)]
struct PushParams {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    msg: String,
}

/// `POST /api/v1/monitors/{key}/push?status=up|down&msg=…`: a heartbeat (status defaults to up).
async fn push(
    _token: TokenAuth<MonitorsPush>,
    State(pool): State<PgPool>,
    Path(key): Path<String>,
    Query(params): Query<PushParams>,
) -> Result<Json<MonitorView>, AppError> {
    let outcome = match params.status.as_deref().map(str::trim) {
        None | Some("") => Outcome::Up,
        Some(raw) => match Outcome::parse("status", raw)? {
            Outcome::Degraded => return Err(AppError::validation("status", "A push says up or down.")),
            outcome => outcome,
        },
    };
    if params.msg.chars().count() > 500 || params.msg.chars().any(char::is_control) {
        return Err(AppError::validation("msg", "The message is one line of at most 500 characters."));
    }
    Ok(Json(store::push(&pool, &key, outcome, params.msg.trim()).await?))
}

#[derive(Deserialize)]
struct ChartParams {
    #[serde(default)]
    range: Option<String>,
    /// `response` (default) or `uptime` (one bar per day).
    #[serde(default)]
    kind: Option<String>,
    /// `dark` for a dark page.
    #[serde(default)]
    theme: Option<String>,
}

/// `GET /monitors/{id}/chart.svg?range=1h|24h|7d|30d|90d&kind=response|services|uptime&theme=light|dark`,
/// for signed-in console users: an SVG drawn from the rollup that fits the range, with an ETag
/// and a short private cache.
async fn chart(
    SignedIn(user): SignedIn,
    State(pool): State<PgPool>,
    Path(id): Path<String>,
    Query(params): Query<ChartParams>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !user.role.can(Permission::UseConsole) {
        return Err(AppError::Forbidden);
    }
    let id = monitor_id(&id)?;
    store::get(&pool, id).await?;
    let range = match params.range.as_deref() {
        None | Some("") => ChartRange::Day,
        Some(raw) => ChartRange::parse("range", raw)?,
    };
    let theme = Theme::named(params.theme.as_deref() == Some("dark"));
    let now = chrono::Utc::now();
    let svg = match params.kind.as_deref().unwrap_or("response") {
        "response" => {
            let from = now - range.span();
            let buckets = rollups::series(&pool, id, range.bucket_size(), from).await?;
            let notes = rollups::annotations(&pool, from).await?;
            charts::response_time(&buckets, &notes, range, now, &theme)
        }
        "services" => {
            let from = now - range.span();
            let points = rollups::service_series(&pool, id, range.bucket_size(), from).await?;
            let notes = rollups::annotations(&pool, from).await?;
            charts::services(&points, &notes, range, now, &theme)
        }
        "uptime" => {
            let days = range.span().num_days().max(1);
            let from = now - chrono::Duration::days(days);
            let buckets = rollups::series(&pool, id, rollups::BucketSize::Day, from).await?;
            charts::uptime_bars(&buckets, days, now, &theme)
        }
        other => return Err(AppError::validation("kind", format!("{other:?} is not response, services or uptime."))),
    }
    .map_err(|err| {
        tracing::error!(error = %err, "a chart could not be drawn");
        AppError::Internal
    })?;
    svg_response(svg, &headers)
}

/// An SVG with an ETag (304 when the browser has it) and a short private cache.
fn svg_response(svg: String, headers: &HeaderMap) -> Result<Response, AppError> {
    let etag = format!("\"{}\"", &tokens::hash_token(&svg)[..16]);
    let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag);
    let etag = HeaderValue::from_str(&etag).map_err(|_| AppError::Internal)?;
    let cache = HeaderValue::from_static("private, max-age=30");
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response());
    }
    let kind = HeaderValue::from_static("image/svg+xml");
    Ok(([(header::CONTENT_TYPE, kind), (header::ETAG, etag), (header::CACHE_CONTROL, cache)], svg).into_response())
}

/// `POST /api/v1/metrics/cache` (`metrics:write`): one report or a batch; all stored or none.
async fn ingest_cache(
    _token: TokenAuth<MetricsWrite>,
    State(pool): State<PgPool>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let samples = CacheReports::from_json(body)?.parse(chrono::Utc::now())?;
    let stored = store::caches::ingest(&pool, &samples).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"stored": stored}))))
}

/// `GET /caches/{name}/chart.svg?range=…&theme=…`: hit rate and latency with their thresholds.
async fn cache_chart(
    SignedIn(user): SignedIn,
    State(pool): State<PgPool>,
    Path(name): Path<String>,
    Query(params): Query<ChartParams>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !user.role.can(Permission::UseConsole) {
        return Err(AppError::Forbidden);
    }
    let name = parse_cache_name("name", &name)?;
    let cache = store::caches::list(&pool)
        .await?
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| AppError::not_found(format!("Cache {name:?}")))?;
    let range = match params.range.as_deref() {
        None | Some("") => ChartRange::Day,
        Some(raw) => ChartRange::parse("range", raw)?,
    };
    let now = chrono::Utc::now();
    let hourly = range.span() > chrono::Duration::hours(48);
    let points = store::caches::series(&pool, &name, now - range.span(), hourly).await?;
    let theme = Theme::named(params.theme.as_deref() == Some("dark"));
    let notes = rollups::annotations(&pool, now - range.span()).await?;
    let svg = charts::cache(&points, &cache.rules, &notes, range, now, &theme).map_err(|err| {
        tracing::error!(error = %err, "a cache chart could not be drawn");
        AppError::Internal
    })?;
    svg_response(svg, &headers)
}
