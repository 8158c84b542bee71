//! All SQL of the rollups: minutes and hours from the raw results, days from the hours (for
//! the checks and for each health-document service), one process at a time; what charts and
//! long-range uptime read, with the annotations they draw (maintenance windows, incidents and
//! flag versions, read from their domains' tables); their retention.

use crate::error::AppError;
use crate::monitors::charts::Annotations;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

crate::text_enum!(
    /// How long one rollup bucket is.
    BucketSize("size") {
        Minute = "minute" / "Minute",
        Hour = "hour" / "Hour",
        Day = "day" / "Day",
    }
);

/// One bucket of a monitor's checks. Up, degraded and down count the checks outside
/// maintenance; `in_maintenance` the others.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub at: DateTime<Utc>,
    pub checks: i32,
    pub up: i32,
    pub degraded: i32,
    pub down: i32,
    pub in_maintenance: i32,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub max_ms: Option<i32>,
}

impl Bucket {
    /// Percent up (degraded counts half) of the checks outside maintenance.
    pub fn uptime(&self) -> Option<f64> {
        let counted = self.up + self.degraded + self.down;
        (counted > 0).then(|| 100.0 * (f64::from(self.up) + 0.5 * f64::from(self.degraded)) / f64::from(counted))
    }
}

/// One bucket of one health-document service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePoint {
    pub service: String,
    pub at: DateTime<Utc>,
    pub checks: i32,
    pub unhealthy: i32,
    pub avg_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

/// Brings every rollup up to date; returns the buckets written, or 0 when another process is at it.
pub async fn roll_up(pool: &PgPool) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let locked =
        sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock(hashtext('pitwall.monitor_rollups')) AS "locked!""#)
            .fetch_one(&mut *tx)
            .await?;
    if !locked {
        return Ok(0);
    }
    let mut written = 0;
    for size in [BucketSize::Minute, BucketSize::Hour] {
        written += sqlx::query!(
            r#"INSERT INTO monitor_rollups (monitor_id, size, bucket, checks, up, degraded, down, in_maintenance, p50_ms, p95_ms, max_ms)
               SELECT monitor_id, $1::text, date_trunc($1, at, 'UTC'), count(*),
                      count(*) FILTER (WHERE outcome = 'up' AND NOT in_maintenance),
                      count(*) FILTER (WHERE outcome = 'degraded' AND NOT in_maintenance),
                      count(*) FILTER (WHERE outcome = 'down' AND NOT in_maintenance),
                      count(*) FILTER (WHERE in_maintenance),
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY response_ms),
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY response_ms),
                      max(response_ms)
               FROM monitor_results
               WHERE at >= date_trunc($1, COALESCE((SELECT rolled_from FROM monitor_rollup_marks WHERE size = $1),
                                                   now() - interval '48 hours'), 'UTC')
               GROUP BY monitor_id, date_trunc($1, at, 'UTC')
               ON CONFLICT (monitor_id, size, bucket) DO UPDATE SET
                   checks = EXCLUDED.checks, up = EXCLUDED.up, degraded = EXCLUDED.degraded, down = EXCLUDED.down,
                   in_maintenance = EXCLUDED.in_maintenance, p50_ms = EXCLUDED.p50_ms, p95_ms = EXCLUDED.p95_ms,
                   max_ms = EXCLUDED.max_ms"#,
            size.as_str()
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for size in [BucketSize::Minute, BucketSize::Hour] {
        written += sqlx::query!(
            r#"INSERT INTO monitor_service_rollups (monitor_id, service, size, bucket, checks, unhealthy, avg_ms, max_ms)
               SELECT r.monitor_id, s.value->>'name', $1::text, date_trunc($1, r.at, 'UTC'), count(*),
                      count(*) FILTER (WHERE (s.value->>'healthy')::boolean IS NOT TRUE),
                      avg((s.value->>'response_ms')::float8), max((s.value->>'response_ms')::float8)
               FROM monitor_results r CROSS JOIN LATERAL jsonb_array_elements(r.services) s
               WHERE jsonb_typeof(r.services) = 'array' AND r.services <> '[]'::jsonb AND s.value ? 'name'
                 AND r.at >= date_trunc($1, COALESCE((SELECT rolled_from FROM monitor_rollup_marks WHERE size = $1),
                                                     now() - interval '48 hours'), 'UTC')
               GROUP BY r.monitor_id, s.value->>'name', date_trunc($1, r.at, 'UTC')
               ON CONFLICT (monitor_id, size, bucket, service) DO UPDATE SET
                   checks = EXCLUDED.checks, unhealthy = EXCLUDED.unhealthy, avg_ms = EXCLUDED.avg_ms,
                   max_ms = EXCLUDED.max_ms"#,
            size.as_str()
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    written += sqlx::query!(
        r#"INSERT INTO monitor_service_rollups (monitor_id, service, size, bucket, checks, unhealthy, avg_ms, max_ms)
           SELECT monitor_id, service, 'day', date_trunc('day', bucket, 'UTC'), sum(checks), sum(unhealthy),
                  sum(avg_ms * checks) / NULLIF(sum(checks) FILTER (WHERE avg_ms IS NOT NULL), 0), max(max_ms)
           FROM monitor_service_rollups
           WHERE size = 'hour'
             AND bucket >= date_trunc('day', COALESCE((SELECT rolled_from FROM monitor_rollup_marks WHERE size = 'day'),
                                                      now() - interval '48 hours'), 'UTC')
           GROUP BY monitor_id, service, date_trunc('day', bucket, 'UTC')
           ON CONFLICT (monitor_id, size, bucket, service) DO UPDATE SET
               checks = EXCLUDED.checks, unhealthy = EXCLUDED.unhealthy, avg_ms = EXCLUDED.avg_ms,
               max_ms = EXCLUDED.max_ms"#
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Days from hours: the medians' median and the worst p95, close enough for a 90-day bar.
    written += sqlx::query!(
        r#"INSERT INTO monitor_rollups (monitor_id, size, bucket, checks, up, degraded, down, in_maintenance, p50_ms, p95_ms, max_ms)
           SELECT monitor_id, 'day', date_trunc('day', bucket, 'UTC'), sum(checks), sum(up), sum(degraded), sum(down),
                  sum(in_maintenance), percentile_cont(0.5) WITHIN GROUP (ORDER BY p50_ms), max(p95_ms), max(max_ms)
           FROM monitor_rollups
           WHERE size = 'hour'
             AND bucket >= date_trunc('day', COALESCE((SELECT rolled_from FROM monitor_rollup_marks WHERE size = 'day'),
                                                      now() - interval '48 hours'), 'UTC')
           GROUP BY monitor_id, date_trunc('day', bucket, 'UTC')
           ON CONFLICT (monitor_id, size, bucket) DO UPDATE SET
               checks = EXCLUDED.checks, up = EXCLUDED.up, degraded = EXCLUDED.degraded, down = EXCLUDED.down,
               in_maintenance = EXCLUDED.in_maintenance, p50_ms = EXCLUDED.p50_ms, p95_ms = EXCLUDED.p95_ms,
               max_ms = EXCLUDED.max_ms"#
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // The next run starts a little before now: a result committed late still lands in its bucket.
    sqlx::query!(
        "INSERT INTO monitor_rollup_marks (size, rolled_from)
         SELECT size, now() - interval '2 minutes' FROM unnest(ARRAY['minute', 'hour', 'day']) AS size
         ON CONFLICT (size) DO UPDATE SET rolled_from = EXCLUDED.rolled_from"
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// A monitor's buckets of one size from `from` on, oldest first.
pub async fn series(pool: &PgPool, id: i64, size: BucketSize, from: DateTime<Utc>) -> Result<Vec<Bucket>, AppError> {
    Ok(sqlx::query_as!(
        Bucket,
        r#"SELECT bucket AS "at: DateTime<Utc>", checks, up, degraded, down, in_maintenance, p50_ms, p95_ms, max_ms
           FROM monitor_rollups WHERE monitor_id = $1 AND size = $2 AND bucket >= $3 ORDER BY bucket"#,
        id,
        size.as_str(),
        from as _
    )
    .fetch_all(pool)
    .await?)
}

/// The median response time of each of the last 24 hours per monitor, oldest first.
pub async fn sparklines(pool: &PgPool, ids: &[i64]) -> Result<HashMap<i64, Vec<Option<f64>>>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT m.id AS "monitor_id!", array_agg(r.p50_ms ORDER BY h.hour) AS "p50!: Vec<Option<f64>>"
           FROM unnest($1::bigint[]) AS m(id)
           CROSS JOIN generate_series(date_trunc('hour', now(), 'UTC') - interval '23 hours',
                                      date_trunc('hour', now(), 'UTC'), interval '1 hour') AS h(hour)
           LEFT JOIN monitor_rollups r ON r.monitor_id = m.id AND r.size = 'hour' AND r.bucket = h.hour
           GROUP BY m.id"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.monitor_id, r.p50)).collect())
}

/// Uptime over the last `days` days per monitor, from the day rollups.
pub async fn uptimes(pool: &PgPool, ids: &[i64], days: i32) -> Result<HashMap<i64, f64>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT monitor_id AS "monitor_id!",
                  (100.0 * (sum(up) + 0.5 * sum(degraded)) / NULLIF(sum(up) + sum(degraded) + sum(down), 0))::float8 AS uptime
           FROM monitor_rollups
           WHERE monitor_id = ANY($1) AND size = 'day' AND bucket >= date_trunc('day', now(), 'UTC') - make_interval(days => $2 - 1)
           GROUP BY monitor_id"#,
        ids,
        days
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.monitor_id, r.uptime?))).collect())
}

/// A monitor's service buckets of one size from `from` on, oldest first.
pub async fn service_series(
    pool: &PgPool,
    id: i64,
    size: BucketSize,
    from: DateTime<Utc>,
) -> Result<Vec<ServicePoint>, AppError> {
    Ok(sqlx::query_as!(
        ServicePoint,
        r#"SELECT service, bucket AS "at: DateTime<Utc>", checks, unhealthy, avg_ms, max_ms
           FROM monitor_service_rollups WHERE monitor_id = $1 AND size = $2 AND bucket >= $3 ORDER BY bucket, service"#,
        id,
        size.as_str(),
        from as _
    )
    .fetch_all(pool)
    .await?)
}

/// What the time charts draw over `from`…now: maintenance windows and incidents that overlap
/// it, flag versions written in it (at most the latest 200). Read-only uses of the maintenance,
/// incidents and flags tables.
pub async fn annotations(pool: &PgPool, from: DateTime<Utc>) -> Result<Annotations, AppError> {
    let maintenance = sqlx::query!(
        r#"SELECT actual_start AS "start!: DateTime<Utc>", COALESCE(actual_end, now()) AS "end!: DateTime<Utc>"
           FROM maintenance_windows
           WHERE actual_start IS NOT NULL AND COALESCE(actual_end, now()) >= $1
           ORDER BY actual_start"#,
        from as _
    )
    .fetch_all(pool)
    .await?;
    let incidents = sqlx::query!(
        r#"SELECT started_at AS "start!: DateTime<Utc>", COALESCE(resolved_at, now()) AS "end!: DateTime<Utc>"
           FROM incidents WHERE COALESCE(resolved_at, now()) >= $1 ORDER BY started_at"#,
        from as _
    )
    .fetch_all(pool)
    .await?;
    let flag_changes = sqlx::query_scalar!(
        r#"SELECT changed_at AS "at!: DateTime<Utc>" FROM flag_versions WHERE changed_at >= $1
           ORDER BY changed_at DESC LIMIT 200"#,
        from as _
    )
    .fetch_all(pool)
    .await?;
    Ok(Annotations {
        maintenance: maintenance.into_iter().map(|r| (r.start, r.end)).collect(),
        incidents: incidents.into_iter().map(|r| (r.start, r.end)).collect(),
        flag_changes,
    })
}

/// One batch of what has expired in a rollup table (the checks' or the services'): minutes
/// after 48 h, hours after 90 days, days after 400.
macro_rules! delete_expired_batch {
    ($table:literal) => {
        sqlx::query!(
            "DELETE FROM "
                + $table
                + " WHERE ctid IN (SELECT ctid FROM "
                + $table
                + "
                 WHERE (size = 'minute' AND bucket < now() - interval '48 hours')
                    OR (size = 'hour' AND bucket < now() - interval '90 days')
                    OR (size = 'day' AND bucket < now() - interval '400 days')
                 LIMIT 5000)"
        )
    };
}

/// Deletes expired rollups in batches.
pub async fn delete_expired(pool: &PgPool) -> Result<u64, AppError> {
    let mut deleted = 0;
    loop {
        let batch = delete_expired_batch!("monitor_rollups").execute(pool).await?.rows_affected()
            + delete_expired_batch!("monitor_service_rollups").execute(pool).await?.rows_affected();
        deleted += batch;
        if batch < 5000 {
            return Ok(deleted);
        }
    }
}
