//! What flag SDKs report (hourly yes/no counts, client registrations), the console's sum of it,
//! and its retention.

use super::super::model::Evaluations;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};

/// Key of the advisory lock the retention job runs under ("PWFLRET" in ASCII).
const RETENTION_LOCK: i64 = 0x0050_5746_4c52_4554;

/// The most an hour's stored count grows to: far below `bigint`, so no sum of a few hours overflows.
const MAX_STORED_COUNT: i64 = 1_000_000_000_000_000;

/// Adds SDK-reported counts (each at most `MAX_COUNT_PER_BUCKET`) to the hour they fall in.
pub async fn record_metrics(
    pool: &PgPool,
    env: &str,
    hour: DateTime<Utc>,
    counts: &BTreeMap<String, Evaluations>,
) -> Result<(), AppError> {
    let keys: Vec<String> = counts.keys().cloned().collect();
    let yes: Vec<i64> = counts.values().map(|e| e.yes).collect();
    let no: Vec<i64> = counts.values().map(|e| e.no).collect();
    sqlx::query!(
        "INSERT INTO flag_metrics (environment, flag_key, hour, yes, no)
         SELECT $1, key, date_trunc('hour', $2::timestamptz), y, n FROM unnest($3::text[], $4::bigint[], $5::bigint[]) AS m(key, y, n)
         ON CONFLICT (environment, flag_key, hour)
         DO UPDATE SET yes = LEAST(flag_metrics.yes::numeric + EXCLUDED.yes, $6::bigint)::bigint,
                       no = LEAST(flag_metrics.no::numeric + EXCLUDED.no, $6::bigint)::bigint",
        env,
        hour as _,
        &keys,
        &yes,
        &no,
        MAX_STORED_COUNT
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn register_client(
    pool: &PgPool,
    env: &str,
    app_name: &str,
    instance_id: &str,
    sdk_version: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO flag_clients (environment, app_name, instance_id, sdk_version) VALUES ($1, $2, $3, $4)
         ON CONFLICT (environment, app_name, instance_id) DO UPDATE SET sdk_version = EXCLUDED.sdk_version, last_seen = now()",
        env,
        app_name,
        instance_id,
        sdk_version
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// How many SDK reports and client registrations the retention job removed.
#[derive(Debug, Default)]
pub struct Pruned {
    pub metrics: u64,
    pub clients: u64,
}

/// Drops hourly metrics and client registrations older than `keep_days`. One process does it per
/// run (an advisory lock); the others skip.
pub async fn prune_sdk_reports(pool: &PgPool, keep_days: i32) -> Result<Pruned, AppError> {
    let mut tx = pool.begin().await?;
    let locked = sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock($1) AS "locked!""#, RETENTION_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        return Ok(Pruned::default());
    }
    let metrics = sqlx::query!("DELETE FROM flag_metrics WHERE hour < now() - make_interval(days => $1)", keep_days)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let clients =
        sqlx::query!("DELETE FROM flag_clients WHERE last_seen < now() - make_interval(days => $1)", keep_days)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    tx.commit().await?;
    Ok(Pruned { metrics, clients })
}

/// Evaluations per flag and environment reported in the current hour (SDKs report by the hour).
pub async fn evaluations_last_hour(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<HashMap<String, BTreeMap<String, Evaluations>>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT flag_key, environment, LEAST(sum(yes), 9223372036854775807)::bigint AS "yes!",
                  LEAST(sum(no), 9223372036854775807)::bigint AS "no!"
           FROM flag_metrics WHERE hour > $1::timestamptz - interval '1 hour'
           GROUP BY flag_key, environment"#,
        now as _
    )
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, BTreeMap<String, Evaluations>> = HashMap::new();
    for r in rows {
        out.entry(r.flag_key).or_default().insert(r.environment, Evaluations { yes: r.yes, no: r.no });
    }
    Ok(out)
}
