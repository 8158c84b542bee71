//! The one error type every server fn, API handler and CLI command returns.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// Input refused; `field` names the form field the message belongs to.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// A machine API's request refused as malformed or out of bounds (400); `field` names the
    /// part of the body.
    #[error("{message}")]
    BadRequest { field: String, message: String },
    #[error("Sign in to continue.")]
    Unauthorized,
    #[error("Your role does not allow this.")]
    Forbidden,
    #[error("{what} not found.")]
    NotFound { what: String },
    #[error("{message}")]
    Conflict { message: String },
    /// Refused for now but worth retrying later (throttling, database busy); `retry_after_s`
    /// becomes the `Retry-After` header when known.
    #[error("{message}")]
    Unavailable {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_s: Option<u64>,
    },
    /// Details are logged on the server, never sent.
    #[error("Something went wrong on our side. It has been logged.")]
    Internal,
    /// Transport-level failures of the server-fn machinery itself.
    #[error("{message}")]
    Transport { message: String },
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation { field: field.to_owned(), message: message.into() }
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::BadRequest { field: field.to_owned(), message: message.into() }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable { message: message.into(), retry_after_s: None }
    }

    /// Unavailable, with when to try again.
    pub fn unavailable_for(message: impl Into<String>, retry_after_s: u64) -> Self {
        Self::Unavailable { message: message.into(), retry_after_s: Some(retry_after_s) }
    }

    /// The message to show beside `field`, if this error is about it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::Validation { .. } => 422,
            Self::BadRequest { .. } => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } => 409,
            Self::Unavailable { .. } => 503,
            Self::Internal => 500,
            Self::Transport { .. } => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport { message: value.to_string() }
    }

    fn ser(&self) -> leptos::server_fn::Bytes {
        // Server fn error responses carry the error's own HTTP status, not a blanket 500.
        #[cfg(feature = "ssr")]
        {
            set_response_status(self.status_code());
            if let Self::Unavailable { retry_after_s: Some(seconds), .. } = self {
                set_retry_after(*seconds);
            }
        }
        serde_json::to_vec(self)
            .map(Into::into)
            .unwrap_or_else(|_| leptos::server_fn::Bytes::from_static(b"{\"kind\":\"internal\"}"))
    }
}

/// Sets the status of the response being rendered, when there is one.
#[cfg(feature = "ssr")]
pub fn set_response_status(status: u16) {
    if let (Some(options), Ok(code)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(status))
    {
        options.set_status(code);
    }
}

/// Tells the client of the response being rendered when to retry (with a 503).
#[cfg(feature = "ssr")]
fn set_retry_after(seconds: u64) {
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use axum::response::{IntoResponse, Response};

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match err {
                sqlx::Error::RowNotFound => AppError::not_found("Record"),
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                    tracing::error!(error = %err, "database unavailable");
                    AppError::unavailable("The database is not answering; try again shortly.")
                }
                other => {
                    tracing::error!(error = %other, "database error");
                    AppError::Internal
                }
            }
        }
    }

    /// JSON error bodies for the machine APIs: `{"error": kind, "message", "field"?}`.
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                http::StatusCode::from_u16(self.status_code()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            let kind = serde_json::to_value(&self)
                .ok()
                .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
                .unwrap_or_else(|| "internal".into());
            let mut body = serde_json::json!({ "error": kind, "message": self.to_string() });
            if let AppError::Validation { field, .. } | AppError::BadRequest { field, .. } = &self {
                body["field"] = serde_json::Value::String(field.clone());
            }
            let mut response = (status, axum::Json(body)).into_response();
            if let AppError::Unavailable { retry_after_s: Some(seconds), .. } = &self {
                response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(*seconds));
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_belongs_to_its_field_only() {
        let err = AppError::validation("email", "Enter an email address.");
        assert_eq!(err.field_message("email").as_deref(), Some("Enter an email address."));
        assert_eq!(err.field_message("password"), None);
        assert_eq!(err.status_code(), 422);
    }

    #[test]
    fn internal_error_shows_no_detail() {
        assert!(!AppError::Internal.to_string().contains("sql"));
        assert_eq!(AppError::Internal.status_code(), 500);
    }

    #[test]
    fn round_trips_through_json() {
        let err = AppError::conflict("That email is already in use.");
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err);
    }
}
