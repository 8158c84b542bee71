//! All SQL of the cache metrics: ingestion (all or nothing), the windows the rules judge, rule
//! changes (audited), the rules' evaluation with its events and alerts, hourly snapshots and
//! retention.

use super::alerts as outbox;
use crate::error::AppError;
use crate::monitors::alerts::Message;
use crate::monitors::model::{AlertKind, CacheEvent, CacheRule, CacheRules, CacheSample, CacheView, CacheWindow};
use crate::server::audit_trail::{self, Caller, Change};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

/// Stores a batch of samples in one transaction; each cache is known from its first report.
pub async fn ingest(pool: &PgPool, samples: &[CacheSample]) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let caches: Vec<String> = samples.iter().map(|s| s.cache.clone()).collect();
    let at: Vec<DateTime<Utc>> = samples.iter().map(|s| s.at).collect();
    let hits: Vec<i64> = samples.iter().map(|s| s.hits).collect();
    let misses: Vec<i64> = samples.iter().map(|s| s.misses).collect();
    let avg: Vec<Option<f64>> = samples.iter().map(|s| s.latency_avg_ms).collect();
    let p95: Vec<Option<f64>> = samples.iter().map(|s| s.latency_p95_ms).collect();
    sqlx::query!(
        "INSERT INTO caches (name, last_report_at)
         SELECT name, max(at) FROM unnest($1::text[], $2::timestamptz[]) AS r(name, at) GROUP BY name
         ON CONFLICT (name) DO UPDATE SET last_report_at = GREATEST(caches.last_report_at, EXCLUDED.last_report_at)",
        &caches,
        &at as _
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO cache_samples (cache, at, hits, misses, latency_avg_ms, latency_p95_ms)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::float8[], $6::float8[])",
        &caches,
        &at as _,
        &hits,
        &misses,
        &avg as &[Option<f64>],
        &p95 as &[Option<f64>]
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(samples.len())
}

struct CacheRow {
    name: String,
    min_hit_rate: f64,
    max_latency_ms: f64,
    window_s: i32,
    min_requests: i64,
    hit_rate_firing: bool,
    latency_firing: bool,
    last_report_at: Option<DateTime<Utc>>,
    requests: i64,
    hit_rate: Option<f64>,
    latency_avg_ms: Option<f64>,
}

impl CacheRow {
    fn rules(&self) -> CacheRules {
        CacheRules {
            min_hit_rate: self.min_hit_rate,
            max_latency_ms: self.max_latency_ms,
            window_s: self.window_s as u32,
            min_requests: self.min_requests,
        }
    }

    fn view(&self) -> CacheView {
        CacheView {
            name: self.name.clone(),
            rules: self.rules(),
            window: CacheWindow {
                requests: self.requests,
                hit_rate: self.hit_rate,
                latency_avg_ms: self.latency_avg_ms,
            },
            hit_rate_firing: self.hit_rate_firing,
            latency_firing: self.latency_firing,
            last_report_at: self.last_report_at,
        }
    }
}

/// Every cache with its rules and its current window (hit rate of all requests in it; latency
/// weighted by each report's requests).
async fn rows(conn: &mut sqlx::PgConnection) -> Result<Vec<CacheRow>, AppError> {
    Ok(sqlx::query_as!(
        CacheRow,
        r#"SELECT c.name, c.min_hit_rate, c.max_latency_ms, c.window_s, c.min_requests, c.hit_rate_firing, c.latency_firing,
                  c.last_report_at AS "last_report_at: DateTime<Utc>",
                  COALESCE(w.requests, 0)::bigint AS "requests!",
                  (100.0 * w.hits / NULLIF(w.requests, 0))::float8 AS hit_rate,
                  w.latency AS latency_avg_ms
           FROM caches c
           LEFT JOIN LATERAL (
               SELECT sum(hits + misses) AS requests, sum(hits) AS hits,
                      (sum(latency_avg_ms * (hits + misses)) / NULLIF(sum(hits + misses) FILTER (WHERE latency_avg_ms IS NOT NULL), 0))::float8 AS latency
               FROM cache_samples s WHERE s.cache = c.name AND s.at > now() - make_interval(secs => c.window_s)
           ) w ON TRUE
           ORDER BY c.name"#
    )
    .fetch_all(conn)
    .await?)
}

pub async fn list(pool: &PgPool) -> Result<Vec<CacheView>, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(rows(&mut conn).await?.iter().map(CacheRow::view).collect())
}

pub async fn save_rules(pool: &PgPool, caller: &Caller, name: &str, rules: &CacheRules) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!(
        "SELECT min_hit_rate, max_latency_ms, window_s, min_requests FROM caches WHERE name = $1 FOR UPDATE",
        name
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found(format!("Cache {name:?}")))?;
    sqlx::query!(
        "UPDATE caches SET min_hit_rate = $2, max_latency_ms = $3, window_s = $4, min_requests = $5 WHERE name = $1",
        name,
        rules.min_hit_rate,
        rules.max_latency_ms,
        rules.window_s as i32,
        rules.min_requests
    )
    .execute(&mut *tx)
    .await?;
    let before = json!({"min_hit_rate": before.min_hit_rate, "max_latency_ms": before.max_latency_ms, "window_s": before.window_s, "min_requests": before.min_requests});
    audit_trail::record(&mut tx, caller, Change::updated("cache.rules", "cache", name, before, json!(rules))).await?;
    tx.commit().await?;
    Ok(())
}

fn message(cache: &str, rule: CacheRule, firing: bool, window: &CacheWindow, rules: &CacheRules) -> (String, Message) {
    let minutes = rules.window_s / 60;
    let detail = match rule {
        CacheRule::HitRate => format!(
            "hit rate {:.1} % (threshold {:.0} %) over {minutes} min, {} requests",
            window.hit_rate.unwrap_or_default(),
            rules.min_hit_rate,
            window.requests
        ),
        CacheRule::Latency => format!(
            "average latency {:.1} ms (threshold {:.0} ms) over {minutes} min",
            window.latency_avg_ms.unwrap_or_default(),
            rules.max_latency_ms
        ),
    };
    let (kind, subject) = if firing {
        (AlertKind::Alert, format!("[Pitwall] CACHE {cache}: {}", rule.label().to_lowercase()))
    } else {
        (AlertKind::Recovery, format!("[Pitwall] RECOVERED: cache {cache} {}", rule.label().to_lowercase()))
    };
    let body = format!("{cache}: {detail}");
    let payload = json!({
        "event": format!("cache.{}.{}", rule.as_str(), if firing { "firing" } else { "recovered" }),
        "kind": kind.as_str(), "cache": cache, "rule": rule.as_str(), "firing": firing,
        "hit_rate": window.hit_rate, "latency_avg_ms": window.latency_avg_ms, "requests": window.requests,
        "cause": detail, "at": Utc::now().to_rfc3339(), "link": "/caches",
    });
    (detail, Message { kind, subject, body, payload })
}

/// Judges every cache's window by its rules, once across processes: each rule that starts or
/// stops firing is an event and an alert (to the channels that take degraded alerts; muted
/// during maintenance). Also keeps the hourly snapshots current. Returns the events written.
pub async fn evaluate(pool: &PgPool) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let locked =
        sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock(hashtext('pitwall.cache_rules')) AS "locked!""#)
            .fetch_one(&mut *tx)
            .await?;
    if !locked {
        return Ok(0);
    }
    sqlx::query!(
        "INSERT INTO cache_hourly (cache, hour, hits, misses, latency_avg_ms, latency_p95_ms)
         SELECT cache, date_trunc('hour', at, 'UTC'), sum(hits), sum(misses),
                sum(latency_avg_ms * (hits + misses)) / NULLIF(sum(hits + misses) FILTER (WHERE latency_avg_ms IS NOT NULL), 0),
                max(latency_p95_ms)
         FROM cache_samples WHERE at >= date_trunc('hour', now() - interval '5 minutes', 'UTC')
         GROUP BY cache, date_trunc('hour', at, 'UTC')
         ON CONFLICT (cache, hour) DO UPDATE SET hits = EXCLUDED.hits, misses = EXCLUDED.misses,
             latency_avg_ms = EXCLUDED.latency_avg_ms, latency_p95_ms = EXCLUDED.latency_p95_ms"
    )
    .execute(&mut *tx)
    .await?;
    let muted = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM maintenance_windows WHERE state = 'in_progress') AS "active!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut events = 0;
    for row in rows(&mut tx).await? {
        let (rules, window) = (row.rules(), row.view().window);
        for (rule, breach) in rules.breaches(&window) {
            let firing = match rule {
                CacheRule::HitRate => row.hit_rate_firing,
                CacheRule::Latency => row.latency_firing,
            };
            let Some(breach) = breach.filter(|b| *b != firing) else { continue };
            let (detail, message) = message(&row.name, rule, breach, &window, &rules);
            sqlx::query!(
                "UPDATE caches SET hit_rate_firing = CASE WHEN $2 = 'hit_rate' THEN $3 ELSE hit_rate_firing END,
                                   latency_firing = CASE WHEN $2 = 'latency' THEN $3 ELSE latency_firing END
                 WHERE name = $1",
                row.name,
                rule.as_str(),
                breach
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "INSERT INTO cache_events (cache, rule, firing, detail) VALUES ($1, $2, $3, $4)",
                row.name,
                rule.as_str(),
                breach,
                detail
            )
            .execute(&mut *tx)
            .await?;
            if !muted {
                outbox::enqueue_change(&mut tx, None, &message, true).await?;
            }
            events += 1;
        }
    }
    tx.commit().await?;
    Ok(events)
}

/// The latest rule events of every cache, newest first.
pub async fn events(pool: &PgPool, limit: i64) -> Result<Vec<CacheEvent>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT cache, at AS "at: DateTime<Utc>", rule, firing, detail FROM cache_events ORDER BY at DESC, id DESC LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CacheEvent {
            cache: r.cache,
            at: r.at,
            rule: CacheRule::from_stored(&r.rule),
            firing: r.firing,
            detail: r.detail,
        })
        .collect())
}

/// One point of a cache chart.
pub struct CachePoint {
    pub at: DateTime<Utc>,
    pub hit_rate: Option<f64>,
    pub latency_avg_ms: Option<f64>,
}

/// A cache's hit rate and latency from `from` on: per 5 minutes from the samples within the
/// last 48 hours, per hour from the snapshots beyond.
pub async fn series(
    pool: &PgPool,
    cache: &str,
    from: DateTime<Utc>,
    hourly: bool,
) -> Result<Vec<CachePoint>, AppError> {
    let rows = if hourly {
        sqlx::query!(
            r#"SELECT hour AS "at!: DateTime<Utc>", (100.0 * hits / NULLIF(hits + misses, 0))::float8 AS hit_rate, latency_avg_ms
               FROM cache_hourly WHERE cache = $1 AND hour >= $2 ORDER BY hour"#,
            cache,
            from as _
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| CachePoint { at: r.at, hit_rate: r.hit_rate, latency_avg_ms: r.latency_avg_ms })
        .collect()
    } else {
        sqlx::query!(
            r#"SELECT date_bin('5 minutes', at, TIMESTAMPTZ '2000-01-01') AS "at!: DateTime<Utc>",
                      (100.0 * sum(hits) / NULLIF(sum(hits + misses), 0))::float8 AS hit_rate,
                      (sum(latency_avg_ms * (hits + misses)) / NULLIF(sum(hits + misses) FILTER (WHERE latency_avg_ms IS NOT NULL), 0))::float8 AS latency_avg_ms
               FROM cache_samples WHERE cache = $1 AND at >= $2 GROUP BY 1 ORDER BY 1"#,
            cache,
            from as _
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| CachePoint { at: r.at, hit_rate: r.hit_rate, latency_avg_ms: r.latency_avg_ms })
        .collect()
    };
    Ok(rows)
}

/// Deletes samples older than 48 hours and snapshots older than 400 days, in batches.
pub async fn delete_expired(pool: &PgPool) -> Result<u64, AppError> {
    let mut deleted = 0;
    loop {
        let batch = sqlx::query!(
            "DELETE FROM cache_samples WHERE id IN (SELECT id FROM cache_samples WHERE at < now() - interval '48 hours' LIMIT 5000)"
        )
        .execute(pool)
        .await?
        .rows_affected();
        deleted += batch;
        if batch < 5000 {
            break;
        }
    }
    deleted += sqlx::query!("DELETE FROM cache_hourly WHERE hour < now() - interval '400 days'")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(deleted)
}
