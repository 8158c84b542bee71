//! A monitor as people write it (`MonitorDraft`, from a form, the API or the CLI) and as Pitwall
//! keeps it (`MonitorSpec`, every field checked), and the views the console and API show.

use super::conditions::{Condition, ConditionOutcome};
use super::state::{MonitorState, Thresholds};
use crate::error::AppError;
use crate::incidents::model::Severity;
use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// How a monitor checks its target.
    MonitorKind("kind") {
        Http = "http" / "HTTP(S)",
        Tcp = "tcp" / "TCP connect",
        Postgres = "postgres" / "Postgres (SELECT 1)",
        Redis = "redis" / "Redis (PING)",
        Push = "push" / "Push (heartbeat)",
        Pitwall = "pitwall" / "Pitwall itself (its database and job loops)",
    }
);

pub const DEFAULT_INTERVAL_S: u32 = 60;
pub const DEFAULT_TIMEOUT_S: u32 = 10;
pub const MIN_INTERVAL_S: u32 = 10;
pub const MAX_INTERVAL_S: u32 = 24 * 3600;
pub const MAX_TIMEOUT_S: u32 = 120;
const MAX_CONDITIONS: usize = 20;
const MAX_HEADERS: usize = 30;
const MAX_BODY: usize = 64 * 1024;

/// What a user typed; every field optional but the name (and the target, for all kinds but push).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorDraft {
    pub name: String,
    pub kind: String,
    /// The URL (HTTP), `host:port` (TCP), the DSN (Postgres), `redis://host:port` (Redis); empty for push.
    pub target: String,
    pub method: String,
    /// `Name: value`, one per entry.
    pub headers: Vec<String>,
    pub body: String,
    /// `60s`, `5m`, `1h`, or seconds.
    pub interval: String,
    pub timeout: String,
    /// Push monitors: how long past the interval silence is forgiven.
    pub grace: String,
    pub conditions: Vec<String>,
    pub follow_redirects: Option<bool>,
    pub verify_tls: Option<bool>,
    pub failure_threshold: Option<u32>,
    pub success_threshold: Option<u32>,
    /// Channel names this monitor alerts instead of the default routing; absent: the default.
    pub alert_channels: Option<Vec<String>>,
    /// `30m`: remind every so often while still down; empty or `off`: no reminders.
    pub reminder: String,
    /// `15m`: declare an incident when down this long; empty or `off`: never.
    pub incident_after: String,
    /// The declared incident's severity, 1 (worst) to 4; Sev2 when not given.
    pub incident_severity: Option<i64>,
}

/// Where a monitor's alerts go and what else a long outage does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerting {
    /// `None`: the default routing (down to every channel, degraded to those taking degraded
    /// alerts). `Some(names)`: these channels get this monitor's alerts, down and degraded alike.
    pub channels: Option<Vec<String>>,
    pub reminder_s: Option<u32>,
    pub incident: Option<IncidentRule>,
}

/// Declare an incident of `severity` once the monitor has been down for `after_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRule {
    pub after_s: u32,
    pub severity: Severity,
}

/// How an HTTP monitor asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSettings {
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub follow_redirects: bool,
    pub verify_tls: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            headers: Vec::new(),
            body: String::new(),
            follow_redirects: true,
            verify_tls: true,
        }
    }
}

/// A monitor every field of which has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorSpec {
    pub name: String,
    pub kind: MonitorKind,
    pub target: String,
    pub http: HttpSettings,
    pub interval_s: u32,
    pub timeout_s: u32,
    pub grace_s: u32,
    pub conditions: Vec<Condition>,
    pub thresholds: Thresholds,
    pub alerting: Alerting,
}

/// An optional duration: empty or `off` is none.
fn optional_seconds(field: &str, raw: &str, (min, max, bounds): (u32, u32, &str)) -> Result<Option<u32>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        off if off.eq_ignore_ascii_case("off") => Ok(None),
        raw => seconds(field, raw, 0, (min, max, bounds)).map(Some),
    }
}

impl Alerting {
    fn parse(draft: &MonitorDraft) -> Result<Self, AppError> {
        let channels = match &draft.alert_channels {
            None => None,
            Some(names) => {
                let mut names: Vec<String> =
                    names.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
                names.sort();
                names.dedup();
                Some(names)
            }
        };
        let reminder_s = optional_seconds("reminder", &draft.reminder, (60, MAX_INTERVAL_S, "1 min to 24 h"))?;
        let incident =
            match optional_seconds("incident_after", &draft.incident_after, (60, MAX_INTERVAL_S, "1 min to 24 h"))? {
                Some(after_s) => Some(IncidentRule {
                    after_s,
                    severity: Severity::new("incident_severity", draft.incident_severity.unwrap_or(2))?,
                }),
                None if draft.incident_severity.is_some() => {
                    return Err(AppError::validation(
                        "incident_after",
                        "Say after how long down an incident is declared, e.g. 15m.",
                    ))
                }
                None => None,
            };
        Ok(Self { channels, reminder_s, incident })
    }
}

/// `bounds` says the range in words for the refusal, e.g. "10 s to 24 h".
fn seconds(field: &str, raw: &str, default: u32, (min, max, bounds): (u32, u32, &str)) -> Result<u32, AppError> {
    if raw.trim().is_empty() {
        return Ok(default);
    }
    let parsed = crate::duration::parse_duration(raw).map_err(|m| AppError::validation(field, format!("{m}.")))?;
    let secs = u32::try_from(parsed.as_secs()).unwrap_or(u32::MAX);
    if secs < min || secs > max {
        return Err(AppError::validation(field, format!("{raw:?} is outside {bounds}.")));
    }
    Ok(secs)
}

fn check_host_port(field: &str, raw: &str) -> Result<(), AppError> {
    let refused = || AppError::validation(field, format!("{raw:?} is not host:port, as in db.internal:5432."));
    let (host, port) = raw.rsplit_once(':').ok_or_else(refused)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty()
        || host.chars().any(|c| c.is_whitespace() || c == '/')
        || !port.parse::<u16>().is_ok_and(|p| p != 0)
    {
        return Err(refused());
    }
    Ok(())
}

/// `scheme://[user[:password]@]host[:port][/…]` with one of `schemes`.
fn check_url(field: &str, raw: &str, schemes: &[&str], example: &str) -> Result<(), AppError> {
    let refused = |why: &str| AppError::validation(field, format!("{raw:?} {why}, as in {example}."));
    let (scheme, rest) = raw.split_once("://").ok_or_else(|| refused("is not a URL"))?;
    if !schemes.contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(refused(&format!("should start with {}://", schemes[0])));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host
        .strip_prefix('[')
        .map_or_else(|| host.split(':').next().unwrap_or(""), |v6| v6.split(']').next().unwrap_or(""));
    if host.is_empty() || raw.chars().any(char::is_whitespace) {
        return Err(refused("has no host"));
    }
    Ok(())
}

impl MonitorSpec {
    pub fn parse(draft: &MonitorDraft) -> Result<Self, AppError> {
        let name = draft.name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(AppError::validation("name", "Give the monitor a name of 1 to 80 characters."));
        }
        let kind =
            if draft.kind.trim().is_empty() { MonitorKind::Http } else { MonitorKind::parse("kind", &draft.kind)? };
        let target = draft.target.trim().to_owned();
        match kind {
            MonitorKind::Http => check_url("target", &target, &["https", "http"], "https://example.com/health")?,
            MonitorKind::Tcp => check_host_port("target", &target)?,
            MonitorKind::Postgres => {
                check_url("target", &target, &["postgres", "postgresql"], "postgres://monitor@db.internal:5432/app")?
            }
            MonitorKind::Redis => check_url("target", &target, &["redis"], "redis://cache.internal:6379")?,
            MonitorKind::Push if !target.is_empty() => {
                return Err(AppError::validation("target", "A push monitor has no target: the job calls Pitwall."))
            }
            MonitorKind::Push => {}
            MonitorKind::Pitwall if !target.is_empty() => {
                return Err(AppError::validation("target", "Pitwall checks itself: it has no target."))
            }
            MonitorKind::Pitwall => {}
        }
        let method = match draft.method.trim().to_ascii_uppercase() {
            m if m.is_empty() => "GET".to_owned(),
            m if ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&m.as_str()) => m,
            m => {
                return Err(AppError::validation(
                    "method",
                    format!("{m:?} is not GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS."),
                ))
            }
        };
        if draft.headers.len() > MAX_HEADERS {
            return Err(AppError::validation("headers", format!("At most {MAX_HEADERS} headers.")));
        }
        let headers = draft
            .headers
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').ok_or_else(|| {
                    AppError::validation("headers", format!("{line:?} is not a header: write Name: value."))
                })?;
                let name = name.trim();
                if name.is_empty()
                    || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
                {
                    return Err(AppError::validation("headers", format!("{name:?} is not a header name.")));
                }
                if value.chars().any(|c| c.is_control()) {
                    return Err(AppError::validation(
                        "headers",
                        format!("The value of {name} has a control character."),
                    ));
                }
                Ok((name.to_owned(), value.trim().to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if draft.body.len() > MAX_BODY {
            return Err(AppError::validation("body", "The request body is over 64 KiB."));
        }
        let interval_s =
            seconds("interval", &draft.interval, DEFAULT_INTERVAL_S, (MIN_INTERVAL_S, MAX_INTERVAL_S, "10 s to 24 h"))?;
        let timeout_s =
            seconds("timeout", &draft.timeout, DEFAULT_TIMEOUT_S.min(interval_s), (1, MAX_TIMEOUT_S, "1 s to 2 min"))?;
        if timeout_s > interval_s {
            return Err(AppError::validation("timeout", "The timeout must not be longer than the interval."));
        }
        let grace_s = seconds("grace", &draft.grace, interval_s.min(300), (1, MAX_INTERVAL_S, "1 s to 24 h"))?;
        let lines: Vec<&str> = draft.conditions.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
        if lines.len() > MAX_CONDITIONS {
            return Err(AppError::validation("conditions", format!("At most {MAX_CONDITIONS} conditions.")));
        }
        if kind == MonitorKind::Push && !lines.is_empty() {
            return Err(AppError::validation(
                "conditions",
                "A push monitor has no conditions: the job says up or down.",
            ));
        }
        if kind == MonitorKind::Pitwall && !lines.is_empty() {
            return Err(AppError::validation(
                "conditions",
                "Pitwall judges itself: its database must answer and no job loop may stall.",
            ));
        }
        let conditions = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                Condition::parse(line)
                    .map_err(|e| AppError::validation("conditions", format!("Condition {} ({line:?}) {e}.", i + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A push monitor's silence is already past its grace: one is enough.
        let default_failures = if kind == MonitorKind::Push { 1 } else { Thresholds::default().failures };
        let failures = draft.failure_threshold.unwrap_or(default_failures);
        let successes = draft.success_threshold.unwrap_or(Thresholds::default().successes);
        for (field, n) in [("failure_threshold", failures), ("success_threshold", successes)] {
            if !(1..=20).contains(&n) {
                return Err(AppError::validation(field, "Give a number of checks from 1 to 20."));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            kind,
            target,
            http: HttpSettings {
                method,
                headers,
                body: draft.body.clone(),
                follow_redirects: draft.follow_redirects.unwrap_or(true),
                verify_tls: draft.verify_tls.unwrap_or(true),
            },
            interval_s,
            timeout_s,
            grace_s,
            conditions,
            thresholds: Thresholds { failures, successes },
            alerting: Alerting::parse(draft)?,
        })
    }

    /// The draft this spec parses from: what a partial edit is laid over.
    pub fn to_draft(&self) -> MonitorDraft {
        MonitorDraft {
            name: self.name.clone(),
            kind: self.kind.as_str().to_owned(),
            target: self.target.clone(),
            method: self.http.method.clone(),
            headers: self.http.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect(),
            body: self.http.body.clone(),
            interval: format!("{}s", self.interval_s),
            timeout: format!("{}s", self.timeout_s),
            grace: format!("{}s", self.grace_s),
            conditions: self.condition_texts(),
            follow_redirects: Some(self.http.follow_redirects),
            verify_tls: Some(self.http.verify_tls),
            failure_threshold: Some(self.thresholds.failures),
            success_threshold: Some(self.thresholds.successes),
            alert_channels: self.alerting.channels.clone(),
            reminder: self.alerting.reminder_s.map(|s| format!("{s}s")).unwrap_or_default(),
            incident_after: self.alerting.incident.map(|rule| format!("{}s", rule.after_s)).unwrap_or_default(),
            incident_severity: self.alerting.incident.map(|rule| i64::from(rule.severity.level())),
        }
    }

    /// The conditions as stored.
    pub fn condition_texts(&self) -> Vec<String> {
        self.conditions.iter().map(|c| c.as_str().to_owned()).collect()
    }
}

/// The target with any password replaced, for everyone to read.
pub fn redact_target(target: &str) -> String {
    match target.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((credentials, host)) => {
                    let user = credentials.split(':').next().unwrap_or("");
                    let shown = if credentials.contains(':') { format!("{user}:•••") } else { user.to_owned() };
                    format!("{scheme}://{shown}@{host}{tail}")
                }
                None => target.to_owned(),
            }
        }
        None => target.to_owned(),
    }
}

/// A monitor as the console and the API show it: no secrets (header values and passwords hidden).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorView {
    pub id: i64,
    pub name: String,
    pub kind: MonitorKind,
    pub target: String,
    pub method: String,
    pub header_names: Vec<String>,
    pub interval_s: u32,
    pub timeout_s: u32,
    pub grace_s: u32,
    pub conditions: Vec<String>,
    pub follow_redirects: bool,
    pub verify_tls: bool,
    pub thresholds: Thresholds,
    pub state: MonitorState,
    pub state_since: chrono::DateTime<chrono::Utc>,
    pub paused: bool,
    pub last_checked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_response_ms: Option<u32>,
    pub last_message: String,
    /// Percent of checks up over the last 24 hours (degraded counts half), `None` before any.
    pub uptime_24h: Option<f64>,
    /// From the day rollups (today's included as far as it is rolled up).
    pub uptime_30d: Option<f64>,
    /// The median response time of each of the last 24 hours, oldest first (`None`: no checks).
    pub sparkline_24h: Vec<Option<f64>>,
    /// For push monitors: the path the job posts to.
    pub push_path: Option<String>,
    pub alerting: Alerting,
    /// The incident declared for the current (or last) long outage.
    pub incident_id: Option<i64>,
}

/// What a chart shows, in numbers: the text beside it, for screen readers and terminals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSummary {
    pub checks: i64,
    pub uptime: Option<f64>,
    pub p50_min_ms: Option<f64>,
    pub p50_avg_ms: Option<f64>,
    pub p95_max_ms: Option<f64>,
}

/// A health-document service over a chart's range, in numbers: the services chart's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub name: String,
    pub checks: i64,
    pub unhealthy: i64,
    pub avg_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

/// One day of a monitor: the uptime bars' table fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayUptime {
    pub day: chrono::NaiveDate,
    pub checks: i32,
    pub uptime: Option<f64>,
    pub down: i32,
    pub in_maintenance: i32,
}

/// One check's result, as the monitor's page and the API list them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub at: chrono::DateTime<chrono::Utc>,
    pub outcome: super::state::Outcome,
    pub response_ms: Option<u32>,
    pub status_code: Option<u16>,
    pub message: String,
    pub conditions: Vec<ConditionOutcome>,
    pub services: Vec<super::health::ServiceHealth>,
    pub in_maintenance: bool,
}

/// A state change and its cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorEvent {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub from_state: MonitorState,
    pub to_state: MonitorState,
    pub cause: String,
    pub in_maintenance: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: &str, target: &str) -> MonitorDraft {
        MonitorDraft { name: "api".into(), kind: kind.into(), target: target.into(), ..MonitorDraft::default() }
    }

    fn refusal(d: &MonitorDraft) -> (String, String) {
        match MonitorSpec::parse(d).unwrap_err() {
            AppError::Validation { field, message } => (field, message),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_guides() {
        let spec = MonitorSpec::parse(&draft("", "https://example.com/health")).unwrap();
        assert_eq!(spec.kind, MonitorKind::Http);
        assert_eq!((spec.interval_s, spec.timeout_s), (60, 10));
        assert_eq!(spec.thresholds, Thresholds { failures: 3, successes: 2 });
        assert!(spec.http.verify_tls && spec.http.follow_redirects);
        assert_eq!(spec.http.method, "GET");
    }

    #[test]
    fn targets_are_checked_per_kind() {
        assert!(MonitorSpec::parse(&draft("tcp", "db.internal:5432")).is_ok());
        assert!(MonitorSpec::parse(&draft("tcp", "[::1]:6379")).is_ok());
        assert_eq!(refusal(&draft("tcp", "db.internal")).0, "target");
        assert_eq!(refusal(&draft("tcp", "db.internal:0")).0, "target");
        assert!(MonitorSpec::parse(&draft("postgres", "postgres://u:p@localhost/app")).is_ok());
        assert_eq!(
            refusal(&draft("postgres", "mysql://x")).1,
            "\"mysql://x\" should start with postgres://, as in postgres://monitor@db.internal:5432/app."
        );
        assert!(MonitorSpec::parse(&draft("redis", "redis://127.0.0.1:6379")).is_ok());
        assert_eq!(
            refusal(&draft("http", "example.com")).1,
            "\"example.com\" is not a URL, as in https://example.com/health."
        );
        assert_eq!(
            refusal(&draft("http", "https:///x")).1,
            "\"https:///x\" has no host, as in https://example.com/health."
        );
        assert!(MonitorSpec::parse(&draft("push", "")).is_ok());
        assert_eq!(refusal(&draft("push", "https://x")).0, "target");
        assert_eq!(refusal(&draft("ftp", "x")).0, "kind");
    }

    #[test]
    fn intervals_timeouts_and_thresholds_have_bounds() {
        let mut d = draft("http", "https://example.com");
        d.interval = "5m".into();
        assert_eq!(MonitorSpec::parse(&d).unwrap().interval_s, 300);
        d.interval = "5s".into();
        assert_eq!(refusal(&d), ("interval".into(), "\"5s\" is outside 10 s to 24 h.".into()));
        d.interval = "2d".into();
        assert_eq!(refusal(&d).0, "interval");
        d.interval = "10s".into();
        assert_eq!(MonitorSpec::parse(&d).unwrap().timeout_s, 10);
        d.timeout = "30s".into();
        assert_eq!(refusal(&d).1, "The timeout must not be longer than the interval.");
        d.timeout = String::new();
        d.failure_threshold = Some(0);
        assert_eq!(refusal(&d).0, "failure_threshold");
    }

    #[test]
    fn conditions_and_headers_name_what_is_wrong() {
        let mut d = draft("http", "https://example.com");
        d.conditions = vec!["[STATUS] == 200".into(), "".into(), "[BODY].x >".into()];
        assert_eq!(
            refusal(&d),
            (
                "conditions".into(),
                "Condition 2 (\"[BODY].x >\") at column 11: nothing after the comparison: give a value.".into()
            )
        );
        d.conditions = vec!["[STATUS] == 200".into()];
        d.headers = vec!["Authorization: Bearer x".into(), "broken".into()];
        assert_eq!(refusal(&d).1, "\"broken\" is not a header: write Name: value.");
        d.headers = vec!["Authorization: Bearer x".into()];
        let spec = MonitorSpec::parse(&d).unwrap();
        assert_eq!(spec.http.headers, vec![("Authorization".to_owned(), "Bearer x".to_owned())]);
        assert_eq!(spec.condition_texts(), vec!["[STATUS] == 200".to_owned()]);
    }

    #[test]
    fn a_spec_round_trips_through_its_draft() {
        let mut d = draft("http", "https://example.com/health");
        d.headers = vec!["X-Key: k".into()];
        d.conditions = vec!["[STATUS] == 200".into()];
        d.interval = "5m".into();
        let spec = MonitorSpec::parse(&d).unwrap();
        assert_eq!(MonitorSpec::parse(&spec.to_draft()).unwrap(), spec);
    }

    #[test]
    fn alerting_defaults_to_the_routing_and_nothing_else() {
        let spec = MonitorSpec::parse(&draft("http", "https://example.com")).unwrap();
        assert_eq!(spec.alerting, Alerting::default());
        let mut d = draft("http", "https://example.com");
        d.alert_channels = Some(vec![" pager ".into(), "".into(), "ops slack".into(), "pager".into()]);
        d.reminder = "30m".into();
        d.incident_after = "15m".into();
        let spec = MonitorSpec::parse(&d).unwrap();
        assert_eq!(spec.alerting.channels, Some(vec!["ops slack".to_owned(), "pager".to_owned()]));
        assert_eq!(spec.alerting.reminder_s, Some(1800));
        assert_eq!(
            spec.alerting.incident,
            Some(IncidentRule { after_s: 900, severity: Severity::new("s", 2).unwrap() })
        );
        assert_eq!(MonitorSpec::parse(&spec.to_draft()).unwrap(), spec);
        d.reminder = "off".into();
        d.incident_after = "".into();
        d.incident_severity = Some(1);
        assert_eq!(refusal(&d).0, "incident_after");
        d.incident_after = "10m".into();
        d.incident_severity = Some(7);
        assert_eq!(refusal(&d), ("incident_severity".into(), "Severity 7 does not exist: use 1 (worst) to 4.".into()));
        d.incident_severity = None;
        d.reminder = "20s".into();
        assert_eq!(refusal(&d), ("reminder".into(), "\"20s\" is outside 1 min to 24 h.".into()));
    }

    #[test]
    fn pitwall_watches_itself_with_no_target_or_conditions() {
        assert!(MonitorSpec::parse(&draft("pitwall", "")).is_ok());
        assert_eq!(refusal(&draft("pitwall", "https://x")).0, "target");
        let mut d = draft("pitwall", "");
        d.conditions = vec!["[STATUS] == 200".into()];
        assert_eq!(refusal(&d).0, "conditions");
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact_target("postgres://mon:s3cret@db:5432/app"), "postgres://mon:•••@db:5432/app");
        assert_eq!(redact_target("redis://:pw@cache:6379"), "redis://:•••@cache:6379");
        assert_eq!(redact_target("https://example.com/a@b"), "https://example.com/a@b");
        assert_eq!(redact_target("db:5432"), "db:5432");
    }
}
