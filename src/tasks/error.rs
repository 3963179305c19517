//! Why a task's run failed: the one error type between the agents' input loaders, the runner and the
//! worker. Its [`kind`](TaskError::kind) is what the queue stores and decides on: input failures are not
//! retried, agent failures are retried with backoff and counted by the agent's circuit.

use chrono::{DateTime, Utc};

use super::queue::FailureKind;
use crate::error::{Cause, Context};
use crate::model::AgentId;
use crate::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The input can't work (the client is gone, a required record is missing, the site isn't crawlable):
    /// retrying won't help.
    #[error("{0}")]
    Input(String),
    /// The agent or what it depends on (storage, the network) failed: worth a retry.
    #[error("{0}")]
    Failed(#[source] Cause),
    /// A message could not be handed to the mail server: worth a retry, but not the agent's failure.
    #[error("{0}")]
    Delivery(#[source] Cause),
    /// An admin disabled the agent.
    #[error("the {} agent is disabled by an admin", .0.label())]
    Disabled(AgentId),
    /// The agent failed too often in a row; it runs again after the cooldown.
    #[error(
        "the {} agent's circuit is open after {failures} failures in a row; it closes at {} UTC",
        .agent.label(),
        .until.format("%H:%M:%S")
    )]
    CircuitOpen { agent: AgentId, until: DateTime<Utc>, failures: i64 },
}

impl TaskError {
    pub fn input(message: impl Into<String>) -> TaskError {
        TaskError::Input(message.into())
    }

    /// A retryable failure saying `what` failed, shown as "what: cause", the cause kept as its source.
    pub fn failed(what: impl Into<String>, cause: impl std::error::Error + Send + Sync + 'static) -> TaskError {
        TaskError::Failed(Box::new(Context::new(what, cause)))
    }

    /// A retryable mail failure saying `what` failed, shown as "what: cause".
    pub fn delivery(what: impl Into<String>, cause: impl std::error::Error + Send + Sync + 'static) -> TaskError {
        TaskError::Delivery(Box::new(Context::new(what, cause)))
    }

    /// How the queue records the failure.
    pub fn kind(&self) -> FailureKind {
        match self {
            TaskError::Input(_) => FailureKind::Input,
            TaskError::Failed(_) => FailureKind::Agent,
            TaskError::Delivery(_) => FailureKind::Delivery,
            TaskError::Disabled(_) => FailureKind::Disabled,
            TaskError::CircuitOpen { .. } => FailureKind::Circuit,
        }
    }
}

impl From<DomainError> for TaskError {
    fn from(e: DomainError) -> TaskError {
        match e {
            DomainError::NotFound => TaskError::input("the client or campaign it was about no longer exists"),
            DomainError::Validation(errors) => TaskError::Input(errors.to_string()),
            DomainError::Rule(m) => TaskError::Input(m),
            DomainError::Unavailable(cause) | DomainError::Internal(cause) => TaskError::Failed(cause),
        }
    }
}

impl From<tokio::task::JoinError> for TaskError {
    fn from(e: tokio::task::JoinError) -> TaskError {
        TaskError::Failed(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_agent_failures_are_retried_and_a_missing_record_is_an_input_failure() {
        assert_eq!(TaskError::from(DomainError::NotFound).kind(), FailureKind::Input);
        assert_eq!(TaskError::from(DomainError::Rule("no".into())).kind(), FailureKind::Input);
        let down = TaskError::from(DomainError::Unavailable("database: gone".into()));
        assert_eq!((down.kind(), down.to_string()), (FailureKind::Agent, "database: gone".to_string()));
        assert_eq!(TaskError::Disabled(AgentId::Reporting).to_string(), "the Reporting agent is disabled by an admin");
        // A mail server's failure is retried, but recorded apart from the agent's own failures.
        let mail = TaskError::delivery("sending the report email failed", std::io::Error::other("refused"));
        assert_eq!(mail.kind(), FailureKind::Delivery);
        assert!(mail.kind().retried() && FailureKind::Agent.retried() && !FailureKind::Input.retried());
        assert_eq!(mail.to_string(), "sending the report email failed: refused");
    }
}
