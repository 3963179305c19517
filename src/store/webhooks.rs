//! Webhook endpoints and their delivery log: what the admin pages read and change. Turning events into
//! messages and delivering them is `crate::webhooks::dispatch`'s.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::events::{self, Target};
use crate::model::webhook::{Attempt, Endpoint, EndpointDetail, EndpointDraft, Message, MessageStatus, TEST_EVENT};
use crate::webhooks::Secret;
use crate::DomainError;

/// The `NOTIFY` channel that wakes the dispatchers when messages were queued by hand (test, redeliver,
/// replay); new events wake them through `events::CHANNEL`.
pub const CHANNEL: &str = "aiseo_webhooks";

/// The most events one replay turns into messages.
pub const REPLAY_MAX: i64 = 10_000;

const ENDPOINT_COLUMNS: &str = "e.id, e.url, e.description, e.event_types, e.active, e.disabled_reason,
    CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_until END, e.secret_rotated_at,
    e.failing_since, e.created_at, e.updated_at,
    (SELECT count(*) FROM webhook_messages m WHERE m.endpoint_id = e.id AND m.status = 'pending'),
    la.at, la.status_code";

const ENDPOINT_FROM: &str = "webhook_endpoints e
    LEFT JOIN LATERAL (SELECT a.at, a.status_code FROM webhook_attempts a WHERE a.endpoint_id = e.id
                        ORDER BY a.id DESC LIMIT 1) la ON true";

type EndpointRow = (
    Uuid,
    String,
    String,
    Vec<String>,
    bool,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
    Option<DateTime<Utc>>,
    Option<i32>,
);

fn endpoint(r: EndpointRow) -> Endpoint {
    Endpoint {
        id: r.0,
        url: r.1,
        description: r.2,
        event_types: r.3,
        active: r.4,
        disabled_reason: r.5,
        previous_secret_until: r.6,
        secret_rotated_at: r.7,
        failing_since: r.8,
        created_at: r.9,
        updated_at: r.10,
        pending: r.11,
        last_attempt: r.12.map(|at| (at, r.13)),
    }
}

pub async fn list(pool: &PgPool) -> Result<Vec<Endpoint>, DomainError> {
    let rows: Vec<EndpointRow> =
        sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM {ENDPOINT_FROM} ORDER BY e.created_at, e.id"))
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(endpoint).collect())
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Endpoint, DomainError> {
    let row: Option<EndpointRow> =
        sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM {ENDPOINT_FROM} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(endpoint).ok_or(DomainError::NotFound)
}

/// An endpoint with its newest `limit` messages and attempts.
pub async fn detail(pool: &PgPool, id: Uuid, limit: i64) -> Result<EndpointDetail, DomainError> {
    let endpoint = get(pool, id).await?;
    type MessageRow =
        (i64, String, Option<i64>, String, String, i32, DateTime<Utc>, Option<i32>, Option<String>, DateTime<Utc>);
    let messages: Vec<MessageRow> = sqlx::query_as(
        "SELECT id, msg_id, event_id, event_type, status, attempts, next_attempt_at, last_status_code, last_error,
                created_at
           FROM webhook_messages WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    type AttemptRow = (i64, i64, String, String, i32, DateTime<Utc>, Option<i32>, Option<String>, i32, String);
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "SELECT a.id, a.message_id, m.msg_id, m.event_type, a.attempt, a.at, a.status_code, a.error, a.duration_ms,
                a.response
           FROM webhook_attempts a JOIN webhook_messages m ON m.id = a.message_id
          WHERE a.endpoint_id = $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(EndpointDetail {
        endpoint,
        messages: messages
            .into_iter()
            .map(|r| Message {
                id: r.0,
                msg_id: r.1,
                event_id: r.2,
                event_type: r.3,
                status: MessageStatus::parse(&r.4).unwrap_or(MessageStatus::Pending),
                attempts: r.5,
                next_attempt_at: r.6,
                last_status_code: r.7,
                last_error: r.8,
                created_at: r.9,
            })
            .collect(),
        attempts: attempts
            .into_iter()
            .map(|r| Attempt {
                id: r.0,
                message_id: r.1,
                msg_id: r.2,
                event_type: r.3,
                attempt: r.4,
                at: r.5,
                status_code: r.6,
                error: r.7,
                duration_ms: r.8,
                response: r.9,
            })
            .collect(),
    })
}

/// Adds an endpoint signing with `secret`.
pub async fn create(
    pool: &PgPool,
    actor: Uuid,
    draft: &EndpointDraft,
    secret: &Secret,
) -> Result<Endpoint, DomainError> {
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, url, description, event_types, active, secret, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(draft.url.as_str())
    .bind(&draft.description)
    .bind(&draft.event_types)
    .bind(draft.active)
    .bind(secret.expose())
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    events::record(
        &mut tx,
        Some(actor),
        "webhook.created",
        Target::webhook(id),
        json!({ "url": draft.url.as_str(), "event_types": draft.event_types }),
    )
    .await?;
    tx.commit().await?;
    get(pool, id).await
}

/// Changes an endpoint. Switching it on again clears why it was switched off and its failing streak.
pub async fn update(pool: &PgPool, actor: Uuid, id: Uuid, draft: &EndpointDraft) -> Result<Endpoint, DomainError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE webhook_endpoints
            SET url = $2, description = $3, event_types = $4, active = $5, updated_at = now(),
                disabled_reason = CASE WHEN $5 THEN NULL ELSE disabled_reason END,
                failing_since = CASE WHEN $5 AND NOT active THEN NULL ELSE failing_since END
          WHERE id = $1",
    )
    .bind(id)
    .bind(draft.url.as_str())
    .bind(&draft.description)
    .bind(&draft.event_types)
    .bind(draft.active)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound);
    }
    events::record(
        &mut tx,
        Some(actor),
        "webhook.updated",
        Target::webhook(id),
        json!({ "url": draft.url.as_str(), "event_types": draft.event_types, "active": draft.active }),
    )
    .await?;
    tx.commit().await?;
    wake(pool).await;
    get(pool, id).await
}

pub async fn delete(pool: &PgPool, actor: Uuid, id: Uuid) -> Result<(), DomainError> {
    let mut tx = pool.begin().await?;
    let url: Option<String> = sqlx::query_scalar("DELETE FROM webhook_endpoints WHERE id = $1 RETURNING url")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let url = url.ok_or(DomainError::NotFound)?;
    events::record(&mut tx, Some(actor), "webhook.deleted", Target::webhook(id), json!({ "url": url })).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes `secret` the endpoint's signing secret; the one it replaces keeps signing beside it for `overlap`.
pub async fn rotate(
    pool: &PgPool,
    actor: Uuid,
    id: Uuid,
    secret: &Secret,
    overlap: chrono::Duration,
) -> Result<Endpoint, DomainError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE webhook_endpoints
            SET previous_secret = secret, previous_secret_until = now() + $3, secret = $2,
                secret_rotated_at = now(), updated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(secret.expose())
    .bind(overlap)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound);
    }
    events::record(
        &mut tx,
        Some(actor),
        "webhook.secret_rotated",
        Target::webhook(id),
        json!({ "overlap_hours": overlap.num_hours() }),
    )
    .await?;
    tx.commit().await?;
    get(pool, id).await
}

/// A new message id: `msg_` and 32 hex digits.
pub fn new_msg_id() -> String {
    format!("msg_{}", Uuid::new_v4().simple())
}

/// Queues a `webhook.test` message to the endpoint, whatever it subscribes to. Returns its `msg_id`.
pub async fn send_test(pool: &PgPool, actor: Uuid, id: Uuid) -> Result<String, DomainError> {
    get(pool, id).await?;
    let msg_id = new_msg_id();
    let payload = json!({
        "type": TEST_EVENT,
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": { "endpoint_id": id, "sent_by": actor, "message": "A test event from AI SEO Architects." },
    });
    sqlx::query(
        "INSERT INTO webhook_messages (msg_id, endpoint_id, event_id, event_type, payload) VALUES ($1, $2, NULL, $3, $4)",
    )
    .bind(&msg_id)
    .bind(id)
    .bind(TEST_EVENT)
    .bind(payload)
    .execute(pool)
    .await?;
    wake(pool).await;
    Ok(msg_id)
}

/// Tries one message of the endpoint again now (one more attempt, the same `msg_id`).
pub async fn redeliver(pool: &PgPool, endpoint_id: Uuid, message_id: i64) -> Result<(), DomainError> {
    let done = sqlx::query(
        "UPDATE webhook_messages SET status = 'pending', next_attempt_at = now(), updated_at = now()
          WHERE id = $1 AND endpoint_id = $2 AND (status <> 'pending' OR next_attempt_at > now())",
    )
    .bind(message_id)
    .bind(endpoint_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM webhook_messages WHERE id = $1 AND endpoint_id = $2")
                .bind(message_id)
                .bind(endpoint_id)
                .fetch_optional(pool)
                .await?;
        exists.ok_or(DomainError::NotFound)?;
    }
    wake(pool).await;
    Ok(())
}

/// Sends everything since `since` to the endpoint again: its messages of that time go out once more (the
/// same ids, so receivers that have them skip them), and subscribed events that have no message yet (the
/// endpoint was off, or subscribed later) get one. At most [`REPLAY_MAX`] events. Returns how many
/// messages were queued.
pub async fn replay(pool: &PgPool, actor: Uuid, id: Uuid, since: DateTime<Utc>) -> Result<u64, DomainError> {
    let endpoint = get(pool, id).await?;
    let mut tx = pool.begin().await?;
    let again = sqlx::query(
        "UPDATE webhook_messages SET status = 'pending', next_attempt_at = now(), updated_at = now()
          WHERE endpoint_id = $1 AND created_at >= $2 AND event_id IS NOT NULL",
    )
    .bind(id)
    .bind(since)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e
          WHERE e.at >= $1 AND e.action = ANY($2)
            AND NOT EXISTS (SELECT 1 FROM webhook_messages m WHERE m.endpoint_id = $3 AND m.event_id = e.id)
          ORDER BY e.id LIMIT $4"
    ))
    .bind(since)
    .bind(&endpoint.event_types)
    .bind(id)
    .bind(REPLAY_MAX)
    .fetch_all(&mut *tx)
    .await?;
    let events: Vec<EventForHook> = rows.into_iter().map(EventForHook::from).collect();
    let pairs: Vec<(Uuid, &EventForHook)> = events.iter().map(|e| (id, e)).collect();
    let added = insert_messages(&mut tx, &pairs).await?;
    events::record(
        &mut tx,
        Some(actor),
        "webhook.replayed",
        Target::webhook(id),
        json!({ "since": since, "messages": again + added }),
    )
    .await?;
    tx.commit().await?;
    wake(pool).await;
    Ok(again + added)
}

/// How long delivered and failed messages (and their attempts) are kept.
pub const KEEP_DAYS: i64 = 30;

/// Deletes delivered and failed messages last touched more than `keep` ago, with their attempts; pending
/// ones stay whatever their age. Returns how many went.
pub async fn prune(pool: &PgPool, keep: chrono::Duration) -> Result<u64, DomainError> {
    let done = sqlx::query("DELETE FROM webhook_messages WHERE status <> 'pending' AND updated_at < now() - $1")
        .bind(keep)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Wakes the dispatchers (best effort: they also poll).
pub async fn wake(pool: &PgPool) {
    if let Err(e) = sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(pool).await {
        tracing::debug!(error = %e, "waking the webhook dispatchers");
    }
}

/// An event as a webhook carries it.
#[derive(Debug, Clone)]
pub struct EventForHook {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub client_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub detail: Value,
}

pub(crate) const EVENT_COLUMNS: &str =
    "e.id, e.at, e.action, e.target_type, e.target_id, e.client_id, e.actor_id, e.detail";
pub(crate) type EventRow = (i64, DateTime<Utc>, String, String, String, Option<Uuid>, Option<Uuid>, Value);

impl From<EventRow> for EventForHook {
    fn from(r: EventRow) -> EventForHook {
        EventForHook {
            id: r.0,
            at: r.1,
            action: r.2,
            target_type: r.3,
            target_id: r.4,
            client_id: r.5,
            actor_id: r.6,
            detail: r.7,
        }
    }
}

impl EventForHook {
    /// The message body, in the Standard Webhooks shape: `type`, `timestamp` (when the event happened,
    /// RFC 3339) and `data` (the event: its id, what it is about, who did it and its details).
    pub fn payload(&self) -> Value {
        json!({
            "type": self.action,
            "timestamp": self.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": {
                "event_id": self.id,
                "target": { "type": self.target_type, "id": self.target_id },
                "client_id": self.client_id,
                "actor_id": self.actor_id,
                "detail": self.detail,
            },
        })
    }
}

/// Queues one message per `(endpoint, event)` pair that has none yet. Returns how many were added.
pub(crate) async fn insert_messages(
    conn: &mut PgConnection,
    pairs: &[(Uuid, &EventForHook)],
) -> Result<u64, DomainError> {
    if pairs.is_empty() {
        return Ok(0);
    }
    let mut msg_ids = Vec::with_capacity(pairs.len());
    let mut endpoints = Vec::with_capacity(pairs.len());
    let mut event_ids = Vec::with_capacity(pairs.len());
    let mut types = Vec::with_capacity(pairs.len());
    let mut payloads = Vec::with_capacity(pairs.len());
    for (endpoint, event) in pairs {
        msg_ids.push(new_msg_id());
        endpoints.push(*endpoint);
        event_ids.push(event.id);
        types.push(event.action.clone());
        payloads.push(event.payload());
    }
    let done = sqlx::query(
        "INSERT INTO webhook_messages (msg_id, endpoint_id, event_id, event_type, payload)
         SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::jsonb[])
         ON CONFLICT (endpoint_id, event_id) DO NOTHING",
    )
    .bind(&msg_ids)
    .bind(&endpoints)
    .bind(&event_ids)
    .bind(&types)
    .bind(&payloads)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
