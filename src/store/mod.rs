//! Postgres access. Every mutation writes its row and an `events` row in one transaction; every read of
//! client data is limited to the caller's portfolio by the one rule in [`scope`].

pub mod activity;
pub mod analytics;
pub mod campaigns;
pub mod client_index;
pub mod clients;
pub mod crawls;
pub mod dashboard;
pub mod deliveries;
pub mod events;
pub mod idempotency;
pub mod messages;
pub mod portal;
pub mod reports;
pub mod scope;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod webhooks;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

use crate::DomainError;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool that fails fast when Postgres is away (so requests answer 503 quickly) and reconnects by itself
/// when it is back.
pub fn pool(url: &str, max_connections: u32) -> Result<PgPool, DomainError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| DomainError::internal("DATABASE_URL is not a valid Postgres URL", e))?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        // No ping before every checkout (a round trip per query): a connection that died with the server
        // fails its query with a 503 and is dropped, and the pool opens fresh ones once Postgres is back.
        .test_before_acquire(false)
        .connect_lazy_with(options))
}

/// How a transaction that may meet a running worker ended: Postgres aborted it as a deadlock or a
/// serialization failure (worth running again), or it failed for good.
pub(crate) enum Attempt {
    Again,
    Failed(DomainError),
}

impl From<sqlx::Error> for Attempt {
    fn from(e: sqlx::Error) -> Attempt {
        let contention = e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "40P01" || c == "40001");
        if contention {
            Attempt::Again
        } else {
            Attempt::Failed(e.into())
        }
    }
}

impl From<DomainError> for Attempt {
    fn from(e: DomainError) -> Attempt {
        Attempt::Failed(e)
    }
}

/// Runs a transaction up to three times while Postgres aborts it for contention (a delete meeting a worker
/// that completes or fails the same tasks in another order, say).
pub(crate) async fn with_retries<T, F, Fut>(what: &str, mut run: F) -> Result<T, DomainError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Attempt>>,
{
    for attempt in 1..=3 {
        match run().await {
            Ok(v) => return Ok(v),
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::Again) => tracing::info!(attempt, "{what}: aborted by contention, running it again"),
        }
    }
    Err(DomainError::Unavailable(format!("{what} kept meeting concurrent work; try again").into()))
}

pub async fn migrate(pool: &PgPool) -> Result<(), DomainError> {
    MIGRATOR.run(pool).await.map_err(|e| DomainError::unavailable("running migrations", e))
}
