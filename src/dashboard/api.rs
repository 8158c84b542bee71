//! What the dashboard's system card shows.

use crate::error::AppError;
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
    use crate::auth::guard;
    use crate::auth::model::Permission;
    let auth = guard::authorize(Permission::UseConsole).await?;
    let started = std::time::Instant::now();
    let counts = crate::auth::store::counts(&auth.state.pool).await?;
    Ok(SystemFacts {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: auth.state.started_at.elapsed().as_secs(),
        database_ms: started.elapsed().as_millis() as u64,
        users: counts.active_users,
        active_tokens: counts.active_tokens,
    })
}
