//! What the dashboard's system card shows.

#[cfg(feature = "ssr")]
use crate::auth::guard;
#[cfg(feature = "ssr")]
use crate::auth::model::Permission;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::context;
#[cfg(feature = "ssr")]
use crate::server::health::StartedAt;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemFacts {
    pub version: String,
    pub uptime_s: u64,
    pub database_ms: u64,
    pub users: i64,
    pub active_tokens: i64,
}

#[server(endpoint = "dashboard/system")]
pub async fn system_status() -> Result<SystemFacts, AppError> {
    // Context first: the request's reactive owner is not guaranteed to be current after an await.
    let started_at = context::expect::<StartedAt>()?;
    let auth = guard::authorize(Permission::UseConsole).await?;
    let started = std::time::Instant::now();
    let counts = crate::auth::store::counts(&auth.pool).await?;
    Ok(SystemFacts {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: started_at.0.elapsed().as_secs(),
        database_ms: started.elapsed().as_millis() as u64,
        users: counts.active_users,
        active_tokens: counts.active_tokens,
    })
}
