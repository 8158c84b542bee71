//! The public's subscription pages: sign up (a plain form on `/status`), confirm from the
//! signed link, and unsubscribe (a page with a button, and RFC 8058's one-click POST).

use super::model::parse_email;
use super::snapshot::LiveStatus;
use super::store::subscribers::{self, Signup};
use crate::error::AppError;
use crate::server::client_ip::ClientIp;
use crate::server::config::Config;
use crate::ui::escape_html as esc;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    LiveStatus: axum::extract::FromRef<S>,
    sqlx::PgPool: axum::extract::FromRef<S>,
    Arc<Config>: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/status/subscribe", post(subscribe))
        .route("/status/subscribe/confirm", get(confirm))
        .route("/status/unsubscribe", get(unsubscribe_page).post(unsubscribe))
}

/// A short page in the status page's look.
fn answer(live: &LiveStatus, status: StatusCode, title: &str, text: &str, extra: &str) -> Response {
    let current = live.current();
    let body = match current.as_ref() {
        Some(snapshot) => super::page::message_page(&snapshot.facts, title, text, extra),
        None => format!("<!DOCTYPE html><title>{}</title><p>{}</p>", esc(title), esc(text)),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(super::http::PAGE_POLICY));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refusal(live: &LiveStatus, error: AppError) -> Response {
    let status = match &error {
        AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unavailable { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = answer(live, status, "Not subscribed", &error.to_string(), "");
    if let AppError::Unavailable { retry_after_s: Some(s), .. } = error {
        if let Ok(value) = HeaderValue::from_str(&s.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

/// `POST /status/subscribe`: `email` and any number of `component` (ids).
async fn subscribe(
    State(live): State<LiveStatus>,
    State(pool): State<sqlx::PgPool>,
    State(config): State<Arc<Config>>,
    client: Option<Extension<ClientIp>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &'static str| fields.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str());
    let email = match parse_email("email", field("email").next().unwrap_or_default()) {
        Ok(email) => email,
        Err(error) => return refusal(&live, error),
    };
    let components: Vec<i64> = field("component").filter_map(|v| v.parse().ok()).collect();
    let ip = client.map(|Extension(ClientIp(ip))| ip.to_string()).unwrap_or_default();
    let base = super::public_base(&config.status_page_url());
    match subscribers::subscribe_email(&pool, &email, &components, &ip, &base, chrono::Utc::now()).await {
        Ok(Signup::ConfirmationSent | Signup::NothingSent) => answer(
            &live,
            StatusCode::OK,
            "Check your inbox",
            &format!("If {email} is not subscribed yet, a message with a confirmation link is on its way. Updates start once you open it."),
            "",
        ),
        Err(error) => refusal(&live, error),
    }
}

#[derive(Deserialize)]
struct ConfirmQuery {
    id: i64,
    expires: i64,
    sig: String,
}

async fn confirm(
    State(live): State<LiveStatus>,
    State(pool): State<sqlx::PgPool>,
    Query(q): Query<ConfirmQuery>,
) -> Response {
    match subscribers::confirm(&pool, q.id, q.expires, &q.sig, chrono::Utc::now()).await {
        Ok(()) => answer(
            &live,
            StatusCode::OK,
            "Subscribed",
            "You will get an email when an incident starts, is updated or is resolved, and when maintenance is scheduled, starts or ends. Every message has a link to stop them.",
            "",
        ),
        Err(error) => refusal(&live, error),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: String,
}

/// The link in a message opens a page with a button: a link scanner's GET changes nothing.
async fn unsubscribe_page(State(live): State<LiveStatus>, Query(q): Query<TokenQuery>) -> Response {
    let form = format!(
        "<form method=\"post\" action=\"/status/unsubscribe?token={}\"><button type=\"submit\">Unsubscribe</button></form>",
        esc(&q.token)
    );
    answer(&live, StatusCode::OK, "Unsubscribe", "Stop getting this status page's updates?", &form)
}

/// The button's POST, and mail clients' one-click `List-Unsubscribe-Post`.
async fn unsubscribe(
    State(live): State<LiveStatus>,
    State(pool): State<sqlx::PgPool>,
    Query(q): Query<TokenQuery>,
) -> Response {
    match subscribers::unsubscribe(&pool, &q.token).await {
        Ok(_) => {
            answer(&live, StatusCode::OK, "Unsubscribed", "You will get no more updates from this status page.", "")
        }
        Err(error) => refusal(&live, error),
    }
}
