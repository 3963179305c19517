//! The events table: the activity feeds and the activity log.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::Event;
use crate::DomainError;

/// What an event is about.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: String,
    /// The client it belongs to, when it concerns one (activity feeds and portfolio scoping use it).
    pub client_id: Option<Uuid>,
}

impl<'a> Target<'a> {
    pub fn user(id: Uuid) -> Target<'a> {
        Target { kind: "user", id: id.to_string(), client_id: None }
    }

    pub fn client(id: Uuid) -> Target<'a> {
        Target { kind: "client", id: id.to_string(), client_id: Some(id) }
    }

    pub fn campaign(id: Uuid, client_id: Uuid) -> Target<'a> {
        Target { kind: "campaign", id: id.to_string(), client_id: Some(client_id) }
    }

    pub fn task(id: Uuid, client_id: Option<Uuid>) -> Target<'a> {
        Target { kind: "task", id: id.to_string(), client_id }
    }

    pub fn agent(agent: &'a str) -> Target<'a> {
        Target { kind: "agent", id: agent.to_string(), client_id: None }
    }
}

/// Appends an event; call it inside the transaction of the change it describes.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    action: &str,
    target: Target<'_>,
    detail: Value,
) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO events (actor_id, action, target_type, target_id, client_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(actor)
    .bind(action)
    .bind(target.kind)
    .bind(target.id)
    .bind(target.client_id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// The activity of one client (its own events and its campaigns'), newest first. Task status changes are
/// left out: the client page lists the client's tasks on their own.
pub async fn for_client(pool: &PgPool, client_id: Uuid, limit: i64) -> Result<Vec<Event>, DomainError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.email, e.action, e.target_type, e.target_id, e.detail
           FROM events e LEFT JOIN users u ON u.id = e.actor_id
          WHERE e.client_id = $1 AND e.action NOT LIKE 'task.%'
          ORDER BY e.id DESC
          LIMIT $2",
    )
    .bind(client_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

type EventRow = (i64, chrono::DateTime<chrono::Utc>, Option<Uuid>, Option<String>, String, String, String, Value);

fn from_row(r: EventRow) -> Event {
    Event {
        id: r.0,
        at: r.1,
        actor_id: r.2,
        actor_email: r.3,
        action: r.4,
        target_type: r.5,
        target_id: r.6,
        detail: r.7,
    }
}

/// Events whose action starts with `action_prefix` (e.g. `user.`), newest first, before `before_id` when given.
pub async fn list(
    pool: &PgPool,
    action_prefix: &str,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Event>, DomainError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.email, e.action, e.target_type, e.target_id, e.detail
           FROM events e LEFT JOIN users u ON u.id = e.actor_id
          WHERE e.action LIKE $1 || '%' AND ($2::bigint IS NULL OR e.id < $2)
          ORDER BY e.id DESC
          LIMIT $3",
    )
    .bind(action_prefix.replace('%', "").replace('_', "\\_"))
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}
