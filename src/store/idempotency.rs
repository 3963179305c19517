//! `Idempotency-Key` for API creates: the first request with a key runs and its answer is kept for
//! [`KEEP_HOURS`]; the same key with the same request answers the kept answer (nothing is created twice,
//! also when the two arrive at once: they take turns on an advisory lock); the same key with another
//! request is refused naming the header. Failed requests are not kept, so they can be tried again.

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::future::Future;
use uuid::Uuid;

use crate::validation::FieldErrors;
use crate::DomainError;

/// How long a key's answer is kept.
pub const KEEP_HOURS: i64 = 24;
/// Longest key accepted.
pub const KEY_MAX: usize = 255;

/// An answer: its HTTP status and JSON body, and whether it was kept from an earlier request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

/// Runs `run` once per `(user, key)` for the request whose bytes are `request`.
pub async fn once<F, Fut>(pool: &PgPool, user: Uuid, key: &str, request: &[u8], run: F) -> Result<Answer, DomainError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(u16, Value), DomainError>>,
{
    let key = key.trim();
    if key.is_empty() || key.len() > KEY_MAX || key.chars().any(|c| c.is_control()) {
        return Err(DomainError::Validation(FieldErrors::one(
            "Idempotency-Key",
            format!("must be 1 to {KEY_MAX} visible characters"),
        )));
    }
    let hash = Sha256::digest(request).to_vec();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("idempotency:{user}:{key}"))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM api_idempotency WHERE user_id = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)")
        .bind(user)
        .bind(key)
        .bind(KEEP_HOURS as i32)
        .execute(&mut *tx)
        .await?;
    let kept: Option<(Vec<u8>, i16, Value)> =
        sqlx::query_as("SELECT request_hash, status, body FROM api_idempotency WHERE user_id = $1 AND key = $2")
            .bind(user)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((kept_hash, status, body)) = kept {
        if kept_hash != hash {
            return Err(DomainError::Validation(FieldErrors::one(
                "Idempotency-Key",
                "was used with another request in the last 24 hours; use a new key",
            )));
        }
        return Ok(Answer { status: status as u16, body, replayed: true });
    }
    let (status, body) = run().await?;
    sqlx::query("INSERT INTO api_idempotency (user_id, key, request_hash, status, body) VALUES ($1, $2, $3, $4, $5)")
        .bind(user)
        .bind(key)
        .bind(&hash)
        .bind(status as i16)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Answer { status, body, replayed: false })
}
