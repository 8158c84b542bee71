//! The one guard: who is calling (session user or machine token) and whether their role or
//! scope allows what they ask.

use super::model::{Permission, Role};
use super::store;
use crate::audit::model::{Actor, Caller};
use crate::error::AppError;
use crate::server::client_ip::ClientIp;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::request::Parts;
use http::Method;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const SESSION_USER_KEY: &str = "pitwall.user";

/// What the session remembers: the user and the session version it was issued under.
#[derive(Serialize, Deserialize)]
struct SessionClaim {
    user_id: i64,
    version: i32,
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

/// Middleware: resolves the session to a [`CurrentUser`] once per request. A session whose user
/// was deactivated, or signed out everywhere by a password change, is ended here.
pub async fn resolve_user(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let claim = match session.get::<SessionClaim>(SESSION_USER_KEY).await {
        Ok(claim) => claim,
        Err(err) => return session_error(err).into_response(),
    };
    if let Some(claim) = claim {
        match store::session_user(&state.pool, claim.user_id).await {
            Ok(Some(user)) if user.active && user.session_version == claim.version => {
                req.extensions_mut().insert(CurrentUser { id: user.id, email: user.email, role: user.role });
            }
            Ok(_) => {
                if let Err(err) = end_session(&session).await {
                    return err.into_response();
                }
            }
            Err(err) => return err.into_response(),
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
pub async fn page_access(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() != Method::GET || !is_page(path) {
        return next.run(req).await;
    }
    let has_users = match state.has_users().await {
        Ok(has) => has,
        Err(err) => return err.into_response(),
    };
    let signed_in = req.extensions().get::<CurrentUser>().is_some();
    let target = match (has_users, path, signed_in) {
        (false, "/setup", _) => None,
        (false, _, _) => Some("/setup".to_owned()),
        (true, "/setup", true) | (true, "/signin", true) => Some("/".to_owned()),
        (true, "/setup", false) => Some("/signin".to_owned()),
        (true, p, false) if !PUBLIC_PAGES.contains(&p) => {
            let wanted = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            Some(format!("/signin?next={}", encode_query_value(wanted)))
        }
        _ => None,
    };
    match target {
        Some(to) => Redirect::to(&to).into_response(),
        None => next.run(req).await,
    }
}

fn encode_query_value(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A caller cleared for one permission, with what the server fn needs next.
pub struct Authorized {
    pub state: AppState,
    pub user: CurrentUser,
    pub caller: Caller,
}

/// The guard every server fn calls first.
pub async fn authorize(permission: Permission) -> Result<Authorized, AppError> {
    let parts = leptos::prelude::use_context::<Parts>().ok_or_else(|| {
        tracing::error!("server fn called without request parts");
        AppError::Internal
    })?;
    let state = leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server fn called without app state");
        AppError::Internal
    })?;
    let user = parts.extensions.get::<CurrentUser>().cloned().ok_or(AppError::Unauthorized)?;
    if !user.role.can(permission) {
        return Err(AppError::Forbidden);
    }
    let caller = Caller {
        actor: Actor::User { id: user.id, email: user.email.clone() },
        client_ip: parts.extensions.get::<ClientIp>().map(|ip| ip.to_string()),
    };
    Ok(Authorized { state, user, caller })
}

/// The guard's answer for the few server fns anyone may call (set-up, sign-in): no permission
/// is needed, but they still get the app state and the caller's address from one place.
pub struct Anonymous {
    pub state: AppState,
    pub client_ip: Option<String>,
}

pub fn anonymous() -> Result<Anonymous, AppError> {
    let parts = leptos::prelude::use_context::<Parts>();
    let state = leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server fn called without app state");
        AppError::Internal
    })?;
    let client_ip = parts.and_then(|p| p.extensions.get::<ClientIp>().map(|ip| ip.to_string()));
    Ok(Anonymous { state, client_ip })
}

/// The signed-in user, if any, for pages that adapt to who is looking.
pub fn current_user() -> Option<CurrentUser> {
    leptos::prelude::use_context::<Parts>().and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
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
        assert_eq!(encode_query_value("/audit?actor=cli&page=2"), "/audit%3Factor%3Dcli%26page%3D2");
    }
}
