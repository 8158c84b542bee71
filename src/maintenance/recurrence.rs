//! Recurring windows: weekdays and a wall-clock time in a named timezone, for a duration.
//!
//! Occurrences follow the wall clock across DST changes, and each local date yields at most one:
//! a time skipped by spring-forward runs as many minutes after the jump as it was into the gap
//! (02:30 on a 02:00→03:00 night runs at 03:30), and a time repeated by fall-back runs once, at
//! its first instance.

use super::model::parse_required_length;
use crate::error::AppError;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// How many occurrences the console previews.
pub const PREVIEW: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrenceRule {
    weekdays: Vec<Weekday>,
    local_time: NaiveTime,
    timezone: Tz,
    duration: Duration,
    active_from: Option<NaiveDate>,
    active_until: Option<NaiveDate>,
}

const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

impl RecurrenceRule {
    pub fn parse(
        weekdays: &[String],
        local_time: &str,
        timezone: &str,
        duration: &str,
        active_from: &str,
        active_until: &str,
    ) -> Result<Self, AppError> {
        let mut days = Vec::new();
        for raw in weekdays.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
            let day = parse_weekday(raw).ok_or_else(|| {
                AppError::validation("weekdays", format!("{raw:?} is not a weekday: use mon, tue, … sun."))
            })?;
            if !days.contains(&day) {
                days.push(day);
            }
        }
        if days.is_empty() {
            return Err(AppError::validation("weekdays", "Pick at least one weekday."));
        }
        days.sort_by_key(|d| d.number_from_monday());
        let local_time = NaiveTime::parse_from_str(local_time.trim(), "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(local_time.trim(), "%H:%M:%S"))
            .map_err(|_| AppError::validation("time", format!("{:?} is not a time like 02:30.", local_time.trim())))?;
        let timezone = timezone.trim().parse::<Tz>().map_err(|_| {
            AppError::validation(
                "timezone",
                format!("{:?} is not a timezone name like Europe/Madrid or America/New_York.", timezone.trim()),
            )
        })?;
        let duration = parse_required_length("duration", duration)?;
        if duration > Duration::days(1) {
            return Err(AppError::validation("duration", "A recurring window lasts at most 1 day."));
        }
        let date = |field: &str, raw: &str| -> Result<Option<NaiveDate>, AppError> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::validation(field, format!("{raw:?} is not a date like 2026-12-31.")))
        };
        let active_from = date("active_from", active_from)?;
        let active_until = date("active_until", active_until)?;
        if let (Some(from), Some(until)) = (active_from, active_until) {
            if until < from {
                return Err(AppError::validation("active_until", "The range ends before it starts."));
            }
        }
        Ok(Self { weekdays: days, local_time, timezone, duration, active_from, active_until })
    }

    /// Rebuilds a stored rule; `None` if the row no longer parses (e.g. a timezone since renamed).
    pub fn from_stored(
        weekdays: &[i16],
        local_time: &str,
        timezone: &str,
        duration_s: i32,
        active_from: Option<NaiveDate>,
        active_until: Option<NaiveDate>,
    ) -> Option<Self> {
        let days = weekdays.iter().map(|d| d.to_string()).collect::<Vec<_>>();
        let mut rule = Self::parse(&days, local_time, timezone, &format!("{duration_s}s"), "", "").ok()?;
        rule.active_from = active_from;
        rule.active_until = active_until;
        Some(rule)
    }

    /// The start of the occurrence on local date `date`, if the rule has one that day.
    pub fn occurrence_on(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        if !self.weekdays.contains(&date.weekday())
            || self.active_from.is_some_and(|from| date < from)
            || self.active_until.is_some_and(|until| date > until)
        {
            return None;
        }
        let wall = date.and_time(self.local_time);
        match self.timezone.from_local_datetime(&wall) {
            LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
            LocalResult::None => {
                // In a spring-forward gap: read the wall time with the offset in force before the jump.
                let before = self.timezone.from_local_datetime(&(wall - Duration::hours(3))).earliest()?;
                let offset = chrono::Offset::fix(before.offset());
                Some((wall - Duration::seconds(offset.local_minus_utc() as i64)).and_utc())
            }
        }
    }

    /// Occurrence starts strictly after `after` and no later than `until`, at most `limit` of them.
    pub fn occurrences(&self, after: DateTime<Utc>, until: DateTime<Utc>, limit: usize) -> Vec<DateTime<Utc>> {
        let mut found = Vec::new();
        // A day early: the local date at `after` may be behind UTC's.
        let mut date = after.with_timezone(&self.timezone).date_naive() - Duration::days(1);
        let last = until.with_timezone(&self.timezone).date_naive() + Duration::days(1);
        while date <= last && found.len() < limit {
            if let Some(at) = self.occurrence_on(date).filter(|at| *at > after && *at <= until) {
                found.push(at);
            }
            date += Duration::days(1);
        }
        found
    }

    /// The next few starts, for the console's preview.
    pub fn preview(&self, after: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        self.occurrences(after, after + Duration::days(3 * 366), PREVIEW)
    }

    /// "Mon, Thu at 02:30 Europe/Madrid for 1 h 0 min".
    pub fn summary(&self) -> String {
        let days = self.weekdays.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
        let mut text = format!(
            "{days} at {} {} for {}",
            self.local_time.format("%H:%M"),
            self.timezone.name(),
            crate::ui::human_duration(self.duration.num_seconds() as u64)
        );
        if let Some(from) = self.active_from {
            text.push_str(&format!(", from {from}"));
        }
        if let Some(until) = self.active_until {
            text.push_str(&format!(", until {until}"));
        }
        text
    }

    pub fn duration(&self) -> Duration {
        self.duration
    }
    pub fn weekdays_iso(&self) -> Vec<i16> {
        self.weekdays.iter().map(|d| d.number_from_monday() as i16).collect()
    }
    pub fn local_time_text(&self) -> String {
        self.local_time.format("%H:%M").to_string()
    }
    pub fn timezone_name(&self) -> &'static str {
        self.timezone.name()
    }
    pub fn active_from(&self) -> Option<NaiveDate> {
        self.active_from
    }
    pub fn active_until(&self) -> Option<NaiveDate> {
        self.active_until
    }
}

fn parse_weekday(raw: &str) -> Option<Weekday> {
    if let Ok(n) = raw.parse::<usize>() {
        return (1..=7).contains(&n).then(|| WEEK[n - 1]);
    }
    raw.parse::<Weekday>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(days: &[&str], time: &str, tz: &str) -> RecurrenceRule {
        let days: Vec<String> = days.iter().map(|d| d.to_string()).collect();
        RecurrenceRule::parse(&days, time, tz, "1h", "", "").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn starts(rule: &RecurrenceRule, from: &str, to: &str) -> Vec<String> {
        rule.occurrences(at(from), at(to), 100).iter().map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string()).collect()
    }

    #[test]
    fn madrid_wall_clock_holds_across_spring_forward() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST. 02:30 that night does not exist.
        let sunday = rule(&["sun"], "02:30", "Europe/Madrid");
        assert_eq!(
            starts(&sunday, "2026-03-20T00:00:00Z", "2026-04-06T00:00:00Z"),
            ["2026-03-22T01:30Z", "2026-03-29T01:30Z", "2026-04-05T00:30Z"]
        );
        // An ordinary time keeps its wall-clock reading: 09:00 is 08:00Z in winter, 07:00Z in summer.
        let daily = rule(&["1", "2", "3", "4", "5", "6", "7"], "09:00", "Europe/Madrid");
        assert_eq!(
            starts(&daily, "2026-03-28T00:00:00Z", "2026-03-30T12:00:00Z"),
            ["2026-03-28T08:00Z", "2026-03-29T07:00Z", "2026-03-30T07:00Z"]
        );
    }

    #[test]
    fn madrid_fall_back_runs_the_repeated_hour_once() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        let daily = rule(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "02:30", "Europe/Madrid");
        assert_eq!(
            starts(&daily, "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z"),
            ["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z", "2026-10-27T01:30Z"]
        );
    }

    #[test]
    fn new_york_gap_and_overlap() {
        // 2026-03-08: 02:00 EST → 03:00 EDT; 2026-11-01: 02:00 EDT → 01:00 EST.
        let gap = rule(&["sun"], "02:30", "America/New_York");
        assert_eq!(
            starts(&gap, "2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z"),
            ["2026-03-01T07:30Z", "2026-03-08T07:30Z", "2026-03-15T06:30Z"]
        );
        let daily = rule(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "01:30", "America/New_York");
        assert_eq!(
            starts(&daily, "2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z"),
            ["2026-10-31T05:30Z", "2026-11-01T05:30Z", "2026-11-02T06:30Z"]
        );
    }

    #[test]
    fn a_year_of_daily_occurrences_has_one_per_day() {
        for tz in ["Europe/Madrid", "America/New_York"] {
            let daily = rule(&["1", "2", "3", "4", "5", "6", "7"], "02:30", tz);
            let all = daily.occurrences(at("2026-01-01T12:00:00Z"), at("2027-01-01T12:00:00Z"), 1000);
            assert_eq!(all.len(), 365, "{tz}");
            let mut dates: Vec<_> = all.iter().map(|t| t.with_timezone(&daily.timezone).date_naive()).collect();
            dates.dedup();
            assert_eq!(dates.len(), 365, "{tz}: one occurrence per local date");
        }
    }

    #[test]
    fn the_active_range_bounds_occurrences() {
        let days: Vec<String> = vec!["sat".into()];
        let r = RecurrenceRule::parse(&days, "22:00", "UTC", "2h", "2026-12-01", "2026-12-13").unwrap();
        assert_eq!(
            starts(&r, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            ["2026-12-05T22:00Z", "2026-12-12T22:00Z"]
        );
        assert_eq!(r.preview(at("2026-11-01T00:00:00Z")).len(), 2);
        assert_eq!(r.summary(), "Sat at 22:00 UTC for 2 h 0 min, from 2026-12-01, until 2026-12-13");
    }

    #[test]
    fn bad_rules_name_their_field() {
        let days: Vec<String> = vec!["mon".into()];
        let field = |r: Result<RecurrenceRule, AppError>, f: &str| r.unwrap_err().field_message(f).is_some();
        assert!(field(RecurrenceRule::parse(&[], "02:00", "UTC", "1h", "", ""), "weekdays"));
        assert!(field(RecurrenceRule::parse(&["funday".into()], "02:00", "UTC", "1h", "", ""), "weekdays"));
        assert!(field(RecurrenceRule::parse(&days, "25:00", "UTC", "1h", "", ""), "time"));
        assert!(field(RecurrenceRule::parse(&days, "02:00", "Mars/Olympus", "1h", "", ""), "timezone"));
        assert!(field(RecurrenceRule::parse(&days, "02:00", "UTC", "", "", ""), "duration"));
        assert!(field(RecurrenceRule::parse(&days, "02:00", "UTC", "2d", "", ""), "duration"));
        assert!(field(RecurrenceRule::parse(&days, "02:00", "UTC", "1h", "2026-12-02", "2026-12-01"), "active_until"));
    }
}
