//! Argon2id hashing, off the async runtime: a hash takes tens of milliseconds of CPU and 19 MiB.
//! At most one hash per core runs at a time, process-wide; a request that finds every slot taken
//! is told to retry (503) instead of queueing without limit.

use super::model::NewPassword;
use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// This process's hashing slots: one per core. Kept in the app state, so every process (and
/// every app a test starts) has its own.
#[derive(Clone)]
pub struct Hashing(Arc<Semaphore>);

impl Hashing {
    pub fn sized_to_cores() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Self(Arc::new(Semaphore::new(cores)))
    }

    /// A free hashing slot, or 503 with `Retry-After` when every core is already hashing.
    pub fn slot(&self) -> Result<HashingSlot, AppError> {
        self.0.clone().try_acquire_owned().map(|permit| HashingSlot { _permit: permit }).map_err(|_| {
            AppError::unavailable_for("Pitwall is busy checking other passwords; try again in a second.", 1)
        })
    }
}

/// The right to run one hash; held until the hash is done, even if the request is dropped.
pub struct HashingSlot {
    _permit: OwnedSemaphorePermit,
}

pub async fn hash(slot: HashingSlot, password: &NewPassword) -> Result<String, AppError> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
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
pub async fn verify(slot: HashingSlot, stored: Option<String>, password: &str) -> Result<bool, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
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
        let hashing = Hashing::sized_to_cores();
        let stored = hash(hashing.slot().unwrap(), &password).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(hashing.slot().unwrap(), Some(stored.clone()), "correct horse battery").await.unwrap());
        assert!(!verify(hashing.slot().unwrap(), Some(stored), "correct horse batterY").await.unwrap());
    }

    #[test]
    fn unknown_account_hash_parses() {
        assert!(PasswordHash::new(UNKNOWN_ACCOUNT_HASH).is_ok());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        assert!(!verify(Hashing::sized_to_cores().slot().unwrap(), None, "anything at all").await.unwrap());
    }

    #[test]
    fn slots_run_out_at_the_core_count_and_come_back() {
        let hashing = Hashing(Arc::new(Semaphore::new(2)));
        let held = [hashing.slot().unwrap(), hashing.slot().unwrap()];
        assert!(matches!(hashing.slot(), Err(AppError::Unavailable { .. })));
        drop(held);
        assert!(hashing.slot().is_ok());
    }
}
