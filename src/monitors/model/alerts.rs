//! Alert channels (email, Slack, signed webhooks), the SMTP settings email goes through, and the
//! delivery log, as people type and read them.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// Where alerts go.
    ChannelKind("kind") {
        Email = "email" / "Email",
        Slack = "slack" / "Slack",
        Webhook = "webhook" / "Webhook",
    }
);

crate::text_enum!(
    /// How Pitwall talks to the SMTP server.
    SmtpSecurity("security") {
        Starttls = "starttls" / "STARTTLS (port 587)",
        Tls = "tls" / "TLS (port 465)",
        None = "none" / "None (a relay on this machine or network)",
    }
);

const MAX_RECIPIENTS: usize = 20;

/// A channel as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelDraft {
    pub name: String,
    pub kind: String,
    /// Email: addresses, comma-separated. Slack and webhook: the URL.
    pub target: String,
    /// Webhook: the signing secret (at least 16 characters).
    pub secret: String,
    /// Degraded monitors alert this channel too (default: Slack and webhooks yes, email no).
    pub on_degraded: Option<bool>,
}

/// A channel every field of which is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub target: String,
    pub secret: Option<String>,
    pub on_degraded: bool,
}

fn check_address(raw: &str) -> Result<(), AppError> {
    let refused = || AppError::validation("target", format!("{raw:?} is not an email address."));
    let (local, domain) = raw.rsplit_once('@').ok_or_else(refused)?;
    if local.is_empty() || domain.is_empty() || (!domain.contains('.') && domain != "localhost") {
        return Err(refused());
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';')) {
        return Err(refused());
    }
    Ok(())
}

fn check_http_url(raw: &str) -> Result<(), AppError> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(|| AppError::validation("target", format!("{raw:?} is not an http(s):// URL.")))?;
    if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) || raw.chars().any(char::is_whitespace) {
        return Err(AppError::validation("target", format!("{raw:?} has no host.")));
    }
    Ok(())
}

impl NewChannel {
    pub fn parse(draft: &ChannelDraft) -> Result<Self, AppError> {
        let name = draft.name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(AppError::validation("name", "Give the channel a name of 1 to 80 characters."));
        }
        let kind = ChannelKind::parse("kind", &draft.kind)?;
        let target = draft.target.trim();
        let target = match kind {
            ChannelKind::Email => {
                let addresses: Vec<&str> = target.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
                if addresses.is_empty() {
                    return Err(AppError::validation("target", "Give at least one address to send to."));
                }
                if addresses.len() > MAX_RECIPIENTS {
                    return Err(AppError::validation("target", format!("At most {MAX_RECIPIENTS} addresses.")));
                }
                addresses.iter().try_for_each(|a| check_address(a))?;
                addresses.join(", ")
            }
            ChannelKind::Slack | ChannelKind::Webhook => {
                check_http_url(target)?;
                target.to_owned()
            }
        };
        let secret = match kind {
            ChannelKind::Webhook => {
                let secret = draft.secret.trim();
                if secret.chars().count() < 16 {
                    return Err(AppError::validation(
                        "secret",
                        "A webhook needs a signing secret of at least 16 characters, so receivers can check it is Pitwall.",
                    ));
                }
                Some(secret.to_owned())
            }
            _ if !draft.secret.trim().is_empty() => {
                return Err(AppError::validation("secret", "Only webhooks are signed."));
            }
            _ => None,
        };
        Ok(Self {
            name: name.to_owned(),
            kind,
            target,
            secret,
            on_degraded: draft.on_degraded.unwrap_or(kind != ChannelKind::Email),
        })
    }
}

/// A channel as the console shows it: the secret never again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub target: String,
    pub signed: bool,
    pub on_degraded: bool,
    /// Set while its deliveries keep failing; cleared by the next one that arrives.
    pub failing_since: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: String,
}

/// The SMTP server email alerts go through, as typed. An empty password keeps the stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpDraft {
    pub host: String,
    pub port: String,
    pub security: String,
    pub username: String,
    pub password: String,
    pub from_address: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    /// `None`: keep the password already stored.
    pub password: Option<String>,
    pub from_address: String,
}

impl SmtpSettings {
    pub fn parse(draft: &SmtpDraft) -> Result<Self, AppError> {
        let host = draft.host.trim();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/' || c == ':') {
            return Err(AppError::validation("host", "Give the SMTP server's host name, e.g. smtp.example.com."));
        }
        let security = if draft.security.trim().is_empty() {
            SmtpSecurity::Starttls
        } else {
            SmtpSecurity::parse("security", &draft.security)?
        };
        let default_port = match security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        };
        let port = match draft.port.trim() {
            "" => default_port,
            raw => raw
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| AppError::validation("port", format!("{raw:?} is not a port number.")))?,
        };
        let from_address = draft.from_address.trim();
        check_address(from_address).map_err(|_| {
            AppError::validation("from_address", format!("{from_address:?} is not an email address to send from."))
        })?;
        Ok(Self {
            host: host.to_owned(),
            port,
            security,
            username: draft.username.trim().to_owned(),
            password: (!draft.password.is_empty()).then(|| draft.password.clone()),
            from_address: from_address.to_owned(),
        })
    }
}

/// The SMTP settings as shown: whether a password is stored, never the password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub has_password: bool,
    pub from_address: String,
}

crate::text_enum!(
    /// Why a message was sent.
    AlertKind("kind") {
        Alert = "alert" / "Alert",
        Recovery = "recovery" / "Recovery",
        Reminder = "reminder" / "Reminder",
        Test = "test" / "Test",
    }
);

/// One line of the delivery log: a message and how its delivery went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub channel: String,
    pub kind: AlertKind,
    pub subject: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub attempts: i32,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub gave_up: bool,
    /// The last answer: the receiver's status, or why it could not be reached.
    pub last_answer: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(draft: &ChannelDraft) -> (String, String) {
        match NewChannel::parse(draft).unwrap_err() {
            AppError::Validation { field, message } => (field, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn channels_per_kind() {
        let email = NewChannel::parse(&ChannelDraft {
            name: "On call".into(),
            kind: "email".into(),
            target: "ana@example.com, ops@example.com".into(),
            ..ChannelDraft::default()
        })
        .unwrap();
        assert_eq!((email.target.as_str(), email.on_degraded), ("ana@example.com, ops@example.com", false));
        let slack = NewChannel::parse(&ChannelDraft {
            name: "#ops".into(),
            kind: "slack".into(),
            target: "https://hooks.slack.com/services/T/B/x".into(),
            ..ChannelDraft::default()
        })
        .unwrap();
        assert!(slack.on_degraded && slack.secret.is_none());
        let mut hook = ChannelDraft {
            name: "Pager".into(),
            kind: "webhook".into(),
            target: "https://example.com/hook".into(),
            secret: "short".into(),
            ..ChannelDraft::default()
        };
        assert_eq!(refusal(&hook).0, "secret");
        hook.secret = "a-long-enough-secret".into();
        assert_eq!(NewChannel::parse(&hook).unwrap().secret.as_deref(), Some("a-long-enough-secret"));
    }

    #[test]
    fn bad_channels_name_the_field() {
        let base = ChannelDraft { name: "x".into(), kind: "email".into(), ..ChannelDraft::default() };
        assert_eq!(
            refusal(&ChannelDraft { target: "nobody".into(), ..base.clone() }).1,
            "\"nobody\" is not an email address."
        );
        assert_eq!(
            refusal(&ChannelDraft { target: " , ".into(), ..base.clone() }).1,
            "Give at least one address to send to."
        );
        assert_eq!(refusal(&ChannelDraft { kind: "pager".into(), ..base.clone() }).0, "kind");
        assert_eq!(
            refusal(&ChannelDraft { kind: "slack".into(), target: "hooks.slack.com".into(), ..base.clone() }).1,
            "\"hooks.slack.com\" is not an http(s):// URL."
        );
        assert_eq!(
            refusal(&ChannelDraft { target: "a@example.com".into(), secret: "s".repeat(20), ..base }).1,
            "Only webhooks are signed."
        );
    }

    #[test]
    fn smtp_defaults_and_refusals() {
        let draft = SmtpDraft {
            host: "smtp.example.com".into(),
            from_address: "pitwall@example.com".into(),
            ..SmtpDraft::default()
        };
        let settings = SmtpSettings::parse(&draft).unwrap();
        assert_eq!((settings.port, settings.security, settings.password), (587, SmtpSecurity::Starttls, None));
        let tls = SmtpSettings::parse(&SmtpDraft { security: "tls".into(), ..draft.clone() }).unwrap();
        assert_eq!(tls.port, 465);
        let bad_port = SmtpSettings::parse(&SmtpDraft { port: "99999".into(), ..draft.clone() }).unwrap_err();
        assert_eq!(bad_port.field_message("port").as_deref(), Some("\"99999\" is not a port number."));
        let bad_from = SmtpSettings::parse(&SmtpDraft { from_address: "me".into(), ..draft }).unwrap_err();
        assert!(bad_from.field_message("from_address").is_some());
    }
}
