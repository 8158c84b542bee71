//! The 90-day uptime bars: a component's status history cut into the page's days.

use super::ComponentStatus;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A status a component entered at `from`; it lasts until the next span or now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSpan {
    pub from: DateTime<Utc>,
    pub status: ComponentStatus,
}

/// An incident shown on a day of the bars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayIncident {
    pub id: i64,
    pub name: String,
}

/// One day of one component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayBar {
    pub date: NaiveDate,
    /// Seconds in each status, in `ComponentStatus::ALL`'s order.
    pub seconds: [i64; 5],
    pub incidents: Vec<DayIncident>,
}

impl DayBar {
    pub fn seconds_in(&self, status: ComponentStatus) -> i64 {
        ComponentStatus::ALL.iter().position(|s| *s == status).map(|i| self.seconds[i]).unwrap_or(0)
    }

    /// Nothing known of the day (before the component existed, or the future).
    pub fn is_empty(&self) -> bool {
        self.seconds.iter().all(|s| *s == 0)
    }

    /// The worst status the day saw, if any was recorded.
    pub fn worst(&self) -> Option<ComponentStatus> {
        ComponentStatus::ALL
            .iter()
            .zip(self.seconds)
            .filter(|(_, s)| *s > 0)
            .map(|(status, _)| *status)
            .max_by_key(|s| s.rank())
    }

    /// The share of the day's known time that was not downtime (see [`uptime_of`]).
    pub fn uptime(&self) -> Option<f64> {
        uptime_of(&self.seconds)
    }
}

/// The share of the known time that was not downtime, maintenance left out of both sides
/// (planned work is not an outage). `None` when nothing but maintenance, or nothing, is known.
pub fn uptime_of(seconds: &[i64; 5]) -> Option<f64> {
    let counted: i64 = ComponentStatus::ALL
        .iter()
        .zip(seconds)
        .filter(|(status, _)| **status != ComponentStatus::UnderMaintenance)
        .map(|(_, s)| s)
        .sum();
    if counted == 0 {
        return None;
    }
    let down: f64 = ComponentStatus::ALL.iter().zip(seconds).map(|(st, s)| st.downtime_weight() * *s as f64).sum();
    Some(1.0 - down / counted as f64)
}

/// Seconds `history` (sorted by time; the last span lasts until `now`) spent in each status
/// between `start` and `end`, in `ComponentStatus::ALL`'s order.
pub fn seconds_between(
    history: &[StatusSpan],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> [i64; 5] {
    let mut seconds = [0i64; 5];
    for (i, span) in history.iter().enumerate() {
        let span_end = history.get(i + 1).map(|next| next.from).unwrap_or(now);
        let (from, to) = (span.from.max(start), span_end.min(end));
        if to > from {
            let slot = ComponentStatus::ALL.iter().position(|s| *s == span.status).unwrap_or(0);
            seconds[slot] += (to - from).num_seconds();
        }
    }
    seconds
}

/// The start of `date` in `tz`, in UTC (the earliest such instant when a clock change skips midnight).
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight).earliest() {
        Some(at) => at.with_timezone(&Utc),
        None => tz
            .from_local_datetime(&(midnight + Duration::hours(1)))
            .earliest()
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight)),
    }
}

/// The last `days` days in `tz` up to today, oldest first, each with the seconds `history`
/// (sorted by time) spent in every status; time before the first span is unknown.
pub fn day_bars(history: &[StatusSpan], days: u32, tz: Tz, now: DateTime<Utc>) -> Vec<DayBar> {
    let today = now.with_timezone(&tz).date_naive();
    (0..days)
        .rev()
        .map(|back| {
            let date = today - Duration::days(i64::from(back));
            let (start, end) = (day_start(date, tz), day_start(date + Duration::days(1), tz).min(now));
            let seconds = seconds_between(history, start, end, now);
            DayBar { date, seconds, incidents: Vec::new() }
        })
        .collect()
}
