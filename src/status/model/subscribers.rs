//! Subscribers: who hears of incidents and maintenance, and the signed confirmation link.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// How a subscriber is told.
    SubscriberKind("subscriber kind") {
        Email = "email" / "Email",
        Webhook = "webhook" / "Webhook",
    }
);

/// A subscriber as the owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberView {
    pub id: i64,
    pub kind: SubscriberKind,
    pub address: String,
    /// Names of the components chosen (empty: every component).
    pub components: Vec<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An email address as people type it: trimmed, one `@`, a dotted domain, no spaces.
pub fn parse_email(field: &str, raw: &str) -> Result<String, AppError> {
    let address = raw.trim();
    let valid = address.len() <= 254
        && !address.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '"'))
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(address.to_owned())
    } else {
        Err(AppError::validation(field, "Enter an email address like you@example.com."))
    }
}

/// A webhook subscriber's URL: http(s), no spaces.
pub fn parse_webhook_url(field: &str, raw: &str) -> Result<String, AppError> {
    let url = raw.trim();
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.chars().any(char::is_whitespace);
    if valid {
        Ok(url.to_owned())
    } else {
        Err(AppError::validation(field, "Enter the webhook's URL, starting with https://."))
    }
}

/// How long a confirmation link works.
pub const CONFIRMATION_VALID_H: i64 = 48;

/// What a confirmation link signs: the subscriber and the link's expiry.
pub fn confirmation_message(subscriber: i64, expires: i64) -> String {
    format!("confirm:{subscriber}:{expires}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(parse_email("email", "  Ada@Example.com ").unwrap(), "Ada@Example.com");
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@example.com,x@y.z"] {
            assert!(parse_email("email", bad).unwrap_err().field_message("email").is_some(), "{bad:?}");
        }
        assert!(parse_webhook_url("url", "https://hooks.example.com/status").is_ok());
        assert!(parse_webhook_url("url", "ftp://x").is_err());
    }
}
