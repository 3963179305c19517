//! Personal API tokens: made and revoked by their owner, checked on every `/api/v1` request.
//!
//! A token is `aiseo_` and the base64url of 32 random bytes. Only its SHA-256 is stored (a token carries
//! 256 bits of chance, so a fast hash is enough: there is nothing to guess), with its first 12 characters
//! to name it in lists. It acts as its user, with the user's role and portfolio at the time of each
//! request; it stops when revoked, when it expires, or when the user is deactivated.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::events::{self, Target};
use crate::model::token::{ApiToken, TokenDraft};
use crate::model::User;
use crate::DomainError;

/// What every token starts with (secret scanners can look for it).
pub const TOKEN_PREFIX: &str = "aiseo_";
/// The characters of a token kept to name it.
const SHOWN: usize = 12;
/// `last_used_at` is written at most this often per token (not on every request).
const TOUCH_EVERY_SECS: i64 = 60;

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

const COLUMNS: &str = "id, name, prefix, created_at, last_used_at, expires_at, revoked_at";
type Row = (Uuid, String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn token(r: Row) -> ApiToken {
    ApiToken { id: r.0, name: r.1, prefix: r.2, created_at: r.3, last_used_at: r.4, expires_at: r.5, revoked_at: r.6 }
}

/// Makes a token for `user`; the secret is in the answer and nowhere else.
pub async fn create(pool: &PgPool, user: Uuid, draft: &TokenDraft) -> Result<(ApiToken, String), DomainError> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let mut tx = pool.begin().await?;
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6)) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(user)
    .bind(&draft.name)
    .bind(&secret[..SHOWN])
    .bind(hash(&secret))
    .bind(draft.expires_in_days.map(|d| d as i32))
    .fetch_one(&mut *tx)
    .await?;
    let made = token(row);
    events::record(
        &mut tx,
        Some(user),
        "user.token_created",
        Target::user(user),
        json!({ "token": made.name, "prefix": made.prefix, "expires_at": made.expires_at }),
    )
    .await?;
    tx.commit().await?;
    Ok((made, secret))
}

/// `user`'s tokens, newest first, revoked ones included.
pub async fn list(pool: &PgPool, user: Uuid) -> Result<Vec<ApiToken>, DomainError> {
    let rows: Vec<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id"))
            .bind(user)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(token).collect())
}

/// Revokes one of `user`'s own tokens (another user's is "not found").
pub async fn revoke(pool: &PgPool, user: Uuid, id: Uuid) -> Result<ApiToken, DomainError> {
    let mut tx = pool.begin().await?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(&mut *tx)
    .await?;
    let revoked = token(row.ok_or(DomainError::NotFound)?);
    events::record(
        &mut tx,
        Some(user),
        "user.token_revoked",
        Target::user(user),
        json!({ "token": revoked.name, "prefix": revoked.prefix }),
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}

/// The token's id and the user it acts as: None when the token is unknown, revoked or expired, or its user
/// inactive.
pub async fn authenticate(pool: &PgPool, secret: &str) -> Result<Option<(Uuid, User)>, DomainError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 100 {
        return Ok(None);
    }
    // One query: the token, whether its last use is old enough to write again, and its (active) user.
    #[derive(sqlx::FromRow)]
    struct Row {
        token_id: Uuid,
        stale: bool,
        #[sqlx(flatten)]
        user: super::users::UserRow,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT t.id AS token_id,
                t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => {TOUCH_EVERY_SECS}) AS stale,
                u.id, u.email, u.name, u.role, u.client_id, u.active, u.created_at, u.last_login_at
           FROM api_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            AND u.active"
    ))
    .bind(hash(secret))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1")
            .bind(row.token_id)
            .execute(pool)
            .await?;
    }
    let token = row.token_id;
    row.user.into_user().map(|u| Some((token, u)))
}
