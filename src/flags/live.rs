//! Every process's compiled flags (one snapshot per environment) and flag-reading tokens, rebuilt
//! on each change: evaluation never waits on the database.

use super::engine::EnvironmentSnapshot;
use super::store::{self, CHANNEL};
use crate::error::AppError;
use crate::server::jobs::Supervisor;
use crate::server::live::Watched;
use chrono::Utc;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A live API token as the flag APIs see it.
pub struct CachedToken {
    pub id: i64,
    pub name: String,
    /// What a flag token may read; `None` for tokens without a flag scope.
    pub flags: Option<FlagAccess>,
    /// Unix seconds of the last `last_used_at` write, so it is written at most once a minute.
    last_touched: AtomicI64,
}

/// A flag token's environment and who it is made for.
pub struct FlagAccess {
    pub environment: String,
    pub audience: Audience,
}

/// `flags:evaluate` tokens are for browsers and may only evaluate; `flags:read` tokens are for
/// servers and may also read the definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Frontend,
    Server,
}

impl CachedToken {
    /// True at most once a minute per token: time to record that it was used.
    pub fn due_for_touch(&self) -> bool {
        let now = Utc::now().timestamp();
        let last = self.last_touched.load(Ordering::Relaxed);
        now - last >= 60 && self.last_touched.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

#[derive(Default)]
pub struct FlagsSnapshot {
    pub environments: HashMap<String, Arc<EnvironmentSnapshot>>,
    /// Live tokens by the SHA-256 of their secret.
    pub tokens: HashMap<String, CachedToken>,
}

#[derive(Clone)]
pub struct LiveFlags(Watched<FlagsSnapshot>);

impl LiveFlags {
    pub async fn start(pool: PgPool, reread: Option<Duration>, supervisor: &Supervisor) -> Self {
        Self(
            Watched::start(
                pool,
                reread,
                supervisor,
                CHANNEL,
                "flag state",
                FlagsSnapshot::default(),
                |pool| async move { read(&pool).await },
            )
            .await,
        )
    }

    pub fn current(&self) -> Arc<FlagsSnapshot> {
        self.0.current()
    }
}

async fn read(pool: &PgPool) -> Result<FlagsSnapshot, AppError> {
    let state = store::state(pool, Utc::now()).await?;
    let environments = state
        .environments
        .iter()
        .map(|env| (env.clone(), Arc::new(EnvironmentSnapshot::build(env, &state.flags, state.segments.clone()))))
        .collect();
    let tokens = state
        .tokens
        .into_iter()
        .map(|t| {
            let token = CachedToken {
                id: t.id,
                name: t.name,
                flags: t.environment.and_then(|environment| {
                    let audience = match (t.flags_read, t.flags_evaluate) {
                        (true, _) => Audience::Server,
                        (false, true) => Audience::Frontend,
                        (false, false) => return None,
                    };
                    Some(FlagAccess { environment, audience })
                }),
                last_touched: AtomicI64::new(0),
            };
            (t.token_hash, token)
        })
        .collect();
    Ok(FlagsSnapshot { environments, tokens })
}
