//! Incident KPIs: MTTA, MTTR, SLA compliance and MTBF over a period.

use super::*;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;

/// The facts of one incident the KPIs are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentFacts {
    pub severity: Severity,
    pub times: Timestamps,
    pub targets: Targets,
}

/// Incident KPIs over the last `days` days (incidents declared in that period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub days: i64,
    pub total: usize,
    /// Count per severity, Sev1 first.
    pub by_severity: [usize; 4],
    /// Mean time to acknowledge: declaration → first response.
    pub mtta_s: Option<i64>,
    /// Mean time to resolve: start → resolution.
    pub mttr_s: Option<i64>,
    /// Share of decided response clocks that were met (running ones are not counted yet).
    pub response_compliance: Option<f64>,
    pub resolution_compliance: Option<f64>,
    /// Mean time between failures: the period's time outside incidents divided by their number.
    pub mtbf_s: Option<i64>,
}

pub(super) fn mean(values: &[i64]) -> Option<i64> {
    (!values.is_empty()).then(|| values.iter().sum::<i64>() / values.len() as i64)
}

pub(super) fn compliance(states: impl Iterator<Item = ClockState>) -> Option<f64> {
    let (met, decided) = states.fold((0u32, 0u32), |(met, decided), state| match state {
        ClockState::Met => (met + 1, decided + 1),
        ClockState::Breached => (met, decided + 1),
        _ => (met, decided),
    });
    (decided > 0).then(|| f64::from(met) * 100.0 / f64::from(decided))
}

impl Kpis {
    pub fn compute(days: i64, facts: &[IncidentFacts], now: DateTime<Utc>) -> Self {
        let period_start = now - Duration::days(days);
        let mut by_severity = [0usize; 4];
        for f in facts {
            by_severity[usize::from(f.severity.level() - 1)] += 1;
        }
        let slas: Vec<Sla> = facts.iter().map(|f| Sla::of(&f.times, &f.targets, None, now)).collect();
        let ack: Vec<i64> = facts
            .iter()
            .filter_map(|f| f.times.acknowledged_at.map(|at| (at - f.times.declared_at).num_seconds()))
            .collect();
        let resolve: Vec<i64> = facts
            .iter()
            .filter_map(|f| f.times.resolved_at.map(|at| (at - f.times.started_at).num_seconds()))
            .collect();
        let down_s: i64 = facts
            .iter()
            .map(|f| {
                let start = f.times.started_at.max(period_start);
                (f.times.resolved_at.unwrap_or(now) - start).num_seconds().max(0)
            })
            .sum();
        Self {
            days,
            total: facts.len(),
            by_severity,
            mtta_s: mean(&ack),
            mttr_s: mean(&resolve),
            response_compliance: compliance(slas.iter().map(|s| s.response.state)),
            resolution_compliance: compliance(slas.iter().map(|s| s.resolution.state)),
            mtbf_s: (!facts.is_empty()).then(|| ((days * 86_400 - down_s).max(0)) / facts.len() as i64),
        }
    }
}
