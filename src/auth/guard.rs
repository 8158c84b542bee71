//! The one guard: who is calling (session user or machine token) and whether their role or
//! scope allows what they ask.

use super::model::{Permission, Role};
use super::store;
use crate::error::AppError;
use crate::server::audit_trail::{Actor, Caller};
use crate::server::client_ip::ClientIp;
use crate::server::context;
use crate::ui::percent_encode;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::request::Parts;
use http::Method;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tower_sessions::Session;

const SESSION_USER_KEY: &str = "pitwall.user";

/// What the session remembers: the user and the session version it was issued under.
#[derive(Serialize, Deserialize)]
struct SessionClaim {
    user_id: i64,
    version: i32,
}

/// Whether an owner has been set up. Once one exists it stays so (users are deactivated, never
/// deleted), so each process caches the answer.
#[derive(Clone, Default)]
pub struct UsersExist(Arc<AtomicBool>);

impl UsersExist {
    pub async fn check(&self, pool: &PgPool) -> Result<bool, AppError> {
        if self.0.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let exist = store::any_users(pool).await?;
        if exist {
            self.mark();
        }
        Ok(exist)
    }

    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The signed-in user of this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

/// Starts a fresh session (new id, so a fixed session id cannot be carried over) for `user_id`.
pub async fn begin_session(session: &Session, user_id: i64, version: i32) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(SESSION_USER_KEY, SessionClaim { user_id, version }).await.map_err(session_error)
}

pub async fn end_session(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

fn session_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store error");
    AppError::unavailable("Sessions are unavailable; try again shortly.")
}

/// A failure before any page could render: a plain HTML page for browsers, JSON for the rest.
fn early_error(headers: &http::HeaderMap, err: AppError) -> Response {
    let wants_html =
        headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return err.into_response();
    }
    let status = http::StatusCode::from_u16(err.status_code()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Pitwall is unavailable</title></head><body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\">\
         <h1>Pitwall cannot serve this page right now</h1><p>{}</p><p>This page will work again once the problem is fixed; try reloading in a moment.</p></body></html>",
        err
    );
    (status, [(http::header::CACHE_CONTROL, "no-store")], axum::response::Html(page)).into_response()
}

/// Middleware: resolves the session to a [`CurrentUser`] once per request. A session whose user
/// was deactivated, or signed out everywhere by a password change, is ended here.
pub async fn resolve_user(State(pool): State<PgPool>, session: Session, mut req: Request, next: Next) -> Response {
    let claim = match session.get::<SessionClaim>(SESSION_USER_KEY).await {
        Ok(claim) => claim,
        Err(err) => return early_error(req.headers(), session_error(err)),
    };
    if let Some(claim) = claim {
        match store::session_user(&pool, claim.user_id).await {
            Ok(Some(user)) if user.active && user.session_version == claim.version => {
                req.extensions_mut().insert(CurrentUser { id: user.id, email: user.email, role: user.role });
            }
            Ok(_) => {
                if let Err(err) = end_session(&session).await {
                    return early_error(req.headers(), err);
                }
            }
            Err(err) => return early_error(req.headers(), err),
        }
    }
    next.run(req).await
}

/// Pages anyone may open without signing in.
const PUBLIC_PAGES: [&str; 2] = ["/signin", "/setup"];

fn is_page(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !path.starts_with("/api/") && !path.starts_with("/pkg/") && !last.contains('.')
}

/// Middleware: sends page requests where they belong — to `/setup` until an owner exists, to
/// `/signin` when signed out, away from `/setup` and `/signin` once they are done.
pub async fn page_access(
    State(pool): State<PgPool>,
    State(users): State<UsersExist>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if req.method() != Method::GET || !is_page(path) {
        return next.run(req).await;
    }
    let has_users = match users.check(&pool).await {
        Ok(has) => has,
        Err(err) => return early_error(req.headers(), err),
    };
    let signed_in = req.extensions().get::<CurrentUser>().is_some();
    let target = match (has_users, path, signed_in) {
        (false, "/setup", _) => None,
        (false, _, _) => Some("/setup".to_owned()),
        (true, "/setup", true) | (true, "/signin", true) => Some("/".to_owned()),
        (true, "/setup", false) => Some("/signin".to_owned()),
        (true, p, false) if !PUBLIC_PAGES.contains(&p) => {
            let wanted = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            Some(format!("/signin?next={}", percent_encode(wanted, b"/")))
        }
        _ => None,
    };
    match target {
        Some(to) => Redirect::to(&to).into_response(),
        None => next.run(req).await,
    }
}

/// Extractor for console handlers that are not server fns (charts and other files a signed-in
/// page embeds): the session's user, or 401. The caller checks the permission it needs.
pub struct SignedIn(pub CurrentUser);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentUser>().cloned().map(SignedIn).ok_or(AppError::Unauthorized)
    }
}

/// A caller cleared for one permission, with what the server fn needs next.
pub struct Authorized {
    pub pool: PgPool,
    pub user: CurrentUser,
    pub caller: Caller,
}

/// The guard's answer for the few server fns anyone may call (set-up, sign-in): no permission
/// is needed, but they still get the app state and the caller's address from one place.
pub struct Anonymous {
    pub pool: PgPool,
    pub client_ip: Option<String>,
}

pub fn anonymous() -> Result<Anonymous, AppError> {
    let pool = context::expect::<PgPool>()?;
    let client_ip = current_parts().and_then(|p| p.extensions.get::<ClientIp>().map(|ip| ip.to_string()));
    Ok(Anonymous { pool, client_ip })
}

/// The guard every other server fn calls first.
pub async fn authorize(permission: Permission) -> Result<Authorized, AppError> {
    let Anonymous { pool, client_ip } = anonymous()?;
    let user = current_user().ok_or(AppError::Unauthorized)?;
    if !user.role.can(permission) {
        return Err(AppError::Forbidden);
    }
    let caller = Caller { actor: Actor::User { id: user.id, email: user.email.clone() }, client_ip };
    Ok(Authorized { pool, user, caller })
}

fn current_parts() -> Option<Parts> {
    leptos::prelude::use_context::<Parts>()
}

/// The signed-in user, if any, for pages that adapt to who is looking.
pub fn current_user() -> Option<CurrentUser> {
    current_parts().and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
}

/// The session of the request being served.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(error = %err, "no session layer");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_paths_without_extensions_outside_api_and_pkg() {
        assert!(is_page("/"));
        assert!(is_page("/settings/tokens"));
        assert!(!is_page("/api/sign_in"));
        assert!(!is_page("/pkg/pitwall.js"));
        assert!(!is_page("/favicon.svg"));
    }

    #[test]
    fn next_parameter_is_percent_encoded() {
        assert_eq!(percent_encode("/audit?actor=cli&page=2", b"/"), "/audit%3Factor%3Dcli%26page%3D2");
    }
}
