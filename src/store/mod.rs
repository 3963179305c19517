//! Postgres access. Every mutation writes its row and an `events` row in one transaction.

pub mod campaigns;
pub mod client_index;
pub mod clients;
pub mod crawls;
pub mod events;
pub mod users;

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
        .map_err(|e| DomainError::Internal(format!("DATABASE_URL is not a valid Postgres URL: {e}")))?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        // No ping before every checkout (a round trip per query): a connection that died with the server
        // fails its query with a 503 and is dropped, and the pool opens fresh ones once Postgres is back.
        .test_before_acquire(false)
        .connect_lazy_with(options))
}

pub async fn migrate(pool: &PgPool) -> Result<(), DomainError> {
    MIGRATOR.run(pool).await.map_err(|e| DomainError::Unavailable(format!("running migrations: {e}")))
}
