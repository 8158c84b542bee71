//! What an SDK may report in `POST /api/client/metrics`: an hour's yes/no counts per flag, within
//! bounds that keep the stored totals far from overflowing.

use super::*;

/// The most evaluations one report may count for one flag (an SDK reports every 15–60 s; this is
/// over ten million a second).
pub const MAX_COUNT_PER_BUCKET: i64 = 1_000_000_000;
/// The most flags one report may count.
pub const MAX_TOGGLES_PER_REPORT: usize = 10_000;
/// How old a bucket may start: SDKs that were offline flush what they buffered.
pub const OLDEST_BUCKET: TimeDelta = TimeDelta::hours(2);
/// How far ahead a bucket may start: clock skew between an SDK's host and Pitwall.
pub const NEWEST_BUCKET: TimeDelta = TimeDelta::minutes(5);

/// The body as Unleash SDKs send it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsDocument {
    pub app_name: String,
    pub bucket: MetricsBucket,
}

#[derive(Debug, Deserialize)]
pub struct MetricsBucket {
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub toggles: BTreeMap<String, ToggleCount>,
}

#[derive(Debug, Deserialize)]
pub struct ToggleCount {
    #[serde(default)]
    pub yes: i64,
    #[serde(default)]
    pub no: i64,
}

/// A report that passed the bounds: its bucket start and counts per flag key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsReport {
    pub app_name: String,
    pub start: DateTime<Utc>,
    pub counts: BTreeMap<String, Evaluations>,
}

impl MetricsReport {
    pub fn parse(doc: MetricsDocument, now: DateTime<Utc>) -> Result<Self, AppError> {
        let app_name = doc.app_name.trim();
        if app_name.is_empty() || app_name.len() > 200 {
            return Err(AppError::bad_request("appName", "Give appName (1–200 characters)."));
        }
        let start = doc.bucket.start;
        if start < now - OLDEST_BUCKET || start > now + NEWEST_BUCKET {
            return Err(AppError::bad_request(
                "bucket.start",
                format!("The bucket must start between 2 hours ago and 5 minutes from now; it starts at {start}."),
            ));
        }
        if doc.bucket.toggles.len() > MAX_TOGGLES_PER_REPORT {
            return Err(AppError::bad_request(
                "bucket.toggles",
                format!("Report at most {MAX_TOGGLES_PER_REPORT} flags at a time."),
            ));
        }
        let in_bounds = |n: i64| (0..=MAX_COUNT_PER_BUCKET).contains(&n);
        let mut counts = BTreeMap::new();
        for (key, count) in doc.bucket.toggles {
            if !in_bounds(count.yes) || !in_bounds(count.no) {
                return Err(AppError::bad_request(
                    "bucket.toggles",
                    format!("Counts of {key:?} must be whole numbers from 0 to {MAX_COUNT_PER_BUCKET}."),
                ));
            }
            counts.insert(key, Evaluations { yes: count.yes, no: count.no });
        }
        Ok(Self { app_name: app_name.to_owned(), start, counts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(start: DateTime<Utc>, yes: i64, no: i64) -> MetricsDocument {
        let toggles = BTreeMap::from([("checkout".to_owned(), ToggleCount { yes, no })]);
        MetricsDocument { app_name: "web".into(), bucket: MetricsBucket { start, toggles } }
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadRequest { field, .. } => field,
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn a_recent_bucket_with_bounded_counts_is_kept() {
        let now = Utc::now();
        for start in [now, now - OLDEST_BUCKET, now + NEWEST_BUCKET] {
            let parsed = MetricsReport::parse(report(start, MAX_COUNT_PER_BUCKET, 0), now).unwrap();
            assert_eq!(parsed.counts["checkout"], Evaluations { yes: MAX_COUNT_PER_BUCKET, no: 0 });
        }
    }

    #[test]
    fn buckets_far_from_now_are_refused() {
        let now = Utc::now();
        for start in [now - OLDEST_BUCKET - TimeDelta::seconds(1), now + NEWEST_BUCKET + TimeDelta::seconds(1)] {
            assert_eq!(field_of(MetricsReport::parse(report(start, 1, 1), now).unwrap_err()), "bucket.start");
        }
    }

    #[test]
    fn counts_out_of_bounds_are_refused() {
        let now = Utc::now();
        for (yes, no) in [(-1, 0), (0, -5), (MAX_COUNT_PER_BUCKET + 1, 0), (i64::MAX, i64::MAX)] {
            assert_eq!(field_of(MetricsReport::parse(report(now, yes, no), now).unwrap_err()), "bucket.toggles");
        }
    }
}
