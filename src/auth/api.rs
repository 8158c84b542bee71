//! Server fns of accounts and tokens: authorize → parse → store.

#[cfg(feature = "ssr")]
use super::guard;
#[cfg(feature = "ssr")]
use super::model::Email;
#[cfg(feature = "ssr")]
use super::model::NewPassword;
#[cfg(feature = "ssr")]
use super::model::NewToken;
#[cfg(feature = "ssr")]
use super::model::Permission;
use super::model::{CreatedToken, Role, TokenView, UserView};
#[cfg(feature = "ssr")]
use super::password as pw;
#[cfg(feature = "ssr")]
use super::setup;
#[cfg(feature = "ssr")]
use super::store;
#[cfg(feature = "ssr")]
use super::tokens;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::audit_trail::Actor;
#[cfg(feature = "ssr")]
use crate::server::audit_trail::Caller;
#[cfg(feature = "ssr")]
use crate::server::context;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// After this many failed sign-ins for one account or from one address…
pub const MAX_SIGN_IN_FAILURES: i64 = 5;
/// …within this window, further attempts are refused until the window passes.
pub const SIGN_IN_WINDOW_S: i64 = 15 * 60;

/// The signed-in user as the layout needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

#[server(endpoint = "me")]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    Ok(guard::current_user().map(|u| Me { id: u.id, email: u.email, role: u.role }))
}

#[server(endpoint = "setup")]
pub async fn setup_owner(code: String, email: String, password: String, confirm: String) -> Result<(), AppError> {
    let ctx = guard::anonymous()?;
    // Read from the context before the first await: the request's reactive owner is not
    // guaranteed to be current when the future resumes.
    let users_exist = context::expect::<guard::UsersExist>()?;
    let hashing = context::expect::<pw::Hashing>()?;
    // Refused before any password work once an owner exists (in this process or another).
    if users_exist.check(&ctx.pool).await? {
        return Err(AppError::not_found("Set-up"));
    }
    let code = setup::presented(&ctx.pool, &code).await?;
    let email = Email::parse("email", &email)?;
    let password = NewPassword::parse_confirmed("password", &password, "confirm", &confirm)?;
    let hash = pw::hash(hashing.slot()?, &password).await?;
    let user = store::create_first_owner(&ctx.pool, &code, &email, &hash, ctx.client_ip).await?;
    users_exist.mark();
    guard::begin_session(&guard::session().await?, user.id, 1).await
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let ctx = guard::anonymous()?;
    let hashing = context::expect::<pw::Hashing>()?;
    let email = Email::parse("email", &email)?;
    if password.is_empty() {
        return Err(AppError::validation("password", "Enter your password."));
    }
    let ip = ctx.client_ip.clone().unwrap_or_default();
    // Password work is the expensive part: take a hashing slot first (none free: 503 at once),
    // then count the attempt, then verify.
    let slot = hashing.slot()?;
    if let Err(throttled) =
        store::reserve_attempt(&ctx.pool, email.as_str(), &ip, MAX_SIGN_IN_FAILURES, SIGN_IN_WINDOW_S).await?
    {
        let seconds = (throttled.retry_at - chrono::Utc::now()).num_seconds().max(1);
        let minutes = (seconds + 59) / 60;
        return Err(AppError::unavailable_for(
            format!(
                "Too many failed sign-in attempts. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
            seconds as u64,
        ));
    }
    let account = store::credentials(&ctx.pool, &email).await?;
    let verified = pw::verify(slot, account.as_ref().map(|a| a.password_hash.clone()), &password).await?;
    let account = match account {
        Some(account) if verified => account,
        _ => return Err(AppError::validation("password", "The email or password is wrong.")),
    };
    if !account.active {
        return Err(AppError::validation("email", "This account is deactivated; ask an owner to reactivate it."));
    }
    guard::begin_session(&guard::session().await?, account.id, account.session_version).await?;
    let caller =
        Caller { actor: Actor::User { id: account.id, email: account.email.clone() }, client_ip: ctx.client_ip };
    store::record_sign_in(&ctx.pool, &caller, account.id, &account.email).await
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    guard::end_session(&guard::session().await?).await
}

#[server(endpoint = "change_password")]
pub async fn change_password(current: String, password: String, confirm: String) -> Result<(), AppError> {
    let hashing = context::expect::<pw::Hashing>()?;
    let auth = guard::authorize(Permission::ChangeOwnPassword).await?;
    let email = Email::parse("email", &auth.user.email)?;
    let account = store::credentials(&auth.pool, &email).await?.ok_or(AppError::Unauthorized)?;
    if !pw::verify(hashing.slot()?, Some(account.password_hash), &current).await? {
        return Err(AppError::validation("current", "That is not your current password."));
    }
    let password = NewPassword::parse_confirmed("password", &password, "confirm", &confirm)?;
    let hash = pw::hash(hashing.slot()?, &password).await?;
    let version = store::set_password(&auth.pool, &auth.caller, &email, &hash).await?;
    // Other sessions end with the old version; this one carries on under the new one.
    guard::begin_session(&guard::session().await?, auth.user.id, version).await
}

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    let auth = guard::authorize(Permission::ManageUsers).await?;
    store::list_users(&auth.pool).await
}

#[server(endpoint = "users/add")]
pub async fn add_user(email: String, role: String, password: String) -> Result<UserView, AppError> {
    let hashing = context::expect::<pw::Hashing>()?;
    let auth = guard::authorize(Permission::ManageUsers).await?;
    let email = Email::parse("email", &email)?;
    let role = Role::parse("role", &role)?;
    let password = NewPassword::parse("password", &password)?;
    let hash = pw::hash(hashing.slot()?, &password).await?;
    store::create_user(&auth.pool, &auth.caller, &email, role, &hash).await
}

#[server(endpoint = "users/role")]
pub async fn change_role(user_id: i64, role: String) -> Result<UserView, AppError> {
    let auth = guard::authorize(Permission::ManageUsers).await?;
    let role = Role::parse("role", &role)?;
    store::change_role(&auth.pool, &auth.caller, user_id, role).await
}

#[server(endpoint = "users/active")]
pub async fn set_user_active(user_id: i64, active: bool) -> Result<UserView, AppError> {
    let auth = guard::authorize(Permission::ManageUsers).await?;
    if user_id == auth.user.id && !active {
        return Err(AppError::conflict("You cannot deactivate yourself."));
    }
    store::set_active(&auth.pool, &auth.caller, user_id, active).await
}

/// Who may touch which tokens: the owner all of them, a PM only flag tokens.
#[cfg(feature = "ssr")]
fn only_flag_tokens(auth: &super::guard::Authorized) -> bool {
    !auth.user.role.can(super::model::Permission::ManageTokens)
}

#[server(endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    let auth = guard::authorize(Permission::ManageFlagTokens).await?;
    let mut tokens = store::list_tokens(&auth.pool).await?;
    if only_flag_tokens(&auth) {
        tokens.retain(TokenView::is_flag_token);
    }
    Ok(tokens)
}

// JSON input: a form encoding cannot tell "no scopes" from a missing field.
#[server(endpoint = "tokens/create", input = leptos::server_fn::codec::Json)]
pub async fn create_token(name: String, scopes: Vec<String>, environment: String) -> Result<CreatedToken, AppError> {
    let auth = guard::authorize(Permission::ManageFlagTokens).await?;
    let new = NewToken::parse(&name, &scopes, &environment)?;
    if only_flag_tokens(&auth) && !new.scopes().iter().all(|s| s.is_flag_scope()) {
        return Err(AppError::validation(
            "scopes",
            "Your role may issue flag tokens (flags:read, flags:evaluate) only.",
        ));
    }
    tokens::issue(&auth.pool, &auth.caller, &new).await
}

#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(token_id: i64) -> Result<TokenView, AppError> {
    let auth = guard::authorize(Permission::ManageFlagTokens).await?;
    if only_flag_tokens(&auth) {
        let tokens = store::list_tokens(&auth.pool).await?;
        if !tokens.iter().any(|t| t.id == token_id && t.is_flag_token()) {
            return Err(AppError::Forbidden);
        }
    }
    store::revoke_token(&auth.pool, &auth.caller, token_id).await
}
