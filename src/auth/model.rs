//! Accounts, roles and machine tokens: the types every layer shares.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically plausible, lower-cased email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(AppError::validation(field, "Enter an email address."));
        }
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            });
        if !valid {
            return Err(AppError::validation(field, "That is not an email address (expected name@example.com)."));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;

/// A password strong enough to be set: at least 12 characters and not all one character.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(AppError::validation(
                field,
                format!("Use at least {MIN_PASSWORD_CHARS} characters ({chars} given)."),
            ));
        }
        if chars > 1024 {
            return Err(AppError::validation(field, "Use at most 1024 characters."));
        }
        let first = raw.chars().next();
        if raw.chars().all(|c| Some(c) == first) {
            return Err(AppError::validation(field, "A password of one repeated character is too easy to guess."));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Parses `raw` and checks that `confirmation` repeats it.
    pub fn parse_confirmed(field: &str, raw: &str, confirm_field: &str, confirmation: &str) -> Result<Self, AppError> {
        let password = Self::parse(field, raw)?;
        if raw != confirmation {
            return Err(AppError::validation(confirm_field, "The two passwords differ."));
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

crate::text_enum!(Role("role") {
    Owner = "owner" / "Owner",
    Pm = "pm" / "Product manager",
    Support = "support" / "Support",
    Viewer = "viewer" / "Viewer",
});

impl Role {
    /// The single source of truth for who may do what.
    pub fn can(self, permission: Permission) -> bool {
        match permission {
            Permission::UseConsole | Permission::ChangeOwnPassword => true,
            Permission::ManageUsers
            | Permission::ManageTokens
            | Permission::ReadAudit
            | Permission::ManageMaintenance
            | Permission::DefineSeverities
            | Permission::ManageEnvironments => self == Role::Owner,
            Permission::ManageIncidents => matches!(self, Role::Owner | Role::Support),
            Permission::ManageMonitors | Permission::ManageStatusPage => self == Role::Owner,
            Permission::PauseMonitors => matches!(self, Role::Owner | Role::Pm | Role::Support),
            Permission::ManageFlags | Permission::ManageFlagTokens => matches!(self, Role::Owner | Role::Pm),
        }
    }
}

/// What a server fn or page needs of its caller's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See the console's read-only pages.
    UseConsole,
    ChangeOwnPassword,
    ManageUsers,
    ManageTokens,
    ReadAudit,
    /// Start, schedule and end maintenance; edit the gate's access settings.
    ManageMaintenance,
    /// Declare and work incidents, write post-mortems and their action items.
    ManageIncidents,
    /// Edit the severities' definitions and SLA targets.
    DefineSeverities,
    /// Add, edit and remove monitors.
    ManageMonitors,
    /// Edit the public status page: components, their monitor links and overrides, branding.
    ManageStatusPage,
    /// Pause and resume monitors (and check one now).
    PauseMonitors,
    /// Create, roll out, schedule, import and archive feature flags; add environments.
    ManageFlags,
    /// Add flag environments.
    ManageEnvironments,
    /// Issue and revoke flag tokens, `flags:read` and `flags:evaluate` (all other tokens need
    /// `ManageTokens`).
    ManageFlagTokens,
}

crate::text_enum!(
    /// What a machine token may do. Each API handler names the one scope it needs; the label says
    /// what the scope is for.
    Scope("scope") {
        FlagsRead = "flags:read" / "Server SDKs: read one environment's flag definitions and evaluate (keep out of browsers)",
        FlagsEvaluate = "flags:evaluate" / "Frontend SDKs: evaluate one environment's flags over OFREP only (safe in a browser)",
        IncidentsRead = "incidents:read" / "Read incidents",
        IncidentsWrite = "incidents:write" / "Declare and update incidents (monitors, deploy tooling)",
        MaintenanceWrite = "maintenance:write" / "Start and end maintenance (deploy scripts)",
        MetricsWrite = "metrics:write" / "Push health and cache metrics",
        MonitorsRead = "monitors:read" / "Read monitors, their results and state changes",
        MonitorsWrite = "monitors:write" / "Add, edit, pause and remove monitors",
        MonitorsPush = "monitors:push" / "Report heartbeats to push monitors (cron jobs, backup scripts)",
        AuditRead = "audit:read" / "Export the audit log",
    }
);

impl Scope {
    /// The scopes of flag SDK tokens, which a PM may manage and which name an environment.
    pub fn is_flag_scope(self) -> bool {
        matches!(self, Scope::FlagsRead | Scope::FlagsEvaluate)
    }
}

/// A short human name: 1 to 80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AppError::validation(field, "Give the token a name, e.g. \"deploy script\"."));
        }
        if name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(AppError::validation(field, "Use at most 80 printable characters."));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An environment slug such as `production`: lower-case letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentName(String);

impl EnvironmentName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let name = raw.trim();
        let valid = (1..=40).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            return Err(AppError::validation(
                field,
                "Use 1–40 lower-case letters, digits, '-' or '_', starting with a letter (e.g. production).",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token request that has passed validation: flag tokens are bound to exactly one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    name: TokenName,
    scopes: Vec<Scope>,
    environment: Option<EnvironmentName>,
}

impl NewToken {
    pub fn parse(name: &str, scopes: &[String], environment: &str) -> Result<Self, AppError> {
        let name = TokenName::parse("name", name)?;
        let mut parsed = Vec::new();
        for raw in scopes.iter().filter(|s| !s.trim().is_empty()) {
            let scope = Scope::parse("scopes", raw)?;
            if !parsed.contains(&scope) {
                parsed.push(scope);
            }
        }
        if parsed.is_empty() {
            return Err(AppError::validation("scopes", "Choose at least one scope."));
        }
        let environment = match (parsed.iter().any(|s| s.is_flag_scope()), environment.trim()) {
            (true, "") => {
                return Err(AppError::validation("environment", "A flag token is bound to one environment: name it."))
            }
            (true, env) => Some(EnvironmentName::parse("environment", env)?),
            (false, "") => None,
            (false, _) => {
                return Err(AppError::validation(
                    "environment",
                    "Only flag tokens (flags:read, flags:evaluate) are bound to an environment.",
                ))
            }
        };
        Ok(Self { name, scopes: parsed, environment })
    }

    pub fn name(&self) -> &TokenName {
        &self.name
    }

    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    pub fn environment(&self) -> Option<&EnvironmentName> {
        self.environment.as_ref()
    }
}

/// A user as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

/// A token as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub environment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The user who issued it is deactivated: it does not work until they are reactivated.
    pub suspended: bool,
}

impl TokenView {
    /// A token that only reads or evaluates flags: the kind a PM may manage.
    pub fn is_flag_token(&self) -> bool {
        !self.scopes.is_empty() && self.scopes.iter().all(|s| Scope::parse("scopes", s).is_ok_and(Scope::is_flag_scope))
    }

    /// A frontend token: it may only evaluate, so it is the kind to put in a browser.
    pub fn is_frontend_token(&self) -> bool {
        self.scopes.iter().all(|s| s == Scope::FlagsEvaluate.as_str()) && !self.scopes.is_empty()
    }
}

/// The answer to token creation: the only time the secret is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub secret: String,
    pub token: TokenView,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(Email::parse("email", "  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn email_rejects_garbage_with_field_message() {
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@@example.com", "ada@.com"]
        {
            let err = Email::parse("email", bad).unwrap_err();
            assert!(err.field_message("email").is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn password_needs_twelve_characters_counted_as_characters() {
        assert!(NewPassword::parse("password", "elevenchars").is_err());
        assert!(NewPassword::parse("password", "twelve chars").is_ok());
        // Counted in characters, not bytes: 11 distinct two-byte characters (22 bytes) are too
        // few, 12 are enough. (Distinct, so the repeated-character rule cannot be what refuses.)
        let eleven = "éèêëàâäôöûü";
        assert_eq!(eleven.len(), 22);
        let refused = NewPassword::parse("password", eleven).unwrap_err();
        assert!(refused.field_message("password").unwrap().contains("(11 given)"), "{refused:?}");
        assert!(NewPassword::parse("password", "éèêëàâäôöûüç").is_ok());
        assert!(NewPassword::parse("password", "aaaaaaaaaaaaaaaa").is_err());
    }

    #[test]
    fn confirmation_mismatch_is_reported_on_the_confirmation_field() {
        let err =
            NewPassword::parse_confirmed("password", "correct horse battery", "confirm", "correct horse battery!")
                .unwrap_err();
        assert!(err.field_message("confirm").is_some());
    }

    #[test]
    fn roles_parse_and_only_owner_manages() {
        assert_eq!(Role::parse("role", "PM").unwrap(), Role::Pm);
        assert!(Role::parse("role", "admin").is_err());
        for role in Role::ALL {
            assert!(role.can(Permission::UseConsole));
            assert_eq!(role.can(Permission::ManageUsers), role == Role::Owner);
            assert_eq!(role.can(Permission::ReadAudit), role == Role::Owner);
        }
    }

    #[test]
    fn flag_tokens_need_exactly_one_environment() {
        let flags = vec!["flags:read".to_string()];
        assert!(NewToken::parse("sdk", &flags, "").unwrap_err().field_message("environment").is_some());
        let token = NewToken::parse("sdk", &flags, "production").unwrap();
        assert_eq!(token.environment().unwrap().as_str(), "production");
        let frontend = vec!["flags:evaluate".to_string()];
        assert!(NewToken::parse("web", &frontend, "").unwrap_err().field_message("environment").is_some());
        assert_eq!(NewToken::parse("web", &frontend, "production").unwrap().scopes(), &[Scope::FlagsEvaluate]);
        let audit = vec!["audit:read".to_string()];
        assert!(NewToken::parse("siem", &audit, "production").is_err());
        assert!(NewToken::parse("siem", &audit, "").unwrap().environment().is_none());
    }

    #[test]
    fn token_scopes_are_known_deduplicated_and_required() {
        assert!(NewToken::parse("x", &[], "").unwrap_err().field_message("scopes").is_some());
        assert!(NewToken::parse("x", &["root".into()], "").is_err());
        let t = NewToken::parse("x", &["audit:read".into(), "audit:read".into()], "").unwrap();
        assert_eq!(t.scopes(), &[Scope::AuditRead]);
        assert!(NewToken::parse("  ", &["audit:read".into()], "").unwrap_err().field_message("name").is_some());
    }

    #[test]
    fn environment_names_are_slugs() {
        assert!(EnvironmentName::parse("e", "staging-2").is_ok());
        for bad in ["", "Prod", "2prod", "pro d", "prod!"] {
            assert!(EnvironmentName::parse("e", bad).is_err(), "{bad:?}");
        }
    }
}
