//! The domain's one error type. Server functions and HTTP handlers map it once to their own errors.

use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The caller's input is wrong; every message names its field.
    #[error("invalid input: {0}")]
    Validation(FieldErrors),
    /// The record does not exist, or the caller may not know that it exists.
    #[error("not found")]
    NotFound,
    /// A business rule refuses the change (e.g. demoting the last active admin).
    #[error("{0}")]
    Rule(String),
    /// Postgres or Redis can't be reached right now; retrying later may work.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A fault of ours; details are logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        DomainError::Validation(FieldErrors::one(field, message))
    }
}

#[cfg(feature = "server")]
impl From<sqlx::Error> for DomainError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => DomainError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DomainError::Unavailable(format!("database: {err}")),
            sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) => {
                // 57P01 admin_shutdown and friends, 08xxx connection exceptions.
                DomainError::Unavailable(format!("database: {err}"))
            }
            _ => DomainError::Internal(format!("database: {err}")),
        }
    }
}
