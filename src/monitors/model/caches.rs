//! Cache metrics as apps report them (`POST /api/v1/metrics/cache`), the rules that watch them
//! (hit rate under 80 %, average latency over 100 ms, over 15 minutes, with a minimum of
//! requests so a quiet night alerts nobody), and what the console shows.

use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

const MAX_BATCH: usize = 1000;
const MAX_COUNT: i64 = 1_000_000_000_000;
const MAX_LATENCY_MS: f64 = 3_600_000.0;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyReport {
    pub avg: Option<f64>,
    pub p95: Option<f64>,
}

/// One report as an app sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheReport {
    pub cache: String,
    #[serde(default)]
    pub at: Option<String>,
    pub hits: i64,
    pub misses: i64,
    #[serde(default)]
    pub latency_ms: Option<LatencyReport>,
}

/// A report or a batch of them.
#[derive(Debug, Clone, PartialEq)]
pub enum CacheReports {
    One(CacheReport),
    Many(Vec<CacheReport>),
}

/// A checked sample, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheSample {
    pub cache: String,
    pub at: DateTime<Utc>,
    pub hits: i64,
    pub misses: i64,
    pub latency_avg_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
}

/// A cache's name: 1 to 80 of letters, digits, `.`, `-`, `_`.
pub fn parse_cache_name(field: &str, raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty()
        || name.len() > 80
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(AppError::validation(
            field,
            format!("{raw:?} is not a cache name: 1 to 80 letters, digits, '.', '-' or '_'."),
        ));
    }
    Ok(name.to_owned())
}

impl CacheReports {
    /// A JSON body: an array is a batch. Serde's own message names what is wrong.
    pub fn from_json(body: serde_json::Value) -> Result<Self, AppError> {
        let parsed = match body {
            serde_json::Value::Array(_) => serde_json::from_value(body).map(CacheReports::Many),
            _ => serde_json::from_value(body).map(CacheReports::One),
        };
        parsed.map_err(|e| AppError::validation("body", e.to_string()))
    }

    /// Every report checked, or the first refusal naming its place (`[3].hits`); all or nothing.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<Vec<CacheSample>, AppError> {
        let (reports, batch) = match self {
            CacheReports::One(report) => (std::slice::from_ref(report), false),
            CacheReports::Many(reports) => (reports.as_slice(), true),
        };
        if reports.is_empty() || reports.len() > MAX_BATCH {
            return Err(AppError::validation("body", format!("Send 1 to {MAX_BATCH} reports.")));
        }
        reports
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let field = |name: &str| if batch { format!("[{i}].{name}") } else { name.to_owned() };
                let cache = parse_cache_name(&field("cache"), &r.cache)?;
                let at = match r.at.as_deref() {
                    None | Some("") => now,
                    Some(raw) => DateTime::parse_from_rfc3339(raw)
                        .map_err(|_| AppError::validation(&field("at"), format!("{raw:?} is not an RFC 3339 time.")))?
                        .with_timezone(&Utc),
                };
                if at < now - Duration::hours(2) || at > now + Duration::minutes(5) {
                    return Err(AppError::validation(
                        &field("at"),
                        "Report times from 2 hours ago to 5 minutes ahead.",
                    ));
                }
                for (name, count) in [("hits", r.hits), ("misses", r.misses)] {
                    if !(0..=MAX_COUNT).contains(&count) {
                        return Err(AppError::validation(&field(name), format!("{name} is a count from 0 to 10¹².")));
                    }
                }
                let latency = r.latency_ms.clone().unwrap_or_default();
                for (name, value) in [("latency_ms.avg", latency.avg), ("latency_ms.p95", latency.p95)] {
                    if value.is_some_and(|v| !v.is_finite() || !(0.0..=MAX_LATENCY_MS).contains(&v)) {
                        return Err(AppError::validation(
                            &field(name),
                            "A latency is milliseconds from 0 to one hour.",
                        ));
                    }
                }
                Ok(CacheSample {
                    cache,
                    at,
                    hits: r.hits,
                    misses: r.misses,
                    latency_avg_ms: latency.avg,
                    latency_p95_ms: latency.p95,
                })
            })
            .collect()
    }
}

/// A cache's rules as typed (owner, on `/caches`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheRulesDraft {
    pub min_hit_rate: String,
    pub max_latency_ms: String,
    pub window: String,
    pub min_requests: String,
}

/// The rules, checked. Defaults from the deploy guide.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CacheRules {
    /// Percent.
    pub min_hit_rate: f64,
    pub max_latency_ms: f64,
    pub window_s: u32,
    /// Below this many requests in the window the rules are not judged.
    pub min_requests: i64,
}

impl Default for CacheRules {
    fn default() -> Self {
        Self { min_hit_rate: 80.0, max_latency_ms: 100.0, window_s: 900, min_requests: 100 }
    }
}

impl CacheRules {
    pub fn parse(draft: &CacheRulesDraft) -> Result<Self, AppError> {
        let defaults = Self::default();
        let number =
            |field: &str, raw: &str, default: f64, max: f64| -> Result<f64, AppError> {
                match raw.trim().trim_end_matches(['%', ' ']).trim_end_matches("ms").trim() {
                    "" => Ok(default),
                    value => value.parse::<f64>().ok().filter(|v| v.is_finite() && (0.0..=max).contains(v)).ok_or_else(
                        || AppError::validation(field, format!("{raw:?} is not a number from 0 to {max}.")),
                    ),
                }
            };
        let window_s = match draft.window.trim() {
            "" => defaults.window_s,
            raw => {
                let parsed = crate::duration::parse_duration(raw)
                    .map_err(|m| AppError::validation("window", format!("{m}.")))?;
                u32::try_from(parsed.as_secs())
                    .ok()
                    .filter(|s| (60..=86_400).contains(s))
                    .ok_or_else(|| AppError::validation("window", "The window is 1 minute to 24 hours."))?
            }
        };
        Ok(Self {
            min_hit_rate: number("min_hit_rate", &draft.min_hit_rate, defaults.min_hit_rate, 100.0)?,
            max_latency_ms: number("max_latency_ms", &draft.max_latency_ms, defaults.max_latency_ms, MAX_LATENCY_MS)?,
            window_s,
            min_requests: number("min_requests", &draft.min_requests, defaults.min_requests as f64, 1e12)? as i64,
        })
    }
}

crate::text_enum!(
    /// Which rule an event is about.
    CacheRule("rule") {
        HitRate = "hit_rate" / "Hit rate",
        Latency = "latency" / "Latency",
    }
);

/// What a cache's window says, judged by its rules: `None` where too few requests came.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CacheWindow {
    pub requests: i64,
    pub hit_rate: Option<f64>,
    pub latency_avg_ms: Option<f64>,
}

impl CacheRules {
    /// Whether each rule is breached over `window` (`None`: not judged, too few requests or no
    /// latency reported).
    pub fn breaches(&self, window: &CacheWindow) -> [(CacheRule, Option<bool>); 2] {
        let enough = window.requests >= self.min_requests;
        [
            (CacheRule::HitRate, window.hit_rate.filter(|_| enough).map(|rate| rate < self.min_hit_rate)),
            (CacheRule::Latency, window.latency_avg_ms.filter(|_| enough).map(|ms| ms > self.max_latency_ms)),
        ]
    }
}

/// A cache on `/caches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheView {
    pub name: String,
    pub rules: CacheRules,
    pub window: CacheWindow,
    pub hit_rate_firing: bool,
    pub latency_firing: bool,
    pub last_report_at: Option<DateTime<Utc>>,
}

/// A rule firing or recovering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEvent {
    pub cache: String,
    pub at: DateTime<Utc>,
    pub rule: CacheRule,
    pub firing: bool,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(body: serde_json::Value) -> Result<Vec<CacheSample>, AppError> {
        CacheReports::from_json(body)?.parse(Utc::now())
    }

    #[test]
    fn one_report_or_a_batch() {
        let one = report(
            serde_json::json!({"cache": "redis-eu", "hits": 90, "misses": 10, "latency_ms": {"avg": 2.5, "p95": 9.0}}),
        )
        .unwrap();
        assert_eq!((one[0].hits, one[0].latency_p95_ms), (90, Some(9.0)));
        let many =
            report(serde_json::json!([{"cache": "a", "hits": 1, "misses": 0}, {"cache": "b", "hits": 0, "misses": 1}]))
                .unwrap();
        assert_eq!(many.len(), 2);
    }

    #[test]
    fn refusals_name_the_field_and_place() {
        let field = |body| match report(body).unwrap_err() {
            AppError::Validation { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(serde_json::json!({"cache": "redis eu", "hits": 1, "misses": 0})), "cache");
        assert_eq!(
            field(serde_json::json!([{"cache": "a", "hits": 1, "misses": 0}, {"cache": "b", "hits": -1, "misses": 0}])),
            "[1].hits"
        );
        assert_eq!(
            field(serde_json::json!({"cache": "a", "hits": 1, "misses": 0, "at": "2999-01-01T00:00:00Z"})),
            "at"
        );
        assert_eq!(
            field(serde_json::json!({"cache": "a", "hits": 1, "misses": 0, "latency_ms": {"avg": -3.0}})),
            "latency_ms.avg"
        );
        assert_eq!(field(serde_json::json!([])), "body");
        let missing = report(serde_json::json!({"cache": "a", "hits": 1})).unwrap_err();
        assert_eq!(missing.field_message("body").as_deref(), Some("missing field `misses`"));
    }

    #[test]
    fn rules_need_enough_requests() {
        let rules = CacheRules::default();
        let quiet = CacheWindow { requests: 3, hit_rate: Some(0.0), latency_avg_ms: Some(500.0) };
        assert_eq!(rules.breaches(&quiet), [(CacheRule::HitRate, None), (CacheRule::Latency, None)]);
        let busy = CacheWindow { requests: 1000, hit_rate: Some(75.0), latency_avg_ms: Some(40.0) };
        assert_eq!(rules.breaches(&busy), [(CacheRule::HitRate, Some(true)), (CacheRule::Latency, Some(false))]);
        let parsed = CacheRules::parse(&CacheRulesDraft {
            min_hit_rate: "90 %".into(),
            window: "5m".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((parsed.min_hit_rate, parsed.window_s, parsed.max_latency_ms), (90.0, 300, 100.0));
        assert!(CacheRules::parse(&CacheRulesDraft { min_hit_rate: "120".into(), ..Default::default() }).is_err());
    }
}
