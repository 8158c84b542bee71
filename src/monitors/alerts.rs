//! What an alert says: one message per state change, in the words of each channel (an email's
//! subject and body, Slack's text, the webhook's JSON). Composed when the change is recorded,
//! so the outbox holds exactly what will be sent.

use super::model::{AlertKind, MonitorState};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// A monitor's state change, as alerts describe it.
pub struct Change<'a> {
    pub monitor_id: i64,
    pub monitor: &'a str,
    pub kind: &'a str,
    pub target: &'a str,
    pub from: MonitorState,
    pub to: MonitorState,
    pub cause: &'a str,
    pub at: DateTime<Utc>,
    /// When the monitor entered the state it leaves.
    pub since: DateTime<Utc>,
}

/// A composed message: what every kind of channel sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub kind: AlertKind,
    pub subject: String,
    pub body: String,
    pub payload: Value,
}

impl Change<'_> {
    /// The message this change sends, if any: going down or degraded alerts, coming back up from
    /// either is a recovery, anything else (a first up, a pause) is quiet.
    pub fn message(&self) -> Option<Message> {
        let kind = match (self.from, self.to) {
            (_, MonitorState::Down | MonitorState::Degraded) => AlertKind::Alert,
            (MonitorState::Down | MonitorState::Degraded, MonitorState::Up) => AlertKind::Recovery,
            _ => return None,
        };
        let link = format!("/monitors/{}", self.monitor_id);
        let lasted = crate::ui::human_duration((self.at - self.since).num_seconds().max(0) as u64);
        let (subject, body) = match kind {
            AlertKind::Recovery => (
                format!("[Pitwall] RECOVERED: {} is up", self.monitor),
                format!("{} is up again after {lasted} {}: {}", self.monitor, self.from.as_str(), self.cause),
            ),
            _ => (
                format!("[Pitwall] {}: {}", self.to.as_str().to_uppercase(), self.monitor),
                format!(
                    "{} is {} (was {} for {lasted}): {}",
                    self.monitor,
                    self.to.as_str(),
                    self.from.as_str(),
                    self.cause
                ),
            ),
        };
        let payload = json!({
            "event": format!("monitor.{}", self.to.as_str()),
            "kind": kind.as_str(),
            "monitor": {"id": self.monitor_id, "name": self.monitor, "kind": self.kind, "target": self.target},
            "state": self.to.as_str(),
            "previous_state": self.from.as_str(),
            "cause": self.cause,
            "at": self.at.to_rfc3339(),
            "previous_state_since": self.since.to_rfc3339(),
            "link": link,
        });
        Some(Message { kind, subject, body, payload })
    }
}

impl Change<'_> {
    /// The reminder that the monitor is still down (`since` is when it went down).
    pub fn reminder(&self) -> Message {
        let lasted = crate::ui::human_duration((self.at - self.since).num_seconds().max(0) as u64);
        Message {
            kind: AlertKind::Reminder,
            subject: format!("[Pitwall] STILL DOWN: {}", self.monitor),
            body: format!("{} has been down for {lasted}: {}", self.monitor, self.cause),
            payload: json!({
                "event": "monitor.still_down",
                "kind": AlertKind::Reminder.as_str(),
                "monitor": {"id": self.monitor_id, "name": self.monitor, "kind": self.kind, "target": self.target},
                "state": self.to.as_str(),
                "cause": self.cause,
                "at": self.at.to_rfc3339(),
                "down_since": self.since.to_rfc3339(),
                "link": format!("/monitors/{}", self.monitor_id),
            }),
        }
    }
}

/// The message "Send a test alert" sends.
pub fn test_message(channel: &str, at: DateTime<Utc>) -> Message {
    Message {
        kind: AlertKind::Test,
        subject: "[Pitwall] Test alert".to_owned(),
        body: format!("A test alert to {channel}: alerts from Pitwall reach you here."),
        payload: json!({"event": "test", "kind": "test", "channel": channel, "at": at.to_rfc3339(), "link": "/settings/alerts"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(from: MonitorState, to: MonitorState) -> Change<'static> {
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:05:00Z").unwrap().with_timezone(&Utc);
        Change {
            monitor_id: 7,
            monitor: "Shop health",
            kind: "http",
            target: "https://shop.example.com/health",
            from,
            to,
            cause: "health: degraded — redis disconnected",
            at,
            since: at - chrono::Duration::minutes(4),
        }
    }

    #[test]
    fn alerts_and_recoveries() {
        let degraded = change(MonitorState::Up, MonitorState::Degraded).message().unwrap();
        assert_eq!(degraded.kind, AlertKind::Alert);
        assert_eq!(degraded.subject, "[Pitwall] DEGRADED: Shop health");
        assert_eq!(degraded.body, "Shop health is degraded (was up for 4 min): health: degraded — redis disconnected");
        assert_eq!(degraded.payload["event"], "monitor.degraded");
        assert_eq!(degraded.payload["link"], "/monitors/7");
        let back = change(MonitorState::Down, MonitorState::Up).message().unwrap();
        assert_eq!((back.kind, back.subject.as_str()), (AlertKind::Recovery, "[Pitwall] RECOVERED: Shop health is up"));
        assert!(back.body.starts_with("Shop health is up again after 4 min down"));
    }

    #[test]
    fn reminders_say_how_long_it_has_been_down() {
        let reminder = change(MonitorState::Down, MonitorState::Down).reminder();
        assert_eq!(reminder.kind, AlertKind::Reminder);
        assert_eq!(reminder.subject, "[Pitwall] STILL DOWN: Shop health");
        assert_eq!(reminder.body, "Shop health has been down for 4 min: health: degraded — redis disconnected");
        assert_eq!(reminder.payload["down_since"], "2026-12-01T10:01:00+00:00");
    }

    #[test]
    fn quiet_changes() {
        assert_eq!(change(MonitorState::Pending, MonitorState::Up).message(), None);
        assert_eq!(change(MonitorState::Up, MonitorState::Paused).message(), None);
        assert_eq!(change(MonitorState::Paused, MonitorState::Pending).message(), None);
        assert!(change(MonitorState::Pending, MonitorState::Down).message().is_some());
    }
}
