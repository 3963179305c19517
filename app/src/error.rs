//! The error type of the server-function boundary: what the browser gets back.

use domain::validation::FieldErrors;
use domain::DomainError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Please correct the fields marked below.")]
    Validation(FieldErrors),
    /// A business rule refused the change; the message says which and what to do.
    #[error("{0}")]
    Rule(String),
    #[error("Invalid email or password.")]
    InvalidCredentials,
    #[error("Too many failed sign-ins. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error("The service is temporarily unavailable. Try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. It has been logged.")]
    Internal,
    #[error("The request could not be read: {0}")]
    BadRequest(String),
}

impl AppError {
    /// The HTTP status the server answers with (set by the server's response mapping).
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Validation(_) => 422,
            AppError::Rule(_) => 409,
            AppError::Throttled { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
            AppError::BadRequest(_) => 400,
        }
    }

    /// A validation error of one field: what a server function answers when one value is refused.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::one(field, message))
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::BadRequest(m)
            }
            // The browser could not reach the server.
            ServerFnErrorErr::Request(_) => AppError::Unavailable,
            _ => AppError::Internal,
        }
    }
}

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Validation(errors) => AppError::Validation(errors),
            DomainError::NotFound => AppError::NotFound,
            DomainError::Rule(message) => AppError::Rule(message),
            DomainError::Unavailable(detail) => {
                #[cfg(feature = "ssr")]
                tracing::warn!(%detail, "dependency unavailable");
                let _ = detail;
                AppError::Unavailable
            }
            DomainError::Internal(detail) => {
                #[cfg(feature = "ssr")]
                tracing::error!(%detail, "internal error");
                let _ = detail;
                AppError::Internal
            }
        }
    }
}

impl From<domain::policy::Denied> for AppError {
    fn from(denied: domain::policy::Denied) -> Self {
        match denied {
            domain::policy::Denied::Unauthenticated => AppError::Unauthenticated,
            domain::policy::Denied::Forbidden => AppError::Forbidden,
        }
    }
}
