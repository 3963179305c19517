//! The domain's one error type. Server functions and HTTP handlers map it once to their own errors.
//! Faults (`Unavailable`, `Internal`) keep the error that caused them as their source, for the logs.

use crate::validation::FieldErrors;

/// The error under a fault, kept as its source.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

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
    Unavailable(#[source] Cause),
    /// A fault of ours; details are logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] Cause),
}

/// A cause with what was being done when it happened, shown as `what: cause`.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {cause}")]
pub struct Context {
    what: String,
    #[source]
    cause: Cause,
}

impl Context {
    pub fn new(what: impl Into<String>, cause: impl Into<Cause>) -> Context {
        Context { what: what.into(), cause: cause.into() }
    }
}

impl DomainError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        DomainError::Validation(FieldErrors::one(field, message))
    }

    /// [`DomainError::Unavailable`] caused by `cause` while doing `what`.
    pub fn unavailable(what: impl Into<String>, cause: impl Into<Cause>) -> Self {
        DomainError::Unavailable(Box::new(Context::new(what, cause)))
    }

    /// [`DomainError::Internal`] caused by `cause` while doing `what`.
    pub fn internal(what: impl Into<String>, cause: impl Into<Cause>) -> Self {
        DomainError::Internal(Box::new(Context::new(what, cause)))
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
            | sqlx::Error::WorkerCrashed => DomainError::unavailable("database", err),
            sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) => {
                // 57P01 admin_shutdown and friends, 08xxx connection exceptions.
                DomainError::unavailable("database", err)
            }
            _ => DomainError::internal("database", err),
        }
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn a_database_fault_says_what_failed_and_keeps_the_sqlx_error_as_its_source() {
        let e = DomainError::from(sqlx::Error::PoolTimedOut);
        assert!(matches!(e, DomainError::Unavailable(_)));
        assert_eq!(e.to_string(), format!("service unavailable: database: {}", sqlx::Error::PoolTimedOut));
        let context = e.source().expect("the fault's cause");
        let sqlx_error = context.source().expect("the database error");
        assert!(sqlx_error.downcast_ref::<sqlx::Error>().is_some(), "{sqlx_error:?}");
    }
}
