//! A monitor's state and how checks move it: a failure threshold before `down` (or `degraded`),
//! a success threshold before `up` again, so one lost packet pages nobody.

use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// What one check found.
    Outcome("outcome") {
        Up = "up" / "Up",
        Degraded = "degraded" / "Degraded",
        Down = "down" / "Down",
    }
);

crate::text_enum!(
    /// Where a monitor stands. `pending` until its first verdict.
    MonitorState("state") {
        Pending = "pending" / "Not checked yet",
        Up = "up" / "Up",
        Degraded = "degraded" / "Degraded",
        Down = "down" / "Down",
        Paused = "paused" / "Paused",
    }
);

impl From<Outcome> for MonitorState {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Up => MonitorState::Up,
            Outcome::Degraded => MonitorState::Degraded,
            Outcome::Down => MonitorState::Down,
        }
    }
}

/// Consecutive checks needed to change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    pub failures: u32,
    pub successes: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { failures: 3, successes: 2 }
    }
}

/// The state and the streaks that decide the next change; stored on the monitor's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracker {
    pub state: MonitorState,
    /// Consecutive checks that were not up.
    pub bad_streak: u32,
    /// Consecutive checks that were up.
    pub good_streak: u32,
}

impl Tracker {
    pub fn new() -> Self {
        Self { state: MonitorState::Pending, bad_streak: 0, good_streak: 0 }
    }

    /// Counts one check; `Some(new state)` when it changes the monitor's state. A first verdict
    /// of up counts at once (there is nothing to recover from); bad verdicts wait for the
    /// failure threshold, and leaving a bad state waits for the success threshold.
    pub fn record(&mut self, outcome: Outcome, thresholds: Thresholds) -> Option<MonitorState> {
        let target = MonitorState::from(outcome);
        let wanted = match outcome {
            Outcome::Up => {
                self.good_streak = self.good_streak.saturating_add(1);
                self.bad_streak = 0;
                let recovered = self.state == MonitorState::Pending || self.good_streak >= thresholds.successes;
                recovered && self.state != MonitorState::Up
            }
            Outcome::Degraded | Outcome::Down => {
                self.bad_streak = self.bad_streak.saturating_add(1);
                self.good_streak = 0;
                self.bad_streak >= thresholds.failures && self.state != target
            }
        };
        if wanted && self.state != MonitorState::Paused {
            self.state = target;
            Some(target)
        } else {
            None
        }
    }
}

impl Default for Tracker {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(outcomes: &[Outcome]) -> (Tracker, Vec<MonitorState>) {
        let mut tracker = Tracker { state: MonitorState::Up, bad_streak: 0, good_streak: 5 };
        let changes = outcomes.iter().filter_map(|o| tracker.record(*o, Thresholds::default())).collect();
        (tracker, changes)
    }

    #[test]
    fn two_failures_stay_up_the_third_goes_down() {
        use Outcome::*;
        assert_eq!(run(&[Down, Down]).1, vec![]);
        assert_eq!(run(&[Down, Down, Down]).1, vec![MonitorState::Down]);
        assert_eq!(run(&[Down, Down, Up, Down, Down]).1, vec![]);
        assert_eq!(run(&[Down, Down, Down, Down, Down]).1, vec![MonitorState::Down]);
    }

    #[test]
    fn recovery_waits_for_two_successes() {
        use Outcome::*;
        assert_eq!(run(&[Down, Down, Down, Up]).1, vec![MonitorState::Down]);
        assert_eq!(run(&[Down, Down, Down, Up, Up]).1, vec![MonitorState::Down, MonitorState::Up]);
        assert_eq!(run(&[Down, Down, Down, Up, Down, Up, Up]).1, vec![MonitorState::Down, MonitorState::Up]);
    }

    #[test]
    fn degraded_and_down_count_together_and_the_latest_decides() {
        use Outcome::*;
        assert_eq!(run(&[Degraded, Down, Degraded]).1, vec![MonitorState::Degraded]);
        assert_eq!(run(&[Degraded, Degraded, Degraded, Down]).1, vec![MonitorState::Degraded, MonitorState::Down]);
    }

    #[test]
    fn a_first_success_counts_at_once() {
        let mut tracker = Tracker::new();
        assert_eq!(tracker.record(Outcome::Up, Thresholds::default()), Some(MonitorState::Up));
        let mut failing = Tracker::new();
        let t = Thresholds { failures: 1, successes: 2 };
        assert_eq!(failing.record(Outcome::Down, t), Some(MonitorState::Down));
    }
}
