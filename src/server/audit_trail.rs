//! The audit trail every mutation writes, inside the transaction that makes the change: who
//! (the [`Caller`]) did what (the [`Change`]). The audit domain reads it back; this writes it.

use crate::error::AppError;
use serde_json::Value;
use sqlx::PgConnection;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: i64, email: String },
    Token { id: i64, name: String },
    Cli,
    System,
}

impl Actor {
    /// The form stored in and filtered on in the log: `user:ada@example.com`, `token:deploy`, `cli`, `system`.
    pub fn label(&self) -> String {
        match self {
            Actor::User { email, .. } => format!("user:{email}"),
            Actor::Token { name, .. } => format!("token:{name}"),
            Actor::Cli => "cli".into(),
            Actor::System => "system".into(),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// The actor of a request together with where it came from, for the audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub client_ip: Option<String>,
}

impl Caller {
    pub fn cli() -> Self {
        Self { actor: Actor::Cli, client_ip: None }
    }

    pub fn system() -> Self {
        Self { actor: Actor::System, client_ip: None }
    }
}

/// One change to record: `action` (e.g. `incident.update`) on the entity `entity_type` #`entity_id`,
/// with its state before and after (`None` where it did not exist).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    /// Something new: there was nothing before.
    pub fn created(action: &'a str, entity_type: &'a str, id: impl ToString, after: Value) -> Self {
        Self { action, entity_type, entity_id: id.to_string(), before: None, after: Some(after) }
    }

    /// Something that existed before and after.
    pub fn updated(action: &'a str, entity_type: &'a str, id: impl ToString, before: Value, after: Value) -> Self {
        Self { action, entity_type, entity_id: id.to_string(), before: Some(before), after: Some(after) }
    }

    /// Something that is gone (or revoked) afterwards.
    pub fn removed(action: &'a str, entity_type: &'a str, id: impl ToString, before: Value) -> Self {
        Self { action, entity_type, entity_id: id.to_string(), before: Some(before), after: None }
    }

    /// A change whose before and after are each known only at run time.
    pub fn between(
        action: &'a str,
        entity_type: &'a str,
        id: impl ToString,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Self {
        Self { action, entity_type, entity_id: id.to_string(), before, after }
    }
}

pub async fn record(conn: &mut PgConnection, caller: &Caller, change: Change<'_>) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_user_id, actor, action, entity_type, entity_id, before, after, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        caller.actor.user_id(),
        caller.actor.label(),
        change.action,
        change.entity_type,
        change.entity_id,
        change.before,
        change.after,
        caller.client_ip,
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_labels() {
        assert_eq!(Actor::User { id: 1, email: "a@b.co".into() }.label(), "user:a@b.co");
        assert_eq!(Actor::Cli.label(), "cli");
        assert_eq!(Actor::Token { id: 2, name: "deploy".into() }.user_id(), None);
    }
}
