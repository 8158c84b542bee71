//! Argon2id hashing, off the async runtime: a hash takes tens of milliseconds of CPU.

use super::model::NewPassword;
use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub async fn hash(password: &NewPassword) -> Result<String, AppError> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing failed");
        AppError::Internal
    })
}

/// Checks `password` against `stored`; with no stored hash (unknown account) it still spends the
/// same work, so response times do not reveal which emails have accounts.
pub async fn verify(stored: Option<String>, password: &str) -> Result<bool, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| UNKNOWN_ACCOUNT_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash does not parse");
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password verification task failed");
        AppError::Internal
    })
}

/// A valid Argon2id hash (of a random string nobody knows) with the default parameters.
const UNKNOWN_ACCOUNT_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$JwS7sLAC0OHYF8bxeYa5eSyUoSrbsJrVr48XaJr8r0Y";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let password = NewPassword::parse("p", "correct horse battery").unwrap();
        let stored = hash(&password).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(stored.clone()), "correct horse battery").await.unwrap());
        assert!(!verify(Some(stored), "correct horse batterY").await.unwrap());
    }

    #[test]
    fn unknown_account_hash_parses() {
        assert!(PasswordHash::new(UNKNOWN_ACCOUNT_HASH).is_ok());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        assert!(!verify(None, "anything at all").await.unwrap());
    }
}
