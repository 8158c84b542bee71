//! Health JSON, understood natively: `{"status": "ok"|"degraded"|"error", "services": {"redis":
//! {"status": "connected", "responseTime": "5ms"}}, "warnings": […]}` — the shape our users'
//! apps serve and Pitwall's own `/readyz` answers.

use super::state::Outcome;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One service a health document reports on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceHealth {
    pub name: String,
    pub status: String,
    pub healthy: bool,
    pub response_ms: Option<f64>,
}

/// What a health document says, when the body is one.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReport {
    pub outcome: Outcome,
    pub overall: String,
    pub services: Vec<ServiceHealth>,
    pub warnings: Vec<String>,
}

impl HealthReport {
    /// `None` when the body is not a health document (no top-level `status` Pitwall knows).
    pub fn read(body: &str) -> Option<Self> {
        let Value::Object(doc) = serde_json::from_str::<Value>(body).ok()? else { return None };
        let overall = doc.get("status")?.as_str()?.to_owned();
        let outcome = match overall.to_ascii_lowercase().as_str() {
            "ok" | "up" | "pass" | "healthy" | "ready" => Outcome::Up,
            "degraded" | "warn" | "warning" => Outcome::Degraded,
            "error" | "down" | "fail" | "unhealthy" => Outcome::Down,
            _ => return None,
        };
        let services = match doc.get("services").or_else(|| doc.get("checks")) {
            Some(Value::Object(services)) => services
                .iter()
                .map(|(name, service)| {
                    let status = match service {
                        Value::String(s) => s.clone(),
                        Value::Object(o) => o.get("status").and_then(Value::as_str).unwrap_or("unknown").to_owned(),
                        _ => "unknown".to_owned(),
                    };
                    let response_ms = ["responseTime", "response_ms", "response_time_ms"]
                        .iter()
                        .find_map(|key| service.get(*key).and_then(milliseconds));
                    ServiceHealth { name: name.clone(), healthy: is_healthy(&status), status, response_ms }
                })
                .collect(),
            _ => Vec::new(),
        };
        let warnings = match doc.get("warnings") {
            Some(Value::Array(list)) => {
                list.iter().map(|w| w.as_str().map(str::to_owned).unwrap_or_else(|| w.to_string())).collect()
            }
            _ => Vec::new(),
        };
        Some(Self { outcome, overall, services, warnings })
    }

    /// "redis disconnected, queues degraded": the services that are not healthy.
    pub fn unhealthy_services(&self) -> String {
        self.services
            .iter()
            .filter(|s| !s.healthy)
            .map(|s| format!("{} {}", s.name, s.status))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn is_healthy(status: &str) -> bool {
    matches!(status.to_ascii_lowercase().as_str(), "connected" | "ok" | "up" | "pass" | "healthy" | "ready" | "running")
}

/// `"5ms"`, `"1.5s"`, `5`: milliseconds.
fn milliseconds(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            if let Some(ms) = s.strip_suffix("ms") {
                ms.trim().parse().ok()
            } else if let Some(secs) = s.strip_suffix('s') {
                secs.trim().parse::<f64>().ok().map(|v| v * 1000.0)
            } else {
                s.parse().ok()
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_briefs_shape() {
        let report = HealthReport::read(
            r#"{"status":"degraded","services":{"database":{"status":"connected","responseTime":"5ms"},
               "redis":{"status":"disconnected"},"queues":{"status":"connected","responseTime":"1.5s"}},
               "warnings":["redis is away"]}"#,
        )
        .unwrap();
        assert_eq!(report.outcome, Outcome::Degraded);
        assert_eq!(report.services.len(), 3);
        let database = report.services.iter().find(|s| s.name == "database").unwrap();
        assert_eq!((database.healthy, database.response_ms), (true, Some(5.0)));
        let queues = report.services.iter().find(|s| s.name == "queues").unwrap();
        assert_eq!(queues.response_ms, Some(1500.0));
        assert_eq!(report.unhealthy_services(), "redis disconnected");
        assert_eq!(report.warnings, vec!["redis is away".to_owned()]);
    }

    #[test]
    fn maps_overall_status() {
        assert_eq!(HealthReport::read(r#"{"status":"ok"}"#).unwrap().outcome, Outcome::Up);
        assert_eq!(HealthReport::read(r#"{"status":"error"}"#).unwrap().outcome, Outcome::Down);
        assert_eq!(HealthReport::read(r#"{"status":"banana"}"#), None);
        // Pitwall's own /readyz.
        let own = HealthReport::read(
            r#"{"status":"degraded","version":"0.1.0","uptime_s":5,"checks":{"database":{"status":"ok","response_ms":2},
               "jobs":{"status":"degraded","stalled":["the flag scheduler"]}}}"#,
        )
        .unwrap();
        assert_eq!(own.outcome, Outcome::Degraded);
        assert_eq!(own.unhealthy_services(), "jobs degraded");
        assert_eq!(own.services[0].response_ms, Some(2.0));
        assert_eq!(HealthReport::read(r#"[1,2]"#), None);
        assert_eq!(HealthReport::read("<html>"), None);
    }
}
