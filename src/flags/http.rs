//! The flag APIs apps call with their SDKs: OFREP (OpenFeature Remote Evaluation Protocol) and
//! the Unleash client API. Both answer from the in-memory snapshot of the token's environment.

use super::engine::{EnvironmentSnapshot, Evaluation};
use super::live::{Audience, LiveFlags};
use super::model::{MetricsDocument, MetricsReport};
use super::store;
use crate::auth::tokens::{hash_token, presented_secret};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use http::request::Parts;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use unleash_types::client_features::Context;

/// The flag APIs for apps' SDKs: token-authenticated, answered from memory.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PgPool: FromRef<S>,
    LiveFlags: FromRef<S>,
{
    Router::new()
        .route("/ofrep/v1/evaluate/flags", post(evaluate_all))
        .route("/ofrep/v1/evaluate/flags/{key}", post(evaluate_flag))
        .route("/api/client/features", get(client_features))
        .route("/api/client/register", post(register))
        .route("/api/client/metrics", post(metrics))
}

/// A flag token's environment: the only flags its holder can read. Frontend (`flags:evaluate`)
/// and server (`flags:read`) tokens both pass; see [`ServerFlagReader`] for what only servers get.
pub struct FlagReader {
    pub environment: String,
    pub snapshot: Arc<EnvironmentSnapshot>,
    audience: Audience,
}

impl<S> FromRequestParts<S> for FlagReader
where
    S: Send + Sync,
    PgPool: FromRef<S>,
    LiveFlags: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let secret = presented_secret(&parts.headers).ok_or(AppError::Unauthorized)?;
        let flags = LiveFlags::from_ref(state).current();
        let token = flags.tokens.get(&hash_token(secret)).ok_or(AppError::Unauthorized)?;
        let access = token.flags.as_ref().ok_or(AppError::Forbidden)?;
        let snapshot = flags.environments.get(&access.environment).cloned().ok_or(AppError::Forbidden)?;
        if token.due_for_touch() {
            let (pool, id) = (PgPool::from_ref(state), token.id);
            tokio::spawn(async move {
                if let Err(err) = crate::auth::store::touch_token(&pool, id).await {
                    tracing::debug!(error = %err, "could not record token use");
                }
            });
        }
        Ok(Self { environment: access.environment.clone(), snapshot, audience: access.audience })
    }
}

/// A server (`flags:read`) token: may read definitions (user-id lists, constraint values) and
/// report as an SDK. A frontend token, which browsers carry, gets 403 here.
pub struct ServerFlagReader(FlagReader);

impl std::ops::Deref for ServerFlagReader {
    type Target = FlagReader;

    fn deref(&self) -> &FlagReader {
        &self.0
    }
}

impl<S> FromRequestParts<S> for ServerFlagReader
where
    S: Send + Sync,
    PgPool: FromRef<S>,
    LiveFlags: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let reader = FlagReader::from_request_parts(parts, state).await?;
        match reader.audience {
            Audience::Server => Ok(Self(reader)),
            Audience::Frontend => Err(AppError::Forbidden),
        }
    }
}

/// An OFREP error: `{"key"?, "errorCode", "errorDetails"}` with its status.
#[derive(Serialize)]
struct OfrepError {
    #[serde(skip)]
    status: StatusCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(rename = "errorCode")]
    code: &'static str,
    #[serde(rename = "errorDetails")]
    details: String,
}

impl OfrepError {
    fn new(status: StatusCode, key: Option<&str>, code: &'static str, details: impl Into<String>) -> Self {
        Self { status, key: key.map(str::to_owned), code, details: details.into() }
    }
}

impl IntoResponse for OfrepError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

/// OFREP's evaluation context, mapped onto Unleash's: `targetingKey` is the user id; Unleash's own
/// fields keep their names; `properties` merges in; any other key becomes a property.
fn unleash_context(body: &Bytes) -> Result<Context, (&'static str, String)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Context::default());
    }
    let request: Value =
        serde_json::from_slice(body).map_err(|err| ("PARSE_ERROR", format!("The body is not JSON: {err}.")))?;
    let Some(request) = request.as_object() else {
        return Err(("PARSE_ERROR", "The body must be a JSON object like {\"context\": {…}}.".into()));
    };
    let context = match request.get("context") {
        None | Some(Value::Null) => return Ok(Context::default()),
        Some(Value::Object(context)) => context,
        Some(_) => return Err(("INVALID_CONTEXT", "\"context\" must be an object.".into())),
    };
    to_unleash(context).map_err(|details| ("INVALID_CONTEXT", details))
}

fn scalar(name: &str, value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) | Value::Object(_) => {
            Err(format!("Context field {name:?} must be a string, number or boolean."))
        }
    }
}

fn to_unleash(context: &Map<String, Value>) -> Result<Context, String> {
    let mut unleash = Context::default();
    let mut properties: HashMap<String, String> = HashMap::new();
    if let Some(given) = context.get("properties") {
        match given {
            Value::Object(given) => {
                for (name, value) in given {
                    if let Some(value) = scalar(&format!("properties.{name}"), value)? {
                        properties.insert(name.clone(), value);
                    }
                }
            }
            Value::Null => {}
            _ => return Err("\"properties\" must be an object.".into()),
        }
    }
    for (name, value) in context.iter().filter(|(name, _)| *name != "properties") {
        let value = scalar(name, value)?;
        match name.as_str() {
            "targetingKey" => unleash.user_id = value,
            "sessionId" => unleash.session_id = value,
            "remoteAddress" => unleash.remote_address = value,
            "environment" => unleash.environment = value,
            "appName" => unleash.app_name = value,
            "currentTime" => {
                if let Some(time) = &value {
                    DateTime::parse_from_rfc3339(time)
                        .map_err(|_| format!("\"currentTime\" {time:?} is not an RFC 3339 date-time."))?;
                }
                unleash.current_time = value;
            }
            _ => {
                if let Some(value) = value {
                    properties.insert(name.clone(), value);
                }
            }
        }
    }
    unleash.properties = Some(properties).filter(|p| !p.is_empty());
    Ok(unleash)
}

/// The OFREP value: `enabled` for a plain flag; for a flag with variants, the variant's payload
/// (typed) or its name.
fn ofrep_value(evaluation: &Evaluation) -> Value {
    if !evaluation.has_variants {
        return Value::Bool(evaluation.enabled);
    }
    match &evaluation.variant.payload {
        None => Value::String(evaluation.variant.name.clone()),
        Some(payload) => match payload.payload_type.as_str() {
            "number" => match serde_json::from_str::<Value>(payload.value.trim()) {
                Ok(number @ Value::Number(_)) => number,
                _ => Value::String(payload.value.clone()),
            },
            "json" => serde_json::from_str(&payload.value).unwrap_or_else(|_| Value::String(payload.value.clone())),
            _ => Value::String(payload.value.clone()),
        },
    }
}

/// One successful OFREP evaluation, serialized straight from the engine's answer: a bulk answer
/// holds hundreds, and building a `Value` tree for each costs more than evaluating it.
#[derive(Serialize)]
struct OfrepSuccess<'a> {
    key: &'a str,
    value: Value,
    reason: &'static str,
    variant: &'a str,
    metadata: OfrepMetadata<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OfrepMetadata<'a> {
    enabled: bool,
    feature_enabled: bool,
    variant_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a str>,
}

impl<'a> OfrepSuccess<'a> {
    fn new(key: &'a str, evaluation: &'a Evaluation) -> Self {
        let variant = &evaluation.variant;
        let payload = variant.payload.as_ref();
        Self {
            key,
            value: ofrep_value(evaluation),
            reason: evaluation.reason,
            variant: &variant.name,
            metadata: OfrepMetadata {
                enabled: evaluation.enabled,
                feature_enabled: variant.feature_enabled,
                variant_enabled: variant.enabled,
                payload_type: payload.map(|p| p.payload_type.as_str()),
                payload: payload.map(|p| p.value.as_str()),
            },
        }
    }
}

#[derive(Serialize)]
struct OfrepBulk<'a> {
    flags: Vec<OfrepEntry<'a>>,
}

/// A bulk answer's entry: the evaluation, or the flag's own error.
#[derive(Serialize)]
#[serde(untagged)]
enum OfrepEntry<'a> {
    Success(OfrepSuccess<'a>),
    Error(&'a OfrepError),
}

fn evaluate_one(snapshot: &EnvironmentSnapshot, key: &str, context: &Context) -> Result<Evaluation, OfrepError> {
    if context.user_id.is_none() && snapshot.needs_user_id(key) {
        return Err(OfrepError::new(
            StatusCode::BAD_REQUEST,
            Some(key),
            "TARGETING_KEY_MISSING",
            "This flag targets users by id: send a targetingKey.",
        ));
    }
    snapshot.evaluate(key, context).ok_or_else(|| {
        OfrepError::new(StatusCode::NOT_FOUND, Some(key), "FLAG_NOT_FOUND", format!("There is no flag {key:?} here."))
    })
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| given.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
}

fn with_etag(etag: String, status: StatusCode, body: Option<impl Serialize>) -> Response {
    let mut response = match body {
        Some(body) => (status, Json(body)).into_response(),
        None => status.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The answer to a request depends on the flags and on what was asked: tag both.
fn request_etag(snapshot: &EnvironmentSnapshot, extra: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(snapshot.etag.as_bytes());
    hasher.update(extra.as_bytes());
    hasher.update(body);
    format!("\"{}\"", &crate::auth::tokens::hex(&hasher.finalize())[..32])
}

/// `POST /ofrep/v1/evaluate/flags/{key}`
async fn evaluate_flag(reader: FlagReader, Path(key): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let context = match unleash_context(&body) {
        Ok(context) => context,
        Err((code, details)) => {
            return OfrepError::new(StatusCode::BAD_REQUEST, Some(&key), code, details).into_response()
        }
    };
    let etag = request_etag(&reader.snapshot, &key, &body);
    if reader.snapshot.contains(&key) && not_modified(&headers, &etag) {
        return with_etag(etag, StatusCode::NOT_MODIFIED, None::<()>);
    }
    match evaluate_one(&reader.snapshot, &key, &context) {
        Ok(evaluation) => with_etag(etag, StatusCode::OK, Some(OfrepSuccess::new(&key, &evaluation))),
        Err(err) => err.into_response(),
    }
}

/// `POST /ofrep/v1/evaluate/flags`: every flag of the environment, with `ETag` / `If-None-Match`.
async fn evaluate_all(reader: FlagReader, headers: HeaderMap, body: Bytes) -> Response {
    let context = match unleash_context(&body) {
        Ok(context) => context,
        Err((code, details)) => return OfrepError::new(StatusCode::BAD_REQUEST, None, code, details).into_response(),
    };
    let etag = request_etag(&reader.snapshot, "", &body);
    if not_modified(&headers, &etag) {
        return with_etag(etag, StatusCode::NOT_MODIFIED, None::<()>);
    }
    let keys = reader.snapshot.keys();
    let results: Vec<_> = keys.iter().map(|key| evaluate_one(&reader.snapshot, key, &context)).collect();
    let flags: Vec<OfrepEntry> = keys
        .iter()
        .zip(&results)
        .map(|(key, result)| match result {
            Ok(evaluation) => OfrepEntry::Success(OfrepSuccess::new(key, evaluation)),
            Err(err) => OfrepEntry::Error(err),
        })
        .collect();
    with_etag(etag, StatusCode::OK, Some(OfrepBulk { flags }))
}

/// `GET /api/client/features`: the environment in Unleash's client-features format.
async fn client_features(reader: ServerFlagReader, headers: HeaderMap) -> Response {
    let snapshot = &reader.snapshot;
    if not_modified(&headers, &snapshot.etag) {
        return with_etag(snapshot.etag.clone(), StatusCode::NOT_MODIFIED, None::<()>);
    }
    let mut response = ([(header::CONTENT_TYPE, "application/json")], snapshot.features_json.clone()).into_response();
    if let Ok(value) = HeaderValue::from_str(&snapshot.etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

fn parse_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|err| AppError::validation("body", format!("Unreadable JSON: {err}.")))
}

fn bounded(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() || value.len() > 200 {
        return Err(AppError::validation(field, format!("Give {field} (1–200 characters).")));
    }
    Ok(value.to_owned())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registration {
    app_name: String,
    #[serde(default)]
    instance_id: String,
    #[serde(default)]
    sdk_version: Option<String>,
}

/// `POST /api/client/register`: an SDK says hello.
async fn register(reader: ServerFlagReader, State(pool): State<PgPool>, body: Bytes) -> Result<StatusCode, AppError> {
    let registration: Registration = parse_body(&body)?;
    let app = bounded("appName", &registration.app_name)?;
    let instance = if registration.instance_id.trim().is_empty() {
        "default".to_owned()
    } else {
        bounded("instanceId", &registration.instance_id)?
    };
    store::register_client(&pool, &reader.environment, &app, &instance, registration.sdk_version.as_deref()).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/client/metrics`: per-flag yes/no counts, kept by the hour. A report out of bounds
/// (an old or future bucket, a negative or huge count) is refused whole with 400.
async fn metrics(reader: ServerFlagReader, State(pool): State<PgPool>, body: Bytes) -> Result<StatusCode, AppError> {
    let document: MetricsDocument = serde_json::from_slice(&body)
        .map_err(|err| AppError::bad_request("body", format!("Unreadable metrics: {err}.")))?;
    let mut report = MetricsReport::parse(document, Utc::now())?;
    report.counts.retain(|key, _| reader.snapshot.contains(key));
    if !report.counts.is_empty() {
        store::record_metrics(&pool, &reader.environment, report.start, &report.counts).await?;
    }
    Ok(StatusCode::ACCEPTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(raw: &str) -> Result<Context, (&'static str, String)> {
        unleash_context(&Bytes::from(raw.to_owned()))
    }

    #[test]
    fn ofrep_context_maps_onto_unleash_fields_and_properties() {
        let c = context(
            r#"{"context": {"targetingKey": "u1", "sessionId": "s", "remoteAddress": "10.0.0.1", "appName": "web",
                "environment": "prod", "currentTime": "2026-01-01T00:00:00Z", "role": "admin", "age": 42,
                "beta": true, "skip": null, "properties": {"plan": "pro"}}}"#,
        )
        .unwrap();
        assert_eq!(c.user_id.as_deref(), Some("u1"));
        assert_eq!(c.session_id.as_deref(), Some("s"));
        assert_eq!(c.remote_address.as_deref(), Some("10.0.0.1"));
        assert_eq!(c.app_name.as_deref(), Some("web"));
        assert_eq!(c.environment.as_deref(), Some("prod"));
        assert_eq!(c.current_time.as_deref(), Some("2026-01-01T00:00:00Z"));
        let properties = c.properties.unwrap();
        assert_eq!(properties.get("role").map(String::as_str), Some("admin"));
        assert_eq!(properties.get("age").map(String::as_str), Some("42"));
        assert_eq!(properties.get("beta").map(String::as_str), Some("true"));
        assert_eq!(properties.get("plan").map(String::as_str), Some("pro"));
        assert!(!properties.contains_key("skip"));
    }

    #[test]
    fn bad_bodies_and_contexts_get_their_ofrep_codes() {
        assert_eq!(context("{not json").unwrap_err().0, "PARSE_ERROR");
        assert_eq!(context("[1]").unwrap_err().0, "PARSE_ERROR");
        assert_eq!(context(r#"{"context": 3}"#).unwrap_err().0, "INVALID_CONTEXT");
        assert_eq!(context(r#"{"context": {"nested": {"a": 1}}}"#).unwrap_err().0, "INVALID_CONTEXT");
        assert_eq!(context(r#"{"context": {"currentTime": "yesterday"}}"#).unwrap_err().0, "INVALID_CONTEXT");
        assert!(context("").unwrap().user_id.is_none());
    }
}
