//! The SLA clocks: response and resolution, on track, at risk, breached or met.

use super::*;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;

/// One SLA clock: started at the declaration, stopped by first response or resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub target_s: i64,
    pub due_at: DateTime<Utc>,
    pub state: ClockState,
    /// When the clock stopped; absent while it runs.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Seconds before the due time: left while running, the margin once met, negative when late.
    pub remaining_s: i64,
}

impl Clock {
    pub fn compute(start: DateTime<Utc>, target_s: i64, stopped_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        let due_at = start + Duration::seconds(target_s);
        let remaining_s = (due_at - stopped_at.unwrap_or(now)).num_seconds();
        let state = match stopped_at {
            Some(at) if at <= due_at => ClockState::Met,
            Some(_) => ClockState::Breached,
            None if now >= due_at => ClockState::Breached,
            // Less than a quarter of the target left.
            None if remaining_s * 4 < target_s => ClockState::AtRisk,
            None => ClockState::OnTrack,
        };
        Self { target_s, due_at, state, stopped_at, remaining_s }
    }

    /// The same clock read at `now`.
    pub fn at(&self, now: DateTime<Utc>) -> Self {
        Self::compute(self.due_at - Duration::seconds(self.target_s), self.target_s, self.stopped_at, now)
    }

    pub fn running(&self) -> bool {
        self.stopped_at.is_none()
    }
}

/// The three clocks of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    pub response: Clock,
    pub resolution: Clock,
    pub next_update_due_at: Option<DateTime<Utc>>,
}

impl Sla {
    /// Resolving counts as the first response when nobody acknowledged. The next public update
    /// is due a cadence after the last one (or after the declaration), until the incident is resolved.
    pub fn compute(
        declared_at: DateTime<Utc>,
        targets: &Targets,
        acknowledged_at: Option<DateTime<Utc>>,
        resolved_at: Option<DateTime<Utc>>,
        last_public_update_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let response = Clock::compute(declared_at, targets.response_s, acknowledged_at.or(resolved_at), now);
        let resolution = Clock::compute(declared_at, targets.resolution_s, resolved_at, now);
        let next_update_due_at = match (targets.update_cadence_s, resolved_at) {
            (Some(cadence), None) => {
                Some(last_public_update_at.unwrap_or(declared_at).max(declared_at) + Duration::seconds(cadence))
            }
            _ => None,
        };
        Self { response, resolution, next_update_due_at }
    }

    /// The clocks of an incident with these times and targets.
    pub fn of(
        times: &Timestamps,
        targets: &Targets,
        last_public_update_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        Self::compute(times.declared_at, targets, times.acknowledged_at, times.resolved_at, last_public_update_at, now)
    }

    pub fn at(&self, now: DateTime<Utc>) -> Self {
        Self {
            response: self.response.at(now),
            resolution: self.resolution.at(now),
            next_update_due_at: self.next_update_due_at,
        }
    }

    /// Seconds until the nearest running clock is due (negative once breached); `None` when both stopped.
    pub fn urgency_s(&self) -> Option<i64> {
        [&self.response, &self.resolution].into_iter().filter(|c| c.running()).map(|c| c.remaining_s).min()
    }

    pub fn breached(&self) -> bool {
        self.response.state == ClockState::Breached || self.resolution.state == ClockState::Breached
    }
}
