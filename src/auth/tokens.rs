//! Machine tokens: minting, hashing, and the one extractor that checks token and scope for
//! every API handler.

use super::model::{CreatedToken, NewToken, Scope};
use super::store;
use crate::error::AppError;
use crate::server::audit_trail::{Actor, Caller};
use crate::server::client_ip::ClientIp;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::marker::PhantomData;

const SECRET_PREFIX: &str = "pw_";
/// How much of the secret the token list shows: the `pw_` marker and six hex digits.
const SHOWN_PREFIX_LEN: usize = 9;

pub fn hash_token(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits from the OS, as 64 hex digits: token secrets and the maintenance bypass key.
pub fn random_hex() -> String {
    let mut random = [0u8; 32];
    OsRng.fill_bytes(&mut random);
    hex(&random)
}

/// Mints a token: 256 random bits, stored only as a hash; the secret is returned this once.
pub async fn issue(pool: &PgPool, caller: &Caller, new: &NewToken) -> Result<CreatedToken, AppError> {
    let secret = format!("{SECRET_PREFIX}{}", random_hex());
    let token = store::create_token(pool, caller, new, &hash_token(&secret), &secret[..SHOWN_PREFIX_LEN]).await?;
    Ok(CreatedToken { secret, token })
}

/// The scope an API handler needs, as a type so the extractor can name it.
pub trait RequiredScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

pub struct AuditRead;
impl RequiredScope for AuditRead {
    const SCOPE: Scope = Scope::AuditRead;
}

pub struct IncidentsRead;
impl RequiredScope for IncidentsRead {
    const SCOPE: Scope = Scope::IncidentsRead;
}

pub struct IncidentsWrite;
impl RequiredScope for IncidentsWrite {
    const SCOPE: Scope = Scope::IncidentsWrite;
}

pub struct MaintenanceWrite;
impl RequiredScope for MaintenanceWrite {
    const SCOPE: Scope = Scope::MaintenanceWrite;
}

pub struct MetricsWrite;
impl RequiredScope for MetricsWrite {
    const SCOPE: Scope = Scope::MetricsWrite;
}

pub struct MonitorsRead;
impl RequiredScope for MonitorsRead {
    const SCOPE: Scope = Scope::MonitorsRead;
}

pub struct MonitorsWrite;
impl RequiredScope for MonitorsWrite {
    const SCOPE: Scope = Scope::MonitorsWrite;
}

pub struct MonitorsPush;
impl RequiredScope for MonitorsPush {
    const SCOPE: Scope = Scope::MonitorsPush;
}

/// The secret in `Authorization`, as `Bearer …` or bare (as Unleash SDKs send it).
pub fn presented_secret(headers: &http::HeaderMap) -> Option<&str> {
    let header = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.trim();
    let secret = header.strip_prefix("Bearer ").map(str::trim).unwrap_or(header);
    Some(secret).filter(|s| !s.is_empty())
}

/// Extractor for machine APIs: a live token (as `Authorization: Bearer …`, or bare, as some flag
/// SDKs send it) holding scope `R`.
pub struct TokenAuth<R: RequiredScope> {
    pub token_id: i64,
    pub environment: Option<String>,
    pub caller: Caller,
    scope: PhantomData<R>,
}

impl<S, R> FromRequestParts<S> for TokenAuth<R>
where
    R: RequiredScope,
    PgPool: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let secret = presented_secret(&parts.headers).ok_or(AppError::Unauthorized)?;
        let token =
            store::use_token(&PgPool::from_ref(state), &hash_token(secret)).await?.ok_or(AppError::Unauthorized)?;
        if !token.scopes.contains(&R::SCOPE) {
            return Err(AppError::Forbidden);
        }
        Ok(Self {
            token_id: token.id,
            environment: token.environment,
            caller: Caller {
                actor: Actor::Token { id: token.id, name: token.name },
                client_ip: parts.extensions.get::<ClientIp>().map(|ip| ip.to_string()),
            },
            scope: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
